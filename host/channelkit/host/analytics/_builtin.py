"""The host's own plugin: offers the built-in analytics sink kinds like any plugin would."""

from __future__ import annotations

from channelkit.host.analytics._jsonl import JsonLinesSink
from channelkit.sdk import hookimpl
from channelkit.sdk.analytics import AnalyticsSinkRegistry


@hookimpl
def channelkit_register_analytics_sinks(sinks: AnalyticsSinkRegistry) -> None:
    """Offer ``jsonl``: a rotating JSON Lines file (options ``path``, ``max_bytes``, ``backup_count``)."""
    sinks.add("jsonl", JsonLinesSink.from_options)
