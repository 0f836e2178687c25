"""API keys at the reference service: created once with their secret, listed without it,
revoked at once; scopes that bound every user operation; spend caps that stop at the
cap in the payment's own database transaction; idempotency with a key."""

from __future__ import annotations

import base64
import re
import sqlite3
import threading
from typing import Any

import httpx
import pytest

from syftbox_accounting.server import BackgroundService, api_keys, create_app
from syftbox_accounting.server.store import Store
from tests import spec
from tests.server.conftest import Api, User

KEY = re.compile(r"sbk_[A-Za-z0-9]{43}")
ALL = ["read", "pay", "charge", "account", "keys"]


def _create(api: Api, user: User, scopes: list[str], **fields: Any) -> tuple[dict[str, Any], str]:
    response = api.http.post(
        "/api-key/create", json={"name": "test", "scopes": scopes, **fields}, auth=user.auth
    )
    assert response.status_code == 200, response.text
    body = response.json()
    return body["apiKey"], body["secret"]


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _funded(api: Api, amount: int = 50) -> User:
    user = api.register()
    api.credit(user, amount)
    return user


def test_the_service_announces_api_keys(api: Api) -> None:
    answer = api.http.get("/user/my-info")
    assert "api-keys" in [f.strip() for f in answer.headers["Accounting-Features"].split(",")]


def test_a_key_is_shown_once_and_stored_as_a_keyed_hash(api: Api) -> None:
    user = api.register()
    key, secret = _create(api, user, ["read"], expiresIn=3600, maxSpend=5)
    assert KEY.fullmatch(secret)
    assert key["id"].startswith("key_")
    assert key["hint"] == f"sbk_...{secret[-4:]}"
    assert key["scopes"] == ["read"]
    assert key["maxSpend"] == 5
    assert key["spent"] == 0
    assert key["expiresAt"] is not None
    assert key["revokedAt"] is None
    listed = api.http.get("/api-keys", auth=user.auth).json()["apiKeys"]
    assert [k["id"] for k in listed] == [key["id"]]
    assert secret not in api.http.get("/api-keys", auth=user.auth).text
    # Nowhere in the database either: a dump of every table holds no part of the secret.
    store = api.service.service.store
    with store.read() as db:
        dump = "\n".join(db.iterdump())
        if store.side_schema != "main":  # an in-memory store's records, in their own file
            tables = db.execute(
                f"SELECT name FROM {store.side_schema}.sqlite_master WHERE type = 'table'"
            ).fetchall()
            assert ("idempotency_records",) in tables
            for (table,) in tables:
                rows = db.execute(f'SELECT * FROM {store.side_schema}."{table}"').fetchall()
                dump += "\n".join(repr(row) for row in rows)
    assert secret not in dump
    assert secret[4:20] not in dump


def test_a_read_only_key_reads_and_cannot_pay(api: Api) -> None:
    payer, other = _funded(api), api.register()
    _, secret = _create(api, payer, ["read"])
    me = api.http.get("/user/my-info", headers=_bearer(secret))
    assert me.status_code == 200
    assert me.json()["user"]["email"] == payer.email
    assert api.http.get("/transactions", headers=_bearer(secret)).status_code == 200
    assert api.http.get("/user/usage", headers=_bearer(secret)).status_code == 200
    for path, body in [
        ("/token/create", {"recipientEmail": other.email}),
        (
            "/transaction/create",
            {"senderEmail": payer.email, "recipientEmail": other.email, "amount": 1},
        ),
        ("/api-key/create", {"name": "more", "scopes": ["read"]}),
    ]:
        refused = api.http.post(path, json=body, headers=_bearer(secret))
        assert refused.status_code == 403, refused.text
        assert refused.json()["code"] == "insufficient_scope"
    message = refused.json()["message"]
    assert "'keys'" in message
    assert "createApiKey" in message
    assert api.me(payer)["availableBalance"] == api.me(payer)["balance"] == 150


def test_a_key_with_neither_pay_nor_charge_is_told_which_one_the_request_needs(
    api: Api,
) -> None:
    # Tried as a new user would: a read-only key that pays, charges or resolves is told
    # the one scope that request needs, not "'pay' or 'charge'" (a key made with the
    # wrong one of the two would be refused again).
    payer, service = _funded(api), _funded(api)
    _, payer_reads = _create(api, payer, ["read"])
    _, service_reads = _create(api, service, ["read"])
    token = api.token(payer, service)
    direct = api.pay(payer, service, 1).json()["transaction"]["id"]
    charge = api.http.post(
        "/transaction/create",
        json={"senderEmail": payer.email, "recipientEmail": service.email, "amount": 1,
              "token": token},
        auth=service.auth,
    ).json()["transaction"]["id"]  # fmt: skip
    cases = [
        ("/transaction/create", {"senderEmail": payer.email, "recipientEmail": service.email,
                                 "amount": 1}, payer_reads, "pay"),
        ("/transaction/create", {"senderEmail": payer.email, "recipientEmail": service.email,
                                 "amount": 1, "token": token}, service_reads, "charge"),
        ("/transaction/confirm", {"transactionId": direct}, payer_reads, "pay"),
        ("/transaction/cancel", {"transactionId": direct}, payer_reads, "pay"),
        ("/transaction/confirm", {"transactionId": charge}, service_reads, "charge"),
        ("/transaction/cancel", {"transactionId": charge}, service_reads, "charge"),
    ]  # fmt: skip
    for path, body, secret, needed in cases:
        refused = api.http.post(path, json=body, headers=_bearer(secret))
        assert refused.status_code == 403, refused.text
        assert refused.json()["code"] == "insufficient_scope"
        message = refused.json()["message"]
        other = "charge" if needed == "pay" else "pay"
        assert f"'{needed}'" in message, (path, body, message)
        assert f"'{other}'" not in message, (path, body, message)
    assert api.me(payer)["balance"] == 150  # both still pending: nothing moved
    assert api.me(payer)["availableBalance"] == 148


def test_a_key_refused_for_another_accounts_payment_is_told_whose_key_it_is(api: Api) -> None:
    # A key carries no email: a client that sends another account's email as the payer
    # (or as the recipient of a charge) is told which account the key authenticates.
    owner, other, payee = _funded(api), _funded(api), api.register()
    key, secret = _create(api, owner, ["pay", "charge"])
    token = api.token(payee, other)
    for body in [
        {"senderEmail": other.email, "recipientEmail": payee.email, "amount": 1},
        {"senderEmail": payee.email, "recipientEmail": other.email, "amount": 1, "token": token},
        {"senderEmail": other.email, "recipientEmail": owner.email, "amount": 1},
    ]:
        refused = api.http.post("/transaction/create", json=body, headers=_bearer(secret))
        assert refused.status_code == 403, refused.text
        assert refused.json()["code"] == "forbidden"
        message = refused.json()["message"]
        assert owner.email in message, message
        assert key["id"] in message, message
    # With a password the caller named its account itself: nothing added.
    basic = api.http.post(
        "/transaction/create",
        json={"senderEmail": other.email, "recipientEmail": payee.email, "amount": 1},
        auth=owner.auth,
    )
    assert basic.status_code == 403
    assert owner.email not in basic.json()["message"]
    assert api.me(other)["availableBalance"] == 150


def test_an_account_holds_a_bounded_number_of_live_keys(api: Api) -> None:
    # Tried as a new user would: a job that makes a key per run and never revokes one.
    # Keys are unpaged in the list and stored for good: their number must be bounded.
    user = api.register()
    made = [_create(api, user, ["read"])[0] for _ in range(api_keys.MAX_LIVE_KEYS)]
    refused = api.http.post(
        "/api-key/create", json={"name": "one more", "scopes": ["read"]}, auth=user.auth
    )
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "forbidden"
    message = refused.json()["message"]
    assert str(api_keys.MAX_LIVE_KEYS) in message
    assert "revoke" in message
    assert len(api.http.get("/api-keys", auth=user.auth).json()["apiKeys"]) == len(made)
    # A revoked key no longer counts; another account is not bounded by this one's keys.
    api.http.post("/api-key/revoke", json={"keyId": made[0]["id"]}, auth=user.auth)
    _create(api, user, ["read"])
    _create(api, api.register(), ["read"])


def test_an_expired_key_no_longer_counts_against_the_bound(timed_api: Api, clock: Any) -> None:
    user = timed_api.register()
    for _ in range(api_keys.MAX_LIVE_KEYS - 1):
        _create(timed_api, user, ["read"])
    _create(timed_api, user, ["read"], expiresIn=60)
    one_more = {"name": "one more", "scopes": ["read"]}
    refused = timed_api.http.post("/api-key/create", json=one_more, auth=user.auth)
    assert refused.status_code == 403
    clock.advance(60)
    _create(timed_api, user, ["read"])


def _stored_key_ids(api: Api) -> list[str]:
    with api.service.service.store.read() as db:
        return [row[0] for row in db.execute("SELECT id FROM api_keys ORDER BY seq")]


def test_ended_keys_are_kept_for_a_while_then_deleted(timed_api: Api, clock: Any) -> None:
    user = timed_api.register()
    revoked, secret = _create(timed_api, user, ["read"])
    timed_api.http.post("/api-key/revoke", json={"keyId": revoked["id"]}, auth=user.auth)
    expiring, _ = _create(timed_api, user, ["read"], expiresIn=60)
    live, _ = _create(timed_api, user, ["read"])

    def listed() -> list[str]:
        answer = timed_api.http.get("/api-keys", auth=user.auth)
        assert answer.status_code == 200, answer.text
        return [k["id"] for k in answer.json()["apiKeys"]]

    everything = [revoked["id"], expiring["id"], live["id"]]
    clock.advance(api_keys.ENDED_KEPT_FOR - 1)
    assert listed() == everything
    # Listing deletes the revoked key, kept for its time; the expired one ended 60 s later.
    clock.advance(1)
    assert listed() == [expiring["id"], live["id"]]
    assert _stored_key_ids(timed_api) == [expiring["id"], live["id"]]
    # A deleted key is still refused, saying that the service forgets ended keys.
    forgotten = timed_api.http.get("/user/my-info", headers=_bearer(secret))
    assert forgotten.status_code == 401
    assert "forgets keys 30 days after" in forgotten.json()["message"]
    gone = timed_api.http.post("/api-key/revoke", json={"keyId": revoked["id"]}, auth=user.auth)
    assert gone.status_code == 404
    clock.advance(60)
    # Creating deletes them too, without listing first; a live key is never deleted.
    created, _ = _create(timed_api, user, ["read"])
    assert _stored_key_ids(timed_api) == [live["id"], created["id"]]
    assert listed() == [live["id"], created["id"]]


def test_a_create_and_revoke_loop_keeps_a_bounded_number_of_keys(
    timed_api: Api, clock: Any
) -> None:
    # Tried as a new user would: a job that makes a key per run and revokes it after.
    user, other = timed_api.register(), timed_api.register()
    theirs, _ = _create(timed_api, other, ["read"])
    timed_api.http.post("/api-key/revoke", json={"keyId": theirs["id"]}, auth=other.auth)
    made = []
    for _ in range(api_keys.MAX_ENDED_KEYS + 5):
        key, _ = _create(timed_api, user, ["read"])
        revoked = timed_api.http.post("/api-key/revoke", json={"keyId": key["id"]}, auth=user.auth)
        assert revoked.status_code == 200, revoked.text
        made.append(key["id"])
        clock.advance(1)
    listed = timed_api.http.get("/api-keys", auth=user.auth).json()["apiKeys"]
    assert [k["id"] for k in listed] == made[-api_keys.MAX_ENDED_KEYS :]
    # The table holds no more than the list shows, and another account's keys are its own.
    assert _stored_key_ids(timed_api) == [theirs["id"], *made[-api_keys.MAX_ENDED_KEYS :]]


def test_which_ended_keys_are_kept() -> None:
    now = 1_000_000_000.0

    def key(number: int, revoked: float | None, expires: float | None) -> api_keys.ApiKey:
        return api_keys.ApiKey(
            f"key_{number}", "a", "k", frozenset({"read"}), "h", 0.0, expires, None, revoked,
            None, 0,
        )  # fmt: skip

    kept_for = api_keys.ENDED_KEPT_FOR
    keys = [
        key(1, None, None),  # live
        key(2, None, now + 1),  # expires later: live
        key(3, now - kept_for + 1, None),  # revoked, kept a second more
        key(4, now - kept_for, None),  # revoked long enough ago
        key(5, None, now - kept_for),  # expired long enough ago
        # Expired long ago, revoked since: it ended when it expired.
        key(6, now - 5, now - kept_for - 1),
        # Revoked before its expiry, which is still to come: it ended when revoked.
        key(7, now - kept_for, now + 10),
    ]
    assert sorted(api_keys.stale(keys, now)) == ["key_4", "key_5", "key_6", "key_7"]
    assert api_keys.ended_at(keys[1], now) is None
    # Beyond the most recently ended ones, even young ended keys go, oldest first.
    many = [key(n, now - 1000 + n, None) for n in range(api_keys.MAX_ENDED_KEYS + 2)]
    assert sorted(api_keys.stale(many, now)) == ["key_0", "key_1"]
    tied = [key(n, now - 1, None) for n in range(api_keys.MAX_ENDED_KEYS + 1)]
    assert api_keys.stale(tied, now) == ["key_0"]


@pytest.mark.parametrize(
    "name", ["\x1b[31mred\x00", "x\u202eevil", "csi\x9b31m", "tab\there", "\u2067iso\u2069"]
)
def test_a_key_name_is_kept_character_for_character(api: Api, name: str) -> None:
    # The contract does not restrict a name's characters, so the service may not refuse
    # these now (a new refusal is not additive): it keeps them exactly, and clients
    # escape them when they show them.
    user = api.register()
    key, _ = _create(api, user, ["read"], name=name)
    assert key["name"] == name
    listed = api.http.get("/api-keys", auth=user.auth).json()["apiKeys"]
    assert [k["name"] for k in listed] == [name]
    # Should the contract come to restrict them, the service must refuse them: not before.
    schemas = spec.spec()["components"]["schemas"]
    assert "pattern" not in schemas["CreateApiKeyRequest"]["properties"]["name"]


def test_a_charge_key_charges_and_cannot_transfer(api: Api) -> None:
    payer, service = _funded(api), _funded(api)
    _, secret = _create(api, service, ["charge"])
    token = api.token(payer, service)
    charge = api.http.post(
        "/transaction/create",
        json={
            "senderEmail": payer.email,
            "recipientEmail": service.email,
            "amount": 2,
            "token": token,
        },
        headers=_bearer(secret),
    )
    assert charge.status_code == 200, charge.text
    tx = charge.json()["transaction"]["id"]
    confirmed = api.http.post(
        "/transaction/confirm", json={"transactionId": tx}, headers=_bearer(secret)
    )
    assert confirmed.status_code == 200, confirmed.text
    refunded = api.http.post(
        "/transaction/refund", json={"transactionId": tx, "amount": 0.5}, headers=_bearer(secret)
    )
    assert refunded.status_code == 200, refunded.text
    transfer = api.http.post(
        "/transaction/create",
        json={"senderEmail": service.email, "recipientEmail": payer.email, "amount": 1},
        headers=_bearer(secret),
    )
    assert transfer.status_code == 403
    assert transfer.json()["code"] == "insufficient_scope"
    assert "'pay'" in transfer.json()["message"]
    # Nor can it resolve a payment its account made with the password.
    direct = api.pay(service, payer, 1).json()["transaction"]["id"]
    cancel = api.http.post(
        "/transaction/cancel", json={"transactionId": direct}, headers=_bearer(secret)
    )
    assert cancel.status_code == 403
    assert api.balance(payer) == 148.5
    assert api.me(service)["availableBalance"] == 150.5  # 1 held by its own payment


def test_a_spend_cap_stops_at_the_cap(api: Api) -> None:
    payer, other = _funded(api), api.register()
    key, secret = _create(api, payer, ["pay", "read"], maxSpend=3)
    body = {"senderEmail": payer.email, "recipientEmail": other.email, "amount": 2}
    first = api.http.post("/transaction/create", json=body, headers=_bearer(secret))
    assert first.status_code == 200, first.text
    again = api.http.post("/transaction/create", json=body, headers=_bearer(secret))
    assert again.status_code == 409
    assert again.json()["code"] == "spend_cap_exceeded"
    assert "$1.00 left" in again.json()["message"]
    # Refused in the payment's own database transaction: nothing was created or held.
    history = api.http.get("/transactions", headers=_bearer(secret)).json()["transactions"]
    assert len([t for t in history if t["recipientEmail"] == other.email]) == 1
    assert api.me(payer)["heldBalance"] == 2
    # A token of a capped key needs a limit, and counts at it.
    unlimited = api.http.post(
        "/token/create", json={"recipientEmail": other.email}, headers=_bearer(secret)
    )
    assert unlimited.status_code == 422
    assert "maxAmount" in unlimited.text
    assert "$1.00 left" in unlimited.text
    token = api.http.post(
        "/token/create",
        json={"recipientEmail": other.email, "maxAmount": 1},
        headers=_bearer(secret),
    )
    assert token.status_code == 200
    over = api.http.post(
        "/token/create",
        json={"recipientEmail": other.email, "maxAmount": 0.000001},
        headers=_bearer(secret),
    )
    assert over.json()["code"] == "spend_cap_exceeded"
    listed = api.http.get("/api-keys", auth=payer.auth).json()["apiKeys"]
    assert listed[0]["spent"] == 3
    # The password is not capped.
    assert api.pay(payer, other, 10).status_code == 200
    assert key["maxSpend"] == 3


def test_a_revoked_key_is_refused_on_the_next_call(api: Api) -> None:
    user = api.register()
    key, secret = _create(api, user, ["read", "keys"])
    assert api.http.get("/user/my-info", headers=_bearer(secret)).status_code == 200
    revoked = api.http.post("/api-key/revoke", json={"keyId": key["id"]}, headers=_bearer(secret))
    assert revoked.status_code == 200
    assert revoked.json()["apiKey"]["revokedAt"] is not None
    refused = api.http.get("/user/my-info", headers=_bearer(secret))
    assert refused.status_code == 401
    assert refused.json()["code"] == "invalid_credentials"
    assert "revoked" in refused.json()["message"]
    assert refused.headers["WWW-Authenticate"].startswith("Bearer ")
    # Revoking again changes nothing; another account's key is not found.
    again = api.http.post("/api-key/revoke", json={"keyId": key["id"]}, auth=user.auth)
    assert again.json()["apiKey"]["revokedAt"] == revoked.json()["apiKey"]["revokedAt"]
    stranger = api.register()
    assert (
        api.http.post("/api-key/revoke", json={"keyId": key["id"]}, auth=stranger.auth).status_code
        == 404
    )


def test_an_expired_key_is_refused(timed_api: Api, clock: Any) -> None:
    user = timed_api.register()
    _, secret = _create(timed_api, user, ["read"], expiresIn=60)
    assert timed_api.http.get("/user/my-info", headers=_bearer(secret)).status_code == 200
    clock.advance(60)
    refused = timed_api.http.get("/user/my-info", headers=_bearer(secret))
    assert refused.status_code == 401
    assert "expired" in refused.json()["message"]


@pytest.mark.parametrize(
    "token",
    ["sbk_short", "sbk_" + "A" * 43, "sbk_" + "!" * 43, "sbk_" + "a" * 44],
    ids=["short", "unknown", "bad-characters", "long"],
)
def test_an_unknown_or_malformed_key_is_refused(api: Api, token: str) -> None:
    refused = api.http.get("/user/my-info", headers=_bearer(token))
    assert refused.status_code == 401
    assert refused.json()["code"] == "invalid_credentials"


def _challenges(header: str) -> list[str]:
    """The challenges of a WWW-Authenticate value, each as its scheme and parameters
    (RFC 9110: a scheme is a token followed by a space; parameters follow it)."""
    return [c.strip() for c in re.split(r",\s*(?=[A-Za-z]+ )", header)]


@pytest.mark.parametrize("operation", sorted(api_keys.NEEDS))
def test_a_401_of_a_user_operation_offers_a_password_and_a_key(api: Api, operation: str) -> None:
    # Every operation that takes a key: without credentials, with a wrong password, with
    # something that is neither (another scheme): both challenges, Basic first.
    from syftbox_accounting.server.endpoints import ENDPOINTS

    (endpoint,) = [e for e in ENDPOINTS if e.operation_id == operation]
    path = endpoint.path.replace("{transactionId}", "tx_none")
    user = api.register()
    for headers in (
        {},
        {"Authorization": "Basic " + base64.b64encode(f"{user.email}:wrong".encode()).decode()},
        {"Authorization": "Digest username=x"},
    ):
        answer = api.http.request(endpoint.method, path, json={}, headers=headers)
        assert answer.status_code == 401, (headers, answer.text)
        assert _challenges(answer.headers["WWW-Authenticate"]) == [
            'Basic realm="syftbox-accounting"',
            'Bearer realm="syftbox-accounting"',
        ]
    # A refused key: the Bearer challenge says why, and Basic is still offered.
    _, secret = _create(api, user, ["read"])
    keys = api.http.get("/api-keys", auth=user.auth).json()["apiKeys"]
    api.http.post("/api-key/revoke", json={"keyId": keys[0]["id"]}, auth=user.auth)
    for token in (secret, "sbk_" + "x" * 43, "sbk_short"):
        answer = api.http.request(endpoint.method, path, json={}, headers=_bearer(token))
        assert answer.status_code == 401, (token, answer.text)
        assert _challenges(answer.headers["WWW-Authenticate"]) == [
            'Bearer realm="syftbox-accounting", error="invalid_token"',
            'Basic realm="syftbox-accounting"',
        ]


def test_a_key_beside_other_credentials_is_refused(api: Api) -> None:
    user = _funded(api)
    recipient = api.register()
    _, secret = _create(api, user, ["read", "pay"])
    wrong = api.http.get("/user/my-info", auth=("nobody@example.com", "x")).request
    for pair in [
        [_bearer(secret)["Authorization"], wrong.headers["Authorization"]],
        [_bearer(secret)["Authorization"]] * 2,
    ]:
        headers = [("Authorization", value) for value in pair]
        assert api.http.get("/user/my-info", headers=headers).status_code == 401
        paid = api.http.post(
            "/transaction/create",
            json={"senderEmail": user.email, "recipientEmail": recipient.email, "amount": 1},
            headers=headers,
        )
        assert paid.status_code == 401
        assert paid.json()["code"] == "invalid_credentials"
    assert api.me(user)["heldBalance"] == 0


def test_a_key_is_no_admin_key_and_the_admin_key_is_no_api_key(api: Api) -> None:
    user = api.register()
    _, secret = _create(api, user, ALL)
    assert api.http.get("/users", headers=_bearer(secret)).status_code == 401
    assert api.http.get("/user/my-info", headers=api.admin).status_code == 401
    with pytest.raises(ValueError, match="sbk_"):
        create_app(admin_key="sbk_" + "a" * 43)


def test_a_key_creates_only_keys_within_its_own_bounds(api: Api) -> None:
    user = api.register()
    _, maker = _create(api, user, ["read", "pay", "keys"], expiresIn=3600, maxSpend=10)

    def make(**body: Any) -> httpx.Response:
        return api.http.post(
            "/api-key/create", json={"name": "child", **body}, headers=_bearer(maker)
        )

    assert make(scopes=["charge"]).status_code == 403  # a scope it lacks
    assert make(scopes=["pay"]).status_code == 403  # it has a spend cap
    assert make(scopes=["read"], expiresIn=7200).status_code == 403  # outlives it
    child = make(scopes=["read"])
    assert child.status_code == 200, child.text
    # With no expiry asked, the child expires with its maker.
    listed = api.http.get("/api-keys", headers=_bearer(maker)).json()["apiKeys"]
    assert listed[1]["expiresAt"] == listed[0]["expiresAt"]


def test_a_capped_key_cannot_make_an_uncapped_key_that_refunds(api: Api) -> None:
    # Refunds count against a key's cap: a capped `charge` key must not escape its cap
    # through a child key of its own with `charge` and no cap.
    payer, service = _funded(api), _funded(api)
    _, capped = _create(api, service, ["charge", "keys"], maxSpend=1)
    child = api.http.post(
        "/api-key/create", json={"name": "child", "scopes": ["charge"]}, headers=_bearer(capped)
    )
    assert child.status_code == 403, child.text
    assert "'charge'" in child.json()["message"]
    token = api.token(payer, service)
    charged = api.http.post(
        "/transaction/create",
        json={"senderEmail": payer.email, "recipientEmail": service.email, "amount": 50,
              "token": token},
        headers=_bearer(capped),
    ).json()["transaction"]["id"]  # fmt: skip
    api.http.post("/transaction/confirm", json={"transactionId": charged}, headers=_bearer(capped))
    refund = {"transactionId": charged, "amount": 5}
    over = api.http.post("/transaction/refund", json=refund, headers=_bearer(capped))
    assert over.json()["code"] == "spend_cap_exceeded"
    assert api.balance(payer) == 100  # 150 - 50, nothing refunded past the cap
    # A child that cannot spend is still allowed.
    reader = api.http.post(
        "/api-key/create", json={"name": "reader", "scopes": ["keys"]}, headers=_bearer(capped)
    )
    assert reader.status_code == 200, reader.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"scopes": ["read"]}, "name"),
        ({"name": "x", "scopes": []}, "scopes"),
        ({"name": "x", "scopes": ["admin"]}, "scopes"),
        ({"name": "x", "scopes": ["read", "read"]}, "scopes"),
        ({"name": "x", "scopes": ["read"], "expiresIn": 59}, "expiresIn"),
        ({"name": "x", "scopes": ["read"], "maxSpend": 0}, "maxSpend"),
        ({"name": "x", "scopes": ["read"], "maxSpendDecimal": "0"}, "maxSpendDecimal"),
        ({"name": "x", "scopes": ["read"], "maxSpendDecimal": "0.0000001"}, "maxSpendDecimal"),
        ({"name": "x", "scopes": ["read"], "maxSpend": 2, "maxSpendDecimal": "3"}, "maxSpend"),
        ({"name": "x", "scopes": ["read"], "extra": 1}, "extra"),
    ],
)
def test_a_malformed_key_request_is_422(api: Api, body: dict[str, Any], field: str) -> None:
    user = api.register()
    refused = api.http.post("/api-key/create", json=body, auth=user.auth)
    assert refused.status_code == 422
    assert refused.json()["details"][0]["field"] == field


@pytest.mark.parametrize("expires_in", [0, -1, 59, 1.5, "3600", 31536001])
def test_a_refused_expiry_names_the_bounds_the_contract_sets(api: Api, expires_in: Any) -> None:
    # Whatever is wrong with it, the problem gives the bounds that work (60 seconds to a
    # year), never a minimum the next request would be refused for again.
    user = api.register()
    body = {"name": "x", "scopes": ["read"], "expiresIn": expires_in}
    refused = api.http.post("/api-key/create", json=body, auth=user.auth)
    assert refused.status_code == 422
    assert refused.json()["details"] == [
        {"field": "expiresIn", "problem": "must be a whole number of seconds from 60 to 31536000"}
    ]


def test_idempotency_keys_replay_within_the_keys_account(api: Api) -> None:
    payer, other = _funded(api), api.register()
    _, secret = _create(api, payer, ["pay", "read"])
    headers = {**_bearer(secret), "Idempotency-Key": "pay-once-1"}
    body = {"senderEmail": payer.email, "recipientEmail": other.email, "amount": 1}
    first = api.http.post("/transaction/create", json=body, headers=headers)
    again = api.http.post("/transaction/create", json=body, headers=headers)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    # The password of the same account replays it too: the answer is the account's.
    by_password = api.http.post(
        "/transaction/create", json=body, auth=payer.auth, headers={"Idempotency-Key": "pay-once-1"}
    )
    assert by_password.json() == first.json()
    assert api.me(payer)["heldBalance"] == 1


def test_a_key_without_the_scope_cannot_replay_a_new_keys_secret(api: Api) -> None:
    user = api.register()
    _, reader = _create(api, user, ["read"])
    keyed = {"Idempotency-Key": "make-a-key"}
    body = {"name": "powerful", "scopes": ALL}
    made = api.http.post("/api-key/create", json=body, auth=user.auth, headers=keyed)
    assert made.status_code == 200
    replay = api.http.post("/api-key/create", json=body, headers={**_bearer(reader), **keyed})
    assert replay.status_code == 403
    assert made.json()["secret"] not in replay.text


def test_a_key_that_revoked_itself_gets_its_answer_again_and_nothing_else(api: Api) -> None:
    # The answer to a key's own revocation was lost: its retry, with that key (now
    # revoked) and the same Idempotency-Key, gets the answer; the key opens nothing else.
    user = api.register()
    made, secret = _create(api, user, ["read", "keys"])
    other, other_secret = _create(api, user, ["read", "keys"])
    keyed = {**_bearer(secret), "Idempotency-Key": "revoke-me"}
    body = {"keyId": made["id"]}
    first = api.http.post("/api-key/revoke", json=body, headers=keyed)
    assert first.status_code == 200, first.text
    again = api.http.post("/api-key/revoke", json=body, headers=keyed)
    assert again.status_code == 200, again.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    refused = [
        # another request with the revoked key, keyed or not
        api.http.post("/api-key/revoke", json={"keyId": other["id"]}, headers=keyed),
        api.http.post(
            "/api-key/revoke",
            json={"keyId": other["id"]},
            headers={**_bearer(secret), "Idempotency-Key": "another"},
        ),
        api.http.get("/user/my-info", headers=_bearer(secret)),
    ]
    assert [r.status_code for r in refused] == [401, 401, 401]
    # The revocation of another key, made by a key revoked since, is not its to replay.
    third, _ = _create(api, user, ["read", "keys"])
    by_other = {**_bearer(other_secret), "Idempotency-Key": "revoke-third"}
    assert (
        api.http.post("/api-key/revoke", json={"keyId": third["id"]}, headers=by_other).status_code
        == 200
    )
    assert (
        api.http.post("/api-key/revoke", json={"keyId": other["id"]}, auth=user.auth).status_code
        == 200
    )
    replay = api.http.post("/api-key/revoke", json={"keyId": third["id"]}, headers=by_other)
    assert replay.status_code == 401


def test_keys_survive_a_restart_on_a_database_file(tmp_path: Any) -> None:
    database = tmp_path / "accounting.db"
    user = ("a@example.com", "password-1")
    with BackgroundService(database=database) as first:
        httpx.post(f"{first.url}/user/create", json={"email": user[0], "password": user[1]})
        secret = httpx.post(
            f"{first.url}/api-key/create", json={"name": "x", "scopes": ["read"]}, auth=user
        ).json()["secret"]
    with BackgroundService(database=database) as second:
        assert httpx.get(f"{second.url}/user/my-info", headers=_bearer(secret)).status_code == 200
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT COUNT(*) FROM api_keys").fetchone() == (1,)


def test_a_key_read_on_a_file_runs_where_it_need_not_wait_and_waits_when_it_must(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read with a key (whose login may note its last use: one write) runs on the
    event loop, as a password's does; while another thread holds the store it runs
    again where it may wait, and answers once the store is free."""
    user = ("a@example.com", "password-1")
    with BackgroundService(database=tmp_path / "accounting.db") as running:
        http = httpx.Client(base_url=running.url, timeout=60)
        http.post("/user/create", json={"email": user[0], "password": user[1]})
        made = http.post("/api-key/create", json={"name": "x", "scopes": ["read"]}, auth=user)
        secret = made.json()["secret"]
        service, store = running.service, running.service.store
        attempts: list[bool] = []  # per login attempt: whether it ran where it must not wait
        tried = threading.Event()
        login = service.key_login

        def spying(authorization: str, operation: str, raw: bytes = b"") -> Any:
            attempts.append(getattr(store._local, "no_wait", False))
            try:
                return login(authorization, operation, raw)
            finally:
                tried.set()

        monkeypatch.setattr(service, "key_login", spying)
        assert http.get("/user/my-info", headers=_bearer(secret)).status_code == 200
        assert attempts == [True]

        attempts.clear()
        tried.clear()
        answers: list[httpx.Response] = []
        with store.unit():  # another thread holds the store
            reader = threading.Thread(
                target=lambda: answers.append(http.get("/user/my-info", headers=_bearer(secret)))
            )
            reader.start()
            assert tried.wait(60)
        reader.join(60)
        assert [a.status_code for a in answers] == [200]
        assert attempts == [True, False]
        http.close()


@pytest.mark.parametrize(
    "cap",
    [
        {"maxSpendDecimal": "20.000001"},
        {"maxSpend": 20.000001},
        {"maxSpend": 20.000001, "maxSpendDecimal": "20.000001"},
    ],
)
def test_a_spend_cap_in_either_money_form_is_read_and_shown_exactly(
    api: Api, cap: dict[str, Any]
) -> None:
    user = _funded(api)
    made, secret = _create(api, user, ["read", "pay"], **cap)
    assert (made["maxSpend"], made["maxSpendDecimal"]) == (20.000001, "20.000001")
    assert (made["spent"], made["spentDecimal"]) == (0, "0")
    payee = api.register()
    body = {"senderEmail": user.email, "recipientEmail": payee.email, "amountDecimal": "0.1"}
    assert api.http.post("/transaction/create", json=body, headers=_bearer(secret)).is_success
    (listed,) = api.http.get("/api-keys", auth=user.auth).json()["apiKeys"]
    assert (listed["spent"], listed["spentDecimal"]) == (0.1, "0.1")


def test_the_scope_table_covers_exactly_the_operations_a_key_may_call() -> None:
    # NEEDS is the service's own table: each operation the contract secures with
    # apiKeyBearer has its row (a missing one would be a 500 for every key), and the
    # contract's "API keys" section names it under a scope that allows it.
    contract = spec.spec()
    keyed = {
        op["operationId"]
        for _, _, op in spec.operations()
        if any("apiKeyBearer" in requirement for requirement in op.get("security", []))
    }
    assert set(api_keys.NEEDS) == keyed
    (section,) = [t["description"] for t in contract["tags"] if t["name"] == "API keys"]
    for scope in api_keys.SCOPES:
        (line,) = [x for x in section.split("\n- ") if x.startswith(f"`{scope}`")]
        for operation_id, needs in api_keys.NEEDS.items():
            if needs == (scope,):
                assert f"`{operation_id}`" in line, (scope, operation_id)


def test_key_hashes_are_those_earlier_versions_stored() -> None:
    # Keys made before an upgrade must still sign in: the database file keeps only
    # their hashes (a known answer, computed by the version that first stored them).
    store = Store(":memory:", lambda: 1.8e9)
    try:
        keys = api_keys.ApiKeys(store, b"a" * 32, lambda: 1.8e9)
        assert keys._hash("sbk_0123456789abcdef").hex() == (
            "01ac3828e60b54ba9edd05dc9fecc3c2ebaceebba3ce3a095d10a754b702f202"
        )
    finally:
        store.close()
