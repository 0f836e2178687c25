"""The contract ships and is served: `openapi.yaml` in the package (importlib.resources),
`syftbox-accounting contract` prints it, the wheel carries it and the API reference, and
the reference service serves both (`GET /openapi.yaml`, `GET /docs`). The page is opened in
headless Chromium, which must list every operation; a screenshot is saved."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from importlib import resources
from pathlib import Path

import httpx
import pytest

from syftbox_accounting.server import BackgroundService
from tests.browser import PATIENCE, Chromium
from tests.other_languages.conftest import ROOT, SPEC, need
from tests.spec import operations

SCREENSHOT = ROOT / "build" / "other-languages" / "api-reference.png"


def test_the_package_holds_the_contract() -> None:
    shipped = resources.files("syftbox_accounting").joinpath("openapi.yaml").read_bytes()
    assert shipped == SPEC.read_bytes()


def test_the_contract_command_prints_it() -> None:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "syftbox-accounting"), "contract"],
        capture_output=True,
        check=True,
    )
    assert done.stdout == SPEC.read_bytes()


def test_the_wheel_ships_the_contract_and_the_api_reference(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        assert z.read("syftbox_accounting/openapi.yaml") == SPEC.read_bytes()
        reference = z.read("syftbox_accounting/server/api-reference.html")
    assert reference == (ROOT / "syftbox_accounting" / "server" / "api-reference.html").read_bytes()


def test_the_service_serves_the_contract_and_a_self_contained_reference(
    service: BackgroundService,
) -> None:
    contract = httpx.get(f"{service.url}/openapi.yaml")
    assert contract.status_code == 200
    assert contract.headers["content-type"].startswith("application/yaml")
    assert contract.content == SPEC.read_bytes()
    docs = httpx.get(f"{service.url}/docs")
    assert docs.status_code == 200
    assert docs.headers["content-type"].startswith("text/html")
    # No CDN: nothing the page loads comes from anywhere else.
    loads = re.findall(r'<(?:script|link|img)\b[^>]*\b(?:src|href)="([^"]+)"', docs.text)
    assert [url for url in loads if re.match(r"(https?:)?//", url)] == []
    # A reload on a page of the reference (it routes in the browser) gets the same page.
    assert httpx.get(f"{service.url}/docs/admin").content == docs.content


def test_without_a_built_reference_docs_says_how_to_build_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from syftbox_accounting.server import docs

    monkeypatch.setattr(docs, "API_REFERENCE", ("syftbox_accounting.server", "missing.html"))
    with BackgroundService() as running:
        response = httpx.get(f"{running.url}/docs")
        assert httpx.get(f"{running.url}/openapi.yaml").status_code == 200
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert "make docs" in response.json()["message"]


# Open the sidebar's groups in turn, and keep what the page shows after each, until
# every expected word (each operation's summary and path) has been shown: for as long
# as rendering takes, within a generous ceiling, never a fixed pause.
SHOW_EVERY_GROUP = """(async (expected) => {
  const deadline = Date.now() + %d;
  // The next change of the page (Redoc rendering, a group opening), or the ceiling.
  const changed = () => new Promise((resolve) => {
    const observer = new MutationObserver(() => { observer.disconnect(); resolve(); });
    observer.observe(document.body,
      {subtree: true, childList: true, characterData: true, attributes: true});
    setTimeout(() => { observer.disconnect(); resolve(); }, Math.max(0, deadline - Date.now()));
  });
  const seen = [];
  const shown = () => seen.join('\\n') + '\\n' + document.body.innerText;
  const missing = () => expected.filter((word) => !shown().includes(word));
  const groups = () => document.querySelectorAll('.menu-item-type-group > a');
  while (groups().length === 0 && Date.now() < deadline) await changed();
  while (missing().length > 0 && Date.now() < deadline) {
    for (const group of groups()) {
      const opened = changed();
      group.click();
      await opened;
      seen.push(document.body.innerText);
    }
  }
  return shown();
})(%s)"""


def test_the_api_reference_lists_every_operation_in_chromium(
    service: BackgroundService, tmp_path: Path
) -> None:
    need("chromium", "the /docs check in a browser")
    expected = sorted({w for _, path, op in operations() for w in (op["summary"], path)})
    browser = Chromium(need("chromium", "the /docs check in a browser"), tmp_path / "profile")
    try:
        browser.open(f"{service.url}/docs")
        title = browser.evaluate("document.title")
        shown = browser.evaluate(SHOW_EVERY_GROUP % (PATIENCE * 1000, json.dumps(expected)))
        browser.open(f"{service.url}/docs")  # afresh, for the screenshot
        browser.wait_for("document.querySelectorAll('.menu-item-type-group').length > 0")
        png = browser.screenshot()
    finally:
        browser.close()
    assert title == "SyftBox Accounting Service"
    missing = [
        f"{method} {path} ({op['summary']})"
        for method, path, op in operations()
        if op["summary"] not in shown or path not in shown
    ]
    assert missing == [], shown[-3000:]
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    SCREENSHOT.write_bytes(png)
    assert png.startswith(b"\x89PNG")
    print(f"\nscreenshot of /docs: {SCREENSHOT}")
