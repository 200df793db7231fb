"""What SMS and chat share: a conversation per contact, transcripts, unread counts, a Send button.

A customer's message lands in the conversation's transcript. When the agent
is looking elsewhere the provider asks for attention with the unread count
(never by moving focus); when the session gains focus the count resets. The
agent answers through the "Send" action, whose text becomes an agent entry.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from dataclasses import field

from channelkit.reference_providers._base import ReferenceProvider
from channelkit.reference_providers._base import unless_gone
from channelkit.reference_providers._directory import Contact
from channelkit.reference_providers._directory import Customer
from channelkit.sdk import AuthorRole
from channelkit.sdk import NotificationOutcome
from channelkit.sdk import SessionAction
from channelkit.sdk import events

SEND = "send"


@dataclass
class Conversation(Contact):
    """One contact's conversation with one agent."""

    simulated: bool
    focused: bool = False
    unread: int = 0
    ended: bool = False
    waiting: list[str] = field(default_factory=list)
    """Messages that arrived before the session opened."""
    next_line: int = 1
    """The customer's next scripted line (line 0 opens the conversation)."""
    last_customer_at: float = 0.0


class MessagingProvider(ReferenceProvider):
    """Base of SMS and chat; subclasses say how a conversation is offered and opened."""

    def __init__(self) -> None:
        super().__init__()
        self.conversations: dict[str, Conversation] = {}
        """Open conversations by session id."""

    # --- offering a conversation -------------------------------------------------------------------

    def new_conversation(self, agent_id: str, customer: Customer, *, simulated: bool) -> Conversation:
        """Start tracking a contact before it is offered."""
        raise NotImplementedError

    async def extra_tabs(self, conversation: Conversation) -> None:
        """Open the tabs that follow the transcript (a record, a web page)."""

    def actions(self, conversation: Conversation) -> list[SessionAction]:
        """The session's buttons now."""
        if conversation.ended:
            return []
        return [SessionAction(id=SEND, label="Send", takes_text=True, placeholder="Type a reply")]

    async def declined(self, conversation: Conversation, outcome: NotificationOutcome | None) -> None:
        """The agent did not take the conversation (``None``: no room to offer it)."""

    async def offer_conversation(self, conversation: Conversation) -> None:
        """Toast first; open the session only when the agent accepts."""
        first = conversation.waiting[0] if conversation.waiting else ""
        outcome = await self.offer(
            conversation.agent_id,
            f"{self.name}.incoming",
            conversation.customer,
            correlation_id=conversation.id,
            message=first,
        )
        if outcome is None or not outcome.accepted:
            await self.declined(conversation, outcome)
            return
        session = await self.open_session(
            conversation.agent_id,
            outcome,
            f"{self.name}.conversation",
            conversation.customer,
            correlation_id=conversation.id,
            context={"phone": conversation.customer.phone, "channel": self.channel},
        )
        if session is None:  # accepted, but the workspace filled up meanwhile
            await self.declined(conversation, None)
            return
        conversation.session_id = session.id
        conversation.transcript_tab = session.tabs[0].id
        conversation.focused = session.focused
        self.conversations[session.id] = conversation
        await self.extra_tabs(conversation)
        for text in conversation.waiting:
            await self._customer_entry(conversation, text)
        conversation.waiting.clear()
        await self.show_actions(conversation)
        await self.opened(conversation)

    async def opened(self, conversation: Conversation) -> None:
        """The session is open and shows the waiting messages."""

    # --- messages --------------------------------------------------------------------------------------

    async def customer_wrote(self, conversation: Conversation, text: str) -> None:
        """A message from the customer: into the transcript, and ask for attention if unfocused."""
        if not conversation.session_id:
            conversation.waiting.append(text)
            return
        await self._customer_entry(conversation, text)
        if not conversation.focused:
            conversation.unread += 1
            result = await self.host.request_focus_session(conversation.session_id, conversation.unread)
            if result.already_focused:
                conversation.focused, conversation.unread = True, 0

    async def _customer_entry(self, conversation: Conversation, text: str) -> None:
        conversation.last_customer_at = self.now()
        await self.host.append_transcript(
            conversation.transcript_tab, text, role=AuthorRole.CUSTOMER, author=conversation.customer.name
        )

    async def note(self, conversation: Conversation, text: str) -> None:
        """A system entry in the conversation."""
        await self.host.append_transcript(conversation.transcript_tab, text)

    async def show_actions(self, conversation: Conversation) -> None:
        """Publish the conversation's buttons."""
        await self.host.set_session_actions(conversation.session_id, self.actions(conversation))

    async def on_session_focus_changed(self, event: events.SessionFocusChanged) -> None:
        """Track focus: the unread count resets when the agent looks at the conversation."""
        conversation = self.conversations.get(event.session_id)
        if conversation is not None:
            conversation.focused = event.focused
            if event.focused:
                conversation.unread = 0

    async def on_action_invoked(self, event: events.ActionInvoked) -> None:
        """Send (and whatever the subclass adds)."""
        conversation = self.conversations.get(event.session_id)
        if conversation is None or conversation.ended:
            return
        if event.action_id == SEND:
            await self.host.append_transcript(
                conversation.transcript_tab,
                event.text,
                role=AuthorRole.AGENT,
                author=self.agent_name(conversation.agent_id),
            )
            await self.sent(conversation, event.text)
        else:
            await self.other_action(conversation, event.action_id)

    async def sent(self, conversation: Conversation, text: str) -> None:
        """The agent's reply is in the transcript; a simulated customer answers after a pause."""
        if conversation.simulated and self.settings.traffic:
            self.spawn(self._customer_answers(conversation))

    async def other_action(self, conversation: Conversation, action_id: str) -> None:
        """A button other than Send."""
        self.log.info("%s: unknown action %r", self.name, action_id)

    async def _customer_answers(self, conversation: Conversation) -> None:
        await asyncio.sleep(self.customer_pause())
        lines = conversation.customer.lines
        if (
            conversation.ended
            or conversation.next_line >= len(lines)
            or conversation.session_id not in self.conversations
        ):
            return
        line = lines[conversation.next_line]
        conversation.next_line += 1
        await unless_gone(self.customer_wrote(conversation, line))

    async def on_session_closed(self, event: events.SessionClosed) -> None:
        """The agent closed the conversation: log it and forget it."""
        conversation = self.conversations.pop(event.session_id, None)
        if conversation is not None:
            conversation.ended = True
            await self.log_event(conversation.agent_id, "ConversationClosed", "ClosedByAgent", conversation.id)
