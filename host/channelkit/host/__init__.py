"""channelkit.host — the reference host: workspaces, rules and the gRPC edge.

Run it with ``channelkit serve``. The pure rules live in
:mod:`channelkit.host.core`; everything else here is an edge around it.
:mod:`channelkit.host.testing` runs a provider against this host in memory.
"""

from __future__ import annotations

import importlib.metadata

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    """``__version__``, read from the installed distribution when first asked for."""
    if name == "__version__":
        return importlib.metadata.version("channelkit-host")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
