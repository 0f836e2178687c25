"""Keys and limits in the library: bad values rejected before any request, the
header on the wire, and bounded tokens against the reference service."""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock
from syftbox_accounting_client import Client
from syftbox_accounting_client.api.users import create_user
from syftbox_accounting_client.models import CreateUserRequest, CreateUserResponse

from syftbox_accounting import (
    AccountingClient,
    AdminClient,
    InvalidInputError,
    PaymentError,
    ServiceException,
)
from syftbox_accounting.server import BackgroundService, passwords
from tests.facade.helpers import (
    BAD,
    BASE,
    BOB,
    KINDS,
    TOKEN,
    TWINS,
    Call,
    admin_client,
    call,
    run,
    user_client,
)

BAD_KEYS = ["", "x" * 256, "clé-non-ascii", "two words", "tab\there", 42, b"bytes-key"]


TX = "5b1e7c9a-2d3f-4e5a-8b6c-7d8e9f0a1b2c"
# Every method that takes a key, named by its sync twin; BAD stands for the key.
KEYED = [
    call("register_accounting", "new@example.com", "a-good-password", idempotency_key=BAD),
    call("update_password", "old-password-1", "new-password-1", idempotency_key=BAD),
    call("create_transaction_token_sync", BOB, idempotency_key=BAD),
    call("create_transaction", BOB, 1, idempotency_key=BAD),
    call("transfer", BOB, 1, idempotency_key=BAD),
    call("charge", BOB, 1, TOKEN, idempotency_key=BAD),
    call("charge", BOB, 1, TOKEN, confirm=True, idempotency_key=BAD),
    call("confirm_transaction", TX, idempotency_key=BAD),
    call("cancel_transaction", TX, idempotency_key=BAD),
    call("add_balance", BOB, 1, idempotency_key=BAD),
]


def _id(keyed: Call) -> str:
    return keyed.method + ("-confirm" if keyed.kwargs.get("confirm") else "")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("key", BAD_KEYS, ids=repr)
@pytest.mark.parametrize("keyed", KEYED, ids=[_id(k) for k in KEYED])
def test_a_bad_idempotency_key_is_rejected_before_any_request(
    httpx_mock: HTTPXMock, kind: str, key: Any, keyed: Call
) -> None:
    admin = TWINS[keyed.method].cls is AdminClient
    client = admin_client() if admin else user_client()
    with pytest.raises(InvalidInputError) as caught:
        run(kind, client, keyed.given(key))
    assert "idempotency_key" in str(caught.value)
    assert httpx_mock.get_requests() == []


def test_charging_rejects_a_bad_key_before_any_request(httpx_mock: HTTPXMock) -> None:
    client = user_client()
    with pytest.raises(InvalidInputError), client.charging(BOB, 1, TOKEN, idempotency_key=""):
        pass  # pragma: no cover - never entered
    assert httpx_mock.get_requests() == []


BAD_LIMITS = [
    ("max_amount", 0),
    ("max_amount", -1),
    ("max_amount", float("nan")),
    ("max_amount", Decimal("0.0000001")),
    ("max_amount", "0.5"),
    ("max_amount", True),
    ("expires_in", 0),
    ("expires_in", 86401),
    ("expires_in", 1.5),
    ("expires_in", -5),
    ("expires_in", True),
    ("expires_in", "10m"),
    ("expires_in", datetime.timedelta(days=2)),
    ("expires_in", float("inf")),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("param", "value"), BAD_LIMITS, ids=repr)
def test_bad_token_limits_are_rejected_before_any_request(
    httpx_mock: HTTPXMock, kind: str, param: str, value: Any
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        run(kind, user_client(), call("create_transaction_token_sync", BOB, **{param: value}))
    assert param in str(caught.value)
    assert httpx_mock.get_requests() == []


# -- on the wire


def _token_answer(httpx_mock: HTTPXMock, **extra: Any) -> None:
    httpx_mock.add_response(
        method="POST", url=f"{BASE}/token/create", json={"token": TOKEN}, **extra
    )


@pytest.mark.parametrize("kind", KINDS)
def test_every_call_gets_a_fresh_key_and_a_given_key_is_sent(
    httpx_mock: HTTPXMock, kind: str
) -> None:
    _token_answer(httpx_mock, is_reusable=True)
    for key in (None, None, "job-17"):
        run(kind, user_client(), call("create_transaction_token_sync", BOB, idempotency_key=key))
    first, second, given = [r.headers["Idempotency-Key"] for r in httpx_mock.get_requests()]
    assert uuid.UUID(first).version == uuid.UUID(second).version == 4
    assert first != second
    assert given == "job-17"


def test_limits_are_sent_only_when_set(httpx_mock: HTTPXMock) -> None:
    # The public service knows neither field: a token without limits is today's request.
    _token_answer(httpx_mock, is_reusable=True)
    client = user_client()
    client.create_transaction_token_sync(BOB)
    client.create_transaction_token_sync(
        BOB, max_amount=Decimal("0.50"), expires_in=datetime.timedelta(minutes=10)
    )
    client.create_transaction_token_sync(BOB, max_amount=2, expires_in=60.0)
    bodies = [json.loads(r.content) for r in httpx_mock.get_requests()]
    assert bodies == [
        {"recipientEmail": BOB},
        {"recipientEmail": BOB, "maxAmount": 0.5, "expiresIn": 600},
        {"recipientEmail": BOB, "maxAmount": 2, "expiresIn": 60},
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_retries_of_one_call_reuse_its_key(httpx_mock: HTTPXMock, kind: str) -> None:
    # The 503 echoes the key: the service honours keys, so the POST may be resent.
    httpx_mock.add_response(
        method="POST",
        url=f"{BASE}/transaction/confirm",
        status_code=503,
        json={"message": "Down.", "code": "unavailable"},
        headers={"Idempotency-Key": "order-1", "Retry-After": "0"},
    )
    httpx_mock.add_response(
        method="POST",
        url=f"{BASE}/transaction/confirm",
        json={
            "transaction": {
                "id": "t1",
                "senderEmail": "alice@example.com",
                "recipientEmail": BOB,
                "amount": 1,
                "status": "COMPLETED",
                "createdBy": "SENDER",
                "resolvedBy": "SENDER",
                "createdAt": "2026-11-27T14:51:17+00:00",
                "resolvedAt": "2026-11-27T14:51:18+00:00",
                "appName": None,
                "appEpPath": None,
            }
        },
    )
    tx = run(kind, user_client(), call("confirm_transaction", "t1", idempotency_key="order-1"))
    assert tx.id == "t1"
    assert [r.headers["Idempotency-Key"] for r in httpx_mock.get_requests()] == ["order-1"] * 2


def test_a_post_is_not_resent_to_a_service_that_never_echoed(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        method="POST",
        url=f"{BASE}/user/add-balance",
        status_code=503,
        json={"message": "Down.", "code": "unavailable"},
    )
    with pytest.raises(ServiceException) as caught:
        admin_client().add_balance(BOB, 1, idempotency_key="credit-1")
    exc = caught.value
    assert exc.idempotency_key == "credit-1"
    assert "not sent again" in exc.message
    assert len(httpx_mock.get_requests()) == 1


# -- bounded tokens at the reference service


@pytest.fixture(scope="module")
def service() -> Iterator[BackgroundService]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "SCRYPT_N", 2**10)
        with BackgroundService() as running:
            yield running


def _pair(service: BackgroundService) -> tuple[AccountingClient, AccountingClient]:
    service.reset()
    payer, shop = AccountingClient(service.url), AccountingClient(service.url)
    payer.register_accounting("payer@example.com", "payer-password")
    shop.register_accounting("shop@example.com", "shop-password")
    return payer, shop


@pytest.mark.parametrize("kind", KINDS)
def test_a_charge_at_the_limit_passes_and_above_it_fails(
    service: BackgroundService, kind: str
) -> None:
    payer, shop = _pair(service)
    asked = call("create_transaction_token_sync", shop.get_email(), max_amount=Decimal("0.5"))
    token = run(kind, payer, asked)
    with pytest.raises(PaymentError) as caught:
        shop.charge(payer.get_email(), Decimal("0.500001"), token)
    assert caught.value.code == "token_limit_exceeded"
    assert "maxAmount" in caught.value.message
    assert payer.get_transaction_history() == []
    tx = shop.charge(payer.get_email(), Decimal("0.50"), token, confirm=True)
    assert tx.amount == Decimal("0.5")
    assert payer.get_account().balance == Decimal("99.5")


def test_expires_in_is_honoured(service: BackgroundService) -> None:
    payer, shop = _pair(service)
    token = payer.create_transaction_token_sync(shop.get_email(), expires_in=1)
    issuer = service._app.state.service.tokens  # type: ignore[union-attr]
    real = issuer._clock
    issuer._clock = lambda: real() + 2
    try:
        with pytest.raises(PaymentError) as caught:
            shop.charge(payer.get_email(), 1, token)
    finally:
        issuer._clock = real
    assert caught.value.code == "token_expired"
    fresh = payer.create_transaction_token_sync(
        shop.get_email(), expires_in=datetime.timedelta(hours=24)
    )
    assert shop.charge(payer.get_email(), 1, fresh).amount == 1


def test_an_admin_credit_with_a_key_is_applied_once(service: BackgroundService) -> None:
    payer, _ = _pair(service)
    admin = AdminClient(service.url, service.admin_key)
    for _ in range(3):
        admin.add_balance(payer.get_email(), 5, idempotency_key="top-up-2026-12")
    assert payer.get_account().balance == 105


@pytest.mark.parametrize("status", [200, 201])
def test_the_generated_client_reads_a_registration_at_200_and_201(
    httpx_mock: HTTPXMock, status: int
) -> None:
    user = {"id": "u1", "email": BOB, "balance": 100, "organization": None}
    httpx_mock.add_response(
        method="POST",
        url=f"{BASE}/user/create",
        status_code=status,
        json={"user": user, "password": "generated-password"},
    )
    with Client(base_url=BASE, timeout=httpx.Timeout(5.0)) as client:
        response = create_user.sync_detailed(
            client=client, body=CreateUserRequest(email=BOB), idempotency_key="reg-1"
        )
    assert isinstance(response.parsed, CreateUserResponse)
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["Idempotency-Key"] == "reg-1"
