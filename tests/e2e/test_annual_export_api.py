"""The annual export through the API and the CLI: the files hold the endpoint's figures.

A förbund shaped like Södra Dalarna 2021 (tests/reference_journals.py) with the default
disclosure rule (min_cell_size 5), so the files show both figures and markers.
"""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from service.bootstrap import Container
from tests.conftest import Tenant, make_tenant
from tests.journeys import as_batch
from tests.reference_journals import sodra_dalarna
from tests.server_process import ROOT, run_cli, service_env

AVESTA, SATER = "samverkansteam-avesta", "samverkansteam-sater"
SUPPRESSED = {".."}


@pytest.fixture
def forbund(client: TestClient, container: Container) -> Tenant:
    tenant = make_tenant(client, container, "sodra-dalarna", (AVESTA, SATER))
    body = as_batch(sodra_dalarna().events)
    response = tenant.post(f"{tenant.base}/events:batch", {"events": body})
    assert response.status_code == 200
    return tenant


def export(tenant: Tenant, fmt: str, **params: Any) -> bytes:
    response = tenant.get(f"{tenant.base}/reports/annual/2021", params={"format": fmt, **params})
    assert response.status_code == 200, response.text
    assert "attachment" in response.headers["content-disposition"]
    return bytes(response.content)


def expected_overview_row(tenant: Tenant, iid: str) -> list[Any]:
    """Aktiva under året (total, K, M) and avslut exkl. tidiga avhopp, from the endpoint."""
    answer = tenant.statistics(year=2021)
    m = next(i for i in answer["interventions"] if i["intervention"] == iid)["measures"]
    return [*(m["active"][k] for k in ("total", "female", "male")), m["completed_exits"]["total"]]


def matches(cell: Any, expected: Any) -> bool:
    """A shown figure equals the endpoint's; a hidden one (None) shows a marker."""
    return cell in SUPPRESSED if expected is None else cell == expected


def test_xlsx_overview_holds_the_endpoints_figures(forbund: Tenant) -> None:
    workbook = load_workbook(io.BytesIO(export(forbund, "xlsx")))
    overview = next(workbook[name] for name in workbook.sheetnames if "Översikt" in name)
    # Aktiva under året (totalt, kvinnor, män, andel kvinnor), then avslut exkl. tidiga avhopp.
    rows = {row[0]: (*row[1:4], row[5]) for row in overview.iter_rows(values_only=True) if row[0]}
    for iid, label in ((AVESTA, "Samverkansteam Avesta"), (SATER, "Samverkansteam Sater")):
        expected = expected_overview_row(forbund, iid)
        assert all(map(matches, rows[label], expected)), (label, rows[label], expected)
    # Numbers are real numbers, not text, so the sheet can be summed and charted.
    assert isinstance(rows["Samverkansteam Avesta"][0], int)


def test_docx_has_real_word_tables_with_the_same_figures(forbund: Tenant) -> None:
    document = Document(io.BytesIO(export(forbund, "docx")))
    assert document.tables, "figures must be Word tables, not pictures or tabs"
    overview = document.tables[0]  # the first table is the overview
    rows = {
        row.cells[0].text: [row.cells[i].text for i in (1, 2, 3, 5)]
        for row in overview.rows
        if row.cells[0].text.startswith("Samverkansteam")
    }
    expected = expected_overview_row(forbund, SATER)
    assert all(map(matches, [_number(c) for c in rows["Samverkansteam Sater"]], expected))
    assert document.inline_shapes, "the charts are embedded"


def _number(text: str) -> Any:
    return int(text) if text.isdigit() else text


def test_csv_zip_one_table_per_file_readable_by_excel(forbund: Tenant) -> None:
    archive = zipfile.ZipFile(io.BytesIO(export(forbund, "csv")))
    names = archive.namelist()
    assert len(names) > 5 and all(name.endswith(".csv") for name in names)
    for name in names:
        assert archive.read(name).startswith(b"\xef\xbb\xbf"), f"{name} lacks the BOM"
    overview = next(n for n in names if "versikt" in n)
    assert "Samverkansteam Avesta" in archive.read(overview).decode("utf-8-sig")


def test_html_is_a_printable_swedish_page(forbund: Tenant) -> None:
    page = export(forbund, "html").decode()
    assert page.startswith("<!DOCTYPE html>") and 'lang="sv"' in page
    assert "Samverkansteam Avesta" in page and "data:image/png;base64," in page


def test_a_report_is_reproduced_exactly_as_of_its_making(
    forbund: Tenant, container: Container, tmp_path: Path
) -> None:
    made_at = datetime.now(UTC).isoformat()
    first = {fmt: export(forbund, fmt, as_of=made_at) for fmt in ("json", "csv")}
    # Later in the year: a correction and a voided enrollment change the live figures.
    listing = forbund.get(
        f"{forbund.base}/interventions/{AVESTA}/enrollments",
        key=forbund.coach_key,
        params={"status": "all"},
    ).json()
    eid = listing[0]["id"] if isinstance(listing, list) else listing["enrollments"][0]["id"]
    voided = forbund.post(f"/api/v1/enrollments/{eid}/voiding", {"why": "fel person"})
    assert voided.status_code == 201, voided.text
    assert export(forbund, "json") != export(forbund, "json", as_of=made_at)

    for fmt, content in first.items():
        assert export(forbund, fmt, as_of=made_at) == content, fmt
    # The operator's CLI makes the same bytes from the same database.
    out = tmp_path / "export.json"
    env = service_env(container.settings.database_url, tmp_path)
    run_cli(env, "export", "--association", "sodra-dalarna", "--year", "2021",
            "--format", "json", "--as-of", made_at, "--out", str(out))  # fmt: skip
    assert out.read_bytes() == first["json"]


def test_a_year_not_begun_is_refused_and_the_cli_says_so_in_swedish(
    forbund: Tenant, container: Container, tmp_path: Path
) -> None:
    future = datetime.now(UTC).year + 1
    response = forbund.get(f"{forbund.base}/reports/annual/{future}", params={"format": "json"})
    assert response.status_code == 422, response.text
    env = service_env(container.settings.database_url, tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "service", "export", "--association", "sodra-dalarna",
         "--year", str(future), "--out", str(tmp_path / "x.xlsx")],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert f"Året {future} har inte börjat" in result.stderr
    assert not (tmp_path / "x.xlsx").exists()


def test_a_year_before_the_first_data_is_missing_not_zero(
    forbund: Tenant, container: Container
) -> None:
    first = container.queries.first_data_date("sodra-dalarna")
    assert first is not None
    response = forbund.get(f"{forbund.base}/reports/annual/{first.year}", params={"format": "json"})
    report = response.json()
    overview = report["tables"][0]
    before = next(r for r in overview["rows"] if r["label"] == f"Totalt {first.year - 1}")
    change = next(r for r in overview["rows"] if r["label"].startswith("Förändring"))
    assert {v["status"] for v in before["values"] + change["values"]} == {"missing"}
    notes = " ".join(n["text"] for n in overview["footnotes"])
    assert f"inga uppgifter för {first.year - 1}" in notes


def test_every_export_is_stamped_in_swedish_time(forbund: Tenant) -> None:
    report = forbund.get(f"{forbund.base}/reports/annual/2021", params={"format": "json"}).json()
    stamp = datetime.fromisoformat(report["stamp"])
    assert stamp.utcoffset() in {timedelta(hours=1), timedelta(hours=2)}
    assert abs(stamp - datetime.now(UTC)) < timedelta(minutes=5)
    # With as_of the stamp is that instant, in Swedish time, not UTC printed as Swedish.
    as_of = datetime.now(UTC)
    dated = forbund.get(
        f"{forbund.base}/reports/annual/2021",
        params={"format": "json", "as_of": as_of.isoformat()},
    ).json()
    assert datetime.fromisoformat(dated["stamp"]) == as_of
    assert datetime.fromisoformat(dated["stamp"]).utcoffset() != timedelta(0)
