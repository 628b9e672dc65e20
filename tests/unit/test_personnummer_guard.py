"""The personnummer guard (issue 17, finding 1): any spelling is found, nothing else is."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.adapters.identity_log_redaction import RedactIdentityNumbers
from service.domain.personnummer_guard import (
    PLACEHOLDER,
    REMEMBERED_LENGTH,
    _ascii_contains_identity_number,
    _ascii_digit_runs,
    _digit_runs,
    _known_clean,
    _slow_contains_identity_number,
    contains_identity_number,
)
from tests.factories import RED_TEAM_SPELLINGS

# Test numbers: two personnummer and a samordningsnummer (day 63 = 3 + 60), 12 digits.
NUMBERS = ["198112189876", "191212121212", "197010632391", "200204022388"]
SEPARATORS = [
    " ", "-", "\u2013", "\u2014", "_", "+", ".", "/", ":", "\u00a0", " - ", " \u2013 ", "\u2212",
]  # fmt: skip
FORMAT_CHARACTERS = ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u00ad", "\u2060", "\ufeff"]
# Decimal digits of other scripts: full-width, Arabic-Indic, Devanagari, mathematical bold.
DIGIT_ZEROS = [0x30, 0xFF10, 0x0660, 0x0966, 0x1D7CE]
AROUND = [
    ("", ""), ("PNR:", ""), ("pnr ", ""), ("", " Anna Andersson"), ("Anna Andersson, ", "."),
    ("(", ")"), ("personnummer ", " avslutad"), ("PNR", "x"), ("\"", "\""),
]  # fmt: skip


@st.composite
def spelt_numbers(draw: st.DrawFn) -> str:
    """A test number as a person, a form or a spreadsheet might write it."""
    number = draw(st.sampled_from(NUMBERS))
    if draw(st.booleans()):
        number = number[2:]  # the 10-digit form
    cuts = sorted(draw(st.sets(st.integers(1, len(number) - 1), max_size=5)))
    groups = [number[a:b] for a, b in zip([0, *cuts], [*cuts, len(number)], strict=True)]
    text = groups[0]
    for group in groups[1:]:
        text += draw(st.sampled_from(SEPARATORS)) + group
    zero = draw(st.sampled_from(DIGIT_ZEROS))
    text = "".join(chr(zero + int(c)) if c.isdigit() else c for c in text)
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(FORMAT_CHARACTERS)) + text[at:]
    before, after = draw(st.sampled_from(AROUND))
    return before + text + after


@given(spelt_numbers())
@settings(max_examples=400, deadline=None)
def test_every_spelling_of_a_number_is_found(text: str) -> None:
    assert contains_identity_number(text)


@pytest.mark.parametrize(
    "text",
    [
        *RED_TEAM_SPELLINGS,  # one a samordningsnummer (701063-2391)
        "811218-9876",
        "811218+9876",
        "19 81 12 18 - 98 76",
    ],
)
def test_the_red_teams_spellings_are_found(text: str) -> None:
    assert contains_identity_number(text)


@given(st.binary(min_size=8, max_size=8))
@settings(max_examples=2000, deadline=None)
def test_a_16_hex_pseudonym_is_no_number(raw: bytes) -> None:
    assert not contains_identity_number(raw.hex())


@given(st.binary(min_size=32, max_size=32))
@settings(max_examples=2000, deadline=None)
def test_a_64_hex_pseudonym_is_no_number(raw: bytes) -> None:
    assert not contains_identity_number(raw.hex())


@given(st.uuids())
@settings(max_examples=2000, deadline=None)
def test_a_uuid_is_no_number(value: uuid.UUID) -> None:
    assert not contains_identity_number(str(value))


@given(st.dates(), st.sampled_from(["-", "", "/", " "]))
@settings(max_examples=500, deadline=None)
def test_a_date_is_no_number(day: object, separator: str) -> None:
    assert not contains_identity_number(day.strftime(f"%Y{separator}%m{separator}%d"))  # type: ignore[attr-defined]


@given(st.datetimes(timezones=st.none() | st.timezones()))
@settings(max_examples=3000, deadline=None)
def test_an_iso_date_time_is_no_number(moment: datetime) -> None:
    """`as_of` in a query string (`2023-05-14T10:12:33.190512+00:00` once read as one)."""
    assert not contains_identity_number(moment.isoformat())
    assert not contains_identity_number(moment.isoformat(sep=" "))


@pytest.mark.parametrize(
    "text",
    [
        "2023-05-14T10:12:33.190512+00:00",
        "Möte 2025-01-13 10:00",
        "2025-01-13",
        "Avslutad 2025-01-13, åter 2025-03-01",
        "2084",
        "kommun 2084 och 2085",
        "samverkansteam-avesta",
        "Samordningsförbundet Södra Dalarna",
        "a1b2c3d4e5f6a7b8",
        "19811218-9875",  # a wrong check digit
        "19811318-9876",  # no 13th month
        "1981121898761",  # 13 digits: no number
        "budget 1 250 000 kr",
        "",
    ],
)
def test_other_texts_are_no_number(text: str) -> None:
    assert not contains_identity_number(text)


# ASCII texts built to reach every branch of the runs: numbers cut anywhere, gaps of
# 0 to 12 separators (MAX_GAP is 8), letters, UUIDs, digests and date-times.
_ASCII_PIECES = st.one_of(
    st.sampled_from(NUMBERS).flatmap(lambda n: st.sampled_from([n, n[2:], n[:6], n[6:], n[2:8]])),
    st.text("0123456789", min_size=1, max_size=6),
    st.text(" -_+./:,;()#*\t", min_size=1, max_size=12),
    st.text("abcdefxyzABCDEFXYZ", min_size=1, max_size=3),
    st.uuids().map(str),
    st.binary(min_size=8, max_size=12).map(bytes.hex),
    st.datetimes().map(lambda moment: moment.isoformat(sep=" ")[:16]),
    st.text(st.characters(min_codepoint=0, max_codepoint=127), max_size=8),
)


@given(st.lists(_ASCII_PIECES, max_size=12).map("".join))
@settings(max_examples=3000, deadline=None)
def test_the_ascii_fast_path_reads_as_the_unicode_path(text: str) -> None:
    """The ASCII path (regular expressions) finds the same runs and the same answer as
    the reference that reads any script character by character (issue 21)."""
    assert list(_ascii_digit_runs(text)) == list(_digit_runs(text))
    assert _ascii_contains_identity_number(text) == _slow_contains_identity_number(text)


@given(st.text(max_size=40) | spelt_numbers())
@settings(max_examples=1000, deadline=None)
def test_any_text_is_answered_as_the_reference_answers_it(text: str) -> None:
    assert contains_identity_number(text) == _slow_contains_identity_number(text)


@pytest.mark.parametrize("text", [t for t in RED_TEAM_SPELLINGS if t.isascii()])
def test_the_ascii_path_finds_the_red_teams_ascii_spellings(text: str) -> None:
    assert _ascii_contains_identity_number(text)


def test_only_texts_without_a_number_are_remembered() -> None:
    """The guard remembers clean texts (a pseudonym is read twice), never one with a number."""
    _known_clean.cache_clear()
    for text in RED_TEAM_SPELLINGS * 2:
        assert contains_identity_number(text)
    assert _known_clean.cache_info().currsize == 0
    assert not contains_identity_number("samverkansteam-avesta")
    assert not contains_identity_number("samverkansteam-avesta")
    assert (_known_clean.cache_info().hits, _known_clean.cache_info().currsize) == (1, 1)
    # A long text (a log line, a free text) is read each time, never kept.
    long_text = "x" * REMEMBERED_LENGTH + " 2025-01-13"
    assert not contains_identity_number(long_text)
    assert contains_identity_number(long_text + " PNR 19811218-9876")
    assert _known_clean.cache_info().currsize == 1


def test_a_logged_url_loses_its_number() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/api/v1/enrollments?x=19811218-9876", "1.1", 422), None,
    )  # fmt: skip
    assert RedactIdentityNumbers().filter(record)
    assert "9876" not in record.getMessage() and "422" in record.getMessage()


def test_a_logged_message_with_a_number_is_replaced_whole() -> None:
    record = logging.LogRecord(
        "uppfoljning.api", logging.ERROR, __file__, 1, "failed for 19811218-9876 on %s",
        ("/x",), None,
    )  # fmt: skip
    assert RedactIdentityNumbers().filter(record)
    assert record.getMessage() == "[borttaget: personnummer]"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/associations/a/statistics?year=2025&q=19121212%201212",
        "/api/v1/enrollments/19121212%201212",
        "/api/v1/associations/a/statistics?q=121212%2B1212",
        "/api/v1/associations/a/statistics?q=121212+1212",
        # Full-width digits, as UTF-8 bytes percent-encoded.
        "/x?q="
        + quote("\uff11\uff19\uff11\uff12\uff11\uff12\uff11\uff12-\uff11\uff12\uff11\uff12"),
    ],
)
def test_a_percent_encoded_number_in_a_logged_url_is_replaced(url: str) -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", url, "1.1", 422), None,
    )  # fmt: skip
    assert RedactIdentityNumbers().filter(record)
    message = record.getMessage()
    assert "1212" not in message and "%EF%BC%91" not in message, message
    assert "422" in message and PLACEHOLDER in message


def test_a_percent_sign_alone_is_no_number() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/api/v1/x?q=50%25&id=2024-03-01", "1.1", 200), None,
    )  # fmt: skip
    assert RedactIdentityNumbers().filter(record)
    assert "/api/v1/x?q=50%25&id=2024-03-01" in record.getMessage()
