"""Interop with pympp, the scheme's Python implementation: its parsers read our
challenge, credential and receipt; a challenge its server engine builds (with our
method registered in it) is paid by our client; its client pays our paywall."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import mpp
import pytest
from mpp.client import PaymentTransport
from mpp.runtime import ClientMethod, CredentialParams
from mpp.server import Mpp, pay
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from syftbox_accounting import AccountingClient, receipt_of
from syftbox_accounting.http402 import method
from syftbox_accounting.http402.mpp_server import server_method
from syftbox_accounting.testing.harness import AccountingTestService
from tests.http402.conftest import PAID_URL, PRICE, AsyncRecorder, PaidService, asgi, balances

pytestmark = [pytest.mark.anyio, pytest.mark.accounting_service(mode="in-process")]


@pytest.fixture
def payer(accounting_service: AccountingTestService) -> AccountingClient:
    return accounting_service.create_account(balance=2)


async def _paid_exchange(
    payer: AccountingClient, service: PaidService
) -> tuple[httpx.Response, httpx.Request, httpx.Response]:
    """A paid call to /summarize: the 402, the paid request, and its answer."""
    recorder = AsyncRecorder(asgi(service))
    async with payer.paying_http_client_async(transport=recorder, base_url=PAID_URL) as http:
        await http.post("/summarize", json={"text": "hello"})
    (_, challenged), (paid, answered) = recorder.exchanges
    return challenged, paid, answered


async def test_pympp_reads_our_challenge(service: PaidService, payer: AccountingClient) -> None:
    challenged, _, _ = await _paid_exchange(payer, service)
    challenge = mpp.parse_www_authenticate(challenged.headers["www-authenticate"])
    assert (challenge.method, challenge.intent) == ("syftbox", "charge")
    assert challenge.request == {
        "amount": "0.25",
        "currency": "usd",
        "recipient": service.accounting.get_email(),
        "methodDetails": {"accountingUrl": service.accounting.accounting_url},
    }
    assert challenge.realm == service.accounting.get_email()
    assert challenge.expires is not None
    assert challenge.expires.endswith("Z")
    # Its request is what pympp's method model makes of the route's input.
    assert method.CHARGE_METHOD.normalize_request(challenge.request) == challenge.request
    # pympp's server errors carry the same problem types as ours.
    assert challenged.json()["type"] == mpp.PaymentRequiredError.type


async def test_pympp_reads_our_credential(service: PaidService, payer: AccountingClient) -> None:
    challenged, paid, _ = await _paid_exchange(payer, service)
    challenge = mpp.parse_www_authenticate(challenged.headers["www-authenticate"])
    credential = mpp.parse_authorization(paid.headers["authorization"])
    assert credential.challenge == challenge.to_echo()  # echoed unchanged
    payload = method.CHARGE_METHOD.parse_payload(credential.payload)
    assert payload.payer == payer.get_email()
    assert payload.token.count(".") == 2  # the accounting service's signed token
    assert "token" not in repr(payload)  # and never shown


async def test_pympp_reads_our_receipt(service: PaidService, payer: AccountingClient) -> None:
    challenged, _, answered = await _paid_exchange(payer, service)
    challenge = mpp.parse_www_authenticate(challenged.headers["www-authenticate"])
    receipt = mpp.parse_payment_receipt(answered.headers["payment-receipt"])
    (charge,) = service.accounting.get_transaction_history()
    assert (receipt.status, receipt.method, receipt.reference) == ("success", "syftbox", charge.id)
    assert receipt.extensions == {
        "charged_amount": "0.25",
        "max_amount": "0.25",
        "remaining": "0",
        "challengeId": challenge.id,
    }


async def test_a_challenge_built_by_pympps_server_engine_is_paid_by_our_client(
    accounting_service: AccountingTestService, payer: AccountingClient
) -> None:
    account = accounting_service.create_account(balance=0)
    engine = Mpp(methods=server_method(account), realm="paid-service.localhost", secret_key="k")
    served: list[str] = []

    @pay(engine["syftbox/charge"](amount="0.25"))
    async def summarize(request: Request, credential: Any, receipt: Any) -> JSONResponse:
        served.append(receipt.reference)
        return JSONResponse({"summary": "hello"})

    app = Starlette(routes=[Route("/summarize", summarize, methods=["POST"])])
    recorder = AsyncRecorder(httpx.ASGITransport(app=app))
    async with payer.paying_http_client_async(transport=recorder, base_url=PAID_URL) as http:
        answer = await http.post("/summarize", json={"text": "hello"})

    assert answer.status_code == 200
    (_, challenged), _ = recorder.exchanges
    challenge = mpp.parse_www_authenticate(challenged.headers["www-authenticate"])
    assert "_mppx_scope" in challenge.request  # pympp binds the route: read, and ignored
    receipt = receipt_of(answer)
    assert receipt is not None
    assert (receipt.amount, receipt.transaction_id) == (PRICE, served[0])
    assert balances(payer, account) == [Decimal("1.75"), PRICE]


async def test_pympps_client_pays_our_paywall(
    service: PaidService, payer: AccountingClient
) -> None:
    async def create_credential(params: CredentialParams) -> str:
        offer = method.read_offer(params.challenge)
        token = await payer.create_transaction_token(
            offer.recipient, max_amount=offer.amount, expires_in=300
        )
        return method.credential(offer, token, payer.get_email())

    pympp_method = ClientMethod(method=method.CHARGE_METHOD, create_credential=create_credential)
    transport = PaymentTransport(methods=[pympp_method], inner=asgi(service))
    async with httpx.AsyncClient(transport=transport, base_url=PAID_URL) as http:
        answer = await http.post("/summarize", json={"text": "hello"})
    assert answer.status_code == 200
    receipt = mpp.parse_payment_receipt(answer.headers["payment-receipt"])
    assert receipt.extensions is not None
    assert receipt.extensions["charged_amount"] == "0.25"
    assert balances(payer, service.accounting) == [Decimal("1.75"), PRICE]


async def test_pympps_server_engine_says_what_to_do_when_the_payer_cannot_pay(
    accounting_service: AccountingTestService,
) -> None:
    poor = accounting_service.create_account(balance=Decimal("0.10"))
    account = accounting_service.create_account(balance=0)
    engine = Mpp(methods=server_method(account), realm="paid-service.localhost", secret_key="k")

    @pay(engine["syftbox/charge"](amount="0.25"))
    async def summarize(request: Request, credential: Any, receipt: Any) -> JSONResponse:
        return JSONResponse({"summary": "hello"})

    app = Starlette(routes=[Route("/summarize", summarize, methods=["POST"])])
    async with poor.paying_http_client_async(
        transport=httpx.ASGITransport(app=app), base_url=PAID_URL
    ) as http:
        answer = await http.post("/summarize", json={"text": "hello"})
    assert answer.status_code == 402
    problem = answer.json()
    assert problem["type"] == mpp.PaymentInsufficientError.type
    assert "Nothing was charged" in problem["detail"]
    assert "add funds to the paying account" in problem["detail"]
