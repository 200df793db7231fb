"""Reference SMS provider: one conversation per customer number, with delivery receipts.

A text from a number with no open conversation is offered as a toast; once
accepted, it and every later text from that number land in the same session's
transcript. Texts to a session the agent is not looking at ask for attention
with the unread count. The agent answers with "Send"; a delivery receipt
follows as a system entry. A text the agent does not take gets an automatic
reply, so the customer is never left without an answer.

Parameters: see :class:`~channelkit.reference_providers._settings.TrafficSettings`.
External event kind ``sms``: attributes ``from``, ``text`` and optionally ``name``.
"""

from __future__ import annotations

import asyncio
import uuid

from channelkit.reference_providers._base import unless_gone
from channelkit.reference_providers._directory import Customer
from channelkit.reference_providers._messaging import Conversation
from channelkit.reference_providers._messaging import MessagingProvider
from channelkit.reference_providers._templates import sms as sms_templates
from channelkit.sdk import NotificationOutcome
from channelkit.sdk import ProviderRegistry
from channelkit.sdk import events
from channelkit.sdk import hookimpl
from channelkit.sdk.templates import TemplateSet

RECEIPT_SECONDS = 0.3


class Sms(MessagingProvider):
    """Text messages, threaded by the customer's number."""

    name = "sms"
    channel = "sms"
    label = "SMS"
    channel_order = 20
    inbound_kind = "sms"

    def __init__(self) -> None:
        super().__init__()
        self.by_number: dict[tuple[str, str], Conversation] = {}
        """Conversations being offered or open, by (agent, customer number)."""

    async def arrive(self, agent_id: str, customer: Customer, *, simulated: bool, text: str = "") -> None:
        """A text arrives: into the customer's open conversation, or offered as a new one."""
        message = text or customer.lines[0]
        key = (agent_id, customer.phone)
        conversation = self.by_number.get(key)
        if conversation is not None:
            await self.customer_wrote(conversation, message)
            return
        conversation = Conversation(f"sms-{uuid.uuid4().hex[:12]}", agent_id, customer, simulated, waiting=[message])
        self.by_number[key] = conversation
        await self.offer_conversation(conversation)

    async def extra_tabs(self, conversation: Conversation) -> None:
        """The customer's CRM record, when the directory knows the number."""
        if conversation.customer.contact_id:
            await self.optional_tab(
                conversation.session_id, "sms.customer", contact_id=conversation.customer.contact_id
            )

    async def declined(self, conversation: Conversation, outcome: NotificationOutcome | None) -> None:
        """Not taken: the customer gets an automatic reply and the thread is logged."""
        self.by_number.pop((conversation.agent_id, conversation.customer.phone), None)
        reason = "Busy" if outcome is None else outcome.reason.name.title().replace("_", "")
        await self.log_event(
            conversation.agent_id,
            "SmsAutoReplied",
            reason,
            conversation.id,
            number=conversation.customer.phone,
            reply="Thanks for your message. An agent will text you back shortly.",
        )

    async def sent(self, conversation: Conversation, text: str) -> None:
        """A delivery receipt follows the agent's reply."""
        self.spawn(self._receipt(conversation))
        await super().sent(conversation, text)

    async def _receipt(self, conversation: Conversation) -> None:
        await asyncio.sleep(RECEIPT_SECONDS)
        await unless_gone(self.note(conversation, f"Delivered to {conversation.customer.phone}"))

    async def on_session_closed(self, event: events.SessionClosed) -> None:
        """The thread is over; the next text from the number starts a new one."""
        conversation = self.conversations.get(event.session_id)
        if conversation is not None:
            self.by_number.pop((conversation.agent_id, conversation.customer.phone), None)
        await super().on_session_closed(event)


@hookimpl
def channelkit_register_providers(registry: ProviderRegistry) -> None:
    """Register the SMS provider."""
    registry.add(Sms)


@hookimpl
def channelkit_default_templates() -> TemplateSet:
    """The sms conversation session and tabs and its toast (override any by name in the host configuration)."""
    return sms_templates()
