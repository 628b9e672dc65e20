"""Issue 4: statistics and projection on a "national decade" of events.

The dataset: ASSOCIATIONS × INTERVENTIONS, enrollments spread over 2016–2025, each with an
Enrolled event, a support change for 30 % and an exit for most. Aggregates are built with
the domain model (so every event is one the service would accept); the events are encoded
by the event store's own mapper and inserted with one executemany per chunk, which skips
the per-request work the HTTP benchmarks measure.

Measured, each against a plain-SQL baseline on the same rows:
- statistics of one association-year (p95 of repeated calls, projection caught up);
- projection catch-up of the whole store and `rebuild` (events per second).
"""

from __future__ import annotations

import random
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, insert, select, text

from bench.common import Row, database, median, open_container, percentile, workdir
from bench.inprocess import SYSTEM
from service.adapters.tables import enrollment_versions, events
from service.domain.calendar import add_months
from service.domain.enrollment import Enrollment
from service.domain.facts import Period
from service.domain.municipalities import municipality_names
from service.domain.principal import Principal

TODAY = date(2026, 1, 15)
START = date(2016, 1, 1)
DAYS = (date(2025, 12, 31) - START).days
SEXES = ("female", "male")
# 80 real kommunkoder (SCB's list): as many distinct codes as the benchmark always used.
MUNICIPALITIES = sorted(municipality_names())[:80]
EDUCATION = ("incomplete_compulsory", "compulsory", "upper_secondary", "post_secondary", "unknown")
SUPPORT = (["social_assistance"], ["sickness_benefit"], ["activity_compensation"], ["none"])
REASONS = ("work", "studies", "job_seeking", "discontinued", "moved", "other")
EVENTS_PER_ENROLLMENT = 2.05  # 1 + 0.3 support changes + ~0.75 exits (measured below)


def build_associations(container: Any, associations: int, interventions: int) -> list[str]:
    """Associations and their interventions through the application layer."""
    ids = []
    for a in range(associations):
        aid = f"forbund-{a:02d}"
        container.admin.create_association(SYSTEM, aid, f"Förbund {a}", {})
        owner = Principal(f"admin-{a}", "association_admin", aid, frozenset())
        for i in range(interventions):
            container.admin.register_intervention(
                owner, aid,
                {"id": f"insats-{i:02d}", "name": f"Insats {i}", "kind": "individual",
                 "starts_on": START, "ends_on": None},
            )  # fmt: skip
        ids.append(aid)
    return ids


def stored_row(mapper: Any, event: Any) -> dict[str, Any]:
    """A domain event as a row of the events table (the mapper's stored form)."""
    stored = mapper.to_stored_event(event)
    return {"originator_id": stored.originator_id,
            "originator_version": stored.originator_version,
            "topic": stored.topic, "state": stored.state}  # fmt: skip


def _enrollment(
    rng: random.Random, aid: str, iid: str, n: int, start: date = START, days: int = DAYS
) -> Enrollment:
    enrolled_on = start + timedelta(days=rng.randrange(days))
    fields = {
        "pseudonym": f"{aid}-{iid}-{n:07d}",
        "enrolled_on": enrolled_on,
        "sex": rng.choice(SEXES),
        "birth_year": enrolled_on.year - rng.randint(17, 64),
        "education": rng.choice(EDUCATION),
        "municipality": rng.choice(MUNICIPALITIES),
        "support": rng.choice(SUPPORT),
        "months_on_public_support": rng.randrange(60),
    }
    meta: dict[str, Any] = {"recorded_by": "loader", "client_event_id": None, "request_hash": None}
    enrollment = Enrollment.started_by(
        Enrollment.enroll(
            uuid.uuid4(), association_id=aid, intervention_id=iid, fields=fields, today=TODAY,
            recorded_by="loader", request_hash=None,
        )
    )  # fmt: skip
    exit_on = add_months(enrolled_on, rng.randint(1, 30))
    if rng.random() < 0.3:
        changed = enrolled_on + timedelta(days=rng.randint(0, 60))
        if changed <= TODAY and changed < exit_on:
            enrollment.change_support(changed, rng.choice(SUPPORT), today=TODAY, **meta)
    if exit_on <= date(2025, 12, 31):
        enrollment.record_exit(
            {"exited_on": exit_on, "reason": rng.choice(REASONS), "progressed": rng.random() < 0.4},
            today=TODAY, **meta,
        )  # fmt: skip
    return enrollment


def load_enrollments(
    container: Any, association_ids: list[str], interventions: int, per_intervention: int
) -> int:
    """Insert the enrollments' events in chunks; returns how many events."""
    rng = random.Random(20251231)
    mapper = container.store.mapper
    total = 0
    chunk: list[dict[str, Any]] = []

    def flush() -> None:
        if not chunk:  # an empty executemany would insert one row of defaults
            return
        with container.engine.begin() as conn:
            conn.execute(insert(events), chunk)
        chunk.clear()

    for aid in association_ids:
        for i in range(interventions):
            iid = f"insats-{i:02d}"
            for n in range(per_intervention):
                chunk += (
                    stored_row(mapper, event)
                    for event in _enrollment(rng, aid, iid, n).collect_events()
                )
            if len(chunk) >= 5000:
                total += len(chunk)
                flush()
    total += len(chunk)
    flush()
    return total


# --- statistics ------------------------------------------------------------------------


def answer_times(container: Any, aid: str, period: Period, repeats: int) -> list[float]:
    """Seconds of each of `repeats` statistics answers (after one untimed)."""
    container.queries.statistics_unchecked(aid, period)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        container.queries.statistics_unchecked(aid, period)
        times.append(time.perf_counter() - start)
    return times


def statistics_p95(container: Any, aid: str, year: int, repeats: int) -> float:
    return percentile(answer_times(container, aid, Period.year(year), repeats), 95)


SQL_BASELINE = """
SELECT intervention_id, sex, count(*),
       sum(CASE WHEN enrolled_on >= :start THEN 1 ELSE 0 END),
       sum(CASE WHEN exited_on BETWEEN :start AND :end THEN 1 ELSE 0 END),
       sum(CASE WHEN exited_on IS NULL OR exited_on > :end THEN 1 ELSE 0 END),
       avg(birth_year), sum(CASE WHEN progressed THEN 1 ELSE 0 END)
FROM enrollment_versions
WHERE association_id = :aid AND recorded_to IS NULL AND voided = :false
  AND enrolled_on <= :end AND (exited_on IS NULL OR exited_on >= :start)
GROUP BY intervention_id, sex
"""


def sql_baseline_p95(container: Any, aid: str, year: int, repeats: int) -> float:
    """Plain SQL: read the same rows (current, not voided, active in the year) and aggregate."""
    params = {"aid": aid, "start": date(year, 1, 1), "end": date(year, 12, 31), "false": False}
    times = []
    with container.engine.connect() as conn:
        for _ in range(repeats + 1):
            start = time.perf_counter()
            conn.execute(text(SQL_BASELINE), params).all()
            times.append(time.perf_counter() - start)
        conn.rollback()
    return percentile(times[1:], 95)


def active_rows(container: Any, aid: str, year: int) -> int:
    t = enrollment_versions
    query = select(func.count()).where(
        t.c.association_id == aid, t.c.recorded_to.is_(None),
        t.c.enrolled_on <= date(year, 12, 31),
        (t.c.exited_on.is_(None)) | (t.c.exited_on >= date(year, 1, 1)),
    )  # fmt: skip
    with container.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


# --- projection ------------------------------------------------------------------------


def raw_projection_rate(container: Any, batch: int = 1000) -> float:
    """Events/s of the plain-SQL floor: SELECT the event rows in batches of `batch` and
    executemany the same number of read-model rows (copies of the projected enrollment rows)
    into a copy of enrollment_versions."""
    engine = container.engine
    copy = Table("bench_enrollment_versions", enrollment_versions.metadata.__class__())
    for column in enrollment_versions.c:
        copy.append_column(column._copy())
    copy.create(engine, checkfirst=True)
    with engine.connect() as conn:
        source = [dict(r) for r in conn.execute(select(enrollment_versions)).mappings()]
        conn.rollback()
    for r in source:
        r.pop("row_id")
    total_events = 0
    start = time.perf_counter()
    position = 0
    written = 0
    while True:
        with engine.begin() as conn:
            rows = conn.execute(
                select(events.c.id, events.c.originator_id, events.c.originator_version,
                       events.c.topic, events.c.state)
                .where(events.c.id > position).order_by(events.c.id).limit(batch)
            ).all()  # fmt: skip
            if not rows:
                break
            position = rows[-1][0]
            total_events += len(rows)
            share = source[written : written + len(rows)] or source[: len(rows)]
            written += len(rows)
            conn.execute(insert(copy), share)
    elapsed = time.perf_counter() - start
    copy.drop(engine)
    return total_events / elapsed


def projection_rates(container: Any) -> tuple[float, float, int]:
    """(catch-up events/s from an empty read model, rebuild events/s, events)."""
    from service.cli.rebuild import rebuild_read_models

    start = time.perf_counter()
    applied = container.projector.catch_up()
    catch_up = applied / (time.perf_counter() - start)
    start = time.perf_counter()
    rebuilt = rebuild_read_models(container)
    rebuild = rebuilt / (time.perf_counter() - start)
    return catch_up, rebuild, applied


# --- the benchmark ---------------------------------------------------------------------


SIZES = {
    # name: (associations, interventions per association, enrollments per intervention)
    "quick": (4, 5, 40),
    "200k": (80, 25, 49),
    "1M": (80, 25, 244),
}


def run(kind: str, size: str) -> list[Row]:
    associations, interventions, per_intervention = SIZES[size]
    repeats = 10 if size == "quick" else 30
    rows: list[Row] = []
    with workdir() as folder, database(kind, folder) as url:
        container = open_container(url, Path(folder))
        container.enrollments.today = lambda: TODAY
        start = time.perf_counter()
        ids = build_associations(container, associations, interventions)
        loaded = load_enrollments(container, ids, interventions, per_intervention)
        load_s = time.perf_counter() - start
        with container.engine.connect() as conn:
            stored = int(conn.execute(select(func.count()).select_from(events)).scalar_one())
        catch_up, rebuild, applied = projection_rates(container)
        raw = raw_projection_rate(container)
        label = f"{stored:,} events".replace(",", " ")
        rows.append(
            Row("4", f"projection catch-up ({label})", kind, catch_up, "ev/s", raw,
                "SELECT + executemany", "≥ 20 000 ev/s", catch_up >= 20_000,
                f"load {load_s:.0f} s ({loaded / load_s:,.0f} ev/s)".replace(",", " "))
        )  # fmt: skip
        rows.append(
            Row("4", f"rebuild ({label})", kind, rebuild, "ev/s", raw, "SELECT + executemany",
                "≥ 20 000 ev/s", rebuild >= 20_000)
        )  # fmt: skip
        aid, year = ids[len(ids) // 2], 2023
        p95 = statistics_p95(container, aid, year, repeats)
        base = sql_baseline_p95(container, aid, year, repeats)
        active = active_rows(container, aid, year)
        rows.append(
            Row("4", f"statistics p95, 1 association-year ({active} active)", kind,
                p95 * 1000, "ms", base * 1000, "plain SQL aggregate", "≤ 50 ms", p95 <= 0.050,
                f"{repeats} calls; {applied} events projected")
        )  # fmt: skip
        container.close()
    return rows


def median_of(values: list[float]) -> float:
    return median(values)


if __name__ == "__main__":
    import sys

    from bench.common import markdown

    size = next((a[2:] for a in sys.argv[1:] if a.startswith("--")), "quick")
    kinds = [a for a in sys.argv[1:] if not a.startswith("--")] or ["sqlite", "postgres"]
    print(markdown([r for k in kinds for r in run(k, size)]))
