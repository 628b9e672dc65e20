"""Reading a statistics answer (product.md §8) as report values, honouring its suppressions."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from service.domain.codes import ExitReason
from service.domain.facts import ReportingRules
from service.reporting.model import Status, Unit, Value, round_half_up

DAYS_PER_MONTH = 30.4375
SEXES = ("total", "female", "male")

Convert = Callable[[float], float]


def days_to_months(days: float) -> float:
    """Days as months of 30.4375 days, one decimal (product.md §6)."""
    return round_half_up(days / DAYS_PER_MONTH, 1)


def months_to_years(months: float) -> float:
    """Months as years, one decimal."""
    return round_half_up(months / 12, 1)


def _pointer_token(key: str) -> str:
    """Escape a key for a JSON pointer (RFC 6901)."""
    return key.replace("~", "~0").replace("/", "~1")


# product.md's defaults, as the domain writes them once.
_DEFAULTS = ReportingRules()


@dataclass(frozen=True, slots=True)
class ReportSettings:
    """The association settings an answer was computed with (its "settings")."""

    early_dropout_months: int = _DEFAULTS.early_dropout_months
    goal_reasons: tuple[str, ...] = tuple(_DEFAULTS.goal_reasons_sorted())
    youth_max_age: int = _DEFAULTS.youth_max_age
    min_cell_size: int = _DEFAULTS.min_cell_size

    @classmethod
    def from_answer(cls, answer: Mapping[str, Any]) -> ReportSettings:
        """The settings of an answer, with product.md defaults for any left out."""
        raw = answer.get("settings") or {}
        default = cls()
        goals = raw.get("goal_reasons", default.goal_reasons)
        ordered = tuple(r.value for r in ExitReason if r.value in goals)
        return cls(
            early_dropout_months=int(raw.get("early_dropout_months", default.early_dropout_months)),
            goal_reasons=ordered + tuple(sorted(set(goals) - set(ordered))),
            youth_max_age=int(raw.get("youth_max_age", default.youth_max_age)),
            min_cell_size=int(raw.get("min_cell_size", default.min_cell_size)),
        )


class MeasureSource:
    """The measures of one intervention, or of the association, in one answer."""

    def __init__(
        self,
        measures: Mapping[str, Any] | None,
        pointer: str,
        suppressed: Mapping[str, str],
        threshold: int,
    ) -> None:
        self._measures = measures
        self._pointer = pointer
        self._suppressed = suppressed
        self._threshold = threshold

    @property
    def present(self) -> bool:
        """False when the intervention is not in this answer at all."""
        return self._measures is not None

    def raw(self, *path: str) -> Any:
        """The raw JSON at path, or None when absent."""
        node: Any = self._measures
        for key in path:
            if not isinstance(node, Mapping) or key not in node:
                return None
            node = node[key]
        return node

    def keys(self, *path: str) -> list[str]:
        """The keys of a distribution (codes or bands), in the answer's order."""
        node = self.raw(*path)
        return list(node) if isinstance(node, Mapping) else []

    def value(self, *path: str, unit: Unit = Unit.COUNT, convert: Convert | None = None) -> Value:
        """The value at path: shown, hidden by a listed suppression, or missing."""
        node = self.raw(*path)
        if isinstance(node, int | float) and not isinstance(node, bool):
            number = convert(node) if convert else node
            return Value(number, unit)
        rule = self._rule(path)
        if rule is None:
            return Value(None, unit, Status.MISSING)
        # One marker for every hidden value (product.md §7): never why it is hidden.
        return Value(None, unit, Status.SUPPRESSED, threshold=self._threshold)

    def cell(
        self, *path: str, unit: Unit = Unit.COUNT, convert: Convert | None = None
    ) -> tuple[Value, Value, Value]:
        """Total, female and male of a cell."""
        total, female, male = (self.value(*path, s, unit=unit, convert=convert) for s in SEXES)
        return total, female, male

    def _rule(self, path: tuple[str, ...]) -> str | None:
        """The rule that hid the value at path or at one of its ancestors."""
        if self._measures is None:
            return None
        pointer = self._pointer
        for key in path:
            pointer = f"{pointer}/{_pointer_token(key)}"
            if pointer in self._suppressed:
                return self._suppressed[pointer]
        return None


class AnswerView:
    """A statistics answer, read by intervention and for the association total."""

    def __init__(self, answer: Mapping[str, Any]) -> None:
        self.answer = answer
        self.settings = ReportSettings.from_answer(answer)
        # Pointers; an answer stored before the one-marker rule listed {pointer, rule}.
        self._suppressed = {
            (item if isinstance(item, str) else item["pointer"]): "hidden"
            for item in answer.get("suppressed", [])
        }
        self._index = {
            item["intervention"]: position
            for position, item in enumerate(answer.get("interventions", []))
        }

    def interventions(self, kind: str | None = None) -> list[Mapping[str, Any]]:
        """The interventions of the answer, optionally of one kind, in its order."""
        items = self.answer.get("interventions", [])
        return [item for item in items if kind is None or item.get("kind") == kind]

    def total(self) -> MeasureSource:
        """The association's measures."""
        measures = (self.answer.get("total") or {}).get("measures")
        return self._source(measures, "/total/measures")

    def intervention(self, intervention_id: str) -> MeasureSource:
        """One intervention's measures; an empty source when the answer lacks it."""
        position = self._index.get(intervention_id)
        if position is None:
            return self._source(None, "")
        measures = self.answer["interventions"][position].get("measures") or {}
        return self._source(measures, f"/interventions/{position}/measures")

    def _source(self, measures: Mapping[str, Any] | None, pointer: str) -> MeasureSource:
        return MeasureSource(measures, pointer, self._suppressed, self.settings.min_cell_size)


def change(current: Value, previous: Value) -> Value:
    """The change from previous to current, hidden when either is hidden."""
    unit = Unit.POINTS if current.unit is Unit.SHARE else current.unit
    hidden = (Status.SMALL_COUNT, Status.SUPPRESSED)
    if previous.status is Status.MISSING and previous.number is None:
        return Value(None, unit, Status.MISSING, signed=True)  # nothing to compare with
    if current.status in hidden or previous.status in hidden:
        return Value(None, unit, Status.SUPPRESSED, signed=True)
    now, before = current.display_number(), previous.display_number()
    if now is None or before is None:
        return Value(None, unit, Status.MISSING, signed=True)
    difference = round_half_up(now - before, 1)
    return Value(int(difference) if difference.is_integer() else difference, unit, signed=True)


def ratio(numerator: Value, denominator: Value) -> Value:
    """A share of two shown counts; hidden if either is hidden, missing over zero."""
    hidden = (Status.SMALL_COUNT, Status.SUPPRESSED)
    if numerator.status in hidden or denominator.status in hidden:
        return Value(None, Unit.SHARE, Status.SUPPRESSED)
    if not (numerator.shown and denominator.shown) or not denominator.number:
        return Value(None, Unit.SHARE, Status.MISSING)
    assert numerator.number is not None
    return Value(round_half_up(numerator.number / denominator.number, 4), Unit.SHARE)
