"""The web application in a real browser (Chromium through Playwright), on a real server,
on SQLite and PostgreSQL. Fields are found by their accessible names (product.md §11)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, Request, expect

from tests.browser.conftest import Live, cells_equal_answer, screenshot, sign_in

pytestmark = pytest.mark.slow

VECTORS = json.loads((Path(__file__).parents[1] / "pseudonym_vectors.json").read_text("utf-8"))
_axe = Axe()


def vector(number: str) -> dict[str, Any]:
    case: dict[str, Any] = next(c for c in VECTORS["cases"] if c["input"] == number)
    return case


def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "huvudman.key"
    path.write_text(VECTORS["key_hex"] + "\n")
    return path


def no_violations(page: Page) -> None:
    """axe-core finds no WCAG violation on the page as it is now."""
    results = _axe.run(page)
    assert results.violations_count == 0, results.generate_report()


def forms_of(number: str) -> set[str]:
    """Every way a request could carry the personnummer: with or without separators and
    century, as typed or URL-encoded."""
    digits = re.sub(r"\D", "", number)
    twelve = digits if len(digits) == 12 else None
    ten = digits[-10:]
    variants = {number.strip(), digits, ten, f"{ten[:6]}-{ten[6:]}", f"{ten[:6]}+{ten[6:]}"}
    if twelve:
        variants |= {f"{twelve[:8]}-{twelve[8:]}", f"{twelve[:8]}+{twelve[8:]}"}
    return variants | {quote(v) for v in variants}


def watch_requests(page: Page) -> list[str]:
    """Everything the page sends: URLs, bodies and headers of every request."""
    seen: list[str] = []

    def record(request: Request) -> None:
        seen.append(request.url)
        seen.append(request.post_data or "")
        seen.extend(f"{k}: {v}" for k, v in request.headers.items())

    page.on("request", record)
    return seen


def enroll_in_browser(page: Page, live: Live, tmp_path: Path, number: str) -> str:
    """The inskrivning form filled with the mouse; the new enrollment's page URL."""
    page.goto(f"{live.url}/insatser/team-a/inskrivning")
    page.get_by_label("Nyckelfil för pseudonymer").set_input_files(key_file(tmp_path))
    page.get_by_label("Personnummer").fill(number)
    page.get_by_label("Utbildningsnivå").select_option(label="Gymnasial")
    page.get_by_label("Kommun").fill("2080")
    page.get_by_role("group", name="Försörjning vid inskrivning").get_by_label(
        "Försörjningsstöd"
    ).check()
    page.get_by_label("Månader med offentlig försörjning före start").fill("14")
    page.get_by_role("button", name="Skriv in").click()
    expect(page.get_by_text("Deltagaren är inskriven.")).to_be_visible()
    return page.url


def test_sign_in_and_sign_out(page: Page, live: Live) -> None:
    page.goto(live.url + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Uppföljning")
    no_violations(page)
    screenshot(page, "start")
    sign_in(page, live, live.tenant.coach_key)
    expect(page.get_by_role("heading", name="Mina insatser")).to_be_visible()
    assert live.tenant.coach_key not in page.content()
    cookie = next(c for c in page.context.cookies() if c["name"] == "upf_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    page.get_by_role("button", name="Logga ut").click()
    expect(page.get_by_text("Du är utloggad.")).to_be_visible()
    page.goto(live.url + "/insatser")
    expect(page.get_by_label("Inloggningsnyckel")).to_be_visible()


def test_a_wrong_key_is_refused_beside_the_field(page: Page, live: Live) -> None:
    sign_in(page, live, "upf_not-a-key")
    expect(page.locator("#key-fel")).to_have_text(re.compile("Nyckeln är okänd eller återkallad"))
    expect(page.get_by_label("Inloggningsnyckel")).to_have_attribute("aria-invalid", "true")
    no_violations(page)


def test_inskrivning_never_sends_the_personnummer(page: Page, live: Live, tmp_path: Path) -> None:
    number = "19900101-1239"
    sign_in(page, live, live.tenant.coach_key)
    seen = watch_requests(page)
    page.goto(f"{live.url}/insatser/team-a/inskrivning")
    no_violations(page)
    page.get_by_label("Nyckelfil för pseudonymer").set_input_files(key_file(tmp_path))
    page.get_by_label("Personnummer").fill(number)
    page.get_by_label("Personnummer").blur()
    expect(page.get_by_label("Födelseår")).to_have_value("1990")
    expect(page.get_by_label("Kön")).to_have_value("male")
    page.get_by_label("Utbildningsnivå").select_option(label="Gymnasial")
    screenshot(page, "inskrivning")
    page.get_by_role("button", name="Skriv in").click()
    expect(page.get_by_text("Deltagaren är inskriven.")).to_be_visible()
    no_violations(page)
    eid = page.url.split("/inskrivningar/")[1].split("?")[0]
    assert seen, "the listener saw the requests"
    sent = "\n".join(seen)
    for form in forms_of(number):
        assert form not in sent, form
    # The pseudonym is the one `python -m service pseudonymise` gives with that key.
    expected = vector("900101-1239")["pseudonym"]
    api = httpx.get(live.tenant.enrollment_url(eid), headers=live.tenant.coach())
    assert api.json()["state"]["pseudonym"] == expected
    page.goto(f"{live.url}/insatser/team-a")
    expect(page.get_by_role("link", name=re.compile(expected[:12]))).to_be_visible()
    no_violations(page)
    screenshot(page, "insats")


def test_a_refused_inskrivning_shows_its_error_beside_the_field(
    page: Page, live: Live, tmp_path: Path
) -> None:
    sign_in(page, live, live.tenant.coach_key)
    page.goto(f"{live.url}/insatser/team-a/inskrivning")
    page.get_by_label("Nyckelfil för pseudonymer").set_input_files(key_file(tmp_path))
    page.get_by_label("Personnummer").fill("19811218-9877")
    page.get_by_label("Personnummer").blur()
    expect(page.locator("#pnr-fel")).to_have_text(re.compile("Kontrollsiffran stämmer inte"))
    page.get_by_label("Personnummer").fill("19991231-4565")
    page.get_by_label("Inskrivningsdatum").fill("2099-01-01")
    page.get_by_label("Utbildningsnivå").select_option(label="Gymnasial")
    page.get_by_role("button", name="Skriv in").click()
    expect(page.locator("#enrolled_on-fel")).to_have_text(
        re.compile("Datumet får inte ligga i framtiden.")
    )
    expect(page.get_by_label("Inskrivningsdatum")).to_have_attribute("aria-invalid", "true")
    no_violations(page)
    listing = httpx.get(live.tenant.enrollments_url("team-a"), headers=live.tenant.coach())
    pseudonym = vector("991231-4565")["pseudonym"]
    assert pseudonym not in listing.text  # nothing written


def test_avslut_and_byte_av_forsorjning(page: Page, live: Live, tmp_path: Path) -> None:
    sign_in(page, live, live.tenant.coach_key)
    enroll_in_browser(page, live, tmp_path, "19991231-4565")
    no_violations(page)
    screenshot(page, "inskrivning-historik")
    page.get_by_role("group", name="Ny försörjning").get_by_label("A-kassa").check()
    page.get_by_role("button", name="Registrera bytet").click()
    expect(page.get_by_text("Bytet av försörjning är registrerat.")).to_be_visible()
    page.get_by_label("Avslutsorsak").select_option(label="Studier")
    page.get_by_role("group", name="Försörjning vid avslut").get_by_label(
        "Ingen offentlig försörjning"
    ).check()
    page.get_by_label("Stegförflyttning").select_option(label="Ja")
    page.get_by_role("button", name="Avsluta").click()
    expect(page.get_by_text("Avslutet är registrerat.")).to_be_visible()
    expect(page.locator("#status")).to_contain_text("Avslutad")
    rows = page.get_by_role("table").last.get_by_role("row")
    expect(rows).to_have_count(4)  # header, inskrivning, byte, avslut
    no_violations(page)


def tab_to(page: Page, element_id: str, limit: int = 60) -> None:
    """Press Tab until the element has focus, as a keyboard user moves through a form."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}")


def test_keyboard_only_inskrivning_and_avslut(page: Page, live: Live, tmp_path: Path) -> None:
    sign_in(page, live, live.tenant.coach_key)
    page.goto(f"{live.url}/insatser/team-a/inskrivning")
    # Choosing the file is the operating system's dialog; everything else is the keyboard.
    page.get_by_label("Nyckelfil för pseudonymer").set_input_files(key_file(tmp_path))
    tab_to(page, "pnr")
    page.keyboard.type("19870372-1111")
    tab_to(page, "education")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    tab_to(page, "municipality")
    page.keyboard.type("2080")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # the first support box
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Skriv in":
            break
    page.keyboard.press("Enter")
    expect(page.get_by_text("Deltagaren är inskriven.")).to_be_visible()
    tab_to(page, "reason")
    page.keyboard.press("ArrowDown")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Avsluta":
            break
    page.keyboard.press("Enter")
    expect(page.get_by_text("Avslutet är registrerat.")).to_be_visible()


def test_a_form_without_its_csrf_token_is_refused(page: Page, live: Live) -> None:
    sign_in(page, live, live.tenant.admin_key)
    page.goto(f"{live.url}/admin")
    page.evaluate("document.querySelectorAll('input[name=csrf]').forEach(e => e.remove())")
    page.get_by_label("Vems nyckel").fill("Utan token")
    with page.expect_response(lambda r: r.url.endswith("/admin/nycklar")) as answer:
        page.get_by_role("button", name="Skapa nyckeln").click()
    assert answer.value.status == 403
    expect(page.get_by_role("heading", name="Formuläret godtogs inte")).to_be_visible()
    page.goto(f"{live.url}/admin")  # no key was made
    expect(page.get_by_text("Utan token")).to_have_count(0)


def test_the_analysts_figures_equal_statistics_and_the_export_downloads(
    page: Page, live: Live
) -> None:
    year = 2026
    sign_in(page, live, live.tenant.analyst_key)
    expect(page.get_by_label("År")).to_be_visible()
    no_violations(page)
    page.get_by_label("År").fill(str(year))
    page.get_by_role("button", name="Visa").click()
    expect(page.get_by_role("heading", name="Hela förbundet")).to_be_visible()
    no_violations(page)  # docs/web-statistik.png: test_admin_and_figures.py, with more data
    answer = httpx.get(
        f"{live.tenant.base}/statistics", params={"year": year}, headers=live.tenant.analyst()
    ).json()
    cells_equal_answer(page, answer, 3 * 13 * 3)
    with page.expect_download() as download:
        page.get_by_role("link", name=f"Ladda ner årsredovisningen {year}: Excel (xlsx)").click()
    assert download.value.suggested_filename == f"uppfoljning-sodra-dalarna-{year}.xlsx"
    assert Path(download.value.path()).read_bytes()[:2] == b"PK"


def test_admin_creates_a_key_and_revokes_it(page: Page, live: Live, context: Any) -> None:
    sign_in(page, live, live.tenant.admin_key)
    no_violations(page)
    page.get_by_label("Vems nyckel").fill("Kim Coach")
    page.get_by_label("Roll").select_option("coach")
    page.get_by_role("group", name="Insatser (för coacher)").get_by_label("Team-A").check()
    page.get_by_role("button", name="Skapa nyckeln").click()
    key = page.get_by_label("Nyckeln").input_value()
    assert key.startswith("upf_")
    no_violations(page)
    screenshot(page, "admin", secret="#ny-nyckel")
    other = context.browser.new_context()
    try:
        coach = other.new_page()
        sign_in(coach, live, key)
        expect(coach.get_by_role("heading", name="Mina insatser")).to_be_visible()
        page.get_by_role("button", name="Återkalla nyckeln för Kim Coach").click()
        expect(page.get_by_text("Nyckeln är återkallad.")).to_be_visible()
        coach.reload()
        expect(coach.get_by_label("Inloggningsnyckel")).to_be_visible()
    finally:
        other.close()


def test_the_accessibility_statement(page: Page, live: Live) -> None:
    page.goto(live.url + "/tillganglighet")
    expect(page.get_by_role("heading", name="Tillgänglighetsredogörelse")).to_be_visible()
    no_violations(page)


def test_the_browser_module_matches_the_shared_vectors(page: Page, live: Live) -> None:
    page.goto(live.url + "/")
    results = page.evaluate(
        """async (vectors) => {
            const m = await import("/static/pseudonym.js");
            const key = m.parseKey(vectors.key_hex);
            const [y, mo, d] = vectors.today.split("-").map(Number);
            const out = [];
            for (const c of vectors.cases) {
                try { out.push(await m.pseudonymise(key, c.input, {year: y, month: mo, day: d})); }
                catch (e) { out.push(null); }
            }
            return out;
        }""",
        VECTORS,
    )
    for case, got in zip(VECTORS["cases"], results, strict=True):
        if "pseudonym" in case:
            assert got == {k: case[k] for k in ("pseudonym", "birth_year", "sex")}, case
        else:
            assert got is None, case


def test_rattelse_and_makulering(page: Page, live: Live, tmp_path: Path) -> None:
    sign_in(page, live, live.tenant.coach_key)
    enroll_in_browser(page, live, tmp_path, "19811218-9876")
    section = page.get_by_role("region", name="Rättelse")
    section.get_by_label("Utbildningsnivå").select_option(label="Eftergymnasial")
    section.get_by_role("button", name="Rätta").click()
    expect(page.get_by_text("Rättelsen är registrerad.")).to_be_visible()
    no_violations(page)
    page.get_by_role("button", name="Makulera").click()
    expect(page.locator("#why-fel")).to_have_text(re.compile("Skriv varför"))
    page.get_by_label("Skäl till makulering").fill("Fel person inskriven")
    page.get_by_role("button", name="Makulera").click()
    expect(page.get_by_text("Inskrivningen är makulerad.")).to_be_visible()
    expect(page.locator("#status")).to_have_text("Makulerad")
