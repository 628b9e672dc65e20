"""The statistics answer's shape, for the OpenAPI document only.

The route serialises the answer as the statistics module built it (service/statistics/
answer.py), unvalidated, for speed; these models describe that JSON. Every measure, its
definition and the disclosure rule are in docs/statistics.md.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

MEASURES = (
    "The measures, by name: counts (`active`, `new`, `active_at_end`, `exits`, "
    "`early_dropouts`, `completed_exits`, `to_work_or_studies`, `to_goal`, `progressed`) and "
    "shares (`share_…`, fractions 0–1) as `{total, female, male}`; `throughput_days` and "
    "`throughput_days_to_goal` (days) as `{mean, median}` of those; "
    "`months_on_public_support_before` and `months_without_work_or_studies_before` (months, "
    "means) for `to_goal` and `new`; distributions by code (`exits_by_reason`, "
    "`support_at_enrollment`, `support_before_after`, `age_band`, `education`, "
    "`municipality`, `to_work_or_studies_by_age`); `anonymous_participants`; "
    "`cost_per_participant` (SEK, a number). A value is null when hidden (its pointer is in "
    "`suppressed`) or when there is nothing to compute it on. Definitions: docs/statistics.md."
)


class AnswerPeriod(BaseModel):
    """The period the answer counts."""

    model_config = ConfigDict(populate_by_name=True)

    from_: date = Field(alias="from", description="First day of the period")
    to: date = Field(description="Last day of the period, included")


class AnswerSettings(BaseModel):
    """The association's reporting rules the answer was computed with."""

    early_dropout_months: int = Field(description="The early-dropout window, in months")
    goal_reasons: list[str] = Field(description="The exit reasons counted as mot mål")
    youth_max_age: int = Field(description="The oldest age counted as young (unga)")
    min_cell_size: int = Field(description="The disclosure threshold (0 = control off)")


class AnswerDisclosure(BaseModel):
    """How the answer's figures were protected."""

    method: str = Field(description="`cell_key` (noise on every count) or `none`")
    max_noise: int = Field(description="The largest noise added to a count")
    min_cell_size: int = Field(description="Counts published below this are hidden")


class InterventionMeasures(BaseModel):
    """One intervention's measures."""

    intervention: str = Field(description="The intervention's id")
    name: str = Field(description="The intervention's name")
    kind: str = Field(description="`individual` or `structural`")
    measures: dict[str, Any] = Field(description=MEASURES)


class TotalMeasures(BaseModel):
    """The association's measures over the chosen interventions."""

    measures: dict[str, Any] = Field(description=MEASURES)


class StatisticsAnswer(BaseModel):
    """The measures per intervention and for the association, with disclosure control."""

    association: str = Field(description="The association's id")
    period: AnswerPeriod = Field(description="The period counted")
    as_of: datetime | None = Field(description="The `as_of` asked for, or null for now")
    settings: AnswerSettings = Field(description="The reporting rules in force")
    disclosure: AnswerDisclosure = Field(description="The disclosure control applied")
    interventions: list[InterventionMeasures] = Field(
        description="Each intervention (or the one asked for), in the association's order"
    )
    total: TotalMeasures = Field(description="The association's total")
    suppressed: list[str] = Field(
        description="JSON pointers (RFC 6901) of the hidden values, which are null; "
        "never why a value is hidden"
    )
