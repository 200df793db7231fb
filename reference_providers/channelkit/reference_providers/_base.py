"""What the three reference providers share: settings, the traffic simulator, consent-first offers.

Every contact goes the same way: a toast first (consent), a session only when
the agent accepts, and a customer who is told when there is no room. Work that
outlives a handler (a ringing toast, a customer typing) runs in tasks the
provider owns and cancels in ``on_stop``, so handlers return at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Coroutine
from collections.abc import Mapping
from typing import Any
from typing import ClassVar

from channelkit.reference_providers._directory import CUSTOMERS
from channelkit.reference_providers._directory import Customer
from channelkit.reference_providers._directory import lookup
from channelkit.reference_providers._directory import unknown
from channelkit.reference_providers._settings import TrafficSettings
from channelkit.reference_providers._settings import parse
from channelkit.sdk import Host
from channelkit.sdk import NotificationOutcome
from channelkit.sdk import Provider
from channelkit.sdk import Session
from channelkit.sdk import events
from channelkit.sdk.errors import LimitReached
from channelkit.sdk.errors import NotFound


class ReferenceProvider(Provider):
    """Base of the telephony, SMS and chat reference providers."""

    settings_model: ClassVar[type[TrafficSettings]] = TrafficSettings
    inbound_kind: ClassVar[str]
    """The ``ExternalEvent.kind`` that means "a customer contacts us" (``channelkit simulate``)."""

    def __init__(self) -> None:
        self.log = logging.getLogger(f"channelkit.reference_providers.{self.name}")
        self._tasks: set[asyncio.Task[Any]] = set()
        self.agent_names: dict[str, str] = {}

    # --- lifecycle ---------------------------------------------------------------------------------

    async def on_start(self, host: Host) -> None:
        """Read the parameters and, with ``traffic`` on, start one arrival stream per agent."""
        self.host = host
        self.settings = parse(self.settings_model, host.provider.parameters, self.name)
        self.rng = random.Random(f"{self.settings.seed}:{self.name}")
        self.agent_names = {a.id: a.display_name or a.id for a in host.agents}
        if self.settings.traffic:
            for agent in host.agents:
                self.spawn(self._arrivals(agent.id))

    async def on_stop(self) -> None:
        """Cancel every task the provider started and wait for them to finish."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def spawn(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run ``work`` as a task the provider owns; an exception in it is logged, never lost."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.log.error("%s: background task failed", self.name, exc_info=task.exception())

    # --- traffic -------------------------------------------------------------------------------------

    async def _arrivals(self, agent_id: str) -> None:
        """The first customer shortly after start (so a demo shows something at once), then at random."""
        rate = self.settings.per_minute / 60.0
        delay = self.rng.uniform(0.2, 2.0)
        arrived = 0
        while not self.settings.arrivals or arrived < self.settings.arrivals:
            await asyncio.sleep(delay)
            self.spawn(self.arrive(agent_id, self.rng.choice(CUSTOMERS), simulated=True))
            arrived += 1
            delay = self.rng.expovariate(rate)

    async def arrive(self, agent_id: str, customer: Customer, *, simulated: bool, text: str = "") -> None:
        """A customer contacts the agent (``text`` is their first message, where the channel has one)."""
        raise NotImplementedError

    async def on_external_event(self, event: events.ExternalEvent) -> None:
        """``channelkit simulate``: attributes ``from`` (a phone number), ``name`` and ``text``."""
        if event.kind != self.inbound_kind:
            self.log.warning("%s: ignoring external event of kind %r", self.name, event.kind)
            return
        self.spawn(self.arrive(event.agent_id, customer_from(event.attributes), simulated=False, text=_text(event)))

    def now(self) -> float:
        """The provider loop's monotonic clock, for call and idle timings."""
        return asyncio.get_running_loop().time()

    def customer_pause(self) -> float:
        """How long a simulated customer takes to answer."""
        return self.rng.uniform(0.5, 1.5) * self.settings.reply_seconds

    # --- consent first ---------------------------------------------------------------------------------

    async def offer(
        self, agent_id: str, template: str, customer: Customer, *, correlation_id: str, **extra: str
    ) -> NotificationOutcome | None:
        """Show the toast ``template`` about ``customer`` unless the workspace is full (``None``: no room)."""
        room = await self.host.can_create_session(agent_id)
        if not room.allowed:
            return None
        return await self.host.notify_event(
            agent_id,
            template=template,
            parameters={**customer_parameters(customer), **extra},
            cancellation_token=correlation_id,
            correlation_id=correlation_id,
        )

    async def open_session(
        self,
        agent_id: str,
        outcome: NotificationOutcome,
        template: str,
        customer: Customer,
        *,
        correlation_id: str,
        context: Mapping[str, str],
    ) -> Session | None:
        """Create the accepted contact's session from ``template``; ``None`` when the workspace filled up meanwhile."""
        try:
            return await self.host.create_session(
                agent_id,
                template=template,
                parameters=customer_parameters(customer),
                correlation_id=correlation_id,
                provider_session_id=correlation_id,
                consent_notification_id=outcome.notification_id,
                context=context,
            )
        except LimitReached as exc:
            self.log.info("%s: no room for %s: %s", self.name, correlation_id, exc.message)
            return None

    async def optional_tab(self, session_id: str, template: str, **parameters: str) -> None:
        """Open a tab the conversation can do without; at the tab limit it is skipped, not an error."""
        try:
            await self.host.create_tab(session_id, template=template, parameters=parameters)
        except LimitReached as exc:
            self.log.info("%s: skipped tab %r: %s", self.name, template, exc.message)

    async def log_event(self, agent_id: str, name: str, reason: str, correlation_id: str, **attributes: object) -> None:
        """Write one analytics event, tied to the toast and session by ``correlation_id``."""
        await self.host.log_analytics_event(
            agent_id,
            name,
            reason=reason,
            correlation_id=correlation_id,
            attributes={k: str(v) for k, v in attributes.items()},
        )

    def agent_name(self, agent_id: str) -> str:
        """The agent's display name, for transcript entries the agent writes."""
        return self.agent_names.get(agent_id, agent_id)


async def unless_gone(work: Coroutine[Any, Any, Any]) -> None:
    """Run a call about a session the agent may have closed meanwhile; a closed session is not an error."""
    with contextlib.suppress(NotFound):
        await work


def customer_parameters(customer: Customer) -> dict[str, str]:
    """What the reference templates read about a customer."""
    return {"name": customer.name, "phone": customer.phone, "topic": customer.topic, "contact_id": customer.contact_id}


def customer_from(attributes: Mapping[str, str]) -> Customer:
    """The customer an injected event names: by ``from`` number, else a random-free stand-in."""
    phone = attributes.get("from", "")
    known = lookup(phone)
    if known is not None:
        return known
    stand_in = unknown(phone or "+15550100199")
    name = attributes.get("name")
    return stand_in if not name else Customer("", name, stand_in.phone, stand_in.topic, stand_in.lines)


def _text(event: events.ExternalEvent) -> str:
    return event.attributes.get("text", "")
