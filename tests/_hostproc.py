"""A host as an operator runs it: ``channelkit serve --config host.toml`` in a subprocess, killed and restarted.

The configuration is written as TOML from the same dictionary shape the
tests build in memory; the ports are fixed when the process is first made,
so a restarted host listens where its clients reconnect.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from tests._postgres import free_port

CHANNELKIT = [sys.executable, "-m", "channelkit.host.cli"]


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no TOML for {value!r}")


def to_toml(data: dict[str, Any]) -> str:
    """TOML for a host configuration: sections of scalars, arrays of tables of scalars and inline tables."""
    lines: list[str] = []
    for section, body in data.items():
        if isinstance(body, list):
            for entry in body:
                lines.append(f"[[{section}]]")
                lines += [f"{key} = {_value(value)}" for key, value in entry.items()]
                lines.append("")
        else:
            lines.append(f"[{section}]")
            lines += [f"{key} = {_value(value)}" for key, value in body.items()]
            lines.append("")
    return "\n".join(lines)


class HostProcess:
    """``channelkit serve --config`` on fixed loopback ports; start, SIGKILL and start again."""

    def __init__(self, config: dict[str, Any], workdir: Path, name: str = "host") -> None:
        self.port = free_port()
        self.console_port = free_port()
        self.workdir = workdir
        self.config_path = workdir / f"{name}.toml"
        self.config_path.write_text(to_toml(config), encoding="utf-8")
        self.log_path = workdir / f"{name}.log"
        self.process: asyncio.subprocess.Process | None = None
        self.banner: list[str] = []
        self.starts = 0

    @property
    def address(self) -> str:
        """Where gRPC clients connect."""
        return f"127.0.0.1:{self.port}"

    @property
    def console(self) -> str:
        """The web console's base URL."""
        return f"http://127.0.0.1:{self.console_port}"

    async def start(self, timeout: float = 60.0) -> None:
        """Start the host and wait for its ready banner (its log goes to ``<name>.log``)."""
        log = self.log_path.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            *CHANNELKIT,
            "serve",
            "--config",
            str(self.config_path),
            "--address",
            self.address,
            "--console-address",
            f"127.0.0.1:{self.console_port}",
            stdout=asyncio.subprocess.PIPE,
            stderr=log,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            cwd=self.workdir,
        )
        log.close()
        self.starts += 1
        self.banner = []
        assert self.process.stdout is not None
        while True:
            line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
            if not line:
                tail = self.log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
                raise AssertionError(f"the host exited before serving (start {self.starts}):\n{tail}")
            self.banner.append(line.decode().rstrip("\n"))
            if "Ctrl-C or SIGTERM" in self.banner[-1]:
                return

    async def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, as a crash or an OOM kill."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> int:
        """SIGTERM and wait; the exit code."""
        if self.process is None:
            return 0
        if self.process.returncode is not None:
            return self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), 60)
