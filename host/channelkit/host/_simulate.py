"""``channelkit simulate call|sms|chat``: one specific contact, injected into a running host.

The event travels through HostService.InjectEvent to the provider's own
ordered event stream, so it works the same for in-process and remote
providers. The reference providers understand the kinds ``call``, ``sms``
and ``chat``; a vendor's provider may document kinds of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

import grpc

from channelkit.host._admin_client import AdminClient
from channelkit.host._admin_client import read_token
from channelkit.sdk.errors import ChannelkitError

KINDS = {"call": "telephony", "sms": "sms", "chat": "chat"}
DEFAULT_FROM = "+15550100101"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``simulate`` with the CLI."""
    simulate = commands.add_parser(
        "simulate",
        help="inject one inbound call, SMS or chat into a running host",
        description="Deliver one simulated contact to a provider of a running host (HostService.InjectEvent).",
    )
    simulate.add_argument("kind", choices=sorted(KINDS), help="what the customer does")
    simulate.add_argument("--to", required=True, metavar="AGENT", help="the agent whose workspace gets it")
    simulate.add_argument("--from", dest="sender", default=DEFAULT_FROM, metavar="NUMBER", help="customer number")
    simulate.add_argument("--name", default="", help="customer name (the directory's name for a known number)")
    simulate.add_argument("--text", default="", help="the message (sms, chat); a scripted line when empty")
    simulate.add_argument("--provider", default="", metavar="NAME", help="deliver to this provider instead")
    simulate.add_argument("--host", default="127.0.0.1:50051", metavar="HOST:PORT", help="the host's gRPC address")
    simulate.add_argument("--token-file", metavar="FILE", help="admin token file (or $CHANNELKIT_ADMIN_TOKEN)")
    simulate.set_defaults(run=run)


def run(options: argparse.Namespace) -> int:
    """Inject the event; 0 when delivered, 1 when the host refused or cannot be reached, 2 for no token."""
    return asyncio.run(_inject(options, read_token(options.token_file)))


async def _inject(options: argparse.Namespace, token: str) -> int:
    provider = options.provider or KINDS[options.kind]
    attributes = {"from": options.sender}
    if options.name:
        attributes["name"] = options.name
    if options.text:
        attributes["text"] = options.text
    async with grpc.aio.insecure_channel(options.host) as channel:
        try:
            seq = await AdminClient(channel, token).inject(provider, options.to, options.kind, attributes)
        except ChannelkitError as exc:
            print(f"error: {exc.reason}: {exc.message}", file=sys.stderr)
            return 1
    print(f"delivered {options.kind} from {options.sender} to {provider} for {options.to} (seq {seq})")
    return 0
