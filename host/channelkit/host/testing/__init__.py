"""channelkit.host.testing — test a provider without a vendor tenant or a running server.

Install ``channelkit-host[testing]``; pytest then loads this plugin by itself
(entry point ``pytest11``), and its fixture ``channelkit_host`` is there in
an async test::

    async def test_offers_a_chat(channelkit_host):
        async with channelkit_host(MyProvider) as host:
            agent = host.agent()
            await agent.click_to_act("+15551234567")
            await agent.accept()
            session = await agent.wait_for_session("Chat with +15551234567")

:class:`InMemoryHost` runs the real host core and the same in-process runtime
the production host uses (one thread per provider, the same rules, the same
errors); :class:`AgentSimulator` does what a person in the agent console does.

The kit lives in the host distribution because it runs the host: the SDK
(``channelkit-sdk``) stays free of the host, and ``channelkit-host[testing]``
brings pytest and pytest-asyncio with it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from channelkit.host.testing._agent import AgentSimulator
from channelkit.host.testing._agent import AgentView
from channelkit.host.testing._agent import Toast
from channelkit.host.testing._host import InMemoryHost
from channelkit.sdk.analytics import AnalyticsEvent

__all__ = ["AgentSimulator", "AgentView", "AnalyticsEvent", "InMemoryHost", "Toast", "channelkit_host"]


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``channelkit_wait_seconds`` ini option."""
    parser.addini(
        "channelkit_wait_seconds", "how long channelkit.host.testing helpers wait before failing", default="5"
    )


@pytest.fixture
def channelkit_host(request: pytest.FixtureRequest) -> Callable[..., InMemoryHost]:
    """Return a factory of :class:`InMemoryHost`; use its result with ``async with``."""
    wait = float(request.config.getini("channelkit_wait_seconds"))

    def factory(*providers: type, **options: object) -> InMemoryHost:
        options.setdefault("wait_seconds", wait)
        return InMemoryHost(*providers, **options)  # type: ignore[arg-type]

    return factory
