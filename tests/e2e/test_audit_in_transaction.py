"""A write's audit entry is written in the write's own transaction (docs/decisions.md §22):
every write route commits its entry with its data, a write whose transaction fails leaves
neither, and a process killed right after the commit has both."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.orm import Session

from service.adapters import bulk_insert
from service.adapters.tables import EVENTS_TABLE, audit_log, events
from service.bootstrap import Container
from tests.conftest import KINDS, Tenant, bearer
from tests.e2e.test_audit_log import entries, operations
from tests.factories import EXIT_BODY, batch_enrolled, batch_event, coach_enrollment
from tests.server_process import ROOT, dedicated_database, run_cli, service_env

ENROLL = "POST /api/v1/associations/{aid}/interventions/{iid}/enrollments"
_WRITE = re.compile(r"\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|COPY)\s+\"?(\w+)", re.IGNORECASE)


@dataclass
class Commits:
    """The tables each committed transaction wrote to, in commit order."""

    committed: list[set[str]] = field(default_factory=list)
    open: dict[int, set[str]] = field(default_factory=dict)
    fail_when: Callable[[set[str]], bool] | None = None

    def statement(self, conn: Any, _c: Any, text: str, *_: Any) -> None:
        found = _WRITE.match(text)
        if found:
            self.open.setdefault(id(conn), set()).add(found.group(1).lower())

    def copied(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Also see the bulk path's COPY on PostgreSQL: it goes to the driver's own cursor,
        past SQLAlchemy's statement events."""
        copy = bulk_insert._copy

        def seen_copy(connection: Any, plan: Any, values: Any) -> None:
            self.statement(connection, None, plan.sql)
            copy(connection, plan, values)

        monkeypatch.setattr(bulk_insert, "_copy", seen_copy)

    def before_commit(self, session: Session) -> None:
        tables = self.open.get(id(session.connection()), set())
        if self.fail_when is not None and self.fail_when(tables):
            raise RuntimeError("injected: the transaction fails after the event insert")

    def commit(self, conn: Any) -> None:
        self.committed.append(self.open.pop(id(conn), set()))

    def rollback(self, conn: Any) -> None:
        self.open.pop(id(conn), None)


@pytest.fixture
def commits(container: Container, monkeypatch: pytest.MonkeyPatch) -> Iterator[Commits]:
    seen = Commits()
    seen.copied(monkeypatch)
    engine: Engine = container.engine
    hooks = (("before_cursor_execute", seen.statement), ("commit", seen.commit),
             ("rollback", seen.rollback))  # fmt: skip
    for name, hook in hooks:
        event.listen(engine, name, hook)
    event.listen(Session, "before_commit", seen.before_commit)
    yield seen
    event.remove(Session, "before_commit", seen.before_commit)
    for name, hook in hooks:
        event.remove(engine, name, hook)


def write_requests(tenant: Tenant) -> dict[str, Callable[[], Any]]:
    """One successful request for each write operation of the API, in an order that works."""
    c, base = tenant.client, tenant.base
    admin, system = bearer(tenant.admin_key), bearer(tenant.system_key)
    state: dict[str, str] = {}

    def post(path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
        return c.post(path, json=body, headers=headers or bearer(state.get("coach", "")))

    def new_key() -> Any:
        answer = post(
            f"{base}/api-keys",
            {"name": "coach 2", "role": "coach", "interventions": ["team-a", "forum"]},
            admin,
        )
        state["coach"], state["kid"] = answer.json()["key"], answer.json()["id"]
        return answer

    def enroll() -> Any:
        answer = post(f"{base}/interventions/team-a/enrollments", {
            "pseudonym": "pseudonym-1", "enrolled_on": "2023-03-01", "sex": "female",
            "birth_year": 1990, "education": "upper_secondary", "support": ["none"],
        })  # fmt: skip
        assert answer.status_code == 201, answer.text
        state["eid"] = answer.json()["id"]
        return answer

    def on(path: str, body: Any) -> Callable[[], Any]:
        return lambda: post(f"/api/v1/enrollments/{state['eid']}/{path}", body)

    def batch() -> Any:
        other = str(uuid.uuid4())
        items = [batch_enrolled(other, "pseudonym-2"), batch_event("exited", other, **EXIT_BODY)]
        return post(f"{base}/events:batch", {"events": items})

    return {
        "POST /api/v1/associations": lambda: post(
            "/api/v1/associations", {"id": "another", "name": "Another"}, system
        ),
        "PATCH /api/v1/associations/{aid}": lambda: c.patch(
            base, json={"name": "Renamed"}, headers=admin
        ),
        "POST /api/v1/associations/{aid}/interventions": lambda: post(
            f"{base}/interventions",
            {"id": "forum", "name": "Forum", "kind": "structural", "starts_on": "2020-01-01"},
            admin,
        ),
        "POST /api/v1/associations/{aid}/api-keys": new_key,
        "PUT /api/v1/associations/{aid}/interventions/{iid}/finances/{year}": lambda: c.put(
            f"{base}/interventions/team-a/finances/2025",
            json={"budget_sek": 100_000, "cost_sek": 90_000},
            headers=admin,
        ),
        ENROLL: enroll,
        "POST /api/v1/enrollments/{eid}/support-changes": on(
            "support-changes", {"changed_on": "2023-04-01", "support": ["sickness_benefit"]}
        ),
        "POST /api/v1/enrollments/{eid}/corrections": on("corrections", {"birth_year": 1991}),
        "POST /api/v1/enrollments/{eid}/exit": on("exit", EXIT_BODY),
        "POST /api/v1/enrollments/{eid}/exit-retraction": on("exit-retraction", {"why": "fel"}),
        "POST /api/v1/enrollments/{eid}/voiding": on("voiding", {"why": "fel person"}),
        "POST /api/v1/associations/{aid}/events:batch": batch,
        "POST /api/v1/associations/{aid}/anonymous-participants": lambda: post(
            f"{base}/anonymous-participants",
            {
                "intervention_id": "team-a",
                "from": "2021-01-01",
                "to": "2021-03-31",
                "female": 3,
                "male": 2,
                "unspecified": 1,
            },
        ),
        "POST /api/v1/associations/{aid}/activities": lambda: post(
            f"{base}/activities",
            {
                "intervention_id": "forum",
                "held_on": "2021-05-04",
                "title": "Forum",
                "participants": {"af": 4},
            },
        ),
        "DELETE /api/v1/associations/{aid}/api-keys/{kid}": lambda: c.delete(
            f"{base}/api-keys/{state['kid']}", headers=admin
        ),
    }


def test_every_write_commits_its_entry_with_its_data(
    tenant: Tenant, container: Container, commits: Commits
) -> None:
    requests = write_requests(tenant)
    writes = {f"{m.upper()} {p}" for m, p in operations() if m != "get"}
    assert set(requests) == writes, "a write route without a request here"
    for action, send in requests.items():
        before, entries_before = len(commits.committed), len(entries(container))
        response = send()
        assert 200 <= response.status_code < 300, (action, response.text)
        added = entries(container)[entries_before:]
        assert [(e["action"], e["status"]) for e in added] == [(action, response.status_code)]
        with_entry = [t for t in commits.committed[before:] if "audit_log" in t]
        assert len(with_entry) == 1, (action, commits.committed[before:])
        data = "api_keys" if "api-keys" in action else EVENTS_TABLE
        assert data in with_entry[0], (action, with_entry)


def test_a_refused_write_has_its_entry_on_its_own(
    tenant: Tenant, container: Container, commits: Commits
) -> None:
    eid = tenant.enroll(id=str(uuid.uuid4())).json()["id"]
    before = len(commits.committed)
    replay = tenant.post(f"/api/v1/enrollments/{eid}/exit-retraction", {"why": "x"})
    assert replay.status_code == 409
    assert commits.committed[before:] == [{"audit_log"}]
    assert entries(container)[-1]["status"] == 409


def test_a_write_whose_transaction_fails_leaves_neither_event_nor_entry(
    tenant: Tenant, container: Container, commits: Commits
) -> None:
    def count(table: Any) -> int:
        with container.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(table)).scalar_one())

    stored = count(events)
    commits.fail_when = lambda tables: EVENTS_TABLE in tables and "audit_log" in tables
    quiet = TestClient(tenant.client.app, raise_server_exceptions=False)
    response = quiet.post(
        f"{tenant.base}/interventions/team-a/enrollments",
        json=coach_enrollment(), headers=bearer(tenant.coach_key),
    )  # fmt: skip
    commits.fail_when = None
    assert response.status_code == 500
    assert count(events) == stored
    added = [e for e in entries(container) if e["action"] == ENROLL]
    assert [e["status"] for e in added] == [500]  # the failure's own entry, no 201


@pytest.mark.parametrize("kind", KINDS)
def test_a_write_killed_right_after_its_commit_has_its_entry(kind: str, tmp_path: Path) -> None:
    eid = str(uuid.uuid4())
    with dedicated_database(kind, tmp_path) as url:
        env = service_env(url, tmp_path)
        run_cli(env, "migrate")
        child = subprocess.run(
            [sys.executable, "-m", "tests.crash_child", "write", eid],
            env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert child.returncode == -9, child.stderr[-2000:]
        coach_id = child.stdout.strip()
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                stored = connection.execute(
                    select(func.count()).where(events.c.originator_id == uuid.UUID(eid))
                ).scalar_one()
                rows = connection.execute(
                    select(audit_log.c.key_id, audit_log.c.status).where(
                        audit_log.c.action == ENROLL
                    )
                ).all()
        finally:
            engine.dispose()
        assert stored == 1
        assert [tuple(r) for r in rows] == [(coach_id, 201)], json.dumps(rows, default=str)


@pytest.mark.parametrize("kind", KINDS)
def test_each_cli_command_that_writes_commits_its_entry_with_its_data(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """create-key, revoke-key, import, erase and gallra, run in this process: the
    transaction that carries the command's entry also wrote the command's data."""
    from typer.testing import CliRunner

    from service.cli.commands import app
    from tests.e2e.test_removal_crash import enroll, tenant_on

    with dedicated_database(kind, tmp_path) as url:
        env = service_env(url, tmp_path)
        run_cli(env, "migrate")
        with tenant_on(url, tmp_path) as tenant:
            person = "person-" + "f" * 40
            enroll(tenant, person, "2019-03-01", "2020-06-30")
            retention = {"settings": {"retention_years_after_exit": 3}}
            tenant.client.patch(tenant.base, json=retention, headers=bearer(tenant.admin_key))
            enroll(tenant, person, "2024-03-01", None)
        events_file = tmp_path / "events.jsonl"
        item = batch_enrolled(str(uuid.uuid4()), "imported-" + "a" * 40)
        events_file.write_text(json.dumps(item) + "\n")
        seen = Commits()
        seen.copied(monkeypatch)
        hooks = (("before_cursor_execute", seen.statement), ("commit", seen.commit),
                 ("rollback", seen.rollback))  # fmt: skip
        for name, hook in hooks:
            event.listen(Engine, name, hook)
        runner = CliRunner()
        aid = tenant.association_id
        try:
            # A removal's first write stores the published years it touches (then the events).
            removal = {"stored_annual_answers", EVENTS_TABLE}
            key = runner.invoke(app, ["create-key", "--name", "first"], env=env).stdout
            for args, data in (
                (["create-key", "--name", "second"], {"api_keys"}),
                (["revoke-key", key.split("_", 2)[1]], {"api_keys"}),
                (["import", "--association", aid, str(events_file)], {EVENTS_TABLE}),
                (["gallra"], removal),
                (["erase", "--association", aid, "--pseudonym", person], removal),
            ):
                before = len(seen.committed)
                done = runner.invoke(app, args, env=env, catch_exceptions=False)
                assert done.exit_code == 0, (args, done.output)
                with_entry = [t for t in seen.committed[before:] if "audit_log" in t]
                assert len(with_entry) == 1 and data & with_entry[0], (args, with_entry)
        finally:
            for name, hook in hooks:
                event.remove(Engine, name, hook)
