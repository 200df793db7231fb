"""Channel analytics: a scripted shift on a manual clock, its JSON Lines file and the exact report."""

from __future__ import annotations

import json
from collections.abc import Awaitable
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from channelkit.host._runtime import HostRuntime
from channelkit.host._runtime import Scope
from channelkit.host.analytics._jsonl import JsonLinesOptions
from channelkit.host.analytics._jsonl import JsonLinesSink
from channelkit.host.cli import main
from channelkit.host.config import parse_config
from channelkit.host.core import ManualClock
from channelkit.host.core import ToastSpec
from channelkit.sdk import NotificationAction as Action
from channelkit.sdk.analytics import AnalyticsEvent
from tests._support import make_config

AGENT = "agent-1"
T = TypeVar("T")


def _runtime(tmp_path: Path, **sink: object) -> tuple[HostRuntime, ManualClock, Path]:
    config, _ = make_config()
    data = config.model_dump()
    data["providers"][1]["enable_analytics"] = False  # beta (sms) records nothing
    clock = ManualClock()
    path = tmp_path / "analytics.jsonl"
    jsonl = JsonLinesSink(JsonLinesOptions.model_validate({"path": str(path), **sink}))
    return HostRuntime(parse_config(data, "test"), clock, sinks=[jsonl]), clock, path


async def _apply(runtime: HostRuntime, command: Callable[[], T]) -> T:
    """One command through the runtime's only doorway, as a servicer runs it."""
    return await runtime.run(Scope(agent=AGENT), command, lambda result: result)


async def _accept_after(runtime: HostRuntime, clock: ManualClock, seconds: float, provider: str = "alpha") -> str:
    toast = await _apply(runtime, lambda: runtime.core.notify(provider, AGENT, ToastSpec(title="Offer")))
    clock.advance(seconds)
    await _apply(runtime, lambda: runtime.core.respond_to_notification(AGENT, toast.id, Action.ACCEPT))
    return toast.id


async def _scripted_shift(runtime: HostRuntime, clock: ManualClock) -> None:
    core = runtime.core
    await runtime.open()

    def apply(command: Callable[[], T]) -> Awaitable[T]:
        return _apply(runtime, command)

    consent = await _accept_after(runtime, clock, 4)
    first = await apply(lambda: core.create_session("alpha", AGENT, title="S1", consent_notification_id=consent))
    clock.advance(1)  # t=5
    declined = await apply(lambda: core.notify("alpha", AGENT, ToastSpec(title="Offer")))
    clock.advance(5)  # t=10
    await apply(lambda: core.respond_to_notification(AGENT, declined.id, Action.REJECT))
    await apply(lambda: core.notify("alpha", AGENT, ToastSpec(title="Offer", timeout_seconds=20)))
    clock.advance(20)  # t=30
    await apply(core.expire_due)
    consent = await _accept_after(runtime, clock, 1)  # t=31
    second = await apply(lambda: core.create_session("alpha", AGENT, title="S2", consent_notification_id=consent))
    await apply(
        lambda: core.log_analytics_event(
            "alpha",
            AGENT,
            session_id=second.id,
            name="CallHold",
            reason="Hold",
            occurred_at=None,
            attributes={"line": "2"},
            correlation_id="",
        )
    )
    clock.advance(9)  # t=40
    await apply(lambda: core.request_focus_session("alpha", first.id, 3))
    clock.advance(6)  # t=46
    await apply(lambda: core.switch_session(AGENT, first.id))
    clock.advance(18)  # t=64
    await apply(lambda: core.close_session(AGENT, first.id))
    clock.advance(10)  # t=74
    await apply(lambda: core.close_session(AGENT, second.id))
    quiet = await _accept_after(runtime, clock, 2, provider="beta")
    await apply(lambda: core.create_session("beta", AGENT, title="Q", consent_notification_id=quiet))
    await apply(
        lambda: core.log_analytics_event(
            "beta", AGENT, session_id="", name="Ignored", reason="", occurred_at=None, attributes={}, correlation_id=""
        )
    )
    await runtime.shutdown()


async def test_a_scripted_shift_produces_exactly_the_expected_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runtime, clock, path = _runtime(tmp_path)
    await _scripted_shift(runtime, clock)

    lines = [AnalyticsEvent.model_validate_json(line) for line in path.read_text().splitlines()]
    assert {e.provider for e in lines} == {"alpha"}, "beta has analytics off"
    custom = [e for e in lines if e.kind == "custom"]
    assert [(e.name, e.reason, e.attributes, e.channel) for e in custom] == [
        ("CallHold", "Hold", {"line": "2"}, "telephony")
    ]
    assert custom[0].session_id and custom[0].session_id == next(
        e.session_id for e in lines if e.name == "SessionStarted" and e.timestamp == custom[0].timestamp
    )

    assert main(["analytics", "report", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["events"] == len(lines)
    assert list(report["by_channel"]) == ["telephony"] and list(report["by_provider"]) == ["alpha"]
    assert report["by_provider"]["alpha"] == {
        "offered": 4,
        "accepted": 2,
        "rejected": 1,
        "timed_out": 1,
        "cancelled": 0,
        "accept_median_seconds": 2.5,
        "accept_p90_seconds": 4.0,
        "sessions_closed": 2,
        "sessions_open": 0,
        "session_median_seconds": 51.5,
        "focused_share": round(70 / 103, 4),
        "attention_requests": 1,
        "switch_median_seconds": 6.0,
    }
    assert main(["analytics", "report", str(path)]) == 0
    table = capsys.readouterr().out
    assert "telephony" in table and "alpha" in table and "68%" in table


async def test_rotated_files_are_read_together_and_a_bad_line_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runtime, clock, path = _runtime(tmp_path, max_bytes=2048, backup_count=50)
    await _scripted_shift(runtime, clock)
    files = sorted(tmp_path.glob("analytics.jsonl*"))
    assert len(files) > 2, "the small max_bytes rotates the file"
    assert main(["analytics", "report", "--json", *map(str, files)]) == 0
    assert json.loads(capsys.readouterr().out)["by_provider"]["alpha"]["offered"] == 4
    broken = tmp_path / "broken.jsonl"
    broken.write_text(path.read_text().splitlines()[0] + "\n{not json}\n")
    assert main(["analytics", "report", str(broken)]) == 2
    assert f"{broken}:2: not an analytics event" in capsys.readouterr().err


async def test_a_failing_sink_neither_stops_the_host_nor_the_other_sinks(tmp_path: Path) -> None:
    class Broken:
        def write(self, event: AnalyticsEvent) -> None:
            raise OSError("disk full")

        def close(self) -> None:
            raise OSError("still full")

    runtime, clock, _ = _runtime(tmp_path)
    runtime.analytics.sinks.insert(0, Broken())
    runtime.analytics.failures.insert(0, 0)
    await _scripted_shift(runtime, clock)
    assert runtime.analytics.failures[0] > 0
    assert any(e.name == "SessionClosed" for e in runtime.analytics.memory.events)
