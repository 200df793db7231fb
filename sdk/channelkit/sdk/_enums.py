"""Enumerations shared by the SDK and the host.

Values equal the numbers of the matching ``channelkit.v1`` protobuf enums, so
converting between the two is ``int(value)`` and back; a contract test keeps
the names and numbers in step.
"""

from __future__ import annotations

from enum import IntEnum


class PageType(IntEnum):
    """How the agent's client renders a tab."""

    URL = 1
    CUSTOM = 2
    TRANSCRIPT = 3
    RECORD = 4


class PanelMode(IntEnum):
    """State of the communication panel in the agent's client."""

    DOCKED = 1
    MINIMIZED = 2
    HIDDEN = 3


class NotificationAction(IntEnum):
    """How a toast ended (CIF's ``actionName``)."""

    ACCEPT = 1
    REJECT = 2
    TIMEOUT = 3
    CANCELLED = 4


class NotificationReason(IntEnum):
    """Why a toast ended (CIF's ``responseReason``)."""

    ACCEPT = 1
    AUTO_ACCEPT = 2
    DECLINED_BY_AGENT = 3
    QUEUE_LIMIT_EXCEEDED = 4
    QUEUE_TIME_LIMIT_EXCEEDED = 5
    DISPLAY_TIMEOUT = 6
    CANCELLED = 7
    HOST_SHUTDOWN = 8


class AuthorRole(IntEnum):
    """Who wrote a transcript entry."""

    CUSTOMER = 1
    AGENT = 2
    SYSTEM = 3
