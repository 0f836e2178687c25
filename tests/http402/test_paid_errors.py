"""A paid request answered with an error: the budgets count what the payer really
spent, as the accounting service tells it (a cancelled hold: nothing; a capture below
the maximum: that capture; a hold still pending: its maximum), on the sync and the
async paying clients alike."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from syftbox_accounting import AccountingClient, Budget, RetryPolicy, receipt_of
from syftbox_accounting.http402 import method
from syftbox_accounting.testing.harness import AccountingTestService
from tests.http402.conftest import PAID_URL, PRICE, PaidService, balances, paid_app, pending
from tests.http402.test_paying import SERVICE_URL, FakeService

pytestmark = pytest.mark.accounting_service(mode="in-process")

PROBLEMS = "https://paymentauth.org/problems/"


@pytest.fixture
def payer(accounting_service: AccountingTestService) -> AccountingClient:
    return accounting_service.create_account(balance=2)


async def _post_async(
    payer: AccountingClient, budget: Budget, transport: httpx.AsyncBaseTransport, path: str
) -> httpx.Response:
    async with payer.paying_http_client_async(
        budget=budget, transport=transport, base_url=PAID_URL
    ) as http:
        return await http.post(path, json={"text": "hello", "tokens": 1})


# -- the paywall cancelled the hold: nothing was spent


def test_a_refused_paid_call_counts_nothing(served: PaidService, payer: AccountingClient) -> None:
    budget = Budget(per_day=1)
    with payer.paying_http_client(budget=budget, base_url=served.url) as http:
        answer = http.post("/refuse", json={"text": "hello"})
    assert answer.status_code == 400
    assert served.runs["refuse"] == 1
    assert budget.spent() == 0
    assert budget.entries == ()
    receipt = receipt_of(answer)
    assert receipt is not None
    assert receipt.amount == 0
    assert balances(payer) == [2]


@pytest.mark.anyio
async def test_a_refused_paid_call_counts_nothing_async(
    service: PaidService, payer: AccountingClient
) -> None:
    budget = Budget(per_day=1)
    answer = await _post_async(payer, budget, httpx.ASGITransport(app=service.app), "/refuse")
    assert answer.status_code == 400
    assert budget.spent() == 0
    receipt = receipt_of(answer)
    assert receipt is not None
    assert receipt.amount == 0


# -- the credential was refused before any charge: nothing was spent


def test_a_payment_the_payer_cannot_afford_counts_nothing(
    served: PaidService, accounting_service: AccountingTestService
) -> None:
    poor = accounting_service.create_account(balance=Decimal("0.10"))
    budget = Budget(per_day=1)
    with poor.paying_http_client(budget=budget, base_url=served.url) as http:
        answer = http.post("/summarize", json={"text": "hello"})
    assert answer.status_code == 402
    assert answer.json()["type"] == PROBLEMS + "payment-insufficient"
    assert served.runs["summarize"] == 0
    assert budget.spent() == 0


@pytest.mark.anyio
async def test_a_payment_the_payer_cannot_afford_counts_nothing_async(
    service: PaidService, accounting_service: AccountingTestService
) -> None:
    poor = accounting_service.create_account(balance=Decimal("0.10"))
    budget = Budget(per_day=1)
    answer = await _post_async(poor, budget, httpx.ASGITransport(app=service.app), "/summarize")
    assert answer.status_code == 402
    assert budget.spent() == 0


# -- the hold stays pending (cancelling it failed): it may still be captured


@pytest.mark.anyio
async def test_a_hold_left_pending_stays_counted_at_its_maximum(
    accounting_service: AccountingTestService, payer: AccountingClient
) -> None:
    account = accounting_service.create_account(balance=0, retry_policy=RetryPolicy(max_retries=0))
    service = paid_app(account)
    accounting_service.faults.status("cancelTransaction", 503, times=None)
    budget = Budget(per_day=1)
    answer = await _post_async(payer, budget, httpx.ASGITransport(app=service.app), "/refuse")
    accounting_service.faults.clear()
    assert answer.status_code == 400
    assert len(pending(account)) == 1
    assert budget.spent() == PRICE
    assert [e.paid for e in budget.entries] == [False]


# -- a service that captured less, or says otherwise than the accounting service


def _capturing(service: AccountingClient, captured: str, said: str | None) -> Any:
    """A paid answer of 422 after capturing `captured` of the hold, with a receipt that
    says `said` was charged (None: no receipt)."""

    def answer(challenge_id: str, payload: method.Payload) -> httpx.Response:
        with service.charging(payload.payer, PRICE, payload.token) as payment:
            payment.capture(Decimal(captured))
        headers = {}
        if said is not None:
            headers["Payment-Receipt"] = method.receipt_header(
                transaction_id=payment.id,
                charged=Decimal(said),
                max_amount=PRICE,
                challenge_id=challenge_id,
                timestamp=datetime.datetime.now(datetime.UTC),
            )
        return httpx.Response(422, headers=headers, json={"error": "partly done"})

    return answer


def _fake(
    accounting_service: AccountingTestService,
    service: AccountingClient,
    on_paid: Callable[[str, method.Payload], httpx.Response],
) -> FakeService:
    return FakeService(service.get_email(), accounting_service.url, on_paid=on_paid)


@pytest.mark.parametrize("said", ["0.10", "0"], ids=["told", "understated"])
def test_a_capture_below_the_maximum_counts_what_the_accounting_service_says(
    accounting_service: AccountingTestService, payer: AccountingClient, said: str
) -> None:
    service = accounting_service.create_account(balance=0)
    fake = _fake(accounting_service, service, _capturing(service, "0.10", said))
    budget = Budget(per_day=1)
    with payer.paying_http_client(
        budget=budget, transport=fake.transport, base_url=SERVICE_URL
    ) as http:
        answer = http.post("/q", json={})
    assert answer.status_code == 422
    assert budget.spent() == Decimal("0.10")
    assert [e.paid for e in budget.entries] == [True]
    assert balances(payer) == [Decimal("1.90")]


@pytest.mark.anyio
async def test_a_capture_below_the_maximum_counts_what_the_accounting_service_says_async(
    accounting_service: AccountingTestService, payer: AccountingClient
) -> None:
    service = accounting_service.create_account(balance=0)
    fake = _fake(accounting_service, service, _capturing(service, "0.10", "0"))
    budget = Budget(per_day=1)
    answer = await _post_async(payer, budget, fake.transport, "/q")
    assert answer.status_code == 422
    assert budget.spent() == Decimal("0.10")


def test_an_error_without_a_receipt_stays_counted_at_the_maximum(
    accounting_service: AccountingTestService,
    payer: AccountingClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    service = accounting_service.create_account(balance=0)
    fake = _fake(accounting_service, service, _capturing(service, "0.10", None))
    budget = Budget(per_day=1)
    with (
        caplog.at_level(logging.WARNING, logger="syftbox_accounting.http402"),
        payer.paying_http_client(
            budget=budget, transport=fake.transport, base_url=SERVICE_URL
        ) as http,
    ):
        assert http.post("/q", json={}).status_code == 422
    assert budget.spent() == PRICE  # what it cost is unknown: its maximum
    assert "has no Payment-Receipt" in caplog.text
    assert "counted at its maximum" in caplog.text


# -- a paid request sent again (its answer was lost) and refused


def test_a_resent_credential_refused_stays_counted_at_its_maximum(
    accounting_service: AccountingTestService, payer: AccountingClient
) -> None:
    # The first paid answer is lost; the same credential again gets a 402 without a
    # receipt (a service that forgot it: restarted, or another process): the first
    # send may have been charged, so it stays counted, and the new challenge is paid.
    from tests.http402.conftest import LoseFirstPaidAnswer

    service = accounting_service.create_account(balance=0)
    seen: list[str] = []

    def answer(challenge_id: str, payload: method.Payload) -> httpx.Response:
        seen.append(challenge_id)
        if len(seen) == 2:
            fresh = fake.challenge()
            challenge = fresh.to_www_authenticate(fresh.realm)
            return httpx.Response(402, headers={"WWW-Authenticate": challenge}, json={})
        header = method.receipt_header(
            transaction_id="tx-1",
            charged=PRICE,
            max_amount=PRICE,
            challenge_id=challenge_id,
            timestamp=datetime.datetime.now(datetime.UTC),
        )
        return httpx.Response(200, headers={"Payment-Receipt": header}, json={})

    fake = _fake(accounting_service, service, answer)
    network = LoseFirstPaidAnswer(fake.transport)
    budget = Budget(per_day=1)
    with payer.paying_http_client(budget=budget, transport=network, base_url=SERVICE_URL) as http:
        with pytest.raises(httpx.TransportError):
            http.post("/q", json={})
        assert http.post("/q", json={}).status_code == 200
    assert seen[0] == seen[1] != seen[2]  # the same credential, then a new challenge
    assert sorted((e.amount, e.paid) for e in budget.entries) == [(PRICE, False), (PRICE, True)]


@pytest.mark.anyio
async def test_a_resent_credential_whose_endpoint_raised_counts_nothing(
    accounting_service: AccountingTestService, payer: AccountingClient, service: PaidService
) -> None:
    # The endpoint raised (500, no receipt: the outcome is unknown, the credential
    # kept); sent again, the paywall says it cancelled that charge, with its receipt.
    budget = Budget(per_day=1)
    transport = httpx.ASGITransport(app=service.app, raise_app_exceptions=False)
    async with payer.paying_http_client_async(
        budget=budget, transport=transport, base_url=PAID_URL
    ) as http:
        first = await http.post("/fail", json={})
        assert [(e.amount, e.paid) for e in budget.entries] == [(PRICE, False)]
        again = await http.post("/fail", json={})  # the same credential, then a new one
    assert first.status_code == again.status_code == 500
    assert service.runs["fail"] == 2
    # The first charge was cancelled: counted no more; the second is unknown still.
    assert [(e.amount, e.paid) for e in budget.entries] == [(PRICE, False)]
    assert balances(payer) == [2]


# -- the same request twice at once is two calls


def test_the_same_request_sent_while_one_is_in_flight_is_paid_on_its_own(
    accounting_service: AccountingTestService, payer: AccountingClient
) -> None:
    # Two identical requests at once (two poems for one prompt) are two calls, not a
    # retry of a lost answer: the second must not reuse the first's credential (it
    # would get the first's answer, the work done once for two calls).
    service = accounting_service.create_account(balance=0)
    credentials: list[str] = []
    answers: list[int] = []
    http: httpx.Client

    def answer(challenge_id: str, payload: method.Payload) -> httpx.Response:
        credentials.append(challenge_id)
        if len(credentials) == 1:  # the first is in flight: the same request again
            answers.append(http.post("/q", json={"prompt": "a poem"}).status_code)
        header = method.receipt_header(
            transaction_id=f"tx-{len(credentials)}",
            charged=PRICE,
            max_amount=PRICE,
            challenge_id=challenge_id,
            timestamp=datetime.datetime.now(datetime.UTC),
        )
        return httpx.Response(200, headers={"Payment-Receipt": header}, json={})

    fake = _fake(accounting_service, service, answer)
    budget = Budget(per_day=1)
    with payer.paying_http_client(
        budget=budget, transport=fake.transport, base_url=SERVICE_URL
    ) as http:
        answers.append(http.post("/q", json={"prompt": "a poem"}).status_code)
    assert answers == [200, 200]
    assert len(set(credentials)) == 2  # two challenges, each paid once
    assert budget.spent() == 2 * PRICE


# -- a paid answer whose receipt says less than the most


def _answering(service: AccountingClient, captured: str, said: str) -> Any:
    """A paid answer of 200 after capturing `captured`, its receipt saying `said`."""

    def answer(challenge_id: str, payload: method.Payload) -> httpx.Response:
        with service.charging(payload.payer, PRICE, payload.token) as payment:
            payment.capture(Decimal(captured))
        header = method.receipt_header(
            transaction_id=payment.id,
            charged=Decimal(said),
            max_amount=PRICE,
            challenge_id=challenge_id,
            timestamp=datetime.datetime.now(datetime.UTC),
        )
        return httpx.Response(200, headers={"Payment-Receipt": header}, json={})

    return answer


@pytest.mark.parametrize(("captured", "said"), [("0.25", "0.01"), ("0.10", "0"), ("0.10", "0.10")])
def test_a_receipt_below_the_maximum_is_checked_at_the_accounting_service(
    accounting_service: AccountingTestService, payer: AccountingClient, captured: str, said: str
) -> None:
    # A service that says it charged less than it did would let a payer past its
    # budget's limits: a receipt below the most is checked.
    service = accounting_service.create_account(balance=0)
    fake = _fake(accounting_service, service, _answering(service, captured, said))
    budget = Budget(per_day=1)
    with payer.paying_http_client(
        budget=budget, transport=fake.transport, base_url=SERVICE_URL
    ) as http:
        answer = http.post("/q", json={})
    assert answer.status_code == 200
    assert budget.spent() == Decimal(captured)
    receipt = receipt_of(answer)
    assert receipt is not None
    assert receipt.amount == Decimal(captured)


@pytest.mark.anyio
async def test_a_receipt_below_the_maximum_is_checked_at_the_accounting_service_async(
    accounting_service: AccountingTestService, payer: AccountingClient
) -> None:
    service = accounting_service.create_account(balance=0)
    fake = _fake(accounting_service, service, _answering(service, "0.25", "0.01"))
    budget = Budget(per_day=1)
    answer = await _post_async(payer, budget, fake.transport, "/q")
    assert answer.status_code == 200
    assert budget.spent() == PRICE


def test_the_challenges_paid_are_forgotten_once_expired(
    accounting_service: AccountingTestService, payer: AccountingClient
) -> None:
    # A long-running client pays challenge after challenge: the ones it paid are kept
    # (a challenge is paid once) only until they expire, or its memory would grow
    # without end.
    service = accounting_service.create_account(balance=0)
    fake = FakeService(service.get_email(), accounting_service.url)
    with payer.paying_http_client(transport=fake.transport, base_url=SERVICE_URL) as http:
        core = http._transport.payer  # type: ignore[attr-defined]
        assert http.get("/").status_code == 200
        (first,) = core._paid
        core._paid[first] = 0.0  # as if it had expired
        assert http.get("/").status_code == 200
    assert first not in core._paid
    assert len(core._paid) == 1


def test_a_paid_answer_whose_charge_is_pending_stays_counted_at_the_maximum(
    accounting_service: AccountingTestService, payer: AccountingClient
) -> None:
    # The service answers, says it charged $0.10, and leaves the hold pending: it may
    # still capture up to the maximum, so the budget keeps that; the answer keeps the
    # service's receipt.
    service = accounting_service.create_account(balance=0)

    def answer(challenge_id: str, payload: method.Payload) -> httpx.Response:
        held = service.charge(payload.payer, PRICE, payload.token)
        header = method.receipt_header(
            transaction_id=held.id,
            charged=Decimal("0.10"),
            max_amount=PRICE,
            challenge_id=challenge_id,
            timestamp=datetime.datetime.now(datetime.UTC),
        )
        return httpx.Response(200, headers={"Payment-Receipt": header}, json={})

    fake = _fake(accounting_service, service, answer)
    budget = Budget(per_day=1)
    with payer.paying_http_client(
        budget=budget, transport=fake.transport, base_url=SERVICE_URL
    ) as http:
        paid = http.post("/q", json={})
    assert budget.spent() == PRICE
    receipt = receipt_of(paid)
    assert receipt is not None
    assert receipt.amount == Decimal("0.10")
    assert len(pending(payer)) == 1


def test_a_receipt_naming_an_earlier_payment_is_not_taken_for_this_one(
    accounting_service: AccountingTestService, payer: AccountingClient
) -> None:
    # The first call is charged $0.01; the second $0.25, but its receipt names the
    # first charge again: checked at the accounting service, it says $0.01, which is
    # the first payment's, not this one's. It stays counted at its maximum.
    service = accounting_service.create_account(balance=0)
    first: list[str] = []

    def answer(challenge_id: str, payload: method.Payload) -> httpx.Response:
        with service.charging(payload.payer, PRICE, payload.token) as payment:
            payment.capture(Decimal("0.01") if not first else PRICE)
        first.append(payment.id)
        header = method.receipt_header(
            transaction_id=first[0],
            charged=Decimal("0.01"),
            max_amount=PRICE,
            challenge_id=challenge_id,
            timestamp=datetime.datetime.now(datetime.UTC),
        )
        return httpx.Response(200, headers={"Payment-Receipt": header}, json={})

    fake = _fake(accounting_service, service, answer)
    budget = Budget(per_day=1)
    with payer.paying_http_client(
        budget=budget, transport=fake.transport, base_url=SERVICE_URL
    ) as http:
        assert http.post("/q", json={"n": 1}).status_code == 200
        assert http.post("/q", json={"n": 2}).status_code == 200
    assert budget.spent() == Decimal("0.01") + PRICE
