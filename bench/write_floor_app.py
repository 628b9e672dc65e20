"""The least an enrollment POST can cost in this stack: a bench-only app, never served.

FastAPI with the service's own body schema, and behind it only the statements an
enrollment write cannot do without, in raw DB-API on the service's schema: the key's row
(hash compared), in one write transaction the intervention's newest version, the
open-enrollment row and the event row (encoded as the service encodes it, so the
projection reads it), and a durable commit. No domain rules, no event store, no ORM, no
idempotency. The route is added to the service's own app, so it passes
the same middleware, and `/health` is the service's. `bench/write_floor.py` serves it
beside the real server on the same database and compares both POSTs with `/health`.

python -m bench.write_floor_app DATABASE_URL PORT
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import sys
import threading
import uuid
from typing import Any

import psycopg
import uvicorn
from eventsourcing.utils import get_topic
from fastapi import APIRouter, FastAPI, Header, HTTPException, Response

from service.adapters.stored_events import event_row
from service.api.app import create_app
from service.api.command_bodies import enrollment_body
from service.api.schemas.enrollments import EnrollmentCreate
from service.bootstrap import bootstrap
from service.domain.enrollment import Enrollment
from service.domain.ids import AggregateIds


class Floor:
    """One connection per server thread; the raw statements of an enrollment write."""

    def __init__(self, url: str, ids: AggregateIds) -> None:
        self.ids = ids
        self.sqlite = url.startswith("sqlite")
        self.url = url.split("///", 1)[1] if self.sqlite else url.replace("+psycopg", "")
        self.mark = "?" if self.sqlite else "%s"
        self.local = threading.local()

    def connection(self) -> Any:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            if self.sqlite:
                conn = sqlite3.connect(self.url, isolation_level=None, check_same_thread=False)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=FULL")
                conn.execute("PRAGMA busy_timeout=30000")
            else:
                conn = psycopg.connect(self.url, autocommit=True)
            self.local.conn = conn
        return conn

    def sql(self, statement: str) -> str:
        return statement.replace("?", self.mark)

    def principal(self, token: str) -> tuple[str, list[str]] | None:
        """(association, interventions) of a valid coach key; None otherwise."""
        _, key_id, secret = token.split("_", 2)
        row = (
            self.connection()
            .execute(
                self.sql(
                    "SELECT association_id, interventions, secret_hash, revoked_at "
                    "FROM api_keys WHERE id = ?"
                ),
                (key_id,),
            )
            .fetchone()
        )
        if row is None or row[3] is not None:
            return None
        if not hmac.compare_digest(row[2], hashlib.sha256(secret.encode()).hexdigest()):
            return None
        interventions = row[1] if isinstance(row[1], list) else json.loads(row[1])
        return row[0], interventions

    def enroll(self, aid: str, iid: str, row: dict[str, Any], pseudonym: str) -> None:
        """Store the event `row` and the open-enrollment row, durably."""
        conn = self.connection()
        enrollment_id, intervention = row["originator_id"], self.ids.intervention(aid, iid)
        # The service's UUID column: 16 bytes on SQLite, uuid on PostgreSQL.
        key, of = (
            (enrollment_id.bytes, intervention.bytes)
            if self.sqlite
            else (enrollment_id, intervention)
        )
        conn.execute("BEGIN IMMEDIATE" if self.sqlite else "BEGIN")
        try:
            if not self.sqlite:
                conn.execute("LOCK TABLE uppfoljning_events IN EXCLUSIVE MODE")
            conn.execute(
                self.sql(
                    "SELECT max(originator_version) FROM uppfoljning_events WHERE originator_id = ?"
                ),
                (of,),
            ).fetchone()
            conn.execute(
                self.sql("INSERT INTO open_enrollments VALUES (?, ?, ?, ?)"),
                (aid, iid, pseudonym, str(enrollment_id)),
            )
            conn.execute(
                self.sql(
                    "INSERT INTO uppfoljning_events "
                    "(originator_id, originator_version, topic, state) VALUES (?, 1, ?, ?)"
                ),
                (key, row["topic"], row["state"]),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def enrolled_row(mapper: Any, aid: str, iid: str, key_id: str, fields: dict[str, Any]) -> Any:
    """The stored row of an Enrolled event, as the service stores it (so the projection
    reads it), built without the domain's checks."""
    event = Enrollment.Enrolled(
        originator_id=uuid.uuid4(), originator_version=Enrollment.INITIAL_VERSION,
        timestamp=Enrollment.Enrolled.create_timestamp(), originator_topic=get_topic(Enrollment),
        recorded_by=key_id, client_event_id=None, request_hash=None, association_id=aid,
        intervention_id=iid, fields=fields,
    )  # fmt: skip
    return event_row(mapper, event)


def create_floor_app(url: str) -> FastAPI:
    """The service's own app (its middleware, its `/health`), plus the floor's route."""
    container = bootstrap()
    floor = Floor(url, container.admin.ids)
    router = APIRouter()

    @router.post("/api/floor/{aid}/{iid}/enrollments", status_code=201)
    def enroll(
        aid: str,
        iid: str,
        body: EnrollmentCreate,
        response: Response,
        authorization: str = Header(),
    ) -> dict[str, Any]:
        token = authorization.removeprefix("Bearer ")
        reach = floor.principal(token)
        if reach is None or reach[0] != aid or iid not in reach[1]:
            raise HTTPException(404)
        fields = enrollment_body(body)  # the service's own conversion
        row = enrolled_row(container.store.mapper, aid, iid, token.split("_")[1], fields)
        floor.enroll(aid, iid, row, fields["pseudonym"])
        response.headers["ETag"] = '"1"'
        return {"id": str(row["originator_id"]), "version": 1}

    app = create_app(container, catch_up_at_start=False)
    app.include_router(router)
    return app


if __name__ == "__main__":
    # As `serve` runs its workers: uvicorn's access log at the service's default level.
    uvicorn.run(create_floor_app(sys.argv[1]), host="127.0.0.1", port=int(sys.argv[2]))
