"""What idempotency records keep, to whom they are replayed, and how many there may be:
no secret handed to a stranger or kept at rest, no record for an answer that changed
nothing, the credential checked before every replay, caps per caller and in total."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from syftbox_accounting.server import BackgroundService, ManualClock
from syftbox_accounting.server.idempotency_records import (
    DEFAULT_ANONYMOUS_TTL,
    DEFAULT_TTL,
    STALE_CLAIM,
    Keys,
    RecordLimits,
    Scope,
    Stored,
)
from syftbox_accounting.server.store import Store
from tests.server.conftest import Api, User

KEY = "Idempotency-Key"


def key(value: str | None = None) -> dict[str, str]:
    return {KEY: value or str(uuid.uuid4())}


def register(api: Api, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
    return api.http.post("/user/create", json=body, headers=headers)


def organization(api: Api, user: User, name: str, headers: dict[str, str]) -> httpx.Response:
    return api.http.put(
        "/user/update-organization", json={"organization": name}, auth=user.auth, headers=headers
    )


def database_bytes(api: Api) -> bytes:
    """Every value of every table of the service's databases (the records of an
    in-memory one live in an attached file), as bytes."""
    store = api.service.service.store
    dump = []
    with store.unit() as db:
        schemas = [name for _, name, _ in db.execute("PRAGMA database_list")]
        assert "idempotency_records" in {
            t for s in schemas for (t,) in db.execute(f'SELECT name FROM "{s}".sqlite_master')
        }
        for schema in schemas:
            tables = db.execute(f"SELECT name FROM \"{schema}\".sqlite_master WHERE type = 'table'")
            for (table,) in tables.fetchall():
                for row in db.execute(f'SELECT * FROM "{schema}"."{table}"'):
                    for value in row:
                        dump.append(value if isinstance(value, bytes) else str(value).encode())
    return b"\x00".join(dump)


def plain_hashes(*texts: str | bytes) -> list[bytes]:
    """The forms a plain hash of `texts` could take in a database."""
    found = []
    for text in texts:
        data = text if isinstance(text, bytes) else text.encode()
        digest = hashlib.sha256(data)
        found += [digest.digest(), digest.hexdigest().encode(), digest.digest()[:16]]
    return found


@pytest.fixture
def keys(api: Api) -> Keys:
    return api.service.service.keys


# -- no stored secret handed to another requester


@pytest.mark.parametrize("password", [None, "absent"])
def test_a_generated_password_is_never_replayed(api: Api, keys: Keys, password: str | None) -> None:
    # A guessable key, as a job id or "signup-1" would be.
    body: dict[str, Any] = {"email": "new@example.com", "organization": None}
    if password is None:
        body["password"] = None
    headers = key("signup-1")
    first = register(api, body, headers)
    assert first.status_code == 201
    generated = first.json()["password"]
    # Whoever sends the same email with the same key (the first requester too, who lost
    # the answer) learns that the account exists, never its password.
    again = register(api, body, headers)
    assert (again.status_code, again.json()["code"]) == (409, "account_exists")
    assert generated not in again.text
    assert "generated" in again.json()["message"]
    assert "Idempotent-Replayed" not in again.headers
    assert again.headers[KEY] == "signup-1"
    assert generated.encode() not in database_bytes(api)
    assert keys.count() == 1


def test_a_chosen_password_is_replayed_only_to_who_sends_it(api: Api) -> None:
    password = "my-own-password-1"
    body = {"email": "chosen@example.com", "password": password, "organization": None}
    headers = key("signup-2")
    first = register(api, body, headers)
    again = register(api, body, headers)
    assert again.status_code == first.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.content == first.content  # byte for byte, its own password in it
    # A stranger with the same email and key but another password, or none.
    for guess in ["another-password", None]:
        stranger = register(api, {**body, "password": guess}, headers)
        assert (stranger.status_code, stranger.json()["code"]) in {
            (422, "idempotency_key_reused"),
            (409, "account_exists"),
        }, guess
        assert password not in stranger.text
    # The key alone is no scope here: another email is another registration.
    other = register(api, {**body, "email": "other@example.com"}, headers)
    assert other.status_code == 201
    assert "Idempotent-Replayed" not in other.headers


def test_a_changed_password_breaks_the_replay_of_the_registration(api: Api) -> None:
    body = {"email": "mover@example.com", "password": "first-password-1"}
    headers = key()
    assert register(api, body, headers).status_code == 201
    auth = ("mover@example.com", "first-password-1")
    change = {"oldPassword": "first-password-1", "newPassword": "second-password-2"}
    assert api.http.put("/user/update-password", json=change, auth=auth).status_code == 200
    replayed = register(api, body, headers)
    assert (replayed.status_code, replayed.json()["code"]) == (422, "idempotency_key_reused")
    assert "first-password-1" not in replayed.text


# -- nothing kept that tests a guess at a password


def test_no_secret_and_no_plain_hash_of_a_secret_body_is_kept(api: Api) -> None:
    register_body = {"email": "kept@example.com", "password": "registered-pw-1"}
    register_raw = json.dumps(register_body).encode()
    register_key = key()
    api.http.post("/user/create", content=register_raw, headers=register_key)
    user = User("kept@example.com", "registered-pw-1")
    change_body = {"oldPassword": "registered-pw-1", "newPassword": "changed-pw-2"}
    change_raw = json.dumps(change_body).encode()
    change_key = key()
    changed = api.http.put(
        "/user/update-password", content=change_raw, auth=user.auth, headers=change_key
    )
    assert changed.status_code == 200
    token_answer = api.http.post(
        "/token/create",
        json={"recipientEmail": api.register().email},
        auth=("kept@example.com", "changed-pw-2"),
        headers=key(),
    )
    dump = database_bytes(api)
    for secret in ["registered-pw-1", "changed-pw-2", token_answer.json()["token"]]:
        assert secret.encode() not in dump, secret
    for idempotency_key in (register_key[KEY], change_key[KEY]):
        assert idempotency_key.encode() not in dump
    # Neither the bodies nor the passwords, hashed plainly (as earlier versions did).
    canonical = [
        "\x00".join(["POST", "/user/create", repr(register_body)]),
        "\x00".join(["PUT", "/user/update-password", repr(change_body)]),
    ]
    for digest in plain_hashes(register_raw, change_raw, *canonical, "changed-pw-2"):
        assert digest not in dump


# -- no record for an answer that changed nothing


def test_answers_that_changed_nothing_leave_no_record(api: Api, keys: Keys) -> None:
    user, other = api.register(), api.register()
    refusals: list[Callable[[dict[str, str]], httpx.Response]] = [
        # validation
        lambda h: register(api, {"email": "not-an-email", "password": "x" * 12}, h),
        lambda h: api.http.put(
            "/user/update-organization", json={"organization": 5}, auth=user.auth, headers=h
        ),
        # authentication, by a stranger and by a wrong password
        lambda h: organization(api, User(user.email, "wrong-password"), "x", h),
        lambda h: api.http.post(
            "/user/add-balance",
            json={"recipientEmail": user.email, "amount": 1},
            headers={**h, "Authorization": "Bearer wrong"},
        ),
        # refusals of the operation itself
        lambda h: register(api, {"email": user.email, "password": "whatever-pw"}, h),
        lambda h: api.http.post(
            "/transaction/create",
            json={"senderEmail": user.email, "recipientEmail": other.email, "amount": 1000},
            auth=user.auth,
            headers=h,
        ),
        lambda h: api.http.post(
            "/transaction/confirm", json={"transactionId": "nope"}, auth=user.auth, headers=h
        ),
        # a body that is not JSON at all, or not declared as JSON
        lambda h: api.http.post("/token/create", content=b"{", auth=user.auth, headers=h),
        lambda h: api.http.post(
            "/token/create",
            content=b"{}",
            auth=user.auth,
            headers={**h, "Content-Type": "text/plain"},
        ),
    ]
    for refuse in refusals:
        answer = refuse(key())
        assert 400 <= answer.status_code < 500, answer.text
    assert keys.count() == 0
    assert organization(api, user, "Kept", key()).status_code == 200
    assert keys.count() == 1


# -- the credential, checked before every replay


def test_a_retired_password_gets_no_replay(api: Api) -> None:
    user = api.register()
    headers = key("monthly-update")
    assert organization(api, user, "Acme", headers).status_code == 200
    change = {"oldPassword": user.password, "newPassword": "the-new-password-9"}
    assert api.http.put("/user/update-password", json=change, auth=user.auth).status_code == 200
    replay = organization(api, user, "Acme", headers)
    assert (replay.status_code, replay.json()["code"]) == (401, "invalid_credentials")
    fresh = organization(api, User(user.email, "the-new-password-9"), "Acme", headers)
    assert fresh.headers.get("Idempotent-Replayed") == "true"


def test_a_password_change_replays_to_nobody_who_lacks_the_new_password(api: Api) -> None:
    user = api.register()
    headers = key("pw-change")
    change = {"oldPassword": user.password, "newPassword": "the-new-password-9"}
    assert (
        api.http.put("/user/update-password", json=change, auth=user.auth, headers=headers)
    ).status_code == 200
    stranger = User(user.email, "a-guess-at-it")
    guess = {"oldPassword": "x" * 8, "newPassword": "another-guess-1"}
    for auth in (user, stranger):
        refused = api.http.put("/user/update-password", json=guess, auth=auth.auth, headers=headers)
        assert (refused.status_code, refused.json()["code"]) == (401, "invalid_credentials")
        assert "Idempotent-Replayed" not in refused.headers
    current = User(user.email, "the-new-password-9")
    reused = api.http.put("/user/update-password", json=guess, auth=current.auth, headers=headers)
    assert (reused.status_code, reused.json()["code"]) == (422, "idempotency_key_reused")
    # The replay goes to whoever holds the password it set (in the body, or to log in).
    assert (
        api.http.put("/user/update-password", json=change, auth=user.auth, headers=headers)
    ).headers.get("Idempotent-Replayed") == "true"
    # A later change retires that replay too: the body's new password is no longer it.
    second = {"oldPassword": "the-new-password-9", "newPassword": "the-third-password"}
    new_auth = (user.email, "the-new-password-9")
    assert api.http.put("/user/update-password", json=second, auth=new_auth).status_code == 200
    late = api.http.put("/user/update-password", json=change, auth=user.auth, headers=headers)
    assert late.status_code == 401


def test_a_rotated_admin_key_gets_no_replay(api: Api) -> None:
    user = api.register()
    headers = key("credit-1") | api.admin
    body = {"recipientEmail": user.email, "amount": 5}
    assert api.http.post("/user/add-balance", json=body, headers=headers).status_code == 200
    service = api.service.service
    old_key = service.admin_key
    service.admin_key = "a-rotated-admin-key"
    try:
        replay = api.http.post("/user/add-balance", json=body, headers=headers)
        assert (replay.status_code, replay.json()["code"]) == (401, "invalid_credentials")
        rotated = {**headers, "Authorization": "Bearer a-rotated-admin-key"}
        again = api.http.post("/user/add-balance", json=body, headers=rotated)
        assert again.headers.get("Idempotent-Replayed") == "true"
    finally:
        service.admin_key = old_key
    assert api.balance(user) == 105


# -- bounded: per caller, in total, and shorter without a caller


@pytest.fixture
def capped() -> Iterator[Api]:
    limits = RecordLimits(per_scope=3, total=5)
    with BackgroundService(idempotency_limits=limits) as running:
        client = Api(running)
        try:
            yield client
        finally:
            client.close()


def test_past_its_cap_a_caller_gets_429_and_past_the_total_everyone_503(capped: Api) -> None:
    alice, bob = capped.register(), capped.register()
    first = key()
    for n in range(3):
        headers = first if n == 0 else key()
        assert organization(capped, alice, f"org {n}", headers).status_code == 200
    over = organization(capped, alice, "org 3", key())
    assert (over.status_code, over.json()["code"]) == (429, "rate_limited")
    retry_after = int(over.headers["Retry-After"])
    assert DEFAULT_TTL - 60 <= retry_after <= DEFAULT_TTL
    # A replay needs no new record; the same request without a key is still served.
    assert organization(capped, alice, "org 0", first).headers.get("Idempotent-Replayed")
    assert organization(capped, alice, "org 3", {}).status_code == 200
    # Two of bob's fill the total of 5: the third is the service's limit, not his.
    for n in range(2):
        assert organization(capped, bob, f"bob {n}", key()).status_code == 200
    full = organization(capped, bob, "bob 2", key())
    assert (full.status_code, full.json()["code"]) == (503, "unavailable")
    assert int(full.headers["Retry-After"]) >= 1
    assert capped.service.service.keys.count() == 5


def test_an_abandoned_claim_gives_its_place_at_the_cap_and_a_4xx_takes_none(capped: Api) -> None:
    keys: Keys = capped.service.service.keys
    alice = capped.register()
    account = capped.service.service.store.account(alice.email)
    assert account is not None
    scope = Scope.account(account.id)
    for n in range(2):
        assert organization(capped, alice, f"org {n}", key()).status_code == 200
    # An answer that changed nothing leaves no record.
    refused = capped.http.put(
        "/user/update-organization", json={"organization": 7}, auth=alice.auth, headers=key()
    )
    assert refused.status_code == 422
    assert keys.count(scope) == 2
    # A claim left by a process that died before answering: the third of alice's 3.
    abandoned = key()
    keys.claim(scope, abandoned[KEY], b"fingerprint")
    assert keys.count(scope) == 3
    real_clock = keys.clock
    try:
        keys.clock = lambda: real_clock() + STALE_CLAIM + 1
        # The abandoned claim's key is the caller's again: its record takes the claim's place.
        assert organization(capped, alice, "org 2", abandoned).status_code == 200
        assert keys.count(scope) == 3
        over = organization(capped, alice, "org 3", key())
        assert (over.status_code, over.json()["code"]) == (429, "rate_limited")
        assert organization(capped, alice, "org 2", abandoned).headers.get("Idempotent-Replayed")
    finally:
        keys.clock = real_clock
    assert keys.count() == 3


def counts_match_rows(keys: Keys) -> bool:
    """Whether the counts of records, per caller and in all, are the records there are."""
    with keys.store.unit() as db:
        counts = dict(db.execute("SELECT scope, records FROM idempotency_counts").fetchall())
        rows = dict(
            db.execute("SELECT scope, COUNT(*) FROM idempotency_records GROUP BY scope").fetchall()
        )
    return counts == ({**rows, "*": sum(rows.values())} if rows else {})


@pytest.fixture
def capped_on_a_clock() -> Iterator[tuple[Api, ManualClock]]:
    clock = ManualClock()
    limits = RecordLimits(per_scope=3, total=5)
    with BackgroundService(idempotency_limits=limits, clock=clock) as running:
        client = Api(running)
        try:
            yield client, clock
        finally:
            client.close()


def test_expired_records_make_room_though_a_refused_request_undid_the_purge(
    capped_on_a_clock: tuple[Api, ManualClock],
) -> None:
    # The purge due with a request is part of its transaction: a refusal (here alice's
    # 429) undoes it. The records it would have deleted must not keep others out.
    api, clock = capped_on_a_clock
    keys: Keys = api.service.service.keys
    alice, bob, carol = api.register(), api.register(), api.register()
    for n in range(2):
        assert organization(api, bob, f"bob {n}", key()).status_code == 200
    clock.advance(DEFAULT_TTL - 100)
    for n in range(3):
        assert organization(api, alice, f"alice {n}", key()).status_code == 200
    clock.advance(200)  # bob's two have expired, alice's three have not
    over = organization(api, alice, "alice 3", key())
    assert (over.status_code, over.json()["code"]) == (429, "rate_limited")
    assert int(over.headers["Retry-After"]) > 1  # her oldest expires in a day
    made = organization(api, carol, "carol", key())
    assert made.status_code == 200, made.text
    assert (keys.count(), counts_match_rows(keys)) == (4, True)


def test_a_callers_expired_records_make_room_before_the_next_purge(
    capped_on_a_clock: tuple[Api, ManualClock],
) -> None:
    api, clock = capped_on_a_clock
    keys: Keys = api.service.service.keys
    alice, bob = api.register(), api.register()
    assert organization(api, alice, "1", key()).status_code == 200
    clock.advance(30)
    for name in ("2", "3"):
        assert organization(api, alice, name, key()).status_code == 200
    clock.advance(DEFAULT_TTL - 20)
    assert organization(api, bob, "b", key()).status_code == 200  # purges alice's first
    assert organization(api, alice, "4", key()).status_code == 200
    clock.advance(30)  # alice's 2 and 3 have expired; the periodic purge ran 30 s ago
    made = organization(api, alice, "5", key())
    assert made.status_code == 200, made.text
    assert (keys.count(), counts_match_rows(keys)) == (3, True)


def test_a_key_whose_own_expired_record_is_purged_to_make_room_is_counted_once() -> None:
    # Over a cap lowered since its records were made, a caller's expired records are
    # purged for room, the key's own among them: its new record is then a new one.
    clock = ManualClock()
    store = Store(":memory:", clock)
    try:
        first = Keys(store, b"k" * 32, RecordLimits(per_scope=3), clock)
        scope = Scope.account("acc-1")
        for name in ("a", "b", "c"):
            with store.unit() as db:
                reserved = first.reserve_in(db, scope, name, b"fp")
                assert not isinstance(reserved, Stored)
                first.record_in(db, reserved, 200, b"{}")
            clock.advance(10)
        clock.advance(DEFAULT_TTL - 15)  # "a" and "b" have expired, "c" has not
        lowered = Keys(store, b"k" * 32, RecordLimits(per_scope=2), clock)
        lowered._last_purge = clock()  # the periodic purge just ran
        with store.unit() as db:
            reserved = lowered.reserve_in(db, scope, "a", b"fp")
            assert not isinstance(reserved, Stored)
            assert not reserved.replaces
            lowered.record_in(db, reserved, 200, b"{}")
        assert (lowered.count(scope), counts_match_rows(lowered)) == (2, True)
    finally:
        store.close()


@pytest.mark.parametrize("on_a_file", [False, True], ids=["memory", "file"])
def test_counts_stay_the_records_there_are_through_replaced_refused_and_failed_requests(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, on_a_file: bool
) -> None:
    clock = ManualClock()
    database = tmp_path / "books.sqlite3" if on_a_file else ":memory:"
    with BackgroundService(database=database, clock=clock) as running:
        api = Api(running)
        keys: Keys = running.service.keys
        try:
            user = api.register()
            account = running.service.store.account(user.email)
            assert account is not None
            scope = Scope.account(account.id)
            signup = {"email": "later@example.com", "password": "a-password-1"}
            kept, signup_key = key(), key()
            assert organization(api, user, "a", kept).status_code == 200
            assert register(api, signup, signup_key).status_code == 201
            assert organization(api, user, "a", kept).headers.get("Idempotent-Replayed")
            abandoned = key()
            keys.claim(scope, abandoned[KEY], b"fingerprint")  # a process died here
            assert counts_match_rows(keys)
            clock.advance(STALE_CLAIM + 1)
            # A 4xx on the abandoned claim's key leaves it; a success takes its place.
            bad = api.http.put(
                "/user/update-organization",
                json={"organization": 1},
                auth=user.auth,
                headers=abandoned,
            )
            assert bad.status_code == 422
            assert counts_match_rows(keys)
            assert organization(api, user, "b", abandoned).status_code == 200
            assert (keys.count(scope), counts_match_rows(keys)) == (2, True)
            # A 5xx rolls back; a registration refused after its hash forgets its claim.
            monkeypatch.setattr(
                running.service, "update_organization", lambda *_: 1 / 0, raising=True
            )
            assert organization(api, user, "c", key()).status_code == 500
            monkeypatch.undo()
            assert register(api, {**signup, "email": user.email}, key()).status_code == 409
            assert (keys.count(), counts_match_rows(keys)) == (3, True)
            # Expired: the same key is a new request in the place of its old record.
            clock.advance(DEFAULT_TTL)
            assert organization(api, user, "a", kept).status_code == 200
            assert "Idempotent-Replayed" not in organization(api, user, "d", key()).headers
            assert counts_match_rows(keys)
            keys.purge()
            assert (keys.count(), keys.count(scope), counts_match_rows(keys)) == (2, 2, True)
        finally:
            api.close()


def _post(api: Api, user: User, path: str, body: dict[str, Any]) -> httpx.Response:
    return api.http.post(path, json=body, auth=user.auth, headers=key())


def test_a_pending_transaction_is_confirmed_or_cancelled_past_the_callers_cap() -> None:
    # A charge is two keyed requests: one whose creation got in must not be left
    # holding the money because its confirmation (or cancellation) found the cap full.
    with BackgroundService(idempotency_limits=RecordLimits(per_scope=3)) as running:
        api = Api(running)
        try:
            alice, bob = api.register(), api.register()
            keys: Keys = running.service.keys
            account = running.service.store.account(alice.email)
            assert account is not None
            scope = Scope.account(account.id)
            pay = {"senderEmail": alice.email, "recipientEmail": bob.email, "amount": 1}
            ids = []
            for _ in range(3):  # three creations fill alice's cap of 3
                created = _post(api, alice, "/transaction/create", pay)
                assert created.status_code == 200, created.text
                ids.append(created.json()["transaction"]["id"])
            assert keys.count(scope) == 3
            over = _post(api, alice, "/transaction/create", pay)
            assert (over.status_code, over.json()["code"]) == (429, "rate_limited")
            confirmed = _post(api, alice, "/transaction/confirm", {"transactionId": ids[0]})
            cancelled = _post(api, alice, "/transaction/cancel", {"transactionId": ids[1]})
            assert confirmed.json()["transaction"]["status"] == "COMPLETED"
            assert cancelled.json()["transaction"]["status"] == "CANCELLED"
            assert keys.count(scope) == 5  # recorded: each replays as any other
            # A resolution of a transaction that is no longer pending records nothing.
            again = _post(api, alice, "/transaction/cancel", {"transactionId": ids[0]})
            assert again.status_code == 409
            assert keys.count(scope) == 5
            assert api.me(alice)["heldBalance"] == 1  # the third, still pending
        finally:
            api.close()


def test_a_transfer_at_the_callers_cap_completes_or_holds_nothing() -> None:
    from syftbox_accounting import AccountingClient, ServiceException

    with BackgroundService(idempotency_limits=RecordLimits(per_scope=3)) as running:
        api = Api(running)
        try:
            alice, bob = api.register(), api.register()
            start = api.me(bob)["balance"]
            with AccountingClient(running.url, alice.email, alice.password) as payer:
                payer.transfer(bob.email, 1)  # two records
                payer.transfer(bob.email, 1)  # its confirmation goes past the cap
                with pytest.raises(ServiceException) as refused:
                    payer.transfer(bob.email, 1)
            assert refused.value.code == "rate_limited"
            assert api.me(alice)["heldBalance"] == 0  # the refused third holds nothing
            assert api.me(bob)["balance"] == start + 2
        finally:
            api.close()


def test_requests_without_a_caller_share_one_cap(capped: Api) -> None:
    for n in range(3):
        body = {"email": f"signup{n}@example.com", "password": "a-password-1"}
        assert register(capped, body, key()).status_code == 201
    body = {"email": "signup3@example.com", "password": "a-password-1"}
    over = register(capped, body, key())
    assert (over.status_code, over.json()["code"]) == (429, "rate_limited")
    assert DEFAULT_ANONYMOUS_TTL - 60 <= int(over.headers["Retry-After"]) <= DEFAULT_ANONYMOUS_TTL
    assert register(capped, body, {}).status_code == 201  # unkeyed: served


def test_records_without_a_caller_expire_sooner_and_make_room(capped: Api) -> None:
    keys: Keys = capped.service.service.keys
    user = capped.register()
    account_key = key()
    assert organization(capped, user, "Acme", account_key).status_code == 200
    body = {"email": "early@example.com", "password": "a-password-1"}
    signup_key = key()
    assert register(capped, body, signup_key).status_code == 201
    assert keys.count() == 2
    real_clock = keys.clock
    try:
        keys.clock = lambda: real_clock() + DEFAULT_ANONYMOUS_TTL + 1
        assert keys.purge() == 1  # the registration's; the account's stays
        assert keys.count() == 1
        later = register(capped, body, signup_key)
        assert (later.status_code, later.json()["code"]) == (409, "account_exists")
        assert organization(capped, user, "Acme", account_key).headers.get("Idempotent-Replayed")
    finally:
        keys.clock = real_clock


def test_limits_are_checked() -> None:
    for bad in [{"ttl": 0}, {"anonymous_ttl": float("nan")}, {"per_scope": 0}, {"total": True}]:
        with pytest.raises(ValueError, match=next(iter(bad))):
            RecordLimits(**bad)  # type: ignore[arg-type]
    assert RecordLimits(ttl=1.5, per_scope=1).ttl == 1.5


def test_an_in_memory_service_keeps_its_records_out_of_its_heap(api: Api) -> None:
    # In SQLite's private temporary file (deleted when the service stops): the process
    # holds only its bounded page cache of them, however many there are.
    user = api.register()
    assert organization(api, user, "kept", key()).status_code == 200
    store = api.service.service.store
    with store.read() as db:
        files = {name: path for _, name, path in db.execute("PRAGMA database_list")}
        (records,) = db.execute("SELECT COUNT(*) FROM side.idempotency_records").fetchone()
        in_main = db.execute(
            "SELECT name FROM main.sqlite_master WHERE name LIKE 'idempotency%'"
        ).fetchall()
    assert store.in_memory
    assert files["main"] == ""
    assert "side" in files
    assert records >= 1
    assert in_main == []


def test_record_keys_and_fingerprints_are_those_earlier_versions_stored() -> None:
    # A retry after an upgrade must find the record its first attempt left in the
    # database file: the MACs are part of the file's format (known answers, computed
    # by the version that first stored them).
    store = Store(":memory:", lambda: 1.8e9)
    try:
        keys = Keys(store, b"k" * 32)
        key_hash = keys._key_hash(Scope.account("acc-1"), "key-1", b"fp")
        assert key_hash.hex() == "d8bbe18d45a27b540729769d0aaead4b"
        body = b'{"amount": 1.50, "senderEmail": "a@example.com"}'
        fingerprint = keys.fingerprint("POST", "/transaction/create", body)
        assert fingerprint.hex() == "c1caaccb1b18f07f172bb0d029f0b663"
    finally:
        store.close()
