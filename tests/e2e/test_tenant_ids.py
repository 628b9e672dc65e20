"""Issue 17, finding 3: a tenant can neither compute nor take another's aggregate ids.

The attacker is a coach of one förbund, who chooses enrollment ids freely and has read
the service's source: before migration 0006 that gave every association, intervention
and keyed count report id (name-based UUIDs in a public namespace). Each test failed
before the fix with a 409 for the victim's creation.
"""

from __future__ import annotations

import uuid
from datetime import date

from fastapi.testclient import TestClient

from service.application.count_reports import CountReportCommands
from service.bootstrap import Container
from service.domain.codes import Role
from service.domain.ids import LEGACY_IDS, LEGACY_NAMESPACE
from service.domain.principal import Principal
from tests.conftest import TODAY, Tenant, bearer, make_tenant
from tests.e2e.test_count_reports_api import Counts
from tests.e2e.test_enrollments_api import event_count
from tests.factories import batch_enrolled, coach_enrollment

# The namespace the source published before 0006, spelt out as an attacker would copy it.
PUBLISHED = uuid.UUID("6f1c1d2e-8a53-4c4e-9d55-0b4a4f5e2a11")


def published_id(name: str) -> str:
    """The id the service gave `name` before 0006: anyone could compute it."""
    return str(uuid.uuid5(PUBLISHED, name))


def register(tenant: Tenant, slug: str, kind: str = "individual") -> int:
    body = {"id": slug, "name": slug.title(), "kind": kind, "starts_on": "2020-01-01"}
    return int(tenant.post(f"{tenant.base}/interventions", body, tenant.admin_key).status_code)


def test_the_published_namespace_is_the_legacy_one() -> None:
    """What the attacker copies is what the old releases used (else the tests below would
    prove nothing)."""
    assert PUBLISHED == LEGACY_NAMESPACE


def test_an_enrollment_cannot_take_a_future_association_or_intervention(
    client: TestClient, container: Container
) -> None:
    a = make_tenant(client, container, "forb-a", ("team-a",))
    b = make_tenant(client, container, "forb-b", ("team-a",))
    single = (published_id("association:forb-new"), published_id("intervention:forb-b:team-new"))
    for n, squat in enumerate(single):
        assert a.enroll(id=squat, pseudonym=f"squatter-{n}").status_code == 201
    batched = published_id("intervention:forb-b:team-later")
    batch = a.post(f"{a.base}/events:batch", {"events": [batch_enrolled(batched, "squatter-b")]})
    assert [r["status"] for r in batch.json()["results"]] == [201]

    created = client.post(
        "/api/v1/associations", json={"id": "forb-new", "name": "Ny"}, headers=bearer(a.system_key)
    )
    assert created.status_code == 201, created.text
    assert register(b, "team-new") == register(b, "team-later") == 201
    # Usable, not merely created: a coach of B enrolls in both.
    coach = b.post(
        f"{b.base}/api-keys",
        {"name": "ny", "role": "coach", "interventions": ["team-new", "team-later"]},
        b.admin_key,
    ).json()["key"]
    for slug in ("team-new", "team-later"):
        body = coach_enrollment(pseudonym=f"victim-{slug}")
        enrolled = b.post(f"{b.base}/interventions/{slug}/enrollments", body, coach)
        assert enrolled.status_code == 201, enrolled.text
    # The squatting enrollments are still A's, untouched.
    for squat in (*single, batched):
        kept = client.get(f"/api/v1/enrollments/{squat}", headers=bearer(a.coach_key))
        assert kept.json()["id"] == squat


def test_an_enrollment_with_an_existing_interventions_id_changes_nothing(
    client: TestClient, container: Container
) -> None:
    """Were an id known (a leak, an old log), taking it is refused as any id in use, and
    the intervention it names goes on working."""
    a = make_tenant(client, container, "forb-a", ("team-a",))
    b = make_tenant(client, container, "forb-b", ("team-a",))
    for known in (
        container.admin.ids.intervention("forb-b", "team-a"),
        container.admin.ids.association("forb-b"),
    ):
        taken = a.enroll(id=str(known), pseudonym="squatter")
        assert taken.status_code == 409, taken.text
        assert "forb-b" not in taken.text and "team-a" not in taken.text
    assert b.enroll(id=str(uuid.uuid4())).status_code == 201


def test_the_installations_ids_are_not_the_published_ones(container: Container) -> None:
    ids = container.admin.ids
    assert str(ids.association("forb-b")) != published_id("association:forb-b")
    assert str(ids.intervention("forb-b", "t")) != published_id("intervention:forb-b:t")
    assert str(ids.report("forb-b", "anonymous", "k")) != published_id("anonymous:forb-b:k")


def test_an_enrollment_cannot_take_a_future_count_report(
    client: TestClient, container: Container
) -> None:
    counts = Counts(client, container)  # association "counts": coach of "team" and "forum"
    a = make_tenant(client, container, "forb-a", ("team-a",))
    names = ("anonymous:counts:k-1", "activity:counts:k-2", "activity:counts:k-1")
    for n, name in enumerate(names):
        assert a.enroll(id=published_id(name), pseudonym=f"squatter-{n}").status_code == 201

    first = counts.anonymous(headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201, first.text
    assert first.json()["id"] != published_id("anonymous:counts:k-1")
    replay = counts.anonymous(headers={"Idempotency-Key": "k-1"})
    assert (replay.status_code, replay.json()) == (200, first.json())
    assert counts.activity(headers={"Idempotency-Key": "k-2"}).status_code == 201
    # A key still names one report of either kind: the squat does not hide the first one.
    other_kind = counts.activity(headers={"Idempotency-Key": "k-1"})
    assert other_kind.status_code == 409
    assert "another kind of report" in other_kind.json()["detail"]


def test_a_count_report_keyed_before_0006_still_replays_under_its_old_id(
    client: TestClient, container: Container
) -> None:
    """Such a report keeps the public id it was answered with (its key is not stored, so
    migration 0006 could not rename it): a retry across the upgrade still replays, and
    its key still names one report of either kind."""
    counts = Counts(client, container)
    before_0006 = CountReportCommands(
        container.store, lambda: TODAY, container.admin.intervention, LEGACY_IDS
    )
    coach = Principal("coach", Role.COACH.value, "counts", frozenset({"team", "forum"}))
    body = {
        "intervention_id": "team",
        "from": date(2021, 1, 1),
        "to": date(2021, 3, 31),
        "female": 3,
        "male": 2,
        "unspecified": 1,
    }  # what Counts.anonymous posts
    old_id, _ = before_0006.report_anonymous(coach, "counts", body, "old-key")
    assert old_id == published_id("anonymous:counts:old-key")
    written = event_count(container)

    replay = counts.anonymous(headers={"Idempotency-Key": "old-key"})
    assert (replay.status_code, replay.json()["id"]) == (200, old_id)
    assert counts.anonymous(headers={"Idempotency-Key": "old-key"}, female=2).status_code == 409
    other_kind = counts.activity(headers={"Idempotency-Key": "old-key"})
    assert other_kind.status_code == 409
    assert "another kind of report" in other_kind.json()["detail"]
    assert event_count(container) == written
