"""Registration rules, hook documentation, the public surface and the channelkit-provider command."""

from __future__ import annotations

import asyncio
import inspect
import subprocess
from pathlib import Path

import pytest

import channelkit.sdk
from channelkit.sdk import Provider
from channelkit.sdk import ProviderRegistry
from channelkit.sdk import RegistrationError
from channelkit.sdk import hookspecs
from channelkit.sdk.runtime import plugin_manager
from channelkit.sdk.runtime import register_plugin
from tests._support import start_host
from tests._support import stop_host
from tests.providers._helpers import PROVIDER_SCRIPT
from tests.providers._helpers import remote_config


class Voice(Provider):
    name = "voice"
    channel = "telephony"


class VoiceAgain(Provider):
    name = "voice"
    channel = "telephony"


class Nameless(Provider):
    channel = "chat"


def _plugin(*classes: object) -> object:
    class Plugin:
        @channelkit.sdk.hookimpl
        def channelkit_register_providers(self, registry: ProviderRegistry) -> None:
            for cls in classes:
                registry.add(cls)  # type: ignore[arg-type]

    return Plugin()


def test_duplicate_names_name_both_plugins() -> None:
    manager, registry = plugin_manager(), ProviderRegistry()
    assert register_plugin(manager, registry, "first", _plugin(Voice)) == ["voice"]
    with pytest.raises(RegistrationError, match=r"plugin 'second' registered provider 'voice'.*plugin 'first'"):
        register_plugin(manager, registry, "second", _plugin(VoiceAgain))


@pytest.mark.parametrize(
    ("registered", "complaint"),
    [
        (object, "not a channelkit.sdk.Provider subclass"),
        (Provider, "not a channelkit.sdk.Provider subclass"),
        (Nameless, "with name ''"),
    ],
)
def test_wrong_registrations_name_the_plugin(registered: object, complaint: str) -> None:
    with pytest.raises(RegistrationError, match="plugin 'vendor-x'") as caught:
        register_plugin(plugin_manager(), ProviderRegistry(), "vendor-x", _plugin(registered))
    assert complaint in str(caught.value)


def test_unknown_hook_is_refused_with_the_plugin_name() -> None:
    class Typo:
        @channelkit.sdk.hookimpl
        def channelkit_register_provider(self, registry: ProviderRegistry) -> None:
            raise AssertionError("never called")

    with pytest.raises(RegistrationError, match=r"plugin 'typo'.*channelkit_register_provider"):
        register_plugin(plugin_manager(), ProviderRegistry(), "typo", Typo())


@pytest.mark.parametrize("name", hookspecs.__all__)
def test_every_hook_is_prefixed_and_documents_each_parameter(name: str) -> None:
    hook = getattr(hookspecs, name)
    assert name.startswith("channelkit_")
    doc = inspect.getdoc(hook) or ""
    for parameter in inspect.signature(hook).parameters:
        assert f":param {parameter}:" in doc, f"{name} does not document {parameter}"
    assert ":returns:" in doc


@pytest.mark.parametrize("name", channelkit.sdk.__all__)
def test_every_public_name_is_documented(name: str) -> None:
    value = getattr(channelkit.sdk, name)
    if isinstance(value, str):
        return
    assert inspect.getdoc(value), f"channelkit.sdk.{name} has no docstring"


def _provider_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PROVIDER_SCRIPT, *args], capture_output=True, text=True, timeout=60)


def test_cli_reports_a_module_that_cannot_import(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("x")
    result = _provider_cli("run", "faulty_providers.broken", "--token-file", str(token))
    assert result.returncode == 2
    assert "cannot import plugin module 'faulty_providers.broken'" in result.stderr
    assert "acme_missing_dependency" in result.stderr


def test_cli_requires_a_token() -> None:
    result = _provider_cli("run", "acme_echo.plugin", "--token-file", "/nonexistent/token")
    assert result.returncode == 2
    assert "cannot read token file /nonexistent/token" in result.stderr


async def test_cli_refuses_a_token_of_another_provider(tmp_path: Path) -> None:
    config, secrets = remote_config({"name": "beta", "channel": "sms"})
    host = await start_host(config, secrets)
    try:
        token = tmp_path / "token"
        token.write_text(secrets.by_name["beta"])
        process = await asyncio.create_subprocess_exec(
            PROVIDER_SCRIPT,
            "run",
            "acme_echo.plugin",
            "--host",
            host.address,
            "--token-file",
            str(token),
            stderr=subprocess.PIPE,
        )
        _, stderr = await process.communicate()
        assert process.returncode == 1
        assert "the token belongs to provider 'beta', but this class is 'acme-echo'" in stderr.decode()
    finally:
        await stop_host(host)
