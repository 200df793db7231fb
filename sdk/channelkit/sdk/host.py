"""The typed async client a provider uses to talk to its host.

One method per ``ProviderService`` call (the handshake and the event stream
are the runtime's business). The same class serves both ways of running a
provider: in-process it calls the host's core directly with the identity bound
when the provider was loaded; remotely it calls over gRPC with the provider's
token. Failures raise :mod:`channelkit.sdk.errors` exceptions in both modes,
and the host alone checks requests, so the same bad input gets the same
exception (class, reason, ``field``) in both modes and in the testing kit.

Every mutating call carries a ``request_id``; the client makes one up when the
caller gives none, and a call retried after a transport failure or a rate
limit (see the retry policy in the provider guide) reuses it, so the host
applies it once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from collections.abc import Mapping
from datetime import datetime
from typing import Protocol
from typing import TypeVar

from google.protobuf.message import Message

from channelkit.sdk._enums import AuthorRole
from channelkit.sdk._enums import PanelMode
from channelkit.sdk.models import AgentRecord
from channelkit.sdk.models import AttentionResult
from channelkit.sdk.models import Availability
from channelkit.sdk.models import HostLimits
from channelkit.sdk.models import NotificationField
from channelkit.sdk.models import NotificationOutcome
from channelkit.sdk.models import ProviderRecord
from channelkit.sdk.models import Session
from channelkit.sdk.models import SessionAction
from channelkit.sdk.models import Tab
from channelkit.sdk.models import TabSpec
from channelkit.sdk.models import TranscriptEntry
from channelkit.sdk.runtime import fromproto
from channelkit.sdk.runtime import toproto
from channelkit.sdk.runtime._retry import RetryPolicy
from channelkit.sdk.runtime.rpcs import ProviderService as P
from channelkit.sdk.runtime.rpcs import Rpc
from channelkit.v1 import provider_service_pb2 as pb
from channelkit.v1 import workspace_pb2 as wpb

__all__ = ["Host", "Transport"]

Req = TypeVar("Req", bound=Message)
Resp = TypeVar("Resp", bound=Message)


class Transport(Protocol):
    """How a :class:`Host` reaches the host: in-process or over gRPC. One attempt per call."""

    async def call(self, rpc: Rpc[Req, Resp], request: Req) -> Resp:
        """Run unary ``rpc`` with ``request``; raise ChannelkitError on failure."""
        ...


class Host:
    """The provider's view of its host; given to ``Provider.on_start``."""

    def __init__(self, transport: Transport, hello: pb.HelloResponse, *, retry: RetryPolicy | None = None) -> None:
        self._transport = transport
        self._retry = retry or RetryPolicy()
        self.provider: ProviderRecord = fromproto.model(ProviderRecord, hello.provider)
        """This provider as the host configured it (name, channel, parameters, agents)."""
        self.agents: tuple[AgentRecord, ...] = tuple(fromproto.model(AgentRecord, a) for a in hello.agents)
        """The agents this provider serves."""
        self.limits: HostLimits = fromproto.model(HostLimits, hello.limits)
        """The limits the host enforces."""

    async def _call(self, rpc: Rpc[Req, Resp], request: Req) -> Resp:
        if rpc.idempotent and not getattr(request, "request_id"):  # noqa: B009 - the table says the field exists
            setattr(request, "request_id", uuid.uuid4().hex)  # noqa: B010
        return await self._retry.run(rpc.name, lambda: self._transport.call(rpc, request))

    # --- sessions ---------------------------------------------------------------------------------

    async def can_create_session(self, agent_id: str) -> Availability:
        """Whether a session could be created for ``agent_id`` now (R7), with the count and limit."""
        r = await self._call(P.CanCreateSession, pb.CanCreateSessionRequest(agent_id=agent_id))
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
        request = pb.CreateSessionRequest(
            agent_id=agent_id,
            title=title,
            context=dict(context or {}),
            correlation_id=correlation_id,
            provider_session_id=provider_session_id,
            consent_notification_id=consent_notification_id,
            anchor_tab=toproto.tab_spec(anchor_tab) if anchor_tab else None,
            template=template,
            template_parameters=toproto.template_parameters(parameters, tab_parameters),
            request_id=request_id,
        )
        return fromproto.model(Session, (await self._call(P.CreateSession, request)).session)

    async def get_session(self, session_id: str) -> Session:
        """One of this provider's open sessions (SessionNotFound otherwise)."""
        r = await self._call(P.GetSession, pb.GetSessionRequest(session_id=session_id))
        return fromproto.model(Session, r.session)

    async def get_focused_session(self, agent_id: str) -> Session | None:
        """The agent's focused session if this provider owns it, else ``None``."""
        r = await self._call(P.GetFocusedSession, pb.GetFocusedSessionRequest(agent_id=agent_id))
        return fromproto.model(Session, r.session) if r.HasField("session") else None

    async def list_sessions(self, agent_id: str) -> list[Session]:
        """This provider's open sessions in the agent's workspace."""
        r = await self._call(P.ListSessions, pb.ListSessionsRequest(agent_id=agent_id))
        return [fromproto.model(Session, s) for s in r.sessions]

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
            template_parameters=toproto.template_parameters(parameters),
        )
        return fromproto.model(Session, (await self._call(P.SetSessionTitle, request)).session)

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
        return dict((await self._call(P.UpdateSessionContext, request)).context)

    async def request_focus_session(
        self, session_id: str, messages_count: int = 0, *, request_id: str = ""
    ) -> AttentionResult:
        """Ask for the agent's attention to a session without moving focus (R6)."""
        request = pb.RequestFocusSessionRequest(
            session_id=session_id, messages_count=messages_count, request_id=request_id
        )
        response = await self._call(P.RequestFocusSession, request)
        return fromproto.model(AttentionResult, response)

    async def notify_kpi_breach(
        self, session_id: str, *, reset: bool = False, details: str = "", request_id: str = ""
    ) -> bool:
        """Flag (or with ``reset`` clear) a KPI breach on an own session; returns the flag."""
        request = pb.NotifyKpiBreachRequest(session_id=session_id, reset=reset, details=details, request_id=request_id)
        return (await self._call(P.NotifyKpiBreach, request)).kpi_breach

    # --- tabs -------------------------------------------------------------------------------------

    async def can_create_tab(self, session_id: str) -> Availability:
        """Whether a tab could be opened in an own session now, with the count and limit."""
        r = await self._call(P.CanCreateTab, pb.CanCreateTabRequest(session_id=session_id))
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
        scoped = {template: tab_parameters} if tab_parameters else None
        request = pb.CreateTabRequest(
            session_id=session_id,
            tab=toproto.tab_spec(tab) if tab else None,
            focus=focus,
            request_id=request_id,
            template=template,
            template_parameters=toproto.template_parameters(parameters, scoped) if template else None,
        )
        return fromproto.model(Tab, (await self._call(P.CreateTab, request)).tab)

    async def list_tabs(self, session_id: str) -> list[Tab]:
        """The tabs of an own session."""
        r = await self._call(P.ListTabs, pb.ListTabsRequest(session_id=session_id))
        return [fromproto.model(Tab, t) for t in r.tabs]

    async def get_focused_tab(self, agent_id: str) -> Tab | None:
        """The focused tab if this provider owns the agent's focused session, else ``None``."""
        r = await self._call(P.GetFocusedTab, pb.GetFocusedTabRequest(agent_id=agent_id))
        return fromproto.model(Tab, r.tab) if r.HasField("tab") else None

    async def focus_tab(self, tab_id: str, *, request_id: str = "") -> Tab:
        """Focus an own tab within its session (the session's own focus does not move)."""
        r = await self._call(P.FocusTab, pb.FocusTabRequest(tab_id=tab_id, request_id=request_id))
        return fromproto.model(Tab, r.tab)

    async def refresh_tab(self, tab_id: str, *, request_id: str = "") -> None:
        """Ask the agent's client to reload an own tab."""
        await self._call(P.RefreshTab, pb.RefreshTabRequest(tab_id=tab_id, request_id=request_id))

    async def set_tab_title(
        self, tab_id: str, title: str = "", *, parameters: Mapping[str, str] | None = None, request_id: str = ""
    ) -> Tab:
        """Retitle an own tab: a literal ``title``, or (templated tabs) the template's title with ``parameters``."""
        request = pb.SetTabTitleRequest(
            tab_id=tab_id,
            title=title,
            request_id=request_id,
            template_parameters=toproto.template_parameters(parameters),
        )
        return fromproto.model(Tab, (await self._call(P.SetTabTitle, request)).tab)

    async def close_tab(self, tab_id: str, *, request_id: str = "") -> None:
        """Close an own tab (not the anchor tab)."""
        await self._call(P.CloseTab, pb.CloseTabRequest(tab_id=tab_id, request_id=request_id))

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
            occurred_at=toproto.timestamp(occurred_at) if occurred_at else None,
            request_id=request_id,
        )
        return fromproto.model(TranscriptEntry, (await self._call(P.AppendTranscript, request)).entry)

    # --- session actions --------------------------------------------------------------------------

    async def set_session_actions(
        self, session_id: str, actions: Iterable[SessionAction], *, request_id: str = ""
    ) -> Session:
        """Replace the buttons shown with an own session (an empty list removes them).

        The agent pressing one sends this provider, and only it,
        :class:`~channelkit.sdk.events.ActionInvoked`.
        """
        request = pb.SetSessionActionsRequest(
            session_id=session_id,
            actions=[toproto.message(a, wpb.SessionAction) for a in actions],
            request_id=request_id,
        )
        return fromproto.model(Session, (await self._call(P.SetSessionActions, request)).session)

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
        request = pb.NotifyEventRequest(
            agent_id=agent_id,
            title=title,
            fields=[toproto.message(f, wpb.NotificationField) for f in fields],
            timeout_seconds=timeout_seconds,
            accept_label=accept_label,
            reject_label=reject_label,
            hide_reject=hide_reject,
            cancellation_token=cancellation_token,
            correlation_id=correlation_id,
            template=template,
            template_parameters=toproto.template_parameters(parameters),
            request_id=request_id,
        )
        response = await self._call(P.NotifyEvent, request)
        return fromproto.model(NotificationOutcome, response)

    async def cancel_event(self, cancellation_token: str, *, request_id: str = "") -> str:
        """Withdraw an own pending toast by its cancellation token; returns its id."""
        request = pb.CancelEventRequest(cancellation_token=cancellation_token, request_id=request_id)
        return (await self._call(P.CancelEvent, request)).notification_id

    # --- presence, click-to-act, panel ------------------------------------------------------------

    async def set_presence(self, agent_id: str, presence: str, *, request_id: str = "") -> str:
        """Set the agent's presence (one of the host's configured texts)."""
        request = pb.SetPresenceRequest(agent_id=agent_id, presence=presence, request_id=request_id)
        return (await self._call(P.SetPresence, request)).presence

    async def get_presence(self, agent_id: str) -> str:
        """The agent's presence."""
        return (await self._call(P.GetPresence, pb.GetPresenceRequest(agent_id=agent_id))).presence

    async def set_click_to_act(self, enabled: bool, *, request_id: str = "") -> bool:
        """Switch click-to-act on or off for this provider."""
        request = pb.SetClickToActRequest(enabled=enabled, request_id=request_id)
        return (await self._call(P.SetClickToAct, request)).enabled

    async def get_click_to_act(self) -> bool:
        """Whether click-to-act is on for this provider."""
        return (await self._call(P.GetClickToAct, pb.GetClickToActRequest())).enabled

    async def set_panel_mode(self, agent_id: str, mode: PanelMode | str, *, request_id: str = "") -> PanelMode:
        """Set the panel mode, as the enum or its name ("docked", "minimized", "hidden").

        Only the active provider may (NotActiveProvider otherwise).
        """
        request = pb.SetPanelModeRequest(agent_id=agent_id, mode=toproto.panel_mode(mode), request_id=request_id)
        return PanelMode((await self._call(P.SetPanelMode, request)).mode)

    async def get_panel_mode(self, agent_id: str) -> PanelMode:
        """The agent's panel mode."""
        return PanelMode((await self._call(P.GetPanelMode, pb.GetPanelModeRequest(agent_id=agent_id))).mode)

    async def set_panel_width(self, agent_id: str, width: int, *, request_id: str = "") -> int:
        """Set the panel width in pixels (only the active provider may)."""
        request = pb.SetPanelWidthRequest(agent_id=agent_id, width=width, request_id=request_id)
        return (await self._call(P.SetPanelWidth, request)).width

    async def get_panel_width(self, agent_id: str) -> int:
        """The agent's panel width in pixels."""
        return (await self._call(P.GetPanelWidth, pb.GetPanelWidthRequest(agent_id=agent_id))).width

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
            occurred_at=toproto.timestamp(occurred_at) if occurred_at else None,
            attributes=dict(attributes or {}),
            correlation_id=correlation_id,
            request_id=request_id,
        )
        return (await self._call(P.LogAnalyticsEvent, request)).event_id
