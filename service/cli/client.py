"""Client-side pseudonymisation for case systems (the personnummer never leaves them).

    from service.client import load_key, pseudonym_for
    key = load_key(Path("huvudman.key"))
    pseudonym = pseudonym_for(key, "19811218-9876")

The pseudonym is HMAC-SHA256(huvudman key, the normalised 12-digit number) in hex: the
same person gets the same pseudonym in every intervention of that huvudman.
"""

from __future__ import annotations

import os
import secrets
from datetime import date
from pathlib import Path

from service.domain.pseudonym import pseudonymise


def new_key_file(path: Path) -> None:
    """Write a new random huvudman key (hex) readable only by its owner; never overwrite."""
    # O_EXCL: losing an existing key would change every pseudonym of the huvudman.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_hex(32) + "\n")


def load_key(path: Path) -> bytes:
    """The huvudman key from a file holding it in hex."""
    return bytes.fromhex(path.read_text().strip())


def pseudonym_for(key: bytes, personal_identity_number: str, today: date | None = None) -> str:
    """The pseudonym of a personnummer or samordningsnummer (10 or 12 digits, Luhn-checked)."""
    return pseudonymise(key, personal_identity_number, today or date.today()).pseudonym
