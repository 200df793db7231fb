"""What only the agent may do: switch and close sessions, focus and close tabs (R4)."""

from __future__ import annotations

from channelkit.host.core._base import CoreBase
from channelkit.host.core._model import Session
from channelkit.host.core._model import Tab
from channelkit.host.core._sessions import SessionOps
from channelkit.sdk.errors import ErrorReason
from channelkit.sdk.errors import FailedPrecondition
from channelkit.v1 import agent_service_pb2 as apb
from channelkit.v1 import provider_service_pb2 as pb


class AgentOps(SessionOps, CoreBase):
    """Agent actions on the agent's own workspace."""

    def switch_session(self, agent_id: str, session_id: str) -> Session:
        """Focus a session of the workspace and clear its indicator."""
        ws, session = self._agent_session(agent_id, session_id)
        self._move_focus(ws, session.id)
        return session

    def close_session(self, agent_id: str, session_id: str) -> str:
        """Close a session; focus falls back to the most recent open one, else Home."""
        ws, session = self._agent_session(agent_id, session_id)
        if session.home:
            raise FailedPrecondition("the Home session cannot be closed", reason=ErrorReason.HOME_SESSION)
        was_focused = ws.focused_id == session.id
        del ws.sessions[session.id]
        del self._sessions[session.id]
        if session.owner is not None:
            self.counters[session.owner].sessions_closed += 1
        for tab_id in session.tabs:
            del self._tabs[tab_id]
        if session.id in ws.recent_focus:
            ws.recent_focus.remove(session.id)
        self._to_provider(session.owner, agent_id, session.correlation_id, pb.SessionClosed(session_id=session.id))
        self._record(session.owner, agent_id, "SessionClosed", session=session)
        self._to_agent(agent_id, apb.SessionRemoved(session_id=session.id))
        if was_focused:
            ws.focused_id = ""
            self._move_focus(ws, ws.recent_focus[-1])
        return ws.focused_id

    def agent_focus_tab(self, agent_id: str, tab_id: str) -> Tab:
        """Focus a tab within its session; the focused session does not change (R6)."""
        ws, session, tab = self._agent_tab(agent_id, tab_id)
        if session.focused_tab_id != tab.id:
            session.focused_tab_id = tab.id
            self._to_provider(
                session.owner, agent_id, session.correlation_id, pb.TabFocused(session_id=session.id, tab_id=tab.id)
            )
            self._session_changed(ws, session)
        return tab

    def agent_close_tab(self, agent_id: str, tab_id: str) -> None:
        """Close a closable tab; its owner is told."""
        ws, session, tab = self._agent_tab(agent_id, tab_id)
        if not tab.anchor and not tab.can_close:
            raise FailedPrecondition(
                f"tab '{tab_id}' was opened as not closable",
                reason=ErrorReason.TAB_NOT_CLOSABLE,
                metadata={"tabId": tab_id},
            )
        self._remove_tab(ws, session, tab)
        self._to_provider(
            session.owner, agent_id, session.correlation_id, pb.TabClosed(session_id=session.id, tab_id=tab.id)
        )
