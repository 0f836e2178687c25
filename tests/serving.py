"""Servers as processes for the tests (`syftbox-accounting serve`, Prism): each on a port
it picks itself (``--port 0``, ``-p 0``, so no other program can take the port between
a pick and the bind), its URL read from its own announcement, and its output kept
without ever filling a pipe. Waiting for the announcement is an event, not a poll."""

from __future__ import annotations

import re
import signal
import subprocess
import threading
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

# A ceiling for starting and stopping: generous, for a busy machine.
PATIENCE = 120.0


class Announced:
    """Runs `command`, whose output announces where it listens in a line that
    `announcement` (a regular expression whose group 1 is the URL) matches, in the
    environment `env` (the whole of it; ours when None). `url` is
    that URL once `__enter__` returns (it fails, with the output, if the process ends
    first); `lines` is its output (stdout and stderr) so far. `stop_signal` stops it
    on exit."""

    def __init__(
        self,
        command: Sequence[str],
        announcement: str,
        *,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        stop_signal: int = signal.SIGINT,
    ) -> None:
        self._announcement = re.compile(announcement)
        self._stop_signal = stop_signal
        self._process = subprocess.Popen(
            command,
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self.url = ""
        self._announced = threading.Event()
        self._grew = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            with self._grew:
                self.lines.append(line)
                self._grew.notify_all()
            found = self._announcement.search(line)
            if found and not self.url:
                self.url = found.group(1)
                self._announced.set()
        self._announced.set()  # it ended: __enter__ says so

    @property
    def log(self) -> str:
        return "".join(self.lines)

    @property
    def returncode(self) -> int | None:
        return self._process.returncode

    def line_with(self, text: str, start: int = 0) -> int:
        """The index of the first line from `start` on that holds `text`, once it has
        been written."""

        def found() -> int | None:
            return next((i for i in range(start, len(self.lines)) if text in self.lines[i]), None)

        with self._grew:
            assert self._grew.wait_for(lambda: found() is not None, PATIENCE), self.log
            index = found()
        assert index is not None
        return index

    def started(self) -> Self:
        """Wait for the announcement."""
        if not self._announced.wait(PATIENCE) or not self.url:
            self.stop()
            raise AssertionError(f"{self._process.args} did not start:\n{self.log}")
        return self

    def stop(self) -> str:
        """Send the stop signal, then return the whole output once it has ended."""
        if self._process.poll() is None:
            self._process.send_signal(self._stop_signal)
        try:
            self._process.wait(PATIENCE)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._reader.join(PATIENCE)
        if self._process.stdout is not None:
            self._process.stdout.close()
        return self.log

    def __enter__(self) -> Self:
        return self.started()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def served(command: Sequence[str], env: dict[str, str]) -> Announced:
    """`command`, a `serve` command line without --port or --log-level, on a port of
    its own; Ctrl-C stops it."""
    return Announced(
        [*command, "--port", "0", "--log-level", "info"],
        r"Uvicorn running on (http://127\.0\.0\.1:\d+)",
        env=env,
    )


def prism(executable: Path, *args: str, cwd: Path) -> Announced:
    """`prism <args>` (mock or proxy) on a port of its own."""
    return Announced(
        [str(executable), *args, "-h", "127.0.0.1", "-p", "0"],
        r"Prism is listening on (http://127\.0\.0\.1:\d+)",
        cwd=cwd,
        stop_signal=signal.SIGTERM,
    )
