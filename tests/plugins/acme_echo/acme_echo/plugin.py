"""Acme Echo: offers a chat when the agent clicks a number, and reacts to what the agent does.

Scenario (observable through the agent's workspace, so it reads the same in-process and remote):
click-to-act "+1555…" → toast "Chat request" → accepted → focused session "Chat with +1555…"
with an anchor tab → presence set to Busy → session retitled "… (agent Busy)" → session closed
→ presence set back to Available.
"""

from __future__ import annotations

import asyncio

from channelkit.sdk import Host
from channelkit.sdk import NotificationField
from channelkit.sdk import Provider
from channelkit.sdk import ProviderRegistry
from channelkit.sdk import TabSpec
from channelkit.sdk import events
from channelkit.sdk import hookimpl


class AcmeEcho(Provider):
    """Opens a chat session for each number the agent clicks, once the agent accepts."""

    name = "acme-echo"
    channel = "chat"
    click_to_act = True
    channel_order = 5

    async def on_start(self, host: Host) -> None:
        self.host = host
        self.titles: dict[str, str] = {}
        self.tasks: set[asyncio.Task[None]] = set()

    async def on_click_to_act(self, event: events.ClickToAct) -> None:
        # The toast waits for the agent: run it as a task so this handler returns at once.
        task = asyncio.create_task(self.offer(event.agent_id, event.value))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def offer(self, agent_id: str, number: str) -> None:
        outcome = await self.host.notify_event(
            agent_id, title="Chat request", fields=[NotificationField(header="From", value=number)]
        )
        if not outcome.accepted:
            return
        session = await self.host.create_session(
            agent_id,
            title=f"Chat with {number}",
            consent_notification_id=outcome.notification_id,
            anchor_tab=TabSpec(title="Conversation", target=f"https://chat.example/{number}"),
        )
        self.titles[session.id] = session.title

    async def on_presence_changed(self, event: events.PresenceChanged) -> None:
        if event.presence != "Busy":
            return
        for session_id, title in self.titles.items():
            await self.host.set_session_title(session_id, f"{title} (agent Busy)")

    async def on_session_closed(self, event: events.SessionClosed) -> None:
        self.titles.pop(event.session_id, None)
        await self.host.set_presence(event.agent_id, "Available")

    async def on_stop(self) -> None:
        for task in self.tasks:
            task.cancel()


@hookimpl
def channelkit_register_providers(registry: ProviderRegistry) -> None:
    registry.add(AcmeEcho)
