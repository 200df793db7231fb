"""The pluggy markers, bound to the project name ``channelkit``.

The spec marker stays private: only channelkit defines hooks. Plugins use the
public :data:`hookimpl` (re-exported from :mod:`channelkit.sdk`).
"""

from __future__ import annotations

from typing import Final

import pluggy

PROJECT_NAME: Final = "channelkit"
ENTRY_POINT_GROUP: Final = "channelkit.providers"

hookspec: Final = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl: Final = pluggy.HookimplMarker(PROJECT_NAME)
