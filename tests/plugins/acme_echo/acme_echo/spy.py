"""A provider that records every event it receives, to prove it receives only its own.

With the provider parameter ``record_to`` (a file path) it appends one JSON line per event, so a
test can read what a remote spy saw. On start it opens one session of its own per agent (recorded
as "OwnSession"), so it has something of its own to hear about. With ``fail_on`` (comma-separated
presences) its presence handler raises after recording those, to show a faulty handler's event still
counts as processed.
"""

from __future__ import annotations

import json
from pathlib import Path

from channelkit.sdk import Host
from channelkit.sdk import Provider
from channelkit.sdk import ProviderRegistry
from channelkit.sdk import events
from channelkit.sdk import hookimpl


class Spy(Provider):
    """Writes down everything it is told."""

    name = "acme-spy"
    channel = "chat"
    channel_order = 900

    async def on_start(self, host: Host) -> None:
        self.host = host
        self.seen: list[events.Event] = []
        target = host.provider.parameters.get("record_to")
        self.record_to = Path(target) if target else None
        self.fail_on = {p for p in host.provider.parameters.get("fail_on", "").split(",") if p}
        for agent in host.agents:
            session = await host.create_session(agent.id, title="Spy notes")
            self._write({"kind": "OwnSession", "session_id": session.id, "agent_id": agent.id})

    def _record(self, event: events.Event) -> None:
        self.seen.append(event)
        self._write({"kind": type(event).__name__, **event.model_dump(mode="json")})

    def _write(self, entry: dict[str, object]) -> None:
        if self.record_to is not None:
            with self.record_to.open("a", encoding="utf-8") as out:
                out.write(json.dumps(entry) + "\n")

    async def on_presence_changed(self, event: events.PresenceChanged) -> None:
        self._record(event)
        if event.presence in self.fail_on:
            raise RuntimeError(f"the spy was told to fail on {event.presence}")

    async def _record_any(self, event: events.Event) -> None:
        self._record(event)


# Every other kind of event is only written down.
for _event in events.Event.by_payload.values():
    if _event.handler != "on_presence_changed":
        setattr(Spy, _event.handler, Spy._record_any)


@hookimpl
def channelkit_register_providers(registry: ProviderRegistry) -> None:
    registry.add(Spy)
