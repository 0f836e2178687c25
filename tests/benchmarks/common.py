"""What the benchmarks share: server subprocesses, results, medians, the machine line."""

from __future__ import annotations

import datetime
import os
import platform
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

import httpx

from tests.benchmarks.launcher import NOOP_PATH

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0


@dataclass
class Row:
    """One line of the table. `ratio` is subject / baseline; `target` bounds `ratio`,
    or `subject` itself when `absolute` (e.g. a stall in ms)."""

    id: str
    what: str
    unit: str
    subject: float
    baseline: float
    target: float
    direction: Literal["<=", ">="]
    absolute: bool = False
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.subject / self.baseline if self.baseline else float("inf")

    @property
    def met(self) -> bool:
        value = self.subject if self.absolute else self.ratio
        return value <= self.target if self.direction == "<=" else value >= self.target

    @property
    def target_text(self) -> str:
        return (
            f"{self.direction} {self.target:g} {self.unit}"
            if self.absolute
            else (f"{self.direction} {self.target:.2f}x")
        )

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(ratio=self.ratio, met=self.met, target_text=self.target_text)
        return data


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def spread(values: Sequence[float]) -> dict[str, float]:
    """Median, quartiles and extremes of round figures, for the JSON."""
    ordered = sorted(values)
    if len(ordered) >= 2:
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    else:
        q1 = q3 = ordered[0]
    return {
        "median": statistics.median(ordered),
        "q1": q1,
        "q3": q3,
        "min": ordered[0],
        "max": ordered[-1],
        "n": len(ordered),
    }


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load: tuple[float, ...] = os.getloadavg()
    except OSError:
        load = ()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
        "httpx": httpx.__version__,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "loadavg_at_start": load,
    }


class ServerProcess:
    """A `tests.benchmarks.launcher` server in a child process, stopped on exit
    (SIGTERM, then SIGKILL), whatever happened in the block, Ctrl-C included."""

    def __init__(self, kind: str, *args: str) -> None:
        self.command = [sys.executable, "-m", "tests.benchmarks.launcher", kind, *args]
        self.process: subprocess.Popen[str] | None = None
        self.url = ""
        # Kept open until the object goes: `_fail` reads it after the process stopped.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
        if isinstance(exc, Exception):
            output = self.output()
            if output.strip():
                exc.add_note(f"Server {' '.join(self.command[3:])} said:\n{output}")

    def cpu_seconds(self) -> float:
        """CPU time the server process used so far (all threads, user + system)."""
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rpartition(")")[2].split()
        # After the command name: state is field 3, utime and stime are fields 14 and 15.
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def output(self) -> str:
        """The end of the server's stderr."""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")[-4000:]

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        assert self.process.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT
        ready, _, _ = select.select([self.process.stdout], [], [], START_TIMEOUT)
        line = self.process.stdout.readline() if ready else ""
        if not line.startswith("PORT "):
            self._fail(f"printed {line!r} instead of its port")
        self.url = f"http://127.0.0.1:{int(line.split()[1])}"
        while True:
            if self.process.poll() is not None:
                self._fail(f"exited with status {self.process.returncode}")
            try:
                if httpx.get(self.url + NOOP_PATH, timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self._fail(f"did not answer within {START_TIMEOUT:g} s")
            time.sleep(0.02)

    def _fail(self, problem: str) -> None:
        self.stop()
        raise RuntimeError(f"Server {' '.join(self.command[3:])} {problem}:\n{self.output()}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process is not None and process.stdout is not None:
            process.stdout.close()
