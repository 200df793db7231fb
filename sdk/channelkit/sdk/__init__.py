"""channelkit.sdk — what provider authors and agent clients program against.

The SDK speaks plain Python: enumerations and exceptions here, pydantic models
and the provider runtime as they arrive. Generated protobuf types never appear
in this public surface.
"""

from __future__ import annotations

from channelkit.sdk._enums import NotificationAction
from channelkit.sdk._enums import NotificationReason
from channelkit.sdk._enums import PageType
from channelkit.sdk._enums import PanelMode
from channelkit.sdk.errors import ChannelkitError
from channelkit.sdk.errors import ErrorCode
from channelkit.sdk.errors import ErrorReason

__all__ = [
    "ChannelkitError",
    "ErrorCode",
    "ErrorReason",
    "NotificationAction",
    "NotificationReason",
    "PageType",
    "PanelMode",
]
