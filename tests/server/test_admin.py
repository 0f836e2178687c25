"""addBalance, getUser, listUsers: the admin key, and the admin endpoints closed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from syftbox_accounting.server import create_app
from tests.server.conftest import Api, User
from tests.server.contract import assert_conforms, assert_error

ADMIN_OPERATIONS = [
    ("POST", "/user/add-balance", "addBalance"),
    ("GET", "/user/alice@example.com", "getUser"),
    ("GET", "/users", "listUsers"),
]


def test_add_balance_records_a_system_credit(api: Api) -> None:
    user = api.register()
    response = api.http.post(
        "/user/add-balance", json={"recipientEmail": user.email, "amount": 50}, headers=api.admin
    )
    assert assert_conforms(response, "addBalance")["user"]["balance"] == 150
    credit = api.http.get("/transactions", auth=user.auth).json()["transactions"][0]
    assert credit["status"] == "COMPLETED"
    assert (credit["createdBy"], credit["resolvedBy"]) == ("SYSTEM", "SYSTEM")
    assert (credit["senderEmail"], credit["recipientEmail"]) == (user.email, user.email)
    assert credit["amount"] == 50
    assert credit["resolvedAt"] == credit["createdAt"]


def test_add_balance_keeps_micro_dollars(api: Api) -> None:
    user = api.register()
    api.credit(user, 0.000001)
    api.credit(user, 0.1)
    assert '"balance":100.100001' in api.http.get("/user/my-info", auth=user.auth).text


def test_add_balance_to_an_unknown_account(api: Api) -> None:
    response = api.http.post(
        "/user/add-balance",
        json={"recipientEmail": "nobody@example.com", "amount": 1},
        headers=api.admin,
    )
    assert_error(response, "addBalance", 404, "not_found")


@pytest.mark.parametrize(
    "body",
    [
        {"recipientEmail": "a@example.com", "amount": 0},
        {"recipientEmail": "a@example.com", "amount": 1.5e-7},
        {"recipientEmail": "a@example.com", "amount": 1000000001},
        {"recipientEmail": "a@example.com"},
        {"amount": 1},
        {"recipientEmail": "a@example.com", "amount": 1, "note": "x"},
    ],
)
def test_add_balance_validation(api: Api, body: dict[str, object]) -> None:
    api.register("a@example.com")
    response = api.http.post("/user/add-balance", json=body, headers=api.admin)
    assert_error(response, "addBalance", 422, "validation_error")


def test_add_balance_bad_json(api: Api) -> None:
    response = api.http.post("/user/add-balance", content=b"{", headers=api.admin)
    assert_error(response, "addBalance", 400, "bad_request")


def test_balances_stay_below_the_largest_the_service_keeps(api: Api) -> None:
    user = api.register()
    for _ in range(3):
        api.credit(user, 1_000_000_000)
    # 10**18 micro-dollars is the ceiling; credits that would pass it are refused whole.
    api.service.service.store.add_balance(user.email, 10**18 - 3_000_000_100_000_000 - 1)
    response = api.http.post(
        "/user/add-balance", json={"recipientEmail": user.email, "amount": 1}, headers=api.admin
    )
    assert_error(response, "addBalance", 422, "validation_error")
    assert api.balance(user) == 999999999999.999999
    assert '"balance":999999999999.999999' in api.http.get("/user/my-info", auth=user.auth).text


def _fill(api: Api, user: User) -> None:
    """Bring `user`'s balance to the ceiling, 10**18 micro-dollars (with 100 of credit)."""
    api.service.service.store.add_balance(user.email, 10**18 - 100_000_000)


def _ceiling(body: dict[str, Any], field: str, email: str) -> str:
    """The one detail of a 422 at the balance ceiling, checked to name `field` and the
    account whose balance is full; its problem."""
    (detail,) = body["details"]
    assert detail["field"] == field, body
    assert email in detail["problem"], body
    assert "1000000000000" in detail["problem"]
    return str(detail["problem"])


def test_a_credit_at_the_ceiling_names_the_field_it_came_in(api: Api) -> None:
    user = api.register()
    _fill(api, user)
    response = api.http.post(
        "/user/add-balance",
        json={"recipientEmail": user.email, "amountDecimal": "0.000001"},
        headers=api.admin,
    )
    body = assert_error(response, "addBalance", 422, "validation_error")
    _ceiling(body, "amountDecimal", user.email)


def test_a_payment_to_a_full_balance_says_whose_it_is_and_what_to_do(api: Api) -> None:
    payer, full = api.register(), api.register()
    _fill(api, full)
    created = api.pay(payer, full, 1)
    tx = assert_conforms(created, "createTransaction")["transaction"]
    response = api.resolve("confirm", tx["id"], payer)
    body = assert_error(response, "confirmTransaction", 422, "validation_error")
    problem = _ceiling(body, "transactionId", full.email)
    assert "cancel" in problem  # the payer's money stays held until it is cancelled
    assert assert_conforms(api.resolve("cancel", tx["id"], payer), "cancelTransaction")


@pytest.mark.parametrize(
    ("fields", "field"), [({}, "transactionId"), ({"amountDecimal": "1"}, "amountDecimal")]
)
def test_a_refund_to_a_full_balance_names_what_was_sent(
    api: Api, fields: dict[str, Any], field: str
) -> None:
    payer, service = api.register(), api.register()
    tx = assert_conforms(api.pay(payer, service, 1), "createTransaction")["transaction"]
    assert_conforms(api.resolve("confirm", tx["id"], payer), "confirmTransaction")
    # The payer has 99 left after paying 1: fill its balance to the ceiling.
    api.service.service.store.add_balance(payer.email, 10**18 - 99_000_000)
    response = api.http.post(
        "/transaction/refund", json={"transactionId": tx["id"], **fields}, auth=service.auth
    )
    body = assert_error(response, "refundTransaction", 422, "validation_error")
    _ceiling(body, field, payer.email)


def test_get_user_by_unencoded_email(api: Api) -> None:
    user = api.register("alice+ai/test@example.com")
    # The public client puts the email in the path as is, `/` included.
    raw = httpx.URL(api.service.url).copy_with(raw_path=f"/user/{user.email}".encode())
    response = api.http.get(raw, headers=api.admin)
    assert assert_conforms(response, "getUser")["user"]["email"] == user.email
    encoded = api.http.get("/user/alice%2Bai%2Ftest%40example.com", headers=api.admin)
    assert encoded.json() == response.json()


def test_get_user_is_case_insensitive(api: Api) -> None:
    api.register("Alice@Example.com")
    response = api.http.get("/user/alice@example.com", headers=api.admin)
    assert assert_conforms(response, "getUser")["user"]["email"] == "Alice@Example.com"


def test_get_user_errors(api: Api) -> None:
    response = api.http.get("/user/nobody@example.com", headers=api.admin)
    assert_error(response, "getUser", 404, "not_found")
    for not_an_email in ("/user/nobody", "/user/a@b", "/user/"):
        response = api.http.get(not_an_email, headers=api.admin)
        assert_error(response, "getUser", 422, "validation_error")


def test_my_info_wins_over_get_user(api: Api) -> None:
    # /user/my-info is the caller's own account, never an admin lookup of "my-info".
    user = api.register()
    assert api.http.get("/user/my-info", auth=user.auth).json()["user"]["email"] == user.email
    response = api.http.get("/user/my-info", headers=api.admin)
    assert_error(response, "getMyInfo", 401, "invalid_credentials")


def test_list_users_oldest_first(api: Api) -> None:
    emails = [api.register(f"user{i}@example.com").email for i in range(3)]
    response = api.http.get("/users", headers=api.admin)
    users = assert_conforms(response, "listUsers")["users"]
    assert [u["email"] for u in users] == emails


@pytest.mark.parametrize(("method", "path", "operation"), ADMIN_OPERATIONS)
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-key", "Basic YWxpY2VAZXhhbXBsZS5jb206cGFzc3dvcmQ=", "bearer", "Token x"],
)
def test_admin_endpoints_need_the_admin_key(
    api: Api, method: str, path: str, operation: str, authorization: str | None
) -> None:
    api.register("alice@example.com", "password")
    headers = {} if authorization is None else {"Authorization": authorization}
    body = {"recipientEmail": "alice@example.com", "amount": 1}
    response = api.http.request(
        method, path, headers=headers, json=body if method == "POST" else None
    )
    assert_error(response, operation, 401, "invalid_credentials")
    assert response.headers["www-authenticate"] == 'Bearer realm="syftbox-accounting-admin"'


@pytest.fixture
async def closed_admin() -> AsyncIterator[httpx.AsyncClient]:
    """A service started without an admin key, in process."""
    app = create_app(admin_key=None)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        yield client
    app.state.service.close()


@pytest.mark.anyio
@pytest.mark.parametrize(("method", "path", "operation"), ADMIN_OPERATIONS)
@pytest.mark.parametrize("authorization", [None, "Bearer anything"])
async def test_without_an_admin_key_admin_endpoints_are_closed(
    closed_admin: httpx.AsyncClient,
    method: str,
    path: str,
    operation: str,
    authorization: str | None,
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    body = {"recipientEmail": "alice@example.com", "amount": 1}
    response = await closed_admin.request(
        method, path, headers=headers, json=body if method == "POST" else None
    )
    assert_error(response, operation, 403, "forbidden")


def test_create_app_refuses_an_empty_admin_key() -> None:
    with pytest.raises(ValueError, match="admin_key"):
        create_app(admin_key=" ")


@pytest.mark.parametrize("bad", ["key\r\nX-Injected: 1", "key\0", "tab\there", " padded "])
def test_create_app_refuses_an_admin_key_no_header_can_carry(bad: str) -> None:
    with pytest.raises(ValueError, match="admin_key"):
        create_app(admin_key=bad)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("key", "encodings"),
    [
        ("clé-d'admin-ünïcødé", ["utf-8", "latin-1"]),  # latin-1 clients (requests) too
        ("ключ-адміна-€-🔑", ["utf-8"]),  # beyond latin-1: only UTF-8 can carry it
    ],
)
async def test_a_non_ascii_admin_key_authenticates(key: str, encodings: list[str]) -> None:
    app = create_app(admin_key=key)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            for encoding in encodings:
                header = f"Bearer {key}".encode(encoding)
                response = await client.get("/users", headers={"Authorization": header})
                assert response.status_code == 200, (encoding, response.text)
            for wrong in (key[:-1], key + "x", key.encode("utf-8").decode("latin-1"), "?" * 8):
                header = f"Bearer {wrong}".encode()
                response = await client.get("/users", headers={"Authorization": header})
                assert_error(response, "listUsers", 401, "invalid_credentials")
    finally:
        app.state.service.close()


@pytest.mark.parametrize(("method", "path", "operation"), ADMIN_OPERATIONS)
def test_two_authorization_headers_are_no_admin_key(
    api: Api, method: str, path: str, operation: str
) -> None:
    user = api.register()
    admin = api.admin["Authorization"]
    headers = [("Authorization", admin), ("Authorization", "Bearer not-the-admin-key")]
    body = {"recipientEmail": user.email, "amount": 5} if method == "POST" else None
    response = api.http.request(method, path, json=body, headers=headers)
    assert_error(response, operation, 401, "invalid_credentials")
    assert api.balance(user) == 100
