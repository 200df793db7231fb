"""Reference web-chat provider: concurrent chats with typing notices, End chat and idle timeout.

Each visitor's chat is offered as a toast and, once accepted, becomes its own
session with the conversation and the page the visitor is on. The visitor's
typing shows in the session context (``typing``) just before a message.
"End chat" closes the conversation for the visitor; a visitor silent for
``idle_seconds`` has left, and the chat ends with a system entry. Either way
the session stays until the agent closes it.

Parameters: see :class:`~channelkit.reference_providers._settings.ChatSettings`.
External event kind ``chat``: attributes ``from``, ``text`` and optionally ``name``.
"""

from __future__ import annotations

import asyncio
import uuid

from channelkit.reference_providers._base import unless_gone
from channelkit.reference_providers._directory import Customer
from channelkit.reference_providers._messaging import Conversation
from channelkit.reference_providers._messaging import MessagingProvider
from channelkit.reference_providers._settings import ChatSettings
from channelkit.reference_providers._templates import chat as chat_templates
from channelkit.sdk import NotificationOutcome
from channelkit.sdk import ProviderRegistry
from channelkit.sdk import SessionAction
from channelkit.sdk import hookimpl
from channelkit.sdk.templates import TemplateSet

END = "end"
TYPING_SECONDS = 0.8


class Chat(MessagingProvider):
    """Web chats: several at once, each its own session."""

    name = "chat"
    channel = "chat"
    label = "Web chat"
    channel_order = 30
    inbound_kind = "chat"
    settings_model = ChatSettings
    settings: ChatSettings

    async def arrive(self, agent_id: str, customer: Customer, *, simulated: bool, text: str = "") -> None:
        """A visitor writes: into their running chat with this agent, else a new chat is offered."""
        running = self._running_chat(agent_id, customer)
        if running is not None and text:
            await self.customer_wrote(running, text)
            return
        first = text or customer.lines[0]
        conversation = Conversation(f"chat-{uuid.uuid4().hex[:12]}", agent_id, customer, simulated, waiting=[first])
        await self.offer_conversation(conversation)

    def _running_chat(self, agent_id: str, customer: Customer) -> Conversation | None:
        for conversation in self.conversations.values():
            if (conversation.agent_id, conversation.customer.phone) == (
                agent_id,
                customer.phone,
            ) and not conversation.ended:
                return conversation
        return None

    def toast_fields(self, conversation: Conversation) -> list[tuple[str, str]]:
        """Visitor, topic and first message."""
        first = conversation.waiting[0] if conversation.waiting else ""
        return [("Visitor", conversation.customer.name), ("Topic", conversation.customer.topic), ("Message", first)]

    def actions(self, conversation: Conversation) -> list[SessionAction]:
        """Send and End chat while the chat runs; nothing once it ended."""
        if conversation.ended:
            return []
        return [*super().actions(conversation), SessionAction(id=END, label="End chat")]

    async def extra_tabs(self, conversation: Conversation) -> None:
        """The page the visitor is on."""
        topic = conversation.customer.topic.lower().replace(" ", "-") or "home"
        await self.optional_tab(conversation.session_id, "chat.visitor_page", page=topic)

    async def declined(self, conversation: Conversation, outcome: NotificationOutcome | None) -> None:
        """Not taken: the visitor sees the offline form, and it is logged."""
        reason = "Busy" if outcome is None else outcome.reason.name.title().replace("_", "")
        await self.log_event(conversation.agent_id, "ChatNotTaken", reason, conversation.id, told="offline form shown")

    async def opened(self, conversation: Conversation) -> None:
        """Watch for a visitor who leaves."""
        if self.settings.idle_seconds:
            self.spawn(self._idle_watch(conversation))

    async def customer_wrote(self, conversation: Conversation, text: str) -> None:
        """A visitor's message, preceded by a typing notice when the session is open."""
        if conversation.session_id and not conversation.ended:
            await self.host.update_session_context(conversation.session_id, set_entries={"typing": "true"})
            await asyncio.sleep(TYPING_SECONDS)
            await self.host.update_session_context(conversation.session_id, remove=["typing"])
            if not _running(conversation):  # the chat ended while the visitor typed: the message is not sent
                return
        await super().customer_wrote(conversation, text)

    async def other_action(self, conversation: Conversation, action_id: str) -> None:
        """End chat."""
        if action_id == END:
            await self._end(conversation, "Chat ended by the agent.", "EndedByAgent")
        else:
            await super().other_action(conversation, action_id)

    async def _idle_watch(self, conversation: Conversation) -> None:
        idle = self.settings.idle_seconds
        while not conversation.ended and conversation.session_id in self.conversations:
            silent = self.now() - conversation.last_customer_at
            if silent >= idle:
                await unless_gone(
                    self._end(conversation, f"The visitor left (no message for {idle:g} s). Chat ended.", "Idle")
                )
                return
            await asyncio.sleep(idle - silent)

    async def _end(self, conversation: Conversation, note: str, reason: str) -> None:
        conversation.ended = True
        await self.note(conversation, note)
        await self.show_actions(conversation)
        await self.log_event(conversation.agent_id, "ChatEnded", reason, conversation.id)


@hookimpl
def channelkit_register_providers(registry: ProviderRegistry) -> None:
    """Register the chat provider."""
    registry.add(Chat)


def _running(conversation: Conversation) -> bool:
    """Whether the chat still runs (read afresh after an await, when it may have ended)."""
    return not conversation.ended


@hookimpl
def channelkit_default_templates() -> TemplateSet:
    """The chat conversation session and tabs and its toast (override any by name in the host configuration)."""
    return chat_templates()
