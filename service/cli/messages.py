"""What the command line says to staff when something is refused, in Swedish.

The domain's and the API's details are English (they are the API's words); the commands
`export` and `import` say them in Swedish, with the rule's sentence the web pages use
(service/web/labels.py) where there is one, and the field names of the file where a value
is invalid (they are the file's own keys, so the operator can find them).
"""

from __future__ import annotations

import json
import re

from service.domain.errors import DomainError, NotFoundError, UnknownCodeError
from service.domain.personnummer_guard import MESSAGE as IDENTITY_NUMBER_REFUSED
from service.reporting.years import FutureYearError
from service.web.labels import refusal, rule_sentence

# What an item's status means when its detail names no rule with a Swedish sentence.
_BY_STATUS = {
    401: "Inte skriven: nyckeln återkallades under inläsningen.",
    403: "Får inte registreras med importens behörighet.",
    404: "Inskrivningen finns inte i förbundet.",
    409: "Krockar med det som redan är registrerat.",
    412: "Inskrivningen har ändrats av någon annan.",
    422: "Ogiltiga uppgifter.",
    500: "Internt fel; se tjänstens logg.",
}
_FIELD = re.compile(r"^[A-Za-z_][\w.]*$")
_UNKNOWN_CODE = re.compile(r"is not a valid code for (?P<field>[\w.]+); allowed: (?P<allowed>.*)$")


def command_error(error: DomainError, association: str) -> str:
    """A refusal of `export` or `import` as one Swedish sentence."""
    if isinstance(error, FutureYearError):
        return error.swedish
    if isinstance(error, NotFoundError) and error.detail.startswith("association"):
        return f"Förbundet {association} finns inte."
    if isinstance(error, UnknownCodeError):
        return f"Värdet för --{error.field} godtas inte; välj ett av: {', '.join(error.allowed)}."
    return refusal(error)


def unreadable_file(error: Exception) -> str:
    """Why the import file cannot be read, in Swedish."""
    if isinstance(error, FileNotFoundError):
        return "filen finns inte."
    if isinstance(error, IsADirectoryError):
        return "det är en mapp, inte en fil."
    if isinstance(error, PermissionError):
        return "du saknar läsrättighet till filen."
    if isinstance(error, UnicodeDecodeError):
        return "filen är inte text i UTF-8."
    if isinstance(error, UnreadableLineError):
        return f"rad {error.line} är inte JSON (filen ska vara en batchfil eller JSON Lines)."
    return "filen kunde inte läsas."


class UnreadableLineError(ValueError):
    """A line of a JSON Lines file that is not JSON."""

    def __init__(self, line: int, error: json.JSONDecodeError) -> None:
        super().__init__(f"line {line}: {error.msg}")
        self.line = line


def item_refusal(status: int, detail: str, fields: tuple[str, ...] = ()) -> str:
    """Why one event of an import was refused: the rule's sentence, or what its status
    means, with the fields (and allowed codes) of an invalid event."""
    code = _UNKNOWN_CODE.search(detail)
    if code:  # the domain's code lists: "'x' is not a valid code for F; allowed: a, b"
        return f"Okänd kod. Fält: {code['field']} (tillåtna: {code['allowed']})."
    if IDENTITY_NUMBER_REFUSED in detail:  # the guard's own Swedish words (never the value)
        sentence = f"Ett fält {IDENTITY_NUMBER_REFUSED}."
    else:
        sentence = rule_sentence(detail) or _BY_STATUS.get(status, f"Avvisad (status {status}).")
    named = fields or (invalid_fields(detail) if status == 422 else ())
    return f"{sentence} Fält: {', '.join(named)}." if named else sentence


def invalid_fields(detail: str) -> tuple[str, ...]:
    """The fields of a 422 item's detail ("field: message; field: message", as
    service/api/batch_events.invalid_item writes it), each with its allowed codes where
    the message lists them; none when the detail has another form."""
    named: dict[str, str] = {}
    for part in detail.split("; "):
        field, _, message = part.partition(": ")
        if not message or not _FIELD.match(field):
            continue
        allowed = re.findall(r"'([^']*)'", message) if message.startswith("Input should be") else []
        named.setdefault(field, f"{field} (tillåtna: {', '.join(allowed)})" if allowed else field)
    return tuple(named.values())
