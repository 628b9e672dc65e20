"""Statistics through the API equal an independent naive computation from the same events.

Hypothesis generates journeys (enrollments, support changes, exits, retractions,
corrections, voidings across year ends, leap days and month ends); each is posted through
the batch endpoint of a fresh association and every measure the oracle knows is compared,
now and as of an instant in the middle of the journey.
"""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.bootstrap import Container
from service.domain.codes import ExitReason
from tests.conftest import Tenant, make_tenant
from tests.journeys import INTERVENTION_IDS, as_batch, journey_with_period
from tests.oracle import oracle_measures

_associations = itertools.count()

rules = st.fixed_dictionaries(
    {
        "early_dropout_months": st.integers(0, 4),
        "youth_max_age": st.integers(20, 35),
        "goal_reasons": st.sets(st.sampled_from([r.value for r in ExitReason]), min_size=1),
    }
)


def post_journey(tenant: Tenant, events: list[dict[str, Any]]) -> None:
    body = as_batch(events)
    response = tenant.post(f"{tenant.base}/events:batch", {"events": body})
    assert response.status_code == 200, response.text
    refused = [r for r in response.json()["results"] if r["status"] != 201]
    assert refused == [], refused


def comparable(name: str, value: Any) -> Any:
    """Municipality keys are a presentation choice (the service lists every code present in
    the association, so all tables share their rows): compare the non-zero cells."""
    if name != "municipality":
        return value
    return {code: cell for code, cell in value.items() if any(cell.values())}


def assert_matches_oracle(answer: dict[str, Any], expected: dict[str, Any]) -> None:
    by_id = {i["intervention"]: i["measures"] for i in answer["interventions"]}
    for intervention, measures in expected["interventions"].items():
        for name, value in measures.items():
            actual = comparable(name, by_id[intervention][name])
            assert actual == comparable(name, value), (intervention, name)
    for name, value in expected["total"].items():
        actual = comparable(name, answer["total"]["measures"][name])
        assert actual == comparable(name, value), ("total", name)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    case=journey_with_period(min_enrollments=1, max_enrollments=18),
    rule=rules,
    cut=st.floats(0.2, 0.8),
)
def test_statistics_equal_the_oracle_now_and_as_of(
    client: TestClient, container: Container, case: Any, rule: dict[str, Any], cut: float
) -> None:
    events, start, end = case
    settings_ = {**rule, "goal_reasons": sorted(rule["goal_reasons"]), "min_cell_size": 0}
    tenant = make_tenant(
        client, container, f"oracle-{next(_associations)}", INTERVENTION_IDS, settings=settings_
    )
    split = max(1, int(len(events) * cut))
    post_journey(tenant, events[:split])
    time.sleep(0.002)
    as_of = datetime.now(UTC)
    time.sleep(0.002)
    post_journey(tenant, events[split:])

    params = {"from": start.isoformat(), "to": end.isoformat()}
    oracle_rules = {k: v for k, v in rule.items()}
    expected_now = oracle_measures(
        events, period_from=start, period_to=end, interventions=INTERVENTION_IDS, **oracle_rules
    )
    assert_matches_oracle(tenant.statistics(**params), expected_now)

    expected_then = oracle_measures(
        events,
        period_from=start,
        period_to=end,
        as_of=events[split - 1]["recorded_at"],
        interventions=INTERVENTION_IDS,
        **oracle_rules,
    )
    assert_matches_oracle(tenant.statistics(**params, as_of=as_of.isoformat()), expected_then)
