"""The shift report: per channel and per provider, from JSON Lines analytics files.

Definitions (``docs/analytics.md`` repeats them for readers of the report):

- *offered* counts ``NotificationReceived``; *accepted* counts
  ``NotificationAccepted`` and ``NotificationAutoAccepted``; *rejected*,
  *timed out* and *cancelled* count the other endings.
- *time to accept* runs from a toast's ``NotificationReceived`` to its
  acceptance (queue wait included); p90 is the nearest-rank percentile.
- *session duration* runs from ``SessionStarted`` to ``SessionClosed``; only
  closed sessions count, and sessions still open when the data ends are listed
  as open.
- *focused share* is the focused time of closed sessions over their duration.
- *attention requests* count ``AttentionRequested`` (explicit requests and
  sessions opened in the background); *time to switch* runs from the first
  request not yet answered to the next ``SessionFocusIn`` of that session.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from channelkit.sdk.analytics import AnalyticsEvent

_ACCEPTED = ("NotificationAccepted", "NotificationAutoAccepted")
_ENDINGS = {
    "NotificationRejected": "rejected",
    "NotificationTimedOut": "timed_out",
    "NotificationCancelled": "cancelled",
}


class ReportError(Exception):
    """A file cannot be read or holds a line that is not an analytics event (the message says where)."""


def read_events(paths: Iterable[Path]) -> list[AnalyticsEvent]:
    """Every event of the files, once each (by id), in time order."""
    seen: dict[str, AnalyticsEvent] = {}
    for path in paths:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ReportError(f"{path}: cannot read: {exc.strerror}") from None
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                event = AnalyticsEvent.model_validate_json(line)
            except ValidationError as exc:
                first = exc.errors(include_url=False)[0]
                where = ".".join(str(p) for p in first["loc"]) or "line"
                raise ReportError(f"{path}:{number}: not an analytics event: {where}: {first['msg']}") from None
            seen.setdefault(event.id, event)
    return sorted(seen.values(), key=lambda e: e.timestamp)


@dataclass
class _Session:
    started: datetime
    focused_since: datetime | None = None
    focused: float = 0.0

    def unfocus(self, at: datetime) -> None:
        if self.focused_since is not None:
            self.focused += (at - self.focused_since).total_seconds()
            self.focused_since = None


@dataclass
class Figures:
    """The numbers of one channel or provider."""

    offered: int = 0
    accepted: int = 0
    rejected: int = 0
    timed_out: int = 0
    cancelled: int = 0
    accept_seconds: list[float] = field(default_factory=list)
    session_seconds: list[float] = field(default_factory=list)
    focused_seconds: float = 0.0
    open_sessions: int = 0
    attention_requests: int = 0
    switch_seconds: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, float | int | None]:
        """The figures as the report shows them (seconds; None where there is nothing to measure)."""
        closed = sum(self.session_seconds)
        return {
            "offered": self.offered,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "timed_out": self.timed_out,
            "cancelled": self.cancelled,
            "accept_median_seconds": _median(self.accept_seconds),
            "accept_p90_seconds": _p90(self.accept_seconds),
            "sessions_closed": len(self.session_seconds),
            "sessions_open": self.open_sessions,
            "session_median_seconds": _median(self.session_seconds),
            "focused_share": round(self.focused_seconds / closed, 4) if closed > 0 else None,
            "attention_requests": self.attention_requests,
            "switch_median_seconds": _median(self.switch_seconds),
        }


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def _p90(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[math.ceil(0.9 * len(ordered)) - 1], 3)


def figures(events: Iterable[AnalyticsEvent]) -> Figures:
    """The figures of ``events`` (already in time order, all of one group)."""
    result = Figures()
    received: dict[str, datetime] = {}
    sessions: dict[str, _Session] = {}
    waiting_since: dict[str, datetime] = {}
    for event in events:
        name, at = event.name, event.timestamp
        if name == "NotificationReceived":
            result.offered += 1
            received[event.notification_id] = at
        elif name in _ACCEPTED:
            result.accepted += 1
            if event.notification_id in received:
                result.accept_seconds.append((at - received[event.notification_id]).total_seconds())
        elif name in _ENDINGS:
            setattr(result, _ENDINGS[name], getattr(result, _ENDINGS[name]) + 1)
        elif name == "SessionStarted":
            sessions[event.session_id] = _Session(started=at)
        elif name == "AttentionRequested":
            result.attention_requests += 1
            waiting_since.setdefault(event.session_id, at)
        elif name == "SessionFocusIn" and event.session_id in sessions:
            sessions[event.session_id].focused_since = at
            if event.session_id in waiting_since:
                result.switch_seconds.append((at - waiting_since.pop(event.session_id)).total_seconds())
        elif name == "SessionFocusOut" and event.session_id in sessions:
            sessions[event.session_id].unfocus(at)
        elif name == "SessionClosed" and event.session_id in sessions:
            session = sessions.pop(event.session_id)
            session.unfocus(at)
            waiting_since.pop(event.session_id, None)
            result.session_seconds.append((at - session.started).total_seconds())
            result.focused_seconds += session.focused
    result.open_sessions = len(sessions)
    return result


def _grouped(events: Sequence[AnalyticsEvent], key: Callable[[AnalyticsEvent], str]) -> dict[str, Figures]:
    groups: dict[str, list[AnalyticsEvent]] = {}
    for event in events:
        groups.setdefault(key(event), []).append(event)
    return {name: figures(group) for name, group in sorted(groups.items())}


def build_report(events: Sequence[AnalyticsEvent], files: Sequence[str] = ()) -> dict[str, object]:
    """The whole report as plain data (what ``--json`` prints)."""
    return {
        "files": list(files),
        "events": len(events),
        "from": events[0].timestamp.isoformat() if events else None,
        "to": events[-1].timestamp.isoformat() if events else None,
        "by_channel": {k: f.summary() for k, f in _grouped(events, lambda e: e.channel or "(none)").items()},
        "by_provider": {k: f.summary() for k, f in _grouped(events, lambda e: e.provider).items()},
    }


_COLUMNS = (
    ("offered", "offered", "{}"),
    ("accepted", "accepted", "{}"),
    ("rejected", "rejected", "{}"),
    ("timed_out", "timed out", "{}"),
    ("cancelled", "cancelled", "{}"),
    ("accept_median_seconds", "accept p50", "{:.1f}s"),
    ("accept_p90_seconds", "accept p90", "{:.1f}s"),
    ("sessions_closed", "closed", "{}"),
    ("sessions_open", "open", "{}"),
    ("session_median_seconds", "session p50", "{:.1f}s"),
    ("focused_share", "focused", "{:.0%}"),
    ("attention_requests", "attention", "{}"),
    ("switch_median_seconds", "switch p50", "{:.1f}s"),
)


def render_table(report: dict[str, object]) -> str:
    """The report as plain text tables, one row per channel and per provider."""
    lines = [f"channel analytics: {report['events']} events"]
    if report["from"]:
        lines[0] += f" from {report['from']} to {report['to']}"
    for title, key in (("channel", "by_channel"), ("provider", "by_provider")):
        groups = report[key]
        assert isinstance(groups, dict)
        header = [title] + [label for _, label, _ in _COLUMNS]
        rows = [[name] + [_cell(values[k], fmt) for k, _, fmt in _COLUMNS] for name, values in groups.items()]
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
        lines.append("")
        lines.append(
            "  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths, strict=True)))
        )
        for row in rows:
            lines.append(
                "  ".join(
                    c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
                )
            )
    return "\n".join(lines)


def _cell(value: object, fmt: str) -> str:
    return "-" if value is None else fmt.format(value)
