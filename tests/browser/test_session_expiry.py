"""A session ends after its idle time (set to two seconds here: UPPFOLJNING_SESSION_IDLE_SECONDS)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Live, sign_in, start_live

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    folder: Path = tmp_path_factory.mktemp("web-expiry")
    yield from start_live("sqlite", folder, UPPFOLJNING_SESSION_IDLE_SECONDS="2")


def test_an_idle_session_expires(page: Page, live: Live) -> None:
    sign_in(page, live, live.tenant.coach_key)
    expect(page.get_by_role("heading", name="Mina insatser")).to_be_visible()
    page.reload()  # in use: still signed in
    expect(page.get_by_role("heading", name="Mina insatser")).to_be_visible()
    time.sleep(2.5)
    page.reload()
    expect(page.get_by_text("Din session har gått ut. Logga in igen.")).to_be_visible()
    expect(page.get_by_label("Inloggningsnyckel")).to_be_visible()
