"""Provider-side session and tab rules (R2, R5, R6, R7), literal or from templates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from channelkit.host.core import _validate as check
from channelkit.host.core._base import CoreBase
from channelkit.host.core._model import Notification
from channelkit.host.core._model import Session
from channelkit.host.core._model import Tab
from channelkit.host.core._model import Workspace
from channelkit.host.core._tabs import CheckedTab
from channelkit.host.core._tabs import TabSpec
from channelkit.host.core._tabs import checked_tab_spec
from channelkit.host.core._tabs import templated_tab
from channelkit.host.core._templates import Scope
from channelkit.host.core._templates import TemplateCall
from channelkit.host.core._templates import resolved_title
from channelkit.sdk import NotificationAction
from channelkit.sdk import PanelMode
from channelkit.sdk import limits
from channelkit.sdk.errors import ConsentRequired
from channelkit.sdk.errors import ErrorReason
from channelkit.sdk.errors import FailedPrecondition
from channelkit.sdk.errors import LimitReached
from channelkit.sdk.templates import SessionTemplate
from channelkit.v1 import agent_service_pb2 as apb
from channelkit.v1 import provider_service_pb2 as pb

_PANEL_MODES = {"docked": PanelMode.DOCKED, "minimized": PanelMode.MINIMIZED, "hidden": PanelMode.HIDDEN}

__all__ = ["SessionOps", "TabSpec"]


@dataclass(frozen=True, slots=True)
class _Opening:
    """A session's resolved look: title and tabs, ready to apply."""

    title: str
    tabs: tuple[CheckedTab, ...] = ()
    template: SessionTemplate | None = None
    call: TemplateCall | None = None


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
        title: str = "",
        context: Mapping[str, str] | None = None,
        correlation_id: str = "",
        provider_session_id: str = "",
        consent_notification_id: str = "",
        anchor_tab: TabSpec | None = None,
        template: TemplateCall | None = None,
    ) -> Session:
        """Create a session owned by ``provider``; it takes focus only with consent (R5)."""
        check.identifier("agent_id", agent_id)
        bag = check.string_map("context", context or {})
        check.text("correlation_id", correlation_id, max_len=limits.ID_MAX)
        check.text("provider_session_id", provider_session_id, max_len=limits.ID_MAX)
        check.optional_identifier("consent_notification_id", consent_notification_id)
        if template is not None:
            opening = self._templated_opening(template, title, anchor_tab, bag)
        else:
            check.text("title", title, max_len=limits.TITLE_MAX, required=True)
            anchor = checked_tab_spec(anchor_tab, "anchor_tab", self.settings.record_url) if anchor_tab else None
            opening = _Opening(title, (anchor,) if anchor else ())
        ws = self._served_workspace(provider, agent_id)
        self._check_session_room(ws, opening)
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
            title=opening.title,
            created_at=self.clock.now(),
            channel=self._providers[provider].channel,
            context=bag,
            correlation_id=correlation_id,
            provider_session_id=provider_session_id,
        )
        if opening.template is not None:
            session.template, session.icon, session.call = opening.template.name, opening.template.icon, opening.call
            mode = opening.template.panel_mode
            session.start_panel_mode = _PANEL_MODES[mode] if mode else None
        self._open(ws, session, opening, consent)
        return session

    def _check_session_room(self, ws: Workspace, opening: _Opening) -> None:
        if ws.open_session_count >= self.settings.max_sessions:
            raise LimitReached(
                f"agent '{ws.agent_id}' already has {self.settings.max_sessions} sessions; the agent must close one "
                "first",
                reason=ErrorReason.SESSION_LIMIT_REACHED,
                metadata={"agentId": ws.agent_id, "limit": str(self.settings.max_sessions)},
            )
        if len(opening.tabs) > self.settings.max_tabs:
            raise LimitReached(
                f"the session template opens {len(opening.tabs)} tabs but a session holds at most "
                f"{self.settings.max_tabs}",
                reason=ErrorReason.TAB_LIMIT_REACHED,
                metadata={"limit": str(self.settings.max_tabs)},
            )

    def _open(self, ws: Workspace, session: Session, opening: _Opening, consent: Notification | None) -> None:
        ws.sessions[session.id] = session
        self._sessions[session.id] = session
        assert session.owner is not None
        self.counters[session.owner].sessions_opened += 1
        attributes = {
            "consent": "true" if consent else "false",
            **({"template": session.template} if session.template else {}),
        }
        self._record(session.owner, ws.agent_id, "SessionStarted", session=session, attributes=attributes)
        for tab in opening.tabs:
            self._add_tab(session, tab)
        if consent is not None:
            consent.consumed = True
            self._session_changed(ws, session)
            self._move_focus(ws, session.id)
        else:
            session.attention = True
            self._session_changed(ws, session)
            self._record(session.owner, ws.agent_id, "AttentionRequested", reason="OpenedInBackground", session=session)
            self._alert(ws, session)

    def _templated_opening(
        self, call: TemplateCall, title: str, anchor_tab: TabSpec | None, context: Mapping[str, str]
    ) -> _Opening:
        if title:
            raise check.invalid("title", "must be empty when template is given: the template sets it")
        if anchor_tab is not None:
            raise check.invalid("anchor_tab", "must be unset when template is given: the template sets it")
        call = call.checked("template_parameters")
        template = self.templates.session(call.name)
        tabs: list[CheckedTab] = []
        for name in ([template.anchor] if template.anchor else []) + template.tabs:
            anchor = tabs[0].parameters if tabs else {}
            tabs.append(
                templated_tab(
                    self.templates, name, call, context=context, anchor=anchor, record_url=self.settings.record_url
                )
            )
        resolved = self._session_title(template, call, context, tabs[0].parameters if tabs else {})
        return _Opening(resolved, tuple(tabs), template, TemplateCall(call.name, dict(call.values)))

    def _session_title(
        self, template: SessionTemplate, call: TemplateCall, context: Mapping[str, str], anchor: Mapping[str, str]
    ) -> str:
        scope = Scope(template.name, call.values, {}, context, anchor)
        return resolved_title(self.templates, template.title, scope, kind="session", max_len=limits.TITLE_MAX)

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

    def set_session_title(
        self, provider: str, session_id: str, title: str, *, parameters: TemplateCall | None = None
    ) -> Session:
        """Retitle one of ``provider``'s sessions, literally or by resolving its template's title again.

        New ``parameters`` are merged over the ones the session was created
        with and kept for later re-resolutions.
        """
        if parameters is None:
            check.text("title", title, max_len=limits.TITLE_MAX, required=True)
            ws, session = self._own_session(provider, session_id)
            session.title = title
        else:
            if title:
                raise check.invalid("title", "must be empty when template_parameters is given")
            fresh = parameters.checked("template_parameters")
            ws, session = self._own_session(provider, session_id)
            if session.call is None:
                raise check.invalid("template_parameters", "the session was not created from a template; give a title")
            merged = TemplateCall(session.call.name, {**session.call.values, **fresh.values})
            anchor = session.anchor_parameters
            session.title = self._session_title(self.templates.session(merged.name), merged, session.context, anchor)
            session.call = merged
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

    def request_focus_session(
        self, provider: str, session_id: str, messages_count: int
    ) -> pb.RequestFocusSessionResponse:
        """Show the attention indicator on an unfocused own session; never move focus (R7)."""
        check.integer("messages_count", messages_count, low=0, high=limits.MESSAGES_COUNT_MAX)
        ws, session = self._own_session(provider, session_id)
        if ws.focused_id == session.id:
            return pb.RequestFocusSessionResponse(already_focused=True, alerted=False, unread_count=0)
        session.attention = True
        session.unread_count = messages_count
        self.counters[provider].attention_requests += 1
        self._session_changed(ws, session)
        self._record(
            provider,
            ws.agent_id,
            "AttentionRequested",
            reason="RequestFocusSession",
            session=session,
            attributes={"unread_count": str(messages_count)},
        )
        alerted = self._alert(ws, session)
        return pb.RequestFocusSessionResponse(already_focused=False, alerted=alerted, unread_count=messages_count)

    def _alert(self, ws: Workspace, session: Session) -> bool:
        """Alert the agent unless this session alerted less than a cooldown ago."""
        now = self.clock.time()
        last = session.last_alert_at
        if last is not None and now - last < self.settings.attention_cooldown_seconds:
            return False
        session.last_alert_at = now
        self._to_agent(ws.agent_id, apb.AttentionAlert(session_id=session.id, unread_count=session.unread_count))
        return True

    def notify_kpi_breach(self, provider: str, session_id: str, *, reset: bool, details: str) -> bool:
        """Set or clear the KPI-breach flag of an own session."""
        check.text("details", details, max_len=limits.TITLE_MAX)
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

    def create_tab(
        self,
        provider: str,
        session_id: str,
        spec: TabSpec | None,
        *,
        focus: bool = False,
        template: TemplateCall | None = None,
    ) -> Tab:
        """Open a tab (literal ``spec`` or ``template``) in an own session; never changes the focused session (R6)."""
        if (spec is None) == (template is None):
            raise check.invalid("tab", "give either a tab or a template")
        if spec is not None:
            checked = checked_tab_spec(spec, "tab", self.settings.record_url)
            ws, session = self._own_session(provider, session_id)
        else:
            assert template is not None
            call = template.checked("template_parameters")
            self.templates.tab(call.name)
            ws, session = self._own_session(provider, session_id)
            anchor = session.anchor_parameters
            checked = templated_tab(
                self.templates,
                call.name,
                call,
                context=session.context,
                anchor=anchor,
                record_url=self.settings.record_url,
            )
        self._check_tab_room(session)
        tab = self._add_tab(session, checked)
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

    def _add_tab(self, session: Session, spec: CheckedTab) -> Tab:
        anchor = not session.tabs
        tab = Tab(
            self._new_id("t"),
            session.id,
            spec.title,
            spec.page_type,
            spec.target,
            spec.can_close and not anchor,
            anchor,
            record=spec.record,
            template=spec.template,
            parameters=dict(spec.parameters),
            call=spec.call,
        )
        session.tabs[tab.id] = tab
        self._tabs[tab.id] = tab
        if session.focused_tab_id is None:
            session.focused_tab_id = tab.id
        attributes = {"tab_id": tab.id, "page_type": tab.page_type.name.lower(), "anchor": str(anchor).lower()}
        if tab.template:
            attributes["template"] = tab.template
        self._record(session.owner, session.agent_id, "TabOpened", session=session, attributes=attributes)
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
        self._to_agent(ws.agent_id, apb.TabRefreshRequested(session_id=session.id, tab_id=tab.id))

    def set_tab_title(self, provider: str, tab_id: str, title: str, *, parameters: TemplateCall | None = None) -> Tab:
        """Retitle an own tab, literally or by resolving its template's title again.

        New ``parameters`` (values, and values scoped to the tab's template)
        are merged over the ones the tab was opened with.
        """
        if parameters is None:
            check.text("title", title, max_len=limits.TITLE_MAX, required=True)
            ws, session, tab = self._own_tab(provider, tab_id)
            tab.title = title
        else:
            if title:
                raise check.invalid("title", "must be empty when template_parameters is given")
            fresh = parameters.checked("template_parameters")
            ws, session, tab = self._own_tab(provider, tab_id)
            if tab.call is None:
                raise check.invalid("template_parameters", "the tab was not opened from a template; give a title")
            tab.call, tab.title = self._retitled(session, tab, tab.call, fresh)
        tab.parameters["title"] = tab.title
        self._session_changed(ws, session)
        return tab

    def _retitled(self, session: Session, tab: Tab, old: TemplateCall, fresh: TemplateCall) -> tuple[TemplateCall, str]:
        name = old.name
        scoped = {**old.tabs.get(name, {}), **fresh.tabs.get(name, {})}
        merged = TemplateCall(name, {**old.values, **fresh.values}, {name: scoped} if scoped else {})
        anchor = {} if tab.anchor else session.anchor_parameters
        if "title" in scoped:
            return merged, scoped["title"]
        scope = Scope(name, merged.values, scoped, session.context, anchor)
        return merged, resolved_title(
            self.templates, self.templates.tab(name).title, scope, kind="tab", max_len=limits.TITLE_MAX
        )

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
        self._record(session.owner, ws.agent_id, "TabClosed", session=session, attributes={"tab_id": tab.id})
