"""The contract ships and is served: `openapi.yaml` in the package (importlib.resources),
`syftbox-accounting contract` prints it, the wheel carries it and the API reference, and
the reference service serves both (`GET /openapi.yaml`, `GET /docs`). The page is opened in
headless Chromium, which must list every operation; a screenshot is saved."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import time
import zipfile
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pytest

from syftbox_accounting.server import BackgroundService
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


def test_the_wheel_ships_the_contract_and_the_api_reference(built_wheel: Path) -> None:
    with zipfile.ZipFile(built_wheel) as z:
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


class Chromium:
    """Headless Chromium driven over the DevTools protocol on pipes (no extra library)."""

    def __init__(self, user_data_dir: Path) -> None:
        ours_read, its_write = os.pipe()
        its_read, ours_write = os.pipe()
        os.set_inheritable(its_read, True)
        os.set_inheritable(its_write, True)
        flags = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={user_data_dir}", "--remote-debugging-pipe",
            "--window-size=1280,1600",
        ]  # fmt: skip

        def pipes() -> None:  # the protocol's fixed descriptors: 3 in, 4 out
            os.dup2(its_read, 3)
            os.dup2(its_write, 4)

        self.process = subprocess.Popen(
            [need("chromium", "the /docs check in a browser"), *flags, "about:blank"],
            preexec_fn=pipes,  # only dup2 before exec
            close_fds=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(its_read)
        os.close(its_write)
        self.write, self.read = ours_write, ours_read
        self.buffer = b""
        self.next_id = 0
        self.session: str | None = None

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if self.session:
            message["sessionId"] = self.session
        os.write(self.write, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self.buffer:
                chunk = os.read(self.read, 1 << 16)
                if not chunk:
                    raise RuntimeError("Chromium closed the DevTools pipe")
                self.buffer += chunk
            raw, self.buffer = self.buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(reply["error"])
                result: dict[str, Any] = reply["result"]
                return result

    def open(self, url: str) -> None:
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        self.call("Page.navigate", url=url)
        want = "complete " + httpx.URL(url).path
        self.wait_for(f"document.readyState + ' ' + location.pathname === {json.dumps(want)}")

    def wait_for(self, condition: str) -> None:
        """Wait until the JavaScript `condition` holds on the page; the ceiling is
        generous, for a busy machine."""
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            try:
                if self.evaluate(condition) is True:
                    return
            except RuntimeError:  # still navigating
                pass
            time.sleep(0.05)  # not yet: look again
        raise AssertionError(f"{condition} did not hold within {PATIENCE:g} s")

    def evaluate(self, expression: str) -> Any:
        reply = self.call(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        return reply["result"].get("value")

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self.write)
        os.close(self.read)


# Open the sidebar's groups in turn, and keep what the page shows after each, until
# every expected word (each operation's summary and path) has been shown: for as long
# as rendering takes, within a generous ceiling, never a fixed pause.
SHOW_EVERY_GROUP = """(async (expected) => {
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const deadline = Date.now() + %d;
  const seen = [];
  const shown = () => seen.join('\\n') + '\\n' + document.body.innerText;
  const missing = () => expected.filter((word) => !shown().includes(word));
  const groups = () => document.querySelectorAll('.menu-item-type-group > a');
  while (groups().length === 0 && Date.now() < deadline) await sleep(50);
  while (missing().length > 0 && Date.now() < deadline) {
    for (const group of groups()) {
      group.click();
      await sleep(50);
      seen.push(document.body.innerText);
    }
  }
  return shown();
})(%s)"""
# Every wait on the browser: generous, reached only when something is broken.
PATIENCE = 120.0


def test_the_api_reference_lists_every_operation_in_chromium(
    service: BackgroundService, tmp_path: Path
) -> None:
    need("chromium", "the /docs check in a browser")
    expected = sorted({w for _, path, op in operations() for w in (op["summary"], path)})
    browser = Chromium(tmp_path / "profile")
    try:
        browser.open(f"{service.url}/docs")
        title = browser.evaluate("document.title")
        shown = browser.evaluate(SHOW_EVERY_GROUP % (PATIENCE * 1000, json.dumps(expected)))
        browser.open(f"{service.url}/docs")  # afresh, for the screenshot
        browser.wait_for("document.querySelectorAll('.menu-item-type-group').length > 0")
        png = base64.b64decode(browser.call("Page.captureScreenshot", format="png")["data"])
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
