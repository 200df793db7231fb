"""``channelkit demo --remote``: each reference provider as its own ``channelkit-provider`` process.

The processes connect over gRPC with their own tokens, exactly as a vendor's
provider would; their output goes to log files in the state directory, and
lines at ERROR level count towards the demo's error total.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sys
from pathlib import Path
from typing import IO

from channelkit.host.demo._setup import MODULES
from channelkit.host.demo._setup import REFERENCE_PROVIDERS
from channelkit.host.demo._setup import DemoState


class RemoteProviders:
    """The provider subprocesses of one demo run."""

    def __init__(self, state: DemoState, address: str) -> None:
        self._state = state
        self._address = address
        self._processes: dict[str, subprocess.Popen[bytes]] = {}
        self._logs: dict[str, IO[bytes]] = {}

    def log_file(self, name: str) -> Path:
        """Where provider ``name``'s output goes."""
        return self._state.directory / f"{name}.log"

    def start(self) -> None:
        """Start one ``channelkit-provider run`` per reference provider."""
        for name in REFERENCE_PROVIDERS:
            command = [
                sys.executable,
                "-m",
                "channelkit.sdk.cli",
                "run",
                MODULES[name],
                "--host",
                self._address,
                "--token-file",
                str(self._state.token_file(name)),
            ]
            self._logs[name] = self.log_file(name).open("wb")
            self._processes[name] = subprocess.Popen(command, stdout=self._logs[name], stderr=subprocess.STDOUT)

    def exited(self) -> dict[str, int]:
        """Providers whose process already ended, with the exit code."""
        return {name: code for name, p in self._processes.items() if (code := p.poll()) is not None}

    async def stop(self, grace: float = 10.0) -> dict[str, int]:
        """SIGTERM every process (each runs ``on_stop`` and exits 0), kill what is left; return the codes."""
        for process in self._processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        codes = {}
        for name, process in self._processes.items():
            try:
                codes[name] = await asyncio.to_thread(process.wait, grace)
            except subprocess.TimeoutExpired:
                process.kill()
                codes[name] = await asyncio.to_thread(process.wait)
        for handle in self._logs.values():
            with contextlib.suppress(OSError):
                handle.close()
        return codes

    def error_lines(self) -> dict[str, int]:
        """Lines logged at ERROR level (or tracebacks) by each provider process."""
        counts = {}
        for name in self._processes:
            text = self.log_file(name).read_text(encoding="utf-8", errors="replace")
            counts[name] = sum(1 for line in text.splitlines() if " ERROR " in line or line.startswith("Traceback"))
        return counts
