"""Reference telephony provider: inbound and outbound calls with a real call state machine.

Inbound calls ring as a toast ("Answer"/"Decline"); an answered call becomes a
focused session "Call with {name}" with the caller's CRM record and a call
transcript, and the buttons Hold/Resume, Mute and Hang up. Declined and missed
calls create no session. A phone number the agent clicks (click-to-act) asks
the agent to confirm, then dials out. Every call ends with one ``CallLog``
analytics event carrying the toast's correlation id.

Parameters (``[[providers]] parameters``): see
:class:`~channelkit.reference_providers._settings.TelephonySettings`.
External event kind ``call``: attributes ``from`` and optionally ``name``.
"""

from __future__ import annotations

import asyncio
import uuid

from channelkit.reference_providers._base import ReferenceProvider
from channelkit.reference_providers._base import unless_gone
from channelkit.reference_providers._call import Call
from channelkit.reference_providers._call import CallState
from channelkit.reference_providers._call import InvalidTransition
from channelkit.reference_providers._call import actions_for
from channelkit.reference_providers._directory import Customer
from channelkit.reference_providers._directory import lookup
from channelkit.reference_providers._directory import unknown
from channelkit.reference_providers._settings import TelephonySettings
from channelkit.reference_providers._templates import telephony as telephony_templates
from channelkit.sdk import NotificationOutcome
from channelkit.sdk import NotificationReason
from channelkit.sdk import ProviderRegistry
from channelkit.sdk import events
from channelkit.sdk import hookimpl
from channelkit.sdk.templates import TemplateSet

_NOT_ANSWERED = {
    NotificationReason.DECLINED_BY_AGENT: "Rejected",
    NotificationReason.DISPLAY_TIMEOUT: "Missed",
}
_NOTES = {
    "hold": "Call on hold",
    "resume": "Call resumed",
}


class Telephony(ReferenceProvider):
    """Phone calls: ring, answer, hold, mute, hang up; outbound through click-to-act."""

    name = "telephony"
    channel = "telephony"
    label = "Phone"
    channel_order = 10
    click_to_act = True
    settings_model = TelephonySettings
    inbound_kind = "call"
    settings: TelephonySettings

    def __init__(self) -> None:
        super().__init__()
        self.calls: dict[str, Call] = {}
        """Calls with a session, by session id."""

    # --- inbound -------------------------------------------------------------------------------------

    async def arrive(self, agent_id: str, customer: Customer, *, simulated: bool, text: str = "") -> None:
        """A customer calls: ring, and connect if the agent answers."""
        call = Call(f"call-{uuid.uuid4().hex[:12]}", agent_id, customer, inbound=True, state=CallState.RINGING)
        outcome = await self.offer(agent_id, "telephony.incoming", customer, correlation_id=call.id)
        if outcome is None or not outcome.accepted:
            await self._unanswered(call, outcome)
            return
        call.press("answer", self.now())
        await self._connect(call, outcome, hang_up_later=simulated)

    async def _unanswered(self, call: Call, outcome: NotificationOutcome | None) -> None:
        call.state = CallState.ENDED
        # no room to offer (outcome None): the caller hears the busy message
        reason = "Busy" if outcome is None else _NOT_ANSWERED.get(outcome.reason, "Cancelled")
        await self._log_call(call, reason)

    # --- outbound ------------------------------------------------------------------------------------

    async def on_click_to_act(self, event: events.ClickToAct) -> None:
        """The agent clicked a phone number: confirm, then dial."""
        customer = lookup(event.value) or unknown(event.value)
        call = Call(f"call-{uuid.uuid4().hex[:12]}", event.agent_id, customer, inbound=False, state=CallState.DIALING)
        self.spawn(self._dial(call))

    async def _dial(self, call: Call) -> None:
        outcome = await self.offer(call.agent_id, "telephony.outbound", call.customer, correlation_id=call.id)
        if outcome is None or not outcome.accepted:
            await self._unanswered(call, outcome)
            return
        if await self._connect(call, outcome, hang_up_later=False):
            await asyncio.sleep(self.settings.answer_seconds)
            if call.state is CallState.DIALING:
                call.press("answer", self.now())
                await unless_gone(self._note(call, f"{call.customer.name} answered"))
                await unless_gone(self._show_actions(call))

    # --- a call with a session -------------------------------------------------------------------------

    async def _connect(self, call: Call, outcome: NotificationOutcome, *, hang_up_later: bool) -> bool:
        customer = call.customer
        session = await self.open_session(
            call.agent_id,
            outcome,
            "telephony.call",
            customer,
            correlation_id=call.id,
            context={"phone": customer.phone, "direction": "inbound" if call.inbound else "outbound"},
        )
        if session is None:
            call.press("hangup", self.now())
            await self._log_call(call, "Dropped", told="all agents busy message played")
            return False
        call.session_id, call.transcript_tab = session.id, session.tabs[0].id
        self.calls[session.id] = call
        if customer.contact_id:
            await self.optional_tab(session.id, "telephony.customer", contact_id=customer.contact_id)
        direction = "Incoming call from" if call.inbound else "Calling"
        await self._note(call, f"{direction} {customer.name} ({customer.phone})")
        await self._note(call, "Connected" if call.state is CallState.CONNECTED else "Dialling…")
        await self._show_actions(call)
        if hang_up_later:
            self.spawn(self._caller_hangs_up(call))
        return True

    async def _caller_hangs_up(self, call: Call) -> None:
        await asyncio.sleep(self.rng.uniform(0.3, 1.0) * self.settings.max_call_seconds)
        if call.state is not CallState.ENDED and call.session_id in self.calls:
            await self._end(call, "The caller hung up", "Completed", ended_by="customer")

    async def on_action_invoked(self, event: events.ActionInvoked) -> None:
        """Hold, Resume, Mute/Unmute or Hang up, as the state machine allows."""
        call = self.calls.get(event.session_id)
        if call is None:
            return
        if event.action_id == "hangup":
            await self._end(call, "Call ended by the agent", "Completed", ended_by="agent")
            return
        try:
            call.press(event.action_id, self.now())
        except InvalidTransition as exc:
            self.log.info("telephony: %s", exc)
        else:
            note = _NOTES.get(event.action_id) or ("Microphone muted" if call.muted else "Microphone unmuted")
            await self._note(call, note)
        await self._show_actions(call)

    async def on_session_closed(self, event: events.SessionClosed) -> None:
        """Closing a session with a live call hangs it up."""
        call = self.calls.pop(event.session_id, None)
        if call is not None and call.state is not CallState.ENDED:
            call.press("hangup", self.now())
            await self._log_call(call, "Completed", ended_by="session closed")

    async def _end(self, call: Call, note: str, reason: str, *, ended_by: str) -> None:
        call.press("hangup", self.now())
        minutes, seconds = divmod(round(call.talk_seconds()), 60)
        await unless_gone(self._note(call, f"{note} after {minutes}:{seconds:02d}"))
        await unless_gone(self._show_actions(call))
        await self._log_call(call, reason, ended_by=ended_by)

    async def _note(self, call: Call, text: str) -> None:
        await self.host.append_transcript(call.transcript_tab, text)

    async def _show_actions(self, call: Call) -> None:
        await self.host.set_session_actions(call.session_id, actions_for(call))

    async def _log_call(self, call: Call, outcome: str, **extra: str) -> None:
        await self.log_event(
            call.agent_id,
            "CallLog",
            outcome,
            call.id,
            direction="inbound" if call.inbound else "outbound",
            number=call.customer.phone,
            customer=call.customer.name,
            talk_seconds=f"{call.talk_seconds():.1f}",
            held_seconds=f"{call.held_seconds:.1f}",
            **extra,
        )


@hookimpl
def channelkit_register_providers(registry: ProviderRegistry) -> None:
    """Register the telephony provider."""
    registry.add(Telephony)


@hookimpl
def channelkit_default_templates() -> TemplateSet:
    """The call session, its transcript and record tabs, and the call toasts (override any by name)."""
    return telephony_templates()
