"""AgentService: the agent's own workspace, nothing else (the caller is the authenticated agent)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from collections.abc import Callable
from typing import Any
from typing import TypeVar

import grpc

from channelkit.host import _toproto as toproto
from channelkit.host._rpc import caller as _agent
from channelkit.host._runtime import HostRuntime
from channelkit.host._runtime import Scope
from channelkit.v1 import agent_service_pb2 as pb
from channelkit.v1 import agent_service_pb2_grpc as pb_grpc
from channelkit.v1 import workspace_pb2 as wpb

Context = grpc.aio.ServicerContext[Any, Any]
T = TypeVar("T")
R = TypeVar("R")


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

        The watcher subscribes first, so every delta published from then on is
        queued; the replay (from memory, or from the store after a restart) or
        the snapshot covers everything up to that moment's ``seq``, and queued
        deltas at or below it are skipped: nothing falls in a gap or comes twice.
        """
        await self.rt.read(Scope(agent=agent_id), lambda: None)  # another replica's changes, first
        feed = self.rt.feeds[agent_id]
        watcher = feed.subscribe()
        try:
            upto = feed.seq
            after_seq = request.after_seq if request.HasField("after_seq") else None
            missed = feed.missed(after_seq, request.epoch)
            if missed is None and after_seq is not None and request.epoch == feed.epoch:
                missed = await self._stored(agent_id, after_seq, upto)
            if missed is None:
                missed = [self._snapshot(agent_id, upto, feed.epoch)]
            for event in missed:
                yield event
            while True:
                event = await watcher.next()
                if event.seq > upto:
                    yield event
        finally:
            feed.watchers.discard(watcher)

    async def _stored(self, agent_id: str, after_seq: int, upto: int) -> list[pb.WorkspaceEvent] | None:
        """The deltas after ``after_seq`` up to ``upto`` from the store, if it still holds every one of them."""
        if after_seq >= upto:
            return [] if after_seq == upto else None
        deltas = await self.rt.store.deltas_after(agent_id, after_seq, upto - after_seq)
        complete = bool(deltas) and deltas[0].seq == after_seq + 1 and deltas[-1].seq == upto
        return deltas if complete else None

    def _snapshot(self, agent_id: str, seq: int, epoch: str) -> pb.WorkspaceEvent:
        return pb.WorkspaceEvent(
            seq=seq, epoch=epoch, occurred_at=toproto.timestamp(self.rt.clock.now()), snapshot=self._workspace(agent_id)
        )

    async def GetWorkspace(self, request: pb.GetWorkspaceRequest, context: Context) -> pb.GetWorkspaceResponse:
        """The whole workspace."""
        agent = _agent()
        workspace = await self.rt.read(Scope(agent=agent), lambda: self._workspace(agent))
        feed = self.rt.feeds[agent]
        return pb.GetWorkspaceResponse(workspace=workspace, seq=feed.seq, epoch=feed.epoch)

    async def _run(self, command: Callable[[str], T], respond: Callable[[T], R]) -> R:
        """Run one of the agent's own commands on the agent's workspace."""
        agent = _agent()
        return await self.rt.run(Scope(agent=agent), lambda: command(agent), respond)

    async def SwitchSession(self, request: pb.SwitchSessionRequest, context: Context) -> pb.SwitchSessionResponse:
        """Focus a session."""
        return await self._run(
            lambda agent: self.core.switch_session(agent, request.session_id),
            lambda session: pb.SwitchSessionResponse(
                session=toproto.session_in(self.core.workspace(session.agent_id), session)
            ),
        )

    async def CloseSession(self, request: pb.CloseSessionRequest, context: Context) -> pb.CloseSessionResponse:
        """Close a session."""
        return await self._run(
            lambda agent: self.core.close_session(agent, request.session_id),
            lambda focused: pb.CloseSessionResponse(focused_session_id=focused),
        )

    async def FocusTab(self, request: pb.AgentFocusTabRequest, context: Context) -> pb.AgentFocusTabResponse:
        """Focus a tab within its session."""
        return await self._run(
            lambda agent: self.core.agent_focus_tab(agent, request.tab_id),
            lambda tab: pb.AgentFocusTabResponse(tab=toproto.tab(tab, tab.id)),
        )

    async def CloseTab(self, request: pb.AgentCloseTabRequest, context: Context) -> pb.AgentCloseTabResponse:
        """Close a tab."""
        return await self._run(
            lambda agent: self.core.agent_close_tab(agent, request.tab_id), lambda _: pb.AgentCloseTabResponse()
        )

    async def RespondToNotification(
        self, request: pb.RespondToNotificationRequest, context: Context
    ) -> pb.RespondToNotificationResponse:
        """Accept or reject a toast."""
        return await self._run(
            lambda agent: self.core.respond_to_notification(agent, request.notification_id, request.action),
            lambda _: pb.RespondToNotificationResponse(),
        )

    async def ClickToAct(self, request: pb.ClickToActRequest, context: Context) -> pb.ClickToActResponse:
        """Send a click to exactly one provider."""
        return await self._run(
            lambda agent: self.core.click_to_act(agent, request.click),
            lambda provider: pb.ClickToActResponse(provider=provider),
        )

    async def SetPresence(self, request: pb.AgentSetPresenceRequest, context: Context) -> pb.AgentSetPresenceResponse:
        """Set presence."""
        return await self._run(
            lambda agent: self.core.set_presence(agent, request.presence),
            lambda presence: pb.AgentSetPresenceResponse(presence=presence),
        )

    async def SetPanelMode(
        self, request: pb.AgentSetPanelModeRequest, context: Context
    ) -> pb.AgentSetPanelModeResponse:
        """Set the panel mode."""
        return await self._run(
            lambda agent: self.core.set_panel_mode(agent, request.mode),
            lambda mode: pb.AgentSetPanelModeResponse(mode=wpb.PanelMode.ValueType(mode)),
        )

    async def SetPanelWidth(
        self, request: pb.AgentSetPanelWidthRequest, context: Context
    ) -> pb.AgentSetPanelWidthResponse:
        """Set the panel width."""
        return await self._run(
            lambda agent: self.core.set_panel_width(agent, request.width),
            lambda width: pb.AgentSetPanelWidthResponse(width=width),
        )

    async def InvokeAction(self, request: pb.InvokeActionRequest, context: Context) -> pb.InvokeActionResponse:
        """Press a session's button; its owner alone is told."""
        return await self._run(
            lambda agent: self.core.invoke_action(agent, request.session_id, request.action_id, request.text),
            lambda owner: pb.InvokeActionResponse(provider=owner),
        )
