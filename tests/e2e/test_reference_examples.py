"""Worked examples from the reference annual reports, through the service's own API.

The journals (tests/reference_journals.py) reproduce the published tables' figures; here
the statistics endpoint must print the same numbers the förbund published by hand.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from service.bootstrap import Container
from tests.conftest import Tenant, make_tenant
from tests.journeys import as_batch
from tests.reference_journals import Journal, cell, gron_rehab, sodra_dalarna


def publish(client: TestClient, container: Container, journal: Journal, *iids: str) -> Tenant:
    """An association with the journal's interventions, the journal posted as one batch."""
    tenant = make_tenant(client, container, "referens", iids, settings={"min_cell_size": 0})
    body = as_batch(journal.events)
    response = tenant.post(f"{tenant.base}/events:batch", {"events": body})
    assert response.status_code == 200, response.text
    refused = [r for r in response.json()["results"] if r["status"] != 201]
    assert refused == [], refused[:3]
    return tenant


def measures(answer: dict[str, Any], intervention: str) -> dict[str, Any]:
    return next(i for i in answer["interventions"] if i["intervention"] == intervention)["measures"]


def test_sodra_dalarna_tabell_9(client: TestClient, container: Container) -> None:
    avesta, sater = "samverkansteam-avesta", "samverkansteam-sater"
    tenant = publish(client, container, sodra_dalarna(), avesta, sater)
    answer = tenant.statistics(year=2021)

    m = measures(answer, avesta)
    # Tabell 9, Samverkansteam Avesta: 58 aktiva (33 K / 25 M) ...
    assert m["active"] == cell(58, 33, 25)
    # ... 16 avslut (one early dropout is counted apart) ...
    assert m["completed_exits"] == cell(16, 10, 6)
    assert m["early_dropouts"] == cell(1, 1, 0)
    # ... 12 mot mål, 75 % (8 K, 4 M) ...
    assert m["to_goal"] == cell(12, 8, 4)
    assert m["share_to_goal"] == cell(0.75, 0.8, 0.6667)
    # ... genomströmningstid 28 / 15,2 months for women / men (852 and 463 days) ...
    assert m["throughput_days_to_goal"]["mean"] == cell(722.3, 852.0, 463.0)
    # ... and 8,1 / 1,7 years on public support before the start.
    assert m["months_on_public_support_before"]["to_goal"] == cell(71.9, 97.6, 20.5)

    s = measures(answer, sater)
    # Samverkansteam Säter: 39 aktiva (17 / 22), 10 avslut, 6 mot mål (60 %).
    assert s["active"] == cell(39, 17, 22)
    assert s["completed_exits"] == cell(10, 5, 5)
    assert s["share_to_goal"] == cell(0.6, 0.8, 0.4)

    total = answer["total"]["measures"]
    assert total["active"] == cell(97, 50, 47)
    assert total["share_to_goal"] == cell(0.6923, 0.8, 0.5455)
    assert answer["suppressed"] == []


def test_falun_gron_rehab(client: TestClient, container: Container) -> None:
    tenant = publish(client, container, gron_rehab(), "gron-rehab")
    m = measures(tenant.statistics(year=2022), "gron-rehab")
    # Grön rehab 2022: 19 aktiva (16 K / 3 M), 19 avslut of which 1 early dropout,
    # none active at the end of the year.
    assert m["active"] == cell(19, 16, 3)
    assert m["exits"] == cell(19, 16, 3)
    assert m["early_dropouts"] == cell(1, 1, 0)
    assert m["active_at_end"] == cell(0, 0, 0)
    by_reason = {reason: value["total"] for reason, value in m["exits_by_reason"].items()}
    assert (by_reason["vocational_rehab"], by_reason["medical_rehab"]) == (4, 3)
    assert (by_reason["sickness_compensation"], by_reason["other"]) == (4, 7)
    assert m["to_work_or_studies"] == cell(0, 0, 0)
