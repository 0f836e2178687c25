"""Holds, capture, expiry and refunds in the facade, and the rule behind them: a call
that needs a feature is sent only to a service that announced it in
``Accounting-Features`` (learned from any answer, or from one probe per client).
Every case runs sync, on asyncio and on trio."""

from __future__ import annotations

import ast
import re
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from syftbox_accounting import (
    AccountingClient,
    FeatureNotSupportedError,
    HoldExpiredError,
    InsufficientFundsError,
    InvalidInputError,
    Payment,
    PaymentError,
    RetryPolicy,
    ServiceException,
    TransactionStatus,
    validation,
)
from syftbox_accounting.answers import read_transaction
from tests.facade.helpers import (
    BASE,
    BOB,
    CAPTURED,
    FEATURES,
    HELD,
    KINDS,
    PENDING,
    REFUND,
    TOKEN,
    USER,
    Call,
    announced,
    body_of,
    call,
    knows,
    resolved,
    run,
    run_all,
    user_client,
)

PROBE = f"{BASE}/user/my-info"
REFUND_URL = f"{BASE}/transaction/refund"
CONFIRM_URL = f"{BASE}/transaction/confirm"
CANCEL_URL = f"{BASE}/transaction/cancel"
CREATE_URL = f"{BASE}/transaction/create"
UNAUTHORIZED = {"message": "Invalid email or password.", "code": "invalid_credentials"}
NEEDS = {  # a call that needs each feature, and where it would go
    "refunds": (call("refund_transaction", "tx-2"), REFUND_URL),
    "capture": (call("confirm_transaction", "tx-1", amount=Decimal("0.1")), CONFIRM_URL),
    "holds": (call("charge", BOB, 1, TOKEN, hold_for=60), CREATE_URL),
}


def _probe_answer(httpx_mock: HTTPXMock, features: frozenset[str] | None) -> None:
    httpx_mock.add_response(
        method="GET", url=PROBE, status_code=401, json=UNAUTHORIZED, headers=announced(features)
    )


@pytest.mark.parametrize("kind", KINDS)
def test_a_fresh_client_learns_the_features_once_then_refunds(
    httpx_mock: HTTPXMock, kind: str
) -> None:
    _probe_answer(httpx_mock, FEATURES)
    httpx_mock.add_response(
        url=REFUND_URL, json={"transaction": REFUND}, headers=announced(FEATURES)
    )
    httpx_mock.add_response(
        url=REFUND_URL, json={"transaction": REFUND}, headers=announced(FEATURES)
    )
    again = call("refund_transaction", "tx-2", amount=Decimal("3"))
    first, second = run_all(kind, user_client(), again, again)
    assert first.refund_of == second.refund_of == "tx-2"
    probe, *refunds = httpx_mock.get_requests()
    # The probe costs the service nothing: no credentials, so no password hash.
    assert probe.url == PROBE
    assert "Authorization" not in probe.headers
    assert [r.url for r in refunds] == [REFUND_URL, REFUND_URL]  # one probe per client


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("feature", sorted(NEEDS))
def test_nothing_is_sent_to_a_service_that_did_not_announce_it(
    httpx_mock: HTTPXMock, kind: str, feature: str
) -> None:
    # The public service announces nothing: its 401 has no Accounting-Features.
    _probe_answer(httpx_mock, None)
    needing, url = NEEDS[feature]
    with pytest.raises(FeatureNotSupportedError) as caught:
        run(kind, user_client(), needing)
    assert caught.value.feature == feature
    assert isinstance(caught.value, PaymentError)
    assert "Nothing was sent" in str(caught.value)
    assert caught.value.hint
    assert [r.url for r in httpx_mock.get_requests()] == [PROBE]
    assert httpx_mock.get_requests(url=url) == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_service_that_announced_other_features_is_not_asked_again(
    httpx_mock: HTTPXMock, kind: str
) -> None:
    # A success answer without the header: the service itself said it has nothing.
    httpx_mock.add_response(url=PROBE, json={"user": USER})
    with pytest.raises(FeatureNotSupportedError):
        run_all(kind, user_client(), call("get_account"), NEEDS["refunds"][0])
    assert len(httpx_mock.get_requests()) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_an_error_page_of_a_proxy_does_not_unlearn_the_features(
    httpx_mock: HTTPXMock, kind: str
) -> None:
    httpx_mock.add_response(url=PROBE, status_code=502, html="<h1>Bad Gateway</h1>")
    httpx_mock.add_response(
        url=REFUND_URL, json={"transaction": REFUND}, headers=announced(FEATURES)
    )
    client = user_client(retry_policy=RetryPolicy(max_retries=0))
    knows(client, FEATURES)
    with pytest.raises(ServiceException):
        run(kind, client, call("get_account"))
    assert client._transport.features == FEATURES
    assert run(kind, client, NEEDS["refunds"][0]).refund_of == "tx-2"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("status", [502, 503, 429])
def test_a_probe_that_meets_an_outage_learns_nothing_and_says_so(
    httpx_mock: HTTPXMock, kind: str, status: int
) -> None:
    # Tried as a new user would: a refund sent while a proxy answered 502 was refused
    # with "the service cannot refund a payment ... pay it back with transfer()", and
    # the client kept believing it, refusing every refund after the outage too.
    httpx_mock.add_response(url=PROBE, status_code=status, html="<h1>Unavailable</h1>")
    client = user_client(retry_policy=RetryPolicy(max_retries=0))
    with pytest.raises(ServiceException) as caught:
        run(kind, client, NEEDS["refunds"][0])
    assert not isinstance(caught.value, FeatureNotSupportedError)
    assert caught.value.status_code == status
    assert client._transport.features is None  # nothing learnt: asked again next time
    assert httpx_mock.get_requests(url=REFUND_URL) == []
    _probe_answer(httpx_mock, FEATURES)
    httpx_mock.add_response(
        url=REFUND_URL, json={"transaction": REFUND}, headers=announced(FEATURES)
    )
    assert run(kind, client, NEEDS["refunds"][0]).refund_of == "tx-2"


def test_copies_made_by_with_options_share_what_was_learned(httpx_mock: HTTPXMock) -> None:
    _probe_answer(httpx_mock, FEATURES)
    client = user_client()
    copy = client.with_options(timeout=5)
    httpx_mock.add_response(
        url=REFUND_URL, json={"transaction": REFUND}, headers=announced(FEATURES)
    )
    copy.refund_transaction("tx-2")
    assert client._transport.features == FEATURES
    httpx_mock.add_response(
        url=REFUND_URL, json={"transaction": REFUND}, headers=announced(FEATURES)
    )
    client.refund_transaction("tx-2")  # no second probe
    assert len(httpx_mock.get_requests(url=PROBE)) == 1


# -- charging(): hold the most, capture the price


def _charging(block: Any, **kwargs: Any) -> Call:
    return Call("charging", (BOB, Decimal("0.50"), TOKEN), kwargs, block)


def _held(httpx_mock: HTTPXMock, features: frozenset[str] | None = FEATURES) -> None:
    httpx_mock.add_response(url=CREATE_URL, json={"transaction": HELD}, headers=announced(features))


@pytest.mark.parametrize("kind", KINDS)
def test_capturing_the_whole_hold_sends_no_amount(httpx_mock: HTTPXMock, kind: str) -> None:
    # Works at every service: the public one captures what it created.
    _held(httpx_mock, None)
    httpx_mock.add_response(url=CONFIRM_URL, json={"transaction": resolved(HELD, "COMPLETED")})
    payment = run(kind, user_client(), _charging(lambda p: p.capture(Decimal("0.5"))))
    assert payment.transaction.status is TransactionStatus.COMPLETED
    assert body_of(httpx_mock.get_requests(url=CONFIRM_URL)[0]) == {"transactionId": "tx-h"}


@pytest.mark.parametrize("kind", KINDS)
def test_capturing_less_where_the_service_cannot_raises_in_the_block(
    httpx_mock: HTTPXMock, kind: str
) -> None:
    _held(httpx_mock, None)
    httpx_mock.add_response(url=CANCEL_URL, json={"transaction": resolved(HELD, "CANCELLED")})
    handed_out: list[str] = []

    def work(payment: Payment) -> None:
        payment.capture(Decimal("0.137"))
        handed_out.append("the answer")  # never reached: the price could not be set

    with pytest.raises(FeatureNotSupportedError) as caught:
        run(kind, user_client(), _charging(work))
    assert caught.value.feature == "capture"
    assert handed_out == []
    # The block raised, so the charge was cancelled: nothing moves, nothing stays held.
    assert httpx_mock.get_requests(url=CONFIRM_URL) == []
    assert len(httpx_mock.get_requests(url=CANCEL_URL)) == 1


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("price", [Decimal("0.500001"), 1, Decimal("-0.1"), "0.1", float("nan")])
def test_a_price_above_the_hold_or_malformed_is_refused_in_the_block(
    httpx_mock: HTTPXMock, kind: str, price: Any
) -> None:
    _held(httpx_mock)
    httpx_mock.add_response(url=CANCEL_URL, json={"transaction": resolved(HELD, "CANCELLED")})
    with pytest.raises(InvalidInputError) as caught:
        run(kind, user_client(), _charging(lambda p: p.capture(price)))
    assert "amount" in str(caught.value)
    assert httpx_mock.get_requests(url=CONFIRM_URL) == []


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("zero", [0, 0.0, Decimal(0), Decimal("-0")])
def test_a_price_of_zero_cancels_and_nothing_moves(
    httpx_mock: HTTPXMock, kind: str, zero: Any
) -> None:
    _held(httpx_mock, None)  # works at every service
    httpx_mock.add_response(url=CANCEL_URL, json={"transaction": resolved(HELD, "CANCELLED")})
    payment = run(kind, user_client(), _charging(lambda p: p.capture(zero)))
    assert payment.transaction.status is TransactionStatus.CANCELLED
    assert payment.price == 0
    assert httpx_mock.get_requests(url=CONFIRM_URL) == []


@pytest.mark.parametrize("kind", KINDS)
def test_the_last_capture_wins(httpx_mock: HTTPXMock, kind: str) -> None:
    _held(httpx_mock)
    httpx_mock.add_response(url=CONFIRM_URL, json={"transaction": CAPTURED})

    def work(payment: Payment) -> None:
        payment.capture(Decimal("0.3"))
        payment.capture(Decimal("0.137"))

    run(kind, user_client(), _charging(work))
    sent = body_of(httpx_mock.get_requests(url=CONFIRM_URL)[0])
    assert sent == {"transactionId": "tx-h", "amount": Decimal("0.137")}


@pytest.mark.parametrize("kind", KINDS)
def test_a_hold_that_lapsed_before_the_work_ended_says_nothing_moved(
    httpx_mock: HTTPXMock, kind: str
) -> None:
    _probe_answer(httpx_mock, FEATURES)  # hold_for needs `holds`: learned first
    _held(httpx_mock)
    expired = {"message": "The hold lapsed; nothing moved.", "code": "hold_expired"}
    httpx_mock.add_response(url=CONFIRM_URL, status_code=409, json=expired)
    with pytest.raises(HoldExpiredError) as caught:
        run(kind, user_client(), _charging(lambda p: None, hold_for=60))
    notes = " ".join(caught.value.__notes__)
    assert "nothing moved" in notes
    assert "hold_for" in notes
    assert "stays pending" not in notes
    assert body_of(httpx_mock.get_requests(url=CREATE_URL)[0])["holdFor"] == 60


@pytest.mark.parametrize("kind", KINDS)
def test_a_failed_block_whose_hold_lapsed_says_nothing_moved(
    httpx_mock: HTTPXMock, kind: str
) -> None:
    _held(httpx_mock)
    expired = {"message": "The hold lapsed; nothing moved.", "code": "hold_expired"}
    httpx_mock.add_response(url=CANCEL_URL, status_code=409, json=expired)

    def work(payment: Payment) -> None:
        raise RuntimeError("the model crashed")

    with pytest.raises(RuntimeError) as caught:
        run(kind, user_client(), _charging(work))
    assert caught.value.__notes__ == ["The hold of charge tx-h had lapsed already: nothing moved."]


# -- what the answers say


def test_the_available_balance_is_the_balance_minus_what_is_held(httpx_mock: HTTPXMock) -> None:
    held = {**USER, "balance": 10, "heldBalance": 2.5, "availableBalance": 7.5}
    httpx_mock.add_response(url=PROBE, json={"user": held})
    account = user_client().get_account()
    assert account.held_balance == Decimal("2.5")
    assert account.available_balance == Decimal("7.5")


def test_the_public_service_holds_nothing(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=PROBE, json={"user": {**USER, "balance": 10}})
    account = user_client().get_account()
    assert (account.held_balance, account.available_balance) == (0, 10)


@pytest.mark.parametrize(
    "user",
    [
        {"heldBalance": 11},  # more held than there is
        {"heldBalance": 1, "availableBalance": 10},  # not balance - held
        {"heldBalance": -1},
        {"availableBalance": "10"},
    ],
)
def test_balances_that_do_not_add_up_break_the_contract(
    httpx_mock: HTTPXMock, user: dict[str, Any]
) -> None:
    httpx_mock.add_response(url=PROBE, json={"user": {**USER, "balance": 10, **user}})
    with pytest.raises(ServiceException) as caught:
        user_client().get_account()
    assert "does not match the contract" in str(caught.value)


def test_a_capture_above_its_hold_in_an_answer_breaks_the_contract(
    httpx_mock: HTTPXMock,
) -> None:
    wrong = {**CAPTURED, "amount": 0.6}  # captured more than the 0.50 held
    httpx_mock.add_response(url=f"{BASE}/transactions/tx-h", json={"transaction": wrong})
    with pytest.raises(ServiceException):
        user_client().get_transaction("tx-h")


def test_an_expired_hold_reads_as_cancelled_and_expired(httpx_mock: HTTPXMock) -> None:
    lapsed = {**resolved(PENDING, "CANCELLED"), "resolvedBy": "SYSTEM", "cancelReason": "expired"}
    httpx_mock.add_response(url=f"{BASE}/transactions/tx-1", json={"transaction": lapsed})
    tx = user_client().get_transaction("tx-1")
    assert tx.expired
    assert tx.status is TransactionStatus.CANCELLED
    assert tx.authorized_amount == tx.amount  # a service that did not say held all of it


def test_an_unknown_cancel_reason_is_kept_as_sent(httpx_mock: HTTPXMock) -> None:
    later = {**resolved(PENDING, "CANCELLED"), "cancelReason": "disputed"}
    httpx_mock.add_response(url=f"{BASE}/transactions/tx-1", json={"transaction": later})
    tx = user_client().get_transaction("tx-1")
    assert tx.cancel_reason == "disputed"
    assert not tx.expired


def test_refunds_count_apart_from_what_was_spent(httpx_mock: HTTPXMock) -> None:
    usage = {
        "transactionCount": 3,
        "totalSpent": 10,
        "totalReceived": 0,
        "pendingCount": 0,
        "pendingAmount": 0,
        "totalRefundsReceived": 3,
        "totalRefundsGiven": 0,
        "firstTransactionAt": None,
        "lastTransactionAt": None,
    }
    httpx_mock.add_response(url=f"{BASE}/user/usage", json={"usage": usage})
    got = user_client().get_usage()
    assert got.total_spent - got.total_refunds_received == 7
    assert got.as_dict()["total_refunds_received"] == 3.0


@pytest.mark.parametrize("kind", KINDS)
def test_admin_refunds_with_the_admin_key(httpx_mock: HTTPXMock, kind: str) -> None:
    from tests.facade.helpers import ADMIN_KEY, admin_client, bearer

    httpx_mock.add_response(
        url=PROBE, status_code=401, json=UNAUTHORIZED, headers=announced(FEATURES)
    )
    httpx_mock.add_response(url=REFUND_URL, json={"transaction": REFUND})
    refund = run(kind, admin_client(), call("AdminClient.refund_transaction", "tx-2"))
    assert refund.refund_of == "tx-2"
    probe, sent = httpx_mock.get_requests()
    assert "Authorization" not in probe.headers
    assert sent.headers["Authorization"] == bearer(ADMIN_KEY)
    assert isinstance(sent, httpx.Request)


@pytest.mark.parametrize(
    "documented",
    [Payment, AccountingClient.charging, AccountingClient.charge],
    ids=lambda f: f.__qualname__,
)
def test_the_amounts_in_the_docstring_examples_are_ones_the_library_takes(
    documented: Any,
) -> None:
    # A user copies these examples: an amount the library refuses fails at once.
    amounts = re.findall(r">>> .*\.(?:charging|charge)\([^,]+, ([^,]+),", documented.__doc__)
    assert amounts, "the docstring shows the call"
    for text in amounts:
        exact = re.fullmatch(r'Decimal\("([^"]+)"\)', text)
        validation.amount(Decimal(exact[1]) if exact else ast.literal_eval(text))


# -- what a refused price says (tried as a new user would)


@pytest.mark.parametrize("price", [-1, -0.25, Decimal("-0.000001")])
def test_a_negative_price_says_that_zero_is_allowed(price: Any) -> None:
    # capture() takes 0 (nothing moves): "must be greater than 0" sent users to a
    # price of 0.000001 instead.
    with pytest.raises(InvalidInputError) as caught:
        validation.capture(price, Decimal("0.5"))
    message = str(caught.value)
    assert "greater than 0" not in message
    assert "0 (nothing moves) or more" in message


@pytest.mark.parametrize("price", [0.1 + 0.2, 1.1 * 1.1, 1 / 3])
def test_a_float_price_with_rounding_noise_says_how_to_fix_it(price: float) -> None:
    # Float arithmetic leaves noise past the sixth place; in a charging() block the
    # refusal cancels the charge, so the message must say what to do.
    with pytest.raises(InvalidInputError) as caught:
        validation.capture(price, Decimal(1))
    message = str(caught.value)
    assert "round(" in message
    assert "Decimal" in message


@pytest.mark.parametrize("price", ["0.10", "1e-3", "$1"])
@pytest.mark.parametrize("check", [validation.amount, lambda v: validation.capture(v, Decimal(1))])
def test_a_price_in_text_says_to_pass_a_decimal_and_does_not_echo_it(
    price: str, check: Any
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        check(price)
    message = str(caught.value)
    assert "Decimal(" in message
    assert price not in message  # a string in the wrong place may be a token


def test_a_capture_above_the_hold_names_both_amounts_in_plain_digits() -> None:
    with pytest.raises(InvalidInputError) as caught:
        validation.capture(Decimal("1E+2"), Decimal("5E+1"))
    message = str(caught.value)
    assert "100" in message
    assert "50" in message
    assert "E+" not in message


@pytest.mark.parametrize("kind", KINDS)
def test_a_capture_after_the_block_is_refused_not_ignored(httpx_mock: HTTPXMock, kind: str) -> None:
    # The block has confirmed the whole hold by then: a price set afterwards moved
    # nothing and said nothing (tried as a new user would).
    _held(httpx_mock)
    httpx_mock.add_response(url=CONFIRM_URL, json={"transaction": resolved(HELD, "COMPLETED")})
    payment = run(kind, user_client(), _charging(lambda p: None))
    with pytest.raises(InvalidInputError) as caught:
        payment.capture(Decimal("0.1"))
    assert "inside the charging() block" in str(caught.value)
    assert payment.price is None
    assert len(httpx_mock.get_requests(url=CONFIRM_URL)) == 1


def test_the_not_refundable_hint_does_not_forbid_partial_refunds() -> None:
    # It said "once in full", while a payment may be refunded in parts up to its
    # amount (tried as a new user would, refunding a pending charge).
    from syftbox_accounting.error_codes import CODES

    hint = CODES["not_refundable"].hint
    assert "once in full" not in hint
    assert "in parts" in hint
    assert hint.startswith("Only a completed payment")


@pytest.mark.parametrize("kind", KINDS)
def test_a_cancelled_charge_says_nothing_was_captured(httpx_mock: HTTPXMock, kind: str) -> None:
    # Payment.amount is "what was captured after the block": a charge cancelled at a
    # price of 0 read as the whole hold, as if the payer had paid it.
    _held(httpx_mock)
    httpx_mock.add_response(url=CANCEL_URL, json={"transaction": resolved(HELD, "CANCELLED")})
    payment = run(kind, user_client(), _charging(lambda p: p.capture(0)))
    assert payment.transaction.status is TransactionStatus.CANCELLED
    assert payment.amount == 0
    assert payment.held == Decimal("0.50")


@pytest.mark.anyio
async def test_a_deadline_at_the_end_of_the_work_still_captures_it(httpx_mock: HTTPXMock) -> None:
    # The block ended cleanly, so the work was delivered; a cancel scope that fired
    # then (a request's deadline) cancelled the confirmation, leaving the charge
    # pending, the payer's money held and the service unpaid, and said nothing.
    import anyio

    async def confirm_over_the_network(request: httpx.Request) -> httpx.Response:
        await anyio.lowlevel.checkpoint()  # where a real request waits for its answer
        return httpx.Response(200, json={"transaction": CAPTURED})

    _held(httpx_mock)
    httpx_mock.add_callback(confirm_over_the_network, url=CONFIRM_URL)
    async with user_client() as client:
        with anyio.CancelScope() as deadline:
            async with client.charging_async(BOB, Decimal("0.50"), TOKEN) as payment:
                payment.capture(Decimal("0.137"))
                deadline.cancel()  # fires as the work ends
    assert deadline.cancelled_caught  # the caller's cancellation still arrives
    assert payment.transaction.status is TransactionStatus.COMPLETED
    assert len(httpx_mock.get_requests(url=CONFIRM_URL)) == 1


@pytest.mark.anyio
async def test_a_deadline_while_the_charge_is_made_cancels_it(httpx_mock: HTTPXMock) -> None:
    # The service made the charge, but a deadline fired before its answer arrived:
    # the charge stayed pending, holding the payer's money until it lapsed.
    import anyio

    deadline = anyio.CancelScope()

    async def charged_over_the_network(request: httpx.Request) -> httpx.Response:
        deadline.cancel()  # fires while the answer is on its way
        await anyio.lowlevel.checkpoint()
        return httpx.Response(200, json={"transaction": HELD}, headers=announced(FEATURES))

    httpx_mock.add_callback(charged_over_the_network, url=CREATE_URL)
    httpx_mock.add_response(url=CANCEL_URL, json={"transaction": resolved(HELD, "CANCELLED")})
    ran: list[str] = []
    async with user_client() as client:
        with deadline:
            async with client.charging_async(BOB, Decimal("0.50"), TOKEN):
                ran.append("the work")
    assert deadline.cancelled_caught
    assert ran == []  # no work started past its deadline
    assert len(httpx_mock.get_requests(url=CANCEL_URL)) == 1  # and nothing stays held


@pytest.mark.anyio
async def test_a_charge_past_its_deadline_sends_nothing(httpx_mock: HTTPXMock) -> None:
    import anyio

    async with user_client() as client:
        with anyio.CancelScope() as deadline:
            deadline.cancel()
            async with client.charging_async(BOB, Decimal("0.50"), TOKEN):
                pytest.fail("the block ran past its deadline")
    assert deadline.cancelled_caught
    assert httpx_mock.get_requests() == []  # the payer's token is not spent


def test_an_interrupt_while_confirming_says_what_became_of_the_charge(
    httpx_mock: HTTPXMock,
) -> None:
    # Ctrl-C while the delivered work's charge is confirmed: the outcome is unknown,
    # and the interrupt said nothing of the charge it left behind.
    def interrupted(request: httpx.Request) -> httpx.Response:
        raise KeyboardInterrupt

    _held(httpx_mock)
    httpx_mock.add_callback(interrupted, url=CONFIRM_URL)
    client = user_client()
    with (
        client,
        pytest.raises(KeyboardInterrupt) as caught,
        client.charging(BOB, Decimal("0.50"), TOKEN) as payment,
    ):
        payment.capture(Decimal("0.137"))
    notes = " ".join(getattr(caught.value, "__notes__", []))
    assert "tx-h" in notes
    assert "get_transaction('tx-h')" in notes


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("zero", [0, 0.0, Decimal(0), Decimal("-0")])
def test_confirming_with_an_amount_of_zero_says_to_cancel_instead(
    httpx_mock: HTTPXMock, kind: str, zero: Any
) -> None:
    # Tried as a new user would: in charging(), capture(0) cancels; outside it, the
    # same price must say which call captures nothing. Nothing is sent.
    client = user_client()
    knows(client, FEATURES)
    with pytest.raises(InvalidInputError) as caught:
        run(kind, client, call("confirm_transaction", "tx-1", amount=zero))
    assert "cancel_transaction(" in caught.value.message
    assert "nothing moves" in caught.value.message
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("negative", [-1, -0.5, Decimal("-0.000001")])
def test_confirming_a_negative_amount_says_how_money_goes_back(
    httpx_mock: HTTPXMock, kind: str, negative: Any
) -> None:
    client = user_client()
    knows(client, FEATURES)
    with pytest.raises(InvalidInputError) as caught:
        run(kind, client, call("confirm_transaction", "tx-1", amount=negative))
    assert "cannot be negative" in caught.value.message
    assert "refund_transaction(" in caught.value.message
    assert httpx_mock.get_requests() == []


def test_a_refund_in_billing_history_keeps_its_reason() -> None:
    # get_account_info()["billing_history"] is `as_dict()`: every field a transaction
    # has (`to_record()`), as JSON-ready values; a refund's reason was left out.
    refund = read_transaction({"transaction": REFUND})
    shown = refund.as_dict()
    assert set(shown) == set(refund.to_record())
    assert shown["refund_reason"] == "partial outage"
    assert shown["refund_of"] == "tx-2"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("method", "url", "advice"),
    [
        ("cancel_transaction", CANCEL_URL, "Nothing to do"),
        ("confirm_transaction", CONFIRM_URL, "longer hold_for"),
    ],
)
def test_a_lapsed_hold_is_advised_by_what_was_asked_of_it(
    httpx_mock: HTTPXMock, kind: str, method: str, url: str, advice: str
) -> None:
    # Tried as a new user would: cancelling a charge whose hold had lapsed was told to
    # "charge again with a new token", though the cancel's end (nothing moves, the
    # money is released) had come about already.
    expired = {"message": "The hold lapsed; nothing moved.", "code": "hold_expired"}
    httpx_mock.add_response(url=url, status_code=409, json=expired)
    with pytest.raises(HoldExpiredError) as caught:
        run(kind, user_client(), call(method, "tx-1"))
    assert advice in caught.value.hint
    assert ("Charge again" in caught.value.hint) is (method == "confirm_transaction")


@pytest.mark.parametrize("kind", KINDS)
def test_a_refund_the_recipient_cannot_cover_names_whose_funds_are_short(
    httpx_mock: HTTPXMock, kind: str
) -> None:
    # Tried as a new user would: "Add funds to the sender's account" read as the payer's
    # (the sender of the payment), while it is the refunder's balance that is short.
    short = {"message": "Insufficient funds.", "code": "insufficient_funds"}
    httpx_mock.add_response(url=REFUND_URL, status_code=409, json=short)
    client = user_client()
    knows(client, FEATURES)
    with pytest.raises(InsufficientFundsError) as caught:
        run(kind, client, call("refund_transaction", "tx-2"))
    assert "sender" not in caught.value.hint
    assert "account that was paid" in caught.value.hint


@pytest.mark.parametrize("kind", KINDS)
def test_refusing_to_refund_a_pending_charge_says_to_cancel_it(
    httpx_mock: HTTPXMock, kind: str
) -> None:
    # Tried as a new user would: a service refunding a charge it had not confirmed yet
    # was told only that a completed payment can be refunded, not what gives the money
    # back here (cancelling it: nothing moves, the hold is released).
    pending = {"message": "Transaction tx-2 is PENDING.", "code": "not_refundable"}
    httpx_mock.add_response(url=REFUND_URL, status_code=409, json=pending)
    client = user_client()
    knows(client, FEATURES)
    with pytest.raises(PaymentError) as caught:
        run(kind, client, call("refund_transaction", "tx-2"))
    assert "pending one is cancelled instead" in caught.value.hint
