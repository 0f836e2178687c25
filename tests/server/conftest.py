"""Fixtures: one reference service per session on a loopback port, wiped per test."""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from syftbox_accounting.server import BackgroundService, ManualClock, passwords

_numbers = itertools.count(1)


@dataclass(frozen=True)
class User:
    email: str
    password: str

    @property
    def auth(self) -> tuple[str, str]:
        return (self.email, self.password)


class Api:
    """An httpx client for the running service, with shortcuts for the common steps."""

    def __init__(self, service: BackgroundService) -> None:
        self.service = service
        # Bodies sent as `content=` are JSON too (a test of 415 sets its own type).
        self.http = httpx.Client(
            base_url=service.url, timeout=30, headers={"Content-Type": "application/json"}
        )
        self.admin = {"Authorization": f"Bearer {service.admin_key}"}

    def close(self) -> None:
        self.http.close()

    def register(self, email: str | None = None, password: str | None = None) -> User:
        email = email or f"user{next(_numbers)}-{secrets.token_hex(3)}@example.com"
        password = password or secrets.token_urlsafe(12)
        response = self.http.post("/user/create", json={"email": email, "password": password})
        assert response.status_code == 201, response.text
        return User(email, password)

    def credit(self, user: User, amount: Any) -> None:
        response = self.http.post(
            "/user/add-balance",
            json={"recipientEmail": user.email, "amount": amount},
            headers=self.admin,
        )
        assert response.status_code == 200, response.text

    def balance(self, user: User) -> Any:
        response = self.http.get("/user/my-info", auth=user.auth)
        assert response.status_code == 200, response.text
        return response.json()["user"]["balance"]

    def token(self, payer: User, recipient: User) -> str:
        response = self.http.post(
            "/token/create", json={"recipientEmail": recipient.email}, auth=payer.auth
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["token"]
        return token

    def pay(self, sender: User, recipient: User, amount: Any) -> httpx.Response:
        """A direct transaction (created by the sender)."""
        return self.http.post(
            "/transaction/create",
            json={"senderEmail": sender.email, "recipientEmail": recipient.email, "amount": amount},
            auth=sender.auth,
        )

    def charge(self, token: str, payer: User, service: User, amount: Any) -> httpx.Response:
        """A delegated transaction (created by the recipient, with the payer's token)."""
        return self.http.post(
            "/transaction/create",
            json={
                "senderEmail": payer.email,
                "recipientEmail": service.email,
                "amount": amount,
                "token": token,
            },
            auth=service.auth,
        )

    def resolve(
        self, action: str, transaction_id: str, user: User, **fields: Any
    ) -> httpx.Response:
        """Confirm or cancel; `fields` adds to the body (such as `amount` to capture)."""
        return self.http.post(
            f"/transaction/{action}",
            json={"transactionId": transaction_id, **fields},
            auth=user.auth,
        )

    def refund(self, transaction_id: str, user: User | None, **fields: Any) -> httpx.Response:
        """Refund as `user` (Basic), or as the admin (Bearer) when `user` is None."""
        return self.http.post(
            "/transaction/refund",
            json={"transactionId": transaction_id, **fields},
            auth=None if user is None else user.auth,
            headers=self.admin if user is None else None,
        )

    def me(self, user: User) -> dict[str, Any]:
        """The account as GET /user/my-info shows it."""
        response = self.http.get("/user/my-info", auth=user.auth)
        assert response.status_code == 200, response.text
        account: dict[str, Any] = response.json()["user"]
        return account

    def totals(self) -> tuple[int, int]:
        """(sum of balances, money put in), in micro-dollars, from the store itself."""
        return self.service.service.store.totals()


@pytest.fixture(autouse=True, scope="package")
def _fast_password_hashing() -> Iterator[None]:
    # Production cost (2**14) is ~40 ms a hash; the tests register hundreds of accounts.
    # test_units.py checks the production parameters themselves.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "SCRYPT_N", 2**10)
        yield


@pytest.fixture(scope="package")
def running_service() -> Iterator[BackgroundService]:
    with BackgroundService() as service:
        yield service


@pytest.fixture
def api(running_service: BackgroundService) -> Iterator[Api]:
    running_service.reset()
    client = Api(running_service)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture(scope="package")
def clock() -> ManualClock:
    """The clock of `clocked_service`: tests move it (forward only), never sleep. It starts
    on a whole second, so that token times (whole seconds) and hold expiries line up."""
    return ManualClock(start=float(int(time.time())))


@pytest.fixture(scope="package")
def clocked_service(clock: ManualClock) -> Iterator[BackgroundService]:
    with BackgroundService(clock=clock) as service:
        yield service


@pytest.fixture
def timed_api(clocked_service: BackgroundService) -> Iterator[Api]:
    """`api` for the service on `clock`, wiped per test."""
    clocked_service.reset()
    client = Api(clocked_service)
    try:
        yield client
    finally:
        client.close()
