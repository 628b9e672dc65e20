"""The web pages over HTTP (service/web), on SQLite and PostgreSQL: sessions, CSRF, the
coach's forms, the analyst's figures against /statistics, the admin's keys. The same flows
in a real browser are in tests/browser/."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.bootstrap import Container
from tests.conftest import TODAY, Tenant, make_tenant
from tests.server_process import bearer

ENROLLMENT = {
    "pseudonym": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    "enrolled_on": "2026-01-10",
    "sex": "female",
    "birth_year": "1990",
    "education": "compulsory",
    "support": ["social_assistance"],
}


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "a form with a CSRF token"
    return found.group(1)


def errors_of(html: str) -> list[str]:
    return [
        unescape(re.sub(r"<[^>]+>", "", m)).replace("Fel: ", "")
        for m in re.findall(r'<p class="error" id="[^"]+">(.*?)</p>', html)
    ]


def sign_in(client: TestClient, key: str) -> str:
    """Sign in through the start page; the first page's HTML."""
    start = client.get("/")
    response = client.post("/logga-in", data={"key": key, "csrf": csrf_of(start.text)})
    assert response.status_code == 200, response.text
    return response.text


@pytest.fixture
def browser(container: Container, tenant: Tenant) -> Any:
    with TestClient(create_app(container)) as client:
        yield client


def test_sign_in_sets_a_strict_http_only_cookie_and_the_key_appears_nowhere(
    browser: TestClient, tenant: Tenant
) -> None:
    start = browser.get("/")
    assert "Inloggningsnyckel" in start.text and "Logga in" in start.text
    response = browser.post(
        "/logga-in",
        data={"key": tenant.coach_key, "csrf": csrf_of(start.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/hem"
    cookie = next(c for c in response.headers.get_list("set-cookie") if "upf_session=" in c)
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    assert tenant.coach_key not in response.text and tenant.coach_key not in cookie
    page = browser.get("/hem")
    assert page.url.path == "/insatser" and tenant.coach_key not in page.text
    assert page.headers["cache-control"] == "no-store"


def test_the_cookie_is_secure_over_https(container: Container, tenant: Tenant) -> None:
    with TestClient(create_app(container), base_url="https://testserver") as client:
        start = client.get("/")
        response = client.post(
            "/logga-in",
            data={"key": tenant.coach_key, "csrf": csrf_of(start.text)},
            follow_redirects=False,
        )
    cookie = next(c for c in response.headers.get_list("set-cookie") if "upf_session=" in c)
    assert "Secure" in cookie


def test_a_wrong_key_is_refused_beside_its_field(browser: TestClient, tenant: Tenant) -> None:
    start = browser.get("/")
    wrong = tenant.coach_key[:-4] + "AAAA"
    response = browser.post("/logga-in", data={"key": wrong, "csrf": csrf_of(start.text)})
    assert response.status_code == 401
    assert errors_of(response.text) == [
        "Nyckeln är okänd eller återkallad. Kontrollera att du klistrat in hela."
    ]
    assert "upf_session" not in browser.cookies


def test_sign_in_without_its_csrf_token_is_refused(browser: TestClient, tenant: Tenant) -> None:
    browser.get("/")
    response = browser.post("/logga-in", data={"key": tenant.coach_key})
    assert response.status_code == 403 and "upf_session" not in browser.cookies


def test_sign_out_ends_the_session(browser: TestClient, tenant: Tenant) -> None:
    page = sign_in(browser, tenant.coach_key)
    session = browser.cookies["upf_session"]
    response = browser.post("/logga-ut", data={"csrf": csrf_of(page)})
    assert response.url.path == "/" and "Du är utloggad." in response.text
    browser.cookies.set("upf_session", session)  # the old cookie, kept by an attacker
    assert browser.get("/insatser", follow_redirects=False).status_code == 303


def test_an_idle_session_expires(browser: TestClient, tenant: Tenant, container: Container) -> None:
    sign_in(browser, tenant.coach_key)
    container.sessions.idle = timedelta(0)
    response = browser.get("/insatser")
    assert response.url.path == "/" and "Din session har gått ut." in response.text


def test_a_session_expires_after_its_lifetime(
    browser: TestClient, tenant: Tenant, container: Container
) -> None:
    sign_in(browser, tenant.coach_key)
    assert browser.get("/insatser").url.path == "/insatser"
    container.sessions.lifetime = timedelta(0)
    assert browser.get("/insatser").url.path == "/"


def enroll(browser: TestClient, **fields: Any) -> Any:
    form = browser.get("/insatser/team-a/inskrivning")
    assert form.status_code == 200
    data = {**ENROLLMENT, **fields, "csrf": csrf_of(form.text)}
    return browser.post("/insatser/team-a/inskrivning", data=data)


def test_a_coach_enrolls_and_sees_the_enrollment(browser: TestClient, tenant: Tenant) -> None:
    sign_in(browser, tenant.coach_key)
    page = enroll(browser)
    assert page.status_code == 200 and "Deltagaren är inskriven." in page.text
    eid = page.url.path.rsplit("/", 1)[1]
    api = tenant.client.get(f"/api/v1/enrollments/{eid}", headers=bearer(tenant.coach_key))
    state = api.json()["state"]
    assert (state["pseudonym"], state["sex"], state["birth_year"]) == (
        ENROLLMENT["pseudonym"],
        "female",
        1990,
    )
    assert state["support_at_enrollment"] == ["social_assistance"]
    listing = browser.get("/insatser/team-a")
    assert eid in listing.text and "Försörjningsstöd" in listing.text  # codes by their names


def test_a_refused_inskrivning_shows_its_swedish_error_and_writes_nothing(
    browser: TestClient, tenant: Tenant
) -> None:
    sign_in(browser, tenant.coach_key)
    response = enroll(browser, enrolled_on="2030-01-01")
    assert response.status_code == 422
    assert errors_of(response.text) == ["Datumet får inte ligga i framtiden."]
    assert 'id="enrolled_on" name="enrolled_on" type="date" value="2030-01-01"' in response.text
    listing = tenant.client.get(
        f"{tenant.base}/interventions/team-a/enrollments", headers=bearer(tenant.coach_key)
    )
    assert listing.json() == []


def test_a_form_without_its_csrf_token_writes_nothing(browser: TestClient, tenant: Tenant) -> None:
    sign_in(browser, tenant.coach_key)
    response = browser.post("/insatser/team-a/inskrivning", data=ENROLLMENT)
    assert response.status_code == 403 and "Formuläret godtogs inte" in response.text
    wrong = browser.post("/insatser/team-a/inskrivning", data={**ENROLLMENT, "csrf": "x" * 43})
    assert wrong.status_code == 403
    listing = tenant.client.get(
        f"{tenant.base}/interventions/team-a/enrollments", headers=bearer(tenant.coach_key)
    )
    assert listing.json() == []


def test_avslut_byte_and_makulering(browser: TestClient, tenant: Tenant) -> None:
    sign_in(browser, tenant.coach_key)
    page = enroll(browser)
    eid = page.url.path.rsplit("/", 1)[1]
    refused = browser.post(
        f"/inskrivningar/{eid}/avslut",
        data={"csrf": csrf_of(page.text), "exited_on": "2025-12-01", "reason": "work",
              "progressed": "nej"},
    )  # fmt: skip
    assert errors_of(refused.text) == ["Avslutsdatumet får inte vara före inskrivningsdatumet."]
    # What was typed is kept for the correction, Stegförflyttning too.
    assert '<option value="nej" selected>Nej</option>' in refused.text
    assert '<option value="ja" selected>' not in refused.text
    changed = browser.post(
        f"/inskrivningar/{eid}/forsorjning",
        data={"csrf": csrf_of(page.text), "changed_on": "2026-02-01", "support": ["none"]},
    )
    assert "Bytet av försörjning är registrerat." in changed.text
    done = browser.post(
        f"/inskrivningar/{eid}/avslut",
        data={
            "csrf": csrf_of(changed.text),
            "exited_on": "2026-03-01",
            "reason": "work",
            "progressed": "ja",
        },
    )
    assert "Avslutet är registrerat." in done.text and "Avslutad 2026-03-01 (Arbete)" in done.text
    # After the exit the page shows the support at the exit, not the one before it.
    assert "Försörjning nu" not in done.text
    assert re.search(r"<dt>Försörjning vid avslut</dt><dd>[^<]+</dd>", done.text)
    state = tenant.client.get(f"/api/v1/enrollments/{eid}", headers=bearer(tenant.coach_key)).json()
    assert (state["state"]["exit_reason"], state["state"]["progressed"]) == ("work", True)
    # A personnummer in the reason is refused beside the field, not echoed, and not written.
    named = browser.post(
        f"/inskrivningar/{eid}/makulering",
        data={"csrf": csrf_of(done.text), "why": "Fel person, 19811218-9876"},
    )
    assert named.status_code == 422 and "9876" not in named.text
    assert any("personnummer" in error for error in errors_of(named.text))
    events = tenant.client.get(f"/api/v1/enrollments/{eid}", headers=bearer(tenant.coach_key))
    assert "Voided" not in [e["type"] for e in events.json()["events"]]
    voided = browser.post(
        f"/inskrivningar/{eid}/makulering", data={"csrf": csrf_of(done.text), "why": "Fel person"}
    )
    assert "Inskrivningen är makulerad." in voided.text
    for name in ("Inskrivning", "Byte av försörjning", "Avslut", "Makulering"):
        assert f"<td>{name}</td>" in voided.text


def test_a_coach_reaches_only_its_own_interventions(
    container: Container, client: TestClient
) -> None:
    tenant = make_tenant(client, container, interventions=("team-a", "team-b"))
    other = client.post(
        f"{tenant.base}/api-keys",
        headers={"Authorization": f"Bearer {tenant.admin_key}"},
        json={"name": "b", "role": "coach", "interventions": ["team-b"]},
    ).json()["key"]
    with TestClient(create_app(container)) as browser:
        sign_in(browser, other)
        assert browser.get("/insatser/team-a").status_code == 404
        assert browser.get("/insatser/team-a/inskrivning").status_code == 404
        assert browser.get("/admin", follow_redirects=False).headers["location"] == "/insatser"


def test_the_analysts_figures_are_those_of_statistics(
    container: Container, client: TestClient
) -> None:
    tenant = make_tenant(client, container, settings={"min_cell_size": 5})
    for index in range(9):
        response = tenant.enroll(
            intervention="team-a" if index % 3 else "team-b",
            pseudonym=f"pseudonym-{index:04d}",
            sex="male" if index % 2 else "female",
        )
        assert response.status_code == 201, response.text
    answer = tenant.statistics(year=2024)
    with TestClient(create_app(container)) as browser:
        sign_in(browser, tenant.analyst_key)
        page = browser.get("/statistik", params={"year": "2024"})
    cells = re.findall(
        r'<td data-pointer="([^"]+)" data-value="([^"]*)" data-hidden="(ja|nej)">(.*?)</td>',
        page.text,
    )
    assert len(cells) == 3 * 13 * 3  # two interventions and the total
    suppressed = set(answer["suppressed"])
    assert suppressed, "the fixture hides something"
    for pointer, value, hidden, text in cells:
        expected: Any = answer
        for part in pointer.strip("/").split("/"):
            expected = expected[int(part)] if isinstance(expected, list) else expected[part]
        assert json.loads(unescape(value)) == expected, pointer
        assert (hidden == "ja") == (pointer in suppressed)
        if hidden == "ja":
            assert ">..</abbr>" in text
    assert "visas som\n<strong>..</strong> (dolt)" in page.text


def test_the_export_is_the_apis(browser: TestClient, tenant: Tenant) -> None:
    sign_in(browser, tenant.analyst_key)
    page = browser.get("/statistik", params={"year": "2025"})
    for fmt in ("xlsx", "docx", "html", "csv", "json"):
        assert f'href="/statistik/export/2025/{fmt}"' in page.text
    mine = browser.get("/statistik/export/2025/json")
    api = tenant.get(f"{tenant.base}/reports/annual/2025", params={"format": "json"})
    assert mine.status_code == 200 and mine.headers["content-type"] == api.headers["content-type"]
    assert mine.headers["content-disposition"] == api.headers["content-disposition"]
    assert json.loads(mine.content)["tables"] == json.loads(api.content)["tables"]


def test_a_wrong_year_is_refused_beside_the_field(browser: TestClient, tenant: Tenant) -> None:
    sign_in(browser, tenant.analyst_key)
    page = browser.get("/statistik", params={"year": "20x5"})
    assert errors_of(page.text) == ["Ange året med fyra siffror, till exempel 2025."]


def test_admin_creates_a_key_shown_once_and_revokes_it(browser: TestClient, tenant: Tenant) -> None:
    page = sign_in(browser, tenant.admin_key)
    form = {"csrf": csrf_of(page), "name": "Ny coach", "role": "coach", "interventions": "team-a"}
    created = browser.post("/admin/nycklar", data=form)
    key = re.search(r'id="ny-nyckel" type="text" readonly value="([^"]+)"', created.text)
    assert key and "Nyckeln visas bara den här gången." in created.text
    # A reload of that page posts the same form again: refused, no second key.
    reloaded = browser.post("/admin/nycklar", data=form)
    assert reloaded.status_code == 403 and "Formuläret godtogs inte" in reloaded.text
    assert browser.get("/admin").text.count("<td>Ny coach</td>") == 1
    assert key.group(1) not in browser.get("/admin").text  # shown once
    with TestClient(browser.app) as other:
        sign_in(other, key.group(1))
        assert other.get("/insatser/team-a").status_code == 200
        key_id = key.group(1).split("_")[1]
        revoked = browser.post(
            f"/admin/nycklar/{key_id}/aterkalla", data={"csrf": csrf_of(created.text)}
        )
        assert "Nyckeln är återkallad." in revoked.text
        assert other.get("/insatser/team-a").url.path == "/"  # its session ended
    refused = browser.post(
        "/admin/nycklar", data={"csrf": csrf_of(revoked.text), "name": "C", "role": "coach"}
    )
    assert errors_of(refused.text) == ["En coachnyckel måste ha minst en insats."]


def test_admin_registers_an_intervention(browser: TestClient, tenant: Tenant) -> None:
    page = sign_in(browser, tenant.admin_key)
    data = {"csrf": csrf_of(page), "name": "Team C", "id": "team-c", "starts_on": "2026-01-01"}
    response = browser.post("/admin/insatser", data={**data, "kind": "individual"})
    assert "Insatsen är registrerad." in response.text and "<code>team-c</code>" in response.text
    bad = browser.post("/admin/insatser", data={**data, "id": "Team C", "kind": "individual"})
    assert errors_of(bad.text) == [
        "Kortnamnet ska vara 2–63 små bokstäver a–z, siffror och bindestreck."
    ]
    # A Kortnamn in use, with other contents: said beside the Kortnamn.
    taken = browser.post("/admin/insatser", data={**data, "name": "Annat", "kind": "individual"})
    assert errors_of(taken.text) == ["Det finns redan, med andra uppgifter."]
    assert 'id="id-fel"' in taken.text


def test_every_page_is_swedish_and_outside_the_openapi_document(
    browser: TestClient, tenant: Tenant
) -> None:
    for path in ("/", "/tillganglighet"):
        page = browser.get(path)
        assert '<html lang="sv">' in page.text
    paths = browser.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if not p.startswith(("/api/", "/health", "/ready"))]


def test_rattelse_sends_only_what_changed_and_an_exit_can_be_retracted(
    browser: TestClient, tenant: Tenant
) -> None:
    sign_in(browser, tenant.coach_key)
    page = enroll(browser)
    eid = page.url.path.rsplit("/", 1)[1]
    same = {
        "csrf": csrf_of(page.text),
        "enrolled_on": "2026-01-10",
        "education": "compulsory",
        "support": ["social_assistance"],
    }
    unchanged = browser.post(f"/inskrivningar/{eid}/rattelse", data=same)
    assert "Inget är ändrat." in unchanged.text
    refused = browser.post(f"/inskrivningar/{eid}/rattelse", data={**same, "municipality": "20"})
    assert errors_of(refused.text) == ["Ange kommunkoden med fyra siffror (SCB:s kommunkod)."]
    assert 'id="r-municipality-fel"' in refused.text
    corrected = browser.post(
        f"/inskrivningar/{eid}/rattelse", data={**same, "education": "upper_secondary"}
    )
    assert "Rättelsen är registrerad." in corrected.text
    detail = tenant.client.get(f"/api/v1/enrollments/{eid}", headers=bearer(tenant.coach_key))
    assert detail.json()["events"][-1]["data"] == {"changes": {"education": "upper_secondary"}}
    exited = browser.post(
        f"/inskrivningar/{eid}/avslut",
        data={"csrf": csrf_of(page.text), "exited_on": "2026-03-01", "reason": "moved"},
    )
    assert "Ångra avslut" in exited.text
    retracted = browser.post(
        f"/inskrivningar/{eid}/angra-avslut", data={"csrf": csrf_of(page.text), "why": "Fel"}
    )
    assert "Avslutet är ångrat" in retracted.text and ">Pågår<" in retracted.text


def test_refusals_are_told_in_swedish_where_they_belong(
    browser: TestClient, tenant: Tenant
) -> None:
    """The review's cases that fell through to "Värdet godtas inte." (the domain's English
    detail matched no sentence) or said the wrong thing."""
    sign_in(browser, tenant.coach_key)
    early = enroll(browser, enrolled_on="2014-12-31")  # team-a starts 2015-01-01
    assert early.status_code == 422
    assert errors_of(early.text) == ["Insatsen pågår inte det datumet."]
    assert 'id="enrolled_on-fel"' in early.text
    nowhere = enroll(browser, municipality="9999")
    assert errors_of(nowhere.text) == ["Kommunkoden finns inte i SCB:s lista över kommuner."]
    browser.post("/logga-ut", data={"csrf": csrf_of(browser.get("/").text)})
    sign_in(browser, tenant.analyst_key)
    future = browser.get(f"/statistik/export/{TODAY.year + 1}/xlsx")
    assert future.status_code == 422 and "Året har inte börjat än." in future.text
    ancient = browser.get("/statistik/export/1990/xlsx")
    assert ancient.status_code == 404 and "Året finns inte." in ancient.text


def test_a_structural_insats_offers_no_inskrivning(browser: TestClient, tenant: Tenant) -> None:
    made = tenant.post(
        f"{tenant.base}/interventions",
        {"id": "natverk", "name": "Nätverket", "kind": "structural", "starts_on": "2019-01-01"},
        key=tenant.admin_key,
    )
    assert made.status_code == 201, made.text
    key = tenant.post(
        f"{tenant.base}/api-keys",
        {"name": "samordnare", "role": "coach", "interventions": ["natverk", "team-a"]},
        key=tenant.admin_key,
    )
    assert key.status_code == 201, key.text
    sign_in(browser, key.json()["key"])
    structural = browser.get("/insatser/natverk")
    assert structural.status_code == 200
    assert "/insatser/natverk/inskrivning" not in structural.text
    assert "Insatsen är strukturövergripande: den har inga inskrivningar av deltagare." in (
        structural.text
    )
    assert "/insatser/team-a/inskrivning" in browser.get("/insatser/team-a").text


def test_a_wrong_address_is_a_swedish_page_and_a_reloaded_form_goes_back(
    browser: TestClient, tenant: Tenant
) -> None:
    """The framework's errors on the pages' paths (the review met raw English JSON)."""
    for path in ("/finns-inte", "/inskrivningar/inte-ett-id", "/statistik/export/abc/xlsx"):
        wrong = browser.get(path, follow_redirects=False)
        assert wrong.status_code == 404, path
        assert wrong.headers["content-type"].startswith("text/html")
        assert "<h1>Sidan finns inte</h1>" in wrong.text
    # The address of a refused form, reloaded: back to the page the form is on.
    eid = uuid.uuid4()
    for path, page_of in (("/logga-in", "/"), ("/admin/nycklar", "/admin"),
                          (f"/inskrivningar/{eid}/avslut", f"/inskrivningar/{eid}"),
                          ("/admin/nycklar/abc/aterkalla", "/admin")):  # fmt: skip
        again = browser.get(path, follow_redirects=False)
        assert again.status_code == 303 and again.headers["location"] == page_of, path
    # The API keeps its problems.
    api = browser.get("/api/v1/finns-inte")
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"
    method = browser.get(f"{tenant.base}/events:batch")
    assert method.status_code == 405 and "POST" in method.headers["allow"]
