"""Two remote providers and one agent over real gRPC: ownership, routing, focus and attention."""

from __future__ import annotations

import grpc

from channelkit.v1 import agent_service_pb2 as apb
from channelkit.v1 import provider_service_pb2 as ppb
from channelkit.v1 import workspace_pb2 as wpb
from tests._support import EVERY_STORE
from tests._support import EventReader
from tests._support import RunningHost
from tests._support import answer_toast
from tests._support import rpc_error
from tests._support import until_marker

pytestmark = EVERY_STORE

URL_TAB = ppb.TabSpec(title="Record", page_type=wpb.PAGE_TYPE_URL, target="https://crm.example/contact/1")


async def _session(host: RunningHost, provider: str, *, consent: bool = True, agent: str = "agent-1") -> wpb.Session:
    consent_id = await answer_toast(host, provider, wpb.NOTIFICATION_ACTION_ACCEPT, agent) if consent else ""
    response = await host.provider(provider).CreateSession(
        ppb.CreateSessionRequest(
            agent_id=agent, title=f"{provider} contact", consent_notification_id=consent_id, anchor_tab=URL_TAB
        )
    )
    session: wpb.Session = response.session
    return session


def _foreign_calls(session_id: str, tab_id: str) -> list[tuple[str, object]]:
    """Every ProviderService call that names a session or tab."""
    return [
        ("GetSession", ppb.GetSessionRequest(session_id=session_id)),
        ("SetSessionTitle", ppb.SetSessionTitleRequest(session_id=session_id, title="mine now")),
        ("UpdateSessionContext", ppb.UpdateSessionContextRequest(session_id=session_id, set={"k": "v"})),
        ("RequestFocusSession", ppb.RequestFocusSessionRequest(session_id=session_id, messages_count=3)),
        ("NotifyKpiBreach", ppb.NotifyKpiBreachRequest(session_id=session_id, details="x")),
        ("CanCreateTab", ppb.CanCreateTabRequest(session_id=session_id)),
        ("CreateTab", ppb.CreateTabRequest(session_id=session_id, tab=URL_TAB)),
        ("ListTabs", ppb.ListTabsRequest(session_id=session_id)),
        ("FocusTab", ppb.FocusTabRequest(tab_id=tab_id)),
        ("RefreshTab", ppb.RefreshTabRequest(tab_id=tab_id)),
        ("SetTabTitle", ppb.SetTabTitleRequest(tab_id=tab_id, title="mine")),
        ("CloseTab", ppb.CloseTabRequest(tab_id=tab_id)),
        ("LogAnalyticsEvent", ppb.LogAnalyticsEventRequest(agent_id="agent-1", session_id=session_id, name="x")),
    ]


async def test_foreign_ids_answer_exactly_like_missing_ids_and_change_nothing(host: RunningHost) -> None:
    own = await _session(host, "alpha")
    before = (await host.agent("agent-1").GetWorkspace(apb.GetWorkspaceRequest())).workspace
    beta = host.provider("beta")
    real = _foreign_calls(own.id, own.tabs[0].id)
    fake = _foreign_calls("s-" + "0" * 32, "t-" + "0" * 32)
    for (method, real_request), (_, fake_request) in zip(real, fake, strict=True):
        on_real = await rpc_error(getattr(beta, method)(real_request))
        on_fake = await rpc_error(getattr(beta, method)(fake_request))
        assert on_real.code == on_fake.code == grpc.StatusCode.NOT_FOUND, method
        assert on_real.reason == on_fake.reason, method
        assert on_real.message.replace(own.id, "ID").replace(own.tabs[0].id, "ID") == on_fake.message.replace(
            "s-" + "0" * 32, "ID"
        ).replace("t-" + "0" * 32, "ID"), method
        assert set(on_real.metadata) == set(on_fake.metadata), method
    after = (await host.agent("agent-1").GetWorkspace(apb.GetWorkspaceRequest())).workspace
    assert after == before
    listed = await beta.ListSessions(ppb.ListSessionsRequest())
    assert list(listed.sessions) == []


async def test_event_streams_carry_only_the_owners_sessions(host: RunningHost) -> None:
    alpha_events = EventReader(host.provider("alpha"))
    beta_events = EventReader(host.provider("beta"))
    agent = host.agent("agent-1")
    a_session = await _session(host, "alpha")
    b_session = await _session(host, "beta")
    await agent.SwitchSession(apb.SwitchSessionRequest(session_id=a_session.id))
    await agent.FocusTab(apb.AgentFocusTabRequest(tab_id=a_session.tabs[0].id))
    await agent.CloseSession(apb.CloseSessionRequest(session_id=a_session.id))
    await agent.CloseSession(apb.CloseSessionRequest(session_id=b_session.id))
    alpha_seen = await until_marker(host, "alpha", alpha_events)
    beta_seen = await until_marker(host, "beta", beta_events)
    alpha_events.cancel()
    beta_events.cancel()

    def mentioned(events: list[ppb.ProviderEvent]) -> set[str]:
        ids: set[str] = set()
        for event in events:
            payload = getattr(event, event.WhichOneof("payload") or "")
            ids.update(getattr(payload, f, "") for f in ("session_id", "tab_id"))
        return ids - {""}

    assert a_session.id in mentioned(alpha_seen)
    assert b_session.id in mentioned(beta_seen)
    assert not mentioned(beta_seen) & {a_session.id, a_session.tabs[0].id}
    assert not mentioned(alpha_seen) & {b_session.id, b_session.tabs[0].id}
    assert [e.seq for e in alpha_seen] == list(range(1, len(alpha_seen) + 1))


async def test_focus_changes_tell_each_owner_its_own_side(host: RunningHost) -> None:
    alpha_events = EventReader(host.provider("alpha"))
    beta_events = EventReader(host.provider("beta"))
    a_session = await _session(host, "alpha")
    b_session = await _session(host, "beta")  # consented: takes focus from alpha's session
    alpha_seen = [e for e in await until_marker(host, "alpha", alpha_events) if e.HasField("session_focus_changed")]
    beta_seen = [e for e in await until_marker(host, "beta", beta_events) if e.HasField("session_focus_changed")]
    assert [(e.session_focus_changed.session_id, e.session_focus_changed.focused) for e in alpha_seen] == [
        (a_session.id, True),
        (a_session.id, False),
    ]
    assert [(e.session_focus_changed.session_id, e.session_focus_changed.focused) for e in beta_seen] == [
        (b_session.id, True)
    ]
    alpha_events.cancel()
    beta_events.cancel()


async def test_providers_have_no_way_to_switch_or_close_sessions(host: RunningHost) -> None:
    methods = {m.name for m in ppb.DESCRIPTOR.services_by_name["ProviderService"].methods}
    assert not {m for m in methods if m.startswith(("Switch", "Close")) and "Tab" not in m}
    session = await _session(host, "alpha", consent=False)
    as_provider_on_agent_service = host.agent("agent-1", token=host.secrets.by_name["alpha"])
    denied = await rpc_error(as_provider_on_agent_service.CloseSession(apb.CloseSessionRequest(session_id=session.id)))
    assert denied.code == grpc.StatusCode.PERMISSION_DENIED
    assert denied.reason == "CREDENTIALS_NOT_ALLOWED"
    still = await host.provider("alpha").GetSession(ppb.GetSessionRequest(session_id=session.id))
    assert still.session.id == session.id


async def test_attention_indicator_shows_count_and_the_agents_switch_clears_it(host: RunningHost) -> None:
    agent = host.agent("agent-1")
    background = await _session(host, "beta", consent=False)
    assert not background.focused and background.attention
    focused = await _session(host, "alpha")
    beta = host.provider("beta")
    asked = await beta.RequestFocusSession(ppb.RequestFocusSessionRequest(session_id=background.id, messages_count=4))
    assert (asked.already_focused, asked.unread_count) == (False, 4)
    workspace = (await agent.GetWorkspace(apb.GetWorkspaceRequest())).workspace
    shown = {s.id: s for s in workspace.sessions}
    assert workspace.focused_session_id == focused.id
    assert shown[background.id].attention and shown[background.id].unread_count == 4
    await agent.SwitchSession(apb.SwitchSessionRequest(session_id=background.id))
    cleared = (await beta.GetSession(ppb.GetSessionRequest(session_id=background.id))).session
    assert cleared.focused and not cleared.attention and cleared.unread_count == 0
    again = await beta.RequestFocusSession(ppb.RequestFocusSessionRequest(session_id=background.id, messages_count=9))
    assert again.already_focused and not again.alerted
    unchanged = (await beta.GetSession(ppb.GetSessionRequest(session_id=background.id))).session
    assert not unchanged.attention and unchanged.unread_count == 0


async def test_session_and_tab_limits_answer_resource_exhausted(host: RunningHost) -> None:
    alpha = host.provider("alpha")
    sessions = [await _session(host, "alpha", consent=False) for _ in range(10)]
    over = await rpc_error(alpha.CreateSession(ppb.CreateSessionRequest(agent_id="agent-1", title="eleventh")))
    assert (over.code, over.reason, over.metadata["limit"]) == (
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        "SESSION_LIMIT_REACHED",
        "10",
    )
    assert not (await alpha.CanCreateSession(ppb.CanCreateSessionRequest(agent_id="agent-1"))).allowed
    first = sessions[0]
    for _ in range(9):
        await alpha.CreateTab(ppb.CreateTabRequest(session_id=first.id, tab=URL_TAB))
    full = await rpc_error(alpha.CreateTab(ppb.CreateTabRequest(session_id=first.id, tab=URL_TAB)))
    assert (full.code, full.reason) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "TAB_LIMIT_REACHED")
    assert len((await alpha.ListTabs(ppb.ListTabsRequest(session_id=first.id))).tabs) == 10


async def test_panel_setters_accept_only_the_active_provider(host: RunningHost) -> None:
    alpha, beta = host.provider("alpha"), host.provider("beta")
    # On Home the active provider is the one with the lowest channel order: alpha.
    refused = await rpc_error(
        beta.SetPanelMode(ppb.SetPanelModeRequest(agent_id="agent-1", mode=wpb.PANEL_MODE_HIDDEN))
    )
    assert (refused.code, refused.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "NOT_ACTIVE_PROVIDER")
    await alpha.SetPanelWidth(ppb.SetPanelWidthRequest(agent_id="agent-1", width=480))
    await _session(host, "beta")  # beta's session takes focus: beta is now active
    refused = await rpc_error(alpha.SetPanelWidth(ppb.SetPanelWidthRequest(agent_id="agent-1", width=500)))
    assert refused.reason == "NOT_ACTIVE_PROVIDER"
    await beta.SetPanelMode(ppb.SetPanelModeRequest(agent_id="agent-1", mode=wpb.PANEL_MODE_MINIMIZED))
    assert (await alpha.GetPanelMode(ppb.GetPanelModeRequest(agent_id="agent-1"))).mode == wpb.PANEL_MODE_MINIMIZED
    assert (await alpha.GetPanelWidth(ppb.GetPanelWidthRequest(agent_id="agent-1"))).width == 480


async def test_get_focused_session_is_empty_unless_the_caller_owns_it(host: RunningHost) -> None:
    session = await _session(host, "alpha")
    mine = await host.provider("alpha").GetFocusedSession(ppb.GetFocusedSessionRequest(agent_id="agent-1"))
    theirs = await host.provider("beta").GetFocusedSession(ppb.GetFocusedSessionRequest(agent_id="agent-1"))
    assert mine.session.id == session.id
    assert not theirs.HasField("session")
    tab = await host.provider("beta").GetFocusedTab(ppb.GetFocusedTabRequest(agent_id="agent-1"))
    assert not tab.HasField("tab")


async def test_click_to_act_reaches_exactly_one_provider(host: RunningHost) -> None:
    readers = {name: EventReader(host.provider(name)) for name in ("alpha", "beta", "gamma")}
    await host.provider("gamma").SetClickToAct(ppb.SetClickToActRequest(enabled=True))
    await _session(host, "gamma")  # gamma active and click-to-act enabled: it wins over alpha's lower order
    routed = await host.agent("agent-1").ClickToAct(
        apb.ClickToActRequest(click=ppb.ClickToAct(value="+15551234567", format="phone"))
    )
    assert routed.provider == "gamma"
    clicks = {n: [e for e in await until_marker(host, n, r) if e.HasField("click_to_act")] for n, r in readers.items()}
    assert [len(clicks[n]) for n in ("alpha", "beta", "gamma")] == [0, 0, 1]
    assert clicks["gamma"][0].click_to_act.value == "+15551234567"
    for reader in readers.values():
        reader.cancel()


async def test_presence_reaches_every_provider_serving_the_agent(host: RunningHost) -> None:
    readers = {name: EventReader(host.provider(name)) for name in ("alpha", "beta")}
    await host.agent("agent-1").SetPresence(apb.AgentSetPresenceRequest(presence="Busy"))
    for name, reader in readers.items():
        events = [e for e in await until_marker(host, name, reader) if e.HasField("presence_changed")]
        assert [e.presence_changed.presence for e in events] == ["Busy"]
        reader.cancel()
    got = await host.provider("beta").GetPresence(ppb.GetPresenceRequest(agent_id="agent-1"))
    assert got.presence == "Busy"
