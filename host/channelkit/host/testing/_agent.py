"""An agent simulator: does what a person in the agent console would, through the real AgentService."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import TypeVar

from google.protobuf.message import Message

from channelkit.host._auth import Identity
from channelkit.host._auth import Role
from channelkit.sdk import NotificationAction
from channelkit.sdk import PanelMode
from channelkit.sdk.models import Session
from channelkit.sdk.models import TranscriptEntry
from channelkit.sdk.runtime import fromproto
from channelkit.sdk.runtime import toproto
from channelkit.sdk.runtime.rpcs import AgentService as A
from channelkit.sdk.runtime.rpcs import Rpc
from channelkit.v1 import agent_service_pb2 as pb
from channelkit.v1 import provider_service_pb2 as ppb
from channelkit.v1 import workspace_pb2 as wpb

if TYPE_CHECKING:
    from channelkit.host._app import HostApp

Req = TypeVar("Req", bound=Message)
Resp = TypeVar("Resp", bound=Message)
T = TypeVar("T")


@dataclass(frozen=True)
class Toast:
    """A toast the agent sees."""

    id: str
    provider: str
    title: str
    fields: tuple[tuple[str, str], ...]
    correlation_id: str
    accept_label: str = "Accept"
    reject_label: str = "Reject"
    show_reject: bool = True
    template: str = ""


@dataclass(frozen=True)
class AgentView:
    """The agent's workspace as the agent sees it: sessions (Home excluded), toasts, presence, panel."""

    sessions: tuple[Session, ...]
    focused_session_id: str
    toasts: tuple[Toast, ...]
    presence: str
    panel_mode: PanelMode
    panel_width: int
    transcripts: dict[str, tuple[TranscriptEntry, ...]]
    """Per transcript tab id, its entries oldest first."""

    def transcript(self, tab_id: str) -> tuple[TranscriptEntry, ...]:
        """The entries of a transcript tab (KeyError if no open transcript tab has this id)."""
        return self.transcripts[tab_id]

    def session(self, session_id: str) -> Session:
        """The session with ``session_id`` (KeyError if it is not open)."""
        for session in self.sessions:
            if session.id == session_id:
                return session
        raise KeyError(session_id)


class AgentSimulator:
    """One agent of an in-memory host. Every method is a real AgentService call."""

    def __init__(self, app: HostApp, agent_id: str, wait_seconds: float) -> None:
        self.id = agent_id
        self._app = app
        self._identity = Identity(Role.AGENT, agent_id)
        self._wait = wait_seconds

    async def _call(self, rpc: Rpc[Req, Resp], request: Req) -> Resp:
        return await self._app.agent_binding.invoke(self._identity, rpc, request)

    async def view(self) -> AgentView:
        """The workspace now."""
        ws = (await self._call(A.GetWorkspace, pb.GetWorkspaceRequest())).workspace
        return AgentView(
            sessions=tuple(fromproto.model(Session, s) for s in ws.sessions if not s.home),
            focused_session_id=ws.focused_session_id,
            toasts=tuple(
                Toast(
                    n.id,
                    n.provider,
                    n.title,
                    tuple((f.header, f.value) for f in n.fields),
                    n.correlation_id,
                    n.accept_label,
                    n.reject_label,
                    n.show_reject,
                    n.template,
                )
                for n in ws.notifications
            ),
            presence=ws.presence,
            panel_mode=PanelMode(ws.panel_mode),
            panel_width=ws.panel_width,
            transcripts={
                t.tab_id: tuple(fromproto.model(TranscriptEntry, e) for e in t.entries) for t in ws.transcripts
            },
        )

    async def _poll(self, probe: Callable[[AgentView], T | None], what: str) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._wait
        while True:
            found = probe(await self.view())
            if found is not None:
                return found
            if loop.time() > deadline:
                raise TimeoutError(f"agent {self.id}: waited {self._wait:g} s for {what}")
            await asyncio.sleep(0.01)

    async def next_toast(self) -> Toast:
        """Wait until a toast is shown and return the oldest one."""
        return await self._poll(lambda view: view.toasts[0] if view.toasts else None, "a toast")

    async def wait_for_session(self, title: str | None = None) -> Session:
        """Wait until a session (titled ``title``, if given) is open and return it."""

        def probe(view: AgentView) -> Session | None:
            return next((s for s in view.sessions if title is None or s.title == title), None)

        return await self._poll(probe, f"a session titled {title!r}" if title else "a session")

    async def wait_for(self, condition: Callable[[AgentView], bool], what: str = "the condition") -> AgentView:
        """Wait until ``condition(view)`` holds and return that view."""
        return await self._poll(lambda view: view if condition(view) else None, what)

    async def accept(self, toast: Toast | None = None) -> Toast:
        """Accept ``toast`` (by default the next one shown)."""
        return await self._respond(toast, NotificationAction.ACCEPT)

    async def reject(self, toast: Toast | None = None) -> Toast:
        """Reject ``toast`` (by default the next one shown)."""
        return await self._respond(toast, NotificationAction.REJECT)

    async def _respond(self, toast: Toast | None, action: NotificationAction) -> Toast:
        chosen = toast or await self.next_toast()
        request = pb.RespondToNotificationRequest(
            notification_id=chosen.id, action=wpb.NotificationAction.ValueType(int(action))
        )
        await self._call(A.RespondToNotification, request)
        return chosen

    async def switch_to(self, session_id: str) -> None:
        """Focus a session."""
        await self._call(A.SwitchSession, pb.SwitchSessionRequest(session_id=session_id))

    async def close(self, session_id: str) -> None:
        """Close a session."""
        await self._call(A.CloseSession, pb.CloseSessionRequest(session_id=session_id))

    async def focus_tab(self, tab_id: str) -> None:
        """Focus a tab."""
        await self._call(A.FocusTab, pb.AgentFocusTabRequest(tab_id=tab_id))

    async def close_tab(self, tab_id: str) -> None:
        """Close a tab."""
        await self._call(A.CloseTab, pb.AgentCloseTabRequest(tab_id=tab_id))

    async def click_to_act(self, value: str, *, name: str = "", format: str = "", entity_name: str = "") -> str:
        """Click a click-to-act value; returns the provider that was chosen."""
        click = ppb.ClickToAct(value=value, name=name, format=format, entity_name=entity_name)
        response = await self._call(A.ClickToAct, pb.ClickToActRequest(click=click))
        return response.provider

    async def invoke_action(self, session_id: str, action_id: str, text: str = "") -> str:
        """Press a session's action button (with ``text`` for one that takes text); returns the owner."""
        request = pb.InvokeActionRequest(session_id=session_id, action_id=action_id, text=text)
        response = await self._call(A.InvokeAction, request)
        return response.provider

    async def set_presence(self, presence: str) -> None:
        """Set the agent's presence."""
        await self._call(A.SetPresence, pb.AgentSetPresenceRequest(presence=presence))

    async def set_panel_mode(self, mode: PanelMode | str) -> None:
        """Dock, minimize or hide the panel (the enum, or its name such as "hidden")."""
        await self._call(A.SetPanelMode, pb.AgentSetPanelModeRequest(mode=toproto.panel_mode(mode)))
