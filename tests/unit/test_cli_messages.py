"""The command line's refusals in Swedish (issue 19): one language, stable sentences."""

from __future__ import annotations

import pytest

from service.cli.messages import command_error, item_refusal
from service.domain.errors import ConflictError, NotFoundError, UnknownCodeError


@pytest.mark.parametrize(
    ("status", "detail", "said"),
    [
        (409, "the enrollment has already exited; retract that exit first",
         "Inskrivningen är redan avslutad."),
        (409, "the enrollment is voided; no later event is accepted",
         "Inskrivningen är makulerad; inget mer kan registreras."),
        (404, "enrollment 5f0c was not found", "Inskrivningen finns inte i förbundet."),
        (422, "birth_year: Input should be a valid integer; support: Input should be 'work' or "
         "'none'", "Ogiltiga uppgifter. Fält: birth_year, support (tillåtna: work, none)."),
        (422, "'x' is not a valid code for municipality; allowed: 0114, 0115",
         "Okänd kod. Fält: municipality (tillåtna: 0114, 0115)."),
        (422, "exited_on is before enrolled_on",
         "Avslutsdatumet får inte vara före inskrivningsdatumet."),
        (500, "internal error", "Internt fel; se tjänstens logg."),
    ],
)  # fmt: skip
def test_an_imported_event_is_refused_in_swedish(status: int, detail: str, said: str) -> None:
    assert item_refusal(status, detail) == said


def test_a_commands_refusal_is_swedish() -> None:
    missing = NotFoundError("association 'nowhere' was not found")
    assert command_error(missing, "nowhere") == "Förbundet nowhere finns inte."
    unknown = UnknownCodeError("format", "pdf", ["xlsx", "docx"])
    assert (
        command_error(unknown, "a") == "Värdet för --format godtas inte; välj ett av: xlsx, docx."
    )
    assert command_error(ConflictError("the intervention is already closed"), "a") == (
        "Insatsen är stängd."
    )
