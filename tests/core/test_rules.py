"""One test (or a few) per rule, straight against the pure core."""

from __future__ import annotations

import pytest

from channelkit.host.core import TabSpec
from channelkit.host.core import ToastSpec
from channelkit.host.core import events as ev
from channelkit.sdk import NotificationAction
from channelkit.sdk import NotificationReason
from channelkit.sdk import PanelMode
from channelkit.sdk.errors import ErrorReason
from channelkit.sdk.errors import FailedPrecondition
from channelkit.sdk.errors import InvalidArgument
from channelkit.sdk.errors import LimitReached
from channelkit.sdk.errors import NotActiveProvider
from channelkit.sdk.errors import NotFound
from channelkit.sdk.errors import SessionNotFound
from channelkit.sdk.errors import TabNotFound
from channelkit.v1 import agent_service_pb2 as apb
from channelkit.v1 import provider_service_pb2 as ppb
from tests.core._fixtures import TAB
from tests.core._fixtures import accepted
from tests.core._fixtures import make_core
from tests.core._fixtures import to_provider


def test_r2_owner_is_fixed_and_foreign_ids_look_missing() -> None:
    core, _ = make_core()
    session = core.create_session("alpha", "agent-1", title="A", anchor_tab=TAB)
    tab_id = next(iter(session.tabs))
    with pytest.raises(SessionNotFound) as foreign:
        core.set_session_title("beta", session.id, "stolen")
    with pytest.raises(SessionNotFound) as missing:
        core.set_session_title("beta", "s-unknown", "stolen")
    assert str(foreign.value).replace(session.id, "X") == str(missing.value).replace("s-unknown", "X")
    with pytest.raises(TabNotFound):
        core.close_tab("beta", tab_id)
    assert session.owner == "alpha" and session.title == "A"


def test_r3_focus_events_go_to_each_owner_and_closing_only_to_the_owner() -> None:
    core, _ = make_core()
    a = core.create_session("alpha", "agent-1", title="A", consent_notification_id=accepted(core, "alpha"))
    b = core.create_session("beta", "agent-1", title="B", consent_notification_id=accepted(core, "beta"))
    core.take_deliveries()
    core.switch_session("agent-1", a.id)
    out = core.take_deliveries()
    assert to_provider(out, "alpha") == [ppb.SessionFocusChanged(session_id=a.id, focused=True)]
    assert to_provider(out, "beta") == [ppb.SessionFocusChanged(session_id=b.id, focused=False)]
    assert to_provider(out, "gamma") == []
    core.close_session("agent-1", b.id)
    out = core.take_deliveries()
    assert to_provider(out, "beta") == [ppb.SessionClosed(session_id=b.id)]
    assert to_provider(out, "alpha") == []


def test_r3_notification_resolution_goes_only_to_the_sender() -> None:
    core, _ = make_core()
    toast = core.notify("beta", "agent-1", ToastSpec(title="Offer", cancellation_token="tok"))
    core.take_deliveries()
    core.cancel_notification("beta", "tok")
    out = core.take_deliveries()
    assert to_provider(out, "beta") == [
        ppb.NotificationResolved(
            notification_id=toast.id,
            action=NotificationAction.CANCELLED,  # type: ignore[arg-type]
            reason=NotificationReason.CANCELLED,  # type: ignore[arg-type]
            cancellation_token="tok",
        )
    ]
    assert to_provider(out, "alpha") == to_provider(out, "gamma") == []


def test_r4_only_the_agent_closes_and_home_cannot_be_closed() -> None:
    core, _ = make_core()
    with pytest.raises(FailedPrecondition) as home:
        core.close_session("agent-1", "home-agent-1")
    assert home.value.reason is ErrorReason.HOME_SESSION


def test_r5_consent_decides_focus_and_the_limit_holds() -> None:
    core, _ = make_core(max_sessions=2)
    background = core.create_session("alpha", "agent-1", title="no consent")
    assert core.workspace("agent-1").focused_id == "home-agent-1" and background.attention
    focused = core.create_session("beta", "agent-1", title="consent", consent_notification_id=accepted(core, "beta"))
    assert core.workspace("agent-1").focused_id == focused.id
    with pytest.raises(LimitReached) as full:
        core.create_session("gamma", "agent-1", title="third")
    assert full.value.reason is ErrorReason.SESSION_LIMIT_REACHED


def test_r5_consent_is_used_once_and_only_by_its_provider() -> None:
    core, _ = make_core()
    consent = accepted(core, "alpha")
    stolen = core.create_session("beta", "agent-1", title="x", consent_notification_id=consent)
    assert core.workspace("agent-1").focused_id != stolen.id
    first = core.create_session("alpha", "agent-1", title="x", consent_notification_id=consent)
    assert core.workspace("agent-1").focused_id == first.id
    core.switch_session("agent-1", "home-agent-1")
    second = core.create_session("alpha", "agent-1", title="x", consent_notification_id=consent)
    assert core.workspace("agent-1").focused_id == "home-agent-1" and second.attention


def test_r5_required_consent_refuses_without_changing_anything() -> None:
    core, _ = make_core(consent="required")
    with pytest.raises(FailedPrecondition) as refused:
        core.create_session("alpha", "agent-1", title="x")
    assert refused.value.reason is ErrorReason.CONSENT_REQUIRED
    assert core.list_sessions("alpha") == [] and core.take_deliveries() == []


def test_r6_tabs_limit_anchor_and_focus_never_moves_session() -> None:
    core, _ = make_core(max_tabs=2)
    session = core.create_session("alpha", "agent-1", title="A", anchor_tab=TAB)
    anchor = next(iter(session.tabs.values()))
    second = core.create_tab("alpha", session.id, TabSpec("Second", 2, "notes"), focus=True)
    with pytest.raises(LimitReached):
        core.create_tab("alpha", session.id, TAB)
    with pytest.raises(FailedPrecondition) as closing_anchor:
        core.close_tab("alpha", anchor.id)
    assert closing_anchor.value.reason is ErrorReason.ANCHOR_TAB
    core.focus_tab("alpha", anchor.id)
    assert session.focused_tab_id == anchor.id
    assert core.workspace("agent-1").focused_id == "home-agent-1"
    core.close_tab("alpha", second.id)
    assert list(session.tabs) == [anchor.id]


def test_r6_the_agent_cannot_close_a_tab_opened_as_not_closable() -> None:
    core, _ = make_core()
    session = core.create_session("alpha", "agent-1", title="A", anchor_tab=TAB)
    pinned = core.create_tab("alpha", session.id, TabSpec("Pinned", 2, "p", can_close=False))
    with pytest.raises(FailedPrecondition) as refused:
        core.agent_close_tab("agent-1", pinned.id)
    assert refused.value.reason is ErrorReason.TAB_NOT_CLOSABLE


def test_r7_attention_never_moves_focus_coalesces_and_clears_on_switch() -> None:
    core, clock = make_core(attention_cooldown_seconds=10.0)
    session = core.create_session("alpha", "agent-1", title="A")
    core.take_deliveries()
    clock.advance(11)
    first = core.request_focus_session("alpha", session.id, 2)
    second = core.request_focus_session("alpha", session.id, 5)
    assert (first.alerted, second.alerted, second.unread_count) == (True, False, 5)
    alerts = [
        d for d in core.take_deliveries() if isinstance(d, ev.ToAgent) and isinstance(d.payload, apb.AttentionAlert)
    ]
    assert len(alerts) == 1
    clock.advance(10)
    assert core.request_focus_session("alpha", session.id, 6).alerted
    assert core.workspace("agent-1").focused_id == "home-agent-1"
    core.switch_session("agent-1", session.id)
    assert (session.attention, session.unread_count) == (False, 0)
    assert core.request_focus_session("alpha", session.id, 1).already_focused


def test_r8_panel_belongs_to_the_active_provider() -> None:
    core, _ = make_core()
    assert core.active_provider("agent-1") == "alpha"  # Home: lowest channel order
    with pytest.raises(NotActiveProvider):
        core.set_panel_mode("agent-1", PanelMode.HIDDEN, provider="beta")
    core.create_session("beta", "agent-1", title="B", consent_notification_id=accepted(core, "beta"))
    assert core.active_provider("agent-1") == "beta"
    assert core.set_panel_width("agent-1", 320, provider="beta") == 320
    with pytest.raises(InvalidArgument) as narrow:
        core.set_panel_width("agent-1", 299, provider="beta")
    assert narrow.value.field == "width"


def test_closing_the_focused_session_returns_focus_to_the_most_recent_one() -> None:
    core, _ = make_core()
    a = core.create_session("alpha", "agent-1", title="A", consent_notification_id=accepted(core, "alpha"))
    b = core.create_session("beta", "agent-1", title="B", consent_notification_id=accepted(core, "beta"))
    assert core.close_session("agent-1", b.id) == a.id
    assert core.close_session("agent-1", a.id) == "home-agent-1"


def test_toasts_time_out_on_the_clock_and_accept_only_toasts_refuse_reject() -> None:
    core, clock = make_core()
    toast = core.notify("alpha", "agent-1", ToastSpec(title="Brief", timeout_seconds=5, hide_reject=True))
    with pytest.raises(InvalidArgument):
        core.respond_to_notification("agent-1", toast.id, NotificationAction.REJECT)
    clock.advance(4.9)
    assert core.expire_due() == []
    clock.advance(0.2)
    assert core.expire_due() == [toast]
    assert (toast.action, toast.reason) == (NotificationAction.TIMEOUT, NotificationReason.DISPLAY_TIMEOUT)
    with pytest.raises(FailedPrecondition):
        core.respond_to_notification("agent-1", toast.id, NotificationAction.ACCEPT)


def test_an_agent_cannot_answer_another_agents_toast() -> None:
    core, _ = make_core()
    toast = core.notify("alpha", "agent-1", ToastSpec(title="Offer"))
    with pytest.raises(NotFound):
        core.respond_to_notification("agent-2", toast.id, NotificationAction.ACCEPT)


def test_a_failed_command_routes_nothing() -> None:
    core, _ = make_core(max_tabs=1)
    session = core.create_session("alpha", "agent-1", title="A", anchor_tab=TAB)
    core.take_deliveries()
    with pytest.raises(LimitReached):
        core.create_tab("alpha", session.id, TAB)
    assert core.take_deliveries() == [] and len(session.tabs) == 1
