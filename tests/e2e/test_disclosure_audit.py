"""The attacker's audit (tests/disclosure_audit.py) over real statistics answers.

product.md §7, point 1: no hidden value of one answer can be pinned to a single number, or
to an interval inside 1..min_cell_size−1, by the attacker's linear programme. Checked on
generated förbund and on the demo förbund, for the whole association and each intervention
asked alone. Each answer is audited with its truth (the same statistics with
min_cell_size 0) to prove the audit sound: the true tables satisfy every constraint the
attacker uses, so a clean audit is not clean by an error of the attacker's model.
"""

from __future__ import annotations

import io
import itertools
import time
import uuid
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rich.console import Console

from service.adapters import keys
from service.adapters.eventstore import unit_of_work
from service.bootstrap import Container
from service.cli.demo import run_demo
from service.cli.demo_data import ASSOCIATION_ID
from tests.conftest import Tenant, bearer, make_tenant, system_key
from tests.disclosure_audit import (
    EDUCATION,
    EXIT_REASONS,
    Finding,
    audit,
    audit_parameters,
    audit_with_truth,
)
from tests.journeys import INTERVENTION_IDS, MUNICIPALITIES, supports

YEAR = 2024
REASONS = EXIT_REASONS
EDUCATIONS = EDUCATION
_associations = itertools.count()


# -- generated förbund ----------------------------------------------------------------


@st.composite
def enrollment(draw: st.DrawFn) -> dict[str, Any]:
    """An enrollment around YEAR (data of the enrolled event) and maybe its exit."""
    enrolled_on = date(YEAR - 1, 6, 1) + timedelta(days=draw(st.integers(0, 578)))
    data: dict[str, Any] = {
        "enrolled_on": enrolled_on.isoformat(),
        "sex": draw(st.sampled_from(["female", "male"])),
        "birth_year": enrolled_on.year - draw(st.integers(16, 64)),
        "education": draw(st.sampled_from(EDUCATIONS)),
        "support": draw(supports()),
    }
    if draw(st.booleans()):
        data["municipality"] = draw(st.sampled_from(MUNICIPALITIES[:3]))
    if draw(st.booleans()):
        data["months_on_public_support"] = draw(st.integers(0, 60))
    exit_: dict[str, Any] | None = None
    if draw(st.integers(0, 4)) >= 2:
        days = draw(st.one_of(st.integers(0, 70), st.integers(0, 500)))
        exit_ = {
            "exited_on": min(enrolled_on + timedelta(days=days), date(YEAR + 1, 6, 30)).isoformat(),
            "reason": draw(st.sampled_from(REASONS)),
        }
        progressed = draw(st.sampled_from([None, True, False]))
        if progressed is not None:
            exit_["progressed"] = progressed
        if draw(st.booleans()):
            exit_["support_at_exit"] = draw(supports())
    return {"enrolled": data, "exited": exit_}


@st.composite
def forbund(draw: st.DrawFn) -> dict[str, Any]:
    """2–3 interventions of 0–25 enrollments each; anonymous participants in some."""
    count = draw(st.integers(2, 3))
    return {
        iid: {
            "enrollments": draw(st.lists(enrollment(), max_size=25)),
            "anonymous": draw(st.none() | st.tuples(*[st.integers(0, 6)] * 3)),
        }
        for iid in INTERVENTION_IDS[:count]
    }


def post_forbund(tenant: Tenant, drawn: dict[str, Any]) -> None:
    """Every enrollment and exit through events:batch, ids derived from the association."""
    events = []
    person = itertools.count()
    for iid, content in drawn.items():
        for n, item in enumerate(content["enrollments"]):
            eid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{tenant.association_id}/{iid}/{n}"))
            data = {"pseudonym": f"person-{next(person):04d}", **item["enrolled"]}
            events.append(
                {
                    "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{eid}/enrolled")),
                    "type": "enrolled",
                    "enrollment_id": eid,
                    "intervention_id": iid,
                    "data": data,
                }
            )
            if item["exited"] is not None:
                events.append(
                    {
                        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{eid}/exited")),
                        "type": "exited",
                        "enrollment_id": eid,
                        "data": item["exited"],
                    }
                )
        if content["anonymous"] is not None:
            female, male, unspecified = content["anonymous"]
            body = {
                "intervention_id": iid,
                "from": f"{YEAR}-03-01",
                "to": f"{YEAR}-05-31",
                "female": female,
                "male": male,
                "unspecified": unspecified,
            }
            response = tenant.post(f"{tenant.base}/anonymous-participants", body)
            assert response.status_code == 201, response.text
    if events:
        response = tenant.post(f"{tenant.base}/events:batch", {"events": events})
        assert response.status_code == 200, response.text
        refused = [r for r in response.json()["results"] if r["status"] != 201]
        assert refused == [], refused


# -- auditing answers -----------------------------------------------------------------


def scopes(answer: dict[str, Any]) -> list[str | None]:
    """The whole association and each of its interventions asked alone."""
    return [None, *(entry["intervention"] for entry in answer["interventions"])]


def statistics(tenant: Tenant, year: int, scope: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {"year": year}
    if scope is not None:
        params["intervention"] = scope
    return tenant.statistics(**params)


def set_min_cell_size(tenant: Tenant, value: int) -> None:
    """As the operator: only a system key lowers it (decisions.md §41)."""
    response = tenant.client.patch(
        tenant.base, headers=bearer(tenant.system_key), json={"settings": {"min_cell_size": value}}
    )
    assert response.status_code == 200, response.text


def audit_years(tenant: Tenant, years: list[int]) -> tuple[list[tuple[str, Finding]], int]:
    """Every answer of these years (whole and per intervention) audited against its truth;
    the findings, each with the query it came from, and the number of hidden values."""
    asked = {}
    for year in years:
        for scope in scopes(statistics(tenant, year, None)):
            asked[year, scope] = statistics(tenant, year, scope)
    min_cell_size = next(iter(asked.values()))["settings"]["min_cell_size"]
    set_min_cell_size(tenant, 0)
    try:
        truths = {query: statistics(tenant, *query) for query in asked}
    finally:
        set_min_cell_size(tenant, min_cell_size)
    findings = []
    hidden = 0
    for (year, scope), answer in asked.items():
        truth = truths[year, scope]
        assert truth["suppressed"] == []
        # nothing hidden: nothing found, and the truth satisfies its own programme
        assert audit_with_truth(truth, truth, **audit_parameters(truth)) == []
        hidden += len(answer["suppressed"])
        query = f"year={year}" + (f"&intervention={scope}" if scope else "")
        found = audit_with_truth(answer, truth, **audit_parameters(answer))
        findings += [(query, finding) for finding in found]
    return findings, hidden


def described(findings: list[tuple[str, Finding]]) -> str:
    return "\n".join(f"{query} {f.pointer}: {f.lo:g}..{f.hi:g}" for query, f in findings[:15]) + (
        f"\n… {len(findings)} in all" if len(findings) > 15 else ""
    )


@settings(
    max_examples=5,
    deadline=None,
    # a failure is read from its findings; shrinking one costs minutes of API round trips
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=forbund())
def test_no_hidden_value_of_a_generated_forbund_is_disclosed(
    client: TestClient, container: Container, drawn: dict[str, Any]
) -> None:
    tenant = make_tenant(
        client,
        container,
        f"audit-{next(_associations)}",
        tuple(drawn),
        settings={"min_cell_size": 5},
    )
    post_forbund(tenant, drawn)
    findings, _ = audit_years(tenant, [YEAR])
    assert findings == [], "the attacker's programme discloses:\n" + described(findings)


def demo_tenant(client: TestClient, container: Container) -> Tenant:
    """The demo förbund with an analyst and an admin key, as its admin would make them."""
    made = {}
    with unit_of_work(container.store) as session:
        for role in ("analyst", "association_admin"):
            made[role] = keys.create_key(
                session,
                name=f"audit {role}",
                role=role,
                association_id=ASSOCIATION_ID,
                interventions=[],
                created_by=None,
            )[1]
    admin, analyst = made["association_admin"], made["analyst"]
    return Tenant(client, ASSOCIATION_ID, system_key(container), admin, admin, analyst)


def test_no_hidden_value_of_the_demo_is_disclosed(client: TestClient, container: Container) -> None:
    run_demo(container, console=Console(file=io.StringIO()))
    tenant = demo_tenant(client, container)
    started = time.perf_counter()
    findings, hidden = audit_years(tenant, [2022, 2023, 2024, 2025])
    seconds = time.perf_counter() - started
    assert hidden > 0, "the demo hides nothing: the audit proves nothing"
    assert findings == [], f"the attacker's programme discloses ({seconds:.1f} s):\n" + described(
        findings
    )


# -- the audit itself -----------------------------------------------------------------


def small_answer(active: dict[str, Any], *, method: str | None = None) -> dict[str, Any]:
    """An answer of one measures object that publishes only `active`."""
    answer: dict[str, Any] = {
        "settings": {
            "min_cell_size": 5,
            "goal_reasons": ["work", "subsidised_work", "studies"],
            "youth_max_age": 29,
        },
        "interventions": [],
        "total": {"measures": {"active": active}},
    }
    if method is not None:
        answer["disclosure"] = {"method": method, "max_noise": 2, "min_cell_size": 5}
    return answer


def test_the_audit_pins_the_one_woman_of_the_issue() -> None:
    # 1 woman and 5 men, exact values: the total 6 and the men's 5 give the woman away
    answer = small_answer({"total": 6, "female": None, "male": 5})
    assert audit(answer, **audit_parameters(answer)) == [
        Finding("/total/measures/active/female", 1, 1)
    ]
    # hiding the men too leaves the woman in 1..5 (the men might be 1..5 as well)
    both = small_answer({"total": 6, "female": None, "male": None})
    assert audit(both, **audit_parameters(both)) == []
    # with 4 of 6 shown, the hidden column lies in 1..2 whatever the split
    inside = small_answer({"total": 6, "female": None, "male": 4})
    assert audit(inside, **audit_parameters(inside)) == [
        Finding("/total/measures/active/female", 2, 2)
    ]


def test_the_audit_allows_for_the_noise_of_the_cell_key_method() -> None:
    # total 6 and men 5, each true within ±2, the woman maybe 0: she is in 0..5
    answer = small_answer({"total": 6, "female": None, "male": 5}, method="cell_key")
    assert audit_parameters(answer)["max_noise"] == 2
    assert audit(answer, **audit_parameters(answer)) == []
    # a hidden column under a published zero is zero, noise or not
    zero = small_answer({"total": 0, "female": None, "male": 0}, method="cell_key")
    assert audit(zero, **audit_parameters(zero)) == [Finding("/total/measures/active/female", 0, 0)]


def test_a_share_and_its_divisor_give_a_hidden_numerator() -> None:
    answer = small_answer({"total": 9, "female": 5, "male": 4})
    answer["total"]["measures"].update(
        {
            "exits": {"total": 9, "female": 5, "male": 4},
            "early_dropouts": {"total": 0, "female": 0, "male": 0},
            "to_goal": {"total": None, "female": 5, "male": None},
            "share_to_goal_of_all_exits": {"total": 0.8889, "female": 1.0, "male": 0.75},
        }
    )
    found = audit(answer, **audit_parameters(answer))
    assert Finding("/total/measures/to_goal/male", 3, 3) in found


def test_the_audit_is_sound_on_answers_that_hide_nothing(tenant: Tenant) -> None:
    # tenant: min_cell_size 0; a few enrollments of every kind in one year
    for n, (sex, reason) in enumerate(
        itertools.product(["female", "male"], ["work", "moved", "job_seeking", None])
    ):
        body = {"pseudonym": f"person-{n:04d}", "sex": sex, "municipality": MUNICIPALITIES[n % 2]}
        response = tenant.enroll(**body)
        assert response.status_code == 201, response.text
        if reason is not None:
            exited = tenant.post(
                f"/api/v1/enrollments/{response.json()['id']}/exit",
                {"exited_on": "2023-03-20" if n % 3 else "2023-09-15", "reason": reason},
            )
            assert exited.status_code == 201, exited.text
    for scope in (None, "team-a"):
        truth = statistics(tenant, 2023, scope)
        assert truth["suppressed"] == []
        assert audit_with_truth(truth, truth, **audit_parameters(truth)) == []
