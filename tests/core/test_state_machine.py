"""Hypothesis drives the core through random command sequences and checks its invariants."""

from __future__ import annotations

from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine
from hypothesis.stateful import invariant
from hypothesis.stateful import rule

from channelkit.host.core import TabSpec
from channelkit.host.core import ToastSpec
from channelkit.host.core import events as ev
from channelkit.sdk import NotificationAction
from channelkit.sdk import PanelMode
from channelkit.sdk.errors import ChannelkitError
from tests.core._fixtures import PROVIDERS
from tests.core._fixtures import make_core

AGENTS = ("agent-1", "agent-2")
MAX_SESSIONS, MAX_TABS = 3, 3
providers = st.sampled_from(PROVIDERS)
agents = st.sampled_from(AGENTS)
picks = st.integers(min_value=0, max_value=50)


class WorkspaceMachine(RuleBasedStateMachine):
    """Random providers and agents acting, including forbidden things."""

    def __init__(self) -> None:
        super().__init__()
        self.core, self.clock = make_core(max_sessions=MAX_SESSIONS, max_tabs=MAX_TABS)
        self.owners: dict[str, str] = {}
        self.ever_sessions: dict[str, str] = {}
        self.tab_owner: dict[str, str] = {}
        self.accepted: list[tuple[str, str, str]] = []

    def _sessions(self) -> list[str]:
        return sorted(self.ever_sessions)

    def _pick(self, items: list[str], index: int) -> str | None:
        return items[index % len(items)] if items else None

    def _try(self, command: object) -> object:
        self._check_deliveries()  # route what earlier commands produced first
        try:
            return command()  # type: ignore[operator]
        except ChannelkitError:
            assert self.core.take_deliveries() == [], "a failed command produced deliveries"
            return None

    def _check_deliveries(self) -> None:
        for delivery in self.core.take_deliveries():
            if isinstance(delivery, ev.ToProvider):
                payload = delivery.payload
                session_id = getattr(payload, "session_id", None)
                if session_id is not None:
                    assert self.ever_sessions[session_id] == delivery.provider, "routed to a non-owner"

    @rule(provider=providers, agent=agents, consent=st.booleans(), anchor=st.booleans())
    def create_session(self, provider: str, agent: str, consent: bool, anchor: bool) -> None:
        consent_id = ""
        if consent:
            toast = self._try(lambda: self.core.notify(provider, agent, ToastSpec(title="Offer")))
            if toast is not None:
                self.core.respond_to_notification(agent, toast.id, NotificationAction.ACCEPT)  # type: ignore[attr-defined]
                consent_id = toast.id  # type: ignore[attr-defined]
        session = self._try(
            lambda: self.core.create_session(
                provider,
                agent,
                title="S",
                consent_notification_id=consent_id,
                anchor_tab=TabSpec("T", 1, "https://x.example") if anchor else None,
            )
        )
        if session is not None:
            self.owners[session.id] = provider  # type: ignore[attr-defined]
            self.ever_sessions[session.id] = provider  # type: ignore[attr-defined]
            for tab_id in session.tabs:  # type: ignore[attr-defined]
                self.tab_owner[tab_id] = provider
        self._check_deliveries()

    @rule(provider=providers, index=picks, focus=st.booleans())
    def open_tab(self, provider: str, index: int, focus: bool) -> None:
        session_id = self._pick(self._sessions(), index)
        if session_id is None:
            return
        tab = self._try(lambda: self.core.create_tab(provider, session_id, TabSpec("T", 2, "page"), focus=focus))
        if tab is not None:
            assert self.owners[session_id] == provider, "a tab opened in a foreign session"
            self.tab_owner[tab.id] = provider  # type: ignore[attr-defined]
        self._check_deliveries()

    @rule(provider=providers, index=picks, count=st.integers(min_value=0, max_value=9))
    def request_focus(self, provider: str, index: int, count: int) -> None:
        session_id = self._pick(self._sessions(), index)
        if session_id is None:
            return
        focused_before = {a: self.core.workspace(a).focused_id for a in AGENTS}
        result = self._try(lambda: self.core.request_focus_session(provider, session_id, count))
        if result is not None:
            assert self.owners.get(session_id) == provider
        assert {a: self.core.workspace(a).focused_id for a in AGENTS} == focused_before, "attention moved focus"
        self._check_deliveries()

    @rule(agent=agents, index=picks)
    def switch(self, agent: str, index: int) -> None:
        sessions = list(self.core.workspace(agent).sessions)
        self._try(lambda: self.core.switch_session(agent, sessions[index % len(sessions)]))
        self._check_deliveries()

    @rule(agent=agents, index=picks)
    def close(self, agent: str, index: int) -> None:
        sessions = list(self.core.workspace(agent).sessions)
        target = sessions[index % len(sessions)]
        if self._try(lambda: self.core.close_session(agent, target)) is not None:
            self.owners.pop(target, None)
        self._check_deliveries()

    @rule(provider=providers, index=picks, agent=agents)
    def provider_tries_forbidden_things(self, provider: str, index: int, agent: str) -> None:
        session_id = self._pick(self._sessions(), index)
        tab_id = self._pick(sorted(self.tab_owner), index)
        before = {a: (self.core.workspace(a).focused_id, list(self.core.workspace(a).sessions)) for a in AGENTS}
        if session_id is not None:
            self._try(lambda: self.core.set_session_title(provider, session_id, "mine"))
            self._try(lambda: self.core.get_session(provider, session_id))
        if tab_id is not None:
            self._try(lambda: self.core.close_tab(provider, tab_id))
            self._try(lambda: self.core.focus_tab(provider, tab_id))
        self._try(lambda: self.core.set_panel_mode(agent, PanelMode.HIDDEN, provider=provider))
        after = {a: (self.core.workspace(a).focused_id, list(self.core.workspace(a).sessions)) for a in AGENTS}
        assert after == before, "a provider switched or closed a session"
        self._check_deliveries()

    @rule(seconds=st.floats(min_value=0, max_value=200))
    def time_passes(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.core.expire_due()
        self._check_deliveries()

    @invariant()
    def one_owner_forever(self) -> None:
        for session_id, owner in self.owners.items():
            assert self.core.session_by_id(session_id).owner == owner

    @invariant()
    def tabs_only_in_owners_sessions(self) -> None:
        for agent in AGENTS:
            for session in self.core.workspace(agent).sessions.values():
                for tab_id in session.tabs:
                    assert self.tab_owner[tab_id] == session.owner
                assert len(session.tabs) <= MAX_TABS

    @invariant()
    def exactly_one_focused_session(self) -> None:
        for agent in AGENTS:
            ws = self.core.workspace(agent)
            assert ws.focused_id in ws.sessions
            assert next(iter(ws.sessions)) == f"home-{agent}"
            assert ws.open_session_count <= MAX_SESSIONS
            focused = ws.sessions[ws.focused_id]
            assert not focused.attention and focused.unread_count == 0


WorkspaceMachine.TestCase.settings = settings(
    max_examples=150, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestWorkspaceMachine = WorkspaceMachine.TestCase
