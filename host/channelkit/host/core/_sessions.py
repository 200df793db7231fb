"""Provider-side session and tab rules (R2, R5, R6, R7)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

from channelkit.host.core import _events as ev
from channelkit.host.core import _validate as check
from channelkit.host.core._base import CoreBase
from channelkit.host.core._model import Notification
from channelkit.host.core._model import RecordRef
from channelkit.host.core._model import Session
from channelkit.host.core._model import Tab
from channelkit.host.core._model import Workspace
from channelkit.sdk import NotificationAction
from channelkit.sdk import PageType
from channelkit.sdk.errors import ConsentRequired
from channelkit.sdk.errors import ErrorReason
from channelkit.sdk.errors import FailedPrecondition
from channelkit.sdk.errors import LimitReached

MAX_MESSAGES_COUNT = 100_000


@dataclass(frozen=True, slots=True)
class TabSpec:
    """A tab to open, as a provider describes it."""

    title: str
    page_type: int
    target: str
    can_close: bool = True
    record: tuple[str, str] | None = None
    """``(entity_name, entity_id)`` for a RECORD tab."""


@dataclass(frozen=True, slots=True)
class _CheckedTab:
    title: str
    page_type: PageType
    target: str
    record: RecordRef | None


@dataclass(frozen=True, slots=True)
class AttentionResult:
    """What RequestFocusSession did."""

    already_focused: bool
    alerted: bool
    unread_count: int


def _checked_tab_spec(spec: TabSpec, field: str, record_url: str) -> _CheckedTab:
    """Check a tab spec against its page type; RECORD tabs get their link from ``record_url``."""
    title = check.text(f"{field}.title", spec.title, max_len=check.MAX_TITLE, required=True)
    page_type = check.enum_value(f"{field}.page_type", spec.page_type, PageType)
    if page_type is not PageType.RECORD and spec.record is not None:
        raise check.invalid(f"{field}.record", "is only used by PAGE_TYPE_RECORD tabs")
    if page_type is PageType.URL:
        return _CheckedTab(title, page_type, check.url(f"{field}.target", spec.target), None)
    if page_type is PageType.CUSTOM:
        target = check.text(f"{field}.target", spec.target, max_len=check.MAX_TARGET, required=True)
        return _CheckedTab(title, page_type, target, None)
    if spec.target:
        raise check.invalid(f"{field}.target", f"must be empty for PAGE_TYPE_{page_type.name}: the host sets it")
    if page_type is PageType.TRANSCRIPT:
        return _CheckedTab(title, page_type, "", None)
    if spec.record is None:
        raise check.invalid(f"{field}.record", "is required for PAGE_TYPE_RECORD tabs")
    entity_name = check.identifier(f"{field}.record.entity_name", spec.record[0], max_len=64)
    entity_id = check.identifier(f"{field}.record.entity_id", spec.record[1])
    link = record_url.replace("{entity_name}", quote(entity_name, safe="")).replace(
        "{entity_id}", quote(entity_id, safe="")
    )
    return _CheckedTab(title, page_type, link, RecordRef(entity_name, entity_id))


class SessionOps(CoreBase):
    """Sessions and tabs as providers create and change them."""

    # --- sessions ----------------------------------------------------------------

    def can_create_session(self, provider: str, agent_id: str) -> tuple[bool, int]:
        """Whether ``provider`` could create a session for the agent now, and the open count."""
        ws = self._served_workspace(provider, agent_id)
        return ws.open_session_count < self.settings.max_sessions, ws.open_session_count

    def create_session(
        self,
        provider: str,
        agent_id: str,
        *,
        title: str,
        context: Mapping[str, str] | None = None,
        correlation_id: str = "",
        provider_session_id: str = "",
        consent_notification_id: str = "",
        anchor_tab: TabSpec | None = None,
    ) -> Session:
        """Create a session owned by ``provider``; it takes focus only with consent (R5)."""
        check.identifier("agent_id", agent_id)
        check.text("title", title, max_len=check.MAX_TITLE, required=True)
        bag = check.string_map("context", context or {})
        check.text("correlation_id", correlation_id, max_len=check.MAX_ID)
        check.text("provider_session_id", provider_session_id, max_len=check.MAX_ID)
        check.optional_identifier("consent_notification_id", consent_notification_id)
        anchor = _checked_tab_spec(anchor_tab, "anchor_tab", self.settings.record_url) if anchor_tab else None
        ws = self._served_workspace(provider, agent_id)
        if ws.open_session_count >= self.settings.max_sessions:
            raise LimitReached(
                f"agent '{agent_id}' already has {self.settings.max_sessions} sessions; the agent must close one first",
                reason=ErrorReason.SESSION_LIMIT_REACHED,
                metadata={"agentId": agent_id, "limit": str(self.settings.max_sessions)},
            )
        consent = self._consent(ws, provider, consent_notification_id)
        if consent is None and self.settings.consent == "required":
            raise ConsentRequired(
                "this host requires an accepted notification before a session: quote its id in consent_notification_id",
                metadata={"consentNotificationId": consent_notification_id},
            )
        session = Session(
            id=self._new_id("s"),
            owner=provider,
            agent_id=agent_id,
            title=title,
            created_at=self.clock.now(),
            context=bag,
            correlation_id=correlation_id,
            provider_session_id=provider_session_id,
        )
        ws.sessions[session.id] = session
        self._sessions[session.id] = session
        self.counters[provider].sessions_opened += 1
        if anchor:
            self._add_tab(session, anchor, can_close=False)
        if consent is not None:
            consent.consumed = True
            self._session_changed(ws, session)
            self._move_focus(ws, session.id)
        else:
            session.attention = True
            self._session_changed(ws, session)
            self._alert(ws, session)
        return session

    def _consent(self, ws: Workspace, provider: str, notification_id: str) -> Notification | None:
        if not notification_id:
            return None
        accepted = ws.resolved.get(notification_id)
        if accepted is None or accepted.provider != provider or accepted.consumed:
            return None
        return accepted if accepted.action is NotificationAction.ACCEPT else None

    def get_session(self, provider: str, session_id: str) -> Session:
        """One of ``provider``'s open sessions."""
        return self._own_session(provider, session_id)[1]

    def get_focused_session(self, provider: str, agent_id: str) -> Session | None:
        """The agent's focused session if ``provider`` owns it, else None."""
        ws = self._served_workspace(provider, agent_id)
        focused = ws.sessions[ws.focused_id]
        return focused if focused.owner == provider else None

    def list_sessions(self, provider: str, agent_id: str = "") -> list[Session]:
        """``provider``'s open sessions, oldest first, optionally for one agent."""
        if agent_id:
            self._served_workspace(provider, agent_id)
        else:
            self._enabled_provider(provider)
        return [s for s in self._sessions.values() if s.owner == provider and (not agent_id or s.agent_id == agent_id)]

    def set_session_title(self, provider: str, session_id: str, title: str) -> Session:
        """Retitle one of ``provider``'s sessions."""
        check.text("title", title, max_len=check.MAX_TITLE, required=True)
        ws, session = self._own_session(provider, session_id)
        session.title = title
        self._session_changed(ws, session)
        return session

    def update_session_context(
        self, provider: str, session_id: str, *, set_entries: Mapping[str, str], remove: list[str]
    ) -> dict[str, str]:
        """Remove then set context keys; the result must stay within the limits."""
        removals = check.key_list("remove", remove)
        additions = check.string_map("set", set_entries)
        ws, session = self._own_session(provider, session_id)
        updated = {k: v for k, v in session.context.items() if k not in removals}
        updated.update(additions)
        session.context = check.string_map("set", updated)
        self._session_changed(ws, session)
        return dict(session.context)

    def request_focus_session(self, provider: str, session_id: str, messages_count: int) -> AttentionResult:
        """Show the attention indicator on an unfocused own session; never move focus (R7)."""
        check.integer("messages_count", messages_count, low=0, high=MAX_MESSAGES_COUNT)
        ws, session = self._own_session(provider, session_id)
        if ws.focused_id == session.id:
            return AttentionResult(already_focused=True, alerted=False, unread_count=0)
        session.attention = True
        session.unread_count = messages_count
        self.counters[provider].attention_requests += 1
        self._session_changed(ws, session)
        alerted = self._alert(ws, session)
        return AttentionResult(already_focused=False, alerted=alerted, unread_count=messages_count)

    def _alert(self, ws: Workspace, session: Session) -> bool:
        """Alert the agent unless this session alerted less than a cooldown ago."""
        now = self.clock.monotonic()
        last = session.last_alert_at
        if last is not None and now - last < self.settings.attention_cooldown_seconds:
            return False
        session.last_alert_at = now
        self._to_agent(ws.agent_id, ev.AttentionAlert(session.id, session.unread_count))
        return True

    def notify_kpi_breach(self, provider: str, session_id: str, *, reset: bool, details: str) -> bool:
        """Set or clear the KPI-breach flag of an own session."""
        check.text("details", details, max_len=check.MAX_TITLE)
        ws, session = self._own_session(provider, session_id)
        session.kpi_breach = not reset
        session.kpi_breach_details = "" if reset else details
        self._session_changed(ws, session)
        return session.kpi_breach

    # --- tabs ----------------------------------------------------------------------

    def can_create_tab(self, provider: str, session_id: str) -> tuple[bool, int]:
        """Whether a tab could be opened in the own session now, and the open count."""
        session = self._own_session(provider, session_id)[1]
        return len(session.tabs) < self.settings.max_tabs, len(session.tabs)

    def create_tab(self, provider: str, session_id: str, spec: TabSpec, *, focus: bool = False) -> Tab:
        """Open a tab in an own session; never changes the focused session (R6)."""
        checked = _checked_tab_spec(spec, "tab", self.settings.record_url)
        ws, session = self._own_session(provider, session_id)
        self._check_tab_room(session)
        tab = self._add_tab(session, checked, can_close=spec.can_close)
        if focus:
            session.focused_tab_id = tab.id
        self._session_changed(ws, session)
        return tab

    def _check_tab_room(self, session: Session) -> None:
        if len(session.tabs) >= self.settings.max_tabs:
            raise LimitReached(
                f"session '{session.id}' already has {self.settings.max_tabs} tabs; close one first",
                reason=ErrorReason.TAB_LIMIT_REACHED,
                metadata={"sessionId": session.id, "limit": str(self.settings.max_tabs)},
            )

    def _add_tab(self, session: Session, spec: _CheckedTab, *, can_close: bool) -> Tab:
        anchor = not session.tabs
        tab = Tab(
            self._new_id("t"),
            session.id,
            spec.title,
            spec.page_type,
            spec.target,
            can_close and not anchor,
            anchor,
            record=spec.record,
        )
        session.tabs[tab.id] = tab
        self._tabs[tab.id] = tab
        if session.focused_tab_id is None:
            session.focused_tab_id = tab.id
        return tab

    def list_tabs(self, provider: str, session_id: str) -> list[Tab]:
        """The tabs of an own session in opening order."""
        return list(self._own_session(provider, session_id)[1].tabs.values())

    def get_focused_tab(self, provider: str, agent_id: str) -> Tab | None:
        """The focused tab of the focused session, if ``provider`` owns that session."""
        session = self.get_focused_session(provider, agent_id)
        if session is None or session.focused_tab_id is None:
            return None
        return session.tabs[session.focused_tab_id]

    def focus_tab(self, provider: str, tab_id: str) -> Tab:
        """Make an own tab its session's focused tab."""
        ws, session, tab = self._own_tab(provider, tab_id)
        if session.focused_tab_id != tab.id:
            session.focused_tab_id = tab.id
            self._session_changed(ws, session)
        return tab

    def refresh_tab(self, provider: str, tab_id: str) -> None:
        """Ask the agent's client to reload an own tab."""
        ws, session, tab = self._own_tab(provider, tab_id)
        self._to_agent(ws.agent_id, ev.TabRefreshRequested(session.id, tab.id))

    def set_tab_title(self, provider: str, tab_id: str, title: str) -> Tab:
        """Retitle an own tab."""
        check.text("title", title, max_len=check.MAX_TITLE, required=True)
        ws, session, tab = self._own_tab(provider, tab_id)
        tab.title = title
        self._session_changed(ws, session)
        return tab

    def close_tab(self, provider: str, tab_id: str) -> None:
        """Close an own tab other than the anchor."""
        ws, session, tab = self._own_tab(provider, tab_id)
        self._remove_tab(ws, session, tab)

    def _remove_tab(self, ws: Workspace, session: Session, tab: Tab) -> None:
        if tab.anchor:
            raise FailedPrecondition(
                f"tab '{tab.id}' is the anchor tab of its session and cannot be closed",
                reason=ErrorReason.ANCHOR_TAB,
                metadata={"tabId": tab.id},
            )
        del session.tabs[tab.id]
        del self._tabs[tab.id]
        if session.focused_tab_id == tab.id:
            session.focused_tab_id = next(reversed(session.tabs), None)
        self._session_changed(ws, session)
