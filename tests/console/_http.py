"""Talking to the web console over real HTTP: JSON calls and the Server-Sent Events stream."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

API = "/api/channelkit.v1.AgentService/"
WATCH = API + "WatchWorkspace"


def bearer(token: str) -> dict[str, str]:
    """The header that authenticates a script."""
    return {"authorization": f"Bearer {token}"}


def reason_of(response: httpx.Response) -> str:
    """The ErrorInfo reason of an error response."""
    details = response.json()["error"]["details"]
    return str(next(d["reason"] for d in details if d["@type"].endswith("google.rpc.ErrorInfo")))


def field_of(response: httpx.Response) -> str:
    """The field a BadRequest detail names."""
    details = response.json()["error"]["details"]
    bad = next(d for d in details if d["@type"].endswith("google.rpc.BadRequest"))
    return str(bad["fieldViolations"][0]["field"])


@dataclass
class Frame:
    """One Server-Sent Event."""

    id: str
    event: str
    data: dict[str, Any]

    @property
    def seq(self) -> int:
        """The workspace event's sequence number."""
        return int(self.data.get("seq", 0))


class EventStream:
    """An open WatchWorkspace stream, read frame by frame."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()

    async def next(self, timeout: float = 5.0) -> Frame:
        """The next event (keep-alive comments and the retry hint skipped)."""
        return await asyncio.wait_for(self._frame(), timeout)

    async def take(self, count: int, timeout: float = 5.0) -> list[Frame]:
        """The next ``count`` events."""
        return [await self.next(timeout) for _ in range(count)]

    async def _frame(self) -> Frame:
        fields: dict[str, str] = {}
        async for line in self._lines:
            if line == "":
                if "data" in fields:
                    return Frame(fields.get("id", ""), fields.get("event", "message"), json.loads(fields["data"]))
                fields = {}
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
        raise AssertionError("the event stream ended")


@contextlib.asynccontextmanager
async def watch(client: httpx.AsyncClient, headers: dict[str, str] | None = None) -> AsyncIterator[EventStream]:
    """Open the event stream; closing the block drops the connection."""
    async with client.stream("GET", WATCH, headers=headers or {}) as response:
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield EventStream(response)
