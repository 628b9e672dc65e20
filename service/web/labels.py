"""The web pages' Swedish words: code names (those of the annual export) and refusals."""

from __future__ import annotations

import re

from service.domain.errors import (
    ConflictError,
    DomainError,
    ForbiddenError,
    InvalidValueError,
    NotFoundError,
    StaleVersionError,
)
from service.reporting.text import EDUCATION_NAMES, EXIT_REASON_NAMES, SUPPORT_NAMES

SEX_NAMES = {"female": "Kvinna", "male": "Man"}
ROLE_NAMES = {
    "coach": "Coach (registrerar deltagare)",
    "analyst": "Analytiker (läser statistik)",
    "association_admin": "Förbundsadministratör",
    "system_admin": "Systemadministratör",
    "operator": "Driften (kommandorad)",
}
# Short role names, for tables.
ROLE_SHORT = {
    "coach": "Coach",
    "analyst": "Analytiker",
    "association_admin": "Administratör",
    "system_admin": "Systemadministratör",
    "operator": "Driften",
}
KIND_NAMES = {"individual": "Individinriktad", "structural": "Strukturövergripande"}
EVENT_NAMES = {
    "Enrolled": "Inskrivning",
    "SupportChanged": "Byte av försörjning",
    "Exited": "Avslut",
    "ExitRetracted": "Avslut återtaget",
    "Corrected": "Rättelse",
    "Voided": "Makulering",
}
# Code lists without "unknown", which is what no answer means.
SUPPORT_CHOICES = {k: v for k, v in SUPPORT_NAMES.items() if k != "unknown"}
EDUCATION_CHOICES = EDUCATION_NAMES
EXIT_REASON_CHOICES = EXIT_REASON_NAMES

# The form fields' Swedish names, by the domain's field names.
FIELD_NAMES = {
    "pseudonym": "Personnummer",
    "enrolled_on": "Inskrivningsdatum",
    "sex": "Kön",
    "birth_year": "Födelseår",
    "education": "Utbildningsnivå",
    "municipality": "Kommun",
    "support": "Försörjning vid inskrivning",
    "months_on_public_support": "Månader med offentlig försörjning före start",
    "exited_on": "Avslutsdatum",
    "reason": "Avslutsorsak",
    "support_at_exit": "Försörjning vid avslut",
    "progressed": "Stegförflyttning",
    "changed_on": "Datum för bytet",
    "why": "Skäl",
    "name": "Namn",
    "role": "Roll",
    "interventions": "Insatser",
    "id": "Kortnamn",
    "starts_on": "Startdatum",
    "ends_on": "Slutdatum",
    "kind": "Typ",
    "year": "År",
    "closed_on": "Stängningsdatum",
}

# (what the rule's English detail says, what the page says in Swedish)
_REFUSALS: tuple[tuple[str, str], ...] = (
    (r"is in the future", "Datumet får inte ligga i framtiden."),
    (r"exited_on is before enrolled_on", "Avslutsdatumet får inte vara före inskrivningsdatumet."),
    (r"changed_on is before enrolled_on", "Datumet får inte vara före inskrivningsdatumet."),
    (r"changed_on is after the exit", "Datumet får inte vara efter avslutet."),
    (r"before the last support change", "Datumet får inte vara före det senaste bytet."),
    (r"after a support change", "Datumet får inte vara efter ett byte av försörjning."),
    (r"before a support change", "Datumet får inte vara före ett byte av försörjning."),
    (r"age at enrollment", "Åldern vid inskrivningen måste vara 15–67 år."),
    (r"4-digit SCB kommunkod", "Ange kommunkoden med fyra siffror (SCB:s kommunkod)."),
    (r"not one of SCB's kommunkoder", "Kommunkoden finns inte i SCB:s lista över kommuner."),
    (
        r"'none' cannot be combined",
        "”Ingen offentlig försörjning” går inte att kombinera med annan försörjning.",
    ),
    (r"more than once", "Ett val förekommer två gånger."),
    (r"must be 0 or more", "Ange 0 eller fler."),
    (r"pseudonym is a personnummer", "Ett personnummer får aldrig skickas till tjänsten."),
    (
        r"pseudonym must be",
        "Pseudonymen saknas: fyll i personnumret och öppna nyckelfilen (kräver JavaScript).",
    ),
    (r"open enrollment", "Personen har redan en öppen inskrivning i insatsen."),
    (r"already exited", "Inskrivningen är redan avslutad."),
    (r"is voided", "Inskrivningen är makulerad; inget mer kan registreras."),
    (r"before the intervention starts", "Insatsen har inte börjat det datumet."),
    (r"after the intervention ended", "Insatsen har upphört det datumet."),
    (r"intervention is not open on", "Insatsen pågår inte det datumet."),
    (r"has not begun", "Året har inte börjat än."),
    (r"already closed", "Insatsen är stängd."),
    (r"only in individual interventions", "Deltagare skrivs bara in i individinriktade insatser."),
    (r"a coach key must list", "En coachnyckel måste ha minst en insats."),
    (r"only coach keys are scoped", "Bara coachnycklar knyts till insatser."),
    (r"ends_on is before starts_on", "Slutdatumet får inte vara före startdatumet."),
    (r"closed_on is before starts_on", "Insatsen kan inte stängas före sitt startdatum."),
    (
        r"must be a whole number from (\d+) to (\d+)",
        "Ange ett heltal inom gränserna i hjälptexten.",
    ),
    (r"year must be from", "Året godtas inte (2000 till nästa år)."),
    (
        r"min_cell_size may be changed only",
        "Gränsen ändras bara av driftansvarig (med systemnyckel): den bestämmer hur "
        "deltagarna skyddas.",
    ),
    (r"is not a valid code", "Välj ett av alternativen."),
    (
        r"is already in use|already exists|exists already|Already",
        "Det finns redan, med andra uppgifter.",
    ),
)


def rule_sentence(detail: str) -> str | None:
    """The Swedish sentence for a rule's English detail, or None for a rule not listed
    (also read by the command line's import, service/cli/messages.py)."""
    for pattern, swedish in _REFUSALS:
        if re.search(pattern, detail):
            return swedish
    return None


def refusal(error: DomainError) -> str:
    """The Swedish sentence for a refusal."""
    sentence = rule_sentence(error.detail)
    if sentence is not None:
        return sentence
    if isinstance(error, InvalidValueError):
        return "Värdet godtas inte."
    if isinstance(error, ForbiddenError):
        return "Din nyckel får inte göra detta."
    if isinstance(error, NotFoundError):
        return "Hittades inte."
    if isinstance(error, StaleVersionError):
        return "Någon annan har ändrat uppgifterna; ladda om sidan."
    if isinstance(error, ConflictError):
        return "Det går inte i nuvarande läge."
    return "Det gick inte."


def field_of(error: DomainError, fields: set[str]) -> str:
    """The form field a refusal belongs beside ("form" when it is no single field's)."""
    if isinstance(error, InvalidValueError):
        name = error.field.split(".")[0]
        if name == "personal_identity_number":
            name = "pseudonym"
        if name in fields:
            return name
    if "open enrollment" in error.detail and "pseudonym" in fields:
        return "pseudonym"
    if error.detail.startswith("min_cell_size") and "min_cell_size" in fields:
        return "min_cell_size"
    if "exists already" in error.detail and "id" in fields:
        return "id"  # an intervention's Kortnamn in use
    return "form"
