"""Shared set-up of the other languages' tests: the reference service, Prism, and a notice
for every tool that is missing (the test is then skipped, saying how to get the tool)."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from syftbox_accounting.server import BackgroundService
from tests.serving import PATIENCE, Announced, prism

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "openapi.yaml"
NODE_BIN = ROOT / "node_modules" / ".bin"
# What .ci/run installs (as root) when a tool is missing.
HOW_TO_GET = {
    "go": "apt-get install -y golang-go (as root; .ci/run does it)",
    "java": "apt-get install -y openjdk-17-jre-headless (as root); openapi-generator runs on it",
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


@pytest.fixture(scope="package")
def service() -> Iterator[BackgroundService]:
    """One reference service for the package: the tests use fresh accounts each run."""
    with BackgroundService() as running:
        yield running


class Prism:
    """A running Prism: its URL, and the violations it logged since it was ready."""

    def __init__(self, process: Announced) -> None:
        self.process, self.url, self.start = process, process.url, len(process.lines)

    def violations(self) -> list[str]:
        """The violations logged so far. A marker request, sent after every earlier
        answer arrived, is logged after them: once its line is read, so are theirs."""
        marker = f"/log-marker-{uuid.uuid4().hex}"
        httpx.get(self.url + marker, timeout=PATIENCE)  # any answer: Prism logged it
        end = self.process.line_with(marker, self.start)
        return [line for line in self.process.lines[self.start : end] if "Violation:" in line]


@contextmanager
def prisms(*runs: list[str], meanwhile: Callable[[], None] = lambda: None) -> Iterator[list[Prism]]:
    """Several `prism mock|proxy ...` at once (each takes seconds to start), each on a
    port of its own; runs `meanwhile()` while they start, and yields them once each has
    said that it listens."""
    executable = need_node_tool("prism")
    started: list[Announced] = []
    try:
        started += [prism(executable, *args, cwd=ROOT) for args in runs]
        meanwhile()
        yield [Prism(process.started()) for process in started]
    finally:
        for process in started:
            process.stop()


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
