"""Schemas of associations, keys, interventions and finances."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from service.api.schemas.common import (
    AmountSek,
    IsoDate,
    Slug,
    Strict,
    StrictBool,
    StrictInt,
    Text,
)
from service.domain.codes import ExitReason, InterventionKind

# The roles a key made over HTTP may have: system keys are made with the CLI only, so a
# 422 for a wrong role lists only what this route can make.
KeyRole = Literal["association_admin", "coach", "analyst"]


class AssociationSettings(Strict):
    """Reporting rules; any subset may be given, the rest keep their values."""

    early_dropout_months: StrictInt | None = Field(default=None, ge=0, le=24)
    goal_reasons: list[ExitReason] | None = None
    youth_max_age: StrictInt | None = Field(default=None, ge=15, le=67)
    min_cell_size: StrictInt | None = Field(default=None, ge=0, le=100)
    accept_personal_identity_numbers: StrictBool | None = None
    retention_years_after_exit: StrictInt | None = Field(
        default=None,
        ge=1,
        le=100,
        description="Gallring: years after an enrollment's exit its events are kept "
        "(`python -m service gallra`); absent: kept indefinitely",
    )


class AssociationCreate(Strict):
    """A new association (system_admin)."""

    id: Slug
    name: Text = Field(min_length=1, max_length=200)
    settings: AssociationSettings | None = None


class AssociationPatch(Strict):
    """Change the name or settings."""

    name: Text | None = Field(default=None, min_length=1, max_length=200)
    settings: AssociationSettings | None = None


class AssociationPublic(BaseModel):
    """An association with all its settings."""

    id: str
    name: str
    settings: dict[str, object]


class ApiKeyCreate(Strict):
    """A new key of the association; coach keys list their interventions."""

    name: Text = Field(min_length=1, max_length=200)
    role: KeyRole
    interventions: list[Slug] = Field(default_factory=list)


class ApiKeyCreated(BaseModel):
    """The new key: `key` is shown only in this answer."""

    id: str
    key: str
    name: str
    role: str
    interventions: list[str]


class InterventionCreate(Strict):
    """A new intervention (insats)."""

    id: Slug
    name: Text = Field(min_length=1, max_length=200)
    kind: InterventionKind
    starts_on: IsoDate
    ends_on: IsoDate | None = None


class InterventionPublic(BaseModel):
    """An intervention."""

    id: str
    name: str
    kind: str
    starts_on: date
    ends_on: date | None
    closed_on: date | None = None


class Finances(Strict):
    """Budget and cost of one year, in SEK."""

    budget_sek: AmountSek | None = None
    cost_sek: AmountSek | None = None
