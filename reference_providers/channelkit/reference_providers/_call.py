"""The call state machine: which call states exist and which button leads where.

Kept free of I/O so every transition can be tested on its own; the telephony
provider shows exactly the buttons :func:`actions_for` allows and applies
:meth:`Call.press`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from dataclasses import field

from channelkit.reference_providers._directory import Contact
from channelkit.sdk import SessionAction


class CallState(enum.Enum):
    """Where a call is."""

    RINGING = "ringing"
    DIALING = "dialing"
    CONNECTED = "connected"
    ON_HOLD = "on hold"
    ENDED = "ended"


class InvalidTransition(ValueError):
    """The button does not apply in the call's current state."""


_MOVES: dict[tuple[CallState, str], CallState] = {
    (CallState.RINGING, "answer"): CallState.CONNECTED,
    (CallState.DIALING, "answer"): CallState.CONNECTED,
    (CallState.CONNECTED, "hold"): CallState.ON_HOLD,
    (CallState.ON_HOLD, "resume"): CallState.CONNECTED,
    (CallState.CONNECTED, "mute"): CallState.CONNECTED,
    (CallState.RINGING, "hangup"): CallState.ENDED,
    (CallState.DIALING, "hangup"): CallState.ENDED,
    (CallState.CONNECTED, "hangup"): CallState.ENDED,
    (CallState.ON_HOLD, "hangup"): CallState.ENDED,
}


@dataclass
class Call(Contact):
    """One call, inbound or outbound, from ringing to ended."""

    inbound: bool
    state: CallState
    muted: bool = False
    connected_at: float | None = None
    ended_at: float | None = None
    held_seconds: float = 0.0
    _held_since: float | None = field(default=None, repr=False)

    def press(self, move: str, now: float) -> CallState:
        """Apply ``move`` (answer, hold, resume, mute, hangup) at ``now``; InvalidTransition if it does not apply."""
        target = _MOVES.get((self.state, move))
        if target is None:
            raise InvalidTransition(f"cannot {move} a call that is {self.state.value}")
        if move == "answer":
            self.connected_at = now
        elif move == "hold":
            self._held_since = now
        elif move == "mute":
            self.muted = not self.muted
        if self.state is CallState.ON_HOLD and self._held_since is not None:
            self.held_seconds += now - self._held_since
            self._held_since = None
        if target is CallState.ENDED:
            self.ended_at = now
        self.state = target
        return target

    def talk_seconds(self) -> float:
        """Seconds from answer to hang-up (0 for a call never answered)."""
        if self.connected_at is None:
            return 0.0
        return (self.ended_at or self.connected_at) - self.connected_at


def actions_for(call: Call) -> list[SessionAction]:
    """The buttons the agent sees for ``call`` now; none once it ended."""
    if call.state is CallState.ENDED:
        return []
    connected = call.state is CallState.CONNECTED
    return [
        SessionAction(id="resume", label="Resume")
        if call.state is CallState.ON_HOLD
        else SessionAction(id="hold", label="Hold", enabled=connected),
        SessionAction(id="mute", label="Unmute" if call.muted else "Mute", enabled=connected),
        SessionAction(id="hangup", label="Hang up"),
    ]
