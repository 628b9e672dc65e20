"""The code lists of product.md §5, and the groupings the measures use."""

from __future__ import annotations

from enum import StrEnum


class Sex(StrEnum):
    """Juridiskt kön, as in Swedish official statistics."""

    FEMALE = "female"
    MALE = "male"


class Education(StrEnum):
    """SUN levels, coarsened."""

    INCOMPLETE_COMPULSORY = "incomplete_compulsory"
    COMPULSORY = "compulsory"
    UPPER_SECONDARY = "upper_secondary"
    POST_SECONDARY = "post_secondary"
    UNKNOWN = "unknown"


class Support(StrEnum):
    """Means of public support (försörjning). `none` excludes every other code."""

    NONE = "none"
    SOCIAL_ASSISTANCE = "social_assistance"
    SICKNESS_BENEFIT = "sickness_benefit"
    ACTIVITY_COMPENSATION = "activity_compensation"
    SICKNESS_COMPENSATION = "sickness_compensation"
    ACTIVITY_SUPPORT = "activity_support"
    UNEMPLOYMENT_INSURANCE = "unemployment_insurance"
    OTHER = "other"


class ExitReason(StrEnum):
    """Avslutsorsak."""

    WORK = "work"
    SUBSIDISED_WORK = "subsidised_work"
    STUDIES = "studies"
    JOB_SEEKING = "job_seeking"
    VOCATIONAL_REHAB = "vocational_rehab"
    MEDICAL_REHAB = "medical_rehab"
    SICKNESS_COMPENSATION = "sickness_compensation"
    PARENTAL_LEAVE = "parental_leave"
    MOVED = "moved"
    DISCONTINUED = "discontinued"
    OTHER = "other"


class InterventionKind(StrEnum):
    """Individinriktad or strukturövergripande insats."""

    INDIVIDUAL = "individual"
    STRUCTURAL = "structural"


class Role(StrEnum):
    """What an API key may do (product.md §3)."""

    SYSTEM_ADMIN = "system_admin"
    ASSOCIATION_ADMIN = "association_admin"
    COACH = "coach"
    ANALYST = "analyst"


class Organisation(StrEnum):
    """Who took part in a structural activity."""

    AF = "af"
    FK = "fk"
    REGION = "region"
    KOMMUN = "kommun"
    OTHER = "other"


WORK_OR_STUDIES: frozenset[ExitReason] = frozenset(
    {ExitReason.WORK, ExitReason.SUBSIDISED_WORK, ExitReason.STUDIES}
)
DEFAULT_GOAL_REASONS: frozenset[ExitReason] = WORK_OR_STUDIES | {
    ExitReason.JOB_SEEKING,
    ExitReason.VOCATIONAL_REHAB,
}

# Age bands of product.md §6; 15-year-olds count in the first band.
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("16-19", 0, 19),
    ("20-24", 20, 24),
    ("25-29", 25, 29),
    ("30-39", 30, 39),
    ("40-49", 40, 49),
    ("50-59", 50, 59),
    ("60+", 60, 200),
)

# The key a participant with no support codes (unknown) is counted under.
UNKNOWN_SUPPORT = "unknown"
# With disclosure control, the statistics' key of the kommuner not listed one by one.
OTHER_MUNICIPALITY = "other"

MIN_AGE = 15
MAX_AGE = 67


def age_band(age: int) -> str:
    """The band label of product.md §6 for an age in whole years."""
    for label, low, high in AGE_BANDS:
        if low <= age <= high:
            return label
    raise ValueError(f"age {age} is outside every band")
