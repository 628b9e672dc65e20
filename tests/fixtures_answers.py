"""Realistic statistics answers (product.md §8) for two years, built from synthetic people.

Counts, means and distributions are computed from the same people, so every table adds up;
then a small disclosure pass nulls what product.md §7 hides and lists the pointers.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

ASSOCIATION_NAME = "Samordningsförbundet Mellanbygden"
YEAR, PREVIOUS_YEAR = 2023, 2022
GENERATED_AS_OF = "2024-02-15T09:00:00+01:00"
MIN_CELL_SIZE = 5
SETTINGS = {
    "early_dropout_months": 2,
    "goal_reasons": ["work", "subsidised_work", "studies", "job_seeking", "vocational_rehab"],
    "youth_max_age": 29,
    "min_cell_size": MIN_CELL_SIZE,
}
WORK_OR_STUDIES = {"work", "subsidised_work", "studies"}
REASONS = [
    "work",
    "subsidised_work",
    "studies",
    "job_seeking",
    "vocational_rehab",
    "medical_rehab",
    "sickness_compensation",
    "parental_leave",
    "moved",
    "discontinued",
    "other",
]
SUPPORTS = [
    "none",
    "social_assistance",
    "sickness_benefit",
    "activity_compensation",
    "sickness_compensation",
    "activity_support",
    "unemployment_insurance",
    "other",
]
BANDS = [
    ("16-19", 0, 19),
    ("20-24", 20, 24),
    ("25-29", 25, 29),
    ("30-39", 30, 39),
    ("40-49", 40, 49),
    ("50-59", 50, 59),
    ("60+", 60, 200),
]
AGES = [19, 23, 27, 34, 45, 52, 61, 29, 38, 24, 17, 41, 33, 26, 57, 22]
EDUCATIONS = [
    "upper_secondary",
    "compulsory",
    "upper_secondary",
    "post_secondary",
    "incomplete_compulsory",
    "upper_secondary",
    "unknown",
]
SUPPORT_SETS = [
    ("social_assistance",),
    ("sickness_benefit",),
    ("activity_support",),
    ("none",),
    ("social_assistance", "activity_compensation"),
    (),
    ("social_assistance",),
    ("sickness_compensation",),
    ("unemployment_insurance",),
]


@dataclass(frozen=True)
class Person:
    """One synthetic enrollment, as the measures of a year see it."""

    pseudonym: str
    sex: str
    age: int
    education: str
    municipality: str
    support_in: tuple[str, ...]
    is_new: bool
    exit: str | None = None  # "early" or an exit reason
    days: int = 0
    progressed: bool | None = None
    months_public: int | None = None
    months_idle: int | None = None

    @property
    def completed(self) -> bool:
        return self.exit not in (None, "early")

    @property
    def support_out(self) -> tuple[str, ...]:
        return ("none",) if self.exit in WORK_OR_STUDIES else self.support_in


def people(
    prefix: str,
    sex: str,
    active: int,
    new: int,
    early: int,
    reasons: list[str],
    kommuner: list[str],
    shift: int = 0,
) -> list[Person]:
    """`active` people: the first `early` left early, the next len(reasons) completed."""
    result = []
    for i in range(active):
        k = i + shift
        exit_ = "early" if i < early else (reasons[i - early] if i - early < len(reasons) else None)
        completed = exit_ not in (None, "early")
        result.append(
            Person(
                pseudonym=f"{prefix}-{sex}-{i}",
                sex=sex,
                age=AGES[k % len(AGES)],
                education=EDUCATIONS[k % len(EDUCATIONS)],
                municipality=kommuner[k % len(kommuner)],
                support_in=SUPPORT_SETS[k % len(SUPPORT_SETS)],
                is_new=i >= active - new,
                exit=exit_,
                days=(20 + i if exit_ == "early" else 90 + (k * k * 37 + k * 53) % 640),
                progressed=None if not completed or k % 5 == 0 else k % 3 != 0,
                months_public=None if k % 6 == 0 else 6 + (k * 7) % 90,
                months_idle=None if k % 4 == 0 else 3 + (k * 11) % 70,
            )
        )
    return result


def _cell(group: Iterable[Person], value: Callable[[list[Person]], Any]) -> dict[str, Any]:
    members = list(group)
    return {
        "total": value(members),
        "female": value([p for p in members if p.sex == "female"]),
        "male": value([p for p in members if p.sex == "male"]),
    }


def _count(group: Iterable[Person], keep: Callable[[Person], bool] = lambda p: True) -> dict:
    return _cell(group, lambda members: sum(1 for p in members if keep(p)))


def _share(group: list[Person], keep: Callable[[Person], bool], base: Callable[[Person], bool]):
    def share(members: list[Person]) -> float | None:
        denominator = [p for p in members if base(p)]
        if not denominator:
            return None
        return round(sum(1 for p in denominator if keep(p)) / len(denominator), 4)

    return _cell(group, share), _count(group, base)


def _mean(group: list[Person], get: Callable[[Person], int | None], how=statistics.fmean):
    def mean(members: list[Person]) -> float | None:
        values = [get(p) for p in members if get(p) is not None]
        return round(how(values), 1) if values else None

    return _cell(group, mean), _count(group, lambda p: get(p) is not None)


def _band(age: int) -> str:
    return next(label for label, low, high in BANDS if low <= age <= high)


def measures(group: list[Person], goal: set[str]) -> tuple[dict[str, Any], dict[tuple, dict]]:
    """The §6 measures of one intervention (or the total), and each mean's or share's base."""
    done = [p for p in group if p.completed]
    to_goal = [p for p in done if p.exit in goal]
    work = lambda p: p.exit in WORK_OR_STUDIES  # noqa: E731
    hit = lambda p: p.exit in goal  # noqa: E731
    bases: dict[tuple, dict] = {}

    def based(path: tuple, pair: tuple[dict, dict]) -> dict:
        bases[path] = pair[1]
        return pair[0]

    m: dict[str, Any] = {
        "active": _count(group),
        "new": _count(group, lambda p: p.is_new),
        "active_at_end": _count(group, lambda p: p.exit is None),
        "exits": _count(group, lambda p: p.exit is not None),
        "early_dropouts": _count(group, lambda p: p.exit == "early"),
        "completed_exits": _count(done),
        "exits_by_reason": {r: _count(done, lambda p, r=r: p.exit == r) for r in REASONS},
        "to_work_or_studies": _count(done, work),
        "to_goal": _count(done, hit),
        "progressed": _count(done, lambda p: p.progressed is True),
    }
    exited = lambda p: p.exit is not None  # noqa: E731
    for name, keep, base in (
        ("share_to_work_or_studies", work, lambda p: p.completed),
        ("share_to_goal", hit, lambda p: p.completed),
        ("share_to_work_or_studies_of_all_exits", work, exited),
        ("share_to_goal_of_all_exits", hit, exited),
        (
            "share_progressed",
            lambda p: p.progressed is True,
            lambda p: p.completed and p.progressed is not None,
        ),
    ):
        m[name] = based((name,), _share(group, keep, base))
    for name, members in (("throughput_days", done), ("throughput_days_to_goal", to_goal)):
        m[name] = {
            "mean": based((name, "mean"), _mean(members, lambda p: p.days)),
            "median": based((name, "median"), _mean(members, lambda p: p.days, statistics.median)),
        }
    for name, get in (
        ("months_on_public_support_before", lambda p: p.months_public),
        ("months_without_work_or_studies_before", lambda p: p.months_idle),
    ):
        m[name] = {
            "to_goal": based((name, "to_goal"), _mean(to_goal, get)),
            "new": based((name, "new"), _mean([p for p in group if p.is_new], get)),
        }
    m |= _distributions(group, done)
    return m, bases


def _distributions(group: list[Person], done: list[Person]) -> dict[str, Any]:
    codes = lambda p: p.support_in or ("unknown",)  # noqa: E731
    young = lambda p: p.age <= SETTINGS["youth_max_age"]  # noqa: E731
    work = lambda p: p.exit in WORK_OR_STUDIES  # noqa: E731
    return {
        "support_at_enrollment": {
            c: _count(group, lambda p, c=c: c in codes(p)) for c in [*SUPPORTS, "unknown"]
        },
        "support_before_after": {
            c: {
                "at_enrollment": _count(done, lambda p, c=c: c in codes(p)),
                "at_exit": _count(done, lambda p, c=c: c in (p.support_out or ("unknown",))),
            }
            for c in [*SUPPORTS, "unknown"]
        },
        "age_band": {
            name: {b: _count(members, lambda p, b=b: _band(p.age) == b) for b, *_ in BANDS}
            for name, members in (
                ("active", group),
                ("new", [p for p in group if p.is_new]),
                ("completed_exits", done),
            )
        },
        "to_work_or_studies_by_age": {
            g: {
                "completed_exits": _count(done, lambda p, s=s: young(p) == s),
                "to_work_or_studies": _count(done, lambda p, s=s: young(p) == s and work(p)),
            }
            for g, s in (("youth", True), ("adult", False))
        },
        "education": {
            e: _count(group, lambda p, e=e: p.education == e)
            for e in sorted({p.education for p in group})
        },
        "municipality": {
            k: _count(group, lambda p, k=k: p.municipality == k)
            for k in sorted({p.municipality for p in group})
        },
    }


def disclose(
    node: Any, pointer: str, bases: dict[tuple, dict], path: tuple, hidden: list[dict]
) -> Any:
    """Null counts 1..4 and means/shares over 1..4 people; complete cells' suppression."""
    if isinstance(node, dict) and set(node) == {"total", "female", "male"}:
        base = bases.get(path)
        cell = {}
        for sex, value in node.items():
            size = base[sex] if base else value
            small = isinstance(size, int) and 0 < size < MIN_CELL_SIZE
            cell[sex] = None if small else value
            if small:
                hidden.append({"pointer": f"{pointer}/{sex}", "rule": "min_cell_size"})
        if base is None and cell["total"] is not None:
            hidden_sexes = [s for s in ("female", "male") if cell[s] is None]
            if len(hidden_sexes) == 1:
                other = "male" if hidden_sexes[0] == "female" else "female"
                if cell[other]:
                    cell[other] = None
                    hidden.append({"pointer": f"{pointer}/{other}", "rule": "complementary"})
        return cell
    if isinstance(node, dict):
        return {
            k: disclose(v, f"{pointer}/{k}", bases, (*path, k), hidden) for k, v in node.items()
        }
    return node


GROUPS = {
    YEAR: {
        "samverkansteam-avesta": (
            people(
                "av23",
                "female",
                33,
                12,
                1,
                ["work"] * 3
                + ["subsidised_work"] * 2
                + ["studies"] * 2
                + ["job_seeking", "vocational_rehab", "medical_rehab", "discontinued"],
                ["2084", "2084", "2083"],
            )
            + people(
                "av23",
                "male",
                25,
                8,
                1,
                ["work", "studies", "job_seeking", "medical_rehab", "sickness_compensation"],
                ["2084"],
                shift=3,
            )
        ),
        "kraften-hedemora": (
            people(
                "kh23",
                "female",
                25,
                10,
                2,
                [
                    "work",
                    "work",
                    "studies",
                    "vocational_rehab",
                    "vocational_rehab",
                    "medical_rehab",
                    "moved",
                ],
                ["2083"],
                shift=5,
            )
            + people(
                "kh23",
                "male",
                27,
                14,
                3,
                ["work"] * 2
                + ["job_seeking"] * 2
                + ["subsidised_work", "medical_rehab", "discontinued", "other"],
                ["2083", "2082"],
                shift=7,
            )
        ),
    },
    PREVIOUS_YEAR: {
        "samverkansteam-avesta": (
            people(
                "av22",
                "female",
                36,
                15,
                0,
                ["work"] * 4
                + ["studies"] * 3
                + ["job_seeking"] * 2
                + ["vocational_rehab", "medical_rehab"],
                ["2084"],
            )
            + people(
                "av22",
                "male",
                28,
                12,
                2,
                ["work", "work", "studies", "vocational_rehab", "medical_rehab", "moved"],
                ["2084", "2083"],
            )
        ),
        "kraften-hedemora": (
            people(
                "kh22",
                "female",
                30,
                12,
                3,
                ["work", "studies", "studies", "job_seeking", "medical_rehab", "discontinued"],
                ["2083"],
            )
            + people(
                "kh22",
                "male",
                27,
                9,
                2,
                ["work"] * 3 + ["vocational_rehab", "other"],
                ["2083"],
                shift=2,
            )
        ),
    },
}
NAMES = {
    "samverkansteam-avesta": "Samverkansteam Avesta",
    "kraften-hedemora": "Samverkansteam Kraften Hedemora",
}
STRUCTURAL = ("sip-samordnare", "Strategisk SIP-samordnare")
ACTIVITIES = {
    YEAR: {"count": 6, "participants": {"af": 14, "fk": 9, "region": 22, "kommun": 41, "other": 3}},
    PREVIOUS_YEAR: {
        "count": 4,
        "participants": {"af": 8, "fk": 6, "region": 15, "kommun": 30, "other": 0},
    },
}
ANONYMOUS = {
    YEAR: {"samverkansteam-avesta": (12, 9, 2), "kraften-hedemora": (3, 6, 0)},
    PREVIOUS_YEAR: {"samverkansteam-avesta": (10, 7, 0), "kraften-hedemora": (5, 5, 1)},
}
COSTS = {
    YEAR: {"samverkansteam-avesta": 2_430_000},
    PREVIOUS_YEAR: {"samverkansteam-avesta": 2_310_000},
}


def _anonymous(counts: Iterable[tuple[int, int, int]]) -> dict[str, int]:
    female, male, unspecified = (sum(c) for c in zip(*counts, strict=True))
    return {
        "female": female,
        "male": male,
        "unspecified": unspecified,
        "total": female + male + unspecified,
    }


def statistics_answer(year: int) -> dict[str, Any]:
    """The association's statistics answer for a calendar year, disclosure-controlled."""
    goal = set(SETTINGS["goal_reasons"])
    hidden: list[dict] = []
    interventions = []
    everyone: list[Person] = []
    for position, (iid, group) in enumerate(GROUPS[year].items()):
        m, bases = measures(group, goal)
        m = disclose(m, f"/interventions/{position}/measures", bases, (), hidden)
        m["anonymous_participants"] = _anonymous([ANONYMOUS[year][iid]])
        cost = COSTS[year].get(iid)
        m["cost_per_participant"] = round(cost / len(group), 2) if cost else None
        interventions.append(
            {"intervention": iid, "name": NAMES[iid], "kind": "individual", "measures": m}
        )
        everyone += group
    activities = {
        **ACTIVITIES[year],
        "participants": {
            **ACTIVITIES[year]["participants"],
            "total": sum(ACTIVITIES[year]["participants"].values()),
        },
    }
    interventions.append(
        {
            "intervention": STRUCTURAL[0],
            "name": STRUCTURAL[1],
            "kind": "structural",
            "measures": {"activities": activities},
        }
    )
    total, bases = measures(everyone, goal)
    total = disclose(total, "/total/measures", bases, (), hidden)
    total["unique_participants"] = _count({p.pseudonym: p for p in everyone}.values())
    total["anonymous_participants"] = _anonymous(ANONYMOUS[year].values())
    total["activities"] = activities
    total["cost_per_participant"] = None
    return {
        "association": "mellanbygden",
        "period": {"from": f"{year}-01-01", "to": f"{year}-12-31"},
        "as_of": None,
        "settings": SETTINGS,
        "interventions": interventions,
        "total": {"measures": total},
        "suppressed": hidden,
    }


def answers() -> tuple[dict[str, Any], dict[str, Any]]:
    """(current, previous): the answers for 2023 and 2022."""
    return statistics_answer(YEAR), statistics_answer(PREVIOUS_YEAR)


def _share_pseudonyms() -> None:
    """Three people of Hedemora also took part in Avesta: one person, two enrollments."""
    hedemora = GROUPS[YEAR]["kraften-hedemora"]
    for i in range(3):
        hedemora[i] = replace(hedemora[i], pseudonym=f"av23-female-{20 + i}")


_share_pseudonyms()
