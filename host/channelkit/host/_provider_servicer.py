"""ProviderService: the caller is the authenticated provider; convert, run the core command, convert back.

Each method is the contract's RPC (mypy checks it against the generated
``ProviderServiceServicer``); requests become core arguments in
:mod:`._fromproto` and results become messages in :mod:`._toproto`. A
command goes through :meth:`HostRuntime.run` with the workspace it names, so
it is committed before it is answered; a query through :meth:`HostRuntime.read`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import grpc

from channelkit.host import _fromproto as fromproto
from channelkit.host import _toproto as toproto
from channelkit.host._rpc import caller as _caller
from channelkit.host._runtime import NOWHERE
from channelkit.host._runtime import HostRuntime
from channelkit.host._runtime import Scope
from channelkit.host.core import Session
from channelkit.host.core import Tab
from channelkit.host.core import _validate as check
from channelkit.sdk import limits
from channelkit.sdk.errors import ErrorReason
from channelkit.sdk.errors import FailedPrecondition
from channelkit.sdk.errors import ResourceExhausted
from channelkit.v1 import provider_service_pb2 as pb
from channelkit.v1 import provider_service_pb2_grpc as pb_grpc
from channelkit.v1 import workspace_pb2 as wpb

Context = grpc.aio.ServicerContext[Any, Any]
SUPPORTED_PROTOCOL_VERSIONS = frozenset({1})
EVENTS_PER_WRITE_BATCH = 256


class ProviderServicer(pb_grpc.ProviderServiceServicer):
    """One method per ProviderService RPC."""

    def __init__(self, runtime: HostRuntime) -> None:
        self.rt = runtime
        self.core = runtime.core
        self._limits = toproto.host_limits(runtime.config)

    def _session(self, session: Session) -> wpb.Session:
        return toproto.session_in(self.core.workspace(session.agent_id), session)

    def _tab(self, tab: Tab) -> wpb.Tab:
        return toproto.tab_in(self.core, tab)

    # --- handshake and events ------------------------------------------------------------

    async def Hello(self, request: pb.HelloRequest, context: Context) -> pb.HelloResponse:
        """Negotiate the protocol version and describe the caller's world."""
        offered = list(request.protocol_versions)
        if not offered:
            raise check.invalid("protocol_versions", "must list at least one version")
        check.text("software_version", request.software_version, max_len=limits.ID_MAX)
        common = SUPPORTED_PROTOCOL_VERSIONS.intersection(offered)
        if not common:
            supported = ",".join(map(str, sorted(SUPPORTED_PROTOCOL_VERSIONS)))
            raise FailedPrecondition(
                f"the provider speaks protocol versions {offered}, this host serves {supported}",
                reason=ErrorReason.PROTOCOL_VERSION_UNSUPPORTED,
                metadata={"offered": ",".join(map(str, offered)), "supported": supported},
            )
        info = self.core.enabled_provider(_caller())
        agents = [wpb.AgentRecord(id=a.id, display_name=a.display_name) for a in self.core.agents_served(info.name)]
        provider_log = await self.rt.provider_log(info.name)
        return pb.HelloResponse(
            protocol_version=max(common),
            provider=toproto.provider_record(info),
            agents=agents,
            limits=self._limits,
            head_seq=provider_log.head_seq,
            acknowledged_seq=self.rt.acknowledged.get(info.name, 0),
        )

    async def Events(self, request: pb.EventsRequest, context: Context) -> AsyncIterator[pb.ProviderEvent]:
        """Retained events after ``after_seq``, then live ones, until replaced or cut off."""
        name = self.core.enabled_provider(_caller()).name
        stream = (await self.rt.provider_log(name)).stream(request.after_seq)
        try:
            while True:
                for event in await stream.next_batch(EVENTS_PER_WRITE_BATCH):
                    yield event
        except ResourceExhausted as exc:
            self.rt.record_error(name, exc.message)
            raise
        finally:
            stream.close()

    async def AcknowledgeEvents(
        self, request: pb.AcknowledgeEventsRequest, context: Context
    ) -> pb.AcknowledgeEventsResponse:
        """Keep the caller's processed cursor, so a restart without its own resumes there."""
        name = self.core.enabled_provider(_caller()).name
        head = (await self.rt.provider_log(name)).head_seq
        if request.seq > head:
            raise check.invalid("seq", f"is beyond the newest event of your log ({head})")
        return pb.AcknowledgeEventsResponse(acknowledged_seq=await self.rt.acknowledge(name, request.seq))

    # --- sessions -------------------------------------------------------------------------

    async def CanCreateSession(
        self, request: pb.CanCreateSessionRequest, context: Context
    ) -> pb.CanCreateSessionResponse:
        """Whether a session could be created now."""
        allowed, count = await self.rt.read(
            Scope(agent=request.agent_id), lambda: self.core.can_create_session(_caller(), request.agent_id)
        )
        return pb.CanCreateSessionResponse(
            allowed=allowed, open_sessions=count, max_sessions=self.core.settings.max_sessions
        )

    async def CreateSession(self, request: pb.CreateSessionRequest, context: Context) -> pb.CreateSessionResponse:
        """Create a session owned by the caller."""
        anchor = fromproto.optional_tab_spec(request, "anchor_tab")
        template = fromproto.template_call(request, request.template)
        return await self.rt.run(
            Scope(agent=request.agent_id),
            lambda: self.core.create_session(
                _caller(),
                request.agent_id,
                title=request.title,
                context=dict(request.context),
                correlation_id=request.correlation_id,
                provider_session_id=request.provider_session_id,
                consent_notification_id=request.consent_notification_id,
                anchor_tab=anchor,
                template=template,
            ),
            lambda session: pb.CreateSessionResponse(session=self._session(session)),
        )

    async def GetSession(self, request: pb.GetSessionRequest, context: Context) -> pb.GetSessionResponse:
        """One of the caller's sessions."""
        session = await self.rt.read(
            Scope(session=request.session_id), lambda: self.core.get_session(_caller(), request.session_id)
        )
        return pb.GetSessionResponse(session=self._session(session))

    async def GetFocusedSession(
        self, request: pb.GetFocusedSessionRequest, context: Context
    ) -> pb.GetFocusedSessionResponse:
        """The focused session if the caller owns it."""
        session = await self.rt.read(
            Scope(agent=request.agent_id), lambda: self.core.get_focused_session(_caller(), request.agent_id)
        )
        return pb.GetFocusedSessionResponse(session=self._session(session) if session else None)

    async def ListSessions(self, request: pb.ListSessionsRequest, context: Context) -> pb.ListSessionsResponse:
        """The caller's open sessions and its log head."""
        caller = _caller()
        everyone = () if request.agent_id else tuple(a.id for a in self.core.agents_served(caller))
        sessions = await self.rt.read(
            Scope(agent=request.agent_id, agents=everyone), lambda: self.core.list_sessions(caller, request.agent_id)
        )
        return pb.ListSessionsResponse(
            sessions=[self._session(s) for s in sessions], head_seq=(await self.rt.provider_log(caller)).head_seq
        )

    async def SetSessionTitle(self, request: pb.SetSessionTitleRequest, context: Context) -> pb.SetSessionTitleResponse:
        """Retitle an own session."""
        parameters = fromproto.template_call(request, "")
        return await self.rt.run(
            Scope(session=request.session_id),
            lambda: self.core.set_session_title(_caller(), request.session_id, request.title, parameters=parameters),
            lambda session: pb.SetSessionTitleResponse(session=self._session(session)),
        )

    async def UpdateSessionContext(
        self, request: pb.UpdateSessionContextRequest, context: Context
    ) -> pb.UpdateSessionContextResponse:
        """Change an own session's context bag."""
        return await self.rt.run(
            Scope(session=request.session_id),
            lambda: self.core.update_session_context(
                _caller(), request.session_id, set_entries=dict(request.set), remove=list(request.remove)
            ),
            lambda bag: pb.UpdateSessionContextResponse(context=bag),
        )

    async def RequestFocusSession(
        self, request: pb.RequestFocusSessionRequest, context: Context
    ) -> pb.RequestFocusSessionResponse:
        """Ask for attention without moving focus."""
        return await self.rt.run(
            Scope(session=request.session_id),
            lambda: self.core.request_focus_session(_caller(), request.session_id, request.messages_count),
            lambda result: result,
        )

    async def NotifyKpiBreach(self, request: pb.NotifyKpiBreachRequest, context: Context) -> pb.NotifyKpiBreachResponse:
        """Flag or clear a KPI breach."""
        return await self.rt.run(
            Scope(session=request.session_id),
            lambda: self.core.notify_kpi_breach(
                _caller(), request.session_id, reset=request.reset, details=request.details
            ),
            lambda flagged: pb.NotifyKpiBreachResponse(kpi_breach=flagged),
        )

    # --- tabs ---------------------------------------------------------------------------------

    async def CanCreateTab(self, request: pb.CanCreateTabRequest, context: Context) -> pb.CanCreateTabResponse:
        """Whether a tab could be opened now."""
        allowed, count = await self.rt.read(
            Scope(session=request.session_id), lambda: self.core.can_create_tab(_caller(), request.session_id)
        )
        return pb.CanCreateTabResponse(allowed=allowed, open_tabs=count, max_tabs=self.core.settings.max_tabs)

    async def CreateTab(self, request: pb.CreateTabRequest, context: Context) -> pb.CreateTabResponse:
        """Open a tab in an own session."""
        spec, template = fromproto.optional_tab_spec(request, "tab"), fromproto.template_call(request, request.template)
        return await self.rt.run(
            Scope(session=request.session_id),
            lambda: self.core.create_tab(_caller(), request.session_id, spec, focus=request.focus, template=template),
            lambda tab: pb.CreateTabResponse(tab=self._tab(tab)),
        )

    async def ListTabs(self, request: pb.ListTabsRequest, context: Context) -> pb.ListTabsResponse:
        """The tabs of an own session."""
        session = await self.rt.read(
            Scope(session=request.session_id), lambda: self.core.get_session(_caller(), request.session_id)
        )
        return pb.ListTabsResponse(tabs=[toproto.tab(t, session.focused_tab_id) for t in session.tabs.values()])

    async def GetFocusedTab(self, request: pb.GetFocusedTabRequest, context: Context) -> pb.GetFocusedTabResponse:
        """The focused tab if the caller owns the focused session."""
        tab = await self.rt.read(
            Scope(agent=request.agent_id), lambda: self.core.get_focused_tab(_caller(), request.agent_id)
        )
        return pb.GetFocusedTabResponse(tab=toproto.tab(tab, tab.id) if tab else None)

    async def FocusTab(self, request: pb.FocusTabRequest, context: Context) -> pb.FocusTabResponse:
        """Focus an own tab within its session."""
        return await self.rt.run(
            Scope(tab=request.tab_id),
            lambda: self.core.focus_tab(_caller(), request.tab_id),
            lambda tab: pb.FocusTabResponse(tab=self._tab(tab)),
        )

    async def RefreshTab(self, request: pb.RefreshTabRequest, context: Context) -> pb.RefreshTabResponse:
        """Ask the agent's client to reload an own tab."""
        return await self.rt.run(
            Scope(tab=request.tab_id),
            lambda: self.core.refresh_tab(_caller(), request.tab_id),
            lambda _: pb.RefreshTabResponse(),
        )

    async def SetTabTitle(self, request: pb.SetTabTitleRequest, context: Context) -> pb.SetTabTitleResponse:
        """Retitle an own tab."""
        parameters = fromproto.template_call(request, "")
        return await self.rt.run(
            Scope(tab=request.tab_id),
            lambda: self.core.set_tab_title(_caller(), request.tab_id, request.title, parameters=parameters),
            lambda tab: pb.SetTabTitleResponse(tab=self._tab(tab)),
        )

    async def CloseTab(self, request: pb.CloseTabRequest, context: Context) -> pb.CloseTabResponse:
        """Close an own tab."""
        return await self.rt.run(
            Scope(tab=request.tab_id),
            lambda: self.core.close_tab(_caller(), request.tab_id),
            lambda _: pb.CloseTabResponse(),
        )

    async def AppendTranscript(
        self, request: pb.AppendTranscriptRequest, context: Context
    ) -> pb.AppendTranscriptResponse:
        """Add an entry to an own transcript tab."""
        occurred = fromproto.moment(request, "occurred_at")
        line = fromproto.values(request, "role", "author", "text")
        return await self.rt.run(
            Scope(tab=request.tab_id),
            lambda: self.core.append_transcript(_caller(), request.tab_id, occurred_at=occurred, **line),
            lambda entry: pb.AppendTranscriptResponse(entry=toproto.transcript_entry(entry)),
        )

    # --- session actions ----------------------------------------------------------------------

    async def SetSessionActions(
        self, request: pb.SetSessionActionsRequest, context: Context
    ) -> pb.SetSessionActionsResponse:
        """Replace an own session's buttons."""
        actions = [fromproto.action(a) for a in request.actions]
        return await self.rt.run(
            Scope(session=request.session_id),
            lambda: self.core.set_session_actions(_caller(), request.session_id, actions),
            lambda session: pb.SetSessionActionsResponse(session=self._session(session)),
        )

    # --- notifications ----------------------------------------------------------------------

    async def NotifyEvent(self, request: pb.NotifyEventRequest, context: Context) -> pb.NotifyEventResponse:
        """Offer a toast and wait for its outcome.

        What is committed (and kept for a retry with the same request_id) is
        the queued toast's id; the call then waits for that toast's end, so a
        retry after a restart or on another replica waits for the same toast.
        """
        spec = fromproto.toast_spec(request)
        queued = await self.rt.run(
            Scope(agent=request.agent_id),
            lambda: self.core.notify(_caller(), request.agent_id, spec),
            lambda toast: pb.NotifyEventResponse(notification_id=toast.id),
        )
        resolved = await asyncio.shield(self.rt.outcome_of(request.agent_id, queued.notification_id))
        return pb.NotifyEventResponse(
            notification_id=resolved.notification_id, action=resolved.action, reason=resolved.reason
        )

    async def CancelEvent(self, request: pb.CancelEventRequest, context: Context) -> pb.CancelEventResponse:
        """Cancel an own pending toast."""
        caller = _caller()
        return await self.rt.run(
            Scope(token=(caller, request.cancellation_token)),
            lambda: self.core.cancel_notification(caller, request.cancellation_token),
            lambda toast: pb.CancelEventResponse(notification_id=toast.id),
        )

    # --- presence, click-to-act, panel ---------------------------------------------------------

    async def SetPresence(self, request: pb.SetPresenceRequest, context: Context) -> pb.SetPresenceResponse:
        """Set the agent's presence."""
        return await self.rt.run(
            Scope(agent=request.agent_id),
            lambda: self.core.set_presence(request.agent_id, request.presence, provider=_caller()),
            lambda presence: pb.SetPresenceResponse(presence=presence),
        )

    async def GetPresence(self, request: pb.GetPresenceRequest, context: Context) -> pb.GetPresenceResponse:
        """The agent's presence."""
        presence = await self.rt.read(
            Scope(agent=request.agent_id), lambda: self.core.get_presence(_caller(), request.agent_id)
        )
        return pb.GetPresenceResponse(presence=presence)

    async def SetClickToAct(self, request: pb.SetClickToActRequest, context: Context) -> pb.SetClickToActResponse:
        """Switch click-to-act for the caller."""
        return await self.rt.run(
            NOWHERE,
            lambda: self.core.set_click_to_act(_caller(), request.enabled),
            lambda enabled: pb.SetClickToActResponse(enabled=enabled),
        )

    async def GetClickToAct(self, request: pb.GetClickToActRequest, context: Context) -> pb.GetClickToActResponse:
        """Whether click-to-act is on for the caller."""
        return pb.GetClickToActResponse(enabled=self.core.get_click_to_act(_caller()))

    async def SetPanelMode(self, request: pb.SetPanelModeRequest, context: Context) -> pb.SetPanelModeResponse:
        """Set the panel mode (active provider only)."""
        return await self.rt.run(
            Scope(agent=request.agent_id),
            lambda: self.core.set_panel_mode(request.agent_id, request.mode, provider=_caller()),
            lambda mode: pb.SetPanelModeResponse(mode=wpb.PanelMode.ValueType(mode)),
        )

    async def GetPanelMode(self, request: pb.GetPanelModeRequest, context: Context) -> pb.GetPanelModeResponse:
        """The panel mode."""
        mode, _width = await self.rt.read(
            Scope(agent=request.agent_id), lambda: self.core.panel(_caller(), request.agent_id)
        )
        return pb.GetPanelModeResponse(mode=wpb.PanelMode.ValueType(mode))

    async def SetPanelWidth(self, request: pb.SetPanelWidthRequest, context: Context) -> pb.SetPanelWidthResponse:
        """Set the panel width (active provider only)."""
        return await self.rt.run(
            Scope(agent=request.agent_id),
            lambda: self.core.set_panel_width(request.agent_id, request.width, provider=_caller()),
            lambda width: pb.SetPanelWidthResponse(width=width),
        )

    async def GetPanelWidth(self, request: pb.GetPanelWidthRequest, context: Context) -> pb.GetPanelWidthResponse:
        """The panel width."""
        _mode, width = await self.rt.read(
            Scope(agent=request.agent_id), lambda: self.core.panel(_caller(), request.agent_id)
        )
        return pb.GetPanelWidthResponse(width=width)

    # --- analytics --------------------------------------------------------------------------------

    async def LogAnalyticsEvent(
        self, request: pb.LogAnalyticsEventRequest, context: Context
    ) -> pb.LogAnalyticsEventResponse:
        """Store a custom analytics event."""
        occurred = fromproto.moment(request, "occurred_at")
        texts = fromproto.values(request, "session_id", "name", "reason", "correlation_id")
        return await self.rt.run(
            Scope(agent=request.agent_id),
            lambda: self.core.log_analytics_event(
                _caller(), request.agent_id, occurred_at=occurred, attributes=dict(request.attributes), **texts
            ),
            lambda record: pb.LogAnalyticsEventResponse(
                event_id=record.id if record else "", recorded=record is not None
            ),
        )
