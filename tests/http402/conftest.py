"""What the HTTP 402 tests share: a paid AI service (a Starlette app behind
`require_payment`) charging through the `accounting_service` fixture, reached in process
(async tests) or over loopback (sync tests), and a network that loses a paid answer."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from syftbox_accounting import AccountingClient, RetryPolicy, payment_of, require_payment
from syftbox_accounting.server import BackgroundService
from syftbox_accounting.testing.harness import AccountingTestService

PAID_URL = "http://paid-service.localhost"
PRICE = Decimal("0.25")
MAX_PRICE = Decimal("0.50")
PRICE_PER_TOKEN = Decimal("0.000001")


@dataclasses.dataclass
class PaidService:
    """The paid service of a test: its account, its app, and what its endpoints did."""

    accounting: AccountingClient
    app: Starlette
    runs: dict[str, int]
    url: str = PAID_URL


def paid_app(accounting: AccountingClient, **paywall: Any) -> PaidService:
    """An AI service: ``/summarize`` at a fixed $0.25, ``/generate`` up to $0.50 priced
    per token (the body's ``tokens``), ``/fail`` (raises) and ``/refuse`` (answers 400)
    at $0.25. `paywall` goes to every `require_payment`."""
    runs: dict[str, int] = {"summarize": 0, "generate": 0, "fail": 0, "refuse": 0}

    @require_payment(accounting, price=PRICE, app_name="summarizer", **paywall)
    async def summarize(request: Request) -> Response:
        runs["summarize"] += 1
        text = (await request.json())["text"]
        return JSONResponse({"summary": text[:10]})

    @require_payment(accounting, max_price=MAX_PRICE, app_name="writer", **paywall)
    async def generate(request: Request) -> Response:
        runs["generate"] += 1
        tokens = int((await request.json())["tokens"])
        payment_of(request).capture(tokens * PRICE_PER_TOKEN)
        return JSONResponse({"tokens": tokens})

    @require_payment(accounting, price=PRICE, **paywall)
    async def fail(request: Request) -> Response:
        runs["fail"] += 1
        raise RuntimeError("the model crashed")

    @require_payment(accounting, price=PRICE, **paywall)
    async def refuse(request: Request) -> Response:
        runs["refuse"] += 1
        return JSONResponse({"error": "no such model"}, status_code=400)

    app = Starlette(
        routes=[
            Route("/summarize", summarize, methods=["POST"]),
            Route("/generate", generate, methods=["POST"]),
            Route("/fail", fail, methods=["POST"]),
            Route("/refuse", refuse, methods=["POST"]),
        ]
    )
    return PaidService(accounting, app, runs)


@pytest.fixture
def service(accounting_service: AccountingTestService) -> PaidService:
    """The paid service, with an account of its own at the test's accounting service."""
    return paid_app(accounting_service.create_account(balance=0))


@pytest.fixture
def served(service: PaidService) -> Iterator[PaidService]:
    """The paid service over loopback (for sync clients), stopped after the test."""
    with BackgroundService(app=service.app) as running:
        yield dataclasses.replace(service, url=running.url)


def asgi(service: PaidService, **kwargs: Any) -> httpx.ASGITransport:
    """An async transport to the paid service, in process (no socket; asyncio or trio)."""
    return httpx.ASGITransport(app=service.app, **kwargs)


class LoseFirstPaidAnswer(httpx.BaseTransport):
    """The network between payer and service drops the answer to the first request
    that carries a payment credential, after the service answered it."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.lost = 0
        self.credentials: list[str] = []  # of every paid request, in order

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if _paid(request):
            self.credentials.append(request.headers["authorization"])
        response = self.inner.handle_request(request)
        if _paid(request) and not self.lost:
            response.read()
            response.close()
            self.lost += 1
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        return response

    def close(self) -> None:
        self.inner.close()


class AsyncLoseFirstPaidAnswer(httpx.AsyncBaseTransport):
    """`LoseFirstPaidAnswer`, async."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.lost = 0
        self.credentials: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if _paid(request):
            self.credentials.append(request.headers["authorization"])
        response = await self.inner.handle_async_request(request)
        if _paid(request) and not self.lost:
            await response.aread()
            await response.aclose()
            self.lost += 1
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        return response


class Recorder(httpx.BaseTransport):
    """Keeps every request and answer that passes (the payer's side of the wire)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.exchanges: list[tuple[httpx.Request, httpx.Response]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        response.read()
        self.exchanges.append((request, response))
        return response


class AsyncRecorder(httpx.AsyncBaseTransport):
    """`Recorder`, async."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.exchanges: list[tuple[httpx.Request, httpx.Response]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        await response.aread()
        self.exchanges.append((request, response))
        return response


def _paid(request: httpx.Request) -> bool:
    return request.headers.get("authorization", "").startswith("Payment ")


@dataclasses.dataclass
class Minted:
    """Counts the tokens a client makes (its token flow, spied on)."""

    calls: list[dict[str, Any]] = dataclasses.field(default_factory=list)


@pytest.fixture
def minted(monkeypatch: pytest.MonkeyPatch) -> Any:
    """``minted(client)``: a `Minted` that counts every token `client` makes."""

    def spy(client: AccountingClient) -> Minted:
        seen = Minted()
        real = client._create_transaction_token

        def counting(*args: Any, **kwargs: Any) -> Any:
            seen.calls.append({"args": args, "kwargs": kwargs})
            return real(*args, **kwargs)

        monkeypatch.setattr(client, "_create_transaction_token", counting)
        return seen

    return spy


def balances(*clients: AccountingClient) -> list[Decimal]:
    return [c.get_account().balance for c in clients]


def pending(client: AccountingClient) -> list[Any]:
    """The client's transactions still pending (open holds)."""
    return [t for t in client.get_transaction_history() if t.is_pending]


@pytest.fixture
def fragile(accounting_service: AccountingTestService) -> PaidService:
    """A paid service whose account does not retry by itself (each fault shows)."""
    account = accounting_service.create_account(balance=0, retry_policy=RetryPolicy(max_retries=0))
    return paid_app(account)
