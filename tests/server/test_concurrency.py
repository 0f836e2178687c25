"""Races over real sockets: many clients at once, on an in-memory and a file database."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from syftbox_accounting.server import BackgroundService
from tests.server.conftest import Api

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
