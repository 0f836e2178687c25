"""P2: 100 concurrent `get_account_balance_async()` against raw `httpx.AsyncClient`.

The server (`launcher slow`, another process) answers GET /user/my-info after 100 ms,
so a round's wall time is 100 ms plus what the client spends sending 100 requests and
reading 100 answers on one event loop. Both sides use their default httpx clients
(the facade's own lazily created `AsyncClient`; a plain `httpx.AsyncClient()` with the
same Basic auth), one for the whole run, so keep-alive behaves alike (httpx keeps 20
idle connections: every round opens ~80 new ones, on both sides).

A ticker task sleeps 5 ms in a loop during every round; the longest gap beyond 5 ms is
the longest stretch the event loop could not run anything else. It runs on both sides,
so it costs both the same; the target applies to the facade's.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

import httpx

from syftbox_accounting import AccountingClient
from tests.benchmarks import cpu_per_call
from tests.benchmarks.common import Row, ServerProcess, log, median, spread

CONCURRENCY = 100
DELAY = 0.1
TICK = 0.005
WARMUP_ROUNDS = 2
EMAIL = "bench@example.com"
PASSWORD = "p2-bench-password"


async def _ticker(stop: asyncio.Event, gaps: list[tuple[float, float]]) -> None:
    """Sleep TICK in a loop; record each (wall gap, CPU this thread used in it)."""
    clock, cpu = time.perf_counter, time.thread_time
    while not stop.is_set():
        start, start_cpu = clock(), cpu()
        await asyncio.sleep(TICK)
        gaps.append((clock() - start, cpu() - start_cpu))


async def _round(
    call: Callable[[], Coroutine[Any, Any, float]],
) -> tuple[float, float, float, float]:
    """(wall seconds for CONCURRENCY concurrent calls, longest stall in seconds, CPU
    seconds the event loop's thread spent during that longest stall, CPU seconds of
    the whole round)."""
    stop = asyncio.Event()
    gaps: list[tuple[float, float]] = []
    ticker = asyncio.create_task(_ticker(stop, gaps))
    await asyncio.sleep(0)  # let the ticker start its first sleep
    start, start_cpu = time.perf_counter(), time.thread_time()
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(call()) for _ in range(CONCURRENCY)]
    wall, cpu = time.perf_counter() - start, time.thread_time() - start_cpu
    stop.set()
    await ticker
    values = {task.result() for task in tasks}
    if values != {100.0}:
        raise RuntimeError(f"P2: unexpected balances {values}")
    longest, busy = max(gaps)
    return wall, longest - TICK, busy, cpu


async def _measure(url: str, rounds: int) -> dict[str, list[tuple[float, float, float, float]]]:
    facade = AccountingClient(url, EMAIL, PASSWORD)
    raw = httpx.AsyncClient(auth=httpx.BasicAuth(EMAIL, PASSWORD))
    my_info = url + "/user/my-info"

    async def raw_balance() -> float:
        response = await raw.get(my_info)
        response.raise_for_status()
        return float(response.json()["user"]["balance"])

    sides: dict[str, Callable[[], Coroutine[Any, Any, float]]] = {
        "facade": facade.get_account_balance_async,
        "raw": raw_balance,
    }
    results: dict[str, list[tuple[float, float, float, float]]] = {name: [] for name in sides}
    try:
        for index in range(WARMUP_ROUNDS + rounds):
            for name, call in sides.items():
                outcome = await _round(call)
                if index >= WARMUP_ROUNDS:
                    results[name].append(outcome)
    finally:
        await facade.aclose()
        await raw.aclose()
    return results


def run(*, rounds: int) -> list[Row]:
    with ServerProcess("slow", "--delay", str(DELAY)) as server:
        results = asyncio.run(_measure(server.url, rounds))
    walls = {name: [r[0] * 1e3 for r in runs] for name, runs in results.items()}
    stalls = {name: [r[1] * 1e3 for r in runs] for name, runs in results.items()}
    busy = {name: [r[2] * 1e3 for r in runs] for name, runs in results.items()}
    cpu = {name: [r[3] * 1e3 for r in runs] for name, runs in results.items()}
    log(
        f"P2: per {CONCURRENCY} calls, facade {median(walls['facade']):.1f} ms, raw "
        f"{median(walls['raw']):.1f} ms (client CPU per round: facade "
        f"{median(cpu['facade']):.1f} ms, raw {median(cpu['raw']):.1f} ms); "
        "longest stall per round (median) facade "
        f"{median(stalls['facade']):.1f} ms, raw {median(stalls['raw']):.1f} ms (CPU the loop "
        f"used during that {TICK * 1e3:.0f} ms sleep + stall: facade "
        f"{median(busy['facade']):.1f} ms, raw {median(busy['raw']):.1f} ms); longest of all "
        f"rounds facade {max(stalls['facade']):.1f} ms, raw {max(stalls['raw']):.1f} ms"
    )
    return [
        Row(
            id="P2",
            what=f"{CONCURRENCY} concurrent get_account_balance_async(), server waits "
            f"{DELAY * 1e3:.0f} ms: wall vs raw httpx.AsyncClient",
            unit="ms",
            subject=median(walls["facade"]),
            baseline=median(walls["raw"]),
            target=1.00,
            direction="<=",
            details={
                "rounds": rounds,
                "warmup_rounds": WARMUP_ROUNDS,
                "facade_wall_ms": spread(walls["facade"]),
                "raw_wall_ms": spread(walls["raw"]),
                "facade_cpu_ms": spread(cpu["facade"]),
                "raw_cpu_ms": spread(cpu["raw"]),
            },
        ),
        Row(
            id="P2-stall",
            what="P2's longest event-loop stall per round (5 ms ticker), median over rounds: "
            "facade vs raw",
            unit="ms",
            subject=median(stalls["facade"]),
            baseline=median(stalls["raw"]),
            target=15.0,
            direction="<=",
            absolute=True,
            details={
                "note": "per round, the longest gap of a 5 ms sleep loop minus 5 ms; the "
                "median over rounds, since the max over all rounds mostly measures the "
                "scheduler of a shared machine (see *_max_ms and *_busy_ms: the CPU time "
                "the loop's thread spent during the round's longest gap)",
                "facade_max_ms": max(stalls["facade"]),
                "raw_max_ms": max(stalls["raw"]),
                "facade_stall_ms": spread(stalls["facade"]),
                "raw_stall_ms": spread(stalls["raw"]),
                "facade_busy_ms": spread(busy["facade"]),
                "raw_busy_ms": spread(busy["raw"]),
            },
        ),
        cpu_per_call.async_row(rounds, 2000),
    ]
