"""Fixtures shared by every test: a real host on a free loopback port."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests._support import RunningHost
from tests._support import make_config
from tests._support import start_host
from tests._support import stop_host


@pytest.fixture
async def host() -> AsyncIterator[RunningHost]:
    """A running host with agents agent-1/agent-2 and providers alpha, beta, gamma."""
    config, secrets = make_config()
    running = await start_host(config, secrets)
    yield running
    await stop_host(running)
