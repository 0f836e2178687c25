"""P4: the reference service's charges per second at concurrency 16.

A charge is what a payer does to pay directly: POST /transaction/create (a direct
transaction, no token) then POST /transaction/confirm, by a funded payer to a
recipient. The baseline is GET /bench/noop (``{}``, added by the launcher in front of
every other route) on the SAME server process, sent by the SAME client with the same
16 workers (Basic auth of the payer on every request, needed or not).

Two clients, each measuring both kinds:
- P4: one `httpx.AsyncClient` (raw httpx, not the facade), as specified. httpx's async
  stack costs about 1 ms of client CPU per request here, so on a 2-core machine the
  CLIENT is the bottleneck of both kinds: the ratio is then partly httpx's.
- P4-server: a minimal keep-alive HTTP/1.1 client on asyncio streams (one connection
  per worker, ~10x cheaper per request), so that the server is the bottleneck and the
  ratio is the service's own.
- P4-server-mem: the same against a second service process on an in-memory database
  (the service's default); the others use a SQLite file in a temporary folder.
- P4-balance, P4-balance-mem: a balance read (`GET /user/my-info`, what
  `get_account_balance()` sends) with the minimal client, against the same no-op.
- The ceiling, measured with P4-server-mem: a charge's two POSTs, same bodies, sent to
  `POST /bench/noop`, which reads the body and answers a transaction as large as the
  service's. Its ratio is the most any app could reach with a two-request charge on this
  HTTP server: the server's HTTP work alone, without the service's.
- The floor, measured with both servers: the same two POSTs to a bare charge
  (`bare_charge`: a hold and its capture in SQLite, of the server's database mode, and
  nothing else the service does). Its ratio is what the service would reach if moving
  the money were all it did; the gap to P4-server is what its features cost.

The server's and the client's CPU time per operation (from /proc and `process_time`)
are reported, to show which side limits each figure. Diagnostic, with no target: the
same charges through the facade's `transfer_async()` (create + confirm).

Rounds run for a fixed time each; the kinds alternate.
"""

from __future__ import annotations

import asyncio
import base64
import json
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from syftbox_accounting import AccountingClient
from tests.benchmarks import bare_charge
from tests.benchmarks.common import Row, ServerProcess, log, median, spread
from tests.benchmarks.launcher import NOOP_PATH

WORKERS = 16
ADMIN_KEY = "bench-admin-key-p4"
PAYER = "p4-payer@example.com"
RECIPIENT = "p4-recipient@example.com"
PASSWORD = "p4-bench-password"
FUNDING = 1_000_000
AMOUNT = 0.01
WARMUP_SECONDS = 0.4
CHARGE = {"senderEmail": PAYER, "recipientEmail": RECIPIENT, "amount": AMOUNT}

Operation = Callable[[int], Awaitable[None]]  # takes the worker's index


@dataclass
class Round:
    rate: float  # operations per second
    server_cpu_ms: float  # per operation
    client_cpu_ms: float  # per operation


class LiteConnection:
    """One keep-alive HTTP/1.1 connection, just enough for this service's answers
    (always with Content-Length). Not a general client."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, host: str, port: int) -> LiteConnection:
        return cls(*await asyncio.open_connection(host, port))

    async def request(
        self, method: str, path: str, head: bytes, body: bytes = b""
    ) -> tuple[int, bytes]:
        """Send a request (`head`: the fixed header lines) and read its answer."""
        length = f"Content-Length: {len(body)}\r\n" if body else ""
        self.writer.write(f"{method} {path} HTTP/1.1\r\n{length}".encode() + head + body)
        headers = await self.reader.readuntil(b"\r\n\r\n")
        status = int(headers[9:12])
        size = 0
        for line in headers.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                size = int(value)
        return status, await self.reader.readexactly(size)

    def close(self) -> None:
        self.writer.close()


async def _round(operation: Operation, seconds: float, server: ServerProcess) -> Round:
    """Operations per second completed by WORKERS workers looping for `seconds`, and
    the CPU time each operation cost the server and this client."""
    clock = time.perf_counter
    count = 0
    server_cpu, client_cpu = server.cpu_seconds(), time.process_time()
    deadline = clock() + seconds

    async def worker(index: int) -> None:
        nonlocal count
        while clock() < deadline:
            await operation(index)
            count += 1

    start = clock()
    async with asyncio.TaskGroup() as group:
        for index in range(WORKERS):
            group.create_task(worker(index))
    elapsed = clock() - start
    server_cpu = server.cpu_seconds() - server_cpu
    client_cpu = time.process_time() - client_cpu
    return Round(count / elapsed, server_cpu / count * 1e3, client_cpu / count * 1e3)


async def _setup(url: str) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        for email in (PAYER, RECIPIENT):
            response = await client.post(
                "/user/create", json={"email": email, "password": PASSWORD}
            )
            response.raise_for_status()
        response = await client.post(
            "/user/add-balance",
            json={"recipientEmail": PAYER, "amount": FUNDING},
            headers={"Authorization": f"Bearer {ADMIN_KEY}"},
        )
        response.raise_for_status()


def _completed(status: int, body: Any) -> None:
    if status != 200 or body["transaction"]["status"] != "COMPLETED":
        raise RuntimeError(f"P4: charge not completed: {status} {body}")


async def _measure(
    server: ServerProcess, rounds: int, seconds: float, only: tuple[str, ...] | None = None
) -> dict[str, list[Round]]:
    url = server.url
    await _setup(url)
    client = httpx.AsyncClient(base_url=url, auth=httpx.BasicAuth(PAYER, PASSWORD))
    facade = AccountingClient(url, PAYER, PASSWORD)
    host, port = url.removeprefix("http://").split(":")
    lite = [await LiteConnection.open(host, int(port)) for _ in range(WORKERS)]
    token = base64.b64encode(f"{PAYER}:{PASSWORD}".encode()).decode()
    get_head = f"Host: {host}:{port}\r\nAuthorization: Basic {token}\r\n\r\n".encode()
    post_head = (
        f"Host: {host}:{port}\r\nAuthorization: Basic {token}\r\n"
        "Content-Type: application/json\r\n\r\n"
    ).encode()
    charge_body = json.dumps(CHARGE).encode()

    async def noop(_: int) -> None:
        response = await client.get(NOOP_PATH)
        response.raise_for_status()

    async def charge(_: int) -> None:
        response = await client.post("/transaction/create", json=CHARGE)
        response.raise_for_status()
        transaction_id = response.json()["transaction"]["id"]
        response = await client.post("/transaction/confirm", json={"transactionId": transaction_id})
        _completed(response.status_code, response.json())

    async def facade_charge(_: int) -> None:
        await facade.transfer_async(RECIPIENT, AMOUNT)

    async def lite_noop(index: int) -> None:
        status, _body = await lite[index].request("GET", NOOP_PATH, get_head)
        if status != 200:
            raise RuntimeError(f"P4: noop answered {status}")

    async def lite_balance(index: int) -> None:
        status, body = await lite[index].request("GET", "/user/my-info", get_head)
        if status != 200:
            raise RuntimeError(f"P4: my-info answered {status}: {body!r}")

    async def two_posts(index: int, create: str, confirm: str) -> None:
        connection = lite[index]
        status, body = await connection.request("POST", create, post_head, charge_body)
        if status != 200:
            raise RuntimeError(f"P4: {create} answered {status}: {body!r}")
        second = json.dumps({"transactionId": json.loads(body)["transaction"]["id"]}).encode()
        status, body = await connection.request("POST", confirm, post_head, second)
        _completed(status, json.loads(body))

    async def lite_charge(index: int) -> None:
        await two_posts(index, "/transaction/create", "/transaction/confirm")

    async def lite_ceiling(index: int) -> None:
        await two_posts(index, NOOP_PATH, NOOP_PATH)

    async def lite_bare(index: int) -> None:
        await two_posts(index, bare_charge.CREATE_PATH, bare_charge.CONFIRM_PATH)

    kinds: dict[str, Operation] = {
        "noop": noop,
        "charge": charge,
        "lite_noop": lite_noop,
        "lite_charge": lite_charge,
        "lite_balance": lite_balance,
        "lite_ceiling": lite_ceiling,
        "lite_bare": lite_bare,
        "facade_charge": facade_charge,
    }
    if only is not None:
        kinds = {name: kinds[name] for name in only}
    results: dict[str, list[Round]] = {name: [] for name in kinds}
    try:
        for operation in kinds.values():
            await _round(operation, WARMUP_SECONDS, server)
        for _ in range(rounds):
            for name, operation in kinds.items():
                results[name].append(await _round(operation, seconds, server))
    finally:
        await client.aclose()
        await facade.aclose()
        for connection in lite:
            connection.close()
    return results


def run(*, rounds: int, seconds: float) -> list[Row]:
    with (
        tempfile.TemporaryDirectory(prefix="bench-p4-") as tmp,
        ServerProcess("reference", "--db", f"{tmp}/p4.db", "--admin-key", ADMIN_KEY) as server,
    ):
        file_kinds = (
            "noop",
            "charge",
            "lite_noop",
            "lite_charge",
            "lite_balance",
            "lite_bare",
            "facade_charge",
        )
        results = asyncio.run(_measure(server, rounds, seconds, only=file_kinds))
    memory_kinds = ("lite_noop", "lite_charge", "lite_balance", "lite_ceiling", "lite_bare")
    with ServerProcess("reference", "--db", ":memory:", "--admin-key", ADMIN_KEY) as server:
        in_memory = asyncio.run(_measure(server, rounds, seconds, only=memory_kinds))
    results.update({f"memory_{name}": runs for name, runs in in_memory.items()})
    rates = {name: [r.rate for r in runs] for name, runs in results.items()}
    rate = {name: median(values) for name, values in rates.items()}
    server_cpu = {name: median([r.server_cpu_ms for r in runs]) for name, runs in results.items()}
    client_cpu = {name: median([r.client_cpu_ms for r in runs]) for name, runs in results.items()}
    ceiling = rate["memory_lite_ceiling"] / rate["memory_lite_noop"]
    floor = rate["lite_bare"] / rate["lite_noop"]
    memory_floor = rate["memory_lite_bare"] / rate["memory_lite_noop"]
    log(
        f"P4: httpx.AsyncClient: {rate['charge']:.0f} charges/s, {rate['noop']:.0f} noop/s; "
        f"minimal client: {rate['lite_charge']:.0f} charges/s, {rate['lite_noop']:.0f} noop/s "
        f"(in-memory database: {rate['memory_lite_charge']:.0f} charges/s, "
        f"{rate['memory_lite_noop']:.0f} noop/s, ceiling {rate['memory_lite_ceiling']:.0f}/s, "
        f"bare charge {rate['memory_lite_bare']:.0f}/s); bare charge on a file "
        f"{rate['lite_bare']:.0f}/s; "
        f"facade transfer_async(): {rate['facade_charge']:.0f} charges/s "
        f"({rate['facade_charge'] / rate['charge']:.2f}x raw httpx). CPU ms per operation, "
        "server / client: "
        + ", ".join(f"{k} {server_cpu[k]:.2f} / {client_cpu[k]:.2f}" for k in results)
    )
    common = {
        "rounds": rounds,
        "seconds_per_round": seconds,
        "workers": WORKERS,
        "per_second": {name: spread(values) for name, values in rates.items()},
        "server_cpu_ms_per_operation": server_cpu,
        "client_cpu_ms_per_operation": client_cpu,
        "facade_transfer_async_vs_raw_httpx_charges": rate["facade_charge"] / rate["charge"],
        "ceiling_two_noop_posts_vs_noop": ceiling,
        "floor_bare_charge_vs_noop": {"file": floor, "memory": memory_floor},
    }
    return [
        Row(
            id="P4",
            what=f"reference service: charges/s (create + confirm) vs GET noop/s, "
            f"{WORKERS} workers, one httpx.AsyncClient (raw)",
            unit="/s",
            subject=rate["charge"],
            baseline=rate["noop"],
            target=0.3,
            direction=">=",
            details=common,
        ),
        Row(
            id="P4-server",
            what=f"the same with a minimal asyncio HTTP/1.1 client ({WORKERS} keep-alive "
            "connections), so the server is the bottleneck; a bare charge (the money moved "
            f"in SQLite and nothing else) reaches {floor:.2f}x",
            unit="/s",
            subject=rate["lite_charge"],
            baseline=rate["lite_noop"],
            target=0.2,
            direction=">=",
            details=common,
        ),
        Row(
            id="P4-server-mem",
            what="P4-server against a service on an in-memory database (--db :memory:, "
            "the default) instead of a file; the ceiling, a charge's two POSTs answered by "
            f"a no-op route of the same server, is {ceiling:.2f}x; a bare charge reaches "
            f"{memory_floor:.2f}x",
            unit="/s",
            subject=rate["memory_lite_charge"],
            baseline=rate["memory_lite_noop"],
            target=0.35,
            direction=">=",
            details=common,
        ),
        Row(
            id="P4-balance",
            what="balance reads/s (GET /user/my-info) vs GET noop/s, minimal client, SQLite file",
            unit="/s",
            subject=rate["lite_balance"],
            baseline=rate["lite_noop"],
            target=0.5,
            direction=">=",
            details=common,
        ),
        Row(
            id="P4-balance-mem",
            what="the same, in-memory database",
            unit="/s",
            subject=rate["memory_lite_balance"],
            baseline=rate["memory_lite_noop"],
            target=0.5,
            direction=">=",
            details=common,
        ),
    ]
