"""A third-party provider package, installed like any other, runs the same scenario both ways."""

from __future__ import annotations

from pathlib import Path

from channelkit.v1 import host_service_pb2 as hpb
from tests._support import RunningHost
from tests._support import make_config
from tests._support import start_host
from tests._support import stop_host
from tests.providers._helpers import echo_scenario
from tests.providers._helpers import only_plugins
from tests.providers._helpers import provider_status
from tests.providers._helpers import remote_config
from tests.providers._helpers import remote_provider
from tests.providers._helpers import until


async def test_installed_package_is_discovered_through_its_entry_point_and_runs_in_process() -> None:
    config, secrets = make_config(providers=[], plugins=only_plugins("acme-echo"))
    host = await start_host(config, secrets)
    try:
        listed = await host.admin().ListProviders(hpb.ListProvidersRequest())
        plugin = next(p for p in listed.plugins if p.name == "acme-echo")
        assert (plugin.distribution, plugin.version, list(plugin.providers), plugin.error) == (
            "acme-echo-provider",
            "1.2.0",
            ["acme-echo"],
            "",
        )
        status = await provider_status(host, "acme-echo")
        assert status.attachment == hpb.PROVIDER_ATTACHMENT_IN_PROCESS
        assert status.connected
        assert (status.channel, status.channel_order) == ("chat", 5), "class attributes give the defaults"
        await echo_scenario(host)
        assert (await provider_status(host, "acme-echo")).faults == 0
    finally:
        await stop_host(host)


async def test_same_class_runs_remotely_with_channelkit_provider_run(tmp_path: Path) -> None:
    config, secrets = remote_config({"name": "acme-echo", "channel": "chat", "click_to_act": True})
    host = await start_host(config, secrets)
    try:
        async with remote_provider(host.address, "acme_echo.plugin", secrets.by_name["acme-echo"], tmp_path):
            await until(lambda: _connected(host), "the remote provider to connect")
            status = await provider_status(host, "acme-echo")
            assert status.attachment == hpb.PROVIDER_ATTACHMENT_REMOTE
            await echo_scenario(host)
    finally:
        await stop_host(host)


async def _connected(host: RunningHost) -> bool:
    return (await provider_status(host, "acme-echo")).connected
