"""Headless Chromium driven over the DevTools protocol on pipes (no extra library): one
browser for many pages, each waited for by a condition on the page, never a pause."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

# Every wait on the browser: generous, reached only when something is broken.
PATIENCE = 120.0


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
        """Load `url` in the browser's page (made on the first call), and wait until it
        has loaded."""
        if self.session is None:
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
