"""Providers whose presence handler raises, calls sys.exit, blocks its thread, or awaits forever."""

from __future__ import annotations

import asyncio
import sys
import time

from channelkit.sdk import Provider
from channelkit.sdk import ProviderRegistry
from channelkit.sdk import events
from channelkit.sdk import hookimpl


class Raiser(Provider):
    name = "faulty-raiser"
    channel = "chat"

    async def on_presence_changed(self, event: events.PresenceChanged) -> None:
        raise RuntimeError(f"cannot handle presence {event.presence}")


class Exiter(Provider):
    name = "faulty-exiter"
    channel = "chat"

    async def on_presence_changed(self, event: events.PresenceChanged) -> None:
        sys.exit(3)


class Blocker(Provider):
    name = "faulty-blocker"
    channel = "chat"

    async def on_presence_changed(self, event: events.PresenceChanged) -> None:
        time.sleep(20)  # noqa: ASYNC251 - on purpose: a synchronous call that does not come back in time: blocks its thread


class Hanger(Provider):
    name = "faulty-hanger"
    channel = "chat"

    async def on_presence_changed(self, event: events.PresenceChanged) -> None:
        await asyncio.Event().wait()  # never set


@hookimpl
def channelkit_register_providers(registry: ProviderRegistry) -> None:
    for provider in (Raiser, Exiter, Blocker, Hanger):
        registry.add(provider)
