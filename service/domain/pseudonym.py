"""Personnummer → pseudonym: HMAC-SHA256 of the normalised 12-digit number.

The number itself is never kept: callers get back the pseudonym, birth year and sex.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date

from service.domain.errors import InvalidValueError

# ASCII digits only: \d would also match e.g. full-width digits, which are not a number.
_FORM = re.compile(r"^(\d{2})?(\d{6})([-+]?)(\d{4})$", re.ASCII)
FIELD = "personal_identity_number"


@dataclass(frozen=True)
class Identity:
    """What the service may keep of a personnummer."""

    pseudonym: str
    birth_year: int
    sex: str


def luhn_ok(digits10: str) -> bool:
    """The Luhn check of the last ten digits (YYMMDDNNNC) of a personnummer."""
    total = 0
    for index, char in enumerate(digits10):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return total % 10 == 0


def normalise(number: str, today: date) -> str:
    """The 12-digit form (YYYYMMDDNNNC) of a personnummer or samordningsnummer."""
    match = _FORM.match(number.strip())
    if match is None:
        raise InvalidValueError(FIELD, "must be 10 or 12 digits, optionally with - or +")
    century, body, separator, tail = match.groups()
    if not luhn_ok(body + tail):
        raise InvalidValueError(FIELD, "the check digit is wrong")
    day = int(body[4:6])
    day = day - 60 if day > 60 else day  # samordningsnummer add 60 to the day
    if century is None:
        yy = int(body[:2])
        year = (today.year // 100) * 100 + yy
        if year > today.year:
            year -= 100
        if separator == "+":
            year -= 100
        century = str(year // 100)
    try:
        date(int(century + body[:2]), int(body[2:4]), day)
    except ValueError:
        raise InvalidValueError(FIELD, "the date of birth is not a real date") from None
    return century + body + tail


def pseudonymise(key: bytes, number: str, today: date) -> Identity:
    """The HMAC pseudonym and the coarse attributes of a personnummer."""
    normalised = normalise(number, today)
    digest = hmac.new(key, normalised.encode("ascii"), hashlib.sha256).hexdigest()
    sex = "male" if int(normalised[10]) % 2 == 1 else "female"
    return Identity(pseudonym=digest, birth_year=int(normalised[:4]), sex=sex)


def looks_like_identity_number(value: str) -> bool:
    """True when a value is a valid personnummer or samordningsnummer (any century), so it
    must never be kept as a pseudonym. Spaces are ignored, as a person typing one adds them."""
    compact = "".join(value.split())
    if _FORM.match(compact) is None:  # the common case, a hex or opaque pseudonym: no number
        return False
    for today in (date(2000, 12, 31), date(2099, 12, 31)):  # both centuries of a 10-digit form
        try:
            normalise(compact, today)
        except InvalidValueError:
            continue
        return True
    return False
