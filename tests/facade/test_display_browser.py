"""`show()`'s HTML as a notebook shows it: rendered by headless Chromium on a light
and a dark page. Each of status, email, balance and service URL must change the
pixels when present (so it is drawn, in a colour that differs from the page), and
no secret is in the HTML at all. Skipped, with a notice, where Chromium is absent."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from syftbox_accounting import display
from tests.browser import Chromium
from tests.facade.helpers import EMAIL, SECRETS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
THEMES = {"light": ("#ffffff", "#111111"), "dark": ("#111111", "#e6e6e6")}
SNAPSHOT = display.Snapshot(
    url="https://accounting.example.com",
    email=EMAIL,
    configured=True,
    balance="$89.75",
    status="credentials refused",
    hint="Check the email and password.",
)
FIELDS = {
    "status": SNAPSHOT.status,
    "email": SNAPSHOT.email,
    "balance": SNAPSHOT.balance,
    "url": SNAPSHOT.url,
}


def _screenshot(browser: Chromium, page: str, folder: Path, name: str) -> bytes:
    html_file = folder / f"{name}.html"
    html_file.write_text(page)
    browser.open(html_file.as_uri())
    return browser.screenshot()


def _page(widget: str, theme: str) -> str:
    background, colour = THEMES[theme]
    return (
        f"<html><body style='background:{background};color:{colour};font-family:sans-serif'>"
        f"{widget}</body></html>"
    )


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    """One headless Chromium for every screenshot of the module."""
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install -y chromium): not rendered")
    chromium = Chromium(CHROMIUM, tmp_path_factory.mktemp("profile"), size="700,300")
    yield chromium
    chromium.close()


def test_the_html_holds_no_secret_and_the_set_up_hint() -> None:
    widget = display.html(SNAPSHOT)
    assert not any(secret in widget for secret in SECRETS)
    assert "Check the email and password." in widget
    unconfigured = display.html(display.Snapshot("https://x.example", None, False, "-"))
    assert "configure(email=" in unconfigured


@pytest.mark.parametrize("theme", list(THEMES))
def test_the_widget_shows_each_field(browser: Chromium, tmp_path: Path, theme: str) -> None:
    full = _screenshot(browser, _page(display.html(SNAPSHOT), theme), tmp_path, "full")
    blank = _screenshot(browser, _page("", theme), tmp_path, "blank")
    assert full != blank, "the widget draws nothing"
    # The same page again, after another: the same pixels, so a difference below is
    # the field's, not a frame left over from the page before.
    again = _screenshot(browser, _page(display.html(SNAPSHOT), theme), tmp_path, "again")
    assert again == full
    for field, value in FIELDS.items():
        assert value is not None
        # The same widget with this one value made invisible: the pixels must differ.
        hidden = display.html(SNAPSHOT).replace(
            value, f"<span style='visibility:hidden'>{value}</span>"
        )
        assert hidden != display.html(SNAPSHOT)
        without = _screenshot(browser, _page(hidden, theme), tmp_path, field)
        assert without != full, f"{field} is not visible on a {theme} page"
