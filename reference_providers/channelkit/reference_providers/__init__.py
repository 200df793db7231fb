"""Reference channelkit providers, built on the public SDK only."""

from __future__ import annotations

import importlib.metadata

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    """``__version__``, read from the installed distribution when first asked for."""
    if name == "__version__":
        return importlib.metadata.version("channelkit-reference-providers")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
