"""The web pages of issue 18's second part over HTTP (the ASGI app), on SQLite and
PostgreSQL: figures for a period and over the years against /statistics, the charts and
their tables, the admin's close, settings, finances and audit log, the audit entries of
web requests (issue 20), and what needs a coach's attention."""

from __future__ import annotations

import json
import re
from datetime import datetime
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from service.adapters.tables import audit_log
from service.api.app import create_app
from service.bootstrap import Container
from tests.conftest import Tenant, make_tenant
from tests.e2e.test_web_pages import csrf_of, errors_of, sign_in
from tests.server_process import bearer

CELL = re.compile(r'<td data-pointer="([^"]+)"(?: data-year="(\d+)")? data-value="([^"]*)"')


@pytest.fixture
def browser(container: Container, tenant: Tenant) -> Any:
    with TestClient(create_app(container)) as client:
        yield client


def pointed(answer: Any, pointer: str) -> Any:
    node = answer
    for part in pointer.strip("/").split("/"):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def enroll_some(tenant: Tenant) -> None:
    """Nine enrollments over 2023–2024 in two teams, some exited."""
    for index in range(9):
        response = tenant.enroll(
            intervention="team-a" if index % 3 else "team-b",
            pseudonym=f"pseudonym-{index:04d}",
            sex="male" if index % 2 else "female",
            enrolled_on=f"{2023 + index % 2}-0{1 + index % 8}-15",
        )
        assert response.status_code == 201, response.text
        if index % 4 == 0:
            exit_ = tenant.post(
                f"/api/v1/enrollments/{response.json()['id']}/exit",
                {"exited_on": "2024-10-01", "reason": "work"},
            )
            assert exit_.status_code in (200, 201), exit_.text


def test_a_period_shows_the_figures_of_statistics_from_to(
    browser: TestClient, tenant: Tenant
) -> None:
    enroll_some(tenant)
    period = {"from": "2024-03-01", "to": "2024-09-30"}
    answer = tenant.statistics(**period)
    sign_in(browser, tenant.analyst_key)
    page = browser.get("/statistik", params=period)
    assert page.status_code == 200
    assert "Statistik 2024-03-01–2024-09-30" in page.text and "Aktiva under perioden" in page.text
    cells = CELL.findall(page.text)
    assert len(cells) == 3 * 13 * 3
    for pointer, _, value in cells:
        assert json.loads(unescape(value)) == pointed(answer, pointer), pointer
    assert "/statistik/export/" not in page.text  # the annual export is per calendar year


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"year": "2024", "from": "2024-01-01", "to": "2024-02-01"}, "year", "inte båda"),
        ({"from": "2024-05-01", "to": "2024-04-01"}, "to", "före dess början"),
        ({"from": "2024-13-01", "to": "2024-04-01"}, "from", "ÅÅÅÅ-MM-DD"),
        ({"year": "1999"}, "year", "2000–2100"),
    ],
)
def test_a_wrong_period_is_refused_beside_its_field(
    browser: TestClient, tenant: Tenant, params: dict[str, str], field: str, message: str
) -> None:
    sign_in(browser, tenant.analyst_key)
    page = browser.get("/statistik", params=params)
    assert f'id="{field}-fel"' in page.text
    assert any(message in error for error in errors_of(page.text)), errors_of(page.text)
    assert "data-pointer" not in page.text


def test_charts_are_drawn_as_svg_with_their_numbers_in_a_table_beside(
    browser: TestClient, tenant: Tenant
) -> None:
    enroll_some(tenant)
    sign_in(browser, tenant.analyst_key)
    page = browser.get("/statistik", params={"year": "2024"})
    sources = re.findall(r'<img src="([^"]+)" alt="Diagram: ([^"]+)"', page.text)
    assert [unescape(s).split("?")[0] for s, _ in sources] == [
        "/statistik/diagram/outcome-by-sex.svg",
        "/statistik/diagram/support-before-after.svg",
        "/statistik/diagram/age-pyramid.svg",
    ]
    for source, _ in sources:
        image = browser.get(unescape(source))
        assert image.status_code == 200 and image.headers["content-type"] == "image/svg+xml"
        assert image.content.startswith(b"<?xml") and b"<svg" in image.content
        assert image.headers["cache-control"] == "no-store"
    # The pyramid's table: active participants per age band and kön, as /statistics has them.
    answer = tenant.statistics(year=2024)
    bands = answer["total"]["measures"]["age_band"]["active"]
    table = page.text.split("Siffrorna i diagram 3", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<th scope="row">([^<]+)</th><td>([^<]*)</td><td>([^<]*)</td>', table)
    assert rows, table
    count = lambda text: 0 if text == "–" else int(text)  # noqa: E731 (SCB: – is zero)
    shown = {label: (count(f), count(m)) for label, f, m in rows}
    assert sum(f for f, _ in shown.values()) == sum(c["female"] for c in bands.values())
    assert sum(m for _, m in shown.values()) == sum(c["male"] for c in bands.values())
    assert browser.get("/statistik/diagram/nothing.svg?year=2024").status_code == 404


def test_hidden_values_are_marked_in_the_charts_tables_as_in_the_exports(
    container: Container, client: TestClient
) -> None:
    tenant = make_tenant(client, container, settings={"min_cell_size": 5})
    enroll_some(tenant)  # three women left in 2024; one man leaves too (always hidden)
    man = tenant.enroll(pseudonym="pseudonym-man", sex="male", enrolled_on="2024-01-10")
    exit_ = {"exited_on": "2024-11-01", "reason": "work"}
    assert tenant.post(f"/api/v1/enrollments/{man.json()['id']}/exit", exit_).status_code < 300
    answer = tenant.statistics(year=2024)
    share = "/total/measures/share_to_work_or_studies/male"
    assert share in answer["suppressed"]
    with TestClient(create_app(container)) as browser:
        sign_in(browser, tenant.analyst_key)
        page = browser.get("/statistik", params={"year": "2024"}).text
    charts = page.split('id="diagram-rubrik"', 1)[1]
    row = charts.split('<th scope="row">Till arbete eller studier</th>', 1)[1].split("</tr>")[0]
    assert row.split("</td>")[1] == '<td><abbr title="Dolt värde">..</abbr>'  # Män
    assert "Dolda värden ritas inte" in charts and "visas som\n<strong>..</strong>" in page


def test_the_trend_shows_each_year_as_statistics_of_that_year(
    browser: TestClient, tenant: Tenant
) -> None:
    enroll_some(tenant)
    sign_in(browser, tenant.analyst_key)
    page = browser.get("/statistik/utveckling")
    assert page.status_code == 200
    answers = {year: tenant.statistics(year=year) for year in (2023, 2024, 2025, 2026)}
    cells = CELL.findall(page.text)
    assert len(cells) == 3 * 13 * 4  # kön × measures × years 2023–2026
    for pointer, year, value in cells:
        assert json.loads(unescape(value)) == pointed(answers[int(year)], pointer), pointer
    chart = browser.get("/statistik/utveckling/diagram.svg")
    assert chart.status_code == 200 and b"<svg" in chart.content
    assert "Siffrorna i diagram 1" in page.text


def test_a_coach_sees_no_figures_and_an_analyst_no_admin_pages(
    browser: TestClient, tenant: Tenant
) -> None:
    sign_in(browser, tenant.coach_key)
    for path in ("/statistik?year=2024", "/statistik/utveckling"):
        assert browser.get(path, follow_redirects=False).headers["location"] == "/insatser"
    assert browser.get("/statistik/diagram/age-pyramid.svg?year=2024").status_code == 404
    with TestClient(browser.app) as analyst:
        sign_in(analyst, tenant.analyst_key)
        for path in ("/admin/installningar", "/admin/ekonomi", "/admin/logg"):
            response = analyst.get(path, follow_redirects=False)
            assert response.headers["location"] == "/statistik", path
        page = analyst.get("/statistik").text
        refused = analyst.post(
            "/admin/stang-insats",
            data={"csrf": csrf_of(page), "intervention": "team-a", "closed_on": "2026-01-01"},
        )
        assert refused.status_code == 403
        assert "Din nyckel får inte göra detta." in refused.text
    listed = tenant.get(f"{tenant.base}/interventions", key=tenant.admin_key).json()
    assert all(i["closed_on"] is None for i in listed)
    interventions = browser.get("/api/v1/associations/sodra-dalarna/interventions")
    assert interventions.status_code == 401  # the cookie is no API key


def test_admin_closes_an_intervention(browser: TestClient, tenant: Tenant) -> None:
    page = sign_in(browser, tenant.admin_key)
    form = {"csrf": csrf_of(page), "intervention": "team-a"}
    early = browser.post("/admin/stang-insats", data={**form, "closed_on": "2014-12-31"})
    assert early.status_code == 422
    assert errors_of(early.text) == ["Insatsen kan inte stängas före sitt startdatum."]
    closed = browser.post("/admin/stang-insats", data={**form, "closed_on": "2026-06-30"})
    assert "Insatsen är stängd." in closed.text and "Stängd 2026-06-30" in closed.text
    listed = tenant.get(f"{tenant.base}/interventions", key=tenant.admin_key).json()
    assert {i["id"]: i["closed_on"] for i in listed}["team-a"] == "2026-06-30"
    after = tenant.enroll(enrolled_on="2026-07-01", pseudonym="pseudonym-late")
    assert after.status_code == 422  # no enrollment after the closing day
    closing = closed.text.split("Stäng en insats", 1)[1].split("</form>", 1)[0]
    assert 'value="team-a"' not in closing and 'value="team-b"' in closing
    again = browser.post("/admin/stang-insats", data={**form, "closed_on": "2026-07-30"})
    assert errors_of(again.text) == ["Insatsen är stängd."]


def test_admin_changes_the_settings(browser: TestClient, tenant: Tenant) -> None:
    sign_in(browser, tenant.admin_key)
    page = browser.get("/admin/installningar")
    assert page.status_code == 200 and 'name="min_cell_size"' in page.text
    form = {
        "csrf": csrf_of(page.text), "name": "Södra Dalarna", "early_dropout_months": "3",
        "youth_max_age": "25", "min_cell_size": "0", "goal_reasons": ["work", "studies"],
        "retention_years_after_exit": "10",
    }  # fmt: skip
    bad = browser.post("/admin/installningar", data={**form, "youth_max_age": "500"})
    assert bad.status_code == 422 and 'id="youth_max_age-fel"' in bad.text
    before = tenant.get(tenant.base, key=tenant.admin_key).json()
    assert before["settings"]["min_cell_size"] == 0  # nothing written
    saved = browser.post("/admin/installningar", data=form)
    assert "Inställningarna är sparade." in saved.text
    after = tenant.get(tenant.base, key=tenant.admin_key).json()
    assert after["name"] == "Södra Dalarna"
    assert after["settings"] == {
        **before["settings"], "early_dropout_months": 3, "youth_max_age": 25,
        "min_cell_size": 0, "goal_reasons": ["work", "studies"],
        "retention_years_after_exit": 10, "accept_personal_identity_numbers": False,
    }  # fmt: skip
    kept = browser.post(
        "/admin/installningar",
        data={**form, "retention_years_after_exit": "", "csrf": csrf_of(saved.text)},
    )
    assert kept.status_code == 200
    settings = tenant.get(tenant.base, key=tenant.admin_key).json()["settings"]
    assert (
        "retention_years_after_exit" not in settings
        or settings["retention_years_after_exit"] is None
    )
    # min_cell_size is the operator's: shown read-only, and a change posted anyway refused.
    assert re.search(r'name="min_cell_size"[^>]* readonly', kept.text)
    raised = {**form, "min_cell_size": "4", "csrf": csrf_of(kept.text)}
    refused = browser.post("/admin/installningar", data=raised)
    assert refused.status_code == 422  # a refused form, as every other
    assert errors_of(refused.text) == [
        "Gränsen ändras bara av driftansvarig (med systemnyckel): den bestämmer hur "
        "deltagarna skyddas."
    ]
    assert 'id="min_cell_size-fel"' in refused.text
    assert tenant.get(tenant.base, key=tenant.admin_key).json()["settings"]["min_cell_size"] == 0


def test_admin_records_finances_for_cost_per_participant(
    browser: TestClient, tenant: Tenant
) -> None:
    assert tenant.enroll(enrolled_on="2024-02-01").status_code == 201
    page = sign_in(browser, tenant.admin_key)
    page = browser.get("/admin/ekonomi").text
    form = {"csrf": csrf_of(page), "intervention": "team-a", "year": "2024"}
    bad = browser.post("/admin/ekonomi", data={**form, "cost_sek": "mycket"})
    assert bad.status_code == 422 and errors_of(bad.text) == ["Fyll i ett heltal (0 eller mer)."]
    saved = browser.post(
        "/admin/ekonomi", data={**form, "budget_sek": "500 000", "cost_sek": "450000"}
    )
    assert "Budget och kostnad är sparade." in saved.text
    assert "<td>Team A</td><td>2024</td>" in saved.text and "450 000" in saved.text
    answer = tenant.statistics(year=2024, intervention="team-a")
    assert answer["interventions"][0]["measures"]["cost_per_participant"] == 450000


def entries(tenant: Tenant, **params: str) -> list[dict[str, Any]]:
    response = tenant.get(f"{tenant.base}/audit", key=tenant.admin_key, params=params)
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["entries"]
    return rows


def test_web_requests_are_in_the_audit_log_as_api_requests_are(
    browser: TestClient, tenant: Tenant
) -> None:
    sign_in(browser, tenant.coach_key)
    form = browser.get("/insatser/team-a/inskrivning")
    enrolled = browser.post(
        "/insatser/team-a/inskrivning",
        data={
            "csrf": csrf_of(form.text), "pseudonym": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
            "enrolled_on": "2026-01-10", "sex": "female", "birth_year": "1990",
            "education": "compulsory",
        },
    )  # fmt: skip
    eid = enrolled.url.path.rsplit("/", 1)[1]
    browser.post(
        f"/inskrivningar/{eid}/avslut",
        data={"csrf": csrf_of(enrolled.text), "exited_on": "2026-03-01", "reason": "work"},
    )
    with TestClient(browser.app) as analyst:
        sign_in(analyst, tenant.analyst_key)
        analyst.get("/statistik", params={"from": "2026-01-01", "to": "2026-06-30"})
        analyst.get("/statistik/export/2025/json")
    got = {(e["action"], e["role"], e["status"]): e for e in entries(tenant)}
    coach_writes = [
        ("POST /logga-in", "coach", 303),
        ("GET /insatser/{iid}/inskrivning", "coach", 200),
        ("POST /insatser/{iid}/inskrivning", "coach", 303),
        ("GET /inskrivningar/{eid}", "coach", 200),
        ("POST /inskrivningar/{eid}/avslut", "coach", 303),
    ]
    for expected in coach_writes[:1] + coach_writes[2:]:
        assert expected in got, (expected, sorted(got))
    # Each write has one entry, committed with its data, carrying the status sent.
    posts = [
        (e["action"], e["role"], e["status"])
        for e in entries(tenant)
        if e["role"] == "coach" and e["action"].startswith("POST /")
    ]
    assert sorted(posts) == sorted(write for write in coach_writes if write[0].startswith("POST"))
    enroll = got[("POST /insatser/{iid}/inskrivning", "coach", 303)]
    assert (enroll["key_name"], enroll["intervention_id"]) == ("coach", "team-a")
    period = got[("GET /statistik", "analyst", 200)]
    assert (period["period_from"], period["period_to"]) == ("2026-01-01", "2026-06-30")
    export = got[("GET /statistik/export/{year}/{fmt}", "analyst", 200)]
    assert (export["period_from"], export["period_to"]) == ("2025-01-01", "2025-12-31")
    text = json.dumps(entries(tenant))
    assert eid not in text and "0f1e2d3c4b5a" not in text  # no enrollment id or pseudonym


def test_a_refused_web_write_is_audited_with_its_status(
    browser: TestClient, tenant: Tenant
) -> None:
    page = sign_in(browser, tenant.admin_key)
    browser.post("/admin/ekonomi", data={"csrf": csrf_of(page), "intervention": "", "year": "x"})
    browser.post("/admin/ekonomi", data={"intervention": "team-a", "year": "2025"})  # no token
    got = [(e["action"], e["status"]) for e in entries(tenant, action="POST /admin/ekonomi")]
    assert got == [("POST /admin/ekonomi", 422), ("POST /admin/ekonomi", 403)]


def test_a_form_that_chooses_its_insats_is_audited_with_it(
    browser: TestClient, tenant: Tenant
) -> None:
    """Closing an insats and its finances choose the insats in the form's body, which the
    middleware does not read: the route names it for the entry (a slug only)."""
    page = sign_in(browser, tenant.admin_key)
    finances = {"csrf": csrf_of(page), "year": "2025", "budget_sek": "1000", "cost_sek": "900"}
    done = browser.post("/admin/ekonomi", data={**finances, "intervention": "team-b"})
    assert done.status_code == 200 and "klart=ekonomi" in str(done.url)
    browser.post("/admin/ekonomi", data={**finances, "intervention": "19121212-1212"})
    closing = {"csrf": csrf_of(page), "intervention": "team-a", "closed_on": "2026-06-30"}
    browser.post("/admin/stang-insats", data=closing)
    got = [
        (e["action"], e["status"], e["intervention_id"])
        for e in entries(tenant)
        if e["action"] in ("POST /admin/ekonomi", "POST /admin/stang-insats")
    ]
    assert sorted(got) == [
        ("POST /admin/ekonomi", 303, "team-b"),
        ("POST /admin/ekonomi", 422, None),  # a personnummer is no insats: not recorded
        ("POST /admin/stang-insats", 303, "team-a"),
    ]


def test_the_admin_reads_the_audit_log_paged_and_filtered(
    browser: TestClient, tenant: Tenant
) -> None:
    for _ in range(3):
        assert tenant.get(f"{tenant.base}/statistics", params={"year": 2025}).status_code == 200
    sign_in(browser, tenant.admin_key)
    page = browser.get("/admin/logg")
    assert page.status_code == 200 and "GET /api/v1/associations/{aid}/statistics" in page.text
    assert "<title>Logg – Uppföljning</title>" in page.text  # no markup in the title
    assert page.text.count('id="protokoll-rubrik"') == 1
    analyst = tenant.analyst_key.split("_")[1]  # upf_<key id>_<secret>
    only = browser.get(
        "/admin/logg",
        params={"key": analyst, "action": "GET /api/v1/associations/{aid}/statistics",
                "from": "2000-01-01", "to": "2100-12-31"},
    )  # fmt: skip
    rows = re.findall(r"<tr><td>\d{4}-\d\d-\d\d [\d:]{8}</td><td>([^<]*)</td>", only.text)
    assert rows == ["analyst"] * 3
    assert "2025-01-01–2025-12-31" in only.text
    none = browser.get("/admin/logg", params={"from": "2000-01-01", "to": "2000-01-02"})
    assert "Inga rader med de här filtren." in none.text
    wrong = browser.get("/admin/logg", params={"from": "igår", "key": "not-a-key"})
    assert wrong.status_code == 422
    assert {"from-fel", "key-fel"} <= set(re.findall(r'id="([a-z]+-fel)"', wrong.text))
    later = browser.get("/admin/logg", params={"page": "2"})
    assert "Föregående sida" in later.text and "<td>analyst</td>" not in later.text


def test_an_exit_without_support_needs_attention_until_corrected(
    browser: TestClient, tenant: Tenant
) -> None:
    enrolled = tenant.enroll(support=[], enrolled_on="2026-01-10")
    eid = enrolled.json()["id"]
    exited = tenant.post(
        f"/api/v1/enrollments/{eid}/exit",
        {"exited_on": "2026-03-01", "reason": "studies", "support_at_exit": []},
    )
    assert exited.status_code in (200, 201), exited.text
    sign_in(browser, tenant.coach_key)
    listing = browser.get("/insatser/team-a")
    assert "Försörjning vid avslut saknas" in listing.text and eid in listing.text
    page = browser.get(f"/inskrivningar/{eid}")
    corrected = browser.post(
        f"/inskrivningar/{eid}/rattelse",
        data={
            "csrf": csrf_of(page.text), "enrolled_on": "2026-01-10", "education": "upper_secondary",
            "exited_on": "2026-03-01", "reason": "studies", "support_at_exit": ["none"],
        },
    )  # fmt: skip
    assert "Rättelsen är registrerad." in corrected.text
    detail = tenant.client.get(f"/api/v1/enrollments/{eid}", headers=bearer(tenant.coach_key))
    assert detail.json()["events"][-1]["data"] == {"changes": {"support_at_exit": ["none"]}}
    assert "Försörjning vid avslut saknas" not in browser.get("/insatser/team-a").text


def test_the_log_page_shows_the_gallringsprotokoll_without_whom(
    browser: TestClient, tenant: Tenant, container: Container
) -> None:
    sign_in(browser, tenant.admin_key)
    assert "Ingen gallring eller radering har gjorts." in browser.get("/admin/logg").text
    assert tenant.enroll(pseudonym="pseudonym-erased").status_code == 201
    plan = container.removal.plan_erasure(tenant.association_id, "pseudonym-erased")
    container.removal.carry_out(plan, kind="erasure", operator="tester")
    page = browser.get("/admin/logg").text
    section = page.split('id="protokoll-rubrik"', 1)[1]
    assert "<td>Radering på begäran</td>" in section and "<td>tester</td>" in section
    cells = re.findall(r'<td class="num">(\d+)</td>', section)
    assert cells[0] == "1"  # one enrollment, counted, never named
    assert "pseudonym-erased" not in page


def test_the_log_filter_takes_days_of_swedish_time(
    browser: TestClient, tenant: Tenant, container: Container
) -> None:
    """The page shows Swedish time, so its dates are Swedish days: 23:30 UTC on 23
    November is 00:30 on the 24th in Stockholm (the review found UTC days)."""
    assert tenant.get(f"{tenant.base}/statistics", params={"year": 2025}).status_code == 200
    with container.engine.begin() as connection:
        connection.execute(
            update(audit_log)
            .where(audit_log.c.action == "GET /api/v1/associations/{aid}/statistics")
            .values(recorded_at=datetime(2026, 11, 23, 23, 30))  # naive UTC, as stored
        )
    sign_in(browser, tenant.admin_key)

    def statistics_rows(day: str) -> list[str]:
        page = browser.get("/admin/logg", params={"from": day, "to": day})
        return re.findall(r"<tr><td>([\d-]{10} [\d:]{8})</td><td>analyst</td>", page.text)

    assert statistics_rows("2026-11-24") == ["2026-11-24 00:30:00"]
    assert statistics_rows("2026-11-23") == []


def test_an_open_enrollment_missing_data_needs_attention(
    browser: TestClient, tenant: Tenant
) -> None:
    """product.md §11: what needs attention includes missing data (the review found none
    flagged): what the statistics would count as "Uppgift saknas"."""
    lacking = tenant.enroll(education="unknown", support=[], pseudonym="pseudonym-lacking")
    complete = tenant.enroll(municipality="2084", pseudonym="pseudonym-complete")
    assert lacking.status_code == complete.status_code == 201
    sign_in(browser, tenant.coach_key)
    listing = browser.get("/insatser/team-a").text
    rows = {eid: listing.split(eid, 1)[1].split("</tr>", 1)[0] for eid in
            (lacking.json()["id"], complete.json()["id"])}  # fmt: skip
    assert (
        "Uppgift saknas: utbildningsnivå, kommun, försörjning vid inskrivning"
        in rows[lacking.json()["id"]]
    )
    assert "Uppgift saknas" not in rows[complete.json()["id"]]
