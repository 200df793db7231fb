"""A throwaway PostgreSQL server for the tests: Debian's binaries, a temporary directory, a free loopback port.

``initdb`` refuses to run as root, so on a root CI machine the server runs as
the ``postgres`` user (which Debian's package creates). Each test gets a
database of its own; the server lives for the session. Nothing is mocked:
the host talks to a real server over TCP.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg

INSTALL_HINT = "install Debian's postgresql package (apt-get install postgresql; .ci/run does this)"


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    raise RuntimeError(f"the PostgreSQL tests need initdb and pg_ctl: {INSTALL_HINT}")


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class PostgresServer:
    """One running server: where it listens and how to stop or restart it."""

    bin_dir: Path
    data: Path
    port: int
    as_user: list[str]
    fsync: bool = False
    """Tests run without fsync (a test's data need not survive a power loss); a benchmark with it."""

    @property
    def admin_dsn(self) -> str:
        """The maintenance database, as the superuser."""
        return f"postgresql://channelkit@127.0.0.1:{self.port}/postgres"

    def dsn(self, database: str) -> str:
        """A database of this server."""
        return f"postgresql://channelkit@127.0.0.1:{self.port}/{database}"

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin_dir / "pg_ctl"), "-D", str(self.data), *args],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self) -> None:
        """Start (or start again) on the same port and data directory."""
        fsync = "on" if self.fsync else "off"
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data} -c fsync={fsync} -c max_connections=300"
        self._pg_ctl("-o", options, "-l", str(self.data / "server.log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``immediate``: as a crash would)."""
        self._pg_ctl("-m", mode, "-w", "stop")

    def create_database(self, name: str) -> str:
        """A fresh, empty database; its DSN."""
        with psycopg.connect(self.admin_dsn, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.dsn(name)

    def drop_database(self, name: str) -> None:
        """Drop a test's database, ending whatever still uses it."""
        with psycopg.connect(self.admin_dsn, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def postgres_server(*, fsync: bool = False) -> Iterator[PostgresServer]:
    """initdb into a temporary directory, start on a free port, stop and remove it afterwards."""
    bin_dir = _bin_dir()
    as_user: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="channelkit-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(root, "postgres")
    subprocess.run(
        [*as_user, str(bin_dir / "initdb"), "-D", str(data), "-U", "channelkit", "--auth=trust", "-E", "UTF8"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    server = PostgresServer(bin_dir, data, free_port(), as_user, fsync)
    server.start()
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            server.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
