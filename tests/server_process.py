"""The real server as a child process: `python -m service serve` on a free port.

Used by the tests that must see what an operator sees (the README tour, crashes,
shutdown): uvicorn, the real event loop, the background projection thread, signals.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests import pgdb

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def service_env(database_url: str, folder: Path, **extra: str) -> dict[str, str]:
    """The environment of a server or CLI process on `database_url`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("UPPFOLJNING_")}
    env.update(
        UPPFOLJNING_DATABASE_URL=database_url,
        UPPFOLJNING_SECRETS_FILE=str(folder / "secrets.json"),
        UPPFOLJNING_ENVIRONMENT="test",
        UPPFOLJNING_PROJECTION_POLL_SECONDS="0.2",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


def run_cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """Run `python -m service ARGS` and return its stdout; fail loudly on an error."""
    done = subprocess.run(
        [sys.executable, "-m", "service", *args],
        env=env,
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"{args}: {done.stderr}"
    return done.stdout


@dataclass
class ServerProcess:
    """One `python -m service serve` process; start, stop gracefully or kill it."""

    env: dict[str, str]
    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> ServerProcess:
        """Start the server and wait until /health answers."""
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "service", "serve", "--port", str(self.port)],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise TimeoutError(f"server did not start: {self.log_path.read_text()[-2000:]}")

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, as systemd and Docker stop a service; the exit code."""
        return self._signal(signal.SIGTERM, timeout)

    def kill(self) -> int:
        """SIGKILL: the process dies at once, as in a crash."""
        return self._signal(signal.SIGKILL, 10.0)

    def _signal(self, signum: int, timeout: float) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signum)
        code = self.process.wait(timeout=timeout)
        self.process = None
        return code

    def log(self) -> str:
        """Everything the server printed so far."""
        return self.log_path.read_text(errors="replace")


@contextmanager
def dedicated_database(kind: str, folder: Path) -> Iterator[str]:
    """An empty database of its own (SQLite file or a new PostgreSQL database), dropped after.

    A server process must not share the run's PostgreSQL database: other tests empty it.
    """
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'live.db'}"
        return
    name = f"uppfoljning_live_{uuid.uuid4().hex[:12]}"
    if pgdb.main("create", name) != 0:
        raise RuntimeError("PostgreSQL is not reachable")
    try:
        yield pgdb.url_for(name)
    finally:
        pgdb.main("drop", name)


@contextmanager
def running_server(database_url: str, folder: Path, **extra_env: str) -> Iterator[ServerProcess]:
    """Migrate `database_url`, serve it, and stop the server afterwards whatever happens."""
    env = service_env(database_url, folder, **extra_env)
    run_cli(env, "migrate")
    server = ServerProcess(env, folder / "server.log").start()
    try:
        yield server
    finally:
        if server.process is not None:
            server.kill()
