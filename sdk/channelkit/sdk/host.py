"""The typed async client a provider uses to talk to its host.

One method per ``ProviderService`` call (the handshake and the event stream
are the runtime's business). The same class serves both ways of running a
provider: in-process it calls the host's core directly with the identity bound
when the provider was loaded; remotely it calls over gRPC with the provider's
token. Failures raise :mod:`channelkit.sdk.errors` exceptions in both modes.

Every mutating call carries a ``request_id``; the client makes one up when the
caller gives none, and a call retried after a transport error reuses it, so the
host applies it once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from collections.abc import Mapping
from datetime import datetime
from typing import Protocol
from typing import TypeVar

from google.protobuf.message import Message
from pydantic import ValidationError

from channelkit.sdk import _convert as convert
from channelkit.sdk._enums import AuthorRole
from channelkit.sdk._enums import PanelMode
from channelkit.sdk.errors import InvalidArgument
from channelkit.sdk.models import AgentRecord
from channelkit.sdk.models import AttentionResult
from channelkit.sdk.models import Availability
from channelkit.sdk.models import HostLimits
from channelkit.sdk.models import Model
from channelkit.sdk.models import NotificationField
from channelkit.sdk.models import NotificationOutcome
from channelkit.sdk.models import ProviderRecord
from channelkit.sdk.models import Session
from channelkit.sdk.models import SessionAction
from channelkit.sdk.models import SessionRequest
from channelkit.sdk.models import Tab
from channelkit.sdk.models import TabSpec
from channelkit.sdk.models import TemplateParameters
from channelkit.sdk.models import ToastRequest
from channelkit.sdk.models import TranscriptEntry
from channelkit.v1 import provider_service_pb2 as pb
from channelkit.v1 import workspace_pb2 as wpb

__all__ = ["Host", "Transport"]

M = TypeVar("M", bound=Message)
R = TypeVar("R", bound=Model)


class Transport(Protocol):
    """How a :class:`Host` reaches the host: in-process or over gRPC."""

    async def call(self, method: str, request: Message, response_type: type[M]) -> M:
        """Run ProviderService ``method`` with ``request``; raise ChannelkitError on failure."""
        ...


def _parameters(
    values: Mapping[str, str] | None, tab_values: Mapping[str, Mapping[str, str]] | None
) -> TemplateParameters | None:
    if values is None and tab_values is None:
        return None
    tabs = {name: dict(scoped) for name, scoped in (tab_values or {}).items()}
    return _build(TemplateParameters, values=dict(values or {}), tabs=tabs)


def _build(model: type[R], **values: object) -> R:
    """Validate a request model, reporting the first problem as INVALID_ARGUMENT naming the field."""
    try:
        return model(**values)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = ".".join(str(part) for part in first["loc"])
        raise InvalidArgument(f"{field}: {first['msg']}", field=field) from None


class Host:
    """The provider's view of its host; given to ``Provider.on_start``."""

    def __init__(self, transport: Transport, hello: pb.HelloResponse) -> None:
        self._transport = transport
        self.provider: ProviderRecord = convert.provider_record(hello.provider)
        """This provider as the host configured it (name, channel, parameters, agents)."""
        self.agents: tuple[AgentRecord, ...] = tuple(
            AgentRecord(id=a.id, display_name=a.display_name) for a in hello.agents
        )
        """The agents this provider serves."""
        self.limits: HostLimits = convert.limits(hello.limits)
        """The limits the host enforces."""

    async def _call(self, method: str, request: Message, response_type: type[M]) -> M:
        if "request_id" in request.DESCRIPTOR.fields_by_name and not getattr(request, "request_id"):  # noqa: B009
            setattr(request, "request_id", uuid.uuid4().hex)  # noqa: B010
        return await self._transport.call(method, request, response_type)

    # --- sessions ---------------------------------------------------------------------------------

    async def can_create_session(self, agent_id: str) -> Availability:
        """Whether a session could be created for ``agent_id`` now (R7), with the count and limit."""
        r = await self._call(
            "CanCreateSession", pb.CanCreateSessionRequest(agent_id=agent_id), pb.CanCreateSessionResponse
        )
        return Availability(allowed=r.allowed, count=r.open_sessions, limit=r.max_sessions)

    async def create_session(
        self,
        agent_id: str,
        *,
        title: str = "",
        context: Mapping[str, str] | None = None,
        correlation_id: str = "",
        provider_session_id: str = "",
        consent_notification_id: str = "",
        anchor_tab: TabSpec | None = None,
        template: str = "",
        parameters: Mapping[str, str] | None = None,
        tab_parameters: Mapping[str, Mapping[str, str]] | None = None,
        request_id: str = "",
    ) -> Session:
        """Create a session owned by this provider: a literal ``title`` (and ``anchor_tab``), or a ``template``.

        With a session ``template`` its title, anchor and additional tabs,
        icon and panel mode apply; ``parameters`` fill its placeholders and
        ``tab_parameters`` (by tab template name) those of one tab only.
        Quote an accepted toast's ``notification_id`` as ``consent_notification_id``
        to open it focused (R5); without one the host's consent policy decides.
        Raises :class:`~channelkit.sdk.errors.LimitReached`,
        :class:`~channelkit.sdk.errors.ConsentRequired`,
        :class:`~channelkit.sdk.errors.AgentNotFound`,
        :class:`~channelkit.sdk.errors.TemplateNotFound`.
        """
        spec = _build(
            SessionRequest,
            agent_id=agent_id,
            title=title,
            context=dict(context or {}),
            correlation_id=correlation_id,
            provider_session_id=provider_session_id,
            consent_notification_id=consent_notification_id,
            anchor_tab=anchor_tab,
            template=template,
            parameters=_parameters(parameters, tab_parameters),
        )
        request = convert.create_session(spec)
        request.request_id = request_id
        r = await self._call("CreateSession", request, pb.CreateSessionResponse)
        return convert.session(r.session)

    async def get_session(self, session_id: str) -> Session:
        """One of this provider's open sessions (SessionNotFound otherwise)."""
        r = await self._call("GetSession", pb.GetSessionRequest(session_id=session_id), pb.GetSessionResponse)
        return convert.session(r.session)

    async def get_focused_session(self, agent_id: str) -> Session | None:
        """The agent's focused session if this provider owns it, else ``None``."""
        request = pb.GetFocusedSessionRequest(agent_id=agent_id)
        r = await self._call("GetFocusedSession", request, pb.GetFocusedSessionResponse)
        return convert.session(r.session) if r.HasField("session") else None

    async def list_sessions(self, agent_id: str) -> list[Session]:
        """This provider's open sessions in the agent's workspace."""
        r = await self._call("ListSessions", pb.ListSessionsRequest(agent_id=agent_id), pb.ListSessionsResponse)
        return [convert.session(s) for s in r.sessions]

    async def set_session_title(
        self,
        session_id: str,
        title: str = "",
        *,
        parameters: Mapping[str, str] | None = None,
        request_id: str = "",
    ) -> Session:
        """Retitle an own session: a literal ``title``, or its template's title resolved with ``parameters``.

        Only for a session created from a template; new ``parameters`` are
        merged over the ones it was created with.
        """
        request = pb.SetSessionTitleRequest(
            session_id=session_id,
            title=title,
            request_id=request_id,
            template_parameters=convert.template_parameters(_parameters(parameters, None)),
        )
        r = await self._call("SetSessionTitle", request, pb.SetSessionTitleResponse)
        return convert.session(r.session)

    async def update_session_context(
        self,
        session_id: str,
        *,
        set_entries: Mapping[str, str] | None = None,
        remove: Iterable[str] = (),
        request_id: str = "",
    ) -> dict[str, str]:
        """Add or replace ``set_entries`` and drop ``remove`` keys; returns the whole context."""
        request = pb.UpdateSessionContextRequest(
            session_id=session_id, set=dict(set_entries or {}), remove=list(remove), request_id=request_id
        )
        r = await self._call("UpdateSessionContext", request, pb.UpdateSessionContextResponse)
        return dict(r.context)

    async def request_focus_session(
        self, session_id: str, messages_count: int = 0, *, request_id: str = ""
    ) -> AttentionResult:
        """Ask for the agent's attention to a session without moving focus (R6)."""
        request = pb.RequestFocusSessionRequest(
            session_id=session_id, messages_count=messages_count, request_id=request_id
        )
        r = await self._call("RequestFocusSession", request, pb.RequestFocusSessionResponse)
        return AttentionResult(already_focused=r.already_focused, alerted=r.alerted, unread_count=r.unread_count)

    async def notify_kpi_breach(
        self, session_id: str, *, reset: bool = False, details: str = "", request_id: str = ""
    ) -> bool:
        """Flag (or with ``reset`` clear) a KPI breach on an own session; returns the flag."""
        request = pb.NotifyKpiBreachRequest(session_id=session_id, reset=reset, details=details, request_id=request_id)
        r = await self._call("NotifyKpiBreach", request, pb.NotifyKpiBreachResponse)
        return r.kpi_breach

    # --- tabs -------------------------------------------------------------------------------------

    async def can_create_tab(self, session_id: str) -> Availability:
        """Whether a tab could be opened in an own session now, with the count and limit."""
        r = await self._call("CanCreateTab", pb.CanCreateTabRequest(session_id=session_id), pb.CanCreateTabResponse)
        return Availability(allowed=r.allowed, count=r.open_tabs, limit=r.max_tabs)

    async def create_tab(
        self,
        session_id: str,
        tab: TabSpec | None = None,
        *,
        template: str = "",
        parameters: Mapping[str, str] | None = None,
        tab_parameters: Mapping[str, str] | None = None,
        focus: bool = False,
        request_id: str = "",
    ) -> Tab:
        """Open a literal ``tab`` or tab ``template`` in an own session; ``focus`` also focuses it there.

        ``tab_parameters`` are scoped to this template: they win over
        ``parameters`` and may replace its ``title``, ``url``, ``page``,
        ``entity_name`` or ``entity_id``.
        """
        if (tab is None) == (not template):
            raise InvalidArgument("give either a tab or a template", field="tab")
        scoped = {template: tab_parameters} if tab_parameters else None
        request = pb.CreateTabRequest(
            session_id=session_id,
            tab=convert.tab_spec(tab) if tab else None,
            focus=focus,
            request_id=request_id,
            template=template,
            template_parameters=convert.template_parameters(_parameters(parameters, scoped)) if template else None,
        )
        r = await self._call("CreateTab", request, pb.CreateTabResponse)
        return convert.tab(r.tab)

    async def list_tabs(self, session_id: str) -> list[Tab]:
        """The tabs of an own session."""
        r = await self._call("ListTabs", pb.ListTabsRequest(session_id=session_id), pb.ListTabsResponse)
        return [convert.tab(t) for t in r.tabs]

    async def get_focused_tab(self, agent_id: str) -> Tab | None:
        """The focused tab if this provider owns the agent's focused session, else ``None``."""
        r = await self._call("GetFocusedTab", pb.GetFocusedTabRequest(agent_id=agent_id), pb.GetFocusedTabResponse)
        return convert.tab(r.tab) if r.HasField("tab") else None

    async def focus_tab(self, tab_id: str, *, request_id: str = "") -> Tab:
        """Focus an own tab within its session (the session's own focus does not move)."""
        r = await self._call("FocusTab", pb.FocusTabRequest(tab_id=tab_id, request_id=request_id), pb.FocusTabResponse)
        return convert.tab(r.tab)

    async def refresh_tab(self, tab_id: str, *, request_id: str = "") -> None:
        """Ask the agent's client to reload an own tab."""
        await self._call(
            "RefreshTab", pb.RefreshTabRequest(tab_id=tab_id, request_id=request_id), pb.RefreshTabResponse
        )

    async def set_tab_title(
        self, tab_id: str, title: str = "", *, parameters: Mapping[str, str] | None = None, request_id: str = ""
    ) -> Tab:
        """Retitle an own tab: a literal ``title``, or (templated tabs) the template's title with ``parameters``."""
        request = pb.SetTabTitleRequest(
            tab_id=tab_id,
            title=title,
            request_id=request_id,
            template_parameters=convert.template_parameters(_parameters(parameters, None)),
        )
        r = await self._call("SetTabTitle", request, pb.SetTabTitleResponse)
        return convert.tab(r.tab)

    async def close_tab(self, tab_id: str, *, request_id: str = "") -> None:
        """Close an own tab (not the anchor tab)."""
        await self._call("CloseTab", pb.CloseTabRequest(tab_id=tab_id, request_id=request_id), pb.CloseTabResponse)

    async def append_transcript(
        self,
        tab_id: str,
        text: str,
        *,
        role: AuthorRole = AuthorRole.SYSTEM,
        author: str = "",
        occurred_at: datetime | None = None,
        request_id: str = "",
    ) -> TranscriptEntry:
        """Add an entry to an own transcript tab (``TabSpec.transcript``); the agent sees it at once.

        Raises :class:`~channelkit.sdk.errors.LimitReached` when the tab holds
        ``limits.max_transcript_entries`` entries.
        """
        request = pb.AppendTranscriptRequest(
            tab_id=tab_id,
            role=wpb.AuthorRole.ValueType(int(role)),
            author=author,
            text=text,
            occurred_at=convert.timestamp(occurred_at) if occurred_at else None,
            request_id=request_id,
        )
        r = await self._call("AppendTranscript", request, pb.AppendTranscriptResponse)
        return convert.transcript_entry(r.entry)

    # --- session actions --------------------------------------------------------------------------

    async def set_session_actions(
        self, session_id: str, actions: Iterable[SessionAction], *, request_id: str = ""
    ) -> Session:
        """Replace the buttons shown with an own session (an empty list removes them).

        The agent pressing one sends this provider, and only it,
        :class:`~channelkit.sdk.events.ActionInvoked`.
        """
        request = pb.SetSessionActionsRequest(
            session_id=session_id, actions=[convert.action_message(a) for a in actions], request_id=request_id
        )
        r = await self._call("SetSessionActions", request, pb.SetSessionActionsResponse)
        return convert.session(r.session)

    # --- notifications ----------------------------------------------------------------------------

    async def notify_event(
        self,
        agent_id: str,
        *,
        title: str = "",
        template: str = "",
        parameters: Mapping[str, str] | None = None,
        fields: Iterable[NotificationField] = (),
        timeout_seconds: int = 0,
        accept_label: str = "",
        reject_label: str = "",
        hide_reject: bool = False,
        cancellation_token: str = "",
        correlation_id: str = "",
        request_id: str = "",
    ) -> NotificationOutcome:
        """Offer a toast (literal ``title`` and fields, or a notification ``template``) and wait for its end.

        The toast waits its turn in the agent's queue, is shown, and ends when
        the agent answers, it times out, the queue refuses it or it is
        cancelled. ``timeout_seconds`` 0 takes the host's default. The
        outcome's ``notification_id``, when accepted, is what
        ``create_session`` quotes as consent.
        """
        toast = _build(
            ToastRequest,
            agent_id=agent_id,
            title=title,
            fields=tuple(fields),
            timeout_seconds=timeout_seconds,
            accept_label=accept_label,
            reject_label=reject_label,
            hide_reject=hide_reject,
            cancellation_token=cancellation_token,
            correlation_id=correlation_id,
            template=template,
            parameters=_parameters(parameters, None),
        )
        request = convert.notify_event(toast)
        request.request_id = request_id
        r = await self._call("NotifyEvent", request, pb.NotifyEventResponse)
        return convert.outcome(r)

    async def cancel_event(self, cancellation_token: str, *, request_id: str = "") -> str:
        """Withdraw an own pending toast by its cancellation token; returns its id."""
        request = pb.CancelEventRequest(cancellation_token=cancellation_token, request_id=request_id)
        r = await self._call("CancelEvent", request, pb.CancelEventResponse)
        return r.notification_id

    # --- presence, click-to-act, panel ------------------------------------------------------------

    async def set_presence(self, agent_id: str, presence: str, *, request_id: str = "") -> str:
        """Set the agent's presence (one of the host's configured texts)."""
        request = pb.SetPresenceRequest(agent_id=agent_id, presence=presence, request_id=request_id)
        r = await self._call("SetPresence", request, pb.SetPresenceResponse)
        return r.presence

    async def get_presence(self, agent_id: str) -> str:
        """The agent's presence."""
        r = await self._call("GetPresence", pb.GetPresenceRequest(agent_id=agent_id), pb.GetPresenceResponse)
        return r.presence

    async def set_click_to_act(self, enabled: bool, *, request_id: str = "") -> bool:
        """Switch click-to-act on or off for this provider."""
        request = pb.SetClickToActRequest(enabled=enabled, request_id=request_id)
        r = await self._call("SetClickToAct", request, pb.SetClickToActResponse)
        return r.enabled

    async def get_click_to_act(self) -> bool:
        """Whether click-to-act is on for this provider."""
        r = await self._call("GetClickToAct", pb.GetClickToActRequest(), pb.GetClickToActResponse)
        return r.enabled

    async def set_panel_mode(self, agent_id: str, mode: PanelMode, *, request_id: str = "") -> PanelMode:
        """Set the panel mode (only the active provider may; NotActiveProvider otherwise)."""
        request = pb.SetPanelModeRequest(
            agent_id=agent_id, mode=wpb.PanelMode.ValueType(int(mode)), request_id=request_id
        )
        r = await self._call("SetPanelMode", request, pb.SetPanelModeResponse)
        return PanelMode(r.mode)

    async def get_panel_mode(self, agent_id: str) -> PanelMode:
        """The agent's panel mode."""
        r = await self._call("GetPanelMode", pb.GetPanelModeRequest(agent_id=agent_id), pb.GetPanelModeResponse)
        return PanelMode(r.mode)

    async def set_panel_width(self, agent_id: str, width: int, *, request_id: str = "") -> int:
        """Set the panel width in pixels (only the active provider may)."""
        request = pb.SetPanelWidthRequest(agent_id=agent_id, width=width, request_id=request_id)
        r = await self._call("SetPanelWidth", request, pb.SetPanelWidthResponse)
        return r.width

    async def get_panel_width(self, agent_id: str) -> int:
        """The agent's panel width in pixels."""
        r = await self._call("GetPanelWidth", pb.GetPanelWidthRequest(agent_id=agent_id), pb.GetPanelWidthResponse)
        return r.width

    # --- analytics --------------------------------------------------------------------------------

    async def log_analytics_event(
        self,
        agent_id: str,
        name: str,
        *,
        session_id: str = "",
        reason: str = "",
        occurred_at: datetime | None = None,
        attributes: Mapping[str, str] | None = None,
        correlation_id: str = "",
        request_id: str = "",
    ) -> str:
        """Record a custom analytics event; returns its id ("" when this provider's analytics are off)."""
        request = pb.LogAnalyticsEventRequest(
            agent_id=agent_id,
            name=name,
            session_id=session_id,
            reason=reason,
            occurred_at=convert.timestamp(occurred_at) if occurred_at else None,
            attributes=dict(attributes or {}),
            correlation_id=correlation_id,
            request_id=request_id,
        )
        r = await self._call("LogAnalyticsEvent", request, pb.LogAnalyticsEventResponse)
        return r.event_id
