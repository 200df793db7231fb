"""The web console's JSON API and event stream, over real HTTP against a real host."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from channelkit.v1 import provider_service_pb2 as ppb
from channelkit.v1 import workspace_pb2 as wpb
from tests._support import EVERY_STORE
from tests._support import EventReader
from tests._support import RunningHost
from tests._support import shown_toast
from tests._support import until_marker
from tests.console._http import API
from tests.console._http import WATCH
from tests.console._http import EventStream
from tests.console._http import bearer
from tests.console._http import field_of
from tests.console._http import reason_of
from tests.console._http import watch

pytestmark = EVERY_STORE


@pytest.fixture
async def web(host: RunningHost) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client pointed at the host's console."""
    assert host.server.console is not None
    async with httpx.AsyncClient(base_url=host.server.console.url, timeout=10) as client:
        yield client


async def _call(web: httpx.AsyncClient, token: str, method: str, body: dict[str, object]) -> httpx.Response:
    return await web.post(API + method, json=body, headers=bearer(token))


async def _ok(web: httpx.AsyncClient, token: str, method: str, body: dict[str, object] | None = None) -> dict:  # type: ignore[type-arg]
    response = await _call(web, token, method, body or {})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _session(
    host: RunningHost, provider: str, agent: str, title: str, *, tabs: int = 1
) -> ppb.CreateSessionResponse:
    caller = host.provider(provider)
    anchor = ppb.TabSpec(title="Conversation", page_type=wpb.PAGE_TYPE_TRANSCRIPT)
    request = ppb.CreateSessionRequest(agent_id=agent, title=title, anchor_tab=anchor)
    created: ppb.CreateSessionResponse = await caller.CreateSession(request)
    for n in range(1, tabs):
        spec = ppb.TabSpec(
            title=f"Page {n}", page_type=wpb.PAGE_TYPE_URL, target="https://example.invalid/", can_close=True
        )
        await caller.CreateTab(ppb.CreateTabRequest(session_id=created.session.id, tab=spec))
    return created


# --- authentication ------------------------------------------------------------------------------


async def test_every_api_route_needs_an_agent_credential(host: RunningHost, web: httpx.AsyncClient) -> None:
    anonymous = await web.post(API + "GetWorkspace", json={})
    assert (anonymous.status_code, reason_of(anonymous)) == (401, "MISSING_CREDENTIALS")
    stream = await web.get(WATCH)
    assert (stream.status_code, reason_of(stream)) == (401, "MISSING_CREDENTIALS")
    forged = await web.post(API + "GetWorkspace", json={}, headers=bearer("ck_not-a-token"))
    assert (forged.status_code, reason_of(forged)) == (401, "INVALID_CREDENTIALS")
    provider = await web.post(API + "GetWorkspace", json={}, headers=bearer(host.secrets.by_name["alpha"]))
    assert (provider.status_code, reason_of(provider)) == (403, "CREDENTIALS_NOT_ALLOWED")
    assert provider.json()["error"]["status"] == "PERMISSION_DENIED"
    admin_sign_in = await web.post("/api/signin", json={"token": host.secrets.by_name["ops"]})
    assert (admin_sign_in.status_code, "set-cookie" in admin_sign_in.headers) == (403, False)


async def test_sign_in_sets_an_httponly_strict_cookie_that_sign_out_revokes(
    host: RunningHost, web: httpx.AsyncClient
) -> None:
    signed_in = await web.post("/api/signin", json={"token": host.secrets.by_name["agent-2"]})
    assert signed_in.json() == {"agentId": "agent-2", "displayName": "Agent-2"}
    cookie = signed_in.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert host.secrets.by_name["agent-2"] not in cookie  # an opaque value, never the token
    mine = await web.post(API + "GetWorkspace", json={})
    assert mine.json()["workspace"]["agentId"] == "agent-2"
    stolen = web.cookies.get("channelkit_console")
    assert (await web.post("/api/signout", json={})).status_code == 204
    web.cookies.set("channelkit_console", str(stolen))  # replaying the old cookie after sign-out
    replayed = await web.post(API + "GetWorkspace", json={})
    assert (replayed.status_code, reason_of(replayed)) == (401, "INVALID_CREDENTIALS")


async def test_bad_sign_ins_name_the_problem(host: RunningHost, web: httpx.AsyncClient) -> None:
    empty = await web.post("/api/signin", json={})
    assert (empty.status_code, reason_of(empty), field_of(empty)) == (400, "INVALID_FIELD", "token")
    wrong = await web.post("/api/signin", json={"token": "ck_wrong"})
    assert (wrong.status_code, reason_of(wrong)) == (401, "INVALID_CREDENTIALS")
    not_json = await web.post("/api/signin", content=b"token=x", headers={"content-type": "text/plain"})
    assert (not_json.status_code, reason_of(not_json)) == (403, "CROSS_SITE_REQUEST")
    assert "set-cookie" not in wrong.headers and "set-cookie" not in empty.headers


async def test_cookie_calls_from_another_origin_are_refused_and_change_nothing(
    host: RunningHost, web: httpx.AsyncClient
) -> None:
    await web.post("/api/signin", json={"token": host.secrets.by_name["agent-1"]})
    foreign = await web.post(API + "SetPresence", json={"presence": "Busy"}, headers={"origin": "https://evil.example"})
    assert (foreign.status_code, reason_of(foreign)) == (403, "CROSS_SITE_REQUEST")
    form = await web.post(
        API + "SetPresence", content=b"presence=Busy", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert (form.status_code, reason_of(form)) == (403, "CROSS_SITE_REQUEST")
    same = await web.post(API + "GetWorkspace", json={}, headers={"origin": str(web.base_url).rstrip("/")})
    assert same.json()["workspace"]["presence"] == "Available"


# --- isolation -----------------------------------------------------------------------------------


async def test_agent_a_can_neither_read_nor_act_on_agent_bs_workspace(
    host: RunningHost, web: httpx.AsyncClient
) -> None:
    a, b = host.secrets.by_name["agent-1"], host.secrets.by_name["agent-2"]
    theirs = await _session(host, "alpha", "agent-2", "B's call", tabs=2)
    toast = asyncio.ensure_future(
        host.provider("alpha").NotifyEvent(
            ppb.NotifyEventRequest(agent_id="agent-2", title="For B", timeout_seconds=30)
        )
    )
    toast_id = (await shown_toast(host, "agent-2")).id
    before = await _ok(web, b, "GetWorkspace")
    session_id, tab_id = theirs.session.id, before["workspace"]["sessions"][1]["tabs"][1]["id"]
    mine = (await _ok(web, a, "GetWorkspace"))["workspace"]
    assert [s["title"] for s in mine["sessions"]] == ["Home"] and mine["notifications"] == []
    attempts = {
        "SwitchSession": ({"sessionId": session_id}, "SESSION_NOT_FOUND"),
        "CloseSession": ({"sessionId": session_id}, "SESSION_NOT_FOUND"),
        "FocusTab": ({"tabId": tab_id}, "TAB_NOT_FOUND"),
        "CloseTab": ({"tabId": tab_id}, "TAB_NOT_FOUND"),
        "InvokeAction": ({"sessionId": session_id, "actionId": "hold"}, "SESSION_NOT_FOUND"),
        "RespondToNotification": (
            {"notificationId": toast_id, "action": "NOTIFICATION_ACTION_ACCEPT"},
            "NOTIFICATION_NOT_FOUND",
        ),
    }
    for method, (body, reason) in attempts.items():
        response = await _call(web, a, method, body)
        assert (response.status_code, reason_of(response)) == (404, reason), method
    after = await _ok(web, b, "GetWorkspace")
    assert after["workspace"] == before["workspace"] and after["seq"] == before["seq"]
    await _ok(web, b, "RespondToNotification", {"notificationId": toast_id, "action": "NOTIFICATION_ACTION_REJECT"})
    assert (await asyncio.wait_for(toast, 5)).action == wpb.NOTIFICATION_ACTION_REJECT


async def test_each_agents_stream_carries_only_their_own_workspace(host: RunningHost, web: httpx.AsyncClient) -> None:
    a, b = host.secrets.by_name["agent-1"], host.secrets.by_name["agent-2"]
    async with watch(web, bearer(a)) as stream_a, watch(web, bearer(b)) as stream_b:
        snapshot_a, snapshot_b = await stream_a.next(), await stream_b.next()
        assert (snapshot_a.data["snapshot"]["agentId"], snapshot_b.data["snapshot"]["agentId"]) == (
            "agent-1",
            "agent-2",
        )
        await _session(host, "beta", "agent-2", "Only for B")
        await _session(host, "beta", "agent-1", "Only for A")
        (created_a,) = await stream_a.take(1)
        seen_b = await stream_b.take(1)
        assert created_a.data["sessionUpdated"]["title"] == "Only for A"
        assert [f.data["sessionUpdated"]["title"] for f in seen_b] == ["Only for B"]


# --- every agent action, routed to the right provider --------------------------------------------


async def test_every_agent_action_works_and_reaches_only_the_right_provider(
    host: RunningHost, web: httpx.AsyncClient
) -> None:
    token = host.secrets.by_name["agent-1"]
    alpha_events, beta_events = EventReader(host.provider("alpha")), EventReader(host.provider("beta"))
    call = await _session(host, "alpha", "agent-1", "Call", tabs=2)
    text = await _session(host, "beta", "agent-1", "Text")
    actions = [wpb.SessionAction(id="reply", label="Send", takes_text=True, enabled=True)]
    await host.provider("beta").SetSessionActions(
        ppb.SetSessionActionsRequest(session_id=text.session.id, actions=actions)
    )
    ws = (await _ok(web, token, "GetWorkspace"))["workspace"]
    call_tabs = next(s for s in ws["sessions"] if s["id"] == call.session.id)["tabs"]
    await until_marker(host, "alpha", alpha_events), await until_marker(host, "beta", beta_events)

    switched = await _ok(web, token, "SwitchSession", {"sessionId": call.session.id})
    assert switched["session"]["focused"] is True and switched["session"]["channel"] == "telephony"
    (focus,) = await alpha_events.take(1)
    assert (focus.session_focus_changed.session_id, focus.session_focus_changed.focused) == (call.session.id, True)

    focused_tab = await _ok(web, token, "FocusTab", {"tabId": call_tabs[1]["id"]})
    assert focused_tab["tab"]["focused"] is True
    assert (await alpha_events.take(1))[0].tab_focused.tab_id == call_tabs[1]["id"]
    await _ok(web, token, "CloseTab", {"tabId": call_tabs[1]["id"]})
    assert (await alpha_events.take(1))[0].tab_closed.tab_id == call_tabs[1]["id"]

    sent = await _ok(
        web, token, "InvokeAction", {"sessionId": text.session.id, "actionId": "reply", "text": "On my way"}
    )
    assert sent == {"provider": "beta"}
    pressed = (await beta_events.take(1))[0].action_invoked
    assert (pressed.session_id, pressed.action_id, pressed.text) == (text.session.id, "reply", "On my way")

    clicked = await _ok(web, token, "ClickToAct", {"click": {"value": "+15550100", "name": "phone", "format": "phone"}})
    assert clicked == {"provider": "alpha"}
    assert (await alpha_events.take(1))[0].click_to_act.value == "+15550100"

    assert await _ok(web, token, "SetPresence", {"presence": "Busy"}) == {"presence": "Busy"}
    assert await _ok(web, token, "SetPanelMode", {"mode": "PANEL_MODE_MINIMIZED"}) == {"mode": "PANEL_MODE_MINIMIZED"}
    assert await _ok(web, token, "SetPanelWidth", {"width": 520}) == {"width": 520}
    for reader in (alpha_events, beta_events):
        changes = await reader.take(3)
        assert changes[0].presence_changed.presence == "Busy"
        assert (changes[1].panel_changed.mode, changes[2].panel_changed.width) == (wpb.PANEL_MODE_MINIMIZED, 520)

    toast = asyncio.ensure_future(
        host.provider("beta").NotifyEvent(
            ppb.NotifyEventRequest(agent_id="agent-1", title="New SMS", timeout_seconds=30)
        )
    )
    shown = await shown_toast(host)
    await _ok(web, token, "RespondToNotification", {"notificationId": shown.id, "action": "NOTIFICATION_ACTION_ACCEPT"})
    assert (await asyncio.wait_for(toast, 5)).action == wpb.NOTIFICATION_ACTION_ACCEPT
    resolved = (await beta_events.take(1))[0].notification_resolved
    assert (resolved.notification_id, resolved.action) == (shown.id, wpb.NOTIFICATION_ACTION_ACCEPT)

    closed = await _ok(web, token, "CloseSession", {"sessionId": text.session.id})
    assert closed == {"focusedSessionId": call.session.id}
    assert (await beta_events.take(1))[0].session_closed.session_id == text.session.id
    assert await until_marker(host, "alpha", alpha_events) == []  # nothing of beta's session reached alpha
    alpha_events.cancel()
    beta_events.cancel()


async def test_bad_requests_get_a_precise_error_and_change_nothing(host: RunningHost, web: httpx.AsyncClient) -> None:
    token = host.secrets.by_name["agent-1"]
    before = await _ok(web, token, "GetWorkspace")
    malformed = await web.post(
        API + "SetPresence", content=b"{presence", headers={**bearer(token), "content-type": "application/json"}
    )
    assert (malformed.status_code, reason_of(malformed)) == (400, "MALFORMED_REQUEST")
    unknown_field = await _call(web, token, "SetPresence", {"presense": "Busy"})
    assert (unknown_field.status_code, reason_of(unknown_field)) == (400, "MALFORMED_REQUEST")
    assert "presense" in unknown_field.json()["error"]["message"]
    bad_value = await _call(web, token, "SetPresence", {"presence": "Asleep"})
    assert (bad_value.status_code, reason_of(bad_value), field_of(bad_value)) == (400, "INVALID_FIELD", "presence")
    bad_width = await _call(web, token, "SetPanelWidth", {"width": 12})
    assert (bad_width.status_code, field_of(bad_width)) == (400, "width")
    home = await _call(web, token, "CloseSession", {"sessionId": "home-agent-1"})
    assert (home.status_code, reason_of(home)) == (400, "HOME_SESSION")
    no_method = await _call(web, token, "DropEverything", {})
    assert (no_method.status_code, reason_of(no_method)) == (404, "UNKNOWN_METHOD")
    streaming_as_post = await _call(web, token, "WatchWorkspace", {})
    assert (streaming_as_post.status_code, reason_of(streaming_as_post)) == (404, "UNKNOWN_METHOD")
    bad_cursor = await web.get(WATCH, params={"after_seq": "x", "epoch": "e"}, headers=bearer(token))
    assert (bad_cursor.status_code, field_of(bad_cursor)) == (400, "after_seq")
    assert await _ok(web, token, "GetWorkspace") == before


# --- the stream ----------------------------------------------------------------------------------


async def _presence_flips(web: httpx.AsyncClient, token: str, count: int) -> list[str]:
    sent = []
    for n in range(count):
        presence = "Busy" if n % 2 == 0 else "Available"
        await _ok(web, token, "SetPresence", {"presence": presence})
        sent.append(presence)
    return sent


async def test_the_stream_resumes_after_a_dropped_connection_with_no_gap(
    host: RunningHost, web: httpx.AsyncClient
) -> None:
    token = host.secrets.by_name["agent-1"]
    async with watch(web, bearer(token)) as first:
        snapshot = await first.next()
        assert snapshot.event == "workspace" and "snapshot" in snapshot.data
        await _presence_flips(web, token, 2)
        seen = await first.take(2)
    missed = await _presence_flips(web, token, 4)  # while nobody is connected
    await _session(host, "alpha", "agent-1", "Arrived while away")
    async with watch(web, {**bearer(token), "last-event-id": seen[-1].id}) as resumed:
        replay = await resumed.take(5)
        await _presence_flips(web, token, 1)
        live = await resumed.next()
    frames = [*seen, *replay, live]
    epoch = snapshot.data["epoch"]
    assert [f.id for f in frames] == [f"{epoch}.{snapshot.seq + n}" for n in range(1, 9)]
    assert [f.data["settingsChanged"]["presence"] for f in replay[:4]] == missed
    assert replay[4].data["sessionUpdated"]["title"] == "Arrived while away"
    assert not any("snapshot" in f.data for f in [*replay, live])


async def test_a_resume_the_host_cannot_serve_starts_over_with_a_snapshot(
    host: RunningHost, web: httpx.AsyncClient
) -> None:
    token = host.secrets.by_name["agent-1"]
    await _presence_flips(web, token, 1)
    async with watch(web, {**bearer(token), "last-event-id": "an-earlier-run.1"}) as stream:
        first = await stream.next()
    assert "snapshot" in first.data and first.data["snapshot"]["presence"] == "Busy"
    assert first.id == f"{first.data['epoch']}.1"
    query = {"after_seq": "0", "epoch": first.data["epoch"]}  # a cursor in the query, as a fresh page sends it
    async with web.stream("GET", WATCH, params=query, headers=bearer(token)) as response:
        replayed = await EventStream(response).next()
    assert (replayed.id, replayed.data["settingsChanged"]["presence"]) == (first.id, "Busy")


async def test_the_stream_ends_with_a_problem_event_when_the_host_stops(
    host: RunningHost, web: httpx.AsyncClient
) -> None:
    async with watch(web, bearer(host.secrets.by_name["agent-1"])) as stream:
        await stream.next()
        stopping = asyncio.ensure_future(host.server.stop(0))
        problem = await stream.next()
        await stopping
    assert problem.event == "problem"
    assert (problem.data["error"]["status"], problem.data["error"]["code"]) == ("UNAVAILABLE", 503)


# --- the page ------------------------------------------------------------------------------------


async def test_the_page_and_its_assets_are_served_with_security_headers(web: httpx.AsyncClient) -> None:
    page = await web.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    for asset, kind in (("/static/console.js", "javascript"), ("/static/console.css", "text/css")):
        response = await web.get(asset)
        assert response.status_code == 200 and kind in response.headers["content-type"], asset
    assert (await web.get("/static/nope.js")).status_code == 404
