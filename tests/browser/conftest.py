"""Browser tests: the real server (`python -m service serve`, one per module and database)
driven by the system's Chromium through Playwright (one browser per module).

`make test` installs Debian's chromium when it is missing (the `browser-deps` target);
`playwright install` cannot download a browser here. Without Chromium the tests skip,
except in CI (CI=true), where they fail.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.server_process import (
    HttpTenant,
    ServerProcess,
    dedicated_database,
    provision,
    running_server,
)

CHROMIUM = os.environ.get("UPPFOLJNING_CHROMIUM", "/usr/bin/chromium")
POSTGRES_URL = os.environ.get("UPPFOLJNING_TEST_POSTGRES_URL")
IN_CI = os.environ.get("CI", "").lower() == "true"
# Set to a folder to have the tests save screenshots of the pages there (docs/web-*.png).
SCREENSHOTS = os.environ.get("UPPFOLJNING_SCREENSHOTS")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """One headless Chromium per test module (≈ 1 s to start). Not one per session:
    Playwright's sync API keeps an event loop running in the main thread while it is open,
    and later tests that call asyncio.run (tests/unit/test_worker_ready.py) would fail."""
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        if IN_CI:
            pytest.fail(f"Chromium is missing ({CHROMIUM}); make test installs it with apt")
        pytest.skip(f"Chromium is missing ({CHROMIUM}); `make test` installs it")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            args=["--no-sandbox", "--disable-dev-shm-usage"],
        )
        yield browser
        browser.close()


@dataclass
class Live:
    """A real server with an association provisioned on it."""

    server: ServerProcess
    tenant: HttpTenant

    @property
    def url(self) -> str:
        return self.server.url


def start_live(kind: str, folder: Path, **env: str) -> Iterator[Live]:
    """A server on a dedicated database of `kind`, with a provisioned association."""
    if kind == "postgres" and not POSTGRES_URL:
        pytest.skip("UPPFOLJNING_TEST_POSTGRES_URL is not set (make test sets it)")
    with dedicated_database(kind, folder) as url, running_server(url, folder, **env) as server:
        yield Live(server, provision(server.url, server.env))


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Live]:
    """One server per test module and database kind."""
    yield from start_live(request.param, tmp_path_factory.mktemp(f"web-{request.param}"))


@pytest.fixture
def context(chromium: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies) per test, in Swedish."""
    ctx = chromium.new_context(locale="sv-SE", accept_downloads=True)
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A page; an uncaught script error (or a refused one, by the CSP) fails the test."""
    page = context.new_page()
    errors: list[Any] = []
    page.on("pageerror", lambda error: errors.append(error))
    page.on(
        "console",
        lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    yield page
    assert not errors, errors


def sign_in(page: Page, live: Live, key: str) -> None:
    """Sign in on the start page as a person would."""
    page.goto(live.url + "/")
    page.get_by_label("Inloggningsnyckel").fill(key)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state()


def screenshot(page: Page, name: str, secret: str | None = None) -> None:
    """Save a screenshot for the documentation when UPPFOLJNING_SCREENSHOTS is set; the
    element `secret` (a CSS selector: a key shown once) is masked."""
    if SCREENSHOTS:
        page.screenshot(
            path=str(Path(SCREENSHOTS) / f"web-{name}.png"),
            full_page=True,
            mask=[page.locator(secret)] if secret else [],
        )


def cells_equal_answer(page: Page, answer: dict[str, Any], count: int) -> None:
    """The page's `count` figure cells hold the API answer's values at their pointers, and
    show `..` exactly where the answer hides one."""
    cells = page.locator("td[data-pointer]").evaluate_all(
        "cells => cells.map(c => [c.dataset.pointer, c.dataset.value, c.textContent])"
    )
    assert len(cells) == count
    for pointer, value, text in cells:
        expected: Any = answer
        for part in pointer.strip("/").split("/"):
            expected = expected[int(part)] if isinstance(expected, list) else expected[part]
        assert json.loads(value) == expected, pointer
        assert (text == "..") == (pointer in answer["suppressed"]), pointer
