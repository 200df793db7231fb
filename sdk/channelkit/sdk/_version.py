"""The SDK's version, read once from the installed distribution's metadata (the one place it is written)."""

from __future__ import annotations

import functools
import importlib.metadata

DISTRIBUTION = "channelkit-sdk"


@functools.cache
def version() -> str:
    """The installed ``channelkit-sdk`` version, e.g. ``0.1.0``."""
    return importlib.metadata.version(DISTRIBUTION)


def software_version() -> str:
    """What a provider reports to its host in Hello, e.g. ``channelkit-sdk/0.1.0``."""
    return f"{DISTRIBUTION}/{version()}"
