"""Disclosure control by the cell-key method (product.md §7): what an analyst can and cannot
learn from the answers. The attacker's linear programme over one answer is in
tests/e2e/test_disclosure_audit.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from service.domain.association import MAX_MIN_CELL_SIZE, checked_settings
from service.domain.errors import InvalidValueError
from service.domain.facts import EnrollmentFacts, Period, ReportingRules
from service.statistics import answer as answer_module
from service.statistics import cell_key, disclosure
from service.statistics.cell_key import max_noise, perturbed_count
from service.statistics.disclosure import _narrow_inequality
from service.statistics.disclosure_relations import identities
from service.statistics.leaf_layout import MeasuredLeaves
from tests.statistics_inputs import (
    INTERVENTIONS,
    answer,
    enrollments,
    small_forbund,
    small_forbund_answer,
    small_forbund_findings,
)

RULES = ReportingRules(min_cell_size=5)
OPEN = ReportingRules(min_cell_size=0)
HEADLINE_COUNTS = ("active", "new", "exits", "completed_exits", "to_work_or_studies", "to_goal")
HEADLINE_SHARES = {"share_to_work_or_studies": "to_work_or_studies", "share_to_goal": "to_goal"}
# Every share and its (numerator, base), product.md §6.
SHARES = {
    **{name: (numerator, "completed_exits") for name, numerator in HEADLINE_SHARES.items()},
    "share_to_work_or_studies_of_all_exits": ("to_work_or_studies", "exits"),
    "share_to_goal_of_all_exits": ("to_goal", "exits"),
}
facts_lists = hs.integers(0, 70).flatmap(
    lambda size: hs.tuples(*(enrollments(n) for n in range(size))).map(list)
)


SKIPPED = {"cost_per_participant", "count", "months_on_public_support_before"}
SKIPPED |= {"months_without_work_or_studies_before", "intervention", "name", "kind"}


def count_leaves(tree: Any, at: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    """Every count leaf (an int or None) with its path; statistics left out."""
    found: list[tuple[tuple[Any, ...], Any]] = []
    if isinstance(tree, list):
        for index, child in enumerate(tree):
            found += count_leaves(child, (*at, index))
    elif isinstance(tree, dict):
        for key, child in tree.items():
            if key in SKIPPED or str(key).startswith(("share", "throughput")):
                continue
            found += count_leaves(child, (*at, key))
    else:
        found.append((at, tree))
    return found


def test_the_noise_is_bounded_and_a_positive_count_stays_positive() -> None:
    for value in range(0, 40):
        for key in range(0, 5000, 7):
            published = perturbed_count(value, key, 2, key)
            assert abs(published - value) <= 2 or (value == 0 and published == 1)
            assert (published >= 1) == (value >= 1) or value == 0


def test_the_bound_keeps_a_small_published_count_from_pinning_anyone() -> None:
    # c' ± D always reaches 0 or k: a count derived as 1..k−1 says nothing inside 1..k−1.
    for k in range(2, 30):
        bound = max_noise(k)
        assert all(c - bound <= 0 or c + bound >= k for c in range(1, k))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts=facts_lists)
def test_every_published_count_is_within_the_noise_of_the_truth(
    facts: list[EnrollmentFacts],
) -> None:
    protected, truth = answer(facts, RULES), answer(facts, OPEN)
    bound = protected["disclosure"]["max_noise"]
    for scope in ("interventions", "total"):
        shown = count_leaves(protected[scope])
        true = with_other_municipalities(dict(count_leaves(truth[scope])), dict(shown))
        for at, value in shown:
            if value is None:
                continue
            assert abs(value - true[at]) <= bound, at
            assert (value == 0) == (true[at] == 0), at  # "–" means nobody
            assert value >= 5 or value == 0, at  # 1..4 is never shown


def with_other_municipalities(
    true: dict[tuple[Any, ...], Any], shown: dict[tuple[Any, ...], Any]
) -> dict[tuple[Any, ...], Any]:
    """The open answer's counts with the kommuner the protected answer does not list
    summed under `other`, as the protected answer counts them."""
    out = {at: 0 for at in shown if "other" in at}
    for at, value in true.items():
        folded = "municipality" in at and at not in shown
        key = (*at[:-2], "other", at[-1]) if folded else at
        out[key] = out.get(key, 0) + value
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts=facts_lists)
def test_one_intervention_asked_alone_shows_exactly_what_the_full_answer_shows(
    facts: list[EnrollmentFacts],
) -> None:
    full = answer(facts, RULES)
    for position, entry in enumerate(full["interventions"]):
        alone = answer(facts, RULES, only_intervention=entry["intervention"])
        measures = alone["interventions"][0]["measures"]
        same_keys = {k: v for k, v in entry["measures"].items() if k != "municipality"}
        assert {k: measures[k] for k in same_keys} == same_keys
        hidden_full = {
            p.split("/measures/")[1]
            for p in full["suppressed"]
            if p.startswith(f"/interventions/{position}/") and "/municipality/" not in p
        }
        hidden_alone = {
            p.split("/measures/")[1]
            for p in alone["suppressed"]
            if p.startswith("/interventions/0/") and "/municipality/" not in p
        }
        assert hidden_alone == hidden_full


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts=facts_lists)
def test_a_headline_figure_over_many_persons_is_never_hidden(
    facts: list[EnrollmentFacts],
) -> None:
    protected, truth = answer(facts, RULES), answer(facts, OPEN)
    objects = [*protected["interventions"], protected["total"]]
    true_objects = [*truth["interventions"], truth["total"]]
    for shown, true in zip(objects, true_objects, strict=True):
        m, t = shown["measures"], true["measures"]
        # The total column; a split by kön is the detail a rare complement may fall on.
        for name in HEADLINE_COUNTS:
            if t[name]["total"] >= 10:
                assert m[name]["total"] is not None, name
        for name, numerator in HEADLINE_SHARES.items():
            if t["completed_exits"]["total"] >= 10 and m[name]["total"] is None:
                # Only as the share of a count too small to publish, which it would show
                # (0.2 of 10 is 2): never for a count hidden to protect another.
                assert m[numerator]["total"] is None, name
                assert t[numerator]["total"] <= RULES.min_cell_size - 1 + max_noise(5), name
        if t["completed_exits"]["total"] >= 10 and t["throughput_days"]["mean"]["total"]:
            assert m["throughput_days"]["mean"]["total"] is not None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts=facts_lists)
def test_a_share_of_a_hidden_count_is_hidden_with_it(facts: list[EnrollmentFacts]) -> None:
    # s = a′ / b′ with b′ published gives a′ = s·b′: the share would publish the count.
    protected = answer(facts, RULES)
    for scope in [*protected["interventions"], protected["total"]]:
        m = scope["measures"]
        for name, (numerator, base) in SHARES.items():
            for column in ("total", "female", "male"):
                if m[numerator][column] is None or m[base][column] is None:
                    assert m[name][column] is None, (name, column)
        for column in ("total", "female", "male"):
            if m["progressed"][column] is None:
                assert m["share_progressed"][column] is None, column


def test_the_same_facts_always_give_the_same_answer() -> None:
    facts = [replace(base_person(n), sex="female" if n % 3 else "male") for n in range(23)]
    assert answer(facts, RULES) == answer(list(reversed(facts)), RULES)


def base_person(number: int, **changes: Any) -> EnrollmentFacts:
    enrolled_on = date(2023, 1, 10) + timedelta(days=number * 3)
    fact = EnrollmentFacts(
        enrollment_id=f"person-{number}",
        association_id="forbund",
        intervention_id=INTERVENTIONS[number % 2].intervention_id,
        pseudonym=f"pseudonym-{number:05d}",
        sex="female" if number % 2 else "male",
        birth_year=1990 - number % 30,
        education=("compulsory", "upper_secondary", "post_secondary")[number % 3],
        municipality=("2080", "2021")[number % 2],
        enrolled_on=enrolled_on,
        support_at_enrollment=frozenset({"social_assistance"}),
        months_on_public_support=12 + number % 24,
        months_without_work_or_studies=None,
        current_support=frozenset({"social_assistance"}),
    )
    return replace(fact, **changes)


def differences(first: dict[str, Any], second: dict[str, Any]) -> dict[tuple[Any, ...], int]:
    """Published counts of the total that differ between two answers (hidden ones aside)."""
    a, b = dict(count_leaves(first["total"])), dict(count_leaves(second["total"]))
    return {
        at: b[at] - a[at] for at in a if a[at] is not None and b[at] is not None and a[at] != b[at]
    }


@pytest.mark.parametrize(
    ("first_end", "second_end"),
    [(date(2023, 6, 9), date(2023, 6, 10)), (date(2023, 5, 31), date(2023, 6, 30))],
    ids=["a day apart", "a month apart"],
)
def test_two_periods_do_not_give_away_the_one_person_between_them(
    first_end: date, second_end: date
) -> None:
    """The attack of issue 16: from=…-01-01 to 06-09 against to 06-10 (or a month apart),
    where one person started between the two ends, read her profile off the differences
    (each +1). With the cell-key method the differences are noisy: over 60 such persons the
    attacker reads the exact count of new persons, and the person's education, far from
    always."""
    crowd = [base_person(n, enrolled_on=date(2023, 1, 10) + timedelta(days=n)) for n in range(60)]
    exact_new, education_read = 0, 0
    for n in range(60):
        newcomer = base_person(
            1000 + n,
            enrolled_on=date(2023, 6, 10),
            education=("compulsory", "post_secondary")[n % 2],
        )
        facts = [*crowd, newcomer]
        before = answer(facts, RULES, Period(date(2023, 1, 1), first_end))
        after = answer(facts, RULES, Period(date(2023, 1, 1), second_end))
        changed = differences(before, after)
        exact_new += changed.get(("measures", "new", "total"), 0) == 1
        rose_by_one = [at for at, d in changed.items() if at[1] == "education" and d == 1]
        education_read += rose_by_one == [("measures", "education", newcomer.education, "total")]
    assert exact_new < 60 * 0.5
    assert education_read < 60 * 0.5


def test_two_as_of_instants_around_an_exit_do_not_give_away_its_reason() -> None:
    """Before and after one exit: the difference in exits by reason is noisy."""
    crowd = [
        base_person(n, exited_on=date(2023, 9, 1), exit_reason=("work", "studies")[n % 2])
        for n in range(40)
    ]
    read = 0
    for n in range(60):
        leaver = base_person(2000 + n, exited_on=date(2023, 10, 1), exit_reason="work")
        before = answer([*crowd, replace(leaver, exited_on=None, exit_reason=None)], RULES)
        after = answer([*crowd, leaver], RULES)
        changed = differences(before, after)
        read += changed.get(("measures", "exits_by_reason", "work", "total"), 0) == 1 and all(
            d == 0 for at, d in changed.items() if at[1] == "exits_by_reason" and at[2] != "work"
        )
    assert read < 60 * 0.5


def test_cost_per_participant_gives_away_no_more_than_the_published_count() -> None:
    from service.domain.facts import FinanceRecord

    facts = [base_person(n, intervention_id="alfa") for n in range(12)]
    facts += [base_person(100 + n, intervention_id="beta") for n in range(3)]
    finances = [
        FinanceRecord("alfa", 2023, None, 120_000),
        FinanceRecord("beta", 2023, None, 30_000),
    ]
    result = answer(facts, RULES, finances=finances)
    beta = result["interventions"][1]["measures"]
    total = result["total"]["measures"]
    assert beta["active"]["total"] is None and beta["cost_per_participant"] is None
    # The total's cost per participant is over the published (perturbed) count, so
    # cost ÷ it gives that count back, never the true one of beta.
    implied = round(150_000 / total["cost_per_participant"])
    assert implied == total["active"]["total"]


@pytest.mark.parametrize("seed", [1416, 2120, 2187, 2272, 2489])
def test_a_cost_per_participant_is_hidden_with_its_count(seed: int) -> None:
    # Small förbund where a count of active participants is hidden as a complement: the
    # cost (which product.md §7 lets the attacker know) ÷ its cost per participant would
    # give the count back (a review found seed 2272: 20,400 a participant gives 5).
    from service.domain.facts import FinanceRecord

    finances = [
        FinanceRecord(info.intervention_id, 2023, None, 100_000 + 1000 * n)
        for n, info in enumerate(small_forbund(seed)[0])
    ]
    result = small_forbund_answer(seed, RULES.min_cell_size, finances=finances)
    scopes = [*result["interventions"], result["total"]]
    assert any(scope["measures"]["active"]["total"] is None for scope in scopes)
    for scope in scopes:
        m = scope["measures"]
        if m["active"]["total"] is None:
            assert m["cost_per_participant"] is None


# Small förbund (tests.statistics_inputs.small_forbund) in which the attacker's programme
# pinned hidden counts before decisions.md §34–35: the first 30 of the sweep's answers
# with a finding on the code before, ten found only by the reader of a′ = s·b′, and 14,
# where the service fails closed; then 51 and 201, which only the reader's linear
# programme pinned, with small complements taken for small counts (decisions.md §38).
REPAIRED = (13, 20, 34, 49, 71, 90, 101, 107, 110, 112, 114, 127, 152, 159, 160, 163, 164,
            175, 186, 188, 208, 221, 233, 235, 246, 256, 289, 290, 297, 298,
            1, 3, 5, 6, 7, 8, 9, 11, 12, 16, 14, 51, 201)  # fmt: skip


# And the first 60 of the sweep's seeds, found or not before: a change to disclosure
# control that opens a new gap is likely to open one there (the sweep of 300 takes 4 min).
SWEPT = sorted(set(REPAIRED) | set(range(60)))


@pytest.mark.parametrize("seed", SWEPT)
def test_the_attacker_pins_no_hidden_count_of_a_small_forbund(seed: int) -> None:
    assert small_forbund_findings(seed) == []


# The audit's attacker knows which hidden counts are over k − 1 + D (decisions.md §38):
# here two complements published as 3 are 5, and guessing the others small pins one.
KNOWN_GAP = (15, 3)


@pytest.mark.parametrize(
    ("seed", "size"),
    [(seed, size) for size in (2, 3) for seed in (*range(12), 15) if (seed, size) != KNOWN_GAP],
)
def test_a_small_min_cell_size_gets_noise_enough(seed: int, size: int) -> None:
    # With D = 1 (k = 2 or 3) the programme pinned counts in 27–30 of 40 small förbund;
    # D is never below 2 (decisions.md §36). Seed 15 at k = 2: the reader's programme.
    assert max_noise(size) == 2
    assert small_forbund_findings(seed, size) == []


# Of the same kind, found by sweeping seeds 300–699 (decisions.md §42): the attacker pins
# early dropouts there once told which hidden counts are complements.
KNOWN_GAPS = (KNOWN_GAP, (370, 5), (535, 5))


@pytest.mark.parametrize(("seed", "size"), KNOWN_GAPS)
def test_the_known_gaps_the_attacker_still_pins_a_count_of_these(seed: int, size: int) -> None:
    # When this fails because nothing is found any more, take the gap out. (Not an
    # xfail: an audit found unsound raises, and must fail, not pass as expected.)
    assert small_forbund_findings(seed, size)


def _disclosure_calls(seed: int, size: int, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """In order: whether each `_scope_behind` found something to hide, and whether each
    reader's look at the pins solved the programme, for one small förbund's answer."""
    calls: list[tuple[str, bool]] = []
    scope_behind, pins = disclosure._scope_behind, disclosure._ReaderView.pins

    def recorded_scope(*args: Any) -> set[int]:
        behind = scope_behind(*args)
        calls.append(("scope", bool(behind)))
        return behind

    def recorded_pins(view: Any, hidden: Any, lo: Any, hi: Any, solve: bool) -> list[int]:
        calls.append(("pins", solve))
        return pins(view, hidden, lo, hi, solve)

    monkeypatch.setattr(disclosure, "_scope_behind", recorded_scope)
    monkeypatch.setattr(disclosure._ReaderView, "pins", recorded_pins)
    small_forbund_answer(seed, size)
    assert ("scope", False) in calls  # the case below occurs in this answer
    return calls


def test_pins_nothing_can_be_hidden_beside_still_leave_the_reader_its_programme(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In this answer a round's pins from the bounds have nothing that may be hidden beside
    them (only headline totals that noise protects). The rounds once stopped there, so
    the reader's linear programme never looked for pins elsewhere (decisions.md §40)."""
    calls = _disclosure_calls(201, 5, monkeypatch)
    stuck = calls.index(("scope", False))
    assert ("pins", True) in calls[stuck:]
    # ... within the rounds, not only in the last look after them
    assert calls.count(("pins", False)) < disclosure.MAX_ROUNDS


def test_pins_the_programme_found_that_nothing_can_be_hidden_beside_end_the_rounds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Here the programme's own pins are the ones nothing may be hidden beside: it has had
    its turn, and the same round again would find the same."""
    calls = _disclosure_calls(244, 2, monkeypatch)
    # The last stuck look (an earlier one, from the bounds, is set aside as above).
    stuck = len(calls) - 1 - calls[::-1].index(("scope", False))
    assert calls[stuck - 1] == ("pins", True) and calls[stuck + 1 :] == []


@settings(max_examples=300, deadline=None)
@given(
    values=hs.lists(hs.integers(0, 12), min_size=3, max_size=7),
    slack=hs.lists(hs.tuples(hs.integers(0, 4), hs.integers(0, 4)), min_size=7, max_size=7),
    cut=hs.integers(1, 6),
)
def test_an_inequality_narrows_bounds_but_never_past_the_truth(
    values: list[int], slack: list[tuple[int, int]], cut: int
) -> None:
    # Any counts with Σ smaller ≤ Σ larger, and bounds around them: narrowing keeps them.
    cut = min(cut, len(values) - 1)
    smaller, larger = tuple(range(cut)), tuple(range(cut, len(values)))
    if sum(values[i] for i in smaller) > sum(values[i] for i in larger):
        smaller, larger = larger, smaller
    lo = [max(0, v - slack[i][0]) for i, v in enumerate(values)]
    hi = [v + slack[i][1] for i, v in enumerate(values)]
    before = list(zip(lo, hi, strict=True))
    changed = _narrow_inequality(smaller, larger, lo, hi)
    for i, v in enumerate(values):
        assert lo[i] <= v <= hi[i]
        assert (lo[i], hi[i]) != before[i] or i not in changed
    # and it is tight: the greatest a smaller member can be is reached with the others least
    most = sum(before[b][1] for b in larger) - sum(before[a][0] for a in smaller)
    for a in smaller:
        assert hi[a] == min(before[a][1], most + before[a][0])


@pytest.mark.parametrize("rounds", [1, disclosure.MAX_ROUNDS])
def test_no_pin_the_service_sees_is_published_while_something_could_hide_it(
    monkeypatch: pytest.MonkeyPatch, rounds: int
) -> None:
    # With one round, the rounds run out with pins left: the service fails closed then too.
    monkeypatch.setattr(disclosure, "MAX_ROUNDS", rounds)
    seen: list[tuple[MeasuredLeaves, set[int]]] = []

    def kept(measured: MeasuredLeaves, rules: ReportingRules) -> list[int]:
        hidden = disclosure.hidden_leaves(measured, rules)
        seen.append((measured, set(hidden)))
        return hidden

    monkeypatch.setattr(answer_module, "hidden_leaves", kept)
    k, bound = RULES.min_cell_size, max_noise(RULES.min_cell_size)
    pins = 0
    for seed in (14, 13, 20, 34, 49, 71, 90, 160, 175):
        seen.clear()
        small_forbund_answer(seed, RULES.min_cell_size)
        measured, hidden = seen[-1]
        counts = hidden - set(measured.statistics)
        complements = {n for n in counts if measured.values[n] >= k}  # published ≥ k
        found = identities(measured, RULES)
        lo, hi = disclosure._bounds(measured, hidden, complements, found, bound, k)
        for n in counts:
            if disclosure.pinned(lo[n], hi[n], k):
                pins += 1
                kept = disclosure._numerators_of_kept_shares(measured, k, bound)
                behind = disclosure._scope_behind([n], measured, found, hidden | kept, k, bound)
                assert not behind, (seed, measured.pointer(n), lo[n], hi[n])
    assert rounds == 1 or pins == 0


@pytest.mark.parametrize("size", range(2, MAX_MIN_CELL_SIZE + 1))
def test_every_allowed_min_cell_size_gets_the_noise_its_answer_states(size: int) -> None:
    # A review found the tables of bounds 28 and up holding only −1..1, while the answer
    # (and the reader's bounds) said ±k/2: k is capped where every noise ±1..±D is drawn.
    bound = max_noise(size)
    assert set(cell_key._TABLES[bound]) == set(range(-bound, bound + 1))


def test_a_min_cell_size_past_the_tables_is_refused() -> None:
    assert checked_settings({"min_cell_size": MAX_MIN_CELL_SIZE})["min_cell_size"] == 50
    with pytest.raises(InvalidValueError, match="from 0 to 50"):
        checked_settings({"min_cell_size": MAX_MIN_CELL_SIZE + 1})
