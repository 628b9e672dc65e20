"""The real server as a child process: `python -m service serve` on a free port.

Used by the tests that must see what an operator sees (the README tour, crashes,
shutdown): uvicorn, the real event loop, the projection child process, signals.
"""

from __future__ import annotations

import contextlib
import io
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
from typing import Any

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
        {
            "UPPFOLJNING_DATABASE_URL": database_url,
            "UPPFOLJNING_SECRETS_FILE": str(folder / "secrets.json"),
            "UPPFOLJNING_ENVIRONMENT": "test",
            "UPPFOLJNING_PROJECTION_POLL_SECONDS": "0.2",
            "PYTHONUNBUFFERED": "1",
            **extra,  # may override the defaults above
        }
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
                # Its own process group, as a job a terminal runs: Ctrl-C there reaches the
                # server's group, not the tests'.
                process_group=0,
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
        """SIGKILL to the server and all its processes at once, as in a crash of the
        machine or container; the supervisor's exit code."""
        assert self.process is not None
        family = descendants_of(self.process.pid)
        code = self._signal(signal.SIGKILL, 10.0)
        for pid in family:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return code

    def kill_supervisor(self) -> int:
        """SIGKILL to the supervising process alone; its children are left to notice."""
        return self._signal(signal.SIGKILL, 10.0)

    def wait(self, timeout: float = 30.0) -> int:
        """The exit code, once the server has ended by itself."""
        assert self.process is not None
        code = self.process.wait(timeout=timeout)
        self.process = None
        return code

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

    def projection_children(self) -> list[int]:
        """Pids of the server's live `python -m service project` children."""
        return self._children("project")

    def request_workers(self) -> list[int]:
        """Pids of the server's live `python -m service serve-worker` children."""
        return self._children("serve-worker")

    def _children(self, command: str) -> list[int]:
        assert self.process is not None
        return [pid for pid in children_of(self.process.pid) if command in command_line(pid)]


def command_line(pid: int) -> list[str]:
    """The arguments process `pid` was started with; empty if it has gone."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    except (FileNotFoundError, ProcessLookupError):
        return []


def stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name, or None if it has gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat.rsplit(")", 1)[1].split()


def children_of(parent: int) -> list[int]:
    """Live (not zombie) child processes of `parent`, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = stat_fields(int(entry.name))
            if fields and fields[1] == str(parent) and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def descendants_of(parent: int) -> list[int]:
    """Live children of `parent`, their children, and so on."""
    found = children_of(parent)
    for child in list(found):
        found.extend(descendants_of(child))
    return found


def is_running(pid: int) -> bool:
    """Whether process `pid` exists and is not a zombie."""
    fields = stat_fields(pid)
    return fields is not None and fields[0] != "Z"


@contextmanager
def dedicated_database(kind: str, folder: Path) -> Iterator[str]:
    """An empty database of its own (SQLite file or a new PostgreSQL database), dropped after.

    A server process must not share the run's PostgreSQL database: other tests empty it.
    """
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'live-{uuid.uuid4().hex[:8]}.db'}"
        return
    name = f"uppfoljning_live_{uuid.uuid4().hex[:12]}"
    with contextlib.redirect_stdout(io.StringIO()):  # pgdb prints the URL
        created = pgdb.main("create", name)
    if created != 0:
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


# --- an association on a live server, set up as an operator would --------------------

API = "/api/v1"


def bearer(key: str) -> dict[str, str]:
    """The Authorization header of a key."""
    return {"Authorization": f"Bearer {key}"}


@dataclass
class HttpTenant:
    """An association on a real server: its keys and interventions."""

    url: str
    association_id: str
    admin_key: str
    coach_key: str
    analyst_key: str
    interventions: tuple[str, ...]
    system_key: str = ""  # the operator's key that made the association (provision)

    @property
    def base(self) -> str:
        return f"{self.url}{API}/associations/{self.association_id}"

    def enrollments_url(self, intervention: str) -> str:
        return f"{self.base}/interventions/{intervention}/enrollments"

    def enrollment_url(self, eid: str, action: str = "") -> str:
        suffix = f"/{action}" if action else ""
        return f"{self.url}{API}/enrollments/{eid}{suffix}"

    def coach(self, **extra: str) -> dict[str, str]:
        return {**bearer(self.coach_key), **extra}

    def analyst(self) -> dict[str, str]:
        return bearer(self.analyst_key)


def provision(
    url: str,
    env: dict[str, str],
    association_id: str = "sodra-dalarna",
    interventions: tuple[str, ...] = ("team-a", "team-b"),
) -> HttpTenant:
    """Set up an association the way an operator and its admin would: CLI key, then the API."""
    root = run_cli(env, "create-key").strip()
    with httpx.Client(base_url=f"{url}{API}", timeout=60) as client:

        def post(path: str, key: str, body: dict[str, Any]) -> dict[str, Any]:
            response = client.post(path, json=body, headers=bearer(key))
            assert response.status_code == 201, response.text
            answer: dict[str, Any] = response.json()
            return answer

        base = f"/associations/{association_id}"
        post(
            "/associations",
            root,
            {"id": association_id, "name": "Förbundet", "settings": {"min_cell_size": 0}},
        )
        admin = post(f"{base}/api-keys", root, {"name": "admin", "role": "association_admin"})
        for iid in interventions:
            post(
                f"{base}/interventions",
                admin["key"],
                {"id": iid, "name": iid.title(), "kind": "individual", "starts_on": "2019-01-01"},
            )
        coach = post(
            f"{base}/api-keys",
            admin["key"],
            {"name": "coach", "role": "coach", "interventions": list(interventions)},
        )
        analyst = post(f"{base}/api-keys", admin["key"], {"name": "analyst", "role": "analyst"})
    return HttpTenant(
        url,
        association_id,
        admin["key"],
        coach["key"],
        analyst["key"],
        tuple(interventions),
        root,
    )
