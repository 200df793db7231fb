"""channelkit.sdk.testing — test a provider without a vendor tenant or a running server.

Opt in from a ``conftest.py``::

    pytest_plugins = ["channelkit.sdk.testing"]

then, in an async test::

    async def test_offers_a_chat(channelkit_host):
        async with channelkit_host(MyProvider) as host:
            agent = host.agent()
            await agent.click_to_act("+15551234567")
            await agent.accept()
            session = await agent.wait_for_session("Chat with +15551234567")

:class:`InMemoryHost` runs the real host core and the same in-process runtime
the production host uses (one thread per provider, the same rules, the same
errors); :class:`AgentSimulator` does what a person in the agent console does.
Needs the ``testing`` extra: ``pip install "channelkit-sdk[testing]"``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

try:
    from channelkit.sdk.analytics import AnalyticsEvent
    from channelkit.sdk.testing._agent import AgentSimulator
    from channelkit.sdk.testing._agent import AgentView
    from channelkit.sdk.testing._agent import Toast
    from channelkit.sdk.testing._host import InMemoryHost
except ImportError as exc:  # pragma: no cover - only without the extra
    raise ImportError('channelkit.sdk.testing needs the host core: pip install "channelkit-sdk[testing]"') from exc

__all__ = ["AgentSimulator", "AgentView", "AnalyticsEvent", "InMemoryHost", "Toast", "channelkit_host"]


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``channelkit_wait_seconds`` ini option."""
    parser.addini("channelkit_wait_seconds", "how long channelkit.sdk.testing helpers wait before failing", default="5")


@pytest.fixture
def channelkit_host(request: pytest.FixtureRequest) -> Callable[..., InMemoryHost]:
    """Return a factory of :class:`InMemoryHost`; use its result with ``async with``."""
    wait = float(request.config.getini("channelkit_wait_seconds"))

    def factory(*providers: type, **options: object) -> InMemoryHost:
        options.setdefault("wait_seconds", wait)
        return InMemoryHost(*providers, **options)  # type: ignore[arg-type]

    return factory
