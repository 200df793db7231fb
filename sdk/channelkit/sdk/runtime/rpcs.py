"""The channelkit.v1 RPCs, each declared once with its types, its deadline class and whether it retries safely.

The provider client (:class:`~channelkit.sdk.Host`), the remote transport, the
host's server binding and its in-process path are all driven by these tables,
so an RPC's name, request and response types exist in one place besides the
``.proto`` file, and mypy checks every call site against them::

    response = await transport.call(ProviderService.CreateSession, request)  # a CreateSessionResponse

A table class checks itself against the service descriptor when it is
defined: an RPC missing from the table, one the contract does not have, or a
wrong request or response type fails at import (and in the contract tests),
never later at a first call.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from typing import ClassVar
from typing import Generic
from typing import TypeVar

from google.protobuf import descriptor_pb2
from google.protobuf.descriptor import ServiceDescriptor
from google.protobuf.message import Message

from channelkit.v1 import agent_service_pb2 as apb
from channelkit.v1 import host_service_pb2 as hpb
from channelkit.v1 import provider_service_pb2 as ppb

__all__ = ["AgentService", "Deadline", "HostService", "ProviderService", "Rpc", "ServiceTable"]

Req = TypeVar("Req", bound=Message)
Resp = TypeVar("Resp", bound=Message)
_NO_SIDE_EFFECTS = descriptor_pb2.MethodOptions.NO_SIDE_EFFECTS


class Deadline(StrEnum):
    """How long a caller waits for an RPC, as a class; the transport maps each class to seconds."""

    CALL = "call"
    """An ordinary call, answered at once."""
    OUTCOME = "outcome"
    """A call that waits for a person (NotifyEvent waits for the agent's answer)."""
    STREAM = "stream"
    """A server stream, open until one side ends it."""


class Rpc(Generic[Req, Resp]):
    """One RPC: its full path, its message types, its deadline class and its retry safety.

    ``idempotent`` (the request carries ``request_id``) and ``read_only``
    (the contract marks it ``NO_SIDE_EFFECTS``) come from the descriptor.
    """

    service: str
    name: str
    path: str
    idempotent: bool
    read_only: bool

    def __init__(
        self, request: type[Req], response: type[Resp], *, streaming: bool = False, deadline: Deadline | None = None
    ) -> None:
        self.request = request
        self.response = response
        self.streaming = streaming
        self.deadline = deadline or (Deadline.STREAM if streaming else Deadline.CALL)
        self.idempotent = "request_id" in request.DESCRIPTOR.fields_by_name

    def bind(self, service: ServiceDescriptor, name: str) -> None:
        """Check this entry against the contract's method ``name`` and take its name and path."""
        if getattr(self, "name", name) != name:
            raise TypeError(f"{service.full_name}: one Rpc entry stands for both {self.name} and {name}")
        self.name = name
        method = service.methods_by_name.get(self.name)
        if method is None:
            raise TypeError(f"{service.full_name} has no RPC {self.name}")
        problems = []
        if method.input_type is not self.request.DESCRIPTOR:
            problems.append(f"takes {method.input_type.full_name}, not {self.request.DESCRIPTOR.full_name}")
        if method.output_type is not self.response.DESCRIPTOR:
            problems.append(f"returns {method.output_type.full_name}, not {self.response.DESCRIPTOR.full_name}")
        if method.server_streaming != self.streaming:
            problems.append("is a server stream" if method.server_streaming else "is not a server stream")
        if problems:
            raise TypeError(f"{service.full_name}.{self.name} {'; '.join(problems)}")
        self.service = service.full_name
        self.path = f"/{service.full_name}/{self.name}"
        self.read_only = method.GetOptions().idempotency_level == _NO_SIDE_EFFECTS

    def __repr__(self) -> str:
        return f"Rpc({self.path})"


class ServiceTable:
    """Base of the per-service tables; a subclass lists every RPC of ``descriptor`` as an :class:`Rpc`."""

    descriptor: ClassVar[ServiceDescriptor]
    by_name: ClassVar[dict[str, Rpc[Any, Any]]]

    def __init_subclass__(cls, *, descriptor: ServiceDescriptor, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls.descriptor = descriptor
        entries = {name: value for name, value in vars(cls).items() if isinstance(value, Rpc)}
        missing = [m.name for m in descriptor.methods if m.name not in entries]
        if missing:
            raise TypeError(f"{cls.__name__} lacks RPCs of {descriptor.full_name}: {', '.join(missing)}")
        for name, entry in entries.items():
            entry.bind(descriptor, name)
        cls.by_name = {m.name: entries[m.name] for m in descriptor.methods}

    @classmethod
    def rpcs(cls) -> list[Rpc[Any, Any]]:
        """Every RPC of the service, in the contract's order."""
        return list(cls.by_name.values())


class ProviderService(ServiceTable, descriptor=ppb.DESCRIPTOR.services_by_name["ProviderService"]):
    """``channelkit.v1.ProviderService``: what providers call."""

    Hello = Rpc(ppb.HelloRequest, ppb.HelloResponse)
    Events = Rpc(ppb.EventsRequest, ppb.ProviderEvent, streaming=True)
    AcknowledgeEvents = Rpc(ppb.AcknowledgeEventsRequest, ppb.AcknowledgeEventsResponse)
    CanCreateSession = Rpc(ppb.CanCreateSessionRequest, ppb.CanCreateSessionResponse)
    CreateSession = Rpc(ppb.CreateSessionRequest, ppb.CreateSessionResponse)
    GetSession = Rpc(ppb.GetSessionRequest, ppb.GetSessionResponse)
    GetFocusedSession = Rpc(ppb.GetFocusedSessionRequest, ppb.GetFocusedSessionResponse)
    ListSessions = Rpc(ppb.ListSessionsRequest, ppb.ListSessionsResponse)
    SetSessionTitle = Rpc(ppb.SetSessionTitleRequest, ppb.SetSessionTitleResponse)
    UpdateSessionContext = Rpc(ppb.UpdateSessionContextRequest, ppb.UpdateSessionContextResponse)
    RequestFocusSession = Rpc(ppb.RequestFocusSessionRequest, ppb.RequestFocusSessionResponse)
    NotifyKpiBreach = Rpc(ppb.NotifyKpiBreachRequest, ppb.NotifyKpiBreachResponse)
    CanCreateTab = Rpc(ppb.CanCreateTabRequest, ppb.CanCreateTabResponse)
    CreateTab = Rpc(ppb.CreateTabRequest, ppb.CreateTabResponse)
    ListTabs = Rpc(ppb.ListTabsRequest, ppb.ListTabsResponse)
    GetFocusedTab = Rpc(ppb.GetFocusedTabRequest, ppb.GetFocusedTabResponse)
    FocusTab = Rpc(ppb.FocusTabRequest, ppb.FocusTabResponse)
    RefreshTab = Rpc(ppb.RefreshTabRequest, ppb.RefreshTabResponse)
    SetTabTitle = Rpc(ppb.SetTabTitleRequest, ppb.SetTabTitleResponse)
    CloseTab = Rpc(ppb.CloseTabRequest, ppb.CloseTabResponse)
    AppendTranscript = Rpc(ppb.AppendTranscriptRequest, ppb.AppendTranscriptResponse)
    SetSessionActions = Rpc(ppb.SetSessionActionsRequest, ppb.SetSessionActionsResponse)
    NotifyEvent = Rpc(ppb.NotifyEventRequest, ppb.NotifyEventResponse, deadline=Deadline.OUTCOME)
    CancelEvent = Rpc(ppb.CancelEventRequest, ppb.CancelEventResponse)
    SetPresence = Rpc(ppb.SetPresenceRequest, ppb.SetPresenceResponse)
    GetPresence = Rpc(ppb.GetPresenceRequest, ppb.GetPresenceResponse)
    SetClickToAct = Rpc(ppb.SetClickToActRequest, ppb.SetClickToActResponse)
    GetClickToAct = Rpc(ppb.GetClickToActRequest, ppb.GetClickToActResponse)
    SetPanelMode = Rpc(ppb.SetPanelModeRequest, ppb.SetPanelModeResponse)
    GetPanelMode = Rpc(ppb.GetPanelModeRequest, ppb.GetPanelModeResponse)
    SetPanelWidth = Rpc(ppb.SetPanelWidthRequest, ppb.SetPanelWidthResponse)
    GetPanelWidth = Rpc(ppb.GetPanelWidthRequest, ppb.GetPanelWidthResponse)
    LogAnalyticsEvent = Rpc(ppb.LogAnalyticsEventRequest, ppb.LogAnalyticsEventResponse)


class AgentService(ServiceTable, descriptor=apb.DESCRIPTOR.services_by_name["AgentService"]):
    """``channelkit.v1.AgentService``: what the agent's client calls."""

    WatchWorkspace = Rpc(apb.WatchWorkspaceRequest, apb.WorkspaceEvent, streaming=True)
    GetWorkspace = Rpc(apb.GetWorkspaceRequest, apb.GetWorkspaceResponse)
    SwitchSession = Rpc(apb.SwitchSessionRequest, apb.SwitchSessionResponse)
    CloseSession = Rpc(apb.CloseSessionRequest, apb.CloseSessionResponse)
    FocusTab = Rpc(apb.AgentFocusTabRequest, apb.AgentFocusTabResponse)
    CloseTab = Rpc(apb.AgentCloseTabRequest, apb.AgentCloseTabResponse)
    RespondToNotification = Rpc(apb.RespondToNotificationRequest, apb.RespondToNotificationResponse)
    ClickToAct = Rpc(apb.ClickToActRequest, apb.ClickToActResponse)
    SetPresence = Rpc(apb.AgentSetPresenceRequest, apb.AgentSetPresenceResponse)
    SetPanelMode = Rpc(apb.AgentSetPanelModeRequest, apb.AgentSetPanelModeResponse)
    SetPanelWidth = Rpc(apb.AgentSetPanelWidthRequest, apb.AgentSetPanelWidthResponse)
    InvokeAction = Rpc(apb.InvokeActionRequest, apb.InvokeActionResponse)


class HostService(ServiceTable, descriptor=hpb.DESCRIPTOR.services_by_name["HostService"]):
    """``channelkit.v1.HostService``: what operators call with an admin token."""

    ListProviders = Rpc(hpb.ListProvidersRequest, hpb.ListProvidersResponse)
    InjectEvent = Rpc(hpb.InjectEventRequest, hpb.InjectEventResponse)
    ReinstateProvider = Rpc(hpb.ReinstateProviderRequest, hpb.ReinstateProviderResponse)
