"""Every network operation, sync and async (asyncio and trio): the requests it sends
and what it returns; plus the multi-step operations' failure paths and retries."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from syftbox_accounting import (
    AccountingClient,
    AccountingError,
    AdminClient,
    AuthenticationError,
    InsufficientFundsError,
    Payment,
    PaymentError,
    RetryPolicy,
    ServiceException,
    TransactionStatus,
)
from tests.facade.helpers import (
    BASE,
    BOB,
    CANCELLED,
    DIRECT,
    EMAIL,
    KINDS,
    NEW_PASSWORD,
    OPS,
    OPS_BY_ID,
    PASSWORD,
    PENDING,
    TOKEN,
    USAGE,
    USER,
    Call,
    Op,
    assert_sent,
    basic,
    body_of,
    call,
    check_tx,
    mock_steps,
    resolved,
    run,
    run_all,
    tx_json,
    user_client,
    user_json,
)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("op", OPS, ids=lambda op: op.id)
def test_operation_sends_the_contract_request_and_returns_typed_result(
    httpx_mock: HTTPXMock, op: Op, kind: str
) -> None:
    mock_steps(httpx_mock, op)
    result = run(kind, op.client(), op)
    op.check(result)
    assert_sent(httpx_mock, op, ordered=not (op.concurrent and kind != "sync"))


def _created(httpx_mock: HTTPXMock, tx: dict[str, Any]) -> None:
    """The service creates the transaction `tx`."""
    httpx_mock.add_response(
        method="POST", url=f"{BASE}/transaction/create", json={"transaction": tx}
    )


def _confirm_refused(httpx_mock: HTTPXMock, message: str) -> None:
    """The service refuses to confirm: insufficient funds."""
    httpx_mock.add_response(
        method="POST",
        url=f"{BASE}/transaction/confirm",
        status_code=409,
        json={"message": message, "code": "insufficient_funds"},
    )


# -- details of single operations


@pytest.mark.parametrize("kind", KINDS)
def test_register_without_password_uses_the_generated_one(httpx_mock: HTTPXMock, kind: str) -> None:
    generated = "gen-Pw-r88-SECRET"
    httpx_mock.add_response(
        method="POST",
        url=f"{BASE}/user/create",
        json={"user": user_json(BOB, 100, None), "password": generated},
    )
    httpx_mock.add_response(
        method="GET", url=f"{BASE}/user/my-info", json={"user": user_json(BOB, 100, None)}
    )
    client = AccountingClient(BASE)
    account, balance = run_all(
        kind, client, call("register_accounting", BOB), call("get_account_balance")
    )
    assert account.password == generated
    assert account.organization is None
    assert generated not in repr(account)
    assert balance == 100.0
    assert client.is_configured()
    assert client.get_email() == BOB
    create, info = httpx_mock.get_requests()
    assert body_of(create) == {"email": BOB}
    assert "Authorization" not in create.headers
    assert info.headers["Authorization"] == basic(BOB, generated)


@pytest.mark.parametrize("kind", KINDS)
def test_update_password_switches_to_the_new_password(httpx_mock: HTTPXMock, kind: str) -> None:
    httpx_mock.add_response(method="PUT", url=f"{BASE}/user/update-password", json={"user": USER})
    httpx_mock.add_response(method="GET", url=f"{BASE}/user/my-info", json={"user": USER})
    run_all(
        kind,
        user_client(),
        call("update_password", PASSWORD, NEW_PASSWORD),
        call("get_account_balance"),
    )
    change, info = httpx_mock.get_requests()
    assert change.headers["Authorization"] == basic(EMAIL, PASSWORD)
    assert info.headers["Authorization"] == basic(EMAIL, NEW_PASSWORD)


@pytest.mark.parametrize("kind", KINDS)
def test_update_organization_none_clears_it(httpx_mock: HTTPXMock, kind: str) -> None:
    httpx_mock.add_response(
        method="PUT",
        url=f"{BASE}/user/update-organization",
        json={"user": user_json(organization=None)},
    )
    result = run(kind, user_client(), call("update_organization", None))
    assert result.organization is None
    assert body_of(httpx_mock.get_request()) == {"organization": None}


@pytest.mark.parametrize("kind", KINDS)
def test_charge_without_labels_sends_only_required_fields(httpx_mock: HTTPXMock, kind: str) -> None:
    _created(httpx_mock, PENDING)
    run(kind, user_client(), call("charge", BOB, 0.25, TOKEN))
    assert body_of(httpx_mock.get_request()) == {
        "senderEmail": BOB,
        "recipientEmail": EMAIL,
        "amount": Decimal("0.25"),
        "token": TOKEN,
    }


@pytest.mark.parametrize(
    ("amount", "wire"),
    [
        (10, b'"amount":10'),
        (Decimal("10.000"), b'"amount":10'),
        (0.1, b'"amount":0.1'),
        (Decimal("0.000001"), b'"amount":1e-06'),
        (Decimal("123456789.123456"), b'"amount":123456789.123456'),
        (999999999.999999, b'"amount":999999999.999999'),
    ],
)
def test_amounts_go_on_the_wire_exactly(httpx_mock: HTTPXMock, amount: Any, wire: bytes) -> None:
    _created(httpx_mock, DIRECT)
    with user_client() as client:
        client.create_transaction(BOB, amount)
    request = httpx_mock.get_request()
    assert request is not None
    assert wire in request.content
    assert body_of(request)["amount"] == Decimal(str(amount)).normalize()


@pytest.mark.parametrize(
    ("raw", "exact"),
    [
        (b"0.1", Decimal("0.1")),
        (b"999999999.999999", Decimal("999999999.999999")),
        (b"0", Decimal(0)),
        (b"7", Decimal(7)),
        (b"1.000001", Decimal("1.000001")),
    ],
)
def test_balances_are_read_digit_for_digit(
    httpx_mock: HTTPXMock, raw: bytes, exact: Decimal
) -> None:
    httpx_mock.add_response(
        method="GET",
        url=f"{BASE}/user/alice%40example.com",
        content=b'{"user": {"id": "u", "email": "alice@example.com", "organization": null, '
        + b'"balance": '
        + raw
        + b"}}",
    )
    with AdminClient(BASE, "key-123") as admin:
        user = admin.get_user(EMAIL)
    assert user.balance == exact
    assert type(user.balance) is Decimal


def test_unknown_response_fields_are_ignored(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        method="GET",
        url=f"{BASE}/user/my-info",
        json={"user": {**USER, "future": [1, 2]}, "extra": True},
    )
    with user_client() as client:
        assert client.get_account_balance() == 89.75


# -- multi-step operations: their failure paths


TRANSFER = call("transfer", BOB, 10)


@pytest.mark.parametrize("kind", KINDS)
def test_transfer_cancels_when_confirm_fails(httpx_mock: HTTPXMock, kind: str) -> None:
    _created(httpx_mock, DIRECT)
    _confirm_refused(httpx_mock, "Insufficient funds: the balance does not cover 10.")
    httpx_mock.add_response(
        method="POST",
        url=f"{BASE}/transaction/cancel",
        json={"transaction": resolved(DIRECT, "CANCELLED")},
    )
    with pytest.raises(InsufficientFundsError) as caught:
        run(kind, user_client(), TRANSFER)
    assert caught.value.operation == "transfer"
    assert caught.value.path == "/transaction/confirm"
    assert any("tx-2 was cancelled" in note for note in caught.value.__notes__)
    cancel = httpx_mock.get_requests()[-1]
    assert cancel.url.path == "/transaction/cancel"
    assert body_of(cancel) == {"transactionId": "tx-2"}


@pytest.mark.parametrize("kind", KINDS)
def test_transfer_reports_a_failed_cancel_too(httpx_mock: HTTPXMock, kind: str) -> None:
    _created(httpx_mock, DIRECT)
    httpx_mock.add_response(method="POST", url=f"{BASE}/transaction/confirm", status_code=500)
    httpx_mock.add_response(
        method="POST",
        url=f"{BASE}/transaction/cancel",
        status_code=409,
        json={"message": "Transaction tx-2 is already COMPLETED.", "code": "already_resolved"},
    )
    with pytest.raises(ServiceException) as caught:
        run(kind, user_client(), TRANSFER)
    assert caught.value.status_code == 500
    assert "get_transaction_history()" in str(caught.value)
    assert any("Cancelling transaction tx-2 failed too" in n for n in caught.value.__notes__)
    assert len(httpx_mock.get_requests()) == 3  # a POST 500 is never sent again


class WorkFailed(Exception):
    pass


def _charge_then_fail() -> tuple[Call, list[Payment]]:
    """A `charging` call whose block fails, and the payments its block saw."""
    seen: list[Payment] = []

    def work(payment: Payment) -> None:
        seen.append(payment)
        raise WorkFailed("the model crashed")

    return Call("charging", (BOB, 0.25, TOKEN), block=work), seen


@pytest.mark.parametrize("kind", KINDS)
def test_charging_cancels_when_the_block_raises(httpx_mock: HTTPXMock, kind: str) -> None:
    _created(httpx_mock, PENDING)
    httpx_mock.add_response(
        method="POST", url=f"{BASE}/transaction/cancel", json={"transaction": CANCELLED}
    )
    charging, seen = _charge_then_fail()
    with pytest.raises(WorkFailed):
        run(kind, user_client(), charging)
    [payment] = seen
    check_tx(payment.transaction, CANCELLED)
    assert [r.url.path for r in httpx_mock.get_requests()] == [
        "/transaction/create",
        "/transaction/cancel",
    ]
    assert body_of(httpx_mock.get_requests()[1]) == {"transactionId": "tx-1"}


@pytest.mark.parametrize("kind", KINDS)
def test_charging_keeps_the_block_error_when_cancel_fails(httpx_mock: HTTPXMock, kind: str) -> None:
    _created(httpx_mock, PENDING)
    httpx_mock.add_response(method="POST", url=f"{BASE}/transaction/cancel", status_code=503)
    charging, seen = _charge_then_fail()
    with pytest.raises(WorkFailed) as caught:
        run(kind, user_client(), charging)
    assert any("Cancelling transaction tx-1 failed too" in n for n in caught.value.__notes__)
    [payment] = seen
    assert payment.transaction.status is TransactionStatus.PENDING


@pytest.mark.parametrize("kind", KINDS)
def test_charging_does_not_run_the_block_when_the_charge_fails(
    httpx_mock: HTTPXMock, kind: str
) -> None:
    httpx_mock.add_response(
        method="POST",
        url=f"{BASE}/transaction/create",
        status_code=403,
        json={"message": "This token was already used.", "code": "token_used"},
    )
    charging, seen = _charge_then_fail()
    with pytest.raises(PaymentError) as caught:
        run(kind, user_client(), charging)
    assert caught.value.code == "token_used"
    assert len(httpx_mock.get_requests()) == 1
    assert seen == []


@pytest.mark.anyio
async def test_charging_async_cancels_when_the_task_is_cancelled(httpx_mock: HTTPXMock) -> None:
    import anyio

    _created(httpx_mock, PENDING)
    httpx_mock.add_response(
        method="POST", url=f"{BASE}/transaction/cancel", json={"transaction": CANCELLED}
    )
    async with user_client() as client:
        with anyio.CancelScope() as scope:
            async with client.charging_async(BOB, 0.25, TOKEN) as payment:
                scope.cancel()
                await anyio.sleep(1)  # cancelled at once: not a timed wait
        assert scope.cancelled_caught
    check_tx(payment.transaction, CANCELLED)


# -- retries


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_a_get_is_retried_then_succeeds(httpx_mock: HTTPXMock, kind: str, status: int) -> None:
    httpx_mock.add_response(method="GET", url=f"{BASE}/user/my-info", status_code=status)
    httpx_mock.add_response(method="GET", url=f"{BASE}/user/my-info", json={"user": USER})
    op = OPS_BY_ID["get_account_balance"]
    assert run(kind, user_client(), op) == 89.75
    assert len(httpx_mock.get_requests()) == 2


@pytest.mark.parametrize("kind", KINDS)
def test_a_get_gives_up_after_max_retries(httpx_mock: HTTPXMock, kind: str) -> None:
    httpx_mock.add_response(
        method="GET", url=f"{BASE}/user/my-info", status_code=503, is_reusable=True
    )
    op = OPS_BY_ID["get_account_balance"]
    with pytest.raises(ServiceException) as caught:
        run(kind, user_client(), op)
    assert caught.value.retries == 2
    assert len(httpx_mock.get_requests()) == 3


def test_max_retries_zero_sends_once(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="GET", url=f"{BASE}/user/my-info", status_code=503)
    client = AccountingClient(BASE, EMAIL, PASSWORD, max_retries=0)
    with pytest.raises(ServiceException):
        client.get_account_balance()
    assert len(httpx_mock.get_requests()) == 1


def test_retry_after_zero_is_honoured(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        method="GET", url=f"{BASE}/users", status_code=429, headers={"Retry-After": "0"}
    )
    httpx_mock.add_response(method="GET", url=f"{BASE}/users", json={"users": []})
    # A slow backoff: were Retry-After ignored, this test would hang.
    slow = RetryPolicy(max_retries=1, backoff=3600, max_backoff=3600)
    with AdminClient(BASE, "key-123", retry_policy=slow) as admin:
        assert admin.list_users() == []


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("retry_after", "wait"),
    [("31", "31 s"), ("120", "2 min"), ("7261", "2 h 2 min"), ("86394", "24 h")],
)
def test_a_long_retry_after_is_not_waited_for_and_is_reported(
    httpx_mock: HTTPXMock, kind: str, retry_after: str, wait: str
) -> None:
    # Past max_retry_after (30 s): raised at once, saying how long to wait, never "a
    # moment" beside a day.
    httpx_mock.add_response(
        method="GET",
        url=f"{BASE}/user/my-info",
        status_code=429,
        headers={"Retry-After": retry_after},
        json={"message": "Too many requests: retry later.", "code": "rate_limited"},
    )
    with pytest.raises(ServiceException) as caught:
        run(kind, user_client(), call("get_account_balance"))
    assert len(httpx_mock.get_requests()) == 1
    assert caught.value.retry_after == float(retry_after)
    assert caught.value.hint == f"Wait {wait} and try again."
    assert "moment" not in str(caught.value)


@pytest.mark.parametrize(
    ("status", "code", "said"),
    [
        (409, "request_in_progress", "Wait 2 min, then repeat it with the same key"),
        (500, "internal_error", "The service asks to wait 2 min before retrying."),
        (503, "unavailable", "The service asks to wait 2 min before retrying."),
        (409, "account_exists", None),  # no wait to tell: the header is not read
        (402, "insufficient_funds", None),
    ],
)
def test_a_retry_after_is_read_where_it_says_when_to_retry(
    httpx_mock: HTTPXMock, status: int, code: str, said: str | None
) -> None:
    httpx_mock.add_response(
        method="POST",
        url=f"{BASE}/transaction/create",
        status_code=status,
        headers={"Retry-After": "120"},
        json={"message": "Not now.", "code": code},
    )
    with user_client() as client, pytest.raises(AccountingError) as caught:
        client.create_transaction(BOB, 1)
    if said is None:
        assert caught.value.retry_after is None
        assert "2 min" not in str(caught.value)
    else:
        assert caught.value.retry_after == 120
        assert said in str(caught.value.hint)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_a_post_is_never_resent_after_an_answer(
    httpx_mock: HTTPXMock, kind: str, status: int
) -> None:
    httpx_mock.add_response(method="POST", url=f"{BASE}/transaction/create", status_code=status)
    op = OPS_BY_ID["create_transaction"]
    with pytest.raises(ServiceException) as caught:
        run(kind, user_client(), op)
    assert len(httpx_mock.get_requests()) == 1
    assert caught.value.retries == 0


@pytest.mark.parametrize("kind", KINDS)
def test_a_post_is_resent_when_nothing_was_sent(httpx_mock: HTTPXMock, kind: str) -> None:
    httpx_mock.add_exception(httpx.ConnectError("refused"), url=f"{BASE}/transaction/create")
    _created(httpx_mock, DIRECT)
    op = OPS_BY_ID["create_transaction"]
    op.check(run(kind, user_client(), op))
    assert len(httpx_mock.get_requests()) == 2


@pytest.mark.parametrize("kind", KINDS)
def test_a_post_that_may_have_arrived_is_not_resent(httpx_mock: HTTPXMock, kind: str) -> None:
    httpx_mock.add_exception(httpx.ReadTimeout("slow"), url=f"{BASE}/transaction/confirm")
    op = OPS_BY_ID["confirm_transaction"]
    with pytest.raises(ServiceException) as caught:
        run(kind, user_client(), op)
    assert len(httpx_mock.get_requests()) == 1
    message = str(caught.value)
    assert "confirm_transaction" in message
    assert "may have reached the service" in message
    assert "get_transaction_history()" in message
    assert caught.value.__cause__ is not None  # the httpx error, chained, not raised


@pytest.mark.parametrize("kind", KINDS)
def test_a_get_is_retried_after_a_dropped_connection(httpx_mock: HTTPXMock, kind: str) -> None:
    httpx_mock.add_exception(httpx.ReadError("reset"), url=f"{BASE}/transactions")
    httpx_mock.add_exception(httpx.ReadTimeout("slow"), url=f"{BASE}/transactions")
    httpx_mock.add_response(method="GET", url=f"{BASE}/transactions", json={"transactions": []})
    assert run(kind, user_client(), call("get_transaction_history")) == []


@pytest.mark.parametrize("kind", KINDS)
def test_unreachable_service_after_retries(httpx_mock: HTTPXMock, kind: str) -> None:
    httpx_mock.add_exception(httpx.ConnectError("refused"), is_reusable=True)
    op = OPS_BY_ID["get_account_balance"]
    with pytest.raises(ServiceException) as caught:
        run(kind, user_client(), op)
    message = str(caught.value)
    assert "get_account_balance failed after 3 attempts" in message
    assert BASE in message
    assert caught.value.status_code is None
    assert len(httpx_mock.get_requests()) == 3


# -- credentials and clients


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "op", [o for o in OPS if not o.admin and o.first.auth == "basic"], ids=lambda o: o.id
)
def test_a_user_call_without_credentials_sends_nothing(
    httpx_mock: HTTPXMock, op: Op, kind: str
) -> None:
    client = AccountingClient(BASE)
    if op.raises:
        with pytest.raises(AuthenticationError) as caught:
            run(kind, client, op)
        assert "configure(" in str(caught.value)
    else:
        assert not run(kind, client, op)
    assert httpx_mock.get_requests() == []


@pytest.mark.anyio
async def test_sync_methods_work_inside_a_running_event_loop(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        method="GET", url=f"{BASE}/user/my-info", json={"user": USER}, is_reusable=True
    )
    httpx_mock.add_response(method="GET", url=f"{BASE}/user/usage", json=USAGE)
    httpx_mock.add_response(
        method="GET",
        url=f"{BASE}/transactions?limit=10",
        json={"transactions": [], "nextCursor": None},
    )
    httpx_mock.add_response(method="POST", url=f"{BASE}/token/create", json={"token": TOKEN})
    with user_client() as client:
        assert client.get_account_balance() == 89.75
        assert client.get_account_info_sync()["usage"]["transaction_count"] == 3
        assert client.create_transaction_token_sync(BOB) == TOKEN


@pytest.mark.anyio
async def test_async_context_manager_closes_and_the_client_is_reusable(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(
        method="GET", url=f"{BASE}/user/my-info", json={"user": USER}, is_reusable=True
    )
    client = user_client()
    async with client:
        assert await client.get_account_balance_async() == 89.75
    assert await client.get_account_balance_async() == 89.75  # a new connection pool
    await client.aclose()


def test_a_users_own_httpx_client_is_used_and_left_open(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="GET", url=f"{BASE}/user/my-info", json={"user": USER})
    own = httpx.Client(headers={"X-Trace": "abc"})
    with user_client(http_client=own) as client:
        client.get_account_balance()
    assert not own.is_closed
    own.close()
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["X-Trace"] == "abc"
    assert request.headers["Authorization"] == basic()


def test_a_request_carries_a_timeout(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="GET", url=f"{BASE}/user/my-info", json={"user": USER})
    with user_client(timeout=3.5) as client:
        client.get_account_balance()
    request = httpx_mock.get_request()
    assert request is not None
    assert request.extensions["timeout"] == {
        "connect": 3.5,
        "read": 3.5,
        "write": 3.5,
        "pool": 3.5,
    }


def test_history_order_is_by_time_not_by_text(httpx_mock: HTTPXMock) -> None:
    # 10:00+01:00 is 09:00 UTC: earlier than 09:30Z although its text sorts later.
    docs = [
        tx_json("a", created_at="2026-11-27T10:00:00+01:00"),
        tx_json("b", created_at="2026-11-27T09:30:00Z"),
    ]
    httpx_mock.add_response(method="GET", url=f"{BASE}/transactions", json={"transactions": docs})
    with user_client() as client:
        assert [t.id for t in client.get_transaction_history()] == ["b", "a"]


@pytest.mark.parametrize("kind", KINDS)
def test_charging_leaves_the_charge_pending_when_confirm_fails(
    httpx_mock: HTTPXMock, kind: str
) -> None:
    # The work was delivered, so a failed confirm is raised and the charge stays
    # PENDING (it may be confirmed later); unlike transfer(), nothing is cancelled,
    # and the error says so, once the charge's state is looked up.
    _created(httpx_mock, PENDING)
    _confirm_refused(httpx_mock, "Insufficient funds.")
    httpx_mock.add_response(
        method="GET", url=f"{BASE}/transactions/{PENDING['id']}", json={"transaction": PENDING}
    )
    client = user_client()
    op = OPS_BY_ID["charging"]
    with pytest.raises(InsufficientFundsError) as caught:
        run(kind, client, op)
    assert caught.value.operation == "confirm_transaction"
    assert any("stays pending" in note for note in caught.value.__notes__)
    assert [r.url.path for r in httpx_mock.get_requests()] == [
        "/transaction/create",
        "/transaction/confirm",
        f"/transactions/{PENDING['id']}",
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_charging_whose_charge_cannot_be_looked_up_says_it_may_be_pending(
    httpx_mock: HTTPXMock, kind: str
) -> None:
    # A failed confirm does not prove the charge pending; when the lookup fails too
    # (the public service has no lookup by id), the note says what to check.
    _created(httpx_mock, PENDING)
    _confirm_refused(httpx_mock, "Insufficient funds.")
    httpx_mock.add_response(
        method="GET", url=f"{BASE}/transactions/{PENDING['id']}", status_code=404
    )
    with pytest.raises(InsufficientFundsError) as caught:
        run(kind, user_client(), OPS_BY_ID["charging"])
    notes = " ".join(caught.value.__notes__)
    assert f"may still be pending (get_transaction('{PENDING['id']}') says)" in notes
    assert "stays pending" not in notes
