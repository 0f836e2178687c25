"""Shared set-up of the other languages' tests: the reference service, Prism, and a notice
for every tool that is missing (the test is then skipped, saying how to get the tool)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from syftbox_accounting.server import BackgroundService

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "openapi.yaml"
NODE_BIN = ROOT / "node_modules" / ".bin"
# What .ci/run installs (as root) when a tool is missing.
HOW_TO_GET = {
    "go": "apt-get install -y golang-go (as root; .ci/run does it)",
    "chromium": "apt-get install -y chromium (as root; .ci/run does it)",
    "node": "install node 20 and npm, then `make install`",
}


def need(tool: str, what: str) -> str:
    """The path of `tool`, or skip the test, saying what was skipped and how to get the tool
    (pytest's `-ra`, in `make test`, prints the reason in its summary)."""
    path = shutil.which(tool)
    if path is None:
        pytest.skip(
            f"{tool} is not installed, so {what} was SKIPPED. To run it: {HOW_TO_GET[tool]}."
        )
    return path


def need_node_tool(name: str) -> Path:
    need("node", f"the test that needs {name}")
    path = NODE_BIN / name
    if not path.exists():
        pytest.fail(f"{name} is not installed: run `make install` (npm ci) first.", pytrace=False)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="package")
def service() -> Iterator[BackgroundService]:
    """One reference service for the package: the tests use fresh accounts each run."""
    with BackgroundService() as running:
        yield running


class Prism:
    """A running Prism: its URL, and the violations it logged since it was ready."""

    def __init__(self, url: str, log: Path) -> None:
        self.url, self.log, self.start = url, log, log.stat().st_size

    def violations(self) -> list[str]:
        text = self.log.read_bytes()[self.start :].decode(errors="replace")
        return [line for line in text.splitlines() if "Violation:" in line]


@contextmanager
def prisms(
    *runs: tuple[list[str], Path], meanwhile: Callable[[], None] = lambda: None
) -> Iterator[list[Prism]]:
    """Several `prism mock|proxy ...` at once (each takes seconds to start), each on a free
    port with its log in its own file; runs `meanwhile()` while they start, and yields
    them once all are ready."""
    prism = str(need_node_tool("prism"))
    started: list[tuple[subprocess.Popen[bytes], str, Path]] = []
    try:
        for args, log in runs:
            port = free_port()
            with log.open("wb") as out:
                command = [prism, *args, "-h", "127.0.0.1", "-p", str(port)]
                proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
            started.append((proc, f"http://127.0.0.1:{port}", log))
        meanwhile()
        deadline = time.monotonic() + 120  # a ceiling for a busy machine
        for proc, url, log in started:
            while True:
                try:
                    # Any answer means it listens; a path outside the contract is no
                    # violation (Prism logs it as an unmatched route), whenever it is logged.
                    httpx.get(f"{url}/not-in-the-contract", timeout=10)
                    break
                except httpx.TransportError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"Prism did not start:\n{log.read_text()}", pytrace=False)
                    time.sleep(0.1)  # not listening yet: try again
        yield [Prism(url, log) for _, url, log in started]
    finally:
        for proc, _, _ in started:
            proc.terminate()
        for proc, _, _ in started:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def run(
    command: list[str], *, env: dict[str, str] | None = None, cwd: Path = ROOT, timeout: float = 300
) -> str:
    """Run a tool; fail the test with its output when it fails; return its output."""
    done = subprocess.run(
        command,
        cwd=cwd,
        env=os.environ | (env or {}),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    output = done.stdout + done.stderr
    if done.returncode != 0:
        pytest.fail(
            f"{' '.join(command)} failed ({done.returncode}):\n{output[-20_000:]}", pytrace=False
        )
    return output
