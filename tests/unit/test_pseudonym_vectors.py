"""The shared personnummer test vectors hold for the Python pseudonymisation; the browser
test (tests/browser/test_pseudonym_js.py) holds the web page's module to the same file."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from service.client import pseudonym_for
from service.domain.errors import InvalidValueError
from service.domain.pseudonym import pseudonymise

VECTORS = json.loads((Path(__file__).parents[1] / "pseudonym_vectors.json").read_text("utf-8"))
KEY = bytes.fromhex(VECTORS["key_hex"])
TODAY = date.fromisoformat(VECTORS["today"])


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda c: c["input"])
def test_vector(case: dict[str, object]) -> None:
    if "pseudonym" not in case:
        with pytest.raises(InvalidValueError):
            pseudonymise(KEY, str(case["input"]), TODAY)
        return
    identity = pseudonymise(KEY, str(case["input"]), TODAY)
    assert identity.pseudonym == case["pseudonym"]
    assert (identity.birth_year, identity.sex) == (case["birth_year"], case["sex"])
    # `service.client` (what `python -m service pseudonymise` uses) gives the same.
    assert pseudonym_for(KEY, str(case["input"]), TODAY) == case["pseudonym"]


def test_vectors_cover_every_form() -> None:
    valid = [c for c in VECTORS["cases"] if "pseudonym" in c]
    inputs = [str(c["input"]) for c in valid]
    assert any("+" in i for i in inputs) and any(len(i.strip()) == 12 for i in inputs)
    assert any(int(str(c["normalised"])[6:8]) > 60 for c in valid)  # a samordningsnummer
    assert len(valid) < len(VECTORS["cases"])  # and refusals
