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

    early_dropout_months: StrictInt | None = Field(
        description="Tidiga avhopp: an exit within this many months of enrollment is an early dropout (0–24; 0 = none)",
        default=None,
        ge=0,
        le=24,
    )
    goal_reasons: list[ExitReason] | None = Field(
        default=None, description="The exit reasons that count as mot mål (e.g. work, studies)"
    )
    youth_max_age: StrictInt | None = Field(
        description="The oldest age counted as young (unga) in the youth/adult split (15–67)",
        default=None,
        ge=15,
        le=67,
    )
    min_cell_size: StrictInt | None = Field(
        description="Disclosure control: counts under this are hidden and every count gets noise (0–50; 0 or 1 = off; only a system key may change it)",
        default=None,
        ge=0,
        le=100,
    )
    accept_personal_identity_numbers: StrictBool | None = Field(
        default=None,
        description="Whether enrollments may send a personnummer, pseudonymised by the service (default false)",
    )
    retention_years_after_exit: StrictInt | None = Field(
        default=None,
        ge=1,
        le=100,
        description="Gallring: years after an enrollment's exit its events are kept "
        "(`python -m service gallra`); absent: kept indefinitely",
    )


class AssociationCreate(Strict):
    """A new association (system_admin)."""

    id: Slug = Field(
        description="The association's id: a slug of 2–63 lowercase letters, digits and hyphens"
    )
    name: Text = Field(
        description="The association's name as printed in reports (1–200 characters)",
        min_length=1,
        max_length=200,
    )
    settings: AssociationSettings | None = Field(
        default=None,
        description="Reporting rules; those left out take their defaults (docs/statistics.md §3)",
    )


class AssociationPatch(Strict):
    """Change the name or settings."""

    name: Text | None = Field(
        description="A new name (1–200 characters)", default=None, min_length=1, max_length=200
    )
    settings: AssociationSettings | None = Field(
        default=None, description="Settings to change; those left out keep their values"
    )


class AssociationPublic(BaseModel):
    """An association with all its settings."""

    id: str = Field(description="The association's id (slug)")
    name: str = Field(description="The association's name")
    settings: dict[str, object] = Field(description="Every setting with its value in force")


class ApiKeyCreate(Strict):
    """A new key of the association; coach keys list their interventions."""

    name: Text = Field(
        description="Who or what uses the key, e.g. a case system (1–200 characters)",
        min_length=1,
        max_length=200,
    )
    role: KeyRole = Field(
        description="`association_admin`, `coach` (writes enrollments) or `analyst` (reads statistics)"
    )
    interventions: list[Slug] = Field(
        description="For a coach key: the interventions it may write (at least one); empty for the other roles",
        default_factory=list,
    )


class ApiKeyCreated(BaseModel):
    """The new key: `key` is shown only in this answer."""

    id: str = Field(description="The key's id (the part after `upf_`); used to revoke it")
    key: str = Field(
        description="The secret key, shown only in this answer: send it as `Authorization: Bearer …`"
    )
    name: str = Field(description="The key's name")
    role: str = Field(description="The key's role")
    interventions: list[str] = Field(description="The interventions a coach key may write")


class InterventionCreate(Strict):
    """A new intervention (insats)."""

    id: Slug = Field(description="The intervention's id: a slug, unique in the association")
    name: Text = Field(
        description="The intervention's name as printed in reports (1–200 characters)",
        min_length=1,
        max_length=200,
    )
    kind: InterventionKind = Field(
        description="`individual` (participants are enrolled) or `structural` (activities are reported)"
    )
    starts_on: IsoDate = Field(description="The first day of the intervention (YYYY-MM-DD)")
    ends_on: IsoDate | None = Field(
        default=None, description="The planned last day (YYYY-MM-DD), if known"
    )


class InterventionPublic(BaseModel):
    """An intervention."""

    id: str = Field(description="The intervention's id (slug)")
    name: str = Field(description="The intervention's name")
    kind: str = Field(description="`individual` or `structural`")
    starts_on: date = Field(description="The first day")
    ends_on: date | None = Field(description="The planned last day, or null")
    closed_on: date | None = Field(
        default=None, description="The day it was closed, or null while open"
    )


class Finances(Strict):
    """Budget and cost of one year, in SEK."""

    budget_sek: AmountSek | None = Field(
        default=None, description="The year's budget, in whole kronor (0–10,000,000,000)"
    )
    cost_sek: AmountSek | None = Field(
        default=None,
        description="The year's cost, in whole kronor; with the active participants it gives cost per participant",
    )
