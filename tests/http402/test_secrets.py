"""No token shows over HTTP 402 either: with every logger at DEBUG, a paid call, a lost
paid answer, refusals on both sides and the objects a user sees never hold the
payer's token (nor the credential that carries it)."""

from __future__ import annotations

import logging
import traceback
from decimal import Decimal
from typing import Any

import httpx
import mpp
import pytest

from syftbox_accounting import Budget, receipt_of
from syftbox_accounting.testing.harness import AccountingTestService
from tests.http402.conftest import (
    AsyncLoseFirstPaidAnswer,
    AsyncRecorder,
    LoseFirstPaidAnswer,
    PaidService,
    asgi,
)

pytestmark = [pytest.mark.anyio, pytest.mark.accounting_service(mode="in-process")]


async def test_no_token_in_logs_errors_answers_or_objects(
    accounting_service: AccountingTestService,
    service: PaidService,
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[str] = []

    def show(*objects: Any) -> None:
        for obj in objects:
            seen.extend([repr(obj), str(obj), *getattr(obj, "__notes__", ())])

    agent = accounting_service.create_account(balance=1)
    budget = Budget(per_day=1)
    recorder = AsyncRecorder(AsyncLoseFirstPaidAnswer(asgi(service, raise_app_exceptions=False)))
    with caplog.at_level(logging.DEBUG):
        async with agent.paying_http_client_async(
            budget=budget, transport=recorder, base_url=service.url
        ) as http:
            try:
                await http.post("/summarize", json={"text": "x"})
            except httpx.TransportError as lost:
                show(lost)
            answer = await http.post("/summarize", json={"text": "x"})
            failed = await http.post("/fail", json={})
            show(answer, receipt_of(answer), failed.text, budget, *budget.entries)
        # The same credential again: the first answer, replayed.
        async with httpx.AsyncClient(transport=asgi(service), base_url=service.url) as plain:
            paid = next(r for r, _ in recorder.exchanges if "authorization" in r.headers)
            spent = await plain.post("/summarize", headers=dict(paid.headers), json={"t": 1})
            show(spent.text, spent.headers)
        for record in caplog.records:
            show(record.getMessage(), record.exc_text or "")
    credentials = {r.headers["authorization"] for r, _ in recorder.exchanges if _paid(r)}
    tokens = {mpp.parse_authorization(c).payload["token"] for c in credentials}
    assert len(tokens) == 2  # the summary's (sent twice) and the failing call's
    text = "\n".join(seen)
    for secret in tokens | credentials:
        assert secret not in text
    assert budget.spent() == Decimal("0.50")  # the summary, and the failure (no receipt)


def _paid(request: httpx.Request) -> bool:
    return request.headers.get("authorization", "").startswith("Payment ")


# -- tracebacks that capture locals (rich, pytest --showlocals, error trackers)


def _library_locals(error: BaseException) -> list[str]:
    """Every local of the library's frames in the traceback of `error` and of the
    errors it chains, as such a traceback prints them. The ASGI ``scope`` aside: the
    server's request (every frame of every ASGI app holds it, the framework's too)."""
    shown: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = traceback.walk_tb(current.__traceback__)
        for frame, _ in frames:
            if "syftbox_accounting" in frame.f_code.co_filename:
                shown.extend(repr(v) for k, v in frame.f_locals.items() if k != "scope")
        current = current.__cause__ or current.__context__
    return shown


async def test_no_token_in_the_locals_of_a_lost_answer_or_a_failed_endpoint(
    accounting_service: AccountingTestService, service: PaidService
) -> None:
    agent = accounting_service.create_account(balance=1)
    network = AsyncLoseFirstPaidAnswer(asgi(service))  # the endpoint's error comes through
    errors: list[BaseException] = []
    async with agent.paying_http_client_async(transport=network, base_url=service.url) as http:
        for path in ("/summarize", "/fail"):
            with pytest.raises(Exception) as failed:  # noqa: PT011 - a lost answer, a crash
                await http.post(path, json={"text": "x"})
            errors.append(failed.value)
    assert [type(e) for e in errors] == [httpx.RemoteProtocolError, RuntimeError]
    assert len(network.credentials) == 2
    text = "\n".join(local for error in errors for local in _library_locals(error))
    for credential in network.credentials:
        assert credential.split()[1] not in text
        assert mpp.parse_authorization(credential).payload["token"] not in text


def test_no_token_in_the_locals_of_a_lost_answer_sync(
    accounting_service: AccountingTestService, served: PaidService
) -> None:
    agent = accounting_service.create_account(balance=1)
    network = LoseFirstPaidAnswer(httpx.HTTPTransport())
    with (
        agent.paying_http_client(transport=network, base_url=served.url) as http,
        pytest.raises(httpx.RemoteProtocolError) as lost,
    ):
        http.post("/summarize", json={"text": "x"})
    (credential,) = network.credentials
    text = "\n".join(_library_locals(lost.value))
    assert mpp.parse_authorization(credential).payload["token"] not in text
