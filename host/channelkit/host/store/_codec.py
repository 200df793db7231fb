"""The one persisted format: the core's own dataclasses as JSON (pydantic), contract messages as protobuf.

Nothing here is a new model: a workspace, a session and a toast are stored
as the core holds them (pydantic's dataclass support writes and reads them,
``OrderedDict`` order, enums and aware datetimes included), and provider
events and workspace deltas as the contract's own bytes. Transcript lines
are stored one row each, so a session's row leaves its tabs' transcripts out.
"""

from __future__ import annotations

import json
from typing import Any
from typing import TypeVar

from pydantic import TypeAdapter

from channelkit.host.core import Notification
from channelkit.host.core import Session
from channelkit.host.core import TemplateCall
from channelkit.host.core import TranscriptEntry
from channelkit.host.core import Workspace
from channelkit.sdk.analytics import AnalyticsEvent

T = TypeVar("T")
_NAMESPACE = {"TemplateCall": TemplateCall}
_WORKSPACE_PARTS = {"sessions", "pending", "resolved"}
_TRANSCRIPTS = {"tabs": {"__all__": {"transcript"}}}


def _adapter(cls: type[T]) -> TypeAdapter[T]:
    adapter = TypeAdapter(cls)
    adapter.rebuild(_types_namespace=_NAMESPACE)
    return adapter


_workspace = _adapter(Workspace)
_session = _adapter(Session)
_toast = _adapter(Notification)
_entry = _adapter(TranscriptEntry)


def workspace_row(ws: Workspace) -> bytes:
    """A workspace's own fields (focus, presence, panel, the toast gap); sessions and toasts are rows of their own."""
    return _workspace.dump_json(ws, exclude=_WORKSPACE_PARTS)


def workspace_from(row: bytes) -> Workspace:
    """A workspace from its row, with no sessions or toasts yet."""
    data: dict[str, Any] = json.loads(row)
    data.update(sessions={}, pending={}, resolved={})
    return _workspace.validate_python(data)


def session_row(session: Session) -> bytes:
    """A session with its tabs, without the tabs' transcripts."""
    return _session.dump_json(session, exclude=_TRANSCRIPTS)


def session_from(row: bytes) -> Session:
    """A session from its row (transcripts empty until their rows are added)."""
    return _session.validate_json(row)


def toast_row(toast: Notification) -> bytes:
    """A toast, waiting, shown or resolved."""
    return _toast.dump_json(toast)


def toast_from(row: bytes) -> Notification:
    """A toast from its row."""
    return _toast.validate_json(row)


def entry_row(entry: TranscriptEntry) -> bytes:
    """One transcript line."""
    return _entry.dump_json(entry)


def entry_from(row: bytes) -> TranscriptEntry:
    """One transcript line from its row."""
    return _entry.validate_json(row)


def analytics_row(event: AnalyticsEvent) -> bytes:
    """An analytics event not yet handed to the sinks, as its JSON Lines form."""
    return event.model_dump_json().encode()


def analytics_from(row: bytes) -> AnalyticsEvent:
    """An analytics event from its row."""
    return AnalyticsEvent.model_validate_json(row)
