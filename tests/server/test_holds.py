"""Holds, capture up to the hold, expiry and the Accounting-Features header, against the
running service over plain httpx. Time moves by the service's `ManualClock`, never by
sleeping."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from syftbox_accounting.server import ManualClock
from tests.server.conftest import Api, User
from tests.server.contract import assert_conforms, assert_error

FEATURES = "holds, capture, refunds, exact-money, api-keys"


def micros(value: Any) -> int:
    """A JSON amount in micro-dollars, exactly."""
    return int(Decimal(str(value)) * 10**6)


def _seconds(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def figures(api: Api, user: User) -> tuple[int, int, int]:
    """(balance, available, held) of the account, in micro-dollars."""
    me = api.me(user)
    return micros(me["balance"]), micros(me["availableBalance"]), micros(me["heldBalance"])


def with_balance(api: Api, dollars: int) -> User:
    """A new account with exactly `dollars` (it starts with 100 and pays the rest away)."""
    user, sink = api.register(), api.register()
    paid = api.pay(user, sink, 100 - dollars).json()["transaction"]["id"]
    assert api.resolve("confirm", paid, user).status_code == 200
    return user


def hold(api: Api, payer: User, service: User, amount: Any, **fields: Any) -> httpx.Response:
    """A charge by `service` with a fresh token of `payer`."""
    token = api.token(payer, service)
    return api.http.post(
        "/transaction/create",
        json={
            "senderEmail": payer.email,
            "recipientEmail": service.email,
            "amount": amount,
            "token": token,
            **fields,
        },
        auth=service.auth,
    )


# --- holds --------------------------------------------------------------------------


def test_a_payer_with_one_dollar_holds_it_for_one_service_only(timed_api: Api) -> None:
    api = timed_api
    payer, service_a, service_b = with_balance(api, 1), api.register(), api.register()
    at_a = hold(api, payer, service_a, 1)
    created = assert_conforms(at_a, "createTransaction")["transaction"]
    assert (created["status"], created["authorizedAmount"]) == ("PENDING", 1)
    assert figures(api, payer) == (1_000_000, 0, 1_000_000)

    at_b = hold(api, payer, service_b, 1)
    body = assert_error(at_b, "createTransaction", 409, "insufficient_funds")
    assert body["message"] == (
        f"Insufficient funds: the available balance of {payer.email} is $0.00 ($1.00 is held "
        "by pending transactions), which does not cover $1.00. Add funds to the account, "
        "wait for its pending transactions to be resolved, or charge less."
    )
    # Nor can the payer spend the held dollar directly.
    assert_error(api.pay(payer, service_b, 1), "createTransaction", 409, "insufficient_funds")
    # The charge at A cannot fail for lack of funds: its dollar was held.
    confirmed = api.resolve("confirm", created["id"], service_a)
    assert assert_conforms(confirmed, "confirmTransaction")["transaction"]["status"] == "COMPLETED"
    assert figures(api, payer) == (0, 0, 0)
    assert api.balance(service_a) == 101


def test_cancel_releases_the_hold_and_records_why(timed_api: Api) -> None:
    api = timed_api
    payer, service = api.register(), api.register()
    created = hold(api, payer, service, 30).json()["transaction"]
    assert figures(api, payer) == (100_000_000, 70_000_000, 30_000_000)
    cancelled = api.resolve("cancel", created["id"], service)
    transaction = assert_conforms(cancelled, "cancelTransaction")["transaction"]
    assert (transaction["status"], transaction["cancelReason"]) == ("CANCELLED", "cancelled")
    assert (transaction["resolvedBy"], transaction["amount"]) == ("RECIPIENT", 30)
    assert figures(api, payer) == (100_000_000, 100_000_000, 0)


def test_every_account_answer_says_what_is_available_and_held(timed_api: Api) -> None:
    api = timed_api
    payer, service = api.register(), api.register()
    hold(api, payer, service, 0.25)
    expected = {"balance": 100, "availableBalance": 99.75, "heldBalance": 0.25}
    me = assert_conforms(api.http.get("/user/my-info", auth=payer.auth), "getMyInfo")["user"]
    looked = api.http.get(f"/user/{payer.email}", headers=api.admin)
    listed = api.http.get("/users", headers=api.admin)
    organized = api.http.put(
        "/user/update-organization", json={"organization": "x"}, auth=payer.auth
    )
    credited = api.http.post(
        "/user/add-balance", json={"recipientEmail": payer.email, "amount": 1}, headers=api.admin
    )
    users = assert_conforms(listed, "listUsers")["users"]
    for account in (
        me,
        assert_conforms(looked, "getUser")["user"],
        next(u for u in users if u["email"] == payer.email),
        assert_conforms(organized, "updateOrganization")["user"],
    ):
        assert {k: account[k] for k in expected} == expected
    after_credit = assert_conforms(credited, "addBalance")["user"]
    assert (after_credit["balance"], after_credit["availableBalance"]) == (101, 100.75)
    assert after_credit["heldBalance"] == 0.25


def test_a_direct_payment_holds_too(timed_api: Api) -> None:
    api = timed_api
    payer, payee = api.register(), api.register()
    created = api.pay(payer, payee, 60).json()["transaction"]
    assert created["createdBy"] == "SENDER"
    assert_error(api.pay(payer, payee, 60), "createTransaction", 409, "insufficient_funds")
    assert api.resolve("confirm", created["id"], payer).status_code == 200
    assert figures(api, payer) == (40_000_000, 40_000_000, 0)


# --- capture ------------------------------------------------------------------------


def test_a_five_dollar_hold_captured_at_one_twenty_three(timed_api: Api) -> None:
    api = timed_api
    payer, service = api.register(), api.register()
    created = hold(api, payer, service, 5, appName="summarizer").json()["transaction"]
    assert figures(api, payer) == (100_000_000, 95_000_000, 5_000_000)
    confirmed = api.resolve("confirm", created["id"], service, amount=1.23)
    transaction = assert_conforms(confirmed, "confirmTransaction")["transaction"]
    assert (transaction["amount"], transaction["authorizedAmount"]) == (1.23, 5)
    assert (transaction["status"], transaction["appName"]) == ("COMPLETED", "summarizer")
    # The payer pays exactly 1.23, the service receives exactly 1.23, nothing stays held.
    assert figures(api, payer) == (98_770_000, 98_770_000, 0)
    assert figures(api, service) == (101_230_000, 101_230_000, 0)
    usage = api.http.get("/user/usage", auth=payer.auth).json()["usage"]
    assert (usage["totalSpent"], usage["pendingAmount"], usage["pendingCount"]) == (1.23, 0, 0)
    assert api.http.get("/user/usage", auth=service.auth).json()["usage"]["totalReceived"] == 1.23
    listed = api.http.get(f"/transactions/{created['id']}", auth=payer.auth).json()
    assert listed["transaction"] == transaction


def test_capture_at_most_the_hold(timed_api: Api) -> None:
    api = timed_api
    payer, service = api.register(), api.register()
    created = hold(api, payer, service, 0.25).json()["transaction"]
    above = api.resolve("confirm", created["id"], service, amount=0.250001)
    body = assert_error(above, "confirmTransaction", 409, "capture_exceeds_hold")
    assert body["message"].startswith(
        f"Cannot capture $0.250001 of transaction {created['id']}: it holds $0.25."
    )
    for bad in (0, -1, 0.0000001, "0.1", True):
        refused = api.resolve("confirm", created["id"], service, amount=bad)
        body = assert_error(refused, "confirmTransaction", 422, "validation_error")
        assert body["details"][0]["field"] == "amount"
    # Nothing moved; the whole hold, captured exactly, or with an explicit null.
    assert figures(api, payer) == (100_000_000, 99_750_000, 250_000)
    exact = api.resolve("confirm", created["id"], service, amount=0.25)
    assert exact.json()["transaction"]["amount"] == 0.25
    again = hold(api, payer, service, 2).json()["transaction"]
    null = api.resolve("confirm", again["id"], service, amount=None)
    assert (
        null.json()["transaction"]["amount"],
        null.json()["transaction"]["authorizedAmount"],
    ) == (
        2,
        2,
    )
    assert figures(api, payer) == (97_750_000, 97_750_000, 0)


def test_a_capture_replayed_with_its_key_moves_money_once(timed_api: Api) -> None:
    api = timed_api
    payer, service = api.register(), api.register()
    created = hold(api, payer, service, 5).json()["transaction"]
    headers = {"Idempotency-Key": "capture-once"}
    body = {"transactionId": created["id"], "amount": 1.5}
    answers = [
        api.http.post("/transaction/confirm", json=body, auth=service.auth, headers=headers)
        for _ in range(3)
    ]
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    assert [a.headers.get("Idempotent-Replayed") for a in answers] == [None, "true", "true"]
    assert figures(api, payer) == (98_500_000, 98_500_000, 0)


# --- expiry -------------------------------------------------------------------------


def test_a_hold_nobody_confirms_lapses_at_its_expiry(timed_api: Api, clock: ManualClock) -> None:
    api = timed_api
    payer, service = api.register(), api.register()
    created = hold(api, payer, service, 10, holdFor=60).json()["transaction"]
    assert _seconds(created["expiresAt"]) - _seconds(created["createdAt"]) == 60
    clock.advance(59.999)
    assert figures(api, payer) == (100_000_000, 90_000_000, 10_000_000)
    clock.advance(0.001)  # exactly at expiresAt: released, with nobody calling
    assert figures(api, payer) == (100_000_000, 100_000_000, 0)
    lapsed = api.http.get(f"/transactions/{created['id']}", auth=payer.auth)
    transaction = assert_conforms(lapsed, "getTransaction")["transaction"]
    assert (transaction["status"], transaction["resolvedBy"]) == ("CANCELLED", "SYSTEM")
    assert (transaction["cancelReason"], transaction["resolvedAt"]) == (
        "expired",
        created["expiresAt"],
    )
    for action in ("confirm", "cancel"):
        refused = api.resolve(action, created["id"], service)
        body = assert_error(refused, f"{action}Transaction", 409, "hold_expired")
        assert body["message"] == (
            f"The hold of transaction {created['id']} lapsed at {created['expiresAt']}; "
            "nothing moved. Charge again with a new token."
        )
    # Only the creator learns that: the others get what they got before.
    assert_error(
        api.resolve("confirm", created["id"], payer), "confirmTransaction", 403, "forbidden"
    )
    usage = api.http.get("/user/usage", auth=payer.auth).json()["usage"]
    assert (usage["pendingCount"], usage["pendingAmount"], usage["totalSpent"]) == (0, 0, 0)
    assert api.http.get("/user/usage", auth=service.auth).json()["usage"]["pendingCount"] == 0


@pytest.mark.parametrize(
    "read", ["my-info", "history", "transaction", "usage", "admin user", "admin users"]
)
def test_every_read_after_the_expiry_shows_the_hold_released(
    timed_api: Api, clock: ManualClock, read: str
) -> None:
    api = timed_api
    payer, service = api.register(), api.register()
    created = hold(api, payer, service, 10, holdFor=1).json()["transaction"]
    clock.advance(1)
    # The first request after the expiry, whichever it is, shows it released.
    if read == "my-info":
        assert api.me(payer)["heldBalance"] == 0
    elif read == "history":
        listed = api.http.get("/transactions", auth=service.auth).json()["transactions"]
        assert listed[0]["cancelReason"] == "expired"
    elif read == "transaction":
        found = api.http.get(f"/transactions/{created['id']}", auth=service.auth).json()
        assert found["transaction"]["status"] == "CANCELLED"
    elif read == "usage":
        assert api.http.get("/user/usage", auth=service.auth).json()["usage"]["pendingCount"] == 0
    elif read == "admin user":
        looked = api.http.get(f"/user/{payer.email}", headers=api.admin).json()["user"]
        assert looked["availableBalance"] == 100
    else:
        users = api.http.get("/users", headers=api.admin).json()["users"]
        assert {u["heldBalance"] for u in users} == {0}


def test_a_hold_made_with_a_token_that_expires_sooner_expires_with_it(
    timed_api: Api, clock: ManualClock
) -> None:
    api = timed_api
    payer, service = api.register(), api.register()
    token = api.http.post(
        "/token/create", json={"recipientEmail": service.email, "expiresIn": 30}, auth=payer.auth
    ).json()["token"]
    clock.advance(10)
    created = api.http.post(
        "/transaction/create",
        json={"senderEmail": payer.email, "recipientEmail": service.email, "amount": 3},
        auth=service.auth,
    )  # (a direct transaction by the service is refused; the token is needed)
    assert created.status_code == 403
    charged = api.http.post(
        "/transaction/create",
        json={
            "senderEmail": payer.email,
            "recipientEmail": service.email,
            "amount": 3,
            "token": token,
            "holdFor": 3600,
        },
        auth=service.auth,
    ).json()["transaction"]
    # 30 seconds after the token was made, not 3600 after the charge.
    assert _seconds(charged["expiresAt"]) - _seconds(charged["createdAt"]) == 20
    clock.advance(20)
    refused = api.resolve("confirm", charged["id"], service)
    assert_error(refused, "confirmTransaction", 409, "hold_expired")
    assert figures(api, payer) == (100_000_000, 100_000_000, 0)


def test_the_default_and_the_limits_of_hold_for(timed_api: Api) -> None:
    api = timed_api
    payer, payee = api.register(), api.register()
    for hold_for, seconds in ((None, 3600), (1, 1), (86400, 86400), (7200.0, 7200)):
        body = {"senderEmail": payer.email, "recipientEmail": payee.email, "amount": 1}
        created = api.http.post(
            "/transaction/create", json=body | {"holdFor": hold_for}, auth=payer.auth
        ).json()["transaction"]
        assert _seconds(created["expiresAt"]) - _seconds(created["createdAt"]) == seconds
    for bad in (0, -5, 86401, 1.5, "60", True, 1e300):
        body = {"senderEmail": payer.email, "recipientEmail": payee.email, "amount": 1}
        refused = api.http.post(
            "/transaction/create", json=body | {"holdFor": bad}, auth=payer.auth
        )
        details = assert_error(refused, "createTransaction", 422, "validation_error")["details"]
        assert details[0]["field"] == "holdFor", bad
        assert "1 to 86400" in details[0]["problem"]


def test_released_holds_stay_released_when_the_request_is_refused(
    timed_api: Api, clock: ManualClock
) -> None:
    # The release happens in the same database transaction as the request that found it
    # due; a refused request (here a 409) must not roll it back.
    api = timed_api
    payer, service = api.register(), api.register()
    created = hold(api, payer, service, 10, holdFor=5).json()["transaction"]
    clock.advance(5)
    assert api.resolve("confirm", created["id"], service).status_code == 409
    store = api.service.service.store
    with store.unit() as db:
        (held,) = db.execute("SELECT held FROM accounts WHERE email = ?", (payer.email,)).fetchone()
        (status,) = db.execute(
            "SELECT status FROM transactions WHERE id = ?", (created["id"],)
        ).fetchone()
    assert (held, status) == (0, "CANCELLED")


# --- the features header ------------------------------------------------------------


def test_every_answer_announces_the_features(timed_api: Api) -> None:
    api = timed_api
    user = api.register()
    answers = [
        api.http.get("/user/my-info", auth=user.auth),
        api.http.get("/user/my-info"),  # 401
        api.http.get("/nowhere"),  # 404
        api.http.delete("/users"),  # 405
        api.http.post("/transaction/create", json={}, auth=user.auth),  # 422
        api.http.post("/transaction/refund", content=b"{", auth=user.auth),  # 400
        api.http.get("/openapi.yaml"),
        api.http.get("/docs"),
    ]
    for response in answers:
        assert response.headers["Accounting-Features"] == FEATURES, response.request.url
