"""The Association aggregate (samordningsförbund): the tenant and its reporting rules."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate

from service.domain.codes import ExitReason
from service.domain.errors import InvalidValueError
from service.domain.facts import ReportingRules
from service.domain.rules import require_code

# The defaults of product.md, written once: in ReportingRules.
_DEFAULT_RULES = ReportingRules()
DEFAULT_SETTINGS: dict[str, Any] = {
    "early_dropout_months": _DEFAULT_RULES.early_dropout_months,
    "goal_reasons": _DEFAULT_RULES.goal_reasons_sorted(),
    "youth_max_age": _DEFAULT_RULES.youth_max_age,
    "min_cell_size": _DEFAULT_RULES.min_cell_size,
    "accept_personal_identity_numbers": False,
}

# The largest min_cell_size: its noise, ±k/2, is what the cell key's tables hold up to a
# bound of 25 (service/statistics/cell_key.py); above it the outer noises would be empty.
MAX_MIN_CELL_SIZE = 50

# Gallring (product.md §12): years after an enrollment's exit its event-level data is kept.
# Not among the defaults: an association that never set it keeps its settings unchanged.
RETENTION = "retention_years_after_exit"


def checked_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """Settings merged over the defaults, each value checked."""
    merged = {**DEFAULT_SETTINGS, **settings}
    for name, low, high in (
        ("early_dropout_months", 0, 24),
        ("youth_max_age", 15, 67),
        ("min_cell_size", 0, MAX_MIN_CELL_SIZE),
    ):
        value = merged[name]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise InvalidValueError(name, f"{name} must be a whole number from {low} to {high}")
    retention = merged.get(RETENTION)  # optional: absent (or None) keeps data indefinitely
    if retention is not None and (
        not isinstance(retention, int) or isinstance(retention, bool) or not 1 <= retention <= 100
    ):
        raise InvalidValueError(RETENTION, f"{RETENTION} must be a whole number from 1 to 100")
    if RETENTION in merged and retention is None:
        del merged[RETENTION]
    reasons = [require_code("goal_reasons", r, ExitReason) for r in merged["goal_reasons"]]
    merged["goal_reasons"] = [r.value for r in ExitReason if r.value in reasons]
    merged["accept_personal_identity_numbers"] = bool(merged["accept_personal_identity_numbers"])
    return merged


def rules_from_settings(settings: dict[str, Any]) -> ReportingRules:
    """The statistics rules within an association's settings."""
    return ReportingRules(
        early_dropout_months=settings["early_dropout_months"],
        goal_reasons=frozenset(settings["goal_reasons"]),
        youth_max_age=settings["youth_max_age"],
        min_cell_size=settings["min_cell_size"],
    )


class Association(Aggregate):
    """A samordningsförbund."""

    slug: str
    name: str
    settings: dict[str, Any]

    class Created(Aggregate.Created):
        """AssociationCreated."""

        slug: str
        name: str
        settings: dict[str, Any]
        recorded_by: str

    class Changed(Aggregate.Event):
        """Name or settings changed; `as_of` answers use the settings in force then."""

        slug: str
        name: str
        settings: dict[str, Any]
        recorded_by: str

        def apply(self, aggregate: Association) -> None:
            aggregate.name = self.name
            aggregate.settings = self.settings

    def __init__(self, slug: str, name: str, settings: dict[str, Any]) -> None:
        self.slug = slug
        self.name = name
        self.settings = settings

    @classmethod
    def create(
        cls, id: Any, *, slug: str, name: str, settings: dict[str, Any], recorded_by: str
    ) -> Association:
        """Create an association with checked settings."""
        return cls._create(
            cls.Created,
            id=id,
            slug=slug,
            name=name,
            settings=checked_settings(settings),
            recorded_by=recorded_by,
        )

    def change(self, *, name: str | None, settings: dict[str, Any], recorded_by: str) -> bool:
        """Change name and settings; False when nothing changed."""
        new_settings = checked_settings({**self.settings, **settings})
        new_name = name if name is not None else self.name
        if new_name == self.name and new_settings == self.settings:
            return False
        self.trigger_event(
            self.Changed,
            slug=self.slug,
            name=new_name,
            settings=new_settings,
            recorded_by=recorded_by,
        )
        return True
