"""Between the core's workspaces and the store's rows: what a command changed, and a workspace put back.

After a command, :meth:`Persistence.changes` compares each touched workspace
with the rows last committed for it and keeps only what differs, so a write
is incremental (one new transcript line is one row) whatever the command
was; nothing depends on the core remembering to say what it changed. After a
restart, or when another replica changed a workspace, :func:`workspace_of`
rebuilds it from its rows.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from dataclasses import field

from channelkit.host.core import Core
from channelkit.host.core import Workspace
from channelkit.host.store import StoredWorkspace
from channelkit.host.store import WorkspaceWrite
from channelkit.host.store import _codec as codec


@dataclass
class _Committed:
    """The rows of one workspace as last committed."""

    row: bytes = b""
    sessions: dict[str, bytes] = field(default_factory=dict)
    toasts: dict[str, bytes] = field(default_factory=dict)
    tabs: dict[str, tuple[str, int]] = field(default_factory=dict)
    """Tab id → (session id, transcript lines committed)."""


@dataclass
class _Snapshot:
    """The rows one workspace would have now."""

    row: bytes
    sessions: dict[str, bytes]
    toasts: dict[str, tuple[str, bool, bytes]]
    tabs: dict[str, tuple[str, int]]


class Persistence:
    """The committed rows of every workspace, and the difference a command made."""

    def __init__(self, core: Core, *, verify: bool = False) -> None:
        self._core = core
        self.verify = verify
        self._committed: dict[str, _Committed] = {}
        self._pending: dict[str, _Snapshot] = {}

    def seed(self, agent_id: str) -> None:
        """Take the workspace as it is now as committed (it was just loaded from the store)."""
        self._keep(agent_id, self._snapshot(self._core.workspace(agent_id), {}, set()))

    def _keep(self, agent_id: str, now: _Snapshot) -> None:
        self._committed[agent_id] = _Committed(
            now.row, now.sessions, {k: v[2] for k, v in now.toasts.items()}, now.tabs
        )

    def changes(
        self, agent_id: str, *, version: int, feed_seq: int, deadline: float | None, touched: set[str]
    ) -> WorkspaceWrite:
        """The rows of ``agent_id``'s workspace that differ from the last commit.

        ``touched`` names the sessions the command's workspace deltas name:
        only those (and new ones) are serialized again, the rest are the rows
        last committed. Every change of a session reaches the agent as a
        delta naming it, so nothing is missed; with ``verify`` the full
        comparison runs too and a miss fails loudly (the test suite runs so).
        """
        ws = self._core.workspace(agent_id)
        before = self._committed.get(agent_id, _Committed())
        now = self._pending[agent_id] = self._snapshot(ws, before.sessions, touched)
        if self.verify:
            full = self._snapshot(ws, {}, set())
            assert full.sessions == now.sessions, f"a session changed without a delta naming it: {agent_id}"
        write = WorkspaceWrite(agent_id, version, feed_seq, deadline, row=now.row if now.row != before.row else None)
        write.sessions = {sid: doc for sid, doc in now.sessions.items() if before.sessions.get(sid) != doc}
        write.closed_sessions = [sid for sid in before.sessions if sid not in now.sessions]
        write.toasts = {tid: row for tid, row in now.toasts.items() if before.toasts.get(tid) != row[2]}
        write.dropped_toasts = [tid for tid in before.toasts if tid not in now.toasts]
        closed = set(write.closed_sessions)
        write.dropped_tabs = [t for t, (sid, _) in before.tabs.items() if t not in now.tabs and sid not in closed]
        write.tab_index = {t: sid for t, (sid, _) in now.tabs.items() if t not in before.tabs}
        for tab_id, (sid, count) in now.tabs.items():
            done = before.tabs.get(tab_id, (sid, 0))[1]
            tab = ws.sessions[sid].tabs[tab_id]
            write.transcript += [(tab_id, n, codec.entry_row(tab.transcript[n])) for n in range(done, count)]
        return write

    def committed(self, agent_id: str) -> None:
        """The last :meth:`changes` of ``agent_id`` are in the store now: the next command compares against them."""
        self._keep(agent_id, self._pending.pop(agent_id))

    def forget(self, agent_id: str) -> None:
        """The workspace is being reloaded from the store; its rows will be seeded again."""
        self._committed.pop(agent_id, None)
        self._pending.pop(agent_id, None)

    @staticmethod
    def _snapshot(ws: Workspace, kept: dict[str, bytes], touched: set[str]) -> _Snapshot:
        sessions = {
            sid: kept[sid] if sid in kept and sid not in touched else codec.session_row(s)
            for sid, s in ws.sessions.items()
        }
        toasts = {
            tid: (t.provider, t.action is not None, codec.toast_row(t))
            for tid, t in (*ws.pending.items(), *ws.resolved.items())
        }
        tabs = {tab_id: (sid, len(tab.transcript)) for sid, s in ws.sessions.items() for tab_id, tab in s.tabs.items()}
        return _Snapshot(codec.workspace_row(ws), sessions, toasts, tabs)


def workspace_of(stored: StoredWorkspace) -> Workspace:
    """A workspace rebuilt from its rows: sessions in the order they were created, toasts in arrival order."""
    ws = codec.workspace_from(stored.row)
    sessions = sorted((codec.session_from(doc) for doc in stored.sessions), key=lambda s: (s.created_at, s.id))
    ws.sessions = OrderedDict((s.id, s) for s in sessions)
    for session in sessions:
        for tab_id, tab in session.tabs.items():
            tab.transcript = [codec.entry_from(doc) for doc in stored.transcripts.get(tab_id, [])]
    toasts = sorted((codec.toast_from(doc) for doc in stored.toasts), key=lambda t: (t.queued_at, t.id))
    ws.pending = OrderedDict((t.id, t) for t in toasts if t.action is None)
    ws.resolved = OrderedDict((t.id, t) for t in toasts if t.action is not None)
    return ws
