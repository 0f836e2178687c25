"""P1-cpu and P2-cpu: the facade's own CPU per call, without a network.

`get_account_balance()` (sync) and `get_account_balance_async()` (asyncio), against
raw httpx making the same request and reading the same answer, both through an
`httpx.MockTransport` that answers at once with the reference service's answer: what
is left is what each side's code costs. Both clients are the caller's (the facade's
through ``http_client=``), so both pay the same httpx. Rounds alternate facade and raw;
the figure is the median over rounds of (facade - raw) CPU microseconds per call.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import httpx

from syftbox_accounting import AccountingClient
from tests.benchmarks.common import Row, median, spread

URL = "https://accounting.example.com"
EMAIL, PASSWORD = "cpu-bench@example.com", "cpu-bench-password"
BODY = (
    b'{"user":{"id":"u_1","email":"cpu-bench@example.com","balance":100.0,'
    b'"balanceDecimal":"100","organization":null,"heldBalance":0,"heldBalanceDecimal":"0",'
    b'"availableBalance":100,"availableBalanceDecimal":"100"}}'
)
HEADERS = [
    ("content-type", "application/json"),
    ("x-request-id", "req_0123456789abcdef"),
    ("accounting-features", "holds, capture, refunds, api-keys, exact-money"),
    ("date", "Fri, 04 Dec 2026 21:00:00 GMT"),
    ("server", "uvicorn"),
]
WARMUP = 300


def _answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, headers=HEADERS, content=BODY)


def _per_call_us(call: Callable[[], object], calls: int) -> float:
    start = time.process_time()
    for _ in range(calls):
        call()
    return (time.process_time() - start) / calls * 1e6


async def _per_call_us_async(call: Callable[[], Awaitable[object]], calls: int) -> float:
    start = time.process_time()
    for _ in range(calls):
        await call()
    return (time.process_time() - start) / calls * 1e6


def _row(id_: str, what: str, target: float, facade: list[float], raw: list[float]) -> Row:
    extra = [f - r for f, r in zip(facade, raw, strict=True)]
    return Row(
        id_,
        what,
        "us",
        median(extra),
        median(raw),
        target,
        "<=",
        absolute=True,
        details={"facade_us": spread(facade), "raw_us": spread(raw), "extra_us": spread(extra)},
    )


def sync_row(rounds: int, calls: int) -> Row:
    auth = httpx.BasicAuth(EMAIL, PASSWORD)
    transport = httpx.MockTransport(_answer)
    with (
        AccountingClient(URL, EMAIL, PASSWORD, http_client=httpx.Client(transport=transport)) as f,
        httpx.Client(transport=transport, auth=auth) as raw,
    ):

        def raw_balance() -> float:
            response = raw.get(URL + "/user/my-info")
            response.raise_for_status()
            return float(response.json()["user"]["balance"])

        for _ in range(WARMUP):
            f.get_account_balance(), raw_balance()
        facade_us, raw_us = [], []
        for _ in range(rounds):
            facade_us.append(_per_call_us(f.get_account_balance, calls))
            raw_us.append(_per_call_us(raw_balance, calls))
    return _row(
        "P1-cpu",
        "facade CPU per sync get_account_balance() beyond raw httpx's, no network",
        30.0,
        facade_us,
        raw_us,
    )


async def _async_figures(rounds: int, calls: int) -> tuple[list[float], list[float]]:
    auth = httpx.BasicAuth(EMAIL, PASSWORD)
    transport = httpx.MockTransport(_answer)
    mine = httpx.AsyncClient(transport=transport)
    raw = httpx.AsyncClient(transport=transport, auth=auth)
    facade = AccountingClient(URL, EMAIL, PASSWORD, async_http_client=mine)

    async def raw_balance() -> float:
        response = await raw.get(URL + "/user/my-info")
        response.raise_for_status()
        return float(response.json()["user"]["balance"])

    try:
        for _ in range(WARMUP):
            await facade.get_account_balance_async()
            await raw_balance()
        facade_us, raw_us = [], []
        for _ in range(rounds):
            facade_us.append(await _per_call_us_async(facade.get_account_balance_async, calls))
            raw_us.append(await _per_call_us_async(raw_balance, calls))
    finally:
        await facade.aclose()
        await mine.aclose()
        await raw.aclose()
    return facade_us, raw_us


def async_row(rounds: int, calls: int) -> Row:
    facade_us, raw_us = asyncio.run(_async_figures(rounds, calls))
    return _row(
        "P2-cpu",
        "facade CPU per get_account_balance_async() beyond raw httpx's, no network",
        50.0,
        facade_us,
        raw_us,
    )
