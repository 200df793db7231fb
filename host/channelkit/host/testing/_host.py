"""An in-memory host: the real host core and in-process runtime, with no server and no network."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import secrets
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from types import TracebackType
from typing import Any
from typing import TypeVar

from channelkit.host._app import HostApp
from channelkit.host._auth import Identity
from channelkit.host._auth import Role
from channelkit.host._plugin_loader import class_defaults
from channelkit.host.config import parse_config
from channelkit.host.testing._agent import AgentSimulator
from channelkit.sdk import events
from channelkit.sdk.analytics import AnalyticsEvent
from channelkit.sdk.provider import Provider
from channelkit.sdk.runtime import fromproto
from channelkit.sdk.runtime.rpcs import HostService
from channelkit.v1 import host_service_pb2 as hpb

E = TypeVar("E", bound=events.Event)
_KIT_ADMIN = Identity(Role.ADMIN, "testing-kit")


def _unused_token_hash() -> str:
    """A digest no token matches: agents of an in-memory host never authenticate over a network."""
    return hashlib.sha256(secrets.token_bytes(32)).hexdigest()


class InMemoryHost:
    """Runs provider classes in-process against the real host core; use with ``async with``.

    Args:
        providers: the provider classes to run (each one's ``name`` must be unique).
        agents: the agent ids in the host; every provider serves all of them.
        parameters: per provider name, the custom parameters its ``host.provider.parameters`` shows.
        wait_seconds: how long the waiting helpers wait before raising TimeoutError.
        settings: extra host configuration sections, for example
            ``{"policy": {"consent": "required"}, "limits": {"max_sessions": 2}}``.
    """

    def __init__(
        self,
        *providers: type[Provider],
        agents: Sequence[str] = ("agent-1",),
        parameters: Mapping[str, Mapping[str, str]] | None = None,
        wait_seconds: float = 5.0,
        settings: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        data: dict[str, Any] = {
            "agents": [{"id": a, "token_sha256": _unused_token_hash()} for a in agents],
            "providers": [
                {**class_defaults(p), "parameters": dict((parameters or {}).get(p.name, {}))} for p in providers
            ],
            "limits": {"rate_limit_per_second": 100_000, "rate_limit_burst": 100_000},
            "plugins": {"autoload": False, "handler_timeout_seconds": 5.0},
            "store": {"kind": "memory"},
        }
        for section, values in (settings or {}).items():
            data.setdefault(section, {}).update(values)
        self.config = parse_config(data, "InMemoryHost")
        self.wait_seconds = wait_seconds
        self._classes = providers
        self._app: HostApp | None = None
        self._cursors: dict[str, int] = {}

    @property
    def app(self) -> HostApp:
        """The running host (available inside ``async with``)."""
        if self._app is None:
            raise RuntimeError("the in-memory host is not running; use `async with InMemoryHost(...) as host`")
        return self._app

    async def __aenter__(self) -> InMemoryHost:
        self._app = HostApp(self.config, providers=self._classes)
        await self._app.open()
        await self._app.start("in-memory")
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._app is not None:
            await self._app.stop(grace=self.wait_seconds)
            self._app = None

    def agent(self, agent_id: str = "agent-1") -> AgentSimulator:
        """A simulator acting as ``agent_id``."""
        return AgentSimulator(self.app, agent_id, self.wait_seconds)

    def provider(self, name: str) -> Provider:
        """The running instance of provider ``name``, to inspect its own state."""
        worker = self.app.in_process.workers[name]
        if worker.runner is None:
            raise RuntimeError(f"provider {name} did not start; see faults({name!r})")
        return worker.runner.provider

    def faults(self, name: str) -> tuple[int, bool]:
        """``(faults, quarantined)`` of provider ``name``."""
        return self.app.in_process.status(name) or (0, False)

    def last_error(self, name: str) -> str:
        """The last error the host recorded for provider ``name`` ("" if none)."""
        return self.app.runtime.last_errors.get(name, ("", None))[0]

    async def inject(self, provider: str, kind: str, *, agent: str = "agent-1", **attributes: str) -> int:
        """Deliver an :class:`~channelkit.sdk.events.ExternalEvent` to ``provider``, as ``channelkit simulate`` does.

        Returns the event's ``seq``; ``next_event`` or ``settle`` waits for the provider to handle it.
        """
        request = hpb.InjectEventRequest(provider=provider, agent_id=agent, kind=kind, attributes=attributes)
        return (await self.app.host_binding.invoke(_KIT_ADMIN, HostService.InjectEvent, request)).seq

    def analytics(self, provider: str | None = None, *, kind: str | None = None) -> list[AnalyticsEvent]:
        """The analytics events recorded so far, oldest first.

        ``provider`` keeps only that provider's; ``kind`` ("system" or
        "custom") only the host's own events or only ``log_analytics_event``'s.
        """
        return [
            event
            for event in self.app.runtime.analytics.memory.events
            if (provider is None or event.provider == provider) and (kind is None or event.kind == kind)
        ]

    async def settle(self, name: str | None = None) -> None:
        """Wait until the provider(s) handled every event the host has sent so far."""
        names = [name] if name else list(self.app.in_process.workers)
        for each in names:
            head = self.app.runtime.logs[each].head_seq
            await self.until(functools.partial(self._caught_up, each, head), f"provider {each} to handle seq {head}")

    def _caught_up(self, name: str, seq: int) -> bool:
        return self._handled(name) >= seq

    def _handled(self, name: str) -> int:
        worker = self.app.in_process.workers[name]
        return worker.runner.cursor if worker.runner is not None else 0

    async def next_event(self, name: str, kind: type[E], **matching: object) -> E:
        """Wait for the next ``kind`` event sent to provider ``name`` and until the provider handled it.

        "Next" means after the last event this helper returned for ``name``;
        ``matching`` field values narrow it, e.g. ``session_id=...``.
        """
        provider_log = self.app.runtime.logs[name]
        found: list[E] = []

        def scan() -> bool:
            for message in provider_log.after(max(self._cursors.get(name, 0), provider_log.oldest_seq() - 1)):
                self._cursors[name] = message.seq
                event = fromproto.event(message)
                if isinstance(event, kind) and all(getattr(event, k) == v for k, v in matching.items()):
                    found.append(event)
                    return True
            return False

        await self.until(scan, f"a {kind.__name__} event for {name}")
        await self.until(lambda: self._handled(name) >= found[0].seq, f"{name} to handle seq {found[0].seq}")
        return found[0]

    async def until(self, condition: Callable[[], bool], what: str = "the condition") -> None:
        """Poll ``condition`` until it holds; TimeoutError naming ``what`` after ``wait_seconds``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait_seconds
        while not condition():
            if loop.time() > deadline:
                raise TimeoutError(f"waited {self.wait_seconds:g} s for {what}")
            await asyncio.sleep(0.01)
