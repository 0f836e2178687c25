"""P8: how much disk a bounded loopback flood of keyed requests leaves in the
idempotency record table.

The reference service runs in its own process on a database file. A minimal asyncio
client sends `requests` keyed requests (a new `Idempotency-Key` each) of one kind over
16 keep-alive connections, then the benchmark reads the size of the record table and
its indexes from SQLite's `dbstat` (pages, as on disk) and the database file with its
WAL. Kinds:
- ``anonymous-422``: `POST /user/create` with an invalid email: no account needed;
- ``anonymous-409``: `POST /user/create` of an email that exists;
- ``account-422``: `PUT /user/update-organization` with a bad body, authenticated;
- ``account-200``: `PUT /user/update-organization` that succeeds (a record is due);
- ``account-200-capped``: as above, twice the service's per-account record cap
  (``--records-per-account``): the table stops growing at the cap.

P8-memory: the resident memory of an in-memory service (the default) after `requests`
keyed successes (`account-200`, each leaves a record for 24 hours), against the same
service after as many requests without a key, run first (its baseline: the service
warmed by the same work, holding no record). The records must not make it grow.

Run: ``make bench BENCH_ARGS="--only P8"``, or ``python -m tests.benchmarks.p8_record_growth``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from tests.benchmarks.common import Row, ServerProcess, log
from tests.benchmarks.p4_service import LiteConnection

ADMIN_KEY = "bench-admin-key-p8"
USER = "p8-user@example.com"
PASSWORD = "p8-bench-password"
WORKERS = 16
CAP = 2000  # the per-account cap the capped kind runs the service with


def table_bytes(database: Path) -> int:
    """Bytes of the idempotency record tables and their indexes (dbstat pages)."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        (size,) = db.execute(
            "SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name LIKE 'idempotency%'"
            " OR name LIKE 'sqlite_autoindex_idempotency%'"
        ).fetchone()
    return int(size)


def file_bytes(database: Path) -> int:
    return sum(p.stat().st_size for p in (database, Path(f"{database}-wal")) if p.exists())


def _request(kind: str, n: int) -> tuple[str, str, dict[str, Any]]:
    if kind == "anonymous-422":
        return "POST", "/user/create", {"email": f"not-an-email-{n}", "password": "x" * 12}
    if kind == "anonymous-409":
        return "POST", "/user/create", {"email": USER, "password": PASSWORD}
    if kind == "account-422":
        return "PUT", "/user/update-organization", {"organization": n}
    return "PUT", "/user/update-organization", {"organization": f"org {n}"}


async def _flood(url: str, kind: str, requests: int, *, keyed: bool = True) -> dict[str, int]:
    host, port = url.removeprefix("http://").split(":")
    connections = [await LiteConnection.open(host, int(port)) for _ in range(WORKERS)]
    auth = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    statuses: dict[str, int] = {}
    sent = 0

    async def worker(connection: LiteConnection) -> None:
        nonlocal sent
        while sent < requests:
            n = sent
            sent += 1
            method, path, body = _request(kind, n)
            key = f"Idempotency-Key: {uuid.uuid4()}\r\n" if keyed else ""
            head = (
                f"Host: {host}\r\nContent-Type: application/json\r\n"
                f"Authorization: Basic {auth}\r\n{key}\r\n"
            ).encode()
            status, _ = await connection.request(method, path, head, json.dumps(body).encode())
            statuses[str(status)] = statuses.get(str(status), 0) + 1

    try:
        async with asyncio.TaskGroup() as group:
            for connection in connections:
                group.create_task(worker(connection))
    finally:
        for connection in connections:
            connection.close()
    return statuses


def measure(kind: str, requests: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-p8-") as tmp:
        database = Path(tmp) / "p8.db"
        extra = ["--records-per-account", str(CAP)] if kind == "account-200-capped" else []
        with ServerProcess(
            "reference", "--db", str(database), "--admin-key", ADMIN_KEY, *extra
        ) as server:
            httpx.post(
                server.url + "/user/create",
                json={"email": USER, "password": PASSWORD},
                timeout=60,
            ).raise_for_status()
            before_table, before_file = table_bytes(database), file_bytes(database)
            started = time.perf_counter()
            statuses = asyncio.run(_flood(server.url, kind, requests))
            seconds = time.perf_counter() - started
            grown_table = table_bytes(database) - before_table
            grown_file = file_bytes(database) - before_file
    return {
        "kind": kind,
        "requests": requests,
        "statuses": statuses,
        "requests_per_s": requests / seconds,
        "table_bytes": grown_table,
        "table_bytes_per_request": grown_table / requests,
        "file_bytes": grown_file,
    }


def resident_bytes(pid: int) -> int:
    """The process's resident set size (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc")


def measure_memory(requests: int) -> dict[str, Any]:
    """RSS of an in-memory service after `requests` unkeyed successes, then after as
    many keyed ones (each leaves a record)."""
    with ServerProcess(
        "reference", "--admin-key", ADMIN_KEY, "--records-per-account", str(10 * requests)
    ) as server:
        assert server.process is not None
        httpx.post(
            server.url + "/user/create", json={"email": USER, "password": PASSWORD}, timeout=60
        ).raise_for_status()
        asyncio.run(_flood(server.url, "account-200", 2000, keyed=False))  # warm
        started = resident_bytes(server.process.pid)
        unkeyed = asyncio.run(_flood(server.url, "account-200", requests, keyed=False))
        plain = resident_bytes(server.process.pid)
        keyed = asyncio.run(_flood(server.url, "account-200", requests))
        recorded = resident_bytes(server.process.pid)
    return {
        "requests": requests,
        "statuses": {"unkeyed": unkeyed, "keyed": keyed},
        "rss_warm": started,
        "rss_unkeyed": plain,
        "rss_keyed": recorded,
        "growth_per_1000_records": (recorded - plain) * 1000 / requests,
    }


def memory_row(requests: int) -> Row:
    found = measure_memory(requests)
    log(
        f"P8-memory: RSS {found['rss_warm'] / 2**20:.1f} MiB warm, "
        f"{found['rss_unkeyed'] / 2**20:.1f} MiB after {requests:,} unkeyed, "
        f"{found['rss_keyed'] / 2**20:.1f} MiB after {requests:,} keyed "
        f"({found['growth_per_1000_records'] / 2**20:.2f} MiB per 1,000 records)"
    )
    return Row(
        id="P8-memory",
        what=f"in-memory service RSS after {requests:,} keyed successes (a record each) vs "
        "after as many without a key",
        unit="MiB",
        subject=found["rss_keyed"] / 2**20,
        baseline=found["rss_unkeyed"] / 2**20,
        target=1.05,
        direction="<=",
        details=found,
    )


KINDS = ("anonymous-422", "anonymous-409", "account-422", "account-200")


def run(*, requests: int, memory_requests: int = 20_000) -> list[Row]:
    memory = memory_row(memory_requests)
    found = {kind: measure(kind, requests) for kind in KINDS}
    found["account-200-capped"] = measure("account-200-capped", 2 * CAP)
    for kind, result in found.items():
        log(
            f"P8 {kind}: {result['requests']} requests ({result['statuses']}), "
            f"{result['requests_per_s']:.0f}/s: record table +{result['table_bytes']:,} B "
            f"({result['table_bytes_per_request']:.0f} B/request), file +{result['file_bytes']:,} B"
        )
    success = found["account-200"]["table_bytes_per_request"]
    rows = [
        Row(
            id=f"P8-{kind}",
            what=f"record table bytes per keyed request, {kind} (baseline: a success's)",
            unit="B",
            subject=found[kind]["table_bytes_per_request"],
            baseline=success,
            # Nothing for an answer that changed nothing; a budget of 1 KiB for a success.
            target=0.0 if kind != "account-200" else 1024.0,
            direction="<=",
            absolute=True,
            details=found[kind],
        )
        for kind in KINDS
    ]
    capped = found["account-200-capped"]
    rows.append(
        Row(
            id="P8-capped",
            what=f"record table bytes after {2 * CAP} successes of one account with a cap of "
            f"{CAP} records (baseline: {CAP} records' worth)",
            unit="B",
            subject=capped["table_bytes"],
            baseline=CAP * success,
            target=1.2,
            direction="<=",
            details=capped,
        )
    )
    return [*rows, memory]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.p8_record_growth")
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--kind", action="append", choices=[*KINDS, "account-200-capped"])
    parser.add_argument(
        "--memory", type=int, metavar="N", help="only P8-memory, with N keyed successes"
    )
    options = parser.parse_args()
    if options.memory:
        print(json.dumps(measure_memory(options.memory)))
        return
    for kind in options.kind or KINDS:
        print(json.dumps(measure(kind, options.requests)))


if __name__ == "__main__":
    main()
