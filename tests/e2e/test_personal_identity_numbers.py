"""Personnummer: accepted only where the association allows it, and never kept anywhere."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from service.adapters.eventstore import read_session
from service.bootstrap import Container
from service.cli.client import load_key, new_key_file, pseudonym_for
from service.domain.errors import InvalidValueError
from service.domain.pseudonym import normalise
from tests.conftest import TODAY, Tenant
from tests.e2e.test_enrollments_api import event_count

# A valid test number (Skatteverket's test series style): 1981-12-18, male (9th digit odd).
NUMBER_12 = "198112189876"


def textual_forms(number12: str) -> list[str]:
    """Every way the number could appear in a file or a log line."""
    short = number12[2:]
    return [
        number12,
        f"{number12[:8]}-{number12[8:]}",
        short,
        f"{short[:6]}-{short[6:]}",
        f"{short[:6]}+{short[6:]}",
    ]


def allow_numbers(tenant: Tenant) -> None:
    response = tenant.client.patch(
        tenant.base,
        headers={"Authorization": f"Bearer {tenant.admin_key}"},
        json={"settings": {"accept_personal_identity_numbers": True}},
    )
    assert response.status_code == 200, response.text


def test_numbers_are_refused_by_default(tenant: Tenant) -> None:
    response = tenant.enroll(pseudonym=None, personal_identity_number=NUMBER_12)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "personal_identity_number"
    assert NUMBER_12 not in response.text


def test_a_wrong_check_digit_is_refused_without_echoing_the_number(tenant: Tenant) -> None:
    allow_numbers(tenant)
    response = tenant.enroll(pseudonym=None, personal_identity_number="198112189875")
    assert response.status_code == 422
    assert "198112189875" not in response.text and "8112189875" not in response.text


@pytest.mark.parametrize("form", textual_forms(NUMBER_12))
def test_a_number_sent_as_the_pseudonym_is_refused_and_not_kept(
    tenant: Tenant, container: Container, form: str
) -> None:
    """An integration that puts the personnummer in `pseudonym` by mistake gets 422: the
    event would otherwise keep it forever."""
    before = event_count(container)
    response = tenant.enroll(pseudonym=form)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "pseudonym"
    assert all(f not in response.text for f in textual_forms(NUMBER_12))
    assert event_count(container) == before


def test_a_number_in_non_ascii_digits_is_refused_not_a_server_error(tenant: Tenant) -> None:
    allow_numbers(tenant)
    full_width = NUMBER_12.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    response = tenant.enroll(pseudonym=None, personal_identity_number=full_width)
    assert response.status_code == 422, response.text


def test_a_posted_number_is_never_stored_logged_or_echoed(
    tenant: Tenant, container: Container, caplog: pytest.LogCaptureFixture, database_url: str
) -> None:
    allow_numbers(tenant)
    caplog.set_level(logging.DEBUG)
    response = tenant.enroll(
        pseudonym=None, personal_identity_number="19811218-9876", sex=None, birth_year=None
    )
    assert response.status_code == 201, response.text
    eid = response.json()["id"]
    detail = tenant.client.get(
        f"/api/v1/enrollments/{eid}", headers={"Authorization": f"Bearer {tenant.coach_key}"}
    ).json()
    assert detail["state"]["birth_year"] == 1981 and detail["state"]["sex"] == "male"
    assert len(detail["state"]["pseudonym"]) == 64
    haystacks = [response.text, str(detail), caplog.text, _database_dump(container, database_url)]
    for form in textual_forms(NUMBER_12):
        for haystack in haystacks:
            assert form not in haystack


def test_the_same_person_gets_the_same_pseudonym_as_the_client_function(
    tenant: Tenant, container: Container, tmp_path: Path
) -> None:
    key_file = tmp_path / "huvudman.key"
    new_key_file(key_file)
    key = load_key(key_file)
    assert pseudonym_for(key, "19811218-9876", TODAY) == pseudonym_for(key, "8112189876", TODAY)
    assert pseudonym_for(key, NUMBER_12, TODAY) != pseudonym_for(b"another", NUMBER_12, TODAY)


def test_the_pseudonymise_cli_prints_only_pseudonyms(tmp_path: Path) -> None:
    key_file = tmp_path / "huvudman.key"
    new_key_file(key_file)
    result = subprocess.run(
        [sys.executable, "-m", "service", "pseudonymise", "--key-file", str(key_file)],
        input="19811218-9876\n811218-9876\n",
        capture_output=True,
        text=True,
        check=True,
    )
    lines = result.stdout.split()
    assert len(lines) == 2 and lines[0] == lines[1] and len(lines[0]) == 64
    assert "9876" not in result.stdout + result.stderr


def test_the_cli_refuses_a_bad_number_by_line_without_echoing_it(tmp_path: Path) -> None:
    key_file = tmp_path / "huvudman.key"
    made = subprocess.run(
        [sys.executable, "-m", "service", "new-key-file", str(key_file)], capture_output=True
    )
    assert made.returncode == 0 and key_file.stat().st_mode & 0o777 == 0o600
    again = subprocess.run(
        [sys.executable, "-m", "service", "new-key-file", str(key_file)], capture_output=True
    )
    assert again.returncode == 1, "an existing key file must never be overwritten"
    result = subprocess.run(
        [sys.executable, "-m", "service", "pseudonymise", "--key-file", str(key_file)],
        input="19811218-9876\n19811218-9875\n",
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stdout.split("\n")[1] == "", "the refused line stays aligned, empty"
    assert "Rad 2" in result.stderr and "9875" not in result.stderr
    # stdout holds line 1's pseudonym, 64 random hex digits: "9875" may occur there by
    # chance, the refused number's longer forms may not.
    assert "18-9875" not in result.stdout and "8112189875" not in result.stdout


@pytest.mark.parametrize(
    "number, expected",
    [
        ("8112189876", "198112189876"),
        ("811218+9876", "188112189876"),
        ("19811278-9873", "198112789873"),  # samordningsnummer: day + 60
    ],
)
def test_normalisation_of_the_accepted_forms(number: str, expected: str) -> None:
    assert normalise(number, TODAY) == expected


@pytest.mark.parametrize("number", ["19811318-9876", "1981121898", "abcdefghij", "811218-987"])
def test_malformed_numbers_are_refused(number: str) -> None:
    with pytest.raises(InvalidValueError):
        normalise(number, TODAY)


def _database_dump(container: Container, database_url: str) -> str:
    """Every table's every value as text (and, for SQLite, the raw file bytes)."""
    chunks = []
    with read_session(container.store) as session:
        tables = [
            r[0]
            for r in session.execute(
                text(
                    "SELECT name FROM sqlite_master WHERE type='table'"
                    if database_url.startswith("sqlite")
                    else "SELECT tablename FROM pg_tables WHERE schemaname='public'"
                )
            )
        ]
        for table in tables:
            for row in session.execute(text(f'SELECT * FROM "{table}"')):
                chunks.append(
                    " ".join(
                        bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else str(v)
                        for v in row
                    )
                )
    if database_url.startswith("sqlite"):
        path = Path(database_url.split("///", 1)[1])
        for file in (path, Path(f"{path}-wal")):
            if file.exists():
                chunks.append(file.read_bytes().decode("latin-1"))
    return "\n".join(chunks)


@pytest.mark.parametrize(
    ("field", "given"), [("sex", "female"), ("birth_year", 1990), ("pseudonym", "a-pseudonym-1")]
)
def test_a_body_that_contradicts_its_number_is_refused_not_overwritten(
    tenant: Tenant, container: Container, field: str, given: object
) -> None:
    allow_numbers(tenant)
    before = event_count(container)
    body = {"pseudonym": None, "sex": None, "birth_year": None, field: given}
    response = tenant.enroll(personal_identity_number=NUMBER_12, **body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert all(f not in response.text for f in textual_forms(NUMBER_12))
    assert event_count(container) == before
    agreeing = {"pseudonym": None, "sex": "male", "birth_year": 1981}  # what the number says
    assert tenant.enroll(personal_identity_number=NUMBER_12, **agreeing).status_code == 201


# Another valid number: 1990-03-15, female (9th digit even).
OTHER_NUMBER_12 = "199003152486"


def test_a_mistyped_number_is_corrected_by_sending_the_right_one(
    tenant: Tenant, container: Container, caplog: pytest.LogCaptureFixture, database_url: str
) -> None:
    allow_numbers(tenant)
    caplog.set_level(logging.DEBUG)
    person = {"pseudonym": None, "sex": None, "birth_year": None}
    eid = tenant.enroll(personal_identity_number=OTHER_NUMBER_12, **person).json()["id"]
    path = f"/api/v1/enrollments/{eid}/corrections"
    response = tenant.post(path, {"personal_identity_number": NUMBER_12})
    assert response.status_code == 201, response.text
    state = tenant.client.get(
        f"/api/v1/enrollments/{eid}", headers={"Authorization": f"Bearer {tenant.coach_key}"}
    ).json()["state"]
    assert (state["sex"], state["birth_year"]) == ("male", 1981)
    # The corrected pseudonym is the right person's: enrolling that person again while the
    # enrollment is open conflicts, and the mistyped number's person is free again.
    assert tenant.enroll(personal_identity_number=NUMBER_12, **person).status_code == 409
    assert tenant.enroll(personal_identity_number=OTHER_NUMBER_12, **person).status_code == 201
    haystacks = [response.text, caplog.text, _database_dump(container, database_url)]
    for form in textual_forms(NUMBER_12) + textual_forms(OTHER_NUMBER_12):
        for haystack in haystacks:
            assert form not in haystack


@pytest.mark.parametrize(
    ("allowed", "extra", "field"),
    [
        (False, {}, "personal_identity_number"),
        (True, {"pseudonym": "a-pseudonym-1"}, "pseudonym"),
        (True, {"sex": "female"}, "sex"),
    ],
)
def test_a_correction_by_number_is_refused_as_an_enrollment_would_be(
    tenant: Tenant, container: Container, allowed: bool, extra: dict[str, object], field: str
) -> None:
    eid = tenant.enroll().json()["id"]
    if allowed:
        allow_numbers(tenant)
    before = event_count(container)
    body = {"personal_identity_number": NUMBER_12, **extra}
    response = tenant.post(f"/api/v1/enrollments/{eid}/corrections", body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert all(f not in response.text for f in textual_forms(NUMBER_12))
    assert event_count(container) == before
