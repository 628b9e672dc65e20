"""The attacker's audit of a statistics answer (product.md §7, point 1; issue 16).

The attacker reads every published figure of one answer of `GET .../statistics` and every
identity between figures that product.md §6 states, and solves the linear programme a
τ-ARGUS audit solves: for each hidden count, its least and greatest value over the true
tables consistent with what was published. A hidden count is disclosed when that interval
is one number, or lies inside 1..min_cell_size−1.

This module is deliberately independent of the service: every identity is derived here from
product.md §5–§6, not read from the service's code, so it checks the service rather than
repeating it. Variables are the *true* counts; published figures only bound them:

- a published count v: exactly 0 when v = 0, else [max(1, v − D), v + D] (D = max_noise);
- a hidden count: [1, ∞) when the answer uses plain suppression (hidden values are never
  zeros); under the cell-key method, whose rule is "hide a count published as 1..k−1" and
  which publishes some zeros as 1, [0, k − 1 + D];
- a published share s = n / d (rounded to 4 decimals, n and d each perturbed by at most D):
  |n − s·d| ≤ (1 + s + ε)·D + ε·d with ε = 0.00005, which holds with D = 0 as well.

The programme is one sparse model per answer; each hidden count costs at most two LPs
(HiGHS), fewer when feasible points found earlier already show the count is free.
`audit_with_truth` first proves the model sound for an answer: the true values (the same
statistics with min_cell_size 0) satisfy every constraint.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

COLUMNS = ("total", "female", "male")
# product.md §5
EXIT_REASONS = (
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
)
WORK_OR_STUDIES = ("work", "subsidised_work", "studies")
SUPPORT_CODES = (
    "none",
    "social_assistance",
    "sickness_benefit",
    "activity_compensation",
    "sickness_compensation",
    "activity_support",
    "unemployment_insurance",
    "other",
    "unknown",
)
EDUCATION = ("incomplete_compulsory", "compulsory", "upper_secondary", "post_secondary", "unknown")
# product.md §6: (band, first age, last age); 15-year-olds count in 16-19
AGE_BANDS = (
    ("16-19", 0, 19),
    ("20-24", 20, 24),
    ("25-29", 25, 29),
    ("30-39", 30, 39),
    ("40-49", 40, 49),
    ("50-59", 50, 59),
    ("60+", 60, 10_000),
)
SIMPLE_CELLS = (
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
# share: (numerator, divisor); share_progressed has an unpublished divisor (below)
SHARES = {
    "share_to_goal": ("to_goal", "completed_exits"),
    "share_to_work_or_studies": ("to_work_or_studies", "completed_exits"),
    "share_to_goal_of_all_exits": ("to_goal", "exits"),
    "share_to_work_or_studies_of_all_exits": ("to_work_or_studies", "exits"),
}
ROUNDING = 0.00005 + 1e-9
TOLERANCE = 1e-6

Path = tuple[str, ...]


@dataclass(frozen=True)
class Finding:
    """A hidden count the attacker pins: to one value, or inside 1..min_cell_size−1."""

    pointer: str
    lo: float
    hi: float


@dataclass
class _Model:
    """The attacker's linear programme over the true counts of one answer."""

    max_noise: int
    hidden_range: tuple[float, float]
    pointers: list[str | None] = field(default_factory=list)
    bounds: list[tuple[float, float]] = field(default_factory=list)
    by_pointer: dict[str, int] = field(default_factory=dict)
    hidden: list[int] = field(default_factory=list)
    # rows: (terms, lo, hi, label) meaning lo ≤ Σ coef·x ≤ hi
    rows: list[tuple[dict[int, float], float, float, str]] = field(default_factory=list)

    # -- variables ----------------------------------------------------------------

    def leaf(self, pointer: str, container: Any, key: str) -> int:
        """The variable of a published or hidden count (free if the answer lacks it)."""
        if pointer in self.by_pointer:
            return self.by_pointer[pointer]
        present = isinstance(container, Mapping) and key in container
        value = container[key] if present else None
        if not present or isinstance(value, Mapping):
            return self._new(pointer, (0.0, math.inf))
        if value is None:
            index = self._new(pointer, self.hidden_range)
            self.hidden.append(index)
            return index
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise AssertionError(f"{pointer}: a count is {value!r}")
        if value == 0:
            return self._new(pointer, (0.0, 0.0))
        noise = self.max_noise
        return self._new(pointer, (max(1.0, value - noise), float(value + noise)))

    def free(self, label: str) -> int:
        """A variable no figure publishes (a divisor the answer does not show)."""
        return self._new(None, (0.0, math.inf), label)

    def _new(self, pointer: str | None, bounds: tuple[float, float], label: str = "") -> int:
        self.pointers.append(pointer)
        self.bounds.append(bounds)
        index = len(self.pointers) - 1
        if pointer is not None:
            self.by_pointer[pointer] = index
        return index

    # -- constraints --------------------------------------------------------------

    def equal(self, left: Iterable[int], right: Iterable[int], label: str) -> None:
        """Σ left = Σ right."""
        self.rows.append((_terms(left, right), 0.0, 0.0, label))

    def at_most(self, left: Iterable[int], right: Iterable[int], label: str) -> None:
        """Σ left ≤ Σ right."""
        self.rows.append((_terms(left, right), -math.inf, 0.0, label))

    def share(self, numerator: int, divisor: int, share: float, label: str) -> None:
        """A published share s of the true n / d: |n − s·d| ≤ (1 + s + ε)·D + ε·d."""
        slack = (1 + share + ROUNDING) * self.max_noise
        # n − (s + ε)·d ≤ slack and n − (s − ε)·d ≥ −slack
        self.rows.append(({numerator: 1.0, divisor: -(share + ROUNDING)}, -math.inf, slack, label))
        self.rows.append(({numerator: 1.0, divisor: -(share - ROUNDING)}, -slack, math.inf, label))

    def share_beside(
        self, numerator: int, divisor: int, share: float, published: tuple[Any, Any], label: str
    ) -> None:
        """What a share gives with one of its counts published: the other's perturbed value
        n′ = s·d′ (or d′ = n′ / s), within the rounding, so the true count within ±D of it
        (a perturbed 1 may be a true 0; a perturbed 0 is a true 0)."""
        top, bottom = published
        if isinstance(bottom, int) and not isinstance(bottom, bool):
            least = math.ceil((share - ROUNDING) * bottom)
            most = math.floor((share + ROUNDING) * bottom)
            self._perturbed(numerator, max(0, least), most, label)
        if isinstance(top, int) and not isinstance(top, bool) and share - ROUNDING > 0:
            least = math.ceil(top / (share + ROUNDING))
            most = math.floor(top / (share - ROUNDING))
            self._perturbed(divisor, max(0, least), most, label)

    def _perturbed(self, index: int, least: int, most: int, label: str) -> None:
        """The true count of a perturbed value known to lie in least..most."""
        noise = self.max_noise
        floor = 0 if least <= 1 and noise else min(1, least)
        self.rows.append(({index: 1.0}, max(floor, least - noise), most + noise, label))


def _terms(left: Iterable[int], right: Iterable[int]) -> dict[int, float]:
    terms: dict[int, float] = {}
    for index in left:
        terms[index] = terms.get(index, 0.0) + 1.0
    for index in right:
        terms[index] = terms.get(index, 0.0) - 1.0
    return terms


def _get(tree: Any, path: Path) -> Any:
    for key in path:
        if not isinstance(tree, Mapping) or key not in tree:
            return None
        tree = tree[key]
    return tree


def _pointer(root: str, path: Path) -> str:
    return root + "".join(f"/{p}" for p in path)


def _codes(measures: Mapping[str, Any], name: str, known: Iterable[str]) -> list[str]:
    """The codes of a distribution: those of product.md §5 and any the answer adds."""
    present = _get(measures, (name,))
    extra = [k for k in present if k not in known] if isinstance(present, Mapping) else []
    return [*known, *extra]


class _Measures:
    """The variables and identities of one measures object (an intervention or the total)."""

    def __init__(
        self, model: _Model, root: str, measures: Mapping[str, Any], rules: Mapping[str, Any]
    ) -> None:
        self.model, self.root, self.measures = model, root, measures
        self.counts: dict[Path, int] = {}
        self._cells(rules)
        self._anonymous_and_activities()

    def var(self, path: Path) -> int:
        if path not in self.counts:
            container = _get(self.measures, path[:-1])
            self.counts[path] = self.model.leaf(_pointer(self.root, path), container, path[-1])
        return self.counts[path]

    def cell(self, path: Path) -> dict[str, int]:
        """The three columns of a count cell, with female + male = total."""
        columns = {c: self.var((*path, c)) for c in COLUMNS}
        self.model.equal(
            [columns["female"], columns["male"]], [columns["total"]], f"{self.root}: sex {path}"
        )
        return columns

    def _cells(self, rules: Mapping[str, Any]) -> None:
        model, m = self.model, self.measures
        cells = {name: self.cell((name,)) for name in SIMPLE_CELLS}
        reasons = {r: self.cell(("exits_by_reason", r)) for r in EXIT_REASONS}
        supports = {
            code: self.cell(("support_at_enrollment", code))
            for code in _codes(m, "support_at_enrollment", SUPPORT_CODES)
        }
        before_after = {
            (code, when): self.cell(("support_before_after", code, when))
            for code in _codes(m, "support_before_after", SUPPORT_CODES)
            for when in ("at_enrollment", "at_exit")
        }
        bands = {
            (base, band): self.cell(("age_band", base, band))
            for base in ("active", "new", "completed_exits")
            for band, _, _ in AGE_BANDS
        }
        by_age = {
            (group, what): self.cell(("to_work_or_studies_by_age", group, what))
            for group in ("youth", "adult")
            for what in ("completed_exits", "to_work_or_studies")
        }
        education = {c: self.cell(("education", c)) for c in _codes(m, "education", EDUCATION)}
        municipality = {c: self.cell(("municipality", c)) for c in _codes(m, "municipality", ())}
        unique = self.cell(("unique_participants",)) if "unique_participants" in m else None
        youth_max_age = int(rules["youth_max_age"])
        goal = set(rules["goal_reasons"])

        for col in COLUMNS:

            def at(cells: Mapping[Any, dict[str, int]], col: str = col) -> list[int]:
                return [cell[col] for cell in cells.values()]

            def one(name: str, col: str = col) -> int:
                return cells[name][col]

            label = f"{self.root} [{col}]"
            model.equal([one("exits"), one("active_at_end")], [one("active")], f"{label} active")
            model.equal(
                [one("early_dropouts"), one("completed_exits")], [one("exits")], f"{label} exits"
            )
            model.at_most([one("new")], [one("active")], f"{label} new ≤ active")
            model.equal(at(reasons), [one("completed_exits")], f"{label} reasons")
            model.equal(
                [reasons[r][col] for r in WORK_OR_STUDIES],
                [one("to_work_or_studies")],
                f"{label} work or studies",
            )
            model.equal(
                [reasons[r][col] for r in EXIT_REASONS if r in goal],
                [one("to_goal")],
                f"{label} goal",
            )
            model.at_most([one("progressed")], [one("completed_exits")], f"{label} progressed")
            self._support(supports, one("active"), col, f"{label} support")
            for when in ("at_enrollment", "at_exit"):
                cells_then = {c: v for (c, w), v in before_after.items() if w == when}
                self._support(cells_then, one("completed_exits"), col, f"{label} {when}")
            for base in ("active", "new", "completed_exits"):
                model.equal(
                    [cell[col] for (b, _), cell in bands.items() if b == base],
                    [one(base)],
                    f"{label} age bands of {base}",
                )
            for what in ("completed_exits", "to_work_or_studies"):
                model.equal(
                    [by_age["youth", what][col], by_age["adult", what][col]],
                    [one(what)],
                    f"{label} youth + adult {what}",
                )
            for group in ("youth", "adult"):
                model.at_most(
                    [by_age[group, "to_work_or_studies"][col]],
                    [by_age[group, "completed_exits"][col]],
                    f"{label} {group} work or studies ≤ completed",
                )
            youth = by_age["youth", "completed_exits"][col]
            within = [
                bands["completed_exits", b][col]
                for b, _, last in AGE_BANDS
                if last <= youth_max_age
            ]
            reaching = [
                bands["completed_exits", b][col]
                for b, first, _ in AGE_BANDS
                if first <= youth_max_age
            ]
            model.at_most(within, [youth], f"{label} youth ≥ bands within")
            model.at_most([youth], reaching, f"{label} youth ≤ bands reaching")
            model.equal(at(education), [one("active")], f"{label} education")
            if municipality:
                model.equal(at(municipality), [one("active")], f"{label} municipality")
            if unique is not None:
                model.at_most([unique[col]], [one("active")], f"{label} unique ≤ active")
            self._shares(cells, col, label)

    def _support(
        self, cells: Mapping[str, dict[str, int]], base: int, col: str, label: str
    ) -> None:
        """Each code ≤ its base; every person has a code ('unknown' for none given); `none`
        and `unknown` exclude every other code."""
        model = self.model
        codes = {code: cell[col] for code, cell in cells.items()}
        if "unknown" in codes:
            model.at_most([base], list(codes.values()), f"{label}: every person has a code")
        exclusive = [codes[c] for c in ("none", "unknown") if c in codes]
        for code, index in codes.items():
            if code in ("none", "unknown"):
                model.at_most([index], [base], f"{label}: {code} ≤ base")
            else:
                model.at_most([*exclusive, index], [base], f"{label}: none+unknown+{code}")

    def _shares(self, cells: Mapping[str, dict[str, int]], col: str, label: str) -> None:
        model = self.model
        for name, (numerator, divisor) in SHARES.items():
            share = _get(self.measures, (name, col))
            if isinstance(share, int | float) and not isinstance(share, bool):
                model.share(
                    cells[numerator][col], cells[divisor][col], float(share), f"{label} {name}"
                )
                published = (
                    _get(self.measures, (numerator, col)),
                    _get(self.measures, (divisor, col)),
                )
                model.share_beside(
                    cells[numerator][col],
                    cells[divisor][col],
                    float(share),
                    published,
                    f"{label} {name} beside",
                )
        # share_progressed = progressed / (completed exits with a progressed value): that
        # divisor is not published, but lies between progressed and completed_exits.
        share = _get(self.measures, ("share_progressed", col))
        if isinstance(share, int | float) and not isinstance(share, bool):
            divisor = model.free(f"{label} progressed divisor")
            model.at_most([cells["progressed"][col]], [divisor], f"{label} progressed ≤ divisor")
            model.at_most(
                [divisor], [cells["completed_exits"][col]], f"{label} divisor ≤ completed"
            )
            model.share(
                cells["progressed"][col], divisor, float(share), f"{label} share_progressed"
            )

    def _anonymous_and_activities(self) -> None:
        model = self.model
        anonymous = ("anonymous_participants",)
        if isinstance(_get(self.measures, anonymous), Mapping):
            parts = [self.var((*anonymous, c)) for c in ("female", "male", "unspecified")]
            model.equal(parts, [self.var((*anonymous, "total"))], f"{self.root} anonymous")
        participants = ("activities", "participants")
        if isinstance(_get(self.measures, participants), Mapping):
            parts = [
                self.var((*participants, c)) for c in ("af", "fk", "region", "kommun", "other")
            ]
            model.equal(parts, [self.var((*participants, "total"))], f"{self.root} activities")


def build_model(
    answer: Mapping[str, Any],
    *,
    min_cell_size: int,
    max_noise: int,
    goal_reasons: list[str],
    youth_max_age: int,
    hidden_range: tuple[float, float] | None = None,
) -> _Model:
    """The attacker's linear programme of one answer."""
    if hidden_range is None:
        method = (answer.get("disclosure") or {}).get("method")
        if method == "cell_key":
            hidden_range = (0.0, float(min_cell_size - 1 + max_noise))
        else:
            hidden_range = (1.0, math.inf)
    model = _Model(max_noise=max_noise, hidden_range=hidden_range)
    rules = {"goal_reasons": goal_reasons, "youth_max_age": youth_max_age}
    parts = [
        _Measures(model, f"/interventions/{i}/measures", entry["measures"], rules)
        for i, entry in enumerate(answer["interventions"])
    ]
    total = _Measures(model, "/total/measures", answer["total"]["measures"], rules)
    if parts:
        # the association total is the sum of its interventions (§6), for every count but
        # unique_participants, which counts each person once
        for path, index in total.counts.items():
            if path[0] == "unique_participants":
                continue
            model.equal([p.var(path) for p in parts], [index], f"scopes {_pointer('', path)}")
        if "unique_participants" in answer["total"]["measures"]:
            for col in COLUMNS:
                unique = total.var(("unique_participants", col))
                for part in parts:
                    model.at_most(
                        [part.var(("active", col))],
                        [unique],
                        f"unique ≥ active of an intervention [{col}]",
                    )
    return model


def _matrices(model: _Model) -> tuple[Any, np.ndarray, Any, np.ndarray]:
    """(A_ub, b_ub, A_eq, b_eq) of the rows."""
    ub_rows: list[tuple[dict[int, float], float]] = []
    eq_rows: list[tuple[dict[int, float], float]] = []
    for terms, lo, hi, _ in model.rows:
        if lo == hi:
            eq_rows.append((terms, hi))
            continue
        if hi < math.inf:
            ub_rows.append((terms, hi))
        if lo > -math.inf:
            ub_rows.append(({k: -v for k, v in terms.items()}, -lo))
    n = len(model.pointers)

    def sparse(rows: list[tuple[dict[int, float], float]]) -> tuple[Any, np.ndarray]:
        data, cols, starts = [], [], [0]
        for terms, _ in rows:
            for k, v in terms.items():
                if v != 0:
                    cols.append(k)
                    data.append(v)
            starts.append(len(cols))
        matrix = csr_matrix((data, cols, starts), shape=(len(rows), n))
        return matrix, np.array([rhs for _, rhs in rows], dtype=float)

    a_ub, b_ub = sparse(ub_rows)
    a_eq, b_eq = sparse(eq_rows)
    return a_ub, b_ub, a_eq, b_eq


class _Solver:
    def __init__(self, model: _Model) -> None:
        self.model = model
        self.n = len(model.pointers)
        self.a_ub, self.b_ub, self.a_eq, self.b_eq = _matrices(model)
        self.bounds = [(lo, None if hi == math.inf else hi) for lo, hi in model.bounds]
        self.solves = 0

    def solve(self, objective: np.ndarray, bounds: list[Any] | None = None) -> Any:
        self.solves += 1
        return linprog(
            objective,
            A_ub=self.a_ub if self.a_ub.shape[0] else None,
            b_ub=self.b_ub if self.a_ub.shape[0] else None,
            A_eq=self.a_eq if self.a_eq.shape[0] else None,
            b_eq=self.b_eq if self.a_eq.shape[0] else None,
            bounds=bounds or self.bounds,
            method="highs",
        )


def _cleared(lo: float, hi: float, min_cell_size: int) -> bool:
    """Whether an inner range [lo, hi] of feasible values already shows a count is free."""
    low, high = math.ceil(lo - TOLERANCE), math.floor(hi + TOLERANCE)
    return high > low and (low <= 0 or high >= min_cell_size)


def _run(model: _Model, min_cell_size: int) -> list[Finding]:
    if not model.hidden:
        return []
    solver = _Solver(model)
    seen_lo = np.full(solver.n, math.inf)
    seen_hi = np.full(solver.n, -math.inf)

    def feasible_point(result: Any) -> None:
        if result.status == 0:
            np.minimum(seen_lo, result.x, out=seen_lo)
            np.maximum(seen_hi, result.x, out=seen_hi)

    everything = np.zeros(solver.n)
    everything[model.hidden] = 1.0
    first = solver.solve(-everything)
    if first.status == 2:
        raise AssertionError("the attacker's programme is infeasible: the audit is not sound")
    feasible_point(first)
    feasible_point(solver.solve(everything))
    findings = []
    for index in model.hidden:
        if _cleared(seen_lo[index], seen_hi[index], min_cell_size):
            continue
        objective = np.zeros(solver.n)
        objective[index] = 1.0
        low = solver.solve(objective)
        if low.status != 0:
            raise AssertionError(f"minimising {model.pointers[index]}: {low.message}")
        feasible_point(low)
        if _cleared(seen_lo[index], seen_hi[index], min_cell_size):
            continue
        high = solver.solve(-objective)
        if high.status == 3:  # unbounded
            hi = math.inf
        elif high.status == 0:
            feasible_point(high)
            hi = float(math.floor(high.x[index] + TOLERANCE))
        else:
            raise AssertionError(f"maximising {model.pointers[index]}: {high.message}")
        lo = float(math.ceil(low.x[index] - TOLERANCE))
        if lo == hi or (lo >= 1 and hi <= min_cell_size - 1):
            findings.append(Finding(str(model.pointers[index]), lo, hi))
    return findings


def audit(
    answer: Mapping[str, Any],
    *,
    min_cell_size: int,
    max_noise: int,
    goal_reasons: list[str],
    youth_max_age: int,
    hidden_range: tuple[float, float] | None = None,
) -> list[Finding]:
    """The hidden counts of an answer that its published figures disclose.

    hidden_range: what the attacker knows of any hidden count without the LP; by default
    [1, ∞) (plain suppression), or [0, k − 1 + D] when the answer says it uses the
    cell-key method."""
    model = build_model(
        answer,
        min_cell_size=min_cell_size,
        max_noise=max_noise,
        goal_reasons=goal_reasons,
        youth_max_age=youth_max_age,
        hidden_range=hidden_range,
    )
    return _run(model, min_cell_size)


def violated_constraints(model: _Model, truth: Mapping[str, Any]) -> list[str]:
    """The bounds and rows of the model that the true values break (an empty list when the
    model is sound for this answer). `truth` is the unperturbed, unhidden answer."""
    values: dict[int, float] = {}
    broken = []
    for index, pointer in enumerate(model.pointers):
        if pointer is None:
            continue
        value = _list_get(truth, pointer.strip("/").split("/"))
        if value is None:
            continue  # the answer lacks it: the variable is free
        values[index] = float(value)
        lo, hi = model.bounds[index]
        if not lo - TOLERANCE <= value <= hi + TOLERANCE:
            broken.append(f"bound {pointer}: true {value} outside [{lo}, {hi}]")
    for terms, lo, hi, label in model.rows:
        if all(k in values for k in terms):
            total = sum(v * values[k] for k, v in terms.items())
            if not lo - TOLERANCE <= total <= hi + TOLERANCE:
                named = {str(model.pointers[k]): values[k] for k in terms}
                broken.append(f"{label}: {total} not in [{lo}, {hi}] with {named}")
    if broken:
        return broken
    # rows with unpublished variables (the progressed divisor): feasible with the rest fixed
    solver = _Solver(model)
    fixed = [(values[i], values[i]) if i in values else b for i, b in enumerate(solver.bounds)]
    result = solver.solve(np.zeros(solver.n), bounds=fixed)
    if result.status != 0:
        return [f"no value of the unpublished divisors fits the truth: {result.message}"]
    return []


def _list_get(tree: Any, parts: list[str]) -> Any:
    for part in parts:
        if isinstance(tree, list) and part.isdigit() and int(part) < len(tree):
            tree = tree[int(part)]
        elif isinstance(tree, Mapping) and part in tree:
            tree = tree[part]
        else:
            return None
    return tree


def audit_with_truth(
    answer: Mapping[str, Any], truth_answer: Mapping[str, Any], **parameters: Any
) -> list[Finding]:
    """`audit` (same keyword arguments), after asserting that the true values satisfy the
    attacker's programme."""
    model = build_model(answer, **parameters)
    _unbound_complements(model, truth_answer)
    broken = violated_constraints(model, truth_answer)
    assert not broken, "the audit is not sound for this answer:\n" + "\n".join(broken[:20])
    return _run(model, parameters["min_cell_size"])


def _unbound_complements(model: _Model, truth: Mapping[str, Any]) -> None:
    """A hidden count above what the hiding rule allows was hidden to protect another: no
    reader can bound it (the answer does not say which is which), so neither does the
    audit. Giving the attacker the knowledge of which cells these are is the stronger test."""
    for index in model.hidden:
        pointer = model.pointers[index]
        value = _list_get(truth, str(pointer).strip("/").split("/"))
        lo, hi = model.bounds[index]
        if isinstance(value, int | float) and value > hi:
            model.bounds[index] = (lo, math.inf)


def audit_parameters(answer: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of `audit` that an answer states about itself."""
    settings = answer["settings"]
    return {
        "min_cell_size": int(settings["min_cell_size"]),
        "max_noise": int((answer.get("disclosure") or {}).get("max_noise", 0)),
        "goal_reasons": list(settings["goal_reasons"]),
        "youth_max_age": int(settings["youth_max_age"]),
    }
