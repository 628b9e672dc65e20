"""Checks of the test oracle itself: hand-computed examples and generated journeys.

The worked examples are shaped like the published tables in /work/shared/reference:
Södra Dalarna 2021, Tabell 9 (Samverkansteam Avesta and Säter) and Finsam Falun 2022
(Grön rehab).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings

from service.domain.codes import Education, ExitReason, Sex, Support
from tests.journeys import LAST_DAY, journey_with_period, journey_with_period_and_as_of
from tests.oracle import add_months, oracle_measures
from tests.reference_journals import Journal, cell, gron_rehab, sodra_dalarna

YEAR_2021 = {"period_from": date(2021, 1, 1), "period_to": date(2021, 12, 31)}
YEAR_2022 = {"period_from": date(2022, 1, 1), "period_to": date(2022, 12, 31)}


def months(days: float) -> float:
    """As the export shows a throughput: days / 30.4375, one decimal."""
    return round(days / 30.4375, 1)


# --- 1. Södra Dalarna 2021, Tabell 9 ------------------------------------------------


def test_sodra_dalarna_avesta_like_tabell_9() -> None:
    result = oracle_measures(sodra_dalarna().events, **YEAR_2021)
    avesta = result["interventions"]["samverkansteam-avesta"]

    assert avesta["active"] == cell(58, 33, 25)
    assert avesta["new"] == cell(21, 13, 8)
    assert avesta["active_at_end"] == cell(41, 22, 19)
    assert avesta["exits"] == cell(17, 11, 6)
    assert avesta["early_dropouts"] == cell(1, 1, 0)
    # Tabell 9's "Antal avslut totalt" is "minus dropouts": 16.
    assert avesta["completed_exits"] == cell(16, 10, 6)
    assert avesta["to_goal"] == cell(12, 8, 4)
    assert avesta["share_to_goal"] == cell(0.75, 0.8, 0.6667)
    assert avesta["share_to_goal_of_all_exits"] == cell(0.7059, 0.7273, 0.6667)
    assert avesta["to_work_or_studies"] == cell(7, 5, 2)
    assert avesta["share_to_work_or_studies"] == cell(0.4375, 0.5, 0.3333)
    assert avesta["exits_by_reason"] == {
        "work": cell(4, 3, 1),
        "subsidised_work": cell(1, 0, 1),
        "studies": cell(2, 2, 0),
        "job_seeking": cell(2, 1, 1),
        "vocational_rehab": cell(3, 2, 1),
        "medical_rehab": cell(1, 1, 0),
        "sickness_compensation": cell(0, 0, 0),
        "parental_leave": cell(1, 1, 0),
        "moved": cell(1, 0, 1),
        "discontinued": cell(0, 0, 0),  # the early dropout is not here
        "other": cell(1, 0, 1),
    }
    # Genomströmningstid for those who left towards the goal (footnote 4).
    to_goal_days = avesta["throughput_days_to_goal"]
    assert to_goal_days["mean"] == cell(722.3, 852.0, 463.0)  # 8668/12, 6816/8, 1852/4
    assert to_goal_days["median"] == cell(775, 855, 465)
    # As the table prints it: 28 mån for women, 15,2 for men ...
    assert months(852.0) == 28.0
    assert months(463.0) == 15.2
    # ... and 23,7 in total, where the hand-made table says 25,2 (which 8 women at 28
    # and 4 men at 15,2 cannot give).
    assert months(722.3) == 23.7
    # Tid med bidragsförsörjning före start: 6,0 år (8,1/1,7).
    before = avesta["months_on_public_support_before"]
    assert before["to_goal"] == cell(71.9, 97.6, 20.5)  # 863/12, 781/8, 82/4
    assert [round(m / 12, 1) for m in (71.9, 97.6, 20.5)] == [6.0, 8.1, 1.7]
    assert before["new"] == cell(16.8, 24.0, 6.0)  # the dropout gave no value
    assert avesta["months_without_work_or_studies_before"] == {
        "to_goal": cell(None, None, None),
        "new": cell(None, None, None),
    }
    # Throughput over every completed exit: the 12 above and 4 of 300 days.
    assert avesta["throughput_days"]["mean"] == cell(616.8, 741.6, 408.7)
    assert avesta["throughput_days"]["median"] == cell(611, 825, 425)


def test_sodra_dalarna_sater_and_the_total() -> None:
    result = oracle_measures(sodra_dalarna().events, **YEAR_2021)
    sater = result["interventions"]["samverkansteam-sater"]
    assert sater["active"] == cell(39, 17, 22)
    assert sater["new"] == cell(0, 0, 0)
    assert sater["completed_exits"] == cell(10, 5, 5)
    assert sater["to_goal"] == cell(6, 4, 2)
    assert sater["share_to_goal"] == cell(0.6, 0.8, 0.4)

    total = result["total"]
    assert set(result["interventions"]) == {"samverkansteam-avesta", "samverkansteam-sater"}
    assert total["active"] == cell(97, 50, 47)
    assert total["exits"] == cell(27, 16, 11)
    assert total["completed_exits"] == cell(26, 15, 11)
    assert total["to_goal"] == cell(18, 12, 6)
    assert total["share_to_goal"] == cell(0.6923, 0.8, 0.5455)
    assert total["unique_participants"] == cell(97, 50, 47)
    assert "unique_participants" not in sater


# --- 2. Finsam Falun 2022, Grön rehab -----------------------------------------------


def test_falun_gron_rehab() -> None:
    m = oracle_measures(gron_rehab().events, **YEAR_2022)["interventions"]["gron-rehab"]
    assert m["active"] == cell(19, 16, 3)
    assert m["new"] == cell(19, 16, 3)
    assert m["exits"] == cell(19, 16, 3)
    assert m["early_dropouts"] == cell(1, 1, 0)
    assert m["completed_exits"] == cell(18, 15, 3)
    assert m["active_at_end"] == cell(0, 0, 0)
    reasons = {k: v["total"] for k, v in m["exits_by_reason"].items()}
    assert reasons == {
        "work": 0,
        "subsidised_work": 0,
        "studies": 0,
        "job_seeking": 0,
        "vocational_rehab": 4,
        "medical_rehab": 3,
        "sickness_compensation": 4,
        "parental_leave": 0,
        "moved": 0,
        "discontinued": 0,
        "other": 7,
    }
    assert m["exits_by_reason"]["vocational_rehab"] == cell(4, 3, 1)
    assert m["exits_by_reason"]["other"] == cell(7, 6, 1)
    assert m["to_work_or_studies"] == cell(0, 0, 0)
    assert m["share_to_work_or_studies"] == cell(0.0, 0.0, 0.0)
    assert m["to_goal"] == cell(4, 3, 1)
    assert m["share_to_goal"] == cell(0.2222, 0.2, 0.3333)
    # 9 of 150 days and 9 of 228: 27 weeks.
    assert m["throughput_days"]["mean"]["total"] == 189.0
    assert m["throughput_days"]["median"]["total"] == 189
    assert round(189.0 / 7, 1) == 27.0
    # Tid utan arbete eller studier före start: (9*30 + 9*58 + 44) / 19 = 44 months, 3,7 år.
    assert m["months_without_work_or_studies_before"]["new"]["total"] == 44.0
    assert round(44.0 / 12, 1) == 3.7
    assert m["months_on_public_support_before"]["new"] == cell(None, None, None)
    # Stegförflyttning: 7 yes, 10 no, one without a judgement; the dropout is not counted.
    assert m["progressed"] == cell(7, 6, 1)
    assert m["share_progressed"] == cell(0.4118, 0.4, 0.5)


def test_falun_goal_is_the_next_step_in_the_rehab_chain() -> None:
    """Falun: "Av dessa har 7 personer (37%) har nått målet" — 7 of all 19 exits."""
    m = oracle_measures(
        gron_rehab().events,
        **YEAR_2022,
        goal_reasons=frozenset({"vocational_rehab", "medical_rehab"}),
    )["interventions"]["gron-rehab"]
    assert m["to_goal"]["total"] == 7
    assert m["share_to_goal_of_all_exits"]["total"] == 0.3684
    assert m["share_to_goal"]["total"] == 0.3889  # of the 18 completed exits


# --- 3. Edge cases ------------------------------------------------------------------


def test_add_months_clamps_to_the_end_of_the_month() -> None:
    assert add_months(date(2021, 1, 31), 1) == date(2021, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2021, 1, 31), 2) == date(2021, 3, 31)
    assert add_months(date(2021, 12, 31), 2) == date(2022, 2, 28)
    assert add_months(date(2021, 11, 30), 3) == date(2022, 2, 28)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2021, 5, 15), 0) == date(2021, 5, 15)


def test_early_dropout_on_january_31_plus_one_month() -> None:
    j = Journal()
    for enrolled_on, exited_on in [
        (date(2021, 1, 31), date(2021, 2, 27)),  # before 28 Feb: early
        (date(2021, 1, 31), date(2021, 2, 28)),  # on the clamped day: not early
        (date(2024, 1, 31), date(2024, 2, 28)),  # before 29 Feb 2024: early
        (date(2024, 1, 31), date(2024, 2, 29)),  # on the leap day: not early
    ]:
        eid = j.enroll("team-a", enrolled_on, "female")
        j.exit(eid, exited_on, "work")
    period = {"period_from": date(2021, 1, 1), "period_to": date(2024, 12, 31)}

    one = oracle_measures(j.events, **period, early_dropout_months=1)["total"]
    assert one["exits"] == cell(4, 4, 0)
    assert one["early_dropouts"] == cell(2, 2, 0)
    assert one["completed_exits"] == cell(2, 2, 0)
    assert one["throughput_days"]["mean"]["total"] == 28.5  # 28 and 29 days

    two = oracle_measures(j.events, **period)["total"]
    assert two["early_dropouts"]["total"] == 4  # all before 31 March
    assert two["completed_exits"]["total"] == 0
    assert two["share_to_goal"] == cell(None, None, None)
    assert two["share_to_goal_of_all_exits"] == cell(0.0, 0.0, None)
    assert two["throughput_days"]["mean"] == cell(None, None, None)

    none = oracle_measures(j.events, **period, early_dropout_months=0)["total"]
    assert none["early_dropouts"]["total"] == 0
    assert none["completed_exits"]["total"] == 4


def test_retraction_then_a_new_exit() -> None:
    j = Journal()
    eid = j.enroll("team-a", date(2021, 1, 10), "male")
    j.exit(eid, date(2021, 3, 1), "discontinued")
    j.retract(eid)
    j.exit(eid, date(2021, 9, 1), "work")

    m = oracle_measures(j.events, **YEAR_2021)["total"]
    assert m["exits"] == cell(1, 0, 1)
    assert m["exits_by_reason"]["work"] == cell(1, 0, 1)
    assert m["exits_by_reason"]["discontinued"] == cell(0, 0, 0)
    assert m["throughput_days"]["median"]["total"] == 234

    march = oracle_measures(j.events, period_from=date(2021, 3, 1), period_to=date(2021, 3, 31))
    assert march["total"]["exits"]["total"] == 0
    assert march["total"]["active_at_end"]["total"] == 1

    after_retraction = j.events[2]["recorded_at"]
    open_again = oracle_measures(j.events, **YEAR_2021, as_of=after_retraction)["total"]
    assert open_again["exits"]["total"] == 0
    assert open_again["active_at_end"]["total"] == 1


def test_a_voided_enrollment_leaves_every_statistic() -> None:
    j = Journal()
    kept = j.enroll("team-a", date(2021, 2, 1), "female", pseudonym="pseudonym-kept")
    gone = j.enroll("team-b", date(2021, 2, 1), "male", pseudonym="pseudonym-gone")
    j.exit(gone, date(2021, 6, 1), "work")
    j.void(gone)
    j.exit(kept, date(2021, 8, 1), "studies")

    result = oracle_measures(j.events, **YEAR_2021)
    assert result["total"]["active"] == cell(1, 1, 0)
    assert result["total"]["exits"] == cell(1, 1, 0)
    assert result["total"]["unique_participants"] == cell(1, 1, 0)
    assert result["interventions"]["team-b"]["active"] == cell(0, 0, 0)
    assert result["interventions"]["team-b"]["support_at_enrollment"]["social_assistance"] == (
        cell(0, 0, 0)
    )

    before_voiding = oracle_measures(j.events, **YEAR_2021, as_of=j.events[2]["recorded_at"])
    assert before_voiding["total"]["active"] == cell(2, 1, 1)
    assert before_voiding["total"]["exits"] == cell(1, 0, 1)


def test_as_of_leaves_out_later_corrections() -> None:
    j = Journal()
    eid = j.enroll("team-a", date(2021, 3, 1), "female", birth_year=1990)
    j.exit(eid, date(2021, 11, 1), "discontinued")
    published = j.clock
    j.correct(eid, sex="male", birth_year=2000, reason="work", enrolled_on="2021-01-04")

    then = oracle_measures(j.events, **YEAR_2021, as_of=published)["total"]
    assert then["exits_by_reason"]["discontinued"] == cell(1, 1, 0)
    assert then["to_work_or_studies"] == cell(0, 0, 0)
    assert then["age_band"]["completed_exits"]["30-39"] == cell(1, 1, 0)
    assert then["throughput_days"]["median"]["total"] == 245

    now = oracle_measures(j.events, **YEAR_2021)["total"]
    assert now["exits_by_reason"]["discontinued"] == cell(0, 0, 0)
    assert now["exits_by_reason"]["work"] == cell(1, 0, 1)
    assert now["age_band"]["completed_exits"]["20-24"] == cell(1, 0, 1)
    assert now["to_work_or_studies_by_age"]["youth"]["to_work_or_studies"] == cell(1, 0, 1)
    assert now["throughput_days"]["median"]["total"] == 301


def test_support_at_exit_defaults_to_the_last_known_support() -> None:
    j = Journal()
    a = j.enroll("team-a", date(2021, 1, 5), "female", support=["social_assistance", "other"])
    j.change_support(a, date(2021, 4, 1), ["sickness_benefit"])
    j.exit(a, date(2021, 9, 1), "work")  # at exit: sickness_benefit
    b = j.enroll("team-a", date(2021, 1, 5), "male", support=[])
    j.exit(b, date(2021, 9, 1), "studies")  # at exit: unknown, as at enrollment
    c = j.enroll("team-a", date(2021, 1, 5), "male", support=["activity_support"])
    j.exit(c, date(2021, 9, 1), "work", support_at_exit=["none"])
    d = j.enroll("team-a", date(2021, 1, 5), "female", support=["none"], municipality="2080")

    m = oracle_measures(j.events, **YEAR_2021)["total"]
    before_after = m["support_before_after"]
    assert set(before_after) == {s.value for s in Support} | {"unknown"}
    assert before_after["social_assistance"] == {
        "at_enrollment": cell(1, 1, 0),
        "at_exit": cell(0, 0, 0),
    }
    assert before_after["sickness_benefit"]["at_exit"] == cell(1, 1, 0)
    assert before_after["unknown"] == {"at_enrollment": cell(1, 0, 1), "at_exit": cell(1, 0, 1)}
    assert before_after["none"] == {"at_enrollment": cell(0, 0, 0), "at_exit": cell(1, 0, 1)}

    at_enrollment = m["support_at_enrollment"]
    assert set(at_enrollment) == {s.value for s in Support} | {"unknown"}
    assert at_enrollment["social_assistance"] == cell(1, 1, 0)
    assert at_enrollment["other"] == cell(1, 1, 0)
    assert at_enrollment["unknown"] == cell(1, 0, 1)
    assert at_enrollment["none"] == cell(1, 1, 0)
    assert at_enrollment["sickness_benefit"] == cell(0, 0, 0)

    assert m["municipality"] == {"2080": cell(1, 1, 0), "unknown": cell(3, 1, 2)}
    assert m["education"]["compulsory"] == cell(4, 2, 2)
    assert set(m["education"]) == {e.value for e in Education}
    assert d  # enrolled and still open


def test_age_bands_and_youth() -> None:
    j = Journal()
    for age in (15, 19, 20, 29, 30, 59, 60, 67):
        eid = j.enroll("team-a", date(2021, 6, 1), "male", birth_year=2021 - age)
        j.exit(eid, date(2021, 12, 31), "work")
    m = oracle_measures(j.events, **YEAR_2021)["total"]
    bands = {k: v["total"] for k, v in m["age_band"]["completed_exits"].items()}
    assert bands == {
        "16-19": 2,
        "20-24": 1,
        "25-29": 1,
        "30-39": 1,
        "40-49": 0,
        "50-59": 1,
        "60+": 2,
    }
    youth = m["to_work_or_studies_by_age"]["youth"]
    assert youth["completed_exits"] == cell(4, 0, 4)
    assert m["to_work_or_studies_by_age"]["adult"]["to_work_or_studies"] == cell(4, 0, 4)
    narrower = oracle_measures(j.events, **YEAR_2021, youth_max_age=24)["total"]
    assert narrower["to_work_or_studies_by_age"]["youth"]["completed_exits"]["total"] == 3


def test_the_period_is_inclusive() -> None:
    j = Journal()
    eid = j.enroll("team-a", date(2021, 12, 31), "female")
    j.exit(eid, date(2022, 3, 31), "studies")
    m2021 = oracle_measures(j.events, **YEAR_2021)["total"]
    assert m2021["new"]["total"] == 1
    assert m2021["active_at_end"]["total"] == 1
    m2022 = oracle_measures(j.events, **YEAR_2022)["total"]
    assert m2022["new"]["total"] == 0
    assert m2022["active"]["total"] == 1
    assert m2022["completed_exits"]["total"] == 1
    q1 = oracle_measures(j.events, period_from=date(2022, 1, 1), period_to=date(2022, 3, 30))
    assert q1["total"]["active_at_end"]["total"] == 1
    assert q1["total"]["exits"]["total"] == 0
    to_exit_day = oracle_measures(
        j.events, period_from=date(2022, 3, 31), period_to=date(2022, 3, 31)
    )
    assert to_exit_day["total"]["active"]["total"] == 1
    assert to_exit_day["total"]["active_at_end"]["total"] == 0
    assert to_exit_day["total"]["exits"]["total"] == 1


# --- 4. Generated journeys ----------------------------------------------------------

SEXES = {s.value for s in Sex}
EDUCATIONS = {e.value for e in Education}
SUPPORTS = {s.value for s in Support}
REASONS = {r.value for r in ExitReason}
ENROLLED_FIELDS = {
    "pseudonym",
    "enrolled_on",
    "sex",
    "birth_year",
    "education",
    "municipality",
    "support",
    "months_on_public_support",
    "months_without_work_or_studies",
}
EXIT_FIELDS = {"exited_on", "reason", "support_at_exit", "progressed"}


def _valid_support(support: list[str]) -> bool:
    return (
        len(set(support)) == len(support)
        and set(support) <= SUPPORTS
        and ("none" not in support or support == ["none"])
    )


def check_journey(events: list[dict[str, Any]]) -> None:
    """A small, separate checker of the rules of §4; raises AssertionError on a breach."""
    enrollments: dict[str, dict[str, Any]] = {}
    ids: set[str] = set()
    last_recorded = None
    for event in events:
        assert event["id"] not in ids
        ids.add(event["id"])
        if last_recorded is not None:
            assert event["recorded_at"] > last_recorded
        last_recorded = event["recorded_at"]
        kind, eid, data = event["type"], event["enrollment_id"], event["data"]
        if kind == "enrolled":
            assert eid not in enrollments
            assert set(data) <= ENROLLED_FIELDS
            assert {"pseudonym", "enrolled_on", "sex", "birth_year", "education", "support"} <= (
                set(data)
            )
            assert 8 <= len(data["pseudonym"]) <= 128
            enrollments[eid] = {
                "intervention": event["intervention_id"],
                "fields": dict(data),
                "changes": [],
                "exit": None,
                "voided": False,
            }
        else:
            assert "intervention_id" not in event
            e = enrollments[eid]
            assert not e["voided"], "an event after a voiding"
            if kind == "support_changed":
                assert e["exit"] is None, "a support change on an exited enrollment"
                assert _valid_support(data["support"])
                e["changes"].append(date.fromisoformat(data["changed_on"]))
            elif kind == "exited":
                assert e["exit"] is None, "a second open exit"
                assert {"exited_on", "reason"} <= set(data) <= EXIT_FIELDS
                e["exit"] = dict(data)
            elif kind == "exit_retracted":
                assert e["exit"] is not None, "a retraction without an exit"
                e["exit"] = None
            elif kind == "corrected":
                assert data
                assert set(data) <= (ENROLLED_FIELDS | EXIT_FIELDS)
                for key, value in data.items():
                    if key in EXIT_FIELDS:
                        assert e["exit"] is not None, "an exit correction without an exit"
                        e["exit"][key] = value
                    else:
                        e["fields"][key] = value
            elif kind == "voided":
                e["voided"] = True
            else:
                raise AssertionError(kind)
        _check_enrollment(enrollments[eid])
        _check_one_open_enrollment(enrollments)


def _check_enrollment(e: dict[str, Any]) -> None:
    fields = e["fields"]
    enrolled_on = date.fromisoformat(fields["enrolled_on"])
    assert date(2020, 1, 1) <= enrolled_on <= LAST_DAY
    assert 15 <= enrolled_on.year - fields["birth_year"] <= 67
    assert fields["sex"] in SEXES
    assert fields["education"] in EDUCATIONS
    assert _valid_support(fields["support"])
    municipality = fields.get("municipality")
    assert municipality is None or (len(municipality) == 4 and municipality.isdigit())
    for key in ("months_on_public_support", "months_without_work_or_studies"):
        assert fields.get(key) is None or fields[key] >= 0
    changes = e["changes"]
    assert changes == sorted(changes)
    assert all(enrolled_on <= changed_on <= LAST_DAY for changed_on in changes)
    if e["exit"] is not None:
        exited_on = date.fromisoformat(e["exit"]["exited_on"])
        assert enrolled_on <= exited_on <= LAST_DAY
        assert all(changed_on <= exited_on for changed_on in changes)
        assert e["exit"]["reason"] in REASONS
        if "support_at_exit" in e["exit"]:
            assert _valid_support(e["exit"]["support_at_exit"])
        assert e["exit"].get("progressed") in (None, True, False)


def _check_one_open_enrollment(enrollments: dict[str, dict[str, Any]]) -> None:
    open_keys = [
        (e["fields"]["pseudonym"], e["intervention"])
        for e in enrollments.values()
        if e["exit"] is None and not e["voided"]
    ]
    assert len(open_keys) == len(set(open_keys)), "two open enrollments of one pseudonym"


def _check_people_are_consistent(events: list[dict[str, Any]]) -> None:
    """Beyond the rules: a pseudonym keeps one sex and birth year (non-voided)."""
    fields: dict[str, dict[str, Any]] = {}
    voided = set()
    for event in events:
        if event["type"] == "enrolled":
            fields[event["enrollment_id"]] = dict(event["data"])
        elif event["type"] == "corrected":
            fields[event["enrollment_id"]].update(event["data"])
        elif event["type"] == "voided":
            voided.add(event["enrollment_id"])
    people: dict[str, tuple[str, int]] = {}
    for eid, f in fields.items():
        if eid in voided:
            continue
        person = (f["sex"], f["birth_year"])
        assert people.setdefault(f["pseudonym"], person) == person


COUNT_MEASURES = (
    "active",
    "new",
    "active_at_end",
    "exits",
    "early_dropouts",
    "completed_exits",
    "to_work_or_studies",
    "to_goal",
    "progressed",
)


def _count_cells(measures: dict[str, Any]) -> list[dict[str, int]]:
    cells = [measures[name] for name in COUNT_MEASURES]
    for name in ("exits_by_reason", "support_at_enrollment", "education", "municipality"):
        cells += list(measures[name].values())
    for pair in measures["support_before_after"].values():
        cells += list(pair.values())
    for distribution in measures["age_band"].values():
        cells += list(distribution.values())
    for group in measures["to_work_or_studies_by_age"].values():
        cells += list(group.values())
    return cells


def _sum_cells(cells: list[dict[str, int]]) -> dict[str, int]:
    return {key: sum(c[key] for c in cells) for key in ("total", "female", "male")}


def _check_invariants(measures: dict[str, Any]) -> None:
    for c in _count_cells(measures):
        assert c["female"] + c["male"] == c["total"]
    exits, early, completed = (
        measures["exits"],
        measures["early_dropouts"],
        measures["completed_exits"],
    )
    for key in ("total", "female", "male"):
        assert exits[key] == early[key] + completed[key]
        assert measures["new"][key] <= measures["active"][key]
        assert measures["active_at_end"][key] <= measures["active"][key]
    assert _sum_cells(list(measures["exits_by_reason"].values())) == completed
    assert _sum_cells(list(measures["education"].values())) == measures["active"]
    assert _sum_cells(list(measures["municipality"].values())) == measures["active"]
    for name in ("active", "new", "completed_exits"):
        assert _sum_cells(list(measures["age_band"][name].values())) == measures[name]
    by_age = measures["to_work_or_studies_by_age"]
    youth_and_adult = [by_age["youth"]["completed_exits"], by_age["adult"]["completed_exits"]]
    assert _sum_cells(youth_and_adult) == completed


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(journey_with_period())
def test_generated_journeys_are_valid(journey: tuple[list[dict[str, Any]], date, date]) -> None:
    events, _, _ = journey
    check_journey(events)
    _check_people_are_consistent(events)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(journey_with_period_and_as_of())
def test_oracle_counts_add_up(journey: tuple[list[dict[str, Any]], date, date, Any]) -> None:
    events, period_from, period_to, as_of = journey
    result = oracle_measures(events, period_from=period_from, period_to=period_to, as_of=as_of)
    parts = list(result["interventions"].values())
    for measures in [*parts, result["total"]]:
        _check_invariants(measures)
    for name in COUNT_MEASURES:
        assert _sum_cells([m[name] for m in parts]) == result["total"][name]
    unique = result["total"]["unique_participants"]
    assert (
        unique["female"] + unique["male"] == unique["total"] <= result["total"]["active"]["total"]
    )
