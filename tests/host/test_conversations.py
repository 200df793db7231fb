"""Transcript tabs, record tabs, session actions and injected events over real gRPC.

Each bad request gets a precise error and changes nothing; each good one
reaches exactly one recipient (the owner for ActionInvoked, the agent's
watchers for transcript entries).
"""

from __future__ import annotations

import grpc
import pytest

from channelkit.v1 import agent_service_pb2 as apb
from channelkit.v1 import host_service_pb2 as hpb
from channelkit.v1 import provider_service_pb2 as ppb
from channelkit.v1 import workspace_pb2 as wpb
from tests._support import EVERY_STORE
from tests._support import EventReader
from tests._support import RunningHost
from tests._support import iterate
from tests._support import make_config
from tests._support import rpc_error
from tests._support import start_host
from tests._support import stop_host
from tests._support import until_marker

pytestmark = EVERY_STORE

TRANSCRIPT = ppb.TabSpec(title="Conversation", page_type=wpb.PAGE_TYPE_TRANSCRIPT)
SEND = wpb.SessionAction(id="send", label="Send", takes_text=True, enabled=True)
HOLD = wpb.SessionAction(id="hold", label="Hold", enabled=False)


async def _session(host: RunningHost, provider: str, anchor: ppb.TabSpec = TRANSCRIPT) -> wpb.Session:
    request = ppb.CreateSessionRequest(agent_id="agent-1", title=f"{provider} chat", anchor_tab=anchor)
    response: ppb.CreateSessionResponse = await host.provider(provider).CreateSession(request)
    return response.session


async def _workspace(host: RunningHost) -> apb.Workspace:
    response: apb.GetWorkspaceResponse = await host.agent("agent-1").GetWorkspace(apb.GetWorkspaceRequest())
    return response.workspace


async def test_transcript_entries_reach_the_agents_watchers_and_the_snapshot(host: RunningHost) -> None:
    session = await _session(host, "alpha")
    tab_id = session.tabs[0].id
    watch = host.agent("agent-1").WatchWorkspace(apb.WatchWorkspaceRequest())
    await iterate(watch, 1)  # snapshot
    request = ppb.AppendTranscriptRequest(tab_id=tab_id, role=wpb.AUTHOR_ROLE_CUSTOMER, author="Ada", text="Hi!")
    entry = (await host.provider("alpha").AppendTranscript(request)).entry
    (delta,) = await iterate(watch, 1)
    assert delta.WhichOneof("payload") == "transcript_appended"
    assert (delta.transcript_appended.tab_id, delta.transcript_appended.entry) == (tab_id, entry)
    assert (entry.role, entry.author, entry.text) == (wpb.AUTHOR_ROLE_CUSTOMER, "Ada", "Hi!")
    (transcript,) = (await _workspace(host)).transcripts
    assert (transcript.session_id, transcript.tab_id, list(transcript.entries)) == (session.id, tab_id, [entry])
    watch.cancel()


async def test_a_record_tab_links_through_the_configured_template() -> None:
    config, secrets = make_config(console={"record_url": "https://crm.acme.example/r?etn={entity_name}&id={entity_id}"})
    host = await start_host(config, secrets)
    try:
        ref = wpb.RecordRef(entity_name="contact", entity_id="c-1001")
        session = await _session(
            host, "alpha", ppb.TabSpec(title="Customer", page_type=wpb.PAGE_TYPE_RECORD, record=ref)
        )
        (tab,) = session.tabs
        assert (tab.page_type, tab.record) == (wpb.PAGE_TYPE_RECORD, ref)
        assert tab.target == "https://crm.acme.example/r?etn=contact&id=c-1001"
    finally:
        await stop_host(host)


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        (ppb.TabSpec(title="t", page_type=wpb.PageType.ValueType(99)), "tab.page_type"),
        (ppb.TabSpec(title="t", page_type=wpb.PAGE_TYPE_RECORD), "tab.record"),
        (ppb.TabSpec(title="t", page_type=wpb.PAGE_TYPE_TRANSCRIPT, target="x"), "tab.target"),
        (
            ppb.TabSpec(title="t", page_type=wpb.PAGE_TYPE_URL, target="https://x.example", record=wpb.RecordRef()),
            "tab.record",
        ),
        (
            ppb.TabSpec(title="t", page_type=wpb.PAGE_TYPE_RECORD, record=wpb.RecordRef(entity_name="contact")),
            "tab.record.entity_id",
        ),
    ],
)
async def test_tab_specs_that_do_not_fit_their_page_type_are_refused(
    host: RunningHost, spec: ppb.TabSpec, field: str
) -> None:
    session = await _session(host, "alpha")
    before = await _workspace(host)
    error = await rpc_error(host.provider("alpha").CreateTab(ppb.CreateTabRequest(session_id=session.id, tab=spec)))
    assert (error.code, error.reason, error.fields) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_FIELD", [field])
    assert await _workspace(host) == before


async def test_bad_transcript_appends_are_refused_and_change_nothing(host: RunningHost) -> None:
    mine = await _session(host, "alpha")
    url = ppb.TabSpec(title="Page", page_type=wpb.PAGE_TYPE_URL, target="https://shop.example.com")
    theirs = await _session(host, "beta", url)
    tab_id = mine.tabs[0].id
    before = await _workspace(host)
    cases = [
        (ppb.AppendTranscriptRequest(tab_id=tab_id, role=wpb.AUTHOR_ROLE_AGENT, text="x" * 4001), "INVALID_FIELD"),
        (ppb.AppendTranscriptRequest(tab_id=tab_id, text="no role"), "INVALID_FIELD"),
        (ppb.AppendTranscriptRequest(tab_id=tab_id, role=wpb.AUTHOR_ROLE_AGENT, text=" "), "INVALID_FIELD"),
        (ppb.AppendTranscriptRequest(tab_id=theirs.tabs[0].id, role=wpb.AUTHOR_ROLE_AGENT, text="x"), "TAB_NOT_FOUND"),
    ]
    for request, reason in cases:
        assert (await rpc_error(host.provider("alpha").AppendTranscript(request))).reason == reason
    not_transcript = ppb.AppendTranscriptRequest(tab_id=theirs.tabs[0].id, role=wpb.AUTHOR_ROLE_AGENT, text="x")
    error = await rpc_error(host.provider("beta").AppendTranscript(not_transcript))
    assert (error.code, error.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "NOT_A_TRANSCRIPT_TAB")
    long_text = await rpc_error(host.provider("alpha").AppendTranscript(cases[0][0]))
    assert long_text.fields == ["text"] and "4000" in long_text.message
    assert await _workspace(host) == before


async def test_a_full_transcript_says_so_and_keeps_its_entries() -> None:
    config, secrets = make_config(limits={"max_transcript_entries": 10})
    host = await start_host(config, secrets)
    try:
        tab_id = (await _session(host, "alpha")).tabs[0].id
        for n in range(10):
            request = ppb.AppendTranscriptRequest(tab_id=tab_id, role=wpb.AUTHOR_ROLE_SYSTEM, text=f"line {n}")
            await host.provider("alpha").AppendTranscript(request)
        overflow = ppb.AppendTranscriptRequest(tab_id=tab_id, role=wpb.AUTHOR_ROLE_SYSTEM, text="one more")
        error = await rpc_error(host.provider("alpha").AppendTranscript(overflow))
        assert (error.code, error.reason, error.metadata["limit"]) == (
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            "TRANSCRIPT_LIMIT_REACHED",
            "10",
        )
        (transcript,) = (await _workspace(host)).transcripts
        assert [e.text for e in transcript.entries] == [f"line {n}" for n in range(10)]
    finally:
        await stop_host(host)


async def test_actions_go_to_the_owner_only(host: RunningHost) -> None:
    mine = await _session(host, "alpha")
    await _session(host, "beta")
    alpha, beta = EventReader(host.provider("alpha")), EventReader(host.provider("beta"))
    await until_marker(host, "alpha", alpha)
    await until_marker(host, "beta", beta)
    set_request = ppb.SetSessionActionsRequest(session_id=mine.id, actions=[SEND, HOLD])
    updated = (await host.provider("alpha").SetSessionActions(set_request)).session
    assert list(updated.actions) == [SEND, HOLD]
    invoke = apb.InvokeActionRequest(session_id=mine.id, action_id="send", text="On my way")
    assert (await host.agent("agent-1").InvokeAction(invoke)).provider == "alpha"
    (event,) = await alpha.take(1)
    assert event.WhichOneof("payload") == "action_invoked"
    assert (event.action_invoked.session_id, event.action_invoked.action_id, event.action_invoked.text) == (
        mine.id,
        "send",
        "On my way",
    )
    assert await until_marker(host, "beta", beta) == []
    alpha.cancel()
    beta.cancel()


async def test_foreign_and_bad_actions_are_refused_and_change_nothing(host: RunningHost) -> None:
    mine = await _session(host, "alpha")
    await host.provider("alpha").SetSessionActions(ppb.SetSessionActionsRequest(session_id=mine.id, actions=[SEND]))
    before = await _workspace(host)
    foreign = ppb.SetSessionActionsRequest(session_id=mine.id, actions=[HOLD])
    error = await rpc_error(host.provider("beta").SetSessionActions(foreign))
    assert (error.code, error.reason) == (grpc.StatusCode.NOT_FOUND, "SESSION_NOT_FOUND")
    bad_declarations = [
        ([SEND, SEND], "actions[1].id"),
        ([wpb.SessionAction(id="x", label="")], "actions[0].label"),
        ([wpb.SessionAction(id=f"a{n}", label="A") for n in range(9)], "actions"),
    ]
    for actions, field in bad_declarations:
        request = ppb.SetSessionActionsRequest(session_id=mine.id, actions=actions)
        assert (await rpc_error(host.provider("alpha").SetSessionActions(request))).fields == [field]
    await host.provider("alpha").SetSessionActions(
        ppb.SetSessionActionsRequest(session_id=mine.id, actions=[SEND, HOLD])
    )
    before = await _workspace(host)
    presses = [
        ("agent-1", "nope", "", grpc.StatusCode.NOT_FOUND, "ACTION_NOT_FOUND"),
        ("agent-1", "hold", "", grpc.StatusCode.FAILED_PRECONDITION, "ACTION_DISABLED"),
        ("agent-1", "send", "", grpc.StatusCode.INVALID_ARGUMENT, "INVALID_FIELD"),
        ("agent-1", "send", "x" * 4001, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_FIELD"),
        ("agent-2", "send", "hi", grpc.StatusCode.NOT_FOUND, "SESSION_NOT_FOUND"),
    ]
    for agent, action, text, code, reason in presses:
        press = apb.InvokeActionRequest(session_id=mine.id, action_id=action, text=text)
        error = await rpc_error(host.agent(agent).InvokeAction(press))
        assert (error.code, error.reason) == (code, reason), (agent, action)
    assert await _workspace(host) == before
    assert host.server.runtime.logs["alpha"].head_seq == 0


async def test_injected_events_reach_one_provider_in_order(host: RunningHost) -> None:
    alpha = EventReader(host.provider("alpha"))
    request = hpb.InjectEventRequest(provider="alpha", agent_id="agent-1", kind="call", attributes={"from": "+1555"})
    seq = (await host.admin().InjectEvent(request)).seq
    (event,) = await alpha.take(1)
    assert (event.seq, event.agent_id, event.external_event.kind) == (seq, "agent-1", "call")
    assert dict(event.external_event.attributes) == {"from": "+1555"}
    unknown = await rpc_error(
        host.admin().InjectEvent(hpb.InjectEventRequest(provider="zeta", agent_id="agent-1", kind="call"))
    )
    assert (unknown.code, unknown.reason) == (grpc.StatusCode.NOT_FOUND, "PROVIDER_NOT_FOUND")
    bad_kind = await rpc_error(
        host.admin().InjectEvent(hpb.InjectEventRequest(provider="alpha", agent_id="agent-1", kind=""))
    )
    assert bad_kind.fields == ["kind"]
    from_provider = await rpc_error(host.admin(host.secrets.by_name["alpha"]).InjectEvent(request))
    assert from_provider.code == grpc.StatusCode.PERMISSION_DENIED
    assert host.server.runtime.logs["alpha"].head_seq == seq, "refused injections add nothing to the log"
    alpha.cancel()
