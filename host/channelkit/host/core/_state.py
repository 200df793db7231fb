"""Where the core's state meets the store: find which workspace an id belongs to, put a workspace back.

The core stays pure: it never reads or writes a store. The runtime asks it
which workspace a command will touch (so the store can lock and refresh
exactly that one), reads the workspace after the command to write its rows,
and hands back a workspace loaded from the store after a restart, or after
another host replica changed it.
"""

from __future__ import annotations

from channelkit.host.core._base import CoreBase
from channelkit.host.core._model import Notification
from channelkit.host.core._model import Workspace


class StateOps(CoreBase):
    """Locating ids and replacing whole workspaces."""

    def agent_ids(self) -> list[str]:
        """Every agent with a workspace, in configuration order."""
        return list(self._workspaces)

    def agent_of_session(self, session_id: str) -> str | None:
        """The agent whose workspace holds the open session ``session_id`` (None if none does)."""
        session = self._sessions.get(session_id)
        return session.agent_id if session else None

    def agent_of_tab(self, tab_id: str) -> str | None:
        """The agent whose workspace holds tab ``tab_id``."""
        tab = self._tabs.get(tab_id)
        return self.agent_of_session(tab.session_id) if tab else None

    def agent_of_token(self, provider: str, token: str) -> str | None:
        """The agent a pending toast of ``provider`` with cancellation token ``token`` waits for."""
        toast = self._tokens.get((provider, token))
        return toast.agent_id if toast else None

    def toast_of(self, agent_id: str, notification_id: str) -> Notification | None:
        """The agent's toast ``notification_id``, waiting, shown or recently ended (None if unknown)."""
        ws = self._workspaces.get(agent_id)
        if ws is None:
            return None
        return ws.pending.get(notification_id) or ws.resolved.get(notification_id)

    def restore(self, workspace: Workspace) -> None:
        """Replace the agent's workspace with ``workspace`` (from the store) and index what it holds."""
        old = self._workspaces.get(workspace.agent_id)
        if old is not None:
            self._forget(old)
        self._workspaces[workspace.agent_id] = workspace
        for session in workspace.sessions.values():
            if session.home:
                continue
            self._sessions[session.id] = session
            for tab_id, tab in session.tabs.items():
                self._tabs[tab_id] = tab
        for toast in workspace.pending.values():
            if toast.cancellation_token:
                self._tokens[(toast.provider, toast.cancellation_token)] = toast

    def _forget(self, workspace: Workspace) -> None:
        for session in workspace.sessions.values():
            self._sessions.pop(session.id, None)
            for tab_id in session.tabs:
                self._tabs.pop(tab_id, None)
        for toast in workspace.pending.values():
            self._tokens.pop((toast.provider, toast.cancellation_token), None)

    def set_click_to_act_flag(self, provider: str, enabled: bool) -> None:
        """Put back a provider's click-to-act switch as the store remembers it."""
        self._providers[provider].click_to_act = enabled
