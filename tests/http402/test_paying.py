"""The paying clients' rules, against a scripted service (an httpx MockTransport that
issues and checks syftbox challenges the way a paywall does) and the reference
accounting service, which makes the tokens: what they pay, what they refuse before
any token exists, and what they remember."""

from __future__ import annotations

import datetime
import logging
import subprocess
import sys
import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from syftbox_accounting import (
    AccountingClient,
    AuthenticationError,
    Budget,
    BudgetExceededError,
    InvalidInputError,
    PaymentError,
    RetryPolicy,
    ServiceException,
    receipt_of,
)
from syftbox_accounting.http402 import method
from syftbox_accounting.http402.paying import Payer
from syftbox_accounting.testing.harness import AccountingTestService
from syftbox_accounting.validation import Hidden

pytestmark = pytest.mark.accounting_service(mode="in-process")

SERVICE_URL = "https://ai.example.com"
SECRET = "a-test-secret"


class FakeService:
    """A paid service scripted for one test: it answers 402 with a syftbox challenge
    (and `others`), checks a credential as a paywall would, and answers 200 with a
    receipt (`receipt` may alter it), or what `paid_answer` says."""

    def __init__(
        self,
        recipient: str,
        accounting_url: str,
        *,
        amount: str = "0.25",
        intent: str = "charge",
        expires_in: float = 600,
        others: tuple[str, ...] = (),
        header: str | None = None,
        reuse_challenge: bool = False,
        receipt: Callable[[str, Decimal], str | None] | None = None,
        paid_answer: int = 200,
        on_paid: Callable[[str, method.Payload], httpx.Response] | None = None,
    ) -> None:
        self.request = method.request(intent, amount, recipient, accounting_url)
        self.intent, self.amount, self.expires_in = intent, Decimal(amount), expires_in
        self.others, self.header, self.reuse = others, header, reuse_challenge
        self.receipt, self.paid_answer = receipt, paid_answer
        self.on_paid = on_paid  # answers a paid request (challenge id, payload) instead
        self.payloads: list[method.Payload] = []
        self.credentials: list[str] = []
        self.seen: list[httpx.Request] = []
        self._challenge: method.Challenge | None = None
        self.transport = httpx.MockTransport(self.handle)

    def challenge(self) -> method.Challenge:
        if self._challenge is None or not self.reuse:
            expires = datetime.datetime.now(datetime.UTC) + datetime.timedelta(
                seconds=self.expires_in
            )
            self._challenge = method.Challenge.create(
                secret_key=SECRET,
                realm="ai.example.com",
                method="syftbox",
                intent=self.intent,
                request=self.request,
                expires=method.rfc3339(expires),
                meta={"nonce": str(len(self.seen))},
                header=self.header,
            )
        return self._challenge

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        value = request.headers.get(self.header or "authorization", "")
        if not value.startswith("Payment "):
            challenge = self.challenge()
            headers = [("WWW-Authenticate", other) for other in self.others]
            headers.append(("WWW-Authenticate", challenge.to_www_authenticate(challenge.realm)))
            return httpx.Response(402, headers=headers, json={"title": "Payment Required"})
        credential, payload = method.authenticate(
            value,
            secret_key=SECRET,
            realm="ai.example.com",
            intent=self.intent,
            wire_request=self.request,
        )
        self.payloads.append(payload)
        self.credentials.append(value)
        if self.on_paid is not None:
            return self.on_paid(credential.challenge.id, payload)
        if self.paid_answer != 200:
            return httpx.Response(self.paid_answer, json={"error": "scripted"})
        header = method.receipt_header(
            transaction_id="tx-1",
            charged=self.amount,
            max_amount=self.amount,
            challenge_id=credential.challenge.id,
            timestamp=datetime.datetime.now(datetime.UTC),
        )
        if self.receipt is not None:
            header = self.receipt(credential.challenge.id, self.amount)
        headers = {} if header is None else {"Payment-Receipt": header}
        return httpx.Response(200, headers=headers, json={"answer": 42})


@pytest.fixture
def payer(accounting_service: AccountingTestService) -> AccountingClient:
    return accounting_service.create_account(balance=5)


@pytest.fixture
def service(accounting_service: AccountingTestService) -> AccountingClient:
    """The scripted service's account (it makes no charge: the tests check tokens)."""
    return accounting_service.create_account(balance=0)


@pytest.fixture
def recipient(service: AccountingClient) -> str:
    return service.get_email()


def _paying(payer: AccountingClient, fake: FakeService, **options: Any) -> httpx.Client:
    return payer.paying_http_client(transport=fake.transport, base_url=SERVICE_URL, **options)


# -- what it pays, and how


def test_it_pays_a_challenge_with_a_token_bounded_to_it(
    payer: AccountingClient,
    service: AccountingClient,
    accounting_service: AccountingTestService,
    minted: Any,
) -> None:
    fake = FakeService(service.get_email(), accounting_service.url)
    tokens = minted(payer)
    with _paying(payer, fake) as http:
        answer = http.get("/answer")
    assert answer.status_code == 200
    receipt = receipt_of(answer)
    assert receipt is not None
    assert receipt.transaction_id == "tx-1"
    (call,) = tokens.calls
    to, limit, lifetime, key = call["args"]
    assert (to, limit) == (service.get_email(), Decimal("0.25"))
    assert 598 <= lifetime <= 600  # it expires with the challenge
    assert key.startswith("http402-")  # the same challenge makes the same token
    assert call["kwargs"] == {"budgeted": False}
    first, paid = fake.seen
    assert first.headers["accept-payment"] == "syftbox/charge, syftbox/upto"
    assert "authorization" not in first.headers
    assert paid.headers["authorization"].startswith("Payment ")
    # The token is real, from the payer, and lets the service charge the price, no more.
    (payload,) = fake.payloads
    assert payload.payer == payer.get_email()
    with pytest.raises(PaymentError) as over:
        service.charge(payload.payer, Decimal("0.26"), payload.token)
    assert over.value.code == "token_limit_exceeded"
    assert service.charge(payload.payer, Decimal("0.25"), payload.token, confirm=True).amount == (
        Decimal("0.25")
    )


def test_an_answer_without_a_challenge_passes_through(payer: AccountingClient) -> None:
    plain = httpx.MockTransport(lambda request: httpx.Response(200, json={"free": True}))
    with payer.paying_http_client(transport=plain) as http:
        answer = http.get("https://ai.example.com/free")
    assert answer.json() == {"free": True}
    assert receipt_of(answer) is None


def test_a_402_of_another_method_is_left_to_the_caller(
    payer: AccountingClient, minted: Any
) -> None:
    tokens = minted(payer)
    tempo = 'Payment id="x1", realm="r", method="tempo", intent="charge", request="e30"'

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(402, headers={"WWW-Authenticate": tempo})

    with payer.paying_http_client(transport=httpx.MockTransport(answer)) as http:
        refused = http.get("https://ai.example.com/")
    assert refused.status_code == 402
    assert tokens.calls == []


def test_it_picks_its_own_challenge_among_several(
    payer: AccountingClient, recipient: str, accounting_service: AccountingTestService
) -> None:
    tempo = 'Payment id="x1", realm="r", method="tempo", intent="charge", request="e30"'
    bearer = (
        'Bearer realm="api", '
        'Payment id="x2", realm="r", method="stripe", intent="charge", request="e30"'
    )
    fake = FakeService(recipient, accounting_service.url, others=(tempo, bearer))
    with _paying(payer, fake) as http:
        assert http.get("/").status_code == 200
    assert len(fake.payloads) == 1


def test_the_credential_goes_where_the_challenge_asks(
    payer: AccountingClient, recipient: str, accounting_service: AccountingTestService
) -> None:
    fake = FakeService(recipient, accounting_service.url, header="Payment-Authorization")
    with _paying(payer, fake, headers={"Authorization": "Bearer app-key"}) as http:
        assert http.get("/").status_code == 200
    paid = fake.seen[-1]
    assert paid.headers["authorization"] == "Bearer app-key"  # the caller's own auth stays
    assert paid.headers["payment-authorization"].startswith("Payment ")


def test_a_credential_of_the_callers_own_passes_untouched(
    payer: AccountingClient, minted: Any
) -> None:
    tokens = minted(payer)
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(402, headers={"WWW-Authenticate": "Payment id=x"})

    with payer.paying_http_client(transport=httpx.MockTransport(answer)) as http:
        http.get("https://ai.example.com/", headers={"Authorization": "Payment abc"})
    assert [r.headers["authorization"] for r in seen] == ["Payment abc"]
    assert tokens.calls == []


# -- what it refuses, before any token exists


def _refused(error: pytest.ExceptionInfo[PaymentError], *words: str) -> None:
    assert error.value.hint_key == "challenge_refused"
    assert "Nothing was paid" in str(error.value)
    for word in words:
        assert word in str(error.value)


def test_it_never_pays_an_origin_outside_allowed_origins(
    payer: AccountingClient, recipient: str, accounting_service: AccountingTestService, minted: Any
) -> None:
    tokens = minted(payer)
    fake = FakeService(recipient, accounting_service.url)
    with (
        _paying(payer, fake, allowed_origins=["https://other.example.com"]) as http,
        pytest.raises(PaymentError) as refused,
    ):
        http.get("/")
    _refused(refused, "https://ai.example.com", "allowed_origins", "https://other.example.com")
    assert tokens.calls == []
    # The same origin, spelt otherwise (case, default port, a trailing slash), is allowed.
    with _paying(payer, fake, allowed_origins=["HTTPS://AI.example.com:443/"]) as http:
        assert http.get("/").status_code == 200


def test_an_empty_allow_list_pays_no_one(
    payer: AccountingClient, recipient: str, accounting_service: AccountingTestService
) -> None:
    fake = FakeService(recipient, accounting_service.url)
    with _paying(payer, fake, allowed_origins=[]) as http, pytest.raises(PaymentError) as refused:
        http.get("/")
    _refused(refused, "(none)")


@pytest.mark.parametrize(
    "origins",
    [["https://ai.example.com/v1"], ["ai.example.com"], ["ftp://ai.example.com"], [3], 3, True],
    ids=["path", "no-scheme", "ftp", "not-text", "not-a-list", "bool"],
)
def test_a_malformed_allowed_origin_is_refused_at_once(
    payer: AccountingClient, origins: Any
) -> None:
    with pytest.raises(InvalidInputError, match="allowed_origins must list origins"):
        payer.paying_http_client(allowed_origins=origins)


@pytest.mark.parametrize(
    "origin",
    ["https://agent:s3cret-pw@ai.example.com", "https://agent:s3cret-pw@ai example.com"],
    ids=["credentials", "credentials-and-bad-host"],
)
def test_an_allowed_origin_with_credentials_is_refused_without_showing_them(
    payer: AccountingClient, origin: str
) -> None:
    with pytest.raises(InvalidInputError, match="allowed_origins must list origins") as refused:
        payer.paying_http_client(allowed_origins=[origin])
    assert "s3cret-pw" not in str(refused.value)


def test_it_refuses_a_challenge_of_another_accounting_service(
    payer: AccountingClient, recipient: str, minted: Any
) -> None:
    tokens = minted(payer)
    fake = FakeService(recipient, "https://rogue-accounting.example.com")
    with _paying(payer, fake) as http, pytest.raises(PaymentError) as refused:
        http.get("/")
    _refused(refused, "https://rogue-accounting.example.com", payer.accounting_url)
    assert "client of an account at that accounting service" in (refused.value.hint or "")
    assert tokens.calls == []


def test_the_same_accounting_service_spelt_otherwise_is_paid(
    payer: AccountingClient, recipient: str, accounting_service: AccountingTestService
) -> None:
    url = httpx.URL(accounting_service.url)
    port = url.port or 80
    spelt = f"HTTP://{url.host.upper()}:{port}/"
    fake = FakeService(recipient, spelt)
    with _paying(payer, fake) as http:
        assert http.get("/").status_code == 200


def test_it_refuses_to_pay_over_plain_http_to_a_remote_host(
    payer: AccountingClient, recipient: str, accounting_service: AccountingTestService
) -> None:
    fake = FakeService(recipient, accounting_service.url)
    with (
        payer.paying_http_client(transport=fake.transport) as http,
        pytest.raises(PaymentError) as refused,
    ):
        http.get("http://ai.example.com/")
    _refused(refused, "plain http://", "allow_insecure_http")
    # Allowed when the client allows insecure http, and to loopback hosts.
    with payer.paying_http_client(transport=fake.transport) as http:
        assert http.get("http://127.0.0.1:9/").status_code == 200


def test_it_refuses_an_expired_challenge(
    payer: AccountingClient, recipient: str, accounting_service: AccountingTestService
) -> None:
    fake = FakeService(recipient, accounting_service.url, expires_in=-5)
    with _paying(payer, fake) as http, pytest.raises(PaymentError) as refused:
        http.get("/")
    _refused(refused, "it expired at")
    assert "clock" in (refused.value.hint or "")  # what to check, not the docs


@pytest.mark.parametrize(
    ("field", "value", "why"),
    [
        ("amount", "1e-1", "decimal string"),
        ("amount", 0.25, "decimal string"),
        ("amount", "0.0000001", "too precise"),
        ("currency", "eur", "currency must be 'usd'"),
        ("recipient", "not-an-email", "recipient"),
        ("methodDetails", {"accountingUrl": "ftp://x"}, "accountingUrl"),
    ],
)
def test_it_refuses_a_challenge_that_breaks_the_method(
    payer: AccountingClient,
    recipient: str,
    accounting_service: AccountingTestService,
    field: str,
    value: Any,
    why: str,
    minted: Any,
) -> None:
    tokens = minted(payer)
    fake = FakeService(recipient, accounting_service.url)
    fake.request = {**fake.request, field: value}
    with _paying(payer, fake) as http, pytest.raises(PaymentError) as refused:
        http.get("/")
    _refused(refused, "breaks the syftbox method", why)
    assert tokens.calls == []


def test_it_pays_a_challenge_once(
    payer: AccountingClient, recipient: str, accounting_service: AccountingTestService, minted: Any
) -> None:
    # A service that refuses the credential and asks the same challenge again.
    tokens = minted(payer)
    fake = FakeService(recipient, accounting_service.url, reuse_challenge=True, paid_answer=402)
    with _paying(payer, fake) as http:
        assert http.get("/").status_code == 402  # paid once, retried once: its answer stands
        with pytest.raises(PaymentError) as refused:
            http.get("/")
    _refused(refused, "paid challenge", "already")
    assert "ask the service about the payment" in (refused.value.hint or "")
    assert len(tokens.calls) == 1


def test_a_challenge_paid_by_a_concurrent_request_stays_paid(
    payer: AccountingClient, recipient: str, accounting_service: AccountingTestService, minted: Any
) -> None:
    # Two requests get the same challenge (a service or cache that repeats it) and both
    # accept it before either makes its token: the first pays it, the second is refused,
    # and the challenge stays paid for a third. The payer's core is stepped by hand, so
    # that the two interleave the same way on every run.
    tokens = minted(payer)
    fake = FakeService(recipient, accounting_service.url, reuse_challenge=True)
    core = Payer(payer)

    def accepted() -> tuple[Any, Any]:
        flow = core.pay(httpx.Request("GET", SERVICE_URL + "/"))
        sent = next(flow)
        return flow, flow.send(fake.transport.handle_request(sent.request))  # closes the 402

    first, _ = accepted()
    second, _ = accepted()
    minting = first.send(None)
    with pytest.raises(PaymentError, match="paid already") as refused:
        second.send(None)
    assert refused.value.hint  # what to do next
    third, _ = accepted()
    with pytest.raises(PaymentError) as again:
        third.send(None)  # the 402 closed, the refusal comes
    _refused(again, "paid challenge", "already")
    sent = first.send(Hidden(payer._run(minting.flow)))  # as the drivers answer
    with pytest.raises(StopIteration) as done:
        first.send(fake.transport.handle_request(sent.request))
    assert done.value.value.status_code == 200
    assert len(tokens.calls) == 1


def _token_failed(error: pytest.ExceptionInfo[ServiceException], budget: Budget) -> None:
    notes = " ".join(getattr(error.value, "__notes__", ()))
    assert "https://ai.example.com" in notes
    assert "nothing was paid" in notes
    assert "send the request again" in notes
    assert budget.entries == ()


def test_a_token_that_cannot_be_made_says_the_request_was_not_paid(
    accounting_service: AccountingTestService, recipient: str
) -> None:
    # The error is create_transaction_token's, which the caller did not call: a note
    # says what it was for, and what to do.
    agent = accounting_service.create_account(balance=1, retry_policy=RetryPolicy(max_retries=0))
    accounting_service.faults.status("createToken", 503, times=None)
    fake, budget = FakeService(recipient, accounting_service.url), Budget(per_day=1)
    with _paying(agent, fake, budget=budget) as http, pytest.raises(ServiceException) as failed:
        http.get("/")
    _token_failed(failed, budget)


@pytest.mark.anyio
async def test_a_token_that_cannot_be_made_says_the_request_was_not_paid_async(
    accounting_service: AccountingTestService, recipient: str
) -> None:
    agent = accounting_service.create_account(balance=1, retry_policy=RetryPolicy(max_retries=0))
    accounting_service.faults.status("createToken", 503, times=None)
    fake, budget = FakeService(recipient, accounting_service.url), Budget(per_day=1)
    async with agent.paying_http_client_async(
        budget=budget, transport=fake.transport, base_url=SERVICE_URL
    ) as http:
        with pytest.raises(ServiceException) as failed:
            await http.get("/")
    _token_failed(failed, budget)


def test_an_up_to_price_over_the_budget_says_it_is_the_most_it_may_cost(
    payer: AccountingClient, recipient: str, accounting_service: AccountingTestService, minted: Any
) -> None:
    # The service sets the price after the work, at most $0.50: the budget counts the
    # most, and the refusal says so, or "Paying $0.50" reads as the price.
    tokens = minted(payer)
    fake = FakeService(recipient, accounting_service.url, intent="upto", amount="0.50")
    budget = Budget(per_call="0.10")
    with (
        _paying(payer, fake, budget=budget) as http,
        pytest.raises(BudgetExceededError) as refused,
    ):
        http.get("/")
    notes = " ".join(getattr(refused.value, "__notes__", ()))
    assert "up to $0.50" in notes
    assert "after the work" in notes
    assert tokens.calls == []


def test_an_unconfigured_client_pays_nothing(
    accounting_service: AccountingTestService, recipient: str
) -> None:
    fake = FakeService(recipient, accounting_service.url)
    nobody = accounting_service.client()
    with _paying(nobody, fake) as http, pytest.raises(AuthenticationError):
        http.get("/")


# -- what it remembers: receipts, budgets, lost answers


@pytest.mark.parametrize("given", [None, 5, {"status": 200}], ids=["None", "int", "json"])
def test_receipt_of_something_that_is_not_a_response_says_what_it_takes(given: Any) -> None:
    with pytest.raises(InvalidInputError, match=r"receipt_of takes the httpx\.Response"):
        receipt_of(given)


def test_a_receipt_that_claims_too_much_is_not_trusted(
    payer: AccountingClient,
    recipient: str,
    accounting_service: AccountingTestService,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def greedy(challenge_id: str, amount: Decimal) -> str:
        return method.receipt_header(
            transaction_id="tx-1",
            charged=amount * 2,
            max_amount=amount * 2,
            challenge_id=challenge_id,
            timestamp=datetime.datetime.now(datetime.UTC),
        )

    budget = Budget(per_day=10)
    fake = FakeService(recipient, accounting_service.url, receipt=greedy)
    with caplog.at_level(logging.WARNING), _paying(payer, fake, budget=budget) as http:
        answer = http.get("/")
    assert answer.status_code == 200
    assert receipt_of(answer) is None
    assert "more than the $0.25 the token allowed" in caplog.text
    assert budget.spent() == Decimal("0.25")  # counted at the token's limit
    assert [e.paid for e in budget.entries] == [False]


@pytest.mark.parametrize(
    "receipt",
    [lambda cid, amount: None, lambda cid, amount: "not-base64!", lambda cid, amount: "e30"],
    ids=["none", "garbled", "empty"],
)
def test_an_answer_without_a_valid_receipt_counts_at_the_maximum(
    payer: AccountingClient,
    recipient: str,
    accounting_service: AccountingTestService,
    receipt: Any,
) -> None:
    budget = Budget(per_day=10)
    fake = FakeService(recipient, accounting_service.url, receipt=receipt)
    with _paying(payer, fake, budget=budget) as http:
        answer = http.get("/")
    assert receipt_of(answer) is None
    assert budget.spent() == Decimal("0.25")


def test_a_failed_paid_answer_keeps_the_credential_for_a_retry(
    payer: AccountingClient, recipient: str, accounting_service: AccountingTestService, minted: Any
) -> None:
    tokens = minted(payer)
    fake = FakeService(recipient, accounting_service.url, paid_answer=503)
    with _paying(payer, fake) as http:
        assert http.post("/q", json={"a": 1}).status_code == 503  # the outcome is unknown
        fake.paid_answer = 200
        assert http.post("/q", json={"a": 1}).status_code == 200  # the caller retries
        assert http.post("/q", json={"a": 2}).status_code == 200  # another request: paid anew
    first, retried, other = fake.credentials
    assert first == retried != other
    assert len(tokens.calls) == 2


def test_both_budgets_count_a_payment(
    accounting_service: AccountingTestService, recipient: str
) -> None:
    own = Budget(per_day=10)
    payer = accounting_service.create_account(balance=5, budget=own)
    extra = Budget(per_call=1)
    fake = FakeService(recipient, accounting_service.url)
    with _paying(payer, fake, budget=extra) as http:
        http.get("/")
    assert own.spent() == extra.spent() == Decimal("0.25")
    # The client's own budget applies to its paying clients too.
    tight = accounting_service.create_account(balance=5, budget=Budget(per_call="0.10"))
    with (
        _paying(tight, fake, budget=Budget(per_call=5)) as http,
        pytest.raises(BudgetExceededError),
    ):
        http.get("/")


def test_concurrent_payments_never_overspend_a_budget(
    payer: AccountingClient, recipient: str, accounting_service: AccountingTestService
) -> None:
    budget = Budget(per_day=1)  # four payments of $0.25
    fake = FakeService(recipient, accounting_service.url)
    start = threading.Barrier(8)
    outcomes: list[object] = []

    def pay() -> None:
        with _paying(payer, fake, budget=budget) as http:
            start.wait()
            try:
                outcomes.append(http.get("/").status_code)
            except BudgetExceededError as exc:
                outcomes.append(exc.limit)

    threads = [threading.Thread(target=pay) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=str) == [200] * 4 + ["per_day"] * 4
    assert budget.spent() == 1
    assert len(fake.payloads) == 4


@pytest.mark.anyio
@pytest.mark.parametrize("in_file", [False, True], ids=["in-memory", "ledger-file"])
async def test_concurrent_async_payments_never_overspend_a_budget(
    payer: AccountingClient,
    recipient: str,
    accounting_service: AccountingTestService,
    tmp_path: Path,
    in_file: bool,
) -> None:
    # A budget kept in a file is written in worker threads by the async client: the
    # payments meeting there must not overspend it either.
    ledger = tmp_path / "ledger.json" if in_file else None
    budget = Budget(per_hour="0.50", ledger_file=ledger)  # two payments of $0.25
    fake = FakeService(recipient, accounting_service.url)
    outcomes: list[object] = []
    async with payer.paying_http_client_async(
        budget=budget, transport=fake.transport, base_url=SERVICE_URL
    ) as http:

        async def pay() -> None:
            try:
                outcomes.append((await http.get("/")).status_code)
            except BudgetExceededError as exc:
                outcomes.append(exc.limit)

        async with anyio.create_task_group() as group:
            for _ in range(5):
                group.start_soon(pay)
    assert sorted(outcomes, key=str) == [200] * 2 + ["per_hour"] * 3
    assert budget.spent() == Decimal("0.50")
    if ledger is not None:
        assert Budget(ledger_file=ledger).spent() == Decimal("0.50")


def test_a_failed_token_releases_its_reservation(
    payer: AccountingClient, recipient: str, accounting_service: AccountingTestService
) -> None:
    budget = Budget(per_day=1)
    fake = FakeService(recipient, accounting_service.url)
    refused = accounting_service.faults.error("createToken", "not_found")
    with _paying(payer, fake, budget=budget) as http, pytest.raises(PaymentError):
        http.get("/")
    assert refused.hits == 1
    assert budget.entries == ()  # no token: nothing counted
    with _paying(payer, fake, budget=budget) as http:
        assert http.get("/").status_code == 200  # and the challenge may still be paid


# -- bad input, before any request


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"budget": {"per_call": 1}}, "budget must be a syftbox_accounting.Budget"),
        ({"transport": httpx.AsyncHTTPTransport()}, "transport must be an httpx.BaseTransport"),
        ({"mounts": {}}, "mounts would route requests past"),
        ({"no_such_option": 1}, "An option Client does not take"),
    ],
)
def test_bad_options_are_refused(
    payer: AccountingClient, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        payer.paying_http_client(**options)


@pytest.mark.parametrize("twin", ["paying_http_client", "paying_http_client_async"])
@pytest.mark.parametrize(
    "options",
    [{"params": 5}, {"event_hooks": 5}, {"proxy": 5}, {"base_url": "http://ai.example.com:x"}],
    ids=["params", "event_hooks", "proxy", "base_url"],
)
def test_a_malformed_httpx_option_is_refused_by_both_twins(
    payer: AccountingClient, twin: str, options: dict[str, Any]
) -> None:
    with pytest.raises(InvalidInputError, match=r"An option .*Client does not take"):
        getattr(payer, twin)(**options)


def test_the_async_twin_wants_an_async_transport(payer: AccountingClient) -> None:
    with pytest.raises(InvalidInputError, match=r"httpx\.AsyncBaseTransport"):
        payer.paying_http_client_async(transport=httpx.HTTPTransport())


def test_without_the_extra_the_error_says_what_to_install() -> None:
    # Every public name imports on a plain install (a star import too); paying or
    # charging over HTTP says what to install.
    code = (
        "import sys; sys.modules['mpp'] = None\n"
        "from syftbox_accounting import *\n"
        "from syftbox_accounting import AccountingClient, Budget, require_payment\n"
        "Budget(per_call=1)  # budgets need no extra\n"
        "client = AccountingClient('http://127.0.0.1:1', 'a@example.com', 'pw-123456')\n"
        "for attempt in (client.paying_http_client, lambda: require_payment(client, price=1)):\n"
        "    try:\n"
        "        attempt()\n"
        "    except ImportError as exc:\n"
        "        print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 2
    for line in lines:
        assert "pip install 'syftbox-accounting[http402]'" in line
