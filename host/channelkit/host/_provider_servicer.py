"""ProviderService: authenticate (done by the interceptor), convert, call the core, convert back."""

from __future__ import annotations

import asyncio
from datetime import UTC
from typing import Any

import grpc

from channelkit.host import _convert as convert
from channelkit.host._auth import Identity
from channelkit.host._router import slow_consumer
from channelkit.host._router import write_within
from channelkit.host._runtime import HostRuntime
from channelkit.host.core import Session
from channelkit.host.core import SessionAction
from channelkit.host.core import Tab
from channelkit.host.core import TabSpec
from channelkit.host.core import TemplateCall
from channelkit.host.core import ToastSpec
from channelkit.host.core import _validate as check
from channelkit.sdk.errors import CursorExpired
from channelkit.sdk.errors import ErrorReason
from channelkit.sdk.errors import FailedPrecondition
from channelkit.sdk.errors import ResourceExhausted
from channelkit.v1 import provider_service_pb2 as pb
from channelkit.v1 import workspace_pb2 as wpb

Context = grpc.aio.ServicerContext[Any, Any]
Ctx = Context | None  # None when an in-process provider calls without a transport
SUPPORTED_PROTOCOL_VERSIONS = frozenset({1})
_RESUME = "this Events stream fell behind and was ended; resume from the last processed seq"


def _tab_spec(spec: pb.TabSpec) -> TabSpec:
    record = (spec.record.entity_name, spec.record.entity_id) if spec.HasField("record") else None
    return TabSpec(
        title=spec.title, page_type=spec.page_type, target=spec.target, can_close=spec.can_close, record=record
    )


TemplateRequest = (
    pb.CreateSessionRequest
    | pb.CreateTabRequest
    | pb.NotifyEventRequest
    | pb.SetSessionTitleRequest
    | pb.SetTabTitleRequest
)


def _template(request: TemplateRequest, name: str) -> TemplateCall | None:
    """The template request of a call; None when it names no template and gives no parameters.

    Title changes name no template (it is the session's or tab's own), so they pass ``name`` "".
    """
    given = request.HasField("template_parameters")
    if not name and not given:
        return None
    if not name and not isinstance(request, pb.SetSessionTitleRequest | pb.SetTabTitleRequest):
        raise check.invalid("template_parameters", "is only used together with template")
    parameters = request.template_parameters
    return TemplateCall(name, dict(parameters.values), {k: dict(v.values) for k, v in parameters.tabs.items()})


def _action(message: wpb.SessionAction) -> SessionAction:
    return SessionAction(
        id=message.id,
        label=message.label,
        takes_text=message.takes_text,
        placeholder=message.placeholder,
        enabled=message.enabled,
    )


class ProviderServicer:
    """One method per ProviderService RPC; ``identity.name`` is the calling provider."""

    def __init__(self, runtime: HostRuntime) -> None:
        self.rt = runtime
        self.core = runtime.core
        limits = runtime.config.limits
        self._limits = wpb.HostLimits(
            max_sessions=limits.max_sessions,
            max_tabs=limits.max_tabs,
            attention_cooldown_ms=int(limits.attention_cooldown_seconds * 1000),
            rate_limit_per_second=limits.rate_limit_per_second,
            rate_limit_burst=limits.rate_limit_burst,
            event_retention=limits.event_retention,
            max_message_bytes=runtime.config.server.max_message_bytes,
            max_transcript_entries=limits.max_transcript_entries,
        )
        self._write_timeout = runtime.config.server.stream_write_timeout_seconds

    # --- handshake and events ------------------------------------------------------------

    async def hello(self, identity: Identity, request: pb.HelloRequest, _: Ctx) -> pb.HelloResponse:
        """Negotiate the protocol version and describe the caller's world."""
        offered = list(request.protocol_versions)
        if not offered:
            raise check.invalid("protocol_versions", "must list at least one version")
        check.text("software_version", request.software_version, max_len=check.MAX_ID)
        common = SUPPORTED_PROTOCOL_VERSIONS.intersection(offered)
        if not common:
            supported = ",".join(map(str, sorted(SUPPORTED_PROTOCOL_VERSIONS)))
            raise FailedPrecondition(
                f"the provider speaks protocol versions {offered}, this host serves {supported}",
                reason=ErrorReason.PROTOCOL_VERSION_UNSUPPORTED,
                metadata={"offered": ",".join(map(str, offered)), "supported": supported},
            )
        info = self.core.enabled_provider(identity.name)
        agents = [wpb.AgentRecord(id=a.id, display_name=a.display_name) for a in self.core.agents_served(info.name)]
        return pb.HelloResponse(
            protocol_version=max(common),
            provider=convert.provider_record(info),
            agents=agents,
            limits=self._limits,
            head_seq=self.rt.logs[identity.name].head_seq,
        )

    async def events(self, identity: Identity, request: pb.EventsRequest, context: Context) -> None:
        """Stream retained events after ``after_seq``, then live ones, until replaced or cut off."""
        self.core.enabled_provider(identity.name)
        log = self.rt.logs[identity.name]
        log.after(request.after_seq)  # CURSOR_EXPIRED before the stream opens
        stream = log.open_stream()
        cursor = request.after_seq
        try:
            while True:
                await log.wait_beyond(cursor, stream)
                try:
                    batch = log.after(cursor)
                except CursorExpired:
                    raise slow_consumer(_RESUME) from None
                for event in batch:
                    log.check_live(stream)
                    await write_within(context, event, self._write_timeout, _RESUME)
                    cursor = event.seq
                    log.mark_delivered(cursor)
        except ResourceExhausted as exc:
            self.rt.record_error(identity.name, exc.message)
            raise
        finally:
            log.close_stream()

    # --- sessions -------------------------------------------------------------------------

    async def can_create_session(
        self, identity: Identity, request: pb.CanCreateSessionRequest, _: Ctx
    ) -> pb.CanCreateSessionResponse:
        """Whether a session could be created now."""
        allowed, count = self.core.can_create_session(identity.name, request.agent_id)
        return pb.CanCreateSessionResponse(
            allowed=allowed, open_sessions=count, max_sessions=self.core.settings.max_sessions
        )

    async def create_session(
        self, identity: Identity, request: pb.CreateSessionRequest, _: Ctx
    ) -> pb.CreateSessionResponse:
        """Create a session owned by the caller."""
        anchor = _tab_spec(request.anchor_tab) if request.HasField("anchor_tab") else None
        template = _template(request, request.template)
        session = self.rt.apply(
            lambda: self.core.create_session(
                identity.name,
                request.agent_id,
                title=request.title,
                context=dict(request.context),
                correlation_id=request.correlation_id,
                provider_session_id=request.provider_session_id,
                consent_notification_id=request.consent_notification_id,
                anchor_tab=anchor,
                template=template,
            )
        )
        return pb.CreateSessionResponse(session=self._session(session))

    def _session(self, session: Session) -> wpb.Session:
        return convert.session_in(self.core.workspace(session.agent_id), session)

    async def get_session(self, identity: Identity, request: pb.GetSessionRequest, _: Ctx) -> pb.GetSessionResponse:
        """One of the caller's sessions."""
        return pb.GetSessionResponse(session=self._session(self.core.get_session(identity.name, request.session_id)))

    async def get_focused_session(
        self, identity: Identity, request: pb.GetFocusedSessionRequest, _: Ctx
    ) -> pb.GetFocusedSessionResponse:
        """The focused session if the caller owns it."""
        session = self.core.get_focused_session(identity.name, request.agent_id)
        return pb.GetFocusedSessionResponse(session=self._session(session) if session else None)

    async def list_sessions(
        self, identity: Identity, request: pb.ListSessionsRequest, _: Ctx
    ) -> pb.ListSessionsResponse:
        """The caller's open sessions and its log head."""
        sessions = self.core.list_sessions(identity.name, request.agent_id)
        return pb.ListSessionsResponse(
            sessions=[self._session(s) for s in sessions], head_seq=self.rt.logs[identity.name].head_seq
        )

    async def set_session_title(
        self, identity: Identity, request: pb.SetSessionTitleRequest, _: Ctx
    ) -> pb.SetSessionTitleResponse:
        """Retitle an own session."""
        parameters = _template(request, "")
        session = self.rt.apply(
            lambda: self.core.set_session_title(identity.name, request.session_id, request.title, parameters=parameters)
        )
        return pb.SetSessionTitleResponse(session=self._session(session))

    async def update_session_context(
        self, identity: Identity, request: pb.UpdateSessionContextRequest, _: Ctx
    ) -> pb.UpdateSessionContextResponse:
        """Change an own session's context bag."""
        context = self.rt.apply(
            lambda: self.core.update_session_context(
                identity.name, request.session_id, set_entries=dict(request.set), remove=list(request.remove)
            )
        )
        return pb.UpdateSessionContextResponse(context=context)

    async def request_focus_session(
        self, identity: Identity, request: pb.RequestFocusSessionRequest, _: Ctx
    ) -> pb.RequestFocusSessionResponse:
        """Ask for attention without moving focus."""
        result = self.rt.apply(
            lambda: self.core.request_focus_session(identity.name, request.session_id, request.messages_count)
        )
        return pb.RequestFocusSessionResponse(
            already_focused=result.already_focused, alerted=result.alerted, unread_count=result.unread_count
        )

    async def notify_kpi_breach(
        self, identity: Identity, request: pb.NotifyKpiBreachRequest, _: Ctx
    ) -> pb.NotifyKpiBreachResponse:
        """Flag or clear a KPI breach."""
        flagged = self.rt.apply(
            lambda: self.core.notify_kpi_breach(
                identity.name, request.session_id, reset=request.reset, details=request.details
            )
        )
        return pb.NotifyKpiBreachResponse(kpi_breach=flagged)

    # --- tabs ---------------------------------------------------------------------------------

    async def can_create_tab(
        self, identity: Identity, request: pb.CanCreateTabRequest, _: Ctx
    ) -> pb.CanCreateTabResponse:
        """Whether a tab could be opened now."""
        allowed, count = self.core.can_create_tab(identity.name, request.session_id)
        return pb.CanCreateTabResponse(allowed=allowed, open_tabs=count, max_tabs=self.core.settings.max_tabs)

    async def create_tab(self, identity: Identity, request: pb.CreateTabRequest, _: Ctx) -> pb.CreateTabResponse:
        """Open a tab in an own session."""
        spec = _tab_spec(request.tab) if request.HasField("tab") else None
        template = _template(request, request.template)
        tab = self.rt.apply(
            lambda: self.core.create_tab(
                identity.name, request.session_id, spec, focus=request.focus, template=template
            )
        )
        return pb.CreateTabResponse(tab=self._tab(tab))

    def _tab(self, tab: Tab) -> wpb.Tab:
        return convert.tab(tab, self.core.session_by_id(tab.session_id).focused_tab_id)

    async def list_tabs(self, identity: Identity, request: pb.ListTabsRequest, _: Ctx) -> pb.ListTabsResponse:
        """The tabs of an own session."""
        session = self.core.get_session(identity.name, request.session_id)
        return pb.ListTabsResponse(tabs=[convert.tab(t, session.focused_tab_id) for t in session.tabs.values()])

    async def get_focused_tab(
        self, identity: Identity, request: pb.GetFocusedTabRequest, _: Ctx
    ) -> pb.GetFocusedTabResponse:
        """The focused tab if the caller owns the focused session."""
        tab = self.core.get_focused_tab(identity.name, request.agent_id)
        return pb.GetFocusedTabResponse(tab=convert.tab(tab, tab.id) if tab else None)

    async def focus_tab(self, identity: Identity, request: pb.FocusTabRequest, _: Ctx) -> pb.FocusTabResponse:
        """Focus an own tab within its session."""
        tab = self.rt.apply(lambda: self.core.focus_tab(identity.name, request.tab_id))
        return pb.FocusTabResponse(tab=self._tab(tab))

    async def refresh_tab(self, identity: Identity, request: pb.RefreshTabRequest, _: Ctx) -> pb.RefreshTabResponse:
        """Ask the agent's client to reload an own tab."""
        self.rt.apply(lambda: self.core.refresh_tab(identity.name, request.tab_id))
        return pb.RefreshTabResponse()

    async def set_tab_title(self, identity: Identity, request: pb.SetTabTitleRequest, _: Ctx) -> pb.SetTabTitleResponse:
        """Retitle an own tab."""
        parameters = _template(request, "")
        tab = self.rt.apply(
            lambda: self.core.set_tab_title(identity.name, request.tab_id, request.title, parameters=parameters)
        )
        return pb.SetTabTitleResponse(tab=self._tab(tab))

    async def close_tab(self, identity: Identity, request: pb.CloseTabRequest, _: Ctx) -> pb.CloseTabResponse:
        """Close an own tab."""
        self.rt.apply(lambda: self.core.close_tab(identity.name, request.tab_id))
        return pb.CloseTabResponse()

    async def append_transcript(
        self, identity: Identity, request: pb.AppendTranscriptRequest, _: Ctx
    ) -> pb.AppendTranscriptResponse:
        """Add an entry to an own transcript tab."""
        occurred = request.occurred_at.ToDatetime(tzinfo=UTC) if request.HasField("occurred_at") else None
        entry = self.rt.apply(
            lambda: self.core.append_transcript(
                identity.name,
                request.tab_id,
                role=request.role,
                author=request.author,
                text=request.text,
                occurred_at=occurred,
            )
        )
        return pb.AppendTranscriptResponse(entry=convert.transcript_entry(entry))

    # --- session actions ----------------------------------------------------------------------

    async def set_session_actions(
        self, identity: Identity, request: pb.SetSessionActionsRequest, _: Ctx
    ) -> pb.SetSessionActionsResponse:
        """Replace an own session's buttons."""
        actions = [_action(a) for a in request.actions]
        session = self.rt.apply(lambda: self.core.set_session_actions(identity.name, request.session_id, actions))
        return pb.SetSessionActionsResponse(session=self._session(session))

    # --- notifications ----------------------------------------------------------------------

    async def notify_event(self, identity: Identity, request: pb.NotifyEventRequest, _: Ctx) -> pb.NotifyEventResponse:
        """Offer a toast and wait for its outcome."""
        spec = ToastSpec(
            title=request.title,
            fields=[(f.header, f.value) for f in request.fields],
            timeout_seconds=request.timeout_seconds,
            accept_label=request.accept_label,
            reject_label=request.reject_label,
            hide_reject=request.hide_reject,
            cancellation_token=request.cancellation_token,
            correlation_id=request.correlation_id,
            template=_template(request, request.template),
        )
        toast = self.rt.apply(lambda: self.core.notify(identity.name, request.agent_id, spec))
        resolved = await asyncio.shield(self.rt.outcome_of(toast))
        return pb.NotifyEventResponse(
            notification_id=resolved.notification_id,
            action=convert.action(resolved.action),
            reason=convert.reason(resolved.reason),
        )

    async def cancel_event(self, identity: Identity, request: pb.CancelEventRequest, _: Ctx) -> pb.CancelEventResponse:
        """Cancel an own pending toast."""
        toast = self.rt.apply(lambda: self.core.cancel_notification(identity.name, request.cancellation_token))
        return pb.CancelEventResponse(notification_id=toast.id)

    # --- presence, click-to-act, panel ---------------------------------------------------------

    async def set_presence(self, identity: Identity, request: pb.SetPresenceRequest, _: Ctx) -> pb.SetPresenceResponse:
        """Set the agent's presence."""
        presence = self.rt.apply(
            lambda: self.core.set_presence(request.agent_id, request.presence, provider=identity.name)
        )
        return pb.SetPresenceResponse(presence=presence)

    async def get_presence(self, identity: Identity, request: pb.GetPresenceRequest, _: Ctx) -> pb.GetPresenceResponse:
        """The agent's presence."""
        return pb.GetPresenceResponse(presence=self.core.get_presence(identity.name, request.agent_id))

    async def set_click_to_act(
        self, identity: Identity, request: pb.SetClickToActRequest, _: Ctx
    ) -> pb.SetClickToActResponse:
        """Switch click-to-act for the caller."""
        enabled = self.rt.apply(lambda: self.core.set_click_to_act(identity.name, request.enabled))
        return pb.SetClickToActResponse(enabled=enabled)

    async def get_click_to_act(
        self, identity: Identity, _request: pb.GetClickToActRequest, _: Ctx
    ) -> pb.GetClickToActResponse:
        """Whether click-to-act is on for the caller."""
        return pb.GetClickToActResponse(enabled=self.core.get_click_to_act(identity.name))

    async def set_panel_mode(
        self, identity: Identity, request: pb.SetPanelModeRequest, _: Ctx
    ) -> pb.SetPanelModeResponse:
        """Set the panel mode (active provider only)."""
        mode = self.rt.apply(lambda: self.core.set_panel_mode(request.agent_id, request.mode, provider=identity.name))
        return pb.SetPanelModeResponse(mode=convert.panel_mode(mode))

    async def get_panel_mode(
        self, identity: Identity, request: pb.GetPanelModeRequest, _: Ctx
    ) -> pb.GetPanelModeResponse:
        """The panel mode."""
        mode, _width = self.core.panel(identity.name, request.agent_id)
        return pb.GetPanelModeResponse(mode=convert.panel_mode(mode))

    async def set_panel_width(
        self, identity: Identity, request: pb.SetPanelWidthRequest, _: Ctx
    ) -> pb.SetPanelWidthResponse:
        """Set the panel width (active provider only)."""
        width = self.rt.apply(
            lambda: self.core.set_panel_width(request.agent_id, request.width, provider=identity.name)
        )
        return pb.SetPanelWidthResponse(width=width)

    async def get_panel_width(
        self, identity: Identity, request: pb.GetPanelWidthRequest, _: Ctx
    ) -> pb.GetPanelWidthResponse:
        """The panel width."""
        _mode, width = self.core.panel(identity.name, request.agent_id)
        return pb.GetPanelWidthResponse(width=width)

    # --- analytics --------------------------------------------------------------------------------

    async def log_analytics_event(
        self, identity: Identity, request: pb.LogAnalyticsEventRequest, _: Ctx
    ) -> pb.LogAnalyticsEventResponse:
        """Store a custom analytics event."""
        occurred = request.occurred_at.ToDatetime(tzinfo=UTC) if request.HasField("occurred_at") else None
        record = self.rt.apply(
            lambda: self.core.log_analytics_event(
                identity.name,
                request.agent_id,
                session_id=request.session_id,
                name=request.name,
                reason=request.reason,
                occurred_at=occurred,
                attributes=dict(request.attributes),
                correlation_id=request.correlation_id,
            )
        )
        return pb.LogAnalyticsEventResponse(event_id=record.id if record else "", recorded=record is not None)
