"""``channelkit analytics report FILE... [--json]``: the shift report from JSON Lines files."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from channelkit.host.analytics._report import build_report
from channelkit.host.analytics._report import read_events
from channelkit.host.analytics._report import render_table


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``channelkit analytics``."""
    analytics = commands.add_parser("analytics", help="channel analytics tools")
    tools = analytics.add_subparsers(dest="analytics_command", required=True)
    report = tools.add_parser(
        "report",
        help="offers, acceptance, session and attention figures per channel and provider",
        description="Read analytics JSON Lines files (the jsonl sink's file and its rotated .1, .2 … alike) and "
        "report per channel and per provider: offered, accepted, rejected, timed out, cancelled; median and p90 "
        "time to accept; median session duration; focused share; attention requests and the median time to switch.",
    )
    report.add_argument("files", nargs="+", metavar="FILE", type=Path, help="analytics .jsonl files")
    report.add_argument("--json", action="store_true", help="print the report as JSON")
    report.set_defaults(run=_report)


def _report(options: argparse.Namespace) -> int:
    """Print the report; an unreadable file raises ReportError, which ``channelkit`` answers with exit code 2."""
    report = build_report(read_events(options.files), [str(f) for f in options.files])
    print(json.dumps(report, indent=2) if options.json else render_table(report))
    return 0
