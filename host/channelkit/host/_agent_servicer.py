"""AgentService: the agent's own workspace, nothing else (``identity.name`` is the agent id)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc

from channelkit.host import _convert as convert
from channelkit.host._auth import Identity
from channelkit.host._router import write_within
from channelkit.host._runtime import HostRuntime
from channelkit.host.core import events as ev
from channelkit.v1 import agent_service_pb2 as pb

Context = grpc.aio.ServicerContext[Any, Any]
Ctx = Context | None  # None when an in-process provider calls without a transport
_WATCH_AGAIN = "this workspace watcher stopped reading and was ended; watch again for a fresh snapshot"


class AgentServicer:
    """One method per AgentService RPC."""

    def __init__(self, runtime: HostRuntime) -> None:
        self.rt = runtime
        self.core = runtime.core
        self._write_timeout = runtime.config.server.stream_write_timeout_seconds

    def _workspace(self, agent_id: str) -> pb.Workspace:
        return convert.workspace(self.core.workspace(agent_id), self.rt.presences)

    async def watch_workspace(self, identity: Identity, request: pb.WatchWorkspaceRequest, context: Context) -> None:
        """Write :meth:`events` to the stream, ending a watcher whose writes stall."""
        async for event in self.events(identity.name, request):
            await write_within(context, event, self._write_timeout, _WATCH_AGAIN)

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
            seq=seq, epoch=epoch, occurred_at=convert.timestamp(self.rt.clock.now()), snapshot=self._workspace(agent_id)
        )

    async def get_workspace(
        self, identity: Identity, _request: pb.GetWorkspaceRequest, _: Ctx
    ) -> pb.GetWorkspaceResponse:
        """The whole workspace."""
        feed = self.rt.feeds[identity.name]
        return pb.GetWorkspaceResponse(workspace=self._workspace(identity.name), seq=feed.seq, epoch=feed.epoch)

    async def switch_session(
        self, identity: Identity, request: pb.SwitchSessionRequest, _: Ctx
    ) -> pb.SwitchSessionResponse:
        """Focus a session."""
        session = self.rt.apply(lambda: self.core.switch_session(identity.name, request.session_id))
        return pb.SwitchSessionResponse(session=convert.session_in(self.core.workspace(identity.name), session))

    async def close_session(
        self, identity: Identity, request: pb.CloseSessionRequest, _: Ctx
    ) -> pb.CloseSessionResponse:
        """Close a session."""
        focused = self.rt.apply(lambda: self.core.close_session(identity.name, request.session_id))
        return pb.CloseSessionResponse(focused_session_id=focused)

    async def focus_tab(self, identity: Identity, request: pb.AgentFocusTabRequest, _: Ctx) -> pb.AgentFocusTabResponse:
        """Focus a tab within its session."""
        tab = self.rt.apply(lambda: self.core.agent_focus_tab(identity.name, request.tab_id))
        return pb.AgentFocusTabResponse(tab=convert.tab(tab, tab.id))

    async def close_tab(self, identity: Identity, request: pb.AgentCloseTabRequest, _: Ctx) -> pb.AgentCloseTabResponse:
        """Close a tab."""
        self.rt.apply(lambda: self.core.agent_close_tab(identity.name, request.tab_id))
        return pb.AgentCloseTabResponse()

    async def respond_to_notification(
        self, identity: Identity, request: pb.RespondToNotificationRequest, _: Ctx
    ) -> pb.RespondToNotificationResponse:
        """Accept or reject a toast."""
        self.rt.apply(lambda: self.core.respond_to_notification(identity.name, request.notification_id, request.action))
        return pb.RespondToNotificationResponse()

    async def click_to_act(self, identity: Identity, request: pb.ClickToActRequest, _: Ctx) -> pb.ClickToActResponse:
        """Send a click to exactly one provider."""
        c = request.click
        click = ev.ClickToAct(value=c.value, name=c.name, format=c.format, entity_name=c.entity_name)
        provider = self.rt.apply(lambda: self.core.click_to_act(identity.name, click))
        return pb.ClickToActResponse(provider=provider)

    async def set_presence(
        self, identity: Identity, request: pb.AgentSetPresenceRequest, _: Ctx
    ) -> pb.AgentSetPresenceResponse:
        """Set presence."""
        presence = self.rt.apply(lambda: self.core.set_presence(identity.name, request.presence))
        return pb.AgentSetPresenceResponse(presence=presence)

    async def set_panel_mode(
        self, identity: Identity, request: pb.AgentSetPanelModeRequest, _: Ctx
    ) -> pb.AgentSetPanelModeResponse:
        """Set the panel mode."""
        mode = self.rt.apply(lambda: self.core.set_panel_mode(identity.name, request.mode))
        return pb.AgentSetPanelModeResponse(mode=convert.panel_mode(mode))

    async def set_panel_width(
        self, identity: Identity, request: pb.AgentSetPanelWidthRequest, _: Ctx
    ) -> pb.AgentSetPanelWidthResponse:
        """Set the panel width."""
        width = self.rt.apply(lambda: self.core.set_panel_width(identity.name, request.width))
        return pb.AgentSetPanelWidthResponse(width=width)

    async def invoke_action(
        self, identity: Identity, request: pb.InvokeActionRequest, _: Ctx
    ) -> pb.InvokeActionResponse:
        """Press a session's button; its owner alone is told."""
        owner = self.rt.apply(
            lambda: self.core.invoke_action(identity.name, request.session_id, request.action_id, request.text)
        )
        return pb.InvokeActionResponse(provider=owner)
