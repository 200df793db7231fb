"""Core state, lookups and the helpers every rule uses.

Lookups enforce ownership: a provider asking about a session or tab it does
not own gets the very error a missing id gets (rule R2), because both paths
go through the same single check.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from channelkit.host.core import _events as ev
from channelkit.host.core import _validate as check
from channelkit.host.core._clock import Clock
from channelkit.host.core._model import AgentInfo
from channelkit.host.core._model import Notification
from channelkit.host.core._model import ProviderInfo
from channelkit.host.core._model import Session
from channelkit.host.core._model import Tab
from channelkit.host.core._model import Workspace
from channelkit.host.core._templates import TemplateCatalog
from channelkit.sdk import PanelMode
from channelkit.sdk import limits
from channelkit.sdk.analytics import AnalyticsEvent
from channelkit.sdk.errors import AgentNotFound
from channelkit.sdk.errors import ErrorReason
from channelkit.sdk.errors import FailedPrecondition
from channelkit.sdk.errors import SessionNotFound
from channelkit.sdk.errors import TabNotFound
from channelkit.v1 import agent_service_pb2 as apb
from channelkit.v1 import host_service_pb2 as hpb
from channelkit.v1 import provider_service_pb2 as pb
from channelkit.v1 import workspace_pb2 as wpb

ConsentPolicy = Literal["background", "required"]


@dataclass(frozen=True, slots=True)
class CoreSettings:
    """The limits and policies the core enforces: the host config's, defaulting to :mod:`channelkit.sdk.limits`."""

    max_sessions: int = limits.MAX_SESSIONS.default
    max_tabs: int = limits.MAX_TABS.default
    attention_cooldown_seconds: float = limits.ATTENTION_COOLDOWN_SECONDS.default
    consent: ConsentPolicy = "background"
    presences: tuple[str, ...] = limits.PRESENCES
    default_notification_timeout: int = limits.NOTIFICATION_TIMEOUT_SECONDS.default
    toast_queue_limit: int = limits.TOAST_QUEUE_LIMIT.default
    toast_queue_seconds: float = limits.TOAST_QUEUE_SECONDS.default
    toast_gap_seconds: float = limits.TOAST_GAP_SECONDS.default
    max_transcript_entries: int = limits.MAX_TRANSCRIPT_ENTRIES.default
    record_url: str = limits.RECORD_URL


def new_id(prefix: str) -> str:
    """A fresh opaque id such as ``s-3f2a…``."""
    return f"{prefix}-{uuid.uuid4().hex}"


class CoreBase:
    """State shared by every group of rules; see :class:`channelkit.host.core.Core`."""

    def __init__(
        self,
        agents: Iterable[AgentInfo],
        providers: Iterable[ProviderInfo],
        settings: CoreSettings,
        clock: Clock,
        id_factory: Callable[[str], str] = new_id,
        *,
        templates: TemplateCatalog | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.templates = templates or TemplateCatalog()
        self._new_id = id_factory
        self._providers = {p.name: p for p in providers}
        self.counters = {name: hpb.ProviderCounters() for name in self._providers}
        """What each provider did since this host started, in the contract's own message (ListProviders)."""
        self._by_order = sorted(self._providers.values(), key=lambda p: (p.channel_order, p.name))
        self._workspaces = {a.id: self._new_workspace(a) for a in agents}
        self._sessions: dict[str, Session] = {}
        self._tabs: dict[str, Tab] = {}
        self._tokens: dict[tuple[str, str], Notification] = {}
        self._outbox: list[ev.Output] = []

    def _new_workspace(self, agent: AgentInfo) -> Workspace:
        home = Session(id=f"home-{agent.id}", owner=None, agent_id=agent.id, title="Home", created_at=self.clock.now())
        return Workspace(
            agent_id=agent.id,
            display_name=agent.display_name,
            sessions=OrderedDict({home.id: home}),
            focused_id=home.id,
            home_id=home.id,
            presence=self.settings.presences[0],
            panel_width=limits.PANEL_WIDTH_DEFAULT,
            recent_focus=[home.id],
        )

    # --- outbox ---------------------------------------------------------------

    def take_outputs(self) -> list[ev.Output]:
        """Hand over the outputs (deliveries, toast deadlines, notices) of the commands run since the last call."""
        taken, self._outbox = self._outbox, []
        taken += [ev.Notice(message) for message in self.templates.take_notices()]
        return taken

    def take_deliveries(self) -> list[ev.Delivery]:
        """The deliveries among :meth:`take_outputs` (what the rules tests look at)."""
        return [o for o in self.take_outputs() if isinstance(o, ev.ToProvider | ev.ToAgent | AnalyticsEvent)]

    def discard_outputs(self) -> None:
        """Drop the outputs of a command that failed (commands check before they change)."""
        self._outbox.clear()
        self.templates.take_notices()

    def _to_provider(
        self, provider: str | None, agent_id: str, correlation_id: str, payload: ev.ProviderPayload
    ) -> None:
        if provider is not None:
            self._outbox.append(ev.ToProvider(provider, agent_id, correlation_id, payload))

    def _to_agent(self, agent_id: str, payload: ev.AgentPayload) -> None:
        self._outbox.append(ev.ToAgent(agent_id, payload))

    def _session_changed(self, ws: Workspace, session: Session) -> None:
        self._to_agent(ws.agent_id, ev.SessionUpdated(session, ws.focused_id == session.id))

    def _to_all_providers_of(self, agent_id: str, payload: ev.ProviderPayload) -> None:
        for info in self._by_order:
            if info.enabled and agent_id in info.agents:
                self._to_provider(info.name, agent_id, "", payload)

    def _record(
        self,
        provider: str | None,
        agent_id: str,
        name: str,
        *,
        reason: str = "",
        session: Session | None = None,
        toast: Notification | None = None,
        attributes: Mapping[str, str] | None = None,
        kind: Literal["system", "custom"] = "system",
        occurred_at: datetime | None = None,
        correlation_id: str = "",
    ) -> AnalyticsEvent | None:
        """Record an analytics event about ``provider``'s toast or session; None if it has analytics off.

        Without ``correlation_id`` the event takes the toast's, else the session's.
        """
        if provider is None or not self._providers[provider].enable_analytics:
            return None
        info = self._providers[provider]
        record = AnalyticsEvent(
            id=self._new_id("a"),
            kind=kind,
            name=name,
            reason=reason,
            timestamp=occurred_at or self.clock.now(),
            provider=provider,
            channel=info.channel,
            agent_id=agent_id,
            session_id=session.id if session else "",
            provider_session_id=session.provider_session_id if session else "",
            correlation_id=correlation_id
            or (toast.correlation_id if toast else (session.correlation_id if session else "")),
            notification_id=toast.id if toast else "",
            attributes=dict(sorted((attributes or {}).items())),
        )
        self._outbox.append(record)
        return record

    def _set_panel_mode(self, ws: Workspace, mode: PanelMode) -> None:
        """Change the panel mode and tell every serving provider and the agent."""
        if mode is ws.panel_mode:
            return
        ws.panel_mode = mode
        self._panel_changed(ws)

    def _panel_changed(self, ws: Workspace) -> None:
        self._to_all_providers_of(
            ws.agent_id, pb.PanelChanged(mode=wpb.PanelMode.ValueType(ws.panel_mode), width=ws.panel_width)
        )
        self._to_agent(ws.agent_id, self._workspace_settings(ws))

    @staticmethod
    def _workspace_settings(ws: Workspace) -> apb.WorkspaceSettings:
        return apb.WorkspaceSettings(
            presence=ws.presence, panel_mode=wpb.PanelMode.ValueType(ws.panel_mode), panel_width=ws.panel_width
        )

    # --- lookups ---------------------------------------------------------------

    def provider(self, name: str) -> ProviderInfo:
        """The configured provider ``name`` (KeyError if unknown)."""
        return self._providers[name]

    def providers(self) -> list[ProviderInfo]:
        """Every configured provider, lowest channel order first."""
        return list(self._by_order)

    def agents_served(self, provider: str) -> list[AgentInfo]:
        """The agents ``provider`` serves, in configuration order."""
        served = self._providers[provider].agents
        return [AgentInfo(ws.agent_id, ws.display_name) for ws in self._workspaces.values() if ws.agent_id in served]

    def workspace(self, agent_id: str) -> Workspace:
        """The workspace of an authenticated agent."""
        return self._workspaces[agent_id]

    def session_by_id(self, session_id: str) -> Session:
        """An open session by id, for edges converting a command's result (no ownership check)."""
        return self._sessions[session_id]

    def open_sessions_of(self, provider: str) -> int:
        """How many open sessions ``provider`` owns across all workspaces."""
        return sum(1 for s in self._sessions.values() if s.owner == provider)

    def active_provider(self, agent_id: str) -> str | None:
        """Owner of the focused session; on Home the enabled provider with the lowest order."""
        ws = self._workspaces[agent_id]
        owner = ws.sessions[ws.focused_id].owner
        if owner is not None:
            return owner
        for info in self._by_order:
            if info.enabled and agent_id in info.agents:
                return info.name
        return None

    def enabled_provider(self, provider: str) -> ProviderInfo:
        """The provider's record; PROVIDER_DISABLED if the configuration disables it."""
        return self._enabled_provider(provider)

    def _enabled_provider(self, provider: str) -> ProviderInfo:
        info = self._providers[provider]
        if not info.enabled:
            raise FailedPrecondition(
                f"provider '{provider}' is disabled in the host configuration",
                reason=ErrorReason.PROVIDER_DISABLED,
                metadata={"provider": provider},
            )
        return info

    def _served_workspace(self, provider: str, agent_id: str, field: str = "agent_id") -> Workspace:
        check.identifier(field, agent_id)
        info = self._enabled_provider(provider)
        ws = self._workspaces.get(agent_id)
        if ws is None or agent_id not in info.agents:
            raise AgentNotFound(f"agent '{agent_id}' not found", metadata={"agentId": agent_id})
        return ws

    def _own_session(self, provider: str, session_id: str, field: str = "session_id") -> tuple[Workspace, Session]:
        check.identifier(field, session_id)
        self._enabled_provider(provider)
        session = self._sessions.get(session_id)
        if session is None or session.owner != provider:
            raise SessionNotFound(f"session '{session_id}' not found", metadata={"sessionId": session_id})
        return self._workspaces[session.agent_id], session

    def _own_tab(self, provider: str, tab_id: str) -> tuple[Workspace, Session, Tab]:
        check.identifier("tab_id", tab_id)
        self._enabled_provider(provider)
        tab = self._tabs.get(tab_id)
        session = self._sessions.get(tab.session_id) if tab else None
        if tab is None or session is None or session.owner != provider:
            raise TabNotFound(f"tab '{tab_id}' not found", metadata={"tabId": tab_id})
        return self._workspaces[session.agent_id], session, tab

    def _agent_session(self, agent_id: str, session_id: str) -> tuple[Workspace, Session]:
        check.identifier("session_id", session_id)
        ws = self._workspaces[agent_id]
        session = ws.sessions.get(session_id)
        if session is None:
            raise SessionNotFound(f"session '{session_id}' not found", metadata={"sessionId": session_id})
        return ws, session

    def _agent_tab(self, agent_id: str, tab_id: str) -> tuple[Workspace, Session, Tab]:
        check.identifier("tab_id", tab_id)
        ws = self._workspaces[agent_id]
        tab = self._tabs.get(tab_id)
        session = ws.sessions.get(tab.session_id) if tab else None
        if tab is None or session is None:
            raise TabNotFound(f"tab '{tab_id}' not found", metadata={"tabId": tab_id})
        return ws, session, tab

    # --- focus -------------------------------------------------------------------

    def _move_focus(self, ws: Workspace, new_id: str) -> None:
        """Focus ``new_id``: tell both owners, clear its indicator, tell the agent."""
        previous = ws.sessions.get(ws.focused_id)
        if previous is not None and previous.id == new_id:
            return
        ws.focused_id = new_id
        if new_id in ws.recent_focus:
            ws.recent_focus.remove(new_id)
        ws.recent_focus.append(new_id)
        target = ws.sessions[new_id]
        if previous is not None:
            self._to_provider(
                previous.owner,
                ws.agent_id,
                previous.correlation_id,
                pb.SessionFocusChanged(session_id=previous.id, focused=False),
            )
            self._record(previous.owner, ws.agent_id, "SessionFocusOut", session=previous)
        self._to_provider(
            target.owner, ws.agent_id, target.correlation_id, pb.SessionFocusChanged(session_id=target.id, focused=True)
        )
        self._record(target.owner, ws.agent_id, "SessionFocusIn", session=target)
        self._to_agent(
            ws.agent_id, apb.FocusChanged(session_id=new_id, previous_session_id=previous.id if previous else "")
        )
        if target.attention or target.unread_count:
            target.attention = False
            target.unread_count = 0
            self._session_changed(ws, target)
        if target.start_panel_mode is not None:
            mode, target.start_panel_mode = target.start_panel_mode, None
            self._set_panel_mode(ws, mode)
