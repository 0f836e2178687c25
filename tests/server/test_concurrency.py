"""Races over real sockets: many clients at once, on an in-memory and a file database, two
`serve` processes on one file, and a `serve` process killed (-9) under load."""

from __future__ import annotations

import itertools
import random
import signal
import sqlite3
import subprocess
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from syftbox_accounting.server import BackgroundService
from tests.server import books
from tests.server.conftest import Api
from tests.server.test_serve import ADMIN_KEY, PASSWORD, start, stop

T = TypeVar("T")
CLIENTS = 16


@pytest.fixture(params=["memory", "file"])
def racing_api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    # The file database takes the worker-thread path, the in-memory one runs inline.
    database = ":memory:" if request.param == "memory" else tmp_path / "accounting.sqlite3"
    with BackgroundService(database=database) as running:
        api = Api(running)
        try:
            yield api
        finally:
            api.close()


def all_at_once(api: Api, count: int, task: Callable[[httpx.Client], T]) -> list[T]:
    """Run `task` in `count` threads, each with its own connection, released together."""
    barrier = threading.Barrier(count)
    clients = [httpx.Client(base_url=api.service.url, timeout=30) for _ in range(count)]

    def run(client: httpx.Client) -> T:
        barrier.wait()
        return task(client)

    try:
        with ThreadPoolExecutor(count) as pool:
            return list(pool.map(run, clients))
    finally:
        for client in clients:
            client.close()


def test_many_confirmations_of_one_transaction_resolve_it_once(racing_api: Api) -> None:
    payer, service = racing_api.register(), racing_api.register()
    token = racing_api.token(payer, service)
    created = racing_api.charge(token, payer, service, 10).json()["transaction"]

    def confirm(client: httpx.Client) -> tuple[int, str]:
        response = client.post(
            "/transaction/confirm", json={"transactionId": created["id"]}, auth=service.auth
        )
        return response.status_code, response.json().get("code", "")

    results = all_at_once(racing_api, CLIENTS, confirm)
    assert sorted(results) == [(200, "")] + [(409, "already_resolved")] * (CLIENTS - 1)
    assert (racing_api.balance(payer), racing_api.balance(service)) == (90, 110)


def test_confirm_and_cancel_racing(racing_api: Api) -> None:
    payer, service = racing_api.register(), racing_api.register()
    created = racing_api.pay(payer, service, 10).json()["transaction"]

    def resolve(client: httpx.Client) -> int:
        action = "confirm" if threading.get_ident() % 2 else "cancel"
        response = client.post(
            f"/transaction/{action}", json={"transactionId": created["id"]}, auth=payer.auth
        )
        return response.status_code

    statuses = all_at_once(racing_api, CLIENTS, resolve)
    assert sorted(statuses) == [200] + [409] * (CLIENTS - 1)
    listed = racing_api.http.get("/transactions", auth=payer.auth).json()["transactions"]
    status = next(t["status"] for t in listed if t["id"] == created["id"])
    assert racing_api.balance(payer) == (90 if status == "COMPLETED" else 100)


def test_concurrent_charges_never_overdraw_and_conserve_money(racing_api: Api) -> None:
    payer = racing_api.register()
    services = [racing_api.register() for _ in range(4)]
    tokens = [
        (racing_api.token(payer, services[n % 4]), services[n % 4]) for n in range(2 * CLIENTS)
    ]
    lock = threading.Lock()

    def charge(client: httpx.Client) -> list[str]:
        outcomes = []
        for _ in range(2):
            with lock:
                token, service = tokens.pop()
            body = {
                "senderEmail": payer.email,
                "recipientEmail": service.email,
                "amount": 7,
                "token": token,
            }
            created = client.post("/transaction/create", json=body, auth=service.auth)
            if created.status_code != 200:
                outcomes.append(created.json()["code"])
                continue
            transaction_id = created.json()["transaction"]["id"]
            confirmed = client.post(
                "/transaction/confirm", json={"transactionId": transaction_id}, auth=service.auth
            )
            outcomes.append("paid" if confirmed.status_code == 200 else confirmed.json()["code"])
        return outcomes

    outcomes = [o for per_client in all_at_once(racing_api, CLIENTS, charge) for o in per_client]
    # 100 dollars pay for 14 charges of 7, never 15, however the requests interleave.
    assert outcomes.count("paid") == 14
    assert set(outcomes) <= {"paid", "insufficient_funds"}
    assert racing_api.balance(payer) == 2
    received = sum(racing_api.balance(service) - 100 for service in services)
    assert received == 98
    balances, put_in = racing_api.totals()
    assert balances == put_in == 5 * 100 * 1_000_000


def test_concurrent_registrations_of_one_email(racing_api: Api) -> None:
    def register(client: httpx.Client) -> int:
        response = client.post(
            "/user/create", json={"email": "race@example.com", "password": "password-1"}
        )
        return response.status_code

    assert sorted(all_at_once(racing_api, 8, register)) == [201] + [409] * 7


def test_concurrent_direct_payments_between_two_accounts(racing_api: Api) -> None:
    alice, bob = racing_api.register(), racing_api.register()

    def ping_pong(client: httpx.Client) -> None:
        for n in range(5):
            sender, recipient = (alice, bob) if n % 2 else (bob, alice)
            created = client.post(
                "/transaction/create",
                json={
                    "senderEmail": sender.email,
                    "recipientEmail": recipient.email,
                    "amount": 33.333333,
                },
                auth=sender.auth,
            )
            if created.status_code == 200:
                client.post(
                    "/transaction/confirm",
                    json={"transactionId": created.json()["transaction"]["id"]},
                    auth=sender.auth,
                )

    all_at_once(racing_api, CLIENTS, ping_pong)
    a, b = racing_api.balance(alice), racing_api.balance(bob)
    assert a >= 0
    assert b >= 0
    assert round(a + b, 6) == 200
    assert racing_api.totals()[0] == racing_api.totals()[1]


# --- two `serve` processes on one database file ---------------------------------------


@pytest.fixture
def two_processes(tmp_path: Path) -> Iterator[tuple[httpx.Client, httpx.Client, Path]]:
    """Two `serve` processes sharing one database file, and a client of each."""
    database = tmp_path / "shared.sqlite3"
    first, url_a = start(database)
    try:
        second, url_b = start(database)
        try:
            with (
                httpx.Client(base_url=url_a, timeout=30) as a,
                httpx.Client(base_url=url_b, timeout=30) as b,
            ):
                yield a, b, database
        finally:
            stop(second)
    finally:
        stop(first)


def across(
    clients: tuple[httpx.Client, httpx.Client], count: int, task: Callable[[httpx.Client], T]
) -> list[T]:
    """Run `task` `count` times at once, alternating between the two processes (each run
    on a connection of its own), released together."""
    barrier = threading.Barrier(count)
    own = [
        httpx.Client(base_url=clients[n % 2].base_url, timeout=30, auth=clients[n % 2].auth)
        for n in range(count)
    ]

    def run(client: httpx.Client) -> T:
        barrier.wait()
        return task(client)

    try:
        with ThreadPoolExecutor(count) as pool:
            return list(pool.map(run, own))
    finally:
        for client in own:
            client.close()


def audit_file(database: Path) -> dict[str, books.AccountBooks]:
    with sqlite3.connect(database) as db:
        return books.check(db)


def test_two_processes_racing_holds_never_hold_more_than_the_balance(
    two_processes: tuple[httpx.Client, httpx.Client, Path],
) -> None:
    a, b, database = two_processes
    for email in ("payer@example.com", "shop@example.com"):
        a.post("/user/create", json={"email": email, "password": PASSWORD}).raise_for_status()
    payer = ("payer@example.com", PASSWORD)
    body = {"senderEmail": payer[0], "recipientEmail": "shop@example.com", "amount": 7}

    def hold(client: httpx.Client) -> list[str]:
        return [
            client.post("/transaction/create", json=body, auth=payer).json().get("code", "held")
            for _ in range(2)
        ]

    outcomes = [o for pair in across((a, b), CLIENTS, hold) for o in pair]
    # 100 dollars hold 14 charges of 7, never 15, whichever process answers.
    assert sorted(set(outcomes)) == ["held", "insufficient_funds"]
    assert outcomes.count("held") == 14
    me = b.get("/user/my-info", auth=payer).json()["user"]
    assert (me["balance"], me["heldBalance"], me["availableBalance"]) == (100, 98, 2)
    assert audit_file(database)[payer[0]].held == 98_000_000


def test_two_processes_racing_a_capture_and_refunds_move_money_once(
    two_processes: tuple[httpx.Client, httpx.Client, Path],
) -> None:
    a, b, database = two_processes
    for email in ("payer@example.com", "shop@example.com"):
        a.post("/user/create", json={"email": email, "password": PASSWORD}).raise_for_status()
    payer, shop = ("payer@example.com", PASSWORD), ("shop@example.com", PASSWORD)
    body = {"senderEmail": payer[0], "recipientEmail": shop[0], "amount": 5}
    created = a.post("/transaction/create", json=body, auth=payer).json()["transaction"]["id"]

    def capture(client: httpx.Client) -> tuple[int, str]:
        response = client.post(
            "/transaction/confirm", json={"transactionId": created, "amount": 1.23}, auth=payer
        )
        return response.status_code, response.json().get("code", "")

    captures = across((a, b), CLIENTS, capture)
    assert sorted(captures) == [(200, "")] + [(409, "already_resolved")] * (CLIENTS - 1)

    def refund(client: httpx.Client) -> tuple[int, str]:
        response = client.post(
            "/transaction/refund", json={"transactionId": created, "amount": 0.5}, auth=shop
        )
        return response.status_code, response.json().get("code", "")

    # 1.23 refunds twice 0.50, never three times.
    refunds = across((a, b), CLIENTS, refund)
    assert sorted(refunds) == [(200, "")] * 2 + [(409, "refund_exceeds_payment")] * (CLIENTS - 2)
    key = {"Idempotency-Key": "the-last-23-cents"}

    def refund_rest(client: httpx.Client) -> tuple[int, bytes]:
        response = client.post(
            "/transaction/refund", json={"transactionId": created}, auth=shop, headers=key
        )
        return response.status_code, response.content

    keyed = across((a, b), CLIENTS, refund_rest)
    done = [content for status, content in keyed if status == 200]
    assert done
    assert len(set(done)) == 1  # one refund, answered again to every replay
    assert {status for status, _ in keyed} <= {200, 409}  # 409: request_in_progress
    balances = [
        c.get("/user/my-info", auth=u).json()["user"]["balance"] for c, u in ((a, payer), (b, shop))
    ]
    assert balances == [100, 100]
    audited = audit_file(database)
    assert audited[payer[0]].refunds_received == 1_230_000
    assert audited[shop[0]].received == 1_230_000


def drain(process: subprocess.Popen[str]) -> threading.Thread:
    """Read the process's log as it comes, so that a full pipe never blocks it."""
    assert process.stderr is not None
    thread = threading.Thread(target=process.stderr.read, daemon=True)
    thread.start()
    return thread


def test_after_kill_9_in_the_middle_of_a_load_every_invariant_holds(tmp_path: Path) -> None:
    database = tmp_path / "killed.sqlite3"
    process, url = start(database)
    reader = drain(process)
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    payers = [(f"payer{n}@example.com", PASSWORD) for n in range(3)]
    shops = [(f"shop{n}@example.com", PASSWORD) for n in range(2)]
    with httpx.Client(base_url=url, timeout=30) as client:
        for email, password in payers + shops:
            body = {"email": email, "password": password}
            client.post("/user/create", json=body).raise_for_status()
        for email, _ in payers:
            credit = {"recipientEmail": email, "amount": 1000}
            client.post("/user/add-balance", json=credit, headers=admin).raise_for_status()
    enough, stop_now = threading.Event(), threading.Event()
    done = itertools.count(1)

    def load(worker: int) -> None:
        # Charges (captured in part, cancelled, or left pending), and refunds of some,
        # until the service dies under it.
        rng = random.Random(worker)
        payments: list[tuple[str, tuple[str, str]]] = []
        with httpx.Client(base_url=url, timeout=30) as c:
            while not stop_now.is_set():
                payer, shop = rng.choice(payers), rng.choice(shops)
                try:
                    if payments and rng.random() < 0.3:
                        transaction_id, by = rng.choice(payments)
                        c.post(
                            "/transaction/refund",
                            json={"transactionId": transaction_id, "amount": 0.1},
                            auth=by,
                        )
                    else:
                        token = (
                            c.post("/token/create", json={"recipientEmail": shop[0]}, auth=payer)
                            .json()
                            .get("token")
                        )
                        if token is None:
                            continue  # turned away (503 while busy): ask again
                        charge = {
                            "senderEmail": payer[0],
                            "recipientEmail": shop[0],
                            "amount": rng.choice([0.5, 1, 2.25]),
                            "token": token,
                        }
                        made = c.post("/transaction/create", json=charge, auth=shop).json()
                        if "transaction" not in made:
                            continue  # refused (insufficient funds): nothing to resolve
                        transaction_id = made["transaction"]["id"]
                        choice = rng.random()
                        if choice < 0.6:
                            c.post(
                                "/transaction/confirm",
                                json={"transactionId": transaction_id, "amount": 0.4},
                                auth=shop,
                            )
                            payments.append((transaction_id, shop))
                        elif choice < 0.8:
                            c.post(
                                "/transaction/cancel",
                                json={"transactionId": transaction_id},
                                auth=shop,
                            )
                except (httpx.TransportError, ValueError):
                    return  # the service is gone (or answered while dying)
                if next(done) >= 150:
                    enough.set()

    with ThreadPoolExecutor(6) as pool:
        workers = [pool.submit(load, n) for n in range(6)]
        try:
            assert enough.wait(timeout=120), "the load never got going"
            process.send_signal(signal.SIGKILL)  # in the middle of it: no clean shutdown
            process.wait(timeout=30)
        finally:
            stop_now.set()
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)
            reader.join(timeout=30)
            assert process.stderr is not None
            process.stderr.close()
        for worker in workers:
            worker.result()

    restarted, url = start(database)
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            users = client.get("/users", headers=admin).json()["users"]
            for user in users:
                assert user["availableBalance"] >= 0
                assert round(user["balance"] - user["heldBalance"], 6) == user["availableBalance"]
        audited = audit_file(database)
        assert sum(b.refunds_given for b in audited.values()) > 0
        assert sum(b.received for b in audited.values()) > 0
    finally:
        stop(restarted)
