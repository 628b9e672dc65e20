"""Finds a personnummer or samordningsnummer anywhere in a text (issue 17, finding 1).

No field but `personal_identity_number` may carry one: the event store is append-only, so a
number that got in would stay for ever. Pseudonyms, reasons, titles, names, ids, the
Idempotency-Key and query strings are all scanned with `contains_identity_number`.

How a text is read:

1. NFKC-normalised (full-width and other compatibility digits become ASCII digits), and
   every Unicode format character (category Cf: U+200B, U+200F, U+00AD, …) dropped.
2. UUIDs, hex digests (16+ hex characters with a letter) and ISO date-times with a time
   of day are set aside, unscanned (see `_UUID`, `_DIGEST` and `_DATE_TIME` for why).
3. Every decimal digit of any script (category Nd) counts as its value.
4. The text is cut into digit groups. A letter ends a run of groups; anything else (a
   space, `-`, an en dash, `_`, `+`, `.`, `/`, `:` …, up to `MAX_GAP` of them) only
   separates two groups of one run. A modifier letter (category Lm: `ー` U+30FC, `ˉ`, …)
   looks like a dash and separates too. `PNR:198112189876`, `1981-12-18-9876`,
   `19 81 12 18 - 98 76` and `19811218–9876` are runs.
5. Any consecutive groups of a run that hold 10 or 12 digits in all are a candidate. A
   candidate is a number when it passes `pseudonym.normalise` (Luhn check digit, a real
   date of birth, day + 60 for a samordningsnummer); a 12-digit one must also start with
   the century 18, 19 or 20.

An ASCII text (nearly all of them) takes a shortcut that does steps 1–4 with str methods
and regular expressions instead of a loop over its characters; it gives the same answer
(tests/unit/test_personnummer_guard.py holds the two paths equal).

A group is never cut: the 13 digits of `1981121898761` are no number. The price of
step 4 is a false alarm now and then: a Swedish mobile number
(`070-123 45 67`) or two dates side by side (`2025-01-13 2025-02-03`) can read as a valid
number, about one time in ten. The answer names the field and asks for other wording.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from datetime import date
from functools import lru_cache

from service.domain.errors import InvalidValueError
from service.domain.pseudonym import luhn_ok, normalise

# The most separator characters between two digit groups of one number.
MAX_GAP = 8
_CENTURIES = ("18", "19", "20")
_TODAYS = (date(2000, 12, 31), date(2099, 12, 31))  # both centuries of a 10-digit form

# Two kinds of token are not scanned: a UUID (`12345678-1234-…` is a UUID's shape, and one
# in 3,000 random UUIDs would read as a number), and a hex digest of 16 or more characters
# with a letter in it (a pseudonym: one in 2,000 random 64-digit ones holds a
# valid-looking number). A digest is what `service.client.pseudonym_for` makes; refusing
# one would refuse that participant for ever, as a pseudonym never changes.
_NOT_ALNUM_BEFORE, _NOT_ALNUM_AFTER = r"(?<![^\W_])", r"(?![^\W_])"
_UUID = re.compile(
    _NOT_ALNUM_BEFORE
    + r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    + _NOT_ALNUM_AFTER
)
# A date with a time of day (`2023-05-14T10:12:33.190512+00:00`, `2025-01-13 10:00`): an
# `as_of` or a meeting time. Its groups would join into 10 or 12 digits that read as a
# valid number one time in ten (`190512` `00` `00`). A number has no `hh:mm` after its date.
_DATE_TIME = re.compile(
    r"(?<!\d)\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
    r"(?:Z|[+-]\d{2}(?::?\d{2})?)?(?!\d)"
)
_DIGEST = re.compile(_NOT_ALNUM_BEFORE + r"(?=[0-9]*[a-fA-F])[0-9a-fA-F]{16,}" + _NOT_ALNUM_AFTER)

MESSAGE = (
    "får inte innehålla ett personnummer eller samordningsnummer; "
    "skicka en pseudonym eller skriv på annat sätt"
)


def _digit_runs(cleaned: str) -> Iterator[list[str]]:
    """The runs of digit groups in `cleaned` (NFKC-normalised, without format characters),
    each a list of groups of ASCII digits."""
    groups: list[str] = []
    digits: list[str] = []
    gap = 0
    for char in cleaned:
        category = unicodedata.category(char)
        if category == "Nd":
            digits.append(str(unicodedata.decimal(char)))
            gap = 0
            continue
        if digits:
            groups.append("".join(digits))
            digits = []
        if (category.startswith("L") and category != "Lm") or (groups and gap >= MAX_GAP):
            if groups:
                yield groups
            groups, gap = [], 0
            continue
        gap += 1
    if digits:
        groups.append("".join(digits))
    if groups:
        yield groups


def _is_number(digits: str) -> bool:
    if len(digits) == 12 and not digits.startswith(_CENTURIES):
        return False
    # The check digit is `normalise`'s first test and the same for both days: nine
    # candidates in ten fail it, here once instead of by two raised errors (issue 21).
    if not luhn_ok(digits[-10:]):
        return False
    for today in _TODAYS:
        try:
            normalise(digits, today)
        except InvalidValueError:
            continue
        return True
    return False


def _candidates(groups: list[str]) -> Iterator[str]:
    for start in range(len(groups)):
        total = ""
        for group in groups[start:]:
            total += group
            if len(total) > 12:
                break
            if len(total) in (10, 12):
                yield total


def contains_identity_number(text: str) -> bool:
    """True when `text` holds a personnummer or samordningsnummer in any spelling above."""
    # Fewer than ten characters hold no ten digits, unless NFKC makes more of them: one
    # character can become two digits (`⑲` is 19), so only an ASCII text is let off here.
    if len(text) < 10 and text.isascii():
        return False
    if len(text) > REMEMBERED_LENGTH:
        return _holds_identity_number(text)
    try:
        _known_clean(text)
    except _HoldsNumber:
        return True
    return False


# Texts up to a pseudonym's longest are remembered (4,096 of them: at most ~2 MB).
REMEMBERED_LENGTH = 128


class _HoldsNumber(Exception):
    """Raised by `_known_clean`, so that its cache keeps only texts without a number."""


@lru_cache(maxsize=4096)
def _known_clean(text: str) -> bool:
    """True for a text without a number, remembered for the next time it is asked: every
    pseudonym of a batch is read by its schema and again by the domain's rule, a chunk
    (1,000 events) apart (issue 21). A text with a number raises instead: lru_cache keeps
    no exception, so no number is ever held here."""
    if _holds_identity_number(text):
        raise _HoldsNumber
    return True


def _holds_identity_number(text: str) -> bool:
    # Nearly every text a batch sends is ASCII: steps 1 and 3 change nothing there, and
    # reading it with str methods and regular expressions instead of a Python loop over
    # `unicodedata.category` is ~5× cheaper (issue 21). `_slow_contains_identity_number`
    # is the reference; a property test holds the two equal.
    if text.isascii():
        return _ascii_contains_identity_number(text)
    return _slow_contains_identity_number(text)


def _slow_contains_identity_number(text: str) -> bool:
    """Every step of the module's docstring, for a text in any script (its length is
    looked at after NFKC, which may lengthen it)."""
    cleaned = "".join(
        char for char in unicodedata.normalize("NFKC", text) if unicodedata.category(char) != "Cf"
    )
    # The common case, a text with fewer than ten digits, costs one more pass.
    if sum(1 for char in cleaned if unicodedata.category(char) == "Nd") < 10:
        return False
    cleaned = _DIGEST.sub("x", _UUID.sub("x", _DATE_TIME.sub("x", cleaned)))
    return _holds_number(_digit_runs(cleaned))


# ASCII has no format characters, NFKC leaves it as it is, its only decimal digits are
# 0-9 and its only letters A-Z and a-z; anything else separates digit groups.
_ASCII_DIGITS = b"0123456789"
_ASCII_GROUP = re.compile(r"[0-9]+")
# A run (step 4): digit groups, each two apart by 1 to MAX_GAP characters, none a letter.
_ASCII_RUN = re.compile(rf"[0-9]+(?:[^0-9A-Za-z]{{1,{MAX_GAP}}}[0-9]+)*")


def _ascii_contains_identity_number(text: str) -> bool:
    """`_slow_contains_identity_number` for an ASCII text: the same steps, in C."""
    as_bytes = text.encode("ascii")
    if len(as_bytes) - len(as_bytes.translate(None, _ASCII_DIGITS)) < 10:  # digits counted
        return False
    # A date-time has a ':' and a UUID four '-': without them their searches find nothing.
    if ":" in text:
        text = _DATE_TIME.sub("x", text)
    if text.count("-") >= 4:
        text = _UUID.sub("x", text)
    return _holds_number(_ascii_digit_runs(_DIGEST.sub("x", text)))


def _ascii_digit_runs(cleaned: str) -> Iterator[list[str]]:
    """`_digit_runs` of an ASCII text."""
    for run in _ASCII_RUN.findall(cleaned):
        yield _ASCII_GROUP.findall(run)


def _holds_number(runs: Iterator[list[str]]) -> bool:
    return any(
        _is_number(candidate)
        for groups in runs
        if sum(map(len, groups)) >= 10  # else no candidate: saves building them
        for candidate in _candidates(groups)
    )


# What stands for the whole of a text that held a number: a log line must not keep any
# part of one, and a URL cut in pieces is no use to anyone.
PLACEHOLDER = "[borttaget: personnummer]"


def redact_identity_numbers(text: str) -> str:
    """`text`, or PLACEHOLDER when it holds a number."""
    return PLACEHOLDER if contains_identity_number(text) else text


def require_no_identity_number(field: str, text: str) -> str:
    """`text` when it holds no number; else InvalidValueError naming `field`, not the value."""
    if contains_identity_number(text):
        raise InvalidValueError(field, f"{field} {MESSAGE}")
    return text
