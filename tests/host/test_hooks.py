"""The host calls every hook through pluggy: fewer arguments, wrappers and ordering work as pluggy documents."""

from __future__ import annotations

import logging
import sys
import types
from collections.abc import Callable
from collections.abc import Generator
from collections.abc import Iterator

import pytest

from channelkit.host.testing import InMemoryHost
from channelkit.sdk import HostInfo
from channelkit.sdk import Provider
from channelkit.sdk import hookimpl
from channelkit.sdk.templates import NotificationTemplate
from channelkit.sdk.templates import TemplateSet


def _plugin_module(name: str, **hooks: Callable[..., object]) -> type[Provider]:
    """A plugin module ``name`` with ``hooks`` and one provider class, as an installed plugin would be."""
    module = types.ModuleType(name)
    for hook_name, function in hooks.items():
        setattr(module, hook_name, function)
    provider = type(f"{name.title()}Provider", (Provider,), {"name": name, "channel": "chat", "__module__": name})
    sys.modules[name] = module
    return provider


@pytest.fixture
def calls() -> Iterator[list[str]]:
    heard: list[str] = []
    yield heard
    for name in ("noargs", "plain", "wrapping", "raising"):
        sys.modules.pop(name, None)


async def test_hooks_that_take_no_arguments_are_called(calls: list[str]) -> None:
    @hookimpl
    def channelkit_host_started() -> None:
        calls.append("started")

    @hookimpl
    def channelkit_host_stopping() -> None:
        calls.append("stopping")

    @hookimpl
    def channelkit_default_templates() -> TemplateSet:
        calls.append("templates")
        return TemplateSet(notifications=[NotificationTemplate(name="noargs.offer", title="Offer")])

    provider = _plugin_module(
        "noargs",
        channelkit_host_started=channelkit_host_started,
        channelkit_host_stopping=channelkit_host_stopping,
        channelkit_default_templates=channelkit_default_templates,
    )
    async with InMemoryHost(provider) as host:
        assert calls == ["templates", "started"]
        assert "noargs.offer" in host.app.runtime.core.templates.notifications
    assert calls == ["templates", "started", "stopping"]


async def test_a_hook_wrapper_wraps_each_plugin_and_a_raising_plugin_silences_no_one(
    calls: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    @hookimpl
    def plain_started(info: HostInfo) -> None:
        calls.append(f"plain saw {','.join(info.providers)}")

    @hookimpl(tryfirst=True)
    def raising_started(info: HostInfo) -> None:
        calls.append("raising")
        raise RuntimeError("this plugin's hook is broken")

    @hookimpl(wrapper=True)
    def wrapper_started(info: HostInfo) -> Generator[None, list[None], list[None]]:
        calls.append("wrapper before")
        try:
            return (yield)
        finally:
            calls.append("wrapper after")

    plain = _plugin_module("plain", channelkit_host_started=plain_started)
    raising = _plugin_module("raising", channelkit_host_started=raising_started)
    wrapping = _plugin_module("wrapping", channelkit_host_started=wrapper_started)
    with caplog.at_level(logging.ERROR, logger="channelkit.host._hooks"):
        async with InMemoryHost(plain, raising, wrapping):
            pass
    assert calls == [
        "wrapper before",
        "raising",  # tryfirst: called before the plain plugin
        "wrapper after",
        "wrapper before",
        "plain saw plain,raising,wrapping",
        "wrapper after",
    ]
    failures = [r for r in caplog.records if "hook channelkit_host_started raised" in r.getMessage()]
    assert [r.getMessage().split(":")[0] for r in failures] == ["plugin raising"]
