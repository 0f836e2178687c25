"""P7: a correct first login while a flood of wrong-password logins runs.

The reference service runs in its own process at its production password cost (scrypt
n = 2**14). A flood process keeps `connections` keep-alive connections busy, each
sending ``GET /user/my-info`` for one victim account with a new wrong password every
time (so that no cache can answer it) as soon as the previous answer arrived. While it
runs, fresh accounts (registered before the flood, never logged in) log in once each:
the figure is the time from sending that first login to its `200`, following a `503`'s
`Retry-After` as the library does. The baseline is the same first login with no flood.

A second flood kind repeats ONE wrong password (``--kind repeat``): the answers a
service can give it cheaply.

Run: ``make bench BENCH_ARGS="--only P7"`` (not part of the default run: it loads the
machine for a minute), or ``python -m tests.benchmarks.p7_login_flood --connections 250``
for one figure. Flood counters (answers by status, per second) go to the JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from typing import Any

import httpx

from tests.benchmarks.common import ROOT, Row, ServerProcess, log, median, spread

ADMIN_KEY = "bench-admin-key-p7"
VICTIM = "p7-victim@example.com"
PASSWORD = "p7-bench-password"
GOAL_MS = 2000.0
READY = "flood on"  # the flood process's first line: every connection has been answered


def _basic(email: str, password: str) -> str:
    return base64.b64encode(f"{email}:{password}".encode()).decode()


# -- the flood, run in a process of its own so that it never shares a GIL with the
# -- measured login


async def _flood(
    url: str, connections: int, kind: str, stop: asyncio.Event, on: asyncio.Event
) -> Counter[str]:
    """Flood until `stop`; set `on` once every connection has had an answer (or lost
    its connection), so that the measured logins start under the whole flood."""
    host, port = url.removeprefix("http://").split(":")
    statuses: Counter[str] = Counter()
    fixed = _basic(VICTIM, "wrong-" + secrets.token_hex(8))
    waiting = [connections]

    def answered_once(first: list[bool]) -> None:
        if first[0]:
            first[0] = False
            waiting[0] -= 1
            if waiting[0] == 0:
                on.set()

    async def one() -> None:
        writer: asyncio.StreamWriter | None = None
        first = [True]
        while not stop.is_set():
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, int(port))
                credentials = (
                    fixed if kind == "repeat" else _basic(VICTIM, "w-" + secrets.token_hex(8))
                )
                writer.write(
                    f"GET /user/my-info HTTP/1.1\r\nHost: {host}\r\n"
                    f"Authorization: Basic {credentials}\r\n\r\n".encode()
                )
                head = await reader.readuntil(b"\r\n\r\n")
                size = 0
                close = False
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.lower() == b"content-length":
                        size = int(value)
                    elif name.lower() == b"connection" and value.strip().lower() == b"close":
                        close = True
                await reader.readexactly(size)
                statuses[head[9:12].decode()] += 1
                answered_once(first)
                if close:
                    writer.close()
                    writer = None
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                statuses["dropped"] += 1
                answered_once(first)
                if writer is not None:
                    writer.close()
                    writer = None
                # The flood's own pacing, not a wait for anything: a refused connection
                # (the service's backlog full) is not retried in a hot loop.
                await asyncio.sleep(0.01)
        if writer is not None:
            writer.close()

    async with asyncio.TaskGroup() as group:
        for _ in range(connections):
            group.create_task(one())
    return statuses


def flood_main(argv: list[str]) -> None:
    """`python -m tests.benchmarks.p7_login_flood --flood URL N KIND`: flood until
    SIGTERM, then print the counters as JSON."""
    url, connections, kind = argv[0], int(argv[1]), argv[2]

    async def main() -> Counter[str]:
        stop, on = asyncio.Event(), asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)

        async def say_when_on() -> None:
            await on.wait()
            print(READY, flush=True)

        started = time.perf_counter()
        announce = asyncio.create_task(say_when_on())
        statuses = await _flood(url, connections, kind, stop, on)
        announce.cancel()
        statuses["seconds_x1000"] = int((time.perf_counter() - started) * 1000)
        return statuses

    print(json.dumps(asyncio.run(main())), flush=True)


class Flood:
    """The flood process, stopped (and its counters read) on exit."""

    def __init__(self, url: str, connections: int, kind: str) -> None:
        self.args = [url, str(connections), kind]
        self.process: subprocess.Popen[str] | None = None
        self.counters: dict[str, int] = {}

    def __enter__(self) -> Flood:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.benchmarks.p7_login_flood", "--flood", *self.args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        return self

    def wait_until_on(self) -> None:
        """Block until every flood connection has been answered once (its first line)."""
        assert self.process is not None
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if line != READY:
            raise RuntimeError(f"P7: the flood did not start (it said {line!r})")

    def __exit__(self, *exc: object) -> None:
        process = self.process
        if process is None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            out, _ = process.communicate(timeout=30)
            # Its last line: the counters (the first, READY, was read already or not sent).
            last = out.strip().splitlines()[-1] if out.strip() else "{}"
            self.counters = json.loads(last) if last != READY else {}
        except (subprocess.TimeoutExpired, json.JSONDecodeError):
            process.kill()
            process.wait()


# -- the measured logins


def _register(url: str, emails: list[str]) -> None:
    with httpx.Client(base_url=url, timeout=120) as client:
        for email in [VICTIM, *emails]:
            response = client.post("/user/create", json={"email": email, "password": PASSWORD})
            response.raise_for_status()


def first_login(url: str, email: str) -> tuple[float, int]:
    """Milliseconds from the first login's request to its 200 (on a new connection),
    following `Retry-After` on 503; and how many 503s came first."""
    refusals = 0
    started = time.perf_counter()
    with httpx.Client(base_url=url, timeout=120) as client:
        while True:
            response = client.get("/user/my-info", auth=(email, PASSWORD))
            if response.status_code == 200:
                return (time.perf_counter() - started) * 1000, refusals
            if response.status_code != 503:
                raise RuntimeError(f"P7: login answered {response.status_code}: {response.text}")
            refusals += 1
            # What a well-behaved client does when told to come back later: the wait is
            # part of the latency this figure reports, not a pause of the benchmark.
            time.sleep(float(response.headers.get("Retry-After", "1")))


def measure(connections: int, logins: int, kind: str = "distinct") -> dict[str, Any]:
    """First-login times (ms) with no flood, then under a flood of `connections`."""
    emails = [f"p7-{n}-{secrets.token_hex(4)}@example.com" for n in range(2 * logins)]
    quiet_emails, flood_emails = emails[:logins], emails[logins:]
    with ServerProcess("reference", "--admin-key", ADMIN_KEY) as server:
        _register(server.url, emails)
        quiet = [first_login(server.url, email)[0] for email in quiet_emails]
        with Flood(server.url, connections, kind) as flood:
            flood.wait_until_on()
            # One after the other: each starts when the one before was answered.
            results = [first_login(server.url, email) for email in flood_emails]
    seconds = flood.counters.pop("seconds_x1000", 0) / 1000
    return {
        "connections": connections,
        "kind": kind,
        "quiet_ms": quiet,
        "flood_ms": [ms for ms, _ in results],
        "refusals_before_success": [n for _, n in results],
        "flood_answers": flood.counters,
        "flood_answers_per_s": sum(flood.counters.values()) / seconds if seconds else 0.0,
    }


def run(*, logins: int, connections: tuple[int, ...] = (100, 250)) -> list[Row]:
    rows = []
    for count in connections:
        for kind in ("distinct", "repeat"):
            found = measure(count, logins, kind)
            log(
                f"P7 {count} {kind}: first login {median(found['flood_ms']):.0f} ms under the "
                f"flood (max {max(found['flood_ms']):.0f}), {median(found['quiet_ms']):.0f} ms "
                f"without; flood answers {found['flood_answers']}, "
                f"{found['flood_answers_per_s']:.0f}/s"
            )
            what = (
                f"first login under {count} connections of wrong-password logins"
                + (" (one password, repeated)" if kind == "repeat" else " (a new password each)")
                + " vs no flood"
            )
            rows.append(
                Row(
                    id=f"P7-{count}" + ("-repeat" if kind == "repeat" else ""),
                    what=what,
                    unit="ms",
                    subject=median(found["flood_ms"]),
                    baseline=median(found["quiet_ms"]),
                    target=GOAL_MS,
                    direction="<=",
                    absolute=True,
                    details={
                        **found,
                        "flood_ms_spread": spread(found["flood_ms"]),
                        "cores": os.cpu_count(),
                    },
                )
            )
    return rows


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--flood"]:
        flood_main(args[1:])
        return
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.p7_login_flood")
    parser.add_argument("--connections", type=int, action="append")
    parser.add_argument("--logins", type=int, default=5)
    parser.add_argument("--kind", choices=["distinct", "repeat"], default="distinct")
    options = parser.parse_args(args)
    for count in options.connections or [100, 250]:
        found = measure(count, options.logins, options.kind)
        print(json.dumps(found, indent=1))


if __name__ == "__main__":
    main()
