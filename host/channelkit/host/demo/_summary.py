"""The demo's closing summary: per provider from HostService.ListProviders, plus the agent's own count."""

from __future__ import annotations

from dataclasses import dataclass

from channelkit.host.demo._agent import AgentStats
from channelkit.v1 import host_service_pb2 as pb

COLUMNS = (
    ("offered", "offered"),
    ("accepted", "accepted"),
    ("rejected", "rejected"),
    ("timed out", "timed_out"),
    ("opened", "sessions_opened"),
    ("closed", "sessions_closed"),
    ("attention", "attention_requests"),
    ("events", "events_delivered"),
)


@dataclass(frozen=True)
class ProviderLine:
    """One provider's row."""

    name: str
    attachment: str
    counters: pb.ProviderCounters
    errors: int


def provider_lines(status: pb.ListProvidersResponse, process_errors: dict[str, int]) -> list[ProviderLine]:
    """A row per provider: the host's counters, errors including those its own process logged."""
    lines = []
    for provider in status.providers:
        remote = provider.attachment == pb.PROVIDER_ATTACHMENT_REMOTE
        errors = provider.counters.errors + provider.faults + process_errors.get(provider.name, 0)
        lines.append(ProviderLine(provider.name, "remote" if remote else "in-process", provider.counters, errors))
    return lines


def render(lines: list[ProviderLine], agent: AgentStats | None, header: str) -> str:
    """The summary as a plain table."""
    head = f"{'provider':<12}{'':<12}" + "".join(f"{title:>10}" for title, _ in COLUMNS) + f"{'errors':>8}"
    rows = [header, head]
    for line in lines:
        values = "".join(f"{getattr(line.counters, key):>10}" for _, key in COLUMNS)
        rows.append(f"{line.name:<12}{line.attachment:<12}{values}{line.errors:>8}")
    if agent is not None:
        rows.append(
            f"auto-agent: accepted {agent.accepted}, rejected {agent.rejected}, let {agent.ignored} time out; "
            f"{agent.replies} replies, {agent.buttons} buttons, {agent.switches} switches, "
            f"{agent.outbound} outbound calls, {agent.closed} sessions closed; "
            f"{agent.stale} stale-view retries; {len(agent.errors)} errors"
        )
        rows += [f"  agent error: {e}" for e in agent.errors]
    return "\n".join(rows)


def total_errors(lines: list[ProviderLine], agent: AgentStats | None) -> int:
    """Every error of the run."""
    return sum(line.errors for line in lines) + (len(agent.errors) if agent else 0)
