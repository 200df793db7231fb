"""Running a provider's handlers: one place for both runtimes.

:func:`handler_for` finds the method an event goes to (named after the event
class, see :mod:`channelkit.sdk.events`); a provider without one ignores the
event, so a provider written before an event kind existed keeps working.
:func:`run_guarded` awaits one handler with a timeout and turns whatever goes
wrong into a :class:`Fault` instead of letting it escape. ``SystemExit`` and
``KeyboardInterrupt`` are caught here, inside the handler's own coroutine,
because asyncio re-raises them out of the event loop if they reach a task's
step, which would take the whole host down with one provider.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Awaitable
from collections.abc import Callable
from dataclasses import dataclass

from channelkit.sdk import events
from channelkit.sdk.provider import Provider

Handler = Callable[[events.Event], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Fault:
    """A handler that raised, exited or ran past its timeout."""

    handler: str
    kind: str
    detail: str

    def describe(self) -> str:
        """One line for logs and ``ListProviders.last_error``."""
        return f"{self.handler} {self.kind}: {self.detail}"


def handler_for(provider: Provider, event: events.Event) -> Handler | None:
    """The bound method that handles ``event``, or ``None`` when the provider has none."""
    method: Handler | None = getattr(provider, event.handler, None)
    return method


async def run_guarded(name: str, call: Callable[[], Awaitable[object]], limit_seconds: float) -> Fault | None:
    """Await ``call()`` for at most ``limit_seconds``; report what went wrong, if anything."""
    try:
        async with asyncio.timeout(limit_seconds):
            await call()
    except TimeoutError:
        return Fault(name, "timed out", f"still running after {limit_seconds:g} s; it was cancelled")
    except (SystemExit, KeyboardInterrupt) as exc:
        return Fault(name, "tried to exit the process", f"{type(exc).__name__}({exc})")
    except Exception as exc:
        return Fault(name, "raised", _summary(exc))
    return None


def _summary(exc: Exception) -> str:
    last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" at {last[0].filename}:{last[0].lineno}" if last else ""
    return f"{type(exc).__name__}: {exc}{where}"
