"""Fixtures for the command-line tests: a clean environment, the command run in a
subprocess (through the installed script when there is one) or in-process, and one
reference service per module."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

from syftbox_accounting.cli import main

SCRIPT = Path(sys.executable).parent / "syftbox-accounting"
# Alice's credentials for a URL where no service listens: a command that fails with them
# checked its input before any request.
NO_SERVICE = {
    "SYFTBOX_ACCOUNTING_URL": "http://127.0.0.1:9",
    "SYFTBOX_ACCOUNTING_EMAIL": "alice@example.com",
    "SYFTBOX_ACCOUNTING_PASSWORD": "correct-horse-battery",
}


def command_line() -> list[str]:
    """The `syftbox-accounting` script next to this Python, else `python -m`."""
    if SCRIPT.exists():
        return [str(SCRIPT)]
    return [sys.executable, "-m", "syftbox_accounting"]


@attrs.frozen
class Result:
    code: int
    out: str
    err: str

    @property
    def output(self) -> str:
        return self.out + self.err

    def assert_error(self, code: int) -> tuple[str, str]:
        """The run failed with `code`, as exactly one `error:` and one `hint:` line."""
        assert self.code == code, self
        assert "Traceback" not in self.output, self
        lines = self.err.strip().splitlines()
        assert len(lines) == 2, self
        assert lines[0].startswith("error: "), self
        assert lines[1].startswith("hint: "), self
        return lines[0], lines[1]

    def assert_ok(self) -> Result:
        assert self.code == 0, self
        assert "Traceback" not in self.output, self
        return self


def assert_no_secret(result: Result, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in result.output, f"a secret leaked into the output: {result}"


def clean_environ(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYFTBOX_ACCOUNTING")}
    env["HOME"] = str(home)
    env.pop("PYTHONWARNINGS", None)
    return env


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty home directory and no SYFTBOX_ACCOUNTING_* variables, for both the
    in-process and the subprocess runs."""
    for name in list(os.environ):
        if name.startswith("SYFTBOX_ACCOUNTING"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


class Runner:
    """Runs the command line with a controlled environment and standard input."""

    def __init__(
        self, home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        self.home, self._monkeypatch, self._capsys = home, monkeypatch, capsys

    def subprocess(self, *args: str, env: dict[str, str] | None = None, stdin: str = "") -> Result:
        environ = clean_environ(self.home) | (env or {})
        done = subprocess.run(
            [*command_line(), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=environ,
            timeout=300,
            check=False,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    def main(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        stdin: str = "",
        tty: bool = False,
    ) -> Result:
        """`main(args)` in this process; `tty=True` makes standard input a terminal."""
        self._capsys.readouterr()
        with pytest.MonkeyPatch.context() as mp:
            for name, value in (env or {}).items():
                mp.setenv(name, value)
            mp.setattr(sys, "stdin", FakeStdin(stdin, tty=tty))
            code = main(list(args))
        captured = self._capsys.readouterr()
        return Result(code, captured.out, captured.err)


class FakeStdin(io.StringIO):
    def __init__(self, text: str, *, tty: bool) -> None:
        super().__init__(text)
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.fixture
def cli(home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Runner:
    return Runner(home, monkeypatch, capsys)


@pytest.fixture(scope="module")
def service() -> Iterator[Any]:
    """One reference service for the module (tests use distinct emails)."""
    try:
        from syftbox_accounting.server import BackgroundService
    except ImportError as exc:  # the `server` extra, or the server itself, is missing
        pytest.skip(f"syftbox_accounting.server.BackgroundService is not available: {exc}")
    with BackgroundService(initial_credit=Decimal("100")) as running:
        yield running


def lines_of(text: str) -> Sequence[str]:
    return text.strip().splitlines()
