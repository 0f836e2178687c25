"""`syftbox-accounting serve` as a process for the tests: on a port it picks itself
(``--port 0``, so no other program can take it between a pick and the bind), its URL
read from its own log line, and that log kept without ever filling a pipe."""

from __future__ import annotations

import re
import signal
import subprocess
import threading
from collections.abc import Sequence
from types import TracebackType
from typing import Self

# A ceiling for starting and stopping: generous, for a busy machine.
PATIENCE = 120.0
_RUNNING = re.compile(r"Uvicorn running on (http://127\.0\.0\.1:\d+)")


class Served:
    """Runs `command` (a `serve` command line, without --port or --log-level) with
    `env`; `url` is where it listens once `__enter__` returns; `log` is its output
    (stdout and stderr) so far. Ctrl-C (SIGINT) stops it on exit."""

    def __init__(self, command: Sequence[str], env: dict[str, str]) -> None:
        self._process = subprocess.Popen(
            [*command, "--port", "0", "--log-level", "info"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._lines: list[str] = []
        self._started = threading.Event()
        self.url = ""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self._lines.append(line)
            found = _RUNNING.search(line)
            if found and not self.url:
                self.url = found.group(1)
                self._started.set()
        self._started.set()  # it ended: __enter__ says so

    @property
    def log(self) -> str:
        return "".join(self._lines)

    @property
    def returncode(self) -> int | None:
        return self._process.returncode

    def stop(self) -> str:
        """Ctrl-C, then its whole log once it has ended."""
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGINT)
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
        if not self._started.wait(PATIENCE) or not self.url:
            self.stop()
            raise AssertionError(f"serve did not start:\n{self.log}")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
