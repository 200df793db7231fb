"""Conversation tabs, session actions and injected events.

A transcript belongs to the tab that shows it, so closing the tab or the
session drops it with everything else. Actions are declared by the session's
owner and pressed by the agent; the invocation goes to the owner only (R3),
and a provider naming another provider's session gets SESSION_NOT_FOUND (R2).
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from datetime import datetime

from channelkit.host.core import _events as ev
from channelkit.host.core import _validate as check
from channelkit.host.core._base import CoreBase
from channelkit.host.core._model import Session
from channelkit.host.core._model import SessionAction
from channelkit.host.core._model import TranscriptEntry
from channelkit.sdk import AuthorRole
from channelkit.sdk import PageType
from channelkit.sdk import limits
from channelkit.sdk.errors import ActionNotFound
from channelkit.sdk.errors import ErrorReason
from channelkit.sdk.errors import FailedPrecondition
from channelkit.sdk.errors import LimitReached
from channelkit.sdk.errors import NotFound
from channelkit.v1 import provider_service_pb2 as pb


class ConversationOps(CoreBase):
    """Transcripts, action buttons and operator-injected events."""

    def append_transcript(
        self,
        provider: str,
        tab_id: str,
        *,
        role: int,
        author: str,
        text: str,
        occurred_at: datetime | None = None,
    ) -> TranscriptEntry:
        """Append an entry to an own transcript tab; the agent's watchers get it at once."""
        chosen = check.enum_value("role", role, AuthorRole)
        check.text("author", author, max_len=limits.AUTHOR_MAX)
        check.text("text", text, max_len=limits.TRANSCRIPT_TEXT_MAX, required=True)
        ws, session, tab = self._own_tab(provider, tab_id)
        if tab.page_type is not PageType.TRANSCRIPT:
            raise FailedPrecondition(
                f"tab '{tab_id}' is a {tab.page_type.name} tab; only TRANSCRIPT tabs hold entries",
                reason=ErrorReason.NOT_A_TRANSCRIPT_TAB,
                metadata={"tabId": tab_id},
            )
        limit = self.settings.max_transcript_entries
        if len(tab.transcript) >= limit:
            raise LimitReached(
                f"transcript tab '{tab_id}' already holds {limit} entries; open a new transcript tab to continue",
                reason=ErrorReason.TRANSCRIPT_LIMIT_REACHED,
                metadata={"tabId": tab_id, "limit": str(limit)},
            )
        entry = TranscriptEntry(self._new_id("r"), chosen, author, text, occurred_at or self.clock.now())
        tab.transcript.append(entry)
        self._to_agent(ws.agent_id, ev.TranscriptAppended(session.id, tab.id, entry))
        return entry

    def set_session_actions(self, provider: str, session_id: str, actions: Sequence[SessionAction]) -> Session:
        """Replace the action buttons of an own session."""
        checked = _checked_actions(actions)
        ws, session = self._own_session(provider, session_id)
        session.actions = checked
        self._session_changed(ws, session)
        return session

    def invoke_action(self, agent_id: str, session_id: str, action_id: str, text: str) -> str:
        """The agent presses a button; only the session's owner is told. Returns the owner."""
        check.identifier("action_id", action_id, max_len=limits.ACTION_ID_MAX)
        check.text("text", text, max_len=limits.TRANSCRIPT_TEXT_MAX)
        ws, session = self._agent_session(agent_id, session_id)
        action = next((a for a in session.actions if a.id == action_id), None)
        if action is None or session.owner is None:
            raise ActionNotFound(
                f"session '{session_id}' has no action '{action_id}'",
                metadata={"sessionId": session_id, "actionId": action_id},
            )
        if not action.enabled:
            raise FailedPrecondition(
                f"action '{action_id}' ({action.label}) is disabled now",
                reason=ErrorReason.ACTION_DISABLED,
                metadata={"sessionId": session_id, "actionId": action_id},
            )
        if action.takes_text and not text.strip():
            raise check.invalid("text", f"action '{action_id}' ({action.label}) needs text")
        if not action.takes_text and text:
            raise check.invalid("text", f"action '{action_id}' ({action.label}) takes no text")
        payload = pb.ActionInvoked(session_id=session.id, action_id=action.id, text=text)
        self._to_provider(session.owner, ws.agent_id, session.correlation_id, payload)
        return session.owner

    def inject_event(self, provider: str, agent_id: str, kind: str, attributes: Mapping[str, str]) -> None:
        """Deliver an operator's outside event to ``provider``'s stream, in order with the rest."""
        check.identifier("provider", provider, max_len=limits.CHANNEL_MAX)
        check.identifier("kind", kind, max_len=limits.EVENT_KIND_MAX)
        bag = check.string_map("attributes", attributes, limits.EVENT_ATTRIBUTES)
        if provider not in self._providers:
            raise NotFound(
                f"no provider named '{provider}' is configured",
                reason=ErrorReason.PROVIDER_NOT_FOUND,
                metadata={"provider": provider},
            )
        self._served_workspace(provider, agent_id)
        self._to_provider(provider, agent_id, "", pb.ExternalEvent(kind=kind, attributes=bag))


def _checked_actions(actions: Sequence[SessionAction]) -> tuple[SessionAction, ...]:
    if len(actions) > limits.ACTIONS_MAX:
        raise check.invalid("actions", f"must have at most {limits.ACTIONS_MAX} entries (got {len(actions)})")
    seen: set[str] = set()
    for index, action in enumerate(actions):
        field = f"actions[{index}]"
        check.identifier(f"{field}.id", action.id, max_len=limits.ACTION_ID_MAX)
        if action.id in seen:
            raise check.invalid(f"{field}.id", f"'{action.id}' is used twice")
        seen.add(action.id)
        check.text(f"{field}.label", action.label, max_len=limits.BUTTON_LABEL_MAX, required=True)
        check.text(f"{field}.placeholder", action.placeholder, max_len=limits.ACTION_PLACEHOLDER_MAX)
    return tuple(actions)
