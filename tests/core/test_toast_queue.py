"""The workspace toast queue and consent, on a manual clock: nothing here sleeps."""

from __future__ import annotations

import pytest

from channelkit.host.core import Core
from channelkit.host.core import Notification
from channelkit.host.core import TemplateCall
from channelkit.host.core import TemplateCatalog
from channelkit.host.core import ToastSpec
from channelkit.host.core import events as ev
from channelkit.sdk import NotificationAction as Action
from channelkit.sdk import NotificationReason as Reason
from channelkit.sdk.errors import ConsentRequired
from channelkit.sdk.errors import NotificationNotFound
from channelkit.sdk.templates import NotificationTemplate
from channelkit.v1 import provider_service_pb2 as ppb
from tests.core._fixtures import accepted
from tests.core._fixtures import make_core


def _offer(core: Core, provider: str = "alpha", title: str = "Offer", **spec: object) -> Notification:
    return core.notify(provider, "agent-1", ToastSpec(title=title, **spec))  # type: ignore[arg-type]


def _shown(core: Core) -> Notification | None:
    return core.workspace("agent-1").shown


def _outcome(toast: Notification) -> tuple[Action | None, Reason | None]:
    return toast.action, toast.reason


def test_one_toast_is_shown_and_the_rest_wait_in_arrival_order_across_providers() -> None:
    core, _ = make_core()
    first, second, third = _offer(core, "alpha", "1"), _offer(core, "beta", "2"), _offer(core, "alpha", "3")
    shown_to_agent = [
        d.payload.notification.id
        for d in core.take_deliveries()
        if isinstance(d, ev.ToAgent) and isinstance(d.payload, ev.NotificationShown)
    ]
    assert shown_to_agent == [first.id] and _shown(core) is first
    with pytest.raises(NotificationNotFound):
        core.respond_to_notification("agent-1", second.id, Action.ACCEPT)  # waiting toasts are not the agent's yet
    order = []
    for _ in range(3):
        toast = _shown(core)
        assert toast is not None
        order.append(toast.id)
        core.respond_to_notification("agent-1", toast.id, Action.ACCEPT)
    assert order == [first.id, second.id, third.id] and _shown(core) is None


def test_a_full_queue_rejects_at_once() -> None:
    core, _ = make_core(toast_queue_limit=3)
    shown = _offer(core)
    waiting = [_offer(core, "beta") for _ in range(3)]
    refused = _offer(core, "gamma")
    assert _outcome(refused) == (Action.REJECT, Reason.QUEUE_LIMIT_EXCEEDED)
    assert all(t.action is None for t in [shown, *waiting])
    deliveries = core.take_deliveries()
    told = [d.payload for d in deliveries if isinstance(d, ev.ToProvider) and d.provider == "gamma"]
    assert [type(p) for p in told] == [ppb.NotificationResolved]
    assert not any(
        isinstance(d, ev.ToAgent) and getattr(d.payload, "notification_id", "") == refused.id for d in deliveries
    )


def test_waiting_too_long_rejects_but_a_shown_toast_gets_its_whole_timeout() -> None:
    core, clock = make_core(toast_queue_seconds=30.0)
    shown = _offer(core, timeout_seconds=100)
    early = _offer(core, "beta", timeout_seconds=20)
    clock.advance(29.9)
    core.expire_due()
    assert early.action is None
    late = _offer(core, "gamma", timeout_seconds=20)
    clock.advance(0.1)
    assert core.expire_due() == [early]
    assert _outcome(early) == (Action.REJECT, Reason.QUEUE_TIME_LIMIT_EXCEEDED)
    assert shown.action is None and late.action is None
    core.respond_to_notification("agent-1", shown.id, Action.REJECT)
    assert _shown(core) is late  # waited 0.1 s, now shown for its full 20 s
    clock.advance(19.9)
    assert core.expire_due() == []
    clock.advance(0.1)
    assert core.expire_due() == [late] and _outcome(late) == (Action.TIMEOUT, Reason.DISPLAY_TIMEOUT)


def test_the_next_deadline_covers_shown_waiting_and_the_gap() -> None:
    core, clock = make_core(toast_queue_seconds=30.0, toast_gap_seconds=2.0)
    start = clock.time()
    assert core.toast_deadline("agent-1") is None
    shown = _offer(core, timeout_seconds=10)
    _offer(core, "beta")
    assert core.toast_deadline("agent-1") == start + 10.0
    clock.advance(4)
    core.respond_to_notification("agent-1", shown.id, Action.ACCEPT)
    assert _shown(core) is None and core.toast_deadline("agent-1") == start + 6.0  # the gap, then the next one shows
    clock.advance(2)
    core.expire_due()
    assert _shown(core) is not None and _shown(core).provider == "beta"  # type: ignore[union-attr]


def test_a_provider_cancels_its_own_waiting_or_shown_toast_only() -> None:
    core, _ = make_core()
    shown = _offer(core, cancellation_token="call-1")
    waiting = _offer(core, cancellation_token="call-2")
    with pytest.raises(NotificationNotFound):
        core.cancel_notification("beta", "call-2")
    core.cancel_notification("alpha", "call-2")
    assert _outcome(waiting) == (Action.CANCELLED, Reason.CANCELLED) and _shown(core) is shown
    core.cancel_notification("alpha", "call-1")
    assert _outcome(shown) == (Action.CANCELLED, Reason.CANCELLED) and _shown(core) is None


def test_auto_accept_keeps_its_place_and_accepts_when_its_turn_comes() -> None:
    catalog = TemplateCatalog(notifications=[NotificationTemplate(name="auto", title="Chat {n}", auto_accept=True)])
    core, _ = make_core(catalog)
    human = _offer(core)
    auto = core.notify("beta", "agent-1", ToastSpec(template=TemplateCall("auto", {"n": "7"})))
    after = _offer(core, "gamma")
    assert auto.action is None
    core.respond_to_notification("agent-1", human.id, Action.ACCEPT)
    assert _outcome(auto) == (Action.ACCEPT, Reason.AUTO_ACCEPT)
    assert _shown(core) is after
    session = core.create_session("beta", "agent-1", title="Chat 7", consent_notification_id=auto.id)
    assert core.workspace("agent-1").focused_id == session.id


def test_shutdown_cancels_waiting_then_shown_and_shows_nothing_new() -> None:
    core, _ = make_core()
    toasts = [_offer(core), _offer(core, "beta"), _offer(core, "gamma")]
    core.take_deliveries()
    assert core.cancel_all_pending() == [toasts[1], toasts[2], toasts[0]]
    assert all(_outcome(t) == (Action.CANCELLED, Reason.HOST_SHUTDOWN) for t in toasts)
    assert not any(
        isinstance(d, ev.ToAgent) and isinstance(d.payload, ev.NotificationShown) for d in core.take_deliveries()
    )


@pytest.mark.parametrize("consent", ["background", "required"])
def test_consent_from_another_provider_a_rejected_toast_or_a_used_one_gives_no_focus(consent: str) -> None:
    core, _ = make_core(consent=consent)
    home = core.workspace("agent-1").home_id
    foreign = accepted(core, "beta")
    rejected = _offer(core)
    core.respond_to_notification("agent-1", rejected.id, Action.REJECT)
    used = accepted(core, "alpha")
    first = core.create_session("alpha", "agent-1", title="first", consent_notification_id=used)
    core.switch_session("agent-1", home)
    for quoted in (foreign, rejected.id, used):
        if consent == "required":
            with pytest.raises(ConsentRequired):
                core.create_session("alpha", "agent-1", title="x", consent_notification_id=quoted)
        else:
            session = core.create_session("alpha", "agent-1", title="x", consent_notification_id=quoted)
            assert session.attention
        assert core.workspace("agent-1").focused_id == home
    assert first.id in core.workspace("agent-1").sessions
