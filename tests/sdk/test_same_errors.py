"""The same bad input gets the same exception (class, reason, field) remotely, in-process and in the testing kit.

The host is the one judge of requests: the SDK checks nothing itself, so no
limit can disagree between the two and no raw pydantic error reaches a vendor.
"""

from __future__ import annotations

from collections.abc import Awaitable
from collections.abc import Callable

from channelkit.host.testing import InMemoryHost
from channelkit.sdk import Host
from channelkit.sdk import NotificationField
from channelkit.sdk import Provider
from channelkit.sdk import TabSpec
from channelkit.sdk import limits
from channelkit.sdk.errors import ChannelkitError
from channelkit.sdk.runtime import GrpcConnection
from channelkit.sdk.runtime import handshake
from tests._support import make_config
from tests._support import start_host
from tests._support import stop_host

BadCall = Callable[[Host], Awaitable[object]]


async def _reuse_request_id(host: Host) -> None:
    await host.set_presence("agent-1", "Busy", request_id="same-id")
    await host.set_presence("agent-1", "Away", request_id="same-id")


BAD_CALLS: dict[str, BadCall] = {
    "empty session title": lambda h: h.create_session("agent-1", title=""),
    "session title too long": lambda h: h.create_session("agent-1", title="t" * (limits.TITLE_MAX + 1)),
    "title and template": lambda h: h.create_session("agent-1", title="x", template="telephony.call"),
    "toast title too long": lambda h: h.notify_event("agent-1", title="t" * (limits.NOTIFICATION_TITLE_MAX + 1)),
    "toast field too long": lambda h: h.notify_event(
        "agent-1", title="x", fields=[NotificationField(header="h", value="v" * (limits.FIELD_VALUE_MAX + 1))]
    ),
    "tab target too long": lambda h: h.create_session(
        "agent-1", title="x", anchor_tab=TabSpec.url("Page", "https://x.example/" + "p" * limits.TARGET_MAX)
    ),
    "tab URL not http": lambda h: h.create_session("agent-1", title="x", anchor_tab=TabSpec.url("Page", "ftp://x")),
    "tab and template": lambda h: h.create_tab("s-none", TabSpec.transcript("Chat"), template="chat.transcript"),
    "unknown panel mode": lambda h: h.set_panel_mode("agent-1", "floating"),
    "request id reused": _reuse_request_id,
}


class Caller(Provider):
    """A provider that only keeps its client, for the test to call through."""

    name = "caller"
    channel = "chat"

    async def on_start(self, host: Host) -> None:
        self.host = host


async def _outcomes(host: Host) -> dict[str, tuple[str, str, str | None]]:
    found = {}
    for what, call in BAD_CALLS.items():
        try:
            await call(host)
        except ChannelkitError as error:
            found[what] = (type(error).__name__, error.reason.value, error.field)
        else:
            found[what] = ("no error", "", None)
    return found


async def test_bad_input_gets_the_same_error_remotely_in_process_and_in_the_testing_kit() -> None:
    async with InMemoryHost(Caller) as kit:
        provider = kit.provider("caller")
        assert isinstance(provider, Caller)
        in_kit = await _outcomes(provider.host)

    config, secrets = make_config()
    running = await start_host(config, secrets)
    connection = GrpcConnection(running.address, secrets.by_name["beta"])
    try:
        remote = await _outcomes(Host(connection.transport, await handshake(connection.transport)))
    finally:
        await connection.close()
        await stop_host(running)

    assert remote == in_kit
    assert in_kit["empty session title"] == ("InvalidArgument", "INVALID_FIELD", "title")
    assert in_kit["toast title too long"] == ("InvalidArgument", "INVALID_FIELD", "title")
    assert in_kit["toast field too long"] == ("InvalidArgument", "INVALID_FIELD", "fields[0].value")
    assert in_kit["tab target too long"] == ("InvalidArgument", "INVALID_FIELD", "anchor_tab.target")
    assert in_kit["unknown panel mode"] == ("InvalidArgument", "INVALID_FIELD", "mode")
    assert in_kit["request id reused"] == ("InvalidArgument", "REQUEST_ID_REUSED", "request_id")
    assert all(outcome[0] == "InvalidArgument" for outcome in in_kit.values()), in_kit
