"""Headless Chromium driven over the DevTools protocol on pipes (no extra library): one
browser for many pages, each waited for by its load event or a condition the page
checks on each change, never a pause."""

from __future__ import annotations

import base64
import json
import os
import select
import subprocess
import time
from pathlib import Path
from typing import Any

# Every wait on the browser: generous, reached only when something is broken.
PATIENCE = 120.0

# True once the condition holds, checked on each change of the document; false at the
# ceiling.
WAIT_FOR = """new Promise((resolve) => {
  const holds = () => { try { return Boolean(%s); } catch (e) { return false; } };
  if (holds()) { resolve(true); return; }
  const observer = new MutationObserver(() => {
    if (holds()) { observer.disconnect(); resolve(true); }
  });
  observer.observe(document,
    {subtree: true, childList: true, characterData: true, attributes: true});
  setTimeout(() => { observer.disconnect(); resolve(holds()); }, %d);
})"""


class Chromium:
    """Headless Chromium driven over the DevTools protocol on pipes (no extra library)."""

    def __init__(self, executable: str, user_data_dir: Path, size: str = "1280,1600") -> None:
        ours_read, its_write = os.pipe()
        its_read, ours_write = os.pipe()
        os.set_inheritable(its_read, True)
        os.set_inheritable(its_write, True)
        flags = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={user_data_dir}", "--remote-debugging-pipe",
            f"--window-size={size}",
        ]  # fmt: skip

        def pipes() -> None:  # the protocol's fixed descriptors: 3 in, 4 out
            os.dup2(its_read, 3)
            os.dup2(its_write, 4)

        self.process = subprocess.Popen(
            [executable, *flags, "about:blank"],
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
        self.events: list[str] = []  # the page's events since the last navigation

    def _message(self, deadline: float) -> dict[str, Any]:
        """The next message from the browser (a reply or an event), read as it comes;
        an error past the generous `deadline`, reached only when something is broken."""
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"Chromium said nothing for {PATIENCE:g} s")
            if not select.select([self.read], [], [], left)[0]:
                continue
            chunk = os.read(self.read, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if self.session:
            message["sessionId"] = self.session
        os.write(self.write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + PATIENCE
        while True:
            reply = self._message(deadline)
            if "method" in reply:
                self.events.append(reply["method"])
            elif reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(reply["error"])
                result: dict[str, Any] = reply["result"]
                return result

    def _until_event(self, method: str) -> None:
        """Wait for the page's event `method` (e.g. ``Page.loadEventFired``)."""
        deadline = time.monotonic() + PATIENCE
        while method not in self.events:
            reply = self._message(deadline)
            if "method" in reply:
                self.events.append(reply["method"])

    def open(self, url: str) -> None:
        """Load `url` in the browser's page (made on the first call), and wait for its
        load event."""
        if self.session is None:
            target = self.call("Target.createTarget", url="about:blank")["targetId"]
            self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
                "sessionId"
            ]
            self.call("Page.enable")
        self.events.clear()
        self.call("Page.navigate", url=url)
        self._until_event("Page.loadEventFired")

    def wait_for(self, condition: str) -> None:
        """Wait until the JavaScript `condition` holds on the page: the page checks it on
        each change of its document (never on a timer), within a generous ceiling."""
        holds = self.evaluate(WAIT_FOR % (condition, PATIENCE * 1000))
        if holds is not True:
            raise AssertionError(f"{condition} did not hold within {PATIENCE:g} s")

    def evaluate(self, expression: str) -> Any:
        reply = self.call(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        return reply["result"].get("value")

    def screenshot(self) -> bytes:
        """The page as a PNG."""
        return base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self.write)
        os.close(self.read)
