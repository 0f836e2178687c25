"""Logins under a flood: hashing turns shared fairly between hosts and accounts, an
early 503 when the wait would be long, and repeats of the same bad credentials refused
without hashing again."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import httpx
import pytest

from syftbox_accounting.server import BackgroundService
from syftbox_accounting.server.errors import ApiError
from syftbox_accounting.server.hashing import HashingQueue
from tests.server.conftest import Api


class Gate:
    """A blocking function that holds its hashing slot until the test opens it."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.opened = threading.Event()

    def __call__(self) -> str:
        self.entered.set()
        self.opened.wait(30)
        return "gate"


# -- the queue itself


@pytest.mark.anyio
async def test_a_free_worker_takes_the_next_host_and_account_in_turn() -> None:
    queue = HashingQueue(slots=1, max_wait=3600)
    gate = Gate()
    order: list[str] = []

    async def login(label: str, host: str, account: str) -> None:
        await queue.run(order.append, label, host=host, account=account)

    async with anyio.create_task_group() as group:
        group.start_soon(lambda: queue.run(gate, host="flood", account="victim"))
        await anyio.to_thread.run_sync(gate.entered.wait)
        # The flood queues first: six attempts at one account from one host.
        for n in range(6):
            group.start_soon(login, f"flood-{n}", "flood", "victim")
        group.start_soon(login, "other-account", "flood", "someone")
        group.start_soon(login, "other-host", "laptop", "me")
        await anyio.wait_all_tasks_blocked()
        assert queue.waiting == 8
        gate.opened.set()
    # The first waiter of the flood, then the other host, then the other account of
    # the flood's host: neither waits behind the flood.
    assert order.index("other-host") <= 2
    assert order.index("other-account") <= 3
    assert order[-1].startswith("flood-")
    assert (queue.busy, queue.waiting) == (0, 0)


@pytest.mark.anyio
async def test_a_request_whose_wait_would_be_long_is_refused_at_once() -> None:
    queue = HashingQueue(slots=1, max_wait=1.0)
    gate = Gate()
    served: list[str] = []
    async with anyio.create_task_group() as group:
        group.start_soon(lambda: queue.run(gate, host="h", account="a"))
        await anyio.to_thread.run_sync(gate.entered.wait)
        queue.hash_seconds = 0.6  # as measured: one more of this account waits 1.8 s
        group.start_soon(lambda: queue.run(served.append, "first", host="h", account="a"))
        await anyio.wait_all_tasks_blocked()
        with pytest.raises(ApiError) as refused:
            await queue.run(served.append, "never", host="h", account="a")
        assert (refused.value.status, refused.value.code) == (503, "unavailable")
        assert refused.value.headers["Retry-After"] == "2"
        # The first request of any other account is always let in.
        group.start_soon(lambda: queue.run(served.append, "other", host="h", account="b"))
        await anyio.wait_all_tasks_blocked()
        assert queue.waiting == 2
        gate.opened.set()
    assert sorted(served) == ["first", "other"]


@pytest.mark.anyio
async def test_past_max_waiting_every_request_is_refused() -> None:
    queue = HashingQueue(slots=1, max_wait=3600, max_waiting=2)
    gate = Gate()
    async with anyio.create_task_group() as group:
        group.start_soon(lambda: queue.run(gate, host="h", account="a"))
        await anyio.to_thread.run_sync(gate.entered.wait)
        for account in ("b", "c"):
            group.start_soon(lambda a=account: queue.run(str, a, host="h", account=a))
        await anyio.wait_all_tasks_blocked()
        with pytest.raises(ApiError) as refused:
            await queue.run(str, "d", host="elsewhere", account="d")
        assert refused.value.status == 503
        gate.opened.set()


@pytest.mark.anyio
async def test_a_cancelled_waiter_leaves_no_trace_and_errors_reach_their_caller() -> None:
    queue = HashingQueue(slots=1, max_wait=3600)
    gate = Gate()
    served: list[str] = []
    async with anyio.create_task_group() as group:
        group.start_soon(lambda: queue.run(gate, host="h", account="a"))
        await anyio.to_thread.run_sync(gate.entered.wait)
        scopes: list[anyio.CancelScope] = []

        async def cancelled() -> None:
            with anyio.CancelScope() as scope:
                scopes.append(scope)
                await queue.run(served.append, "cancelled", host="h", account="c")

        group.start_soon(cancelled)
        group.start_soon(lambda: queue.run(served.append, "after", host="h", account="b"))
        await anyio.wait_all_tasks_blocked()
        assert queue.waiting == 2
        scopes[0].cancel()
        await anyio.wait_all_tasks_blocked()
        assert queue.waiting == 1
        gate.opened.set()
    assert served == ["after"]
    assert (queue.busy, queue.waiting) == (0, 0)
    with pytest.raises(ZeroDivisionError):
        await queue.run(lambda: 1 / 0, host="h", account="a")


def test_the_queue_refuses_settings_that_make_no_sense() -> None:
    with pytest.raises(ValueError, match="slots"):
        HashingQueue(slots=0)
    with pytest.raises(ValueError, match="max_wait"):
        HashingQueue(slots=1, max_wait=float("inf"))


# -- the same bad credentials, refused cheaply


class CountingHashes:
    """Counts scrypt calls (every password check and burn is one)."""

    def __init__(self, real: Callable[..., bytes]) -> None:
        self.real = real
        self.calls = 0
        self.lock = threading.Lock()

    def __call__(self, *args: Any, **kwargs: Any) -> bytes:
        with self.lock:
            self.calls += 1
        return self.real(*args, **kwargs)


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> CountingHashes:
    counting = CountingHashes(hashlib.scrypt)
    monkeypatch.setattr(hashlib, "scrypt", counting)
    return counting


@pytest.mark.parametrize("who", ["an account", "an unknown email"])
def test_a_repeat_of_the_same_bad_credentials_costs_no_hash(
    api: Api, hashes: CountingHashes, who: str
) -> None:
    user = api.register()
    email = user.email if who == "an account" else "nobody-here@example.com"
    bad = (email, "not-the-password")
    first = api.http.get("/user/my-info", auth=bad)
    assert first.status_code == 401
    spent = hashes.calls
    assert spent >= 1
    for _ in range(3):
        again = api.http.get("/user/my-info", auth=bad)
        assert again.status_code == 401
        assert again.content == first.content  # the same answer, only cheaper
    assert hashes.calls == spent
    # Another wrong password is checked; the right one still works.
    assert api.http.get("/user/my-info", auth=(email, "another-guess")).status_code == 401
    assert hashes.calls > spent
    if who == "an account":
        assert api.balance(user) == 100


def test_a_refused_password_works_once_it_becomes_the_password(
    api: Api, hashes: CountingHashes
) -> None:
    user = api.register()
    later = (user.email, "will-be-the-password")
    assert api.http.get("/user/my-info", auth=later).status_code == 401
    change = {"oldPassword": user.password, "newPassword": "will-be-the-password"}
    assert api.http.put("/user/update-password", json=change, auth=user.auth).status_code == 200
    assert api.http.get("/user/my-info", auth=later).status_code == 200
    # And an email refused before its account existed, once it does.
    newcomer = ("newcomer@example.com", "newcomer-password")
    assert api.http.get("/user/my-info", auth=newcomer).status_code == 401
    api.register(*newcomer)
    assert api.http.get("/user/my-info", auth=newcomer).status_code == 200


# -- a first login while a flood runs


def test_a_first_login_waits_for_its_turn_not_for_the_flood(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = hashlib.scrypt
    gate = threading.Event()  # holds every flood hash until the newcomer is queued
    started: list[str] = []  # whose hash started, in order
    lock = threading.Lock()
    two_busy, refused = threading.Event(), threading.Event()
    newcomer_password = "the-newcomer-password"

    def gated_scrypt(password: bytes, **kwargs: Any) -> bytes:
        who = "newcomer" if password == newcomer_password.encode() else "flood"
        with lock:
            started.append(who)
            if started.count("flood") >= 2:
                two_busy.set()
        if who == "flood":
            gate.wait(30)
        return real(password, **kwargs)

    # Any wait at all is too long for a second login of one account.
    with BackgroundService(max_login_wait=0.001) as service:
        api = Api(service)
        victim, newcomer = api.register(), api.register(password=newcomer_password)
        newcomer_id = service.service.store.account(newcomer.email).id  # type: ignore[union-attr]
        queue: HashingQueue = service.app.state.hashing
        monkeypatch.setattr(hashlib, "scrypt", gated_scrypt)
        statuses: list[int] = []
        stop = threading.Event()

        def flood(n: int) -> None:
            with httpx.Client(base_url=service.url, timeout=60) as client:
                attempt = 0
                while not stop.is_set():
                    attempt += 1
                    auth = (victim.email, f"guess-{n}-{attempt}")
                    status = client.get("/user/my-info", auth=auth).status_code
                    statuses.append(status)
                    if status == 503:
                        refused.set()

        def queued() -> bool:
            return any(newcomer_id in accounts for accounts in queue._queues.values())

        try:
            with ThreadPoolExecutor(31) as pool:
                floods = [pool.submit(flood, n) for n in range(30)]
                # Every worker is busy with the flood, and the flood is being refused.
                assert two_busy.wait(30)
                assert refused.wait(30)
                login = pool.submit(api.http.get, "/user/my-info", auth=newcomer.auth)
                with queue._work:
                    assert queue._work.wait_for(queued, timeout=30)
                    before = len(started)
                gate.set()
                answer = login.result(timeout=60)
                stop.set()
                for done in floods:
                    done.result(timeout=60)
        finally:
            stop.set()
            gate.set()
            api.close()
    assert answer.status_code == 200, answer.text
    # From the moment it queued, the newcomer waited for at most two flood hashes (the
    # one waiter its bucket may hold, and one racing it), not for the flood.
    assert started[before:].index("newcomer") <= 2, started[before:][:10]
    assert 503 in statuses
    assert set(statuses) <= {401, 503}
