"""Every limit, identifier pattern and default of the channelkit.v1 contract, written once.

The host's core checks requests against these numbers, the host configuration
takes its defaults and ranges from them, the SDK's models and the docs quote
them, and a contract test checks that the comments in the ``.proto`` files say
the same. Lengths count characters (Unicode code points).

The SDK itself does not check requests against them before sending: the host
is the one judge, so a vendor gets the same :class:`~channelkit.sdk.errors.InvalidArgument`
(reason, ``field``) whether the provider runs in-process, remotely or in the
testing kit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from typing import Generic
from typing import TypeVar

N = TypeVar("N", int, float)


@dataclass(frozen=True, slots=True)
class MapLimit:
    """The bounds of a string map: how many entries, and how long a key and a value may be."""

    entries: int
    key: int
    value: int


@dataclass(frozen=True, slots=True)
class Setting(Generic[N]):
    """A limit the host configuration may change: its default and the range a configuration may choose."""

    default: N
    low: N
    high: N


# --- identifiers -------------------------------------------------------------------------------------

ID_MAX: Final = 128
"""Ids (agent, session, tab, notification, request and correlation ids, tokens): at most 128 characters."""
ID_PATTERN: Final = r"[A-Za-z0-9][A-Za-z0-9._:@\-]*"
"""An id: letters, digits and ``. _ : @ -``, starting with a letter or digit (matched whole)."""
PROVIDER_NAME_PATTERN: Final = r"[a-z0-9][a-z0-9_-]{0,63}"
"""A provider's name: 1–64 of a-z, 0-9, ``-`` and ``_``, starting with a letter or digit (matched whole)."""
TEMPLATE_NAME_PATTERN: Final = r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}"
"""A template's name, for example ``telephony.incoming`` (matched whole)."""
PLACEHOLDER_NAME_PATTERN: Final = r"[A-Za-z0-9_.:@-]{1,128}"
"""The name inside a ``{placeholder}``."""
ENTITY_NAME_MAX: Final = 64
CHANNEL_MAX: Final = 64
LABEL_MAX: Final = 100
"""A provider's or agent's display name."""

# --- sessions and tabs -------------------------------------------------------------------------------

TITLE_MAX: Final = 200
"""Session and tab titles, and KPI-breach details."""
TARGET_MAX: Final = 2048
"""A tab's URL or custom page name."""
CONTEXT: Final = MapLimit(entries=64, key=128, value=2048)
"""A session's context bag, and template parameters."""
MESSAGES_COUNT_MAX: Final = 100_000
ICON_MAX: Final = 1024

# --- toasts --------------------------------------------------------------------------------------------

NOTIFICATION_TITLE_MAX: Final = 100
NOTIFICATION_FIELDS_MAX: Final = 4
FIELD_HEADER_MAX: Final = 200
FIELD_VALUE_MAX: Final = 1028
BUTTON_LABEL_MAX: Final = 40
"""A toast's accept/reject label and a session action's label."""
NOTIFICATION_TIMEOUT_MAX: Final = 500
"""Seconds a toast may stay on screen."""
RESOLVED_NOTIFICATIONS_KEPT: Final = 256
"""Ended toasts a workspace remembers, so that CreateSession can quote an accepted one as consent."""

# --- transcripts and session actions ------------------------------------------------------------------

TRANSCRIPT_TEXT_MAX: Final = 4000
AUTHOR_MAX: Final = 100
ACTIONS_MAX: Final = 8
ACTION_ID_MAX: Final = 64
ACTION_PLACEHOLDER_MAX: Final = 100

# --- panel, click-to-act, analytics, injected events -----------------------------------------------------

PANEL_WIDTH_MIN: Final = 300
PANEL_WIDTH_MAX: Final = 10_000
PANEL_WIDTH_DEFAULT: Final = 400
CLICK_VALUE_MAX: Final = 256
ANALYTICS_TEXT_MAX: Final = 100
"""A custom analytics event's name and reason."""
ANALYTICS_ATTRIBUTES: Final = MapLimit(entries=16, key=100, value=2000)
EVENT_KIND_MAX: Final = 64
EVENT_ATTRIBUTES: Final = MapLimit(entries=32, key=100, value=2000)
"""The attributes of an event an operator injects."""

# --- configurable limits (``[limits]`` and ``[notifications]`` of the host configuration) -------------------

MAX_SESSIONS: Final = Setting(10, 1, 1000)
"""Sessions per workspace besides Home."""
MAX_TABS: Final = Setting(10, 1, 1000)
"""Tabs per session."""
MAX_TRANSCRIPT_ENTRIES: Final = Setting(1000, 10, 100_000)
"""Entries per transcript tab."""
ATTENTION_COOLDOWN_SECONDS: Final = Setting(10.0, 0.0, 3600.0)
"""At most one attention alert per session within this many seconds."""
RATE_LIMIT_PER_SECOND: Final = Setting(50.0, 0.001, 1_000_000.0)
RATE_LIMIT_BURST: Final = Setting(100, 1, 1_000_000)
EVENT_RETENTION: Final = Setting(10_000, 10, 10_000_000)
"""Events each provider's log keeps for a resume."""
WATCH_QUEUE: Final = Setting(1000, 10, 1_000_000)
WORKSPACE_RETENTION: Final = Setting(2000, 10, 1_000_000)
"""Workspace deltas kept per agent for a resumed watch."""
NOTIFICATION_TIMEOUT_SECONDS: Final = Setting(120, 1, NOTIFICATION_TIMEOUT_MAX)
"""A toast's timeout when the provider gives none."""
IDEMPOTENCY_WINDOW_SECONDS: Final = Setting(600.0, 1.0, 86_400.0)
ANALYTICS_RETENTION: Final = Setting(10_000, 1, 10_000_000)
TOAST_QUEUE_LIMIT: Final = Setting(10, 0, 1000)
"""Toasts that may wait behind the shown one; one more is rejected at once."""
TOAST_QUEUE_SECONDS: Final = Setting(30.0, 0.001, 3600.0)
"""The longest a toast waits before it is rejected."""
TOAST_GAP_SECONDS: Final = Setting(0.0, 0.0, 60.0)
"""The pause between one toast ending and the next one showing."""

PRESENCES: Final = ("Available", "Busy", "Away", "Offline")
"""The presences an agent chooses from by default; the first is every workspace's initial presence."""
RECORD_URL: Final = "https://crm.example.invalid/{entity_name}/{entity_id}"
"""The link of a RECORD tab by default; configure ``console.record_url`` for a real CRM."""
