"""What a provider has processed: its cursor, the ids of its latest events, and the host's copy of both.

After each event's handler returned (or was isolated as a fault) the runtime
moves the cursor past it, remembers its ``event_id`` in a short window (an
event that comes again under that id is dropped, not handed to a handler
twice), writes both to the cursor file when there is one, and tells the host
(``AcknowledgeEvents``, a few times a second at most), which keeps the cursor
so that a provider restarted without a file resumes there too.

What remains at-least-once, and why: a process that dies after a handler
returned but before the cursor was written (or acknowledged) gets that event
again on restart. No framework can close that window alone, because the
handler's own side effect (a CRM update, a message sent) is outside the
framework's transaction; a handler that must not repeat an effect keeps
``event.event_id`` with the effect and skips an id it has seen.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import Awaitable
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("channelkit.provider")
WINDOW = 64
"""How many of the latest event ids a provider remembers."""


class Processed:
    """The cursor and the window of recently processed event ids."""

    def __init__(self, cursor: int = 0, recent: list[str] | None = None) -> None:
        self.cursor = cursor
        self.recent: deque[str] = deque(recent or (), maxlen=WINDOW)
        self._ids = set(self.recent)

    def seen(self, seq: int, event_id: str) -> bool:
        """True for an event processed already (at or below the cursor, or an id in the window)."""
        return seq <= self.cursor or (bool(event_id) and event_id in self._ids)

    def done(self, seq: int, event_id: str) -> None:
        """The event ``seq`` is processed."""
        self.cursor = seq
        if event_id:
            if len(self.recent) == self.recent.maxlen:
                self._ids.discard(self.recent[0])
            self.recent.append(event_id)
            self._ids.add(event_id)

    def jump(self, seq: int) -> None:
        """Continue after ``seq`` (a resync): the events before it are not coming."""
        self.cursor = seq


class CursorFile:
    """The processed cursor and id window in a file, so a restarted process resumes exactly where it stopped."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> Processed | None:
        """What was saved, or ``None`` when there is nothing yet (a file with only a number is read too)."""
        try:
            text = self.path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        if text.isdigit():
            return Processed(int(text))
        data = json.loads(text)
        return Processed(int(data["cursor"]), [str(i) for i in data.get("recent", [])])

    def save(self, processed: Processed) -> None:
        """Replace the saved state atomically."""
        temporary = self.path.with_suffix(self.path.suffix + ".tmp")
        temporary.write_text(json.dumps({"cursor": processed.cursor, "recent": list(processed.recent)}) + "\n")
        temporary.replace(self.path)


class Acknowledger:
    """Tells the host the processed cursor, coalescing: at most one call per ``interval`` seconds."""

    def __init__(self, send: Callable[[int], Awaitable[object]], interval: float = 0.2) -> None:
        self._send = send
        self._interval = interval
        self._wanted = 0
        self._sent = 0
        self._task: asyncio.Task[None] | None = None

    def note(self, seq: int) -> None:
        """``seq`` is processed; the host hears of it shortly."""
        self._wanted = max(self._wanted, seq)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._soon())

    async def _soon(self) -> None:
        await asyncio.sleep(self._interval)
        await self.flush()

    async def flush(self) -> None:
        """Send the newest cursor now (on stop); a failure is logged, and the next note tries again."""
        wanted = self._wanted
        if wanted <= self._sent:
            return
        try:
            await self._send(wanted)
        except Exception as exc:  # the host will hear of a later cursor; the events are processed either way
            log.debug("acknowledging seq %d failed: %s", wanted, exc)
            return
        self._sent = max(self._sent, wanted)

    async def close(self) -> None:
        """Send what is pending, then stop."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush()
