"""What a charge costs the reference service's app, without an HTTP server: a diagnostic
for P4, with no target.

    python -m tests.benchmarks.app_cost [--db PATH] [--charges N]

The app (`launcher.reference_app`, the no-op route included) is called as ASGI in this
process, so its CPU per request is measured without uvicorn's HTTP handling, which a
no-op request costs as much as a charge: a no-op, a charge (create + confirm), the same
with an Idempotency-Key on each POST (as this library's clients send it) and a balance
read, in interleaved rounds (median of the rounds, `process_time`). Then the
time of each SQL statement of a charge, by kind, through a timing wrapper around the
store's connection (on a file, the login's read goes through a reader connection of its
own and is not counted): what SQLite itself takes, against the Python around it.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import json
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from tests.benchmarks.common import median
from tests.benchmarks.launcher import NOOP_PATH, reference_app

PAYER, RECIPIENT, PASSWORD = "payer@example.com", "shop@example.com", "app-cost-password"
_ADMIN_KEY = "app-cost-admin-key"
_BASIC = b"Basic " + base64.b64encode(f"{PAYER}:{PASSWORD}".encode())
_CHARGE = json.dumps({"senderEmail": PAYER, "recipientEmail": RECIPIENT, "amount": 0.01})


class _App:
    """The reference app, called as ASGI."""

    def __init__(self, database: str) -> None:
        # Room for every keyed request of the rounds (one caller keeps 10,000 by default).
        self.app = reference_app(database, _ADMIN_KEY, records_per_account=10**9)

    async def call(
        self,
        method: str,
        path: str,
        body: str = "",
        auth: bool = True,
        keyed: bool = False,
        admin: bool = False,
    ) -> tuple[int, Any]:
        headers = [(b"host", b"127.0.0.1")]
        if admin:
            headers.append((b"authorization", f"Bearer {_ADMIN_KEY}".encode()))
        elif auth:
            headers.append((b"authorization", _BASIC))
        if body:
            headers.append((b"content-type", b"application/json"))
        if keyed:
            headers.append((b"idempotency-key", str(uuid.uuid4()).encode()))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 80),
        }
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body.encode(), "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await self.app(scope, receive, send)
        content = b"".join(m.get("body", b"") for m in sent[1:])
        return sent[0]["status"], json.loads(content) if content else None

    async def setup(self) -> None:
        for email in (PAYER, RECIPIENT):
            body = json.dumps({"email": email, "password": PASSWORD})
            status, answer = await self.call("POST", "/user/create", body, auth=False)
            if status != 201:
                raise RuntimeError(f"app_cost: /user/create answered {status}: {answer}")
        # Enough for every charge of every round (the initial credit is $100).
        funding = json.dumps({"recipientEmail": PAYER, "amount": 1_000_000})
        status, answer = await self.call("POST", "/user/add-balance", funding, admin=True)
        if status != 200:
            raise RuntimeError(f"app_cost: /user/add-balance answered {status}: {answer}")

    async def noop(self) -> None:
        await self._ok("GET", NOOP_PATH)

    async def balance(self) -> None:
        await self._ok("GET", "/user/my-info")

    async def charge(self, keyed: bool = False) -> None:
        created = await self._ok("POST", "/transaction/create", _CHARGE, keyed)
        confirm = json.dumps({"transactionId": created["transaction"]["id"]})
        await self._ok("POST", "/transaction/confirm", confirm, keyed)

    async def keyed_charge(self) -> None:
        """A charge as this library's clients send it: each POST with an Idempotency-Key."""
        await self.charge(keyed=True)

    async def _ok(self, method: str, path: str, body: str = "", keyed: bool = False) -> Any:
        status, answer = await self.call(method, path, body, keyed=keyed)
        if status != 200:
            raise RuntimeError(f"app_cost: {method} {path} answered {status}: {answer}")
        return answer


class _TimedConnection:
    """The store's connection, timing each statement by its first words."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self.seconds: dict[str, list[float]] = collections.defaultdict(list)

    def execute(self, sql: str, *args: Any) -> Any:
        start = time.perf_counter()
        try:
            return self._connection.execute(sql, *args)
        finally:
            self.seconds[" ".join(sql.split())[:72]].append(time.perf_counter() - start)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


async def _measure(database: str, charges: int) -> None:
    app = _App(database)
    await app.setup()
    kinds = {"no-op": (app.noop, 3 * charges), "charge": (app.charge, charges)}
    kinds["keyed charge"] = (app.keyed_charge, charges)
    kinds["balance read"] = (app.balance, 2 * charges)
    for func, count in kinds.values():
        for _ in range(count // 5):
            await func()
    cpu: dict[str, list[float]] = {name: [] for name in kinds}
    for _ in range(5):
        for name, (func, count) in kinds.items():
            start = time.process_time()
            for _ in range(count):
                await func()
            cpu[name].append((time.process_time() - start) / count * 1e6)
    print(f"app CPU per operation, no HTTP server ({database}):")
    for name, values in cpu.items():
        print(f"  {name:13} {median(values):7.1f} us")
    store = app.app.state.service.store
    timed = _TimedConnection(store._connection)
    store._connection = timed
    for _ in range(charges):
        await app.charge()
    store._connection = timed._connection
    total = sum(sum(v) for v in timed.seconds.values()) / charges * 1e6
    print(f"SQL statements of a charge, by kind ({total:.1f} us of SQLite per charge):")
    by_total = sorted(timed.seconds.items(), key=lambda kv: -sum(kv[1]))
    for sql, seconds in by_total:
        share, each = sum(seconds) / charges * 1e6, median(seconds) * 1e6
        print(f"  {len(seconds) / charges:4.1f} x {each:6.1f} us = {share:6.1f}  {sql}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.app_cost")
    parser.add_argument(
        "--db", help="a SQLite file, or :memory: (default: both, the file a new one)"
    )
    parser.add_argument("--charges", type=int, default=1000, help="charges per round")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="app-cost-") as folder:
        databases = [args.db] if args.db else [str(Path(folder) / "app.sqlite3"), ":memory:"]
        for database in databases:
            asyncio.run(_measure(database, args.charges))


if __name__ == "__main__":
    main()
