"""Tokens, transactions and their resolution, over real sockets."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from syftbox_accounting.server import BackgroundService
from tests.server.conftest import Api, User
from tests.server.contract import assert_conforms, assert_error


@pytest.fixture
def payer(api: Api) -> User:
    return api.register("payer@example.com")


@pytest.fixture
def service_user(api: Api) -> User:
    return api.register("ai-service@example.com")


# --- tokens -------------------------------------------------------------------------


def test_token_is_an_hs256_jwt_with_the_public_services_payload(
    api: Api, payer: User, service_user: User
) -> None:
    response = api.http.post(
        "/token/create", json={"recipientEmail": service_user.email}, auth=payer.auth
    )
    token = assert_conforms(response, "createToken")["token"]
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    payload = jwt.decode(token, options={"verify_signature": False})
    assert set(payload) == {"id", "senderEmail", "recipientEmail", "iat", "exp"}
    assert (payload["senderEmail"], payload["recipientEmail"]) == (payer.email, service_user.email)
    assert payload["exp"] - payload["iat"] == 86400
    assert abs(payload["iat"] - time.time()) < 60
    other = api.token(payer, service_user)
    assert jwt.decode(other, options={"verify_signature": False})["id"] != payload["id"]


def test_token_for_an_unknown_recipient(api: Api, payer: User) -> None:
    response = api.http.post(
        "/token/create", json={"recipientEmail": "nobody@example.com"}, auth=payer.auth
    )
    assert (
        "nobody@example.com" in assert_error(response, "createToken", 404, "not_found")["message"]
    )


@pytest.mark.parametrize(
    "body",
    [{"recipientEmail": "payer@example.com"}, {"recipientEmail": "x"}, {}, {"recipient": "a@b.co"}],
)
def test_token_validation(api: Api, payer: User, body: dict[str, object]) -> None:
    # Among them a token for oneself: it would let nobody else charge the payer.
    response = api.http.post("/token/create", json=body, auth=payer.auth)
    assert_error(response, "createToken", 422, "validation_error")


def test_token_errors(api: Api, payer: User, service_user: User) -> None:
    body = {"recipientEmail": service_user.email}
    assert_error(
        api.http.post("/token/create", json=body), "createToken", 401, "invalid_credentials"
    )
    bad = api.http.post("/token/create", content=b"[1]", auth=payer.auth)
    assert_error(bad, "createToken", 400, "bad_request")


# --- creating transactions ----------------------------------------------------------


def test_direct_transaction(api: Api, payer: User, service_user: User) -> None:
    response = api.http.post(
        "/transaction/create",
        json={
            "senderEmail": payer.email,
            "recipientEmail": service_user.email,
            "amount": 10,
            "appName": None,
            "appEpPath": None,
        },
        auth=payer.auth,
    )
    transaction = assert_conforms(response, "createTransaction")["transaction"]
    assert transaction["status"] == "PENDING"
    assert (transaction["createdBy"], transaction["resolvedBy"]) == ("SENDER", None)
    assert transaction["resolvedAt"] is None
    assert (transaction["appName"], transaction["appEpPath"]) == (None, None)
    assert api.balance(payer) == 100  # nothing moves before confirmation


def test_delegated_transaction(api: Api, payer: User, service_user: User) -> None:
    token = api.token(payer, service_user)
    response = api.http.post(
        "/transaction/create",
        json={
            "senderEmail": payer.email,
            "recipientEmail": service_user.email,
            "amount": 0.25,
            "token": token,
            "appName": "summarizer",
            "appEpPath": "/v1/summarize",
        },
        auth=service_user.auth,
    )
    transaction = assert_conforms(response, "createTransaction")["transaction"]
    assert (transaction["status"], transaction["createdBy"]) == ("PENDING", "RECIPIENT")
    assert (transaction["appName"], transaction["appEpPath"]) == ("summarizer", "/v1/summarize")
    assert transaction["senderEmail"] == payer.email


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (10, "10"),
        (10.5, "10.5"),
        (0.25, "0.25"),
        (0.1, "0.1"),
        (0.000001, "0.000001"),
        (123456789.123456, "123456789.123456"),
        (1e9, "1000000000"),
        (7.0, "7"),
    ],
)
def test_amounts_are_echoed_exactly(
    api: Api, payer: User, service_user: User, amount: float, text: str
) -> None:
    api.credit(payer, 1_000_000_000)
    response = api.pay(payer, service_user, amount)
    assert f'"amount":{text},' in response.text


def test_money_stays_exact_through_many_small_payments(
    api: Api, payer: User, service_user: User
) -> None:
    for amount in (0.1, 0.2, 0.3, 0.000001):
        created = api.pay(payer, service_user, amount).json()["transaction"]
        assert api.resolve("confirm", created["id"], payer).status_code == 200
    # 100 - 0.6 - 0.000001 in floats would not print like this.
    assert '"balance":99.399999,' in api.http.get("/user/my-info", auth=payer.auth).text
    assert api.balance(service_user) == 100.600001


def test_a_charge_larger_than_the_balance(api: Api, payer: User, service_user: User) -> None:
    token = api.token(payer, service_user)
    response = api.charge(token, payer, service_user, 100.000001)
    assert_error(response, "createTransaction", 409, "insufficient_funds")
    # Nothing was created, so the token is still good.
    assert api.charge(token, payer, service_user, 100).status_code == 200


def test_a_token_charged_twice(api: Api, payer: User, service_user: User) -> None:
    token = api.token(payer, service_user)
    assert api.charge(token, payer, service_user, 1).status_code == 200
    again = api.charge(token, payer, service_user, 1)
    assert_error(again, "createTransaction", 403, "token_used")


def test_a_cancelled_charge_does_not_give_the_token_back(
    api: Api, payer: User, service_user: User
) -> None:
    token = api.token(payer, service_user)
    created = api.charge(token, payer, service_user, 1).json()["transaction"]
    assert api.resolve("cancel", created["id"], service_user).status_code == 200
    again = api.charge(token, payer, service_user, 1)
    assert_error(again, "createTransaction", 403, "token_used")


def test_a_forged_token(api: Api, payer: User, service_user: User) -> None:
    genuine = api.token(payer, service_user)
    payload = jwt.decode(genuine, options={"verify_signature": False})
    forged = jwt.encode(payload, b"a-secret-the-service-does-not-know-at-all", algorithm="HS256")
    header, body, signature = genuine.split(".")
    tampered = f"{header}.{body}.{signature[:-4]}AAAA"
    unsigned = jwt.encode(payload, "", algorithm="none")
    for token in (forged, tampered, unsigned, "not-a-jwt", "a.b.c"):
        response = api.charge(token, payer, service_user, 1)
        assert_error(response, "createTransaction", 403, "token_invalid")


def test_a_misdirected_token(api: Api, payer: User, service_user: User) -> None:
    other_service = api.register("other-service@example.com")
    other_payer = api.register("other-payer@example.com")
    token = api.token(payer, service_user)
    # Another service presenting it, and the right service charging another payer.
    stolen = api.charge(token, payer, other_service, 1)
    assert_error(stolen, "createTransaction", 403, "token_invalid")
    wrong_payer = api.charge(token, other_payer, service_user, 1)
    assert_error(wrong_payer, "createTransaction", 403, "token_invalid")
    # Neither attempt spent it.
    assert api.charge(token, payer, service_user, 1).status_code == 200


def test_an_expired_token() -> None:
    with BackgroundService(token_lifetime=0.001) as running:
        api = Api(running)
        try:
            payer, service_user = api.register(), api.register()
            token = api.token(payer, service_user)
            payload = jwt.decode(token, options={"verify_signature": False})
            assert payload["exp"] - payload["iat"] == pytest.approx(0.001, abs=1e-6)
            # A second later on the service's clock: no waiting on the real one.
            issuer = running._app.state.service.tokens  # type: ignore[union-attr]
            real = issuer._clock
            issuer._clock = lambda: real() + 1
            response = api.charge(token, payer, service_user, 1)
            assert_error(response, "createTransaction", 403, "token_expired")
        finally:
            api.close()


def test_who_may_create_a_transaction(api: Api, payer: User, service_user: User) -> None:
    stranger = api.register("stranger@example.com")
    token = api.token(payer, service_user)
    direct = {"senderEmail": payer.email, "recipientEmail": service_user.email, "amount": 1}
    delegated = direct | {"token": token}

    def create(body: dict[str, object], caller: User) -> dict[str, Any]:
        response = api.http.post("/transaction/create", json=body, auth=caller.auth)
        return assert_error(response, "createTransaction", 403, "forbidden")

    create(direct, stranger)  # paying from someone else's account
    assert "token" in create(direct, service_user)["message"]  # charging without a token
    create(delegated, payer)  # a token used by someone else than its recipient
    create(delegated, stranger)
    # None of this spent the token or moved money.
    assert api.charge(token, payer, service_user, 1).status_code == 200
    assert api.balance(payer) == 100


def test_transaction_with_unknown_accounts(api: Api, payer: User, service_user: User) -> None:
    ghost = User("ghost@example.com", "whatever-password")
    assert_error(api.pay(payer, ghost, 1), "createTransaction", 404, "not_found")
    token = api.token(payer, service_user)
    response = api.http.post(
        "/transaction/create",
        json={
            "senderEmail": ghost.email,
            "recipientEmail": service_user.email,
            "amount": 1,
            "token": token,
        },
        auth=service_user.auth,
    )
    assert_error(response, "createTransaction", 404, "not_found")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": 0}, "amount"),
        ({"amount": -1}, "amount"),
        ({"amount": 0.0000001}, "amount"),
        ({"amount": 1.0000001}, "amount"),
        ({"amount": 1000000000.000001}, "amount"),
        ({"amount": 1e10}, "amount"),
        ({"amount": "10"}, "amount"),
        ({"amount": True}, "amount"),
        ({"amount": None}, "amount"),
        ({"amount": [1]}, "amount"),
        ({"recipientEmail": "payer@example.com"}, "recipientEmail"),
        ({"senderEmail": "nope"}, "senderEmail"),
        ({"token": ""}, "token"),
        ({"appName": "x" * 257}, "appName"),
        ({"appEpPath": 5}, "appEpPath"),
        ({"memo": "hi"}, "memo"),
    ],
)
def test_transaction_validation(
    api: Api, payer: User, service_user: User, change: dict[str, object], field: str
) -> None:
    body = {"senderEmail": payer.email, "recipientEmail": service_user.email, "amount": 1}
    response = api.http.post("/transaction/create", json=body | change, auth=payer.auth)
    error = assert_error(response, "createTransaction", 422, "validation_error")
    assert [detail["field"] for detail in error["details"]] == [field]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e400", "1e-400"])
def test_non_finite_and_extreme_amounts(
    api: Api, payer: User, service_user: User, constant: str
) -> None:
    # Python's json accepts NaN and Infinity; the contract does not.
    content = (
        f'{{"senderEmail": "{payer.email}", "recipientEmail": "{service_user.email}",'
        f' "amount": {constant}}}'
    ).encode()
    response = api.http.post(
        "/transaction/create",
        content=content,
        auth=payer.auth,
        headers={"Content-Type": "application/json"},
    )
    assert_error(response, "createTransaction", 422, "validation_error")


def test_create_transaction_errors(api: Api, payer: User, service_user: User) -> None:
    body = {"senderEmail": payer.email, "recipientEmail": service_user.email, "amount": 1}
    response = api.http.post("/transaction/create", json=body)
    assert_error(response, "createTransaction", 401, "invalid_credentials")
    response = api.http.post("/transaction/create", content=b"{'a': 1}", auth=payer.auth)
    assert_error(response, "createTransaction", 400, "bad_request")


# --- confirming and cancelling ------------------------------------------------------


def test_confirm_a_delegated_transaction(api: Api, payer: User, service_user: User) -> None:
    token = api.token(payer, service_user)
    created = api.charge(token, payer, service_user, 0.25).json()["transaction"]
    response = api.resolve("confirm", created["id"], service_user)
    done = assert_conforms(response, "confirmTransaction")["transaction"]
    assert (done["status"], done["resolvedBy"]) == ("COMPLETED", "RECIPIENT")
    assert done["resolvedAt"] is not None
    assert {k: done[k] for k in ("id", "amount", "createdAt", "appName")} == {
        k: created[k] for k in ("id", "amount", "createdAt", "appName")
    }
    assert (api.balance(payer), api.balance(service_user)) == (99.75, 100.25)


def test_confirm_a_direct_transaction(api: Api, payer: User, service_user: User) -> None:
    created = api.pay(payer, service_user, 10).json()["transaction"]
    done = assert_conforms(api.resolve("confirm", created["id"], payer), "confirmTransaction")
    assert (done["transaction"]["status"], done["transaction"]["resolvedBy"]) == (
        "COMPLETED",
        "SENDER",
    )
    assert (api.balance(payer), api.balance(service_user)) == (90, 110)


def test_cancel_moves_nothing(api: Api, payer: User, service_user: User) -> None:
    created = api.pay(payer, service_user, 10).json()["transaction"]
    done = assert_conforms(api.resolve("cancel", created["id"], payer), "cancelTransaction")
    assert (done["transaction"]["status"], done["transaction"]["resolvedBy"]) == (
        "CANCELLED",
        "SENDER",
    )
    assert (api.balance(payer), api.balance(service_user)) == (100, 100)


@pytest.mark.parametrize(
    ("first", "second"),
    [("confirm", "confirm"), ("confirm", "cancel"), ("cancel", "cancel"), ("cancel", "confirm")],
)
def test_resolved_at_most_once(
    api: Api, payer: User, service_user: User, first: str, second: str
) -> None:
    created = api.pay(payer, service_user, 10).json()["transaction"]
    assert api.resolve(first, created["id"], payer).status_code == 200
    again = api.resolve(second, created["id"], payer)
    body = assert_error(again, f"{second}Transaction", 409, "already_resolved")
    assert created["id"] in body["message"]
    expected = 90 if first == "confirm" else 100
    assert api.balance(payer) == expected


@pytest.mark.parametrize("action", ["confirm", "cancel"])
def test_only_the_creator_resolves(api: Api, payer: User, service_user: User, action: str) -> None:
    stranger = api.register("stranger@example.com")
    direct = api.pay(payer, service_user, 1).json()["transaction"]
    token = api.token(payer, service_user)
    delegated = api.charge(token, payer, service_user, 1).json()["transaction"]
    operation = f"{action}Transaction"
    # The other party: 403. A stranger: 404, as for an id that does not exist.
    assert_error(api.resolve(action, direct["id"], service_user), operation, 403, "forbidden")
    assert_error(api.resolve(action, delegated["id"], payer), operation, 403, "forbidden")
    for transaction in (direct, delegated):
        stranger_answer = api.resolve(action, transaction["id"], stranger)
        assert_error(stranger_answer, operation, 404, "not_found")
    missing = api.resolve(action, "no-such-transaction", payer)
    assert_error(missing, operation, 404, "not_found")
    assert stranger_answer.json()["code"] == missing.json()["code"]
    # Still pending for their creators.
    assert api.resolve(action, direct["id"], payer).status_code == 200
    assert api.resolve(action, delegated["id"], service_user).status_code == 200


def test_a_credit_cannot_be_resolved(api: Api, payer: User) -> None:
    api.credit(payer, 5)
    credit = api.http.get("/transactions", auth=payer.auth).json()["transactions"][0]
    assert credit["createdBy"] == "SYSTEM"
    response = api.resolve("cancel", credit["id"], payer)
    assert_error(response, "cancelTransaction", 403, "forbidden")


def test_a_held_charge_confirms_whatever_the_payer_spends_meanwhile(
    api: Api, payer: User, service_user: User
) -> None:
    token = api.token(payer, service_user)
    charge = api.charge(token, payer, service_user, 60).json()["transaction"]
    # The charge holds 60 of the payer's 100: a second payment of 60 is refused at once.
    payment = api.pay(payer, service_user, 60)
    assert_error(payment, "createTransaction", 409, "insufficient_funds")
    assert api.pay(payer, service_user, 40).status_code == 200
    response = api.resolve("confirm", charge["id"], service_user)
    assert response.status_code == 200, response.text
    assert (api.balance(payer), api.balance(service_user)) == (40, 160)


@pytest.mark.parametrize("action", ["confirm", "cancel"])
def test_resolve_validation_and_errors(api: Api, payer: User, action: str) -> None:
    operation = f"{action}Transaction"
    for body in (
        {},
        {"transactionId": ""},
        {"transactionId": "x" * 65},
        {"transactionId": 1},
        {"transactionId": "abc", "force": True},
    ):
        response = api.http.post(f"/transaction/{action}", json=body, auth=payer.auth)
        assert_error(response, operation, 422, "validation_error")
    response = api.http.post(f"/transaction/{action}", content=b"", auth=payer.auth)
    assert_error(response, operation, 400, "bad_request")
    response = api.http.post(f"/transaction/{action}", json={"transactionId": "abc"})
    assert_error(response, operation, 401, "invalid_credentials")


# --- history ------------------------------------------------------------------------


def test_list_transactions_newest_first_and_only_ones_own(
    api: Api, payer: User, service_user: User
) -> None:
    stranger = api.register("stranger@example.com")
    first = api.pay(payer, service_user, 1).json()["transaction"]
    second = api.pay(service_user, payer, 2).json()["transaction"]
    api.pay(stranger, service_user, 3)
    response = api.http.get("/transactions", auth=payer.auth)
    transactions = assert_conforms(response, "listTransactions")["transactions"]
    assert [t["id"] for t in transactions] == [second["id"], first["id"]]
    assert (
        api.http.get("/transactions", auth=stranger.auth).json()["transactions"][0][
            "recipientEmail"
        ]
        == service_user.email
    )
    no_auth = api.http.get("/transactions")
    assert_error(no_auth, "listTransactions", 401, "invalid_credentials")


def test_emails_match_whatever_their_case(api: Api, payer: User, service_user: User) -> None:
    response = api.http.post(
        "/transaction/create",
        json={
            "senderEmail": "PAYER@example.com",
            "recipientEmail": "Ai-Service@Example.com",
            "amount": 1,
        },
        auth=("Payer@Example.COM", payer.password),
    )
    transaction = assert_conforms(response, "createTransaction")["transaction"]
    # The accounts' own spelling, as registered.
    assert (transaction["senderEmail"], transaction["recipientEmail"]) == (
        payer.email,
        service_user.email,
    )
