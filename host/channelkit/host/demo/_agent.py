"""The demo's simulated agent: answers toasts, switches, replies, presses buttons, closes sessions.

It is a client of AgentService over gRPC with the agent's token, like any
console, and decides from what the workspace shows: toasts, attention badges,
transcripts and the buttons each provider offers. Decisions are drawn from a
seeded random generator; reaction times are human-ish.

A call that fails because the view was a moment old (the toast timed out, the
button changed) is counted as *stale*, not as an error: a person sees the
same. Anything else is an error, and the demo fails on errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import grpc
from google.protobuf.message import Message

from channelkit.host.demo._setup import AGENT_NAME
from channelkit.sdk.runtime import from_rpc_error
from channelkit.v1 import agent_service_pb2 as pb
from channelkit.v1 import agent_service_pb2_grpc as pb_grpc
from channelkit.v1 import provider_service_pb2 as ppb
from channelkit.v1 import workspace_pb2 as wpb

TICK_SECONDS = 0.25
STALE_REASONS = frozenset(
    {"ACTION_NOT_FOUND", "ACTION_DISABLED", "NOTIFICATION_RESOLVED", "NOTIFICATION_NOT_FOUND", "SESSION_NOT_FOUND"}
)
REPLIES = (
    "Hi {first}, thanks for reaching out. Let me check that for you.",
    "I've sorted that out for you. Is there anything else?",
    "You're welcome, {first}. Have a great day!",
)
OUTBOUND_NUMBERS = ("+15550100104", "+15550100106", "+15550100108")


@dataclass
class AgentStats:
    """What the simulated agent did."""

    accepted: int = 0
    rejected: int = 0
    ignored: int = 0
    replies: int = 0
    buttons: int = 0
    switches: int = 0
    closed: int = 0
    outbound: int = 0
    stale: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class _Plan:
    """What the agent intends for one session."""

    seen_at: float
    entries: int = 0
    reply_due: float | None = None
    replies: int = 0
    held: bool = False
    hold_at: float = 0.0
    resume_at: float = 0.0
    hang_up_at: float = 0.0
    quiet_since: float = 0.0


class AutoAgent:
    """Drives one agent's workspace until stopped."""

    def __init__(self, channel: grpc.aio.Channel, token: str, seed: int, say: Callable[[str], None]) -> None:
        self._stub = pb_grpc.AgentServiceStub(channel)
        self._metadata = (("authorization", f"Bearer {token}"),)
        self._rng = random.Random(f"{seed}:agent")
        self._say = say
        self.stats = AgentStats()
        self._toasts: dict[str, tuple[float, str]] = {}
        self._plans: dict[str, _Plan] = {}
        self._next_outbound = time.monotonic() + 20.0

    async def run(self, stop: asyncio.Event) -> None:
        """Look at the workspace and act, a few times a second, until ``stop`` is set."""
        while not stop.is_set():
            workspace = await self._call("GetWorkspace", pb.GetWorkspaceRequest())
            if workspace is not None:
                await self._step(workspace.workspace, time.monotonic())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), TICK_SECONDS)

    async def _call(self, method: str, request: Message) -> Any:  # noqa: ANN401 - the stub's response type
        try:
            return await getattr(self._stub, method)(request, metadata=self._metadata, timeout=10)
        except grpc.aio.AioRpcError as exc:
            error = from_rpc_error(exc)
            if error.reason.value in STALE_REASONS:
                self.stats.stale += 1
            else:
                self.stats.errors.append(f"{method}: {error.reason.value}: {error.message}")
                self._say(f"agent error: {method}: {error.message}")
            return None

    async def _step(self, ws: pb.Workspace, now: float) -> None:
        await self._answer_toasts(ws, now)
        transcripts = {t.tab_id: t.entries for t in ws.transcripts}
        sessions = [s for s in ws.sessions if not s.home]
        for session in sessions:
            self._observe(session, transcripts, now)
        self._plans = {k: v for k, v in self._plans.items() if any(s.id == k for s in sessions)}
        await self._work(ws, sessions, now)
        if now >= self._next_outbound and len(sessions) < 4:
            self._next_outbound = now + self._rng.uniform(40.0, 60.0)
            number = self._rng.choice(OUTBOUND_NUMBERS)
            click = ppb.ClickToAct(value=number, name="telephone1", format="phone", entity_name="contact")
            if await self._call("ClickToAct", pb.ClickToActRequest(click=click)) is not None:
                self.stats.outbound += 1

    # --- toasts --------------------------------------------------------------------------------------

    async def _answer_toasts(self, ws: pb.Workspace, now: float) -> None:
        for toast in ws.notifications:
            if toast.id not in self._toasts:
                roll = self._rng.random()
                choice = (
                    "accept" if roll < 0.8 or toast.title == "Outbound call" else "reject" if roll < 0.9 else "ignore"
                )
                self._toasts[toast.id] = (now + self._rng.uniform(0.8, 2.5), choice)
                if choice == "ignore":
                    self.stats.ignored += 1
            due, choice = self._toasts[toast.id]
            if now < due or choice == "ignore":
                continue
            self._toasts[toast.id] = (float("inf"), "done")
            action = wpb.NOTIFICATION_ACTION_ACCEPT if choice == "accept" else wpb.NOTIFICATION_ACTION_REJECT
            request = pb.RespondToNotificationRequest(notification_id=toast.id, action=action)
            if await self._call("RespondToNotification", request) is not None:
                if choice == "accept":
                    self.stats.accepted += 1
                else:
                    self.stats.rejected += 1

    # --- sessions ------------------------------------------------------------------------------------

    def _observe(self, session: wpb.Session, transcripts: dict[str, Any], now: float) -> None:
        plan = self._plans.get(session.id)
        if plan is None:
            plan = self._plans[session.id] = _Plan(seen_at=now, quiet_since=now)
            plan.hold_at = now + self._rng.uniform(2.0, 4.0)
            plan.hang_up_at = now + self._rng.uniform(7.0, 14.0)
        entries = [e for tab in session.tabs for e in transcripts.get(tab.id, ())]
        if len(entries) != plan.entries:
            plan.entries = len(entries)
            plan.quiet_since = now
            if entries and entries[-1].role == wpb.AUTHOR_ROLE_CUSTOMER:
                plan.reply_due = now + self._rng.uniform(1.5, 3.5)

    async def _work(self, ws: pb.Workspace, sessions: list[wpb.Session], now: float) -> None:
        candidates = sorted(sessions, key=lambda s: (s.id != ws.focused_session_id, not s.attention))
        for session in candidates:
            task = self._due(session, self._plans[session.id], now)
            if task is None:
                continue
            if session.id != ws.focused_session_id:
                if await self._call("SwitchSession", pb.SwitchSessionRequest(session_id=session.id)) is not None:
                    self.stats.switches += 1
                return
            await task()
            return

    def _due(self, session: wpb.Session, plan: _Plan, now: float) -> Callable[[], Any] | None:
        actions = {a.id: a for a in session.actions}
        if not actions:
            ended = now - plan.seen_at > 3.0 and now - plan.quiet_since > 1.5
            return (lambda: self._close(session)) if ended else None
        if "hangup" in actions:
            return self._call_work(session, plan, actions, now)
        if "send" in actions:
            if plan.reply_due is not None and now >= plan.reply_due:
                return lambda: self._reply(session, plan)
            if plan.replies >= 2 and now - plan.quiet_since > 4.0:
                if "end" in actions:
                    return lambda: self._press(session, "end")
                return lambda: self._close(session)
        return None

    def _call_work(
        self, session: wpb.Session, plan: _Plan, actions: dict[str, wpb.SessionAction], now: float
    ) -> Callable[[], Any] | None:
        if now >= plan.hang_up_at:
            return lambda: self._press(session, "hangup")
        if "resume" in actions and now >= plan.resume_at:
            return lambda: self._press(session, "resume")
        hold = actions.get("hold")
        if hold is not None and hold.enabled and not plan.held and now >= plan.hold_at:
            plan.held, plan.resume_at = True, now + self._rng.uniform(1.5, 3.0)
            return lambda: self._press(session, "hold")
        return None

    async def _reply(self, session: wpb.Session, plan: _Plan) -> None:
        plan.reply_due = None
        first = session.title.split(" with ", 1)[-1].split(" ")[0]
        text = REPLIES[min(plan.replies, len(REPLIES) - 1)].format(first=first)
        plan.replies += 1
        request = pb.InvokeActionRequest(session_id=session.id, action_id="send", text=text)
        if await self._call("InvokeAction", request) is not None:
            self.stats.replies += 1

    async def _press(self, session: wpb.Session, action_id: str) -> None:
        request = pb.InvokeActionRequest(session_id=session.id, action_id=action_id)
        if await self._call("InvokeAction", request) is not None:
            self.stats.buttons += 1

    async def _close(self, session: wpb.Session) -> None:
        if await self._call("CloseSession", pb.CloseSessionRequest(session_id=session.id)) is not None:
            self.stats.closed += 1


__all__ = ["AGENT_NAME", "AgentStats", "AutoAgent"]
