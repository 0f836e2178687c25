"""POST /transaction/refund against the running service, over plain httpx."""

from __future__ import annotations

from typing import Any

import pytest

from tests.server.conftest import Api, User
from tests.server.contract import assert_conforms, assert_error
from tests.server.test_holds import figures

OPERATION = "refundTransaction"


def paid(api: Api, sender: User, recipient: User, amount: Any) -> str:
    """A completed direct payment; its id."""
    transaction_id: str = api.pay(sender, recipient, amount).json()["transaction"]["id"]
    assert api.resolve("confirm", transaction_id, sender).status_code == 200
    return transaction_id


def transaction(api: Api, user: User, transaction_id: str) -> dict[str, Any]:
    found: dict[str, Any] = api.http.get(f"/transactions/{transaction_id}", auth=user.auth).json()[
        "transaction"
    ]
    return found


def test_ten_dollars_refunded_three_then_seven_then_no_more(api: Api) -> None:
    payer, service = api.register(), api.register()
    payment = paid(api, payer, service, 10)
    first = api.refund(payment, service, amount=3, reason="the job failed halfway")
    refund = assert_conforms(first, OPERATION)["transaction"]
    assert (refund["senderEmail"], refund["recipientEmail"]) == (service.email, payer.email)
    assert (refund["amount"], refund["authorizedAmount"], refund["status"]) == (3, 3, "COMPLETED")
    assert (refund["createdBy"], refund["resolvedBy"]) == ("SENDER", "SENDER")
    assert (refund["refundOf"], refund["refundReason"]) == (payment, "the job failed halfway")
    assert (refund["expiresAt"], refund["refundedAmount"], refund["cancelReason"]) == (
        None,
        0,
        None,
    )
    assert refund["createdAt"] == refund["resolvedAt"]
    assert transaction(api, payer, payment)["refundedAmount"] == 3
    assert (api.balance(payer), api.balance(service)) == (93, 107)

    rest = assert_conforms(api.refund(payment, service), OPERATION)["transaction"]
    assert (rest["amount"], rest["refundReason"]) == (7, None)
    assert transaction(api, service, payment)["refundedAmount"] == 10
    assert (api.balance(payer), api.balance(service)) == (100, 100)

    for amount in (None, 0.000001):
        refused = api.refund(payment, service, amount=amount)
        body = assert_error(refused, OPERATION, 409, "refund_exceeds_payment")
        assert body["message"] == (
            f"Transaction {payment} was refunded in full: nothing is left to refund."
        )
    # Both histories show the refunds, linked to the payment, newest first.
    for user in (payer, service):
        listed = api.http.get("/transactions", auth=user.auth).json()["transactions"]
        assert [(t["refundOf"], t["amount"]) for t in listed[:3]] == [
            (payment, 7),
            (payment, 3),
            (None, 10),
        ]


def test_usage_counts_refunds_apart(api: Api) -> None:
    payer, service = api.register(), api.register()
    payment = paid(api, payer, service, 10)
    api.refund(payment, service, amount=2.5)
    mine = assert_conforms(api.http.get("/user/usage", auth=payer.auth), "getUsage")["usage"]
    theirs = api.http.get("/user/usage", auth=service.auth).json()["usage"]
    assert (mine["transactionCount"], mine["totalSpent"], mine["totalReceived"]) == (2, 10, 0)
    assert (mine["totalRefundsReceived"], mine["totalRefundsGiven"]) == (2.5, 0)
    assert (theirs["transactionCount"], theirs["totalSpent"], theirs["totalReceived"]) == (2, 0, 10)
    assert (theirs["totalRefundsReceived"], theirs["totalRefundsGiven"]) == (0, 2.5)
    # Over a window too (computed from the transactions, not the counters).
    window = api.http.get(
        "/user/usage", params={"createdAfter": "2000-01-01T00:00:00Z"}, auth=payer.auth
    ).json()["usage"]
    assert window == mine


def test_a_refund_replayed_with_its_key_moves_no_money(api: Api) -> None:
    payer, service = api.register(), api.register()
    payment = paid(api, payer, service, 10)
    headers = {"Idempotency-Key": "refund-3-dollars"}
    body = {"transactionId": payment, "amount": 3}
    answers = [
        api.http.post("/transaction/refund", json=body, auth=service.auth, headers=headers)
        for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert len({a.content for a in answers}) == 1
    assert [a.headers.get("Idempotent-Replayed") for a in answers] == [None, "true", "true"]
    assert answers[0].headers["Idempotency-Key"] == "refund-3-dollars"
    assert (api.balance(payer), api.balance(service)) == (93, 107)
    assert transaction(api, payer, payment)["refundedAmount"] == 3
    # The same key with another amount is another request: refused, nothing moves.
    other = api.http.post(
        "/transaction/refund", json=body | {"amount": 4}, auth=service.auth, headers=headers
    )
    assert_error(other, OPERATION, 422, "idempotency_key_reused")
    assert (api.balance(payer), api.balance(service)) == (93, 107)


def test_the_admin_refunds_with_the_bearer_key(api: Api) -> None:
    payer, service = api.register(), api.register()
    payment = paid(api, payer, service, 10)
    refund = assert_conforms(api.refund(payment, None, amount=4), OPERATION)["transaction"]
    assert (refund["createdBy"], refund["resolvedBy"]) == ("SYSTEM", "SYSTEM")
    assert (refund["senderEmail"], refund["recipientEmail"]) == (service.email, payer.email)
    assert (api.balance(payer), api.balance(service)) == (94, 106)
    # An admin refund is no credit: the money put in is unchanged.
    assert api.totals() == (200 * 10**6, 200 * 10**6)
    # Nobody resolves it, as nobody resolves a credit.
    for user in (payer, service):
        refused = api.resolve("confirm", refund["id"], user)
        assert_error(refused, "confirmTransaction", 403, "forbidden")
    # A wrong key is a 401 with the Bearer challenge; the body is not even read.
    wrong = api.http.post(
        "/transaction/refund",
        content=b"not json",
        headers={"Authorization": "Bearer not-the-admin-key"},
    )
    assert_error(wrong, OPERATION, 401, "invalid_credentials")
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer ")
    keyed = {"Idempotency-Key": "admin-refund"} | api.admin
    body = {"transactionId": payment, "amount": 1}
    twice = [api.http.post("/transaction/refund", json=body, headers=keyed) for _ in range(2)]
    assert twice[0].content == twice[1].content
    assert twice[1].headers["Idempotent-Replayed"] == "true"
    assert api.balance(payer) == 95


def test_who_may_refund(api: Api) -> None:
    payer, service, stranger = api.register(), api.register(), api.register()
    payment = paid(api, payer, service, 10)
    by_sender = api.refund(payment, payer)
    body = assert_error(by_sender, OPERATION, 403, "forbidden")
    assert service.email in body["message"]
    assert_error(api.refund(payment, stranger), OPERATION, 404, "not_found")
    assert_error(api.refund("no-such-transaction", service), OPERATION, 404, "not_found")
    assert_error(api.refund("no-such-transaction", None), OPERATION, 404, "not_found")
    no_auth = api.http.post("/transaction/refund", json={"transactionId": payment})
    assert_error(no_auth, OPERATION, 401, "invalid_credentials")
    assert no_auth.headers["WWW-Authenticate"].startswith("Basic ")
    assert (api.balance(payer), api.balance(service)) == (90, 110)


def test_only_a_completed_payment_is_refundable(api: Api) -> None:
    payer, service = api.register(), api.register()
    pending = api.pay(payer, service, 1).json()["transaction"]["id"]
    cancelled = api.pay(payer, service, 1).json()["transaction"]["id"]
    api.resolve("cancel", cancelled, payer)
    payment = paid(api, payer, service, 5)
    refund = api.refund(payment, service, amount=1).json()["transaction"]["id"]
    api.credit(service, 5)
    credit = api.http.get("/transactions", params={"limit": 1}, auth=service.auth).json()[
        "transactions"
    ][0]["id"]
    cases = {
        pending: "is PENDING",
        cancelled: "is CANCELLED",
        refund: f"is a refund (of transaction {payment})",
        credit: "is a credit made by the service",
    }
    for transaction_id, why in cases.items():
        # The refund's recipient is the payer: ask as whoever received each one.
        receiver = payer if transaction_id == refund else service
        for user in (receiver, None):
            refused = api.refund(transaction_id, user)
            body = assert_error(refused, OPERATION, 409, "not_refundable")
            assert body["message"] == (
                f"Transaction {transaction_id} {why}: only a completed payment can be refunded."
            )


def test_who_gave_a_refund_is_told_a_refund_cannot_be_refunded(api: Api) -> None:
    # Tried as a new user would: the service that refunded tried to refund its refund
    # and was told "Only the recipient of a payment may refund it: ask <the payer> to
    # refund", advice that leads nowhere: a refund is refunded by nobody.
    payer, service = api.register(), api.register()
    payment = paid(api, payer, service, 5)
    refund = api.refund(payment, service, amount=1).json()["transaction"]["id"]
    refused = api.refund(refund, service)
    body = assert_error(refused, OPERATION, 403, "forbidden")  # its sender, as the contract says
    assert body["message"] == (
        f"Transaction {refund} is a refund you gave (of transaction {payment}), and nobody "
        "may refund a refund."
    )
    assert (api.balance(payer), api.balance(service)) == (96, 104)


def test_the_refunder_must_have_the_money_available(api: Api) -> None:
    payer, service, elsewhere = api.register(), api.register(), api.register()
    payment = paid(api, payer, service, 10)
    # The service spends 105 of its 110 and holds 4 more: 1 is available.
    paid(api, service, elsewhere, 105)
    api.pay(service, elsewhere, 4)
    assert figures(api, service) == (5_000_000, 1_000_000, 4_000_000)
    refused = api.refund(payment, service, amount=2)
    body = assert_error(refused, OPERATION, 409, "insufficient_funds")
    assert body["message"] == (
        f"Insufficient funds: the available balance of {service.email} is $1.00 ($4.00 is "
        "held by pending transactions), which does not cover $2.00. Add funds to the "
        "account, wait for its pending transactions to be resolved, or refund less."
    )
    # The admin cannot refund with money the recipient does not have either.
    assert_error(api.refund(payment, None, amount=2), OPERATION, 409, "insufficient_funds")
    assert api.refund(payment, service, amount=1).status_code == 200
    assert figures(api, service) == (4_000_000, 0, 4_000_000)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "transactionId"),
        ({"transactionId": ""}, "transactionId"),
        ({"transactionId": "x" * 65}, "transactionId"),
        ({"transactionId": "abc", "amount": 0}, "amount"),
        ({"transactionId": "abc", "amount": -1}, "amount"),
        ({"transactionId": "abc", "amount": 0.0000001}, "amount"),
        ({"transactionId": "abc", "amount": "1"}, "amount"),
        ({"transactionId": "abc", "reason": "x" * 513}, "reason"),
        ({"transactionId": "abc", "reason": 5}, "reason"),
        ({"transactionId": "abc", "force": True}, "force"),
    ],
)
def test_refund_validation(api: Api, body: dict[str, Any], field: str) -> None:
    user = api.register()
    for admin in (False, True):
        refused = api.http.post(
            "/transaction/refund",
            json=body,
            auth=None if admin else user.auth,
            headers=api.admin if admin else None,
        )
        details = assert_error(refused, OPERATION, 422, "validation_error")["details"]
        assert details[0]["field"] == field


def test_a_refund_of_a_partial_capture_is_at_most_what_was_captured(api: Api) -> None:
    payer, service = api.register(), api.register()
    token = api.token(payer, service)
    created = api.charge(token, payer, service, 5).json()["transaction"]["id"]
    api.resolve("confirm", created, service, amount=1.23)
    too_much = api.refund(created, service, amount=1.230001)
    body = assert_error(too_much, OPERATION, 409, "refund_exceeds_payment")
    assert body["message"] == (
        f"Cannot refund $1.230001 of transaction {created}: $1.23 is left to refund."
    )
    refund = api.refund(created, service).json()["transaction"]
    assert refund["amount"] == 1.23
    assert (api.balance(payer), api.balance(service)) == (100, 100)
