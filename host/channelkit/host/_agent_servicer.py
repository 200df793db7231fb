"""AgentService: the agent's own workspace, nothing else (the caller is the authenticated agent)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc

from channelkit.host import _toproto as toproto
from channelkit.host._rpc import caller as _agent
from channelkit.host._runtime import HostRuntime
from channelkit.v1 import agent_service_pb2 as pb
from channelkit.v1 import agent_service_pb2_grpc as pb_grpc
from channelkit.v1 import workspace_pb2 as wpb

Context = grpc.aio.ServicerContext[Any, Any]


class AgentServicer(pb_grpc.AgentServiceServicer):
    """One method per AgentService RPC."""

    def __init__(self, runtime: HostRuntime) -> None:
        self.rt = runtime
        self.core = runtime.core

    def _workspace(self, agent_id: str) -> pb.Workspace:
        return toproto.workspace(self.core.workspace(agent_id), self.rt.presences)

    async def WatchWorkspace(
        self, request: pb.WatchWorkspaceRequest, context: Context
    ) -> AsyncIterator[pb.WorkspaceEvent]:
        """The workspace's events: a resume or a snapshot, then every delta."""
        async for event in self.events(_agent(), request):
            yield event

    async def events(self, agent_id: str, request: pb.WatchWorkspaceRequest) -> AsyncIterator[pb.WorkspaceEvent]:
        """The missed deltas (a resume) or a snapshot, then every new delta; for gRPC and the web console alike.

        Subscribing and reading the replay or snapshot happen in one step with
        no await between them, so no delta falls in a gap or arrives twice.
        """
        feed = self.rt.feeds[agent_id]
        watcher = feed.subscribe()
        try:
            after_seq = request.after_seq if request.HasField("after_seq") else None
            missed = feed.missed(after_seq, request.epoch)
            if missed is None:
                missed = [self._snapshot(agent_id, feed.seq, feed.epoch)]
            for event in missed:
                yield event
            while True:
                yield await watcher.next()
        finally:
            feed.watchers.discard(watcher)

    def _snapshot(self, agent_id: str, seq: int, epoch: str) -> pb.WorkspaceEvent:
        return pb.WorkspaceEvent(
            seq=seq, epoch=epoch, occurred_at=toproto.timestamp(self.rt.clock.now()), snapshot=self._workspace(agent_id)
        )

    async def GetWorkspace(self, request: pb.GetWorkspaceRequest, context: Context) -> pb.GetWorkspaceResponse:
        """The whole workspace."""
        feed = self.rt.feeds[_agent()]
        return pb.GetWorkspaceResponse(workspace=self._workspace(_agent()), seq=feed.seq, epoch=feed.epoch)

    async def SwitchSession(self, request: pb.SwitchSessionRequest, context: Context) -> pb.SwitchSessionResponse:
        """Focus a session."""
        session = self.rt.apply(lambda: self.core.switch_session(_agent(), request.session_id))
        return pb.SwitchSessionResponse(session=toproto.session_in(self.core.workspace(_agent()), session))

    async def CloseSession(self, request: pb.CloseSessionRequest, context: Context) -> pb.CloseSessionResponse:
        """Close a session."""
        focused = self.rt.apply(lambda: self.core.close_session(_agent(), request.session_id))
        return pb.CloseSessionResponse(focused_session_id=focused)

    async def FocusTab(self, request: pb.AgentFocusTabRequest, context: Context) -> pb.AgentFocusTabResponse:
        """Focus a tab within its session."""
        tab = self.rt.apply(lambda: self.core.agent_focus_tab(_agent(), request.tab_id))
        return pb.AgentFocusTabResponse(tab=toproto.tab(tab, tab.id))

    async def CloseTab(self, request: pb.AgentCloseTabRequest, context: Context) -> pb.AgentCloseTabResponse:
        """Close a tab."""
        self.rt.apply(lambda: self.core.agent_close_tab(_agent(), request.tab_id))
        return pb.AgentCloseTabResponse()

    async def RespondToNotification(
        self, request: pb.RespondToNotificationRequest, context: Context
    ) -> pb.RespondToNotificationResponse:
        """Accept or reject a toast."""
        self.rt.apply(lambda: self.core.respond_to_notification(_agent(), request.notification_id, request.action))
        return pb.RespondToNotificationResponse()

    async def ClickToAct(self, request: pb.ClickToActRequest, context: Context) -> pb.ClickToActResponse:
        """Send a click to exactly one provider."""
        return pb.ClickToActResponse(provider=self.rt.apply(lambda: self.core.click_to_act(_agent(), request.click)))

    async def SetPresence(self, request: pb.AgentSetPresenceRequest, context: Context) -> pb.AgentSetPresenceResponse:
        """Set presence."""
        return pb.AgentSetPresenceResponse(
            presence=self.rt.apply(lambda: self.core.set_presence(_agent(), request.presence))
        )

    async def SetPanelMode(
        self, request: pb.AgentSetPanelModeRequest, context: Context
    ) -> pb.AgentSetPanelModeResponse:
        """Set the panel mode."""
        mode = self.rt.apply(lambda: self.core.set_panel_mode(_agent(), request.mode))
        return pb.AgentSetPanelModeResponse(mode=wpb.PanelMode.ValueType(mode))

    async def SetPanelWidth(
        self, request: pb.AgentSetPanelWidthRequest, context: Context
    ) -> pb.AgentSetPanelWidthResponse:
        """Set the panel width."""
        return pb.AgentSetPanelWidthResponse(
            width=self.rt.apply(lambda: self.core.set_panel_width(_agent(), request.width))
        )

    async def InvokeAction(self, request: pb.InvokeActionRequest, context: Context) -> pb.InvokeActionResponse:
        """Press a session's button; its owner alone is told."""
        owner = self.rt.apply(
            lambda: self.core.invoke_action(_agent(), request.session_id, request.action_id, request.text)
        )
        return pb.InvokeActionResponse(provider=owner)
