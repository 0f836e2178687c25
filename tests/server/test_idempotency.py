"""Idempotency keys on the reference service: replays, reuse, races, expiry; and the
token limits (`maxAmount`, `expiresIn`)."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from syftbox_accounting.server import BackgroundService
from syftbox_accounting.server import service as service_module
from syftbox_accounting.server.idempotency_records import DEFAULT_TTL as TTL
from syftbox_accounting.server.idempotency_records import STALE_CLAIM, Keys, Scope
from syftbox_accounting.server.store.database import WouldWait
from tests.server.conftest import Api, User
from tests.server.test_serve import start, stop

KEY = "Idempotency-Key"


def key() -> dict[str, str]:
    return {KEY: str(uuid.uuid4())}


def pay(api: Api, sender: User, recipient: User, amount: Any, headers: dict[str, str]) -> Any:
    return api.http.post(
        "/transaction/create",
        json={"senderEmail": sender.email, "recipientEmail": recipient.email, "amount": amount},
        auth=sender.auth,
        headers=headers,
    )


def resolve_keyed(
    api: Api, action: str, tx: str, user: User, headers: dict[str, str]
) -> httpx.Response:
    return api.http.post(
        f"/transaction/{action}", json={"transactionId": tx}, auth=user.auth, headers=headers
    )


def history(api: Api, user: User) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = api.http.get("/transactions", auth=user.auth).json()[
        "transactions"
    ]
    return listed


def test_same_key_same_body_replays_the_answer_and_moves_nothing(api: Api) -> None:
    payer, payee = api.register(), api.register()
    headers = key()
    first = pay(api, payer, payee, 10, headers)
    again = pay(api, payer, payee, 10, headers)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert first.headers[KEY] == again.headers[KEY] == headers[KEY]
    assert len(history(api, payer)) == 1
    # The confirmation too: the money moves once.
    tx = first.json()["transaction"]["id"]
    confirm_key = key()
    answers = [resolve_keyed(api, "confirm", tx, payer, confirm_key) for _ in range(3)]
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    assert (api.balance(payer), api.balance(payee)) == (90, 110)


def test_key_order_and_spacing_of_the_body_do_not_matter(api: Api) -> None:
    payer, payee = api.register(), api.register()
    headers = key() | {"Content-Type": "application/json"}
    body = {"senderEmail": payer.email, "recipientEmail": payee.email, "amount": 1}
    first = api.http.post(
        "/transaction/create", content=json.dumps(body), auth=payer.auth, headers=headers
    )
    reordered = json.dumps(dict(reversed(body.items())), indent=2)
    again = api.http.post(
        "/transaction/create", content=reordered, auth=payer.auth, headers=headers
    )
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.content == first.content


def test_same_key_other_body_or_path_is_422(api: Api) -> None:
    payer, payee = api.register(), api.register()
    headers = key()
    assert pay(api, payer, payee, 10, headers).status_code == 200
    other = pay(api, payer, payee, 11, headers)
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    assert other.headers[KEY] == headers[KEY]
    tx = history(api, payer)[0]["id"]
    other_path = resolve_keyed(api, "confirm", tx, payer, headers)
    assert (other_path.status_code, other_path.json()["code"]) == (422, "idempotency_key_reused")
    assert len(history(api, payer)) == 1
    assert api.balance(payer) == 100


def test_keys_are_scoped_to_the_caller(api: Api) -> None:
    alice, bob, carol = api.register(), api.register(), api.register()
    headers = key()
    assert pay(api, alice, carol, 1, headers).status_code == 200
    # Another caller with the same key is another request altogether.
    theirs = pay(api, bob, carol, 2, headers)
    assert theirs.status_code == 200
    assert "Idempotent-Replayed" not in theirs.headers


def test_an_answer_that_changed_nothing_is_not_recorded_nor_a_500(
    api: Api, monkeypatch: Any
) -> None:
    payer, payee = api.register(), api.register()
    keys: Keys = api.service.service.keys
    headers = key()
    refused = pay(api, payer, payee, 500, headers)
    assert (refused.status_code, refused.json()["code"]) == (409, "insufficient_funds")
    assert keys.count() == 0
    api.credit(payer, 1000)
    # Nothing was done, so nothing is replayed: the same request is processed again.
    again = pay(api, payer, payee, 500, headers)
    assert again.status_code == 200, again.text
    assert "Idempotent-Replayed" not in again.headers
    assert keys.count() == 1

    service = api.service.service
    real = service.create_transaction
    calls = 0

    def fails_once(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("the disk is on fire")
        return real(*args)

    monkeypatch.setattr(service, "create_transaction", fails_once)
    headers = key()
    first = pay(api, payer, payee, 1, headers)
    assert first.status_code == 500
    assert first.headers[KEY] == headers[KEY]
    second = pay(api, payer, payee, 1, headers)
    assert second.status_code == 200, second.text
    assert "Idempotent-Replayed" not in second.headers


def test_a_password_change_replays_with_the_old_password(api: Api) -> None:
    user = api.register()
    headers = key()
    body = {"oldPassword": user.password, "newPassword": "a-brand-new-password"}
    first = api.http.put("/user/update-password", json=body, auth=user.auth, headers=headers)
    assert first.status_code == 200
    # The client lost that answer and sends the request again, with the old password.
    again = api.http.put("/user/update-password", json=body, auth=user.auth, headers=headers)
    assert again.status_code == 200, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    # With the new password too.
    new_auth = (user.email, "a-brand-new-password")
    with_new = api.http.put("/user/update-password", json=body, auth=new_auth, headers=headers)
    assert with_new.headers.get("Idempotent-Replayed") == "true"
    # Without the key, the old password is refused as it should be.
    assert api.http.get("/user/my-info", auth=user.auth).status_code == 401


def test_admin_credit_replays(api: Api) -> None:
    user = api.register()
    headers = key() | api.admin
    body = {"recipientEmail": user.email, "amount": 5}
    answers = [api.http.post("/user/add-balance", json=body, headers=headers) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].content == answers[1].content
    assert api.balance(user) == 105


def test_no_key_no_echo_and_a_malformed_key_is_422(api: Api) -> None:
    payer, payee = api.register(), api.register()
    plain = pay(api, payer, payee, 1, {})
    assert plain.status_code == 200
    assert KEY not in plain.headers
    for bad in ["", "x" * 256, "two words"]:
        refused = pay(api, payer, payee, 1, {KEY: bad})
        assert (refused.status_code, refused.json()["code"]) == (422, "validation_error"), bad
        assert refused.json()["details"][0]["field"] == KEY
    assert pay(api, payer, payee, 1, {KEY: "x" * 255}).status_code == 200


@pytest.mark.parametrize("second", ["other-key", "first-key"])
def test_two_idempotency_key_headers_are_a_malformed_key(api: Api, second: str) -> None:
    # Repeated fields are one comma-joined list in HTTP: never a key, nor the first one.
    payer, payee = api.register(), api.register()
    first = pay(api, payer, payee, 1, {KEY: "first-key"})
    assert first.status_code == 200
    both = api.http.post(
        "/transaction/create",
        json={"senderEmail": payer.email, "recipientEmail": payee.email, "amount": 1},
        auth=payer.auth,
        headers=[(KEY, "first-key"), (KEY, second)],
    )
    assert (both.status_code, both.json()["code"]) == (422, "validation_error")
    assert both.json()["details"][0]["field"] == KEY
    assert KEY not in both.headers
    assert len(history(api, payer)) == 1  # the first payment only


def test_racing_requests_with_one_key_move_money_once(api: Api) -> None:
    payer, payee = api.register(), api.register()
    tx = pay(api, payer, payee, 10, {}).json()["transaction"]["id"]
    headers = key()
    count = 12
    barrier = threading.Barrier(count)
    clients = [httpx.Client(base_url=api.service.url, timeout=30) for _ in range(count)]

    def confirm(client: httpx.Client) -> httpx.Response:
        barrier.wait()
        return client.post(
            "/transaction/confirm", json={"transactionId": tx}, auth=payer.auth, headers=headers
        )

    try:
        with ThreadPoolExecutor(count) as pool:
            answers = list(pool.map(confirm, clients))
    finally:
        for client in clients:
            client.close()
    ok = [a for a in answers if a.status_code == 200]
    busy = [a for a in answers if a.status_code == 409]
    assert len(ok) + len(busy) == count
    assert ok
    assert len({a.content for a in ok}) == 1
    assert {a.json()["code"] for a in busy} <= {"request_in_progress"}
    assert (api.balance(payer), api.balance(payee)) == (90, 110)


def test_two_processes_on_one_file_move_money_once(tmp_path: Path) -> None:
    database = tmp_path / "shared.sqlite3"
    first, url_a = start(database)
    try:
        second, url_b = start(database)
        try:
            a, b = (
                httpx.Client(base_url=url_a, timeout=30),
                httpx.Client(base_url=url_b, timeout=30),
            )
            password = "a-long-password"
            for email in ("payer@example.com", "payee@example.com"):
                a.post("/user/create", json={"email": email, "password": password})
            auth = ("payer@example.com", password)
            body = {
                "senderEmail": "payer@example.com",
                "recipientEmail": "payee@example.com",
                "amount": 7,
            }
            headers = key()
            rounds = 8
            barrier = threading.Barrier(2 * rounds)

            def send(client: httpx.Client) -> httpx.Response:
                barrier.wait()
                return client.post("/transaction/create", json=body, auth=auth, headers=headers)

            with ThreadPoolExecutor(2 * rounds) as pool:
                answers = list(pool.map(send, [a, b] * rounds))
            ok = [r for r in answers if r.status_code == 200]
            assert ok
            assert len({r.content for r in ok}) == 1
            assert all(
                r.status_code == 200 or r.json()["code"] == "request_in_progress" for r in answers
            )
            listed = b.get("/transactions", auth=auth).json()["transactions"]
            assert len(listed) == 1
            a.close()
            b.close()
        finally:
            stop(second)
    finally:
        stop(first)


def test_records_expire_after_24_hours_and_are_purged(api: Api) -> None:
    payer, payee = api.register(), api.register()
    keys: Keys = api.service._app.state.idempotency  # type: ignore[union-attr]
    real_clock = keys.clock
    headers = key()
    assert pay(api, payer, payee, 1, headers).status_code == 200
    try:
        keys.clock = lambda: real_clock() + TTL - 5
        assert pay(api, payer, payee, 1, headers).headers.get("Idempotent-Replayed") == "true"
        keys.clock = lambda: real_clock() + TTL + 5
        # Expired: the same key is a new request.
        later = pay(api, payer, payee, 1, headers)
        assert later.status_code == 200
        assert "Idempotent-Replayed" not in later.headers
        assert len(history(api, payer)) == 2
        keys.clock = lambda: real_clock() + 2 * TTL + 10
        assert keys.purge() >= 1
    finally:
        keys.clock = real_clock


def test_an_abandoned_claim_gives_way(api: Api) -> None:
    payer, payee = api.register(), api.register()
    keys: Keys = api.service._app.state.idempotency  # type: ignore[union-attr]
    account = api.service.service.store.account(payer.email)
    assert account is not None
    headers = key()
    # A claim left by a process that died before answering: nothing was committed.
    keys.claim(Scope.account(account.id), headers[KEY], b"fingerprint")
    busy = pay(api, payer, payee, 1, headers)
    assert (busy.status_code, busy.json()["code"]) == (409, "request_in_progress")
    assert busy.headers["Retry-After"] == "1"
    real_clock = keys.clock
    try:
        keys.clock = lambda: real_clock() + STALE_CLAIM + 1
        assert pay(api, payer, payee, 1, headers).status_code == 200
    finally:
        keys.clock = real_clock


# -- token limits


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


def limited_token(api: Api, payer: User, payee: User, **limits: Any) -> httpx.Response:
    return api.http.post(
        "/token/create", json={"recipientEmail": payee.email, **limits}, auth=payer.auth
    )


def test_a_charge_up_to_max_amount_passes_and_above_it_is_refused(api: Api) -> None:
    payer, service = api.register(), api.register()
    token = limited_token(api, payer, service, maxAmount=0.5).json()["token"]
    assert claims(token)["maxAmount"] == 0.5
    above = api.charge(token, payer, service, 0.500001)
    assert (above.status_code, above.json()["code"]) == (403, "token_limit_exceeded")
    assert history(api, payer) == []
    # Refused before it was spent: the same token still pays up to its limit.
    at = api.charge(token, payer, service, 0.5)
    assert at.status_code == 200, at.text
    tx = at.json()["transaction"]["id"]
    assert api.resolve("confirm", tx, service).status_code == 200
    assert api.balance(payer) == 99.5


def test_expires_in_is_a_claim_and_is_honoured(api: Api) -> None:
    payer, service = api.register(), api.register()
    token = limited_token(api, payer, service, expiresIn=60).json()["token"]
    found = claims(token)
    assert found["exp"] - found["iat"] == 60
    assert "maxAmount" not in found
    plain = claims(limited_token(api, payer, service).json()["token"])
    assert plain["exp"] - plain["iat"] == 86400
    assert set(plain) == {"id", "senderEmail", "recipientEmail", "iat", "exp"}


def test_an_expired_limited_token_is_refused() -> None:
    with BackgroundService(token_lifetime=86400) as running:
        api = Api(running)
        try:
            payer, service = api.register(), api.register()
            issuer = running.service.tokens
            token = limited_token(api, payer, service, expiresIn=1).json()["token"]
            real = issuer._clock
            issuer._clock = lambda: real() + 2
            try:
                refused = api.charge(token, payer, service, 1)
            finally:
                issuer._clock = real
            assert (refused.status_code, refused.json()["code"]) == (403, "token_expired")
        finally:
            api.close()


@pytest.mark.parametrize(
    "limits",
    [
        {"maxAmount": 0},
        {"maxAmount": -1},
        {"maxAmount": 0.0000001},
        {"maxAmount": "1"},
        {"expiresIn": 0},
        {"expiresIn": 86401},
        {"expiresIn": 1.5},
        {"expiresIn": True},
        {"expiresIn": "60"},
    ],
)
def test_bad_limits_are_422(api: Api, limits: dict[str, Any]) -> None:
    payer, service = api.register(), api.register()
    refused = limited_token(api, payer, service, **limits)
    assert (refused.status_code, refused.json()["code"]) == (422, "validation_error")
    assert refused.json()["details"][0]["field"] == next(iter(limits))


def test_null_limits_mean_none(api: Api) -> None:
    payer, service = api.register(), api.register()
    token = limited_token(api, payer, service, maxAmount=None, expiresIn=None)
    assert token.status_code == 200
    assert set(claims(token.json()["token"])) == {
        "id",
        "senderEmail",
        "recipientEmail",
        "iat",
        "exp",
    }


def test_a_keyed_payment_on_a_file_is_one_write_where_it_need_not_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A keyed payment claims its key, moves the money and records its answer in one
    database transaction: on the event loop when the store is free; while another
    thread holds the store, again in a thread, answered once it is free, and the
    money moved once."""
    ann, bob = ("ann@example.com", "pw-" * 4), ("bob@example.com", "pw-" * 4)
    with BackgroundService(database=tmp_path / "books.sqlite3", admin_key="k" * 32) as running:
        http = httpx.Client(base_url=running.url, timeout=60)
        for email, password in (ann, bob):
            http.post("/user/create", json={"email": email, "password": password})
        http.post(
            "/user/add-balance",
            json={"recipientEmail": ann[0], "amount": 10},
            headers={"Authorization": "Bearer " + "k" * 32},
        )
        service, store = running.service, running.service.store
        attempts: list[bool] = []  # per attempt: whether it ran where it must not wait
        create = service.create_transaction

        def spying(*args: Any) -> Any:
            attempts.append(getattr(store._local, "no_wait", False))
            return create(*args)

        monkeypatch.setattr(service, "create_transaction", spying)
        body = {"senderEmail": ann[0], "recipientEmail": bob[0], "amount": 1}
        paid = http.post("/transaction/create", json=body, auth=ann, headers=key())
        assert paid.status_code == 200, paid.text
        assert attempts == [True]

        attempts.clear()
        headers = key()
        answers: list[httpx.Response] = []
        refused = threading.Event()  # the loop's attempt found the store taken
        real_acquire = store._acquire

        def acquire() -> None:
            try:
                real_acquire()
            except WouldWait:
                refused.set()
                raise

        monkeypatch.setattr(store, "_acquire", acquire)
        with store.unit():  # another thread holds the store
            payer = threading.Thread(
                target=lambda: answers.append(
                    http.post("/transaction/create", json=body, auth=ann, headers=headers)
                )
            )
            payer.start()
            assert refused.wait(60)
        payer.join(60)
        assert [a.status_code for a in answers] == [200]
        assert attempts == [False]  # made once, in a thread, having claimed nothing before
        again = http.post("/transaction/create", json=body, auth=ann, headers=headers)
        assert again.headers.get("Idempotent-Replayed") == "true"
        me = http.get("/user/my-info", auth=ann).json()["user"]
        assert (me["balance"], me["heldBalance"]) == (110, 2)  # two payments held, once each
        http.close()


@pytest.mark.parametrize("on_a_file", [False, True], ids=["memory", "file"])
@pytest.mark.parametrize("operation", ["register", "new password"])
def test_a_keyed_request_that_hashes_a_password_holds_no_lock_while_it_hashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, on_a_file: bool, operation: str
) -> None:
    """A keyed registration or password change hashes before it opens the database
    transaction that makes its change and records its answer: a payment meanwhile is
    answered while the hash is still being computed."""
    database = tmp_path / "books.sqlite3" if on_a_file else ":memory:"
    with BackgroundService(database=database, admin_key="k" * 32) as running:
        http = httpx.Client(base_url=running.url, timeout=60)
        ann, bob = ("ann@example.com", "pw-" * 4), ("bob@example.com", "pw-" * 4)
        for email, password in (ann, bob):
            http.post("/user/create", json={"email": email, "password": password})
        assert http.get("/user/my-info", auth=ann).status_code == 200  # a cached login
        hashing, go = threading.Event(), threading.Event()
        real_hash = service_module.hash_password

        def held_hash(password: str, cost: Any) -> str:
            hashing.set()
            assert go.wait(60)
            return real_hash(password, cost)

        monkeypatch.setattr(service_module, "hash_password", held_hash)
        if operation == "register":
            slow = (
                "POST",
                "/user/create",
                {"email": "cy@example.com", "password": "pw-" * 4},
                None,
            )
        else:
            slow = (
                "PUT",
                "/user/update-password",
                {"oldPassword": bob[1], "newPassword": "n" * 12},
                bob,
            )
        answers: list[httpx.Response] = []
        method, path, body, auth = slow
        worker = threading.Thread(
            target=lambda: answers.append(
                http.request(method, path, json=body, auth=auth, headers=key())
            )
        )
        worker.start()
        try:
            assert hashing.wait(60)
            pay = {"senderEmail": ann[0], "recipientEmail": bob[0], "amount": 1}
            # A ceiling: with the lock held through the hash, this waits for `go`.
            paid = httpx.post(
                f"{running.url}/transaction/create", json=pay, auth=ann, headers=key(), timeout=15
            )
            assert paid.status_code == 200, paid.text
        finally:
            go.set()
            worker.join(60)
        assert [a.status_code for a in answers] == [201 if operation == "register" else 200]
        http.close()
