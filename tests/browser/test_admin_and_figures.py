"""Issue 18's second part in a real browser (Chromium), on SQLite and PostgreSQL: the
figures of a period equal to /statistics?from=&to=, the trend over the years, charts
beside their tables, closing an insats, settings, finances and the audit log, every page
clean by axe-core. Fields are found by their accessible names."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Live, cells_equal_answer, screenshot, sign_in
from tests.browser.test_pages import no_violations

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def history(live: Live) -> None:
    """Forty participants over 2023–2026 in two teams, most of them gone by now."""
    tenant = live.tenant
    reasons = ("work", "studies", "job_seeking", "medical_rehab", "discontinued")
    supports = (["social_assistance"], ["sickness_benefit"], ["activity_support"], [])
    with httpx.Client(timeout=60) as client:
        for n in range(40):
            team = "team-a" if n % 3 else "team-b"
            body = {
                "pseudonym": f"browser-history-{n:04d}",
                "enrolled_on": f"{2023 + n % 4}-{1 + n % 9:02d}-{1 + n % 27:02d}",
                "sex": "female" if n % 2 else "male",
                "birth_year": 1965 + n % 40,
                "education": "upper_secondary",
                "support": supports[n % 4],
                "months_on_public_support": n % 30,
            }
            made = client.post(tenant.enrollments_url(team), json=body, headers=tenant.coach())
            assert made.status_code == 201, made.text
            if n % 4 != 3:  # a year later, or this autumn
                exit_ = {
                    "exited_on": f"{min(2024 + n % 4, 2026)}-11-15",
                    "reason": reasons[n % 5],
                    "support_at_exit": ["none"] if n % 5 < 2 else supports[(n + 1) % 4],
                    "progressed": n % 2 == 0,
                }
                done = client.post(
                    tenant.enrollment_url(made.json()["id"], "exit"),
                    json=exit_,
                    headers=tenant.coach(),
                )
                assert done.status_code in (200, 201), done.text


def images_drawn(page: Page) -> int:
    """How many images on the page have loaded and have a size."""
    count: int = page.evaluate(
        "() => [...document.images].filter(i => i.complete && i.naturalWidth > 0).length"
    )
    return count


def test_period_figures_equal_statistics_from_to(page: Page, live: Live) -> None:
    sign_in(page, live, live.tenant.analyst_key)
    page.get_by_label("Från och med").fill("2025-02-01")
    page.get_by_label("Till och med").fill("2025-08-31")
    page.get_by_role("button", name="Visa").click()
    expect(page.get_by_role("heading", name="Statistik 2025-02-01–2025-08-31")).to_be_visible()
    answer = httpx.get(
        f"{live.tenant.base}/statistics",
        params={"from": "2025-02-01", "to": "2025-08-31"},
        headers=live.tenant.analyst(),
    ).json()
    cells_equal_answer(page, answer, 3 * 13 * 3)
    expect(page.get_by_role("figure")).to_have_count(3)
    page.wait_for_load_state("networkidle")
    assert images_drawn(page) == 3
    no_violations(page)


def test_the_year_with_charts_and_the_trend(page: Page, live: Live) -> None:
    sign_in(page, live, live.tenant.analyst_key)
    page.get_by_label("År").fill("2025")
    page.get_by_role("button", name="Visa").click()
    expect(page.get_by_role("heading", name="Diagram", exact=True)).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert images_drawn(page) == 3
    table = page.get_by_role("table", name=re.compile("Siffrorna i diagram 3"))
    expect(table.get_by_role("row")).to_have_count(8)  # header and seven age bands
    no_violations(page)
    screenshot(page, "statistik")
    page.get_by_role("link", name="Utveckling över åren").click()
    expect(page.get_by_role("heading", name="Utveckling över åren")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert images_drawn(page) == 1
    years = page.locator("td[data-year]").evaluate_all(
        "cells => cells.map(c => [c.dataset.year, c.dataset.pointer, c.dataset.value])"
    )
    answers: dict[str, Any] = {}
    for year, pointer, value in years:
        if year not in answers:
            answers[year] = httpx.get(
                f"{live.tenant.base}/statistics",
                params={"year": year},
                headers=live.tenant.analyst(),
            ).json()
        expected: Any = answers[year]
        for part in pointer.strip("/").split("/"):
            expected = expected[part]
        assert json.loads(value) == expected, (year, pointer)
    assert sorted(answers) == ["2023", "2024", "2025", "2026"]
    no_violations(page)
    screenshot(page, "utveckling")


def test_admin_closes_an_intervention(page: Page, live: Live) -> None:
    sign_in(page, live, live.tenant.admin_key)
    page.get_by_label("Insats att stänga").select_option(label="Team-B")
    page.get_by_label("Stängningsdatum").fill("2026-06-30")
    page.get_by_role("button", name="Stäng insatsen").click()
    expect(page.get_by_text("Insatsen är stängd.")).to_be_visible()
    expect(page.get_by_role("cell", name="Stängd 2026-06-30")).to_be_visible()
    no_violations(page)
    admin = {"Authorization": f"Bearer {live.tenant.admin_key}"}
    listed = httpx.get(f"{live.tenant.base}/interventions", headers=admin).json()
    assert {i["id"]: i["closed_on"] for i in listed}["team-b"] == "2026-06-30"


def test_settings_hide_small_values_as_in_the_exports(page: Page, live: Live) -> None:
    # The operator sets the förbund's min_cell_size (only a system key may).
    changed = httpx.patch(
        live.tenant.base,
        json={"settings": {"min_cell_size": 5}},
        headers={"Authorization": f"Bearer {live.tenant.system_key}"},
    )
    assert changed.status_code == 200, changed.text
    sign_in(page, live, live.tenant.admin_key)
    page.get_by_role("link", name="Inställningar").first.click()
    expect(page.get_by_role("heading", name="Inställningar")).to_be_visible()
    no_violations(page)
    expect(page.get_by_label("Minsta antal personer bakom en redovisad siffra")).to_have_value("5")
    field = page.get_by_label("Högsta ålder som räknas som ung")
    field.fill("999")
    page.get_by_role("button", name="Spara inställningarna").click()
    expect(field).to_have_attribute("aria-invalid", "true")
    no_violations(page)
    field.fill("29")
    page.get_by_role("button", name="Spara inställningarna").click()
    expect(page.get_by_text("Inställningarna är sparade.")).to_be_visible()
    screenshot(page, "installningar")
    page.goto(f"{live.url}/statistik?year=2025")
    hidden = page.locator("td[data-hidden=ja]")
    assert hidden.count() > 0
    expect(hidden.first).to_have_text("..")
    expect(page.locator("#om-dolda")).to_contain_text("visas som ..")
    answer = httpx.get(
        f"{live.tenant.base}/statistics", params={"year": 2025}, headers=live.tenant.analyst()
    ).json()
    cells_equal_answer(page, answer, 3 * 13 * 3)
    no_violations(page)


def test_finances_and_the_audit_log(page: Page, live: Live) -> None:
    sign_in(page, live, live.tenant.admin_key)
    page.get_by_role("link", name="Ekonomi").first.click()
    no_violations(page)
    page.get_by_label("Insats", exact=True).select_option(label="Team-A")
    page.get_by_label("År").fill("2025")
    page.get_by_label("Budget (kr)").fill("1 200 000")
    page.get_by_label("Kostnad (kr)").fill("1150000")
    page.get_by_role("button", name="Spara budget och kostnad").click()
    expect(page.get_by_text("Budget och kostnad är sparade.")).to_be_visible()
    expect(page.get_by_role("cell", name="1 150 000")).to_be_visible()
    no_violations(page)
    screenshot(page, "ekonomi")
    page.get_by_role("link", name="Logg").first.click()
    expect(page.get_by_role("heading", name="Logg")).to_be_visible()
    no_violations(page)
    page.get_by_label("Åtgärd").fill("POST /admin/ekonomi")
    page.get_by_label("Nyckel").select_option(label="admin (Förbundsadministratör)")
    page.get_by_role("button", name="Filtrera").click()
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(2)  # header and the one post
    expect(rows.nth(1)).to_contain_text("POST /admin/ekonomi")
    expect(rows.nth(1)).to_contain_text("303")
    no_violations(page)
    admin_id = live.tenant.admin_key.split("_")[1]  # upf_<key id>_<secret>
    page.goto(f"{live.url}/admin/logg?key={admin_id}")
    screenshot(page, "logg")


def test_a_coach_sees_exits_missing_their_support(page: Page, live: Live) -> None:
    sign_in(page, live, live.tenant.coach_key)
    page.goto(f"{live.url}/insatser/team-a")
    heading = page.get_by_role("heading", name=re.compile("Avslutade inskrivningar som saknar"))
    expect(heading).to_be_visible()
    expect(page.get_by_text("Försörjning vid avslut saknas").first).to_be_visible()
    no_violations(page)
