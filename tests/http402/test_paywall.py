"""`require_payment`, the service's side: the challenge it issues, the credentials it
refuses (each with the scheme's problem type, before anything is charged), a
credential sent twice (charged once), and how a charge ends with the endpoint."""

from __future__ import annotations

import base64
import datetime
import json
import logging
import time
import types
from decimal import Decimal
from typing import Any

import anyio
import httpx
import mpp
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from syftbox_accounting import (
    AccountingClient,
    AuthenticationError,
    Budget,
    InvalidInputError,
    RetryPolicy,
    payment_of,
    receipt_of,
    require_payment,
)
from syftbox_accounting.http402 import method
from syftbox_accounting.http402 import paying as paying_module
from syftbox_accounting.http402 import paywall as paywall_module
from syftbox_accounting.testing.harness import AccountingTestService
from tests.http402.conftest import (
    PAID_URL,
    PRICE,
    AsyncLoseFirstPaidAnswer,
    PaidService,
    balances,
    paid_app,
    pending,
)

pytestmark = [pytest.mark.anyio, pytest.mark.accounting_service(mode="in-process")]

PROBLEMS = "https://paymentauth.org/problems/"


def _http(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url=PAID_URL
    )


async def _challenge(http: httpx.AsyncClient, path: str) -> method.Challenge:
    answer = await http.post(path, json={"text": "hello", "tokens": 1})
    assert answer.status_code == 402
    (challenge,) = method.challenges(answer.headers.get_list("www-authenticate"))
    return challenge


async def _credential(
    http: httpx.AsyncClient, payer: AccountingClient, path: str = "/summarize"
) -> tuple[str, method.Challenge]:
    """A credential for a fresh challenge of `path`, made as a paying client would."""
    challenge = await _challenge(http, path)
    offer = method.read_offer(challenge)
    token = await payer.create_transaction_token(
        offer.recipient, max_amount=offer.amount, expires_in=300
    )
    return method.credential(offer, token, payer.get_email()), challenge


def _problem(answer: httpx.Response, kind: str, *, charged: str | None = None) -> dict[str, Any]:
    """The problem of a 402; `charged`: what the receipt of its cancelled charge says
    (None: no receipt, nothing was charged with the credential)."""
    assert answer.status_code == 402
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["cache-control"] == "no-store"
    if charged is None:
        assert "payment-receipt" not in answer.headers
    else:
        receipt = mpp.parse_payment_receipt(answer.headers["payment-receipt"])
        assert (receipt.extensions or {})["charged_amount"] == charged
    # Every refusal carries a fresh challenge to pay instead.
    assert method.challenges(answer.headers.get_list("www-authenticate"))
    problem: dict[str, Any] = answer.json()
    assert problem["type"] == PROBLEMS + kind
    return problem


@pytest.fixture
def payer(accounting_service: AccountingTestService) -> AccountingClient:
    return accounting_service.create_account(balance=2)


# -- the challenge


async def test_a_request_without_a_credential_gets_a_challenge(service: PaidService) -> None:
    async with _http(service.app) as http:
        answer = await http.post("/summarize", json={"text": "hello"})
    problem = _problem(answer, "payment-required")
    assert f"${PRICE}" in problem["detail"]
    (challenge,) = method.challenges(answer.headers.get_list("www-authenticate"))
    assert (challenge.method, challenge.intent) == ("syftbox", "charge")
    assert challenge.realm == service.accounting.get_email()
    assert problem["challengeId"] == challenge.id
    assert challenge.request == {
        "amount": "0.25",
        "currency": "usd",
        "recipient": service.accounting.get_email(),
        "methodDetails": {"accountingUrl": service.accounting.accounting_url},
    }
    assert challenge.expires is not None
    expires = datetime.datetime.fromisoformat(challenge.expires.replace("Z", "+00:00"))
    lifetime = expires - datetime.datetime.now(datetime.UTC)
    assert datetime.timedelta(seconds=590) < lifetime <= datetime.timedelta(seconds=600)
    assert service.runs["summarize"] == 0


async def test_an_up_to_route_asks_for_its_maximum(service: PaidService) -> None:
    async with _http(service.app) as http:
        challenge = await _challenge(http, "/generate")
    assert challenge.intent == "upto"
    assert challenge.request["max_amount"] == "0.5"
    assert "amount" not in challenge.request


async def test_no_two_challenges_are_alike(service: PaidService) -> None:
    async with _http(service.app) as http:
        first, second = [await _challenge(http, "/summarize") for _ in range(2)]
    assert first.id != second.id


# -- credentials it refuses, before anything is charged


async def test_a_malformed_credential(service: PaidService) -> None:
    async with _http(service.app) as http:
        answer = await http.post("/summarize", headers={"Authorization": "Payment !!!"})
    _problem(answer, "malformed-credential")


async def test_a_credential_it_did_not_issue(
    accounting_service: AccountingTestService, service: PaidService, payer: AccountingClient
) -> None:
    # Another paywall of the same account, with its own secret: its challenges are not ours.
    other = paid_app(service.accounting)
    async with _http(other.app) as elsewhere, _http(service.app) as http:
        credential, _ = await _credential(elsewhere, payer)
        answer = await http.post("/summarize", headers={"Authorization": credential})
    assert "not issued by this service" in _problem(answer, "invalid-challenge")["detail"]
    assert balances(payer, service.accounting) == [2, 0]


async def test_a_credential_for_another_route(
    service: PaidService, payer: AccountingClient
) -> None:
    async with _http(service.app) as http:
        credential, _ = await _credential(http, payer, "/generate")  # upto, up to $0.50
        answer = await http.post(
            "/summarize", json={"text": "x"}, headers={"Authorization": credential}
        )
    assert "syftbox/upto" in _problem(answer, "invalid-challenge")["detail"]
    assert service.runs["summarize"] == 0


async def test_a_credential_for_another_price(
    accounting_service: AccountingTestService, payer: AccountingClient
) -> None:
    # Two routes that share a secret (as the processes of one service do): a $0.25
    # credential does not pay a $0.30 route.
    account = accounting_service.create_account(balance=0)
    cheap = paid_app(account, secret_key="shared")

    @require_payment(account, price="0.30", secret_key="shared")
    async def dear(request: Request) -> JSONResponse:
        return JSONResponse({})

    async with _http(cheap.app) as http, _http(dear) as other:
        credential, _ = await _credential(http, payer)
        answer = await other.post("/", headers={"Authorization": credential})
    assert "another price" in _problem(answer, "invalid-challenge")["detail"]


async def test_an_expired_challenge(
    accounting_service: AccountingTestService, payer: AccountingClient
) -> None:
    now = [1_900_000_000.0]
    service = paid_app(accounting_service.create_account(balance=0), clock=lambda: now[0])
    async with _http(service.app) as http:
        credential, _ = await _credential(http, payer)
        now[0] += 601  # the challenge lived 600 s
        answer = await http.post(
            "/summarize", json={"text": "x"}, headers={"Authorization": credential}
        )
    _problem(answer, "payment-expired")
    assert service.runs["summarize"] == 0


@pytest.mark.parametrize(
    ("payload", "why"),
    [
        ({"token": "t"}, "payer"),
        ({"token": "", "payer": "alice@example.com"}, "token"),
        ({"token": "t", "payer": "not-an-email"}, "payer"),
    ],
)
async def test_a_credential_with_a_bad_payload(
    service: PaidService, payload: dict[str, Any], why: str
) -> None:
    async with _http(service.app) as http:
        challenge = await _challenge(http, "/summarize")
        credential = mpp.format_authorization(
            method.Credential(challenge=challenge.to_echo(), payload=payload)
        )
        answer = await http.post("/summarize", headers={"Authorization": credential})
    assert why in _problem(answer, "invalid-payload")["detail"]


async def test_a_token_the_accounting_service_refuses(
    accounting_service: AccountingTestService, service: PaidService
) -> None:
    broke = accounting_service.create_account(balance=Decimal("0.10"))
    async with _http(service.app) as http:
        credential, _ = await _credential(http, broke)
        answer = await http.post(
            "/summarize", json={"text": "x"}, headers={"Authorization": credential}
        )
        detail = _problem(answer, "payment-insufficient")["detail"]
        assert "Nothing was charged" in detail
        assert "add funds to the paying account" in detail  # what to do
        # A token for another service: the accounting service refuses it.
        stranger = accounting_service.create_account(balance=0)
        challenge = await _challenge(http, "/summarize")
        token = await broke.create_transaction_token(stranger.get_email(), max_amount=PRICE)
        forged = method.credential(method.read_offer(challenge), token, broke.get_email())
        answer = await http.post("/summarize", headers={"Authorization": forged})
        detail = _problem(answer, "verification-failed")["detail"]
        assert "Nothing was charged" in detail
        assert "pay the new challenge" in detail
    assert service.runs["summarize"] == 0
    assert balances(broke, service.accounting) == [Decimal("0.10"), 0]


# -- the same credential twice: charged once


async def test_a_credential_sent_again_gets_the_first_answer(
    service: PaidService, payer: AccountingClient
) -> None:
    async with _http(service.app) as http:
        credential, _ = await _credential(http, payer)
        headers = {"Authorization": credential}
        first = await http.post("/summarize", json={"text": "first text"}, headers=headers)
        again = await http.post("/summarize", json={"text": "other text"}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.content == again.content == b'{"summary":"first text"}'
    assert first.headers["payment-receipt"] == again.headers["payment-receipt"]
    assert first.headers["cache-control"] == "private"
    assert service.runs["summarize"] == 1
    assert balances(payer, service.accounting) == [Decimal("1.75"), PRICE]


async def test_a_paid_answer_too_large_to_keep_is_not_paid_for_again(
    service: PaidService, payer: AccountingClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first answer was paid for, but is larger than the paywall keeps (8 MiB; a
    # few bytes here): the same credential again is told so, and is not asked to pay
    # anew (a fresh challenge would have a paying client pay a second time).
    monkeypatch.setattr(paywall_module, "MAX_KEPT_ANSWER", 8)
    async with _http(service.app) as http:
        credential, _ = await _credential(http, payer)
        headers = {"Authorization": credential}
        first = await http.post("/summarize", json={"text": "first text"}, headers=headers)
        again = await http.post("/summarize", json={"text": "first text"}, headers=headers)
    assert first.status_code == 200
    assert "payment-receipt" in first.headers
    assert again.status_code == 410
    assert "www-authenticate" not in again.headers  # nothing to pay
    assert "too large" in again.json()["detail"]
    assert "settled once" in again.json()["detail"]
    # The receipt of the charge comes again, so that the payer learns what it paid.
    assert again.headers["payment-receipt"] == first.headers["payment-receipt"]
    assert service.runs["summarize"] == 1
    assert balances(payer, service.accounting) == [Decimal("1.75"), PRICE]


async def test_a_paying_client_whose_large_answer_was_lost_pays_once(
    service: PaidService, payer: AccountingClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paywall_module, "MAX_KEPT_ANSWER", 8)
    network = AsyncLoseFirstPaidAnswer(httpx.ASGITransport(app=service.app))
    budget = Budget(per_day=1)
    async with payer.paying_http_client_async(
        budget=budget, transport=network, base_url=PAID_URL
    ) as http:
        with pytest.raises(httpx.TransportError):
            await http.post("/summarize", json={"text": "first text"})
        again = await http.post("/summarize", json={"text": "first text"})
    assert again.status_code == 410
    assert len(set(network.credentials)) == 1  # the same credential, no new payment
    # Its receipt, checked at the accounting service, settles the budget at the price.
    assert [(e.amount, e.paid) for e in budget.entries] == [(PRICE, True)]
    assert service.runs["summarize"] == 1
    assert balances(payer, service.accounting) == [Decimal("1.75"), PRICE]


async def test_a_credential_sent_twice_at_once_is_charged_once(
    service: PaidService, payer: AccountingClient
) -> None:
    answers: list[httpx.Response] = []
    async with _http(service.app) as http:
        credential, _ = await _credential(http, payer)

        async def send() -> None:
            headers = {"Authorization": credential}
            answers.append(await http.post("/summarize", json={"text": "hi"}, headers=headers))

        async with anyio.create_task_group() as group:
            group.start_soon(send)
            group.start_soon(send)
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].content == answers[1].content
    assert service.runs["summarize"] == 1
    assert balances(payer, service.accounting) == [Decimal("1.75"), PRICE]


async def test_another_credential_for_a_paid_challenge_is_refused(
    accounting_service: AccountingTestService, service: PaidService, payer: AccountingClient
) -> None:
    other = accounting_service.create_account(balance=1)
    async with _http(service.app) as http:
        credential, challenge = await _credential(http, payer)
        await http.post("/summarize", json={"text": "x"}, headers={"Authorization": credential})
        token = await other.create_transaction_token(
            service.accounting.get_email(), max_amount=PRICE
        )
        second = method.credential(method.read_offer(challenge), token, other.get_email())
        answer = await http.post(
            "/summarize", json={"text": "x"}, headers={"Authorization": second}
        )
    assert "another credential" in _problem(answer, "invalid-challenge")["detail"]
    assert balances(other) == [1]
    assert service.runs["summarize"] == 1


async def test_two_processes_charge_a_credential_once(
    accounting_service: AccountingTestService, payer: AccountingClient
) -> None:
    # Two processes of one service share the secret, not their memory: the accounting
    # service's idempotency key (from the challenge) charges once; the endpoint runs again.
    account = accounting_service.create_account(balance=0)
    first, second = (paid_app(account, secret_key="shared") for _ in range(2))
    async with _http(first.app) as one, _http(second.app) as two:
        credential, _ = await _credential(one, payer)
        headers = {"Authorization": credential}
        assert (await one.post("/summarize", json={"text": "x"}, headers=headers)).is_success
        assert (await two.post("/summarize", json={"text": "x"}, headers=headers)).is_success
    assert balances(payer, account) == [Decimal("1.75"), PRICE]
    assert first.runs["summarize"] == second.runs["summarize"] == 1


# -- how a charge ends with the endpoint


async def test_an_endpoint_that_answers_an_error_is_not_charged(
    service: PaidService, payer: AccountingClient
) -> None:
    async with _http(service.app) as http:
        credential, _ = await _credential(http, payer, "/refuse")
        answer = await http.post("/refuse", headers={"Authorization": credential})
        again = await http.post("/refuse", headers={"Authorization": credential})
    assert (answer.status_code, answer.json()) == (400, {"error": "no such model"})
    # Its receipt names the cancelled charge, so that the payer can learn what it cost.
    receipt = mpp.parse_payment_receipt(answer.headers["payment-receipt"])
    assert (receipt.extensions or {})["charged_amount"] == "0"
    assert payer.get_transaction(receipt.reference).status.value == "CANCELLED"
    assert again.content == answer.content  # the first outcome, again
    assert service.runs["refuse"] == 1
    assert balances(payer, service.accounting) == [2, 0]
    assert pending(payer) == []


async def test_an_endpoint_that_raises_is_not_charged_and_its_credential_is_spent(
    service: PaidService, payer: AccountingClient
) -> None:
    async with _http(service.app) as http:
        credential, _ = await _credential(http, payer, "/fail")
        answer = await http.post("/fail", headers={"Authorization": credential})
        again = await http.post("/fail", headers={"Authorization": credential})
    assert answer.status_code == 500
    assert "did not complete" in _problem(again, "invalid-challenge", charged="0")["detail"]
    assert service.runs["fail"] == 1
    assert balances(payer, service.accounting) == [2, 0]
    assert pending(service.accounting) == []


async def test_a_price_of_zero_charges_nothing(
    accounting_service: AccountingTestService, payer: AccountingClient
) -> None:
    account = accounting_service.create_account(balance=0)

    @require_payment(account, max_price="0.50")
    async def nothing_to_do(request: Request) -> PlainTextResponse:
        payment_of(request).capture(0)  # no tokens generated
        return PlainTextResponse("")

    async with payer.paying_http_client_async(
        transport=httpx.ASGITransport(app=nothing_to_do), base_url=PAID_URL
    ) as http:
        answer = await http.get("/")
    receipt = receipt_of(answer)
    assert receipt is not None
    assert receipt.amount == 0
    assert balances(payer, account) == [2, 0]
    assert pending(account) == []


async def test_an_unreachable_accounting_service_charges_nothing_and_may_be_retried(
    accounting_service: AccountingTestService, payer: AccountingClient
) -> None:
    account = accounting_service.create_account(balance=0, retry_policy=RetryPolicy(max_retries=0))
    service = paid_app(account)
    down = accounting_service.faults.status("createTransaction", 503, times=1)
    async with _http(service.app) as http:
        credential, _ = await _credential(http, payer)
        headers = {"Authorization": credential}
        answer = await http.post("/summarize", json={"text": "x"}, headers=headers)
        assert answer.status_code == 503
        assert answer.headers["retry-after"] == "1"
        assert answer.json()["type"] == PROBLEMS + "internal-payment-error"
        retried = await http.post("/summarize", json={"text": "x"}, headers=headers)
    assert down.hits == 1
    assert retried.status_code == 200
    assert service.runs["summarize"] == 1
    assert balances(payer, account) == [Decimal("1.75"), PRICE]


@pytest.mark.parametrize(
    ("path", "operation", "status", "told"),
    [
        ("/refuse", "cancelTransaction", 400, "Cancelling transaction"),
        ("/summarize", "confirmTransaction", 503, "stays pending"),
    ],
)
async def test_a_charge_left_pending_is_told_to_the_operator(
    accounting_service: AccountingTestService,
    payer: AccountingClient,
    caplog: pytest.LogCaptureFixture,
    path: str,
    operation: str,
    status: int,
    told: str,
) -> None:
    # Settling the charge fails after the work: the hold stays pending until it lapses,
    # and the service's operator learns which charge, and what to do with it.
    account = accounting_service.create_account(balance=0, retry_policy=RetryPolicy(max_retries=0))
    service = paid_app(account)
    accounting_service.faults.status(operation, 503, times=None)
    async with _http(service.app) as http:
        credential, _ = await _credential(http, payer, path)
        headers = {"Authorization": credential}
        with caplog.at_level(logging.WARNING, logger="syftbox_accounting.http402"):
            answer = await http.post(path, json={"text": "x"}, headers=headers)
    accounting_service.faults.clear()
    assert answer.status_code == status
    (held,) = pending(account)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert told in logged
    assert held.id in logged


# -- what it wraps, and bad input


async def test_it_wraps_any_asgi_app_and_lets_other_scopes_through(
    accounting_service: AccountingTestService, payer: AccountingClient
) -> None:
    account = accounting_service.create_account(balance=0)

    async def hello(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"paid by {payment_of(request).transaction.sender_email}")

    inner = Starlette(routes=[Route("/hello", hello)])
    app = require_payment(account, price="0.01")(inner)
    async with payer.paying_http_client_async(
        transport=httpx.ASGITransport(app=app), base_url=PAID_URL
    ) as http:
        answer = await http.get("/hello")
    assert answer.text == f"paid by {payer.get_email()}"
    seen: list[str] = []

    async def lifespan_app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["type"])

    await require_payment(account, price="0.01")(lifespan_app)({"type": "lifespan"}, None, None)
    assert seen == ["lifespan"]


@pytest.mark.parametrize("given", [None, 5, {"state": {}}])
async def test_payment_of_something_that_is_not_a_request_says_what_it_takes(given: Any) -> None:
    with pytest.raises(InvalidInputError, match="payment_of takes the endpoint's request"):
        payment_of(given)


async def test_payment_of_outside_a_paywall_says_so() -> None:
    request = Request({"type": "http", "headers": [], "method": "GET", "path": "/"})
    with pytest.raises(RuntimeError, match="wrap the endpoint with require_payment"):
        payment_of(request)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "exactly one of them"),
        ({"price": 1, "max_price": 2}, "exactly one of them"),
        ({"price": "1e-1"}, "decimal string"),
        ({"price": -1}, "greater than 0"),
        ({"max_price": "0.0000001"}, "too precise"),
        ({"price": 1, "expires_in": 0}, "expires_in"),
        ({"price": 1, "expires_in": 86401}, "expires_in"),
        ({"price": 1, "expires_in": None}, "expires_in must be a number of seconds"),
        ({"price": 1, "secret_key": 5}, "secret_key must be a non-empty string"),
        ({"price": 1, "secret_key": b"shared-key"}, "secret_key must be a non-empty string"),
        ({"price": 1, "secret_key": " "}, "secret_key must be a non-empty string"),
        ({"price": 1, "clock": "time.time"}, "clock must be a function"),
    ],
)
async def test_bad_paywall_options_are_refused(
    service: PaidService, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        require_payment(service.accounting, **options)


@pytest.mark.parametrize("zero", [0, 0.0, Decimal(0), "0", "0.00", " 0 "])
@pytest.mark.parametrize("option", ["price", "max_price"])
async def test_a_price_of_zero_says_what_to_do_instead(
    service: PaidService, option: str, zero: object
) -> None:
    with pytest.raises(InvalidInputError) as refused:
        require_payment(service.accounting, **{option: zero})
    message = str(refused.value)
    assert f"{option} is 0" in message
    assert "without require_payment" in message  # a free endpoint
    assert "capture(0)" in message  # work that may cost nothing


@pytest.mark.parametrize("given", [" 0.25", "0.25 ", "\t0.25\n"])
@pytest.mark.parametrize("option", ["price", "max_price"])
async def test_a_price_takes_the_amount_strings_a_budget_takes(
    service: PaidService, option: str, given: str
) -> None:
    # A price read from a file or the environment keeps its spaces: a Budget takes
    # such a string, so the paywall that asks for the payment takes it too.
    assert Budget(per_call=given).per_call == Decimal("0.25")
    paywall = require_payment(service.accounting, **{option: given})
    assert paywall.amount == Decimal("0.25")
    assert f"{option}=0.25," in repr(paywall)


async def test_a_paywall_needs_a_configured_account(
    accounting_service: AccountingTestService,
) -> None:
    with pytest.raises(AuthenticationError):
        require_payment(accounting_service.client(), price=1)
    with pytest.raises(InvalidInputError, match="must be an AccountingClient"):
        require_payment("ai@example.com", price=1)  # type: ignore[arg-type]


async def test_the_challenge_request_decodes_as_the_method_says(service: PaidService) -> None:
    async with _http(service.app) as http:
        answer = await http.post("/summarize")
    header = answer.headers["www-authenticate"]
    encoded = header.split('request="')[1].split('"')[0]
    decoded = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    # JSON Canonicalization: keys sorted, no spaces.
    assert encoded == base64.urlsafe_b64encode(
        json.dumps(decoded, sort_keys=True, separators=(",", ":")).encode()
    ).decode().rstrip("=")


async def test_it_charges_in_a_fastapi_app(
    accounting_service: AccountingTestService, payer: AccountingClient
) -> None:
    from fastapi import FastAPI

    account = accounting_service.create_account(balance=0)
    api = FastAPI()

    @api.get("/free")
    async def free() -> dict[str, str]:
        return {"free": "yes"}

    @require_payment(account, price="0.25")
    async def summarize(request: Request) -> JSONResponse:
        return JSONResponse({"summary": (await request.json())["text"][:5]})

    api.add_route("/summarize", summarize, methods=["POST"])  # a route of FastAPI's own
    whole = require_payment(account, price="0.01")(FastAPI())  # or a whole app, every route
    async with payer.paying_http_client_async(
        transport=httpx.ASGITransport(app=api), base_url=PAID_URL
    ) as http:
        assert (await http.get("/free")).json() == {"free": "yes"}
        answer = await http.post("/summarize", json={"text": "hello world"})
    async with _http(whole) as http:
        assert (await http.get("/docs")).status_code == 402
    assert answer.json() == {"summary": "hello"}
    assert receipt_of(answer) is not None
    assert balances(payer, account) == [Decimal("1.75"), PRICE]


async def test_a_paid_answer_is_kept_out_of_shared_caches(
    accounting_service: AccountingTestService, payer: AccountingClient
) -> None:
    account = accounting_service.create_account(balance=0)

    @require_payment(account, price="0.01")
    async def cached(request: Request) -> PlainTextResponse:
        headers = {"Cache-Control": "public, max-age=60, s-maxage=600"}
        return PlainTextResponse("yes", headers=headers)

    async with payer.paying_http_client_async(
        transport=httpx.ASGITransport(app=cached), base_url=PAID_URL
    ) as http:
        answer = await http.get("/")
    assert answer.headers["cache-control"] == "private, max-age=60"


async def test_a_lost_answer_asked_again_just_after_the_expiry_is_still_owed(
    accounting_service: AccountingTestService, payer: AccountingClient
) -> None:
    now = [1_900_000_000.0]
    service = paid_app(accounting_service.create_account(balance=0), clock=lambda: now[0])
    async with _http(service.app) as http:
        credential, _ = await _credential(http, payer)
        headers = {"Authorization": credential}
        first = await http.post("/summarize", json={"text": "x"}, headers=headers)
        now[0] += 700  # the challenge expired at 600 s: the answer was paid for all the same
        again = await http.post("/summarize", json={"text": "x"}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert service.runs["summarize"] == 1


async def test_a_paying_client_asks_a_lost_answer_again_after_the_expiry(
    accounting_service: AccountingTestService,
    payer: AccountingClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The paid answer is lost, and the request is sent again once its challenge expired:
    # the service still owes that answer, so the paying client sends the same credential
    # again rather than paying a new challenge. Both sides read one clock, moved by hand.
    later = [0.0]

    def clock() -> float:
        return time.time() + later[0]

    monkeypatch.setattr(paying_module, "time", types.SimpleNamespace(time=clock))
    service = paid_app(accounting_service.create_account(balance=0), clock=clock)
    network = AsyncLoseFirstPaidAnswer(httpx.ASGITransport(app=service.app))
    async with payer.paying_http_client_async(transport=network, base_url=PAID_URL) as http:
        with pytest.raises(httpx.TransportError):
            await http.post("/summarize", json={"text": "x"})
        later[0] = 700  # the challenge expired at 600 s
        again = await http.post("/summarize", json={"text": "x"})
    assert again.status_code == 200
    assert len(network.credentials) == 2
    assert len(set(network.credentials)) == 1  # the same credential, no new payment
    assert service.runs["summarize"] == 1
    assert balances(payer, service.accounting) == [Decimal("1.75"), PRICE]


@pytest.mark.accounting_service(mode="loopback")
async def test_work_done_is_captured_even_if_the_caller_leaves(
    accounting_service: AccountingTestService, payer: AccountingClient
) -> None:
    # The caller's request is cancelled the moment the endpoint has done its work: the
    # capture goes on (shielded), so the charge is not left pending with its outcome
    # unknown. Over loopback, so that confirming waits on a real socket.
    account = accounting_service.create_account(balance=0)
    done = anyio.Event()

    @require_payment(account, price="0.25")
    async def work(request: Request) -> PlainTextResponse:
        done.set()
        return PlainTextResponse("done")

    async with _http(work) as http:
        credential, _ = await _credential(http, payer, "/")
        async with anyio.create_task_group() as group:

            async def call() -> None:
                await http.post("/", headers={"Authorization": credential})

            group.start_soon(call)
            await done.wait()
            group.cancel_scope.cancel()
    (charge,) = account.get_transaction_history()
    assert charge.status.value == "COMPLETED"
    assert balances(payer, account) == [Decimal("1.75"), PRICE]
