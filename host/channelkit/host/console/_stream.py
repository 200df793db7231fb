"""Workspace events as Server-Sent Events, with keep-alive comments while nothing happens.

Each event's SSE id is ``<epoch>.<seq>``: a browser's EventSource sends it
back as ``Last-Event-ID`` when it reconnects, which is all a resume needs. An
error that ends the stream (a watcher that fell behind, the host stopping) is
sent as a ``problem`` event first, so the page can say what happened; the
browser then reconnects by itself and resumes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from channelkit.host.console._json import error_json
from channelkit.host.console._json import to_json
from channelkit.sdk.errors import ChannelkitError
from channelkit.v1 import agent_service_pb2 as pb

RETRY_MILLISECONDS = 1000
"""How soon a browser reconnects after the stream ends."""


async def sse_events(events: AsyncIterator[pb.WorkspaceEvent], keepalive_seconds: float) -> AsyncIterator[str]:
    """``events`` as SSE frames, a comment every ``keepalive_seconds`` of silence, errors as ``problem``."""
    yield f"retry: {RETRY_MILLISECONDS}\n\n"
    try:
        async for event in _with_keepalive(events, keepalive_seconds):
            if event is None:
                yield ": keep-alive\n\n"
            else:
                yield f"id: {event.epoch}.{event.seq}\nevent: workspace\ndata: {to_json(event)}\n\n"
    except ChannelkitError as exc:
        yield f"event: problem\ndata: {error_json(exc)}\n\n"


async def _with_keepalive(
    events: AsyncIterator[pb.WorkspaceEvent], interval: float
) -> AsyncIterator[pb.WorkspaceEvent | None]:
    """``events``, with None after each ``interval`` without one.

    The pending read is kept across timeouts rather than cancelled: cancelling
    it would end the watch itself.
    """
    pending: asyncio.Task[pb.WorkspaceEvent] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(_next(events))
            done, _ = await asyncio.wait({pending}, timeout=interval)
            if not done:
                yield None
                continue
            event, pending = pending.result(), None
            yield event
    finally:
        if pending is not None:
            pending.cancel()


async def _next(events: AsyncIterator[pb.WorkspaceEvent]) -> pb.WorkspaceEvent:
    return await anext(events)
