"""Hooks: each call to the service tells them its request, each retry, and then its
response or its error, with one `CallEvent` each; sync, asyncio and trio tell the
same; a hook that raises changes nothing; no event holds a secret."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import anyio
import httpx
import pytest
from pytest_httpx import HTTPXMock

from syftbox_accounting import (
    CallEvent,
    InsufficientFundsError,
    InvalidInputError,
    ServiceException,
)
from tests.facade.helpers import (
    ADMIN_KEY,
    BASE,
    BOB,
    KINDS,
    PASSWORD,
    SECRETS,
    TOKEN,
    admin_client,
    call,
    run,
    tx_json,
    user_client,
    user_json,
)

ME = f"{BASE}/user/my-info"
CREATE = f"{BASE}/transaction/create"


def _seen(events: list[CallEvent]) -> list[tuple[Any, ...]]:
    """What does not depend on the clock or the process."""
    return [
        (e.kind, e.operation, e.method, e.path, e.attempt, e.status, e.request_id, e.error)
        for e in events
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_a_retried_read_tells_request_retry_request_response(
    httpx_mock: HTTPXMock, kind: str
) -> None:
    httpx_mock.add_response(url=ME, status_code=503, headers={"X-Request-Id": "r1"})
    httpx_mock.add_response(url=ME, json={"user": user_json()}, headers={"X-Request-Id": "r2"})
    events: list[CallEvent] = []
    run(kind, user_client(hooks=[events.append]), call("get_account_balance"))
    path = "/user/my-info"
    op = "get_account_balance"
    assert _seen(events) == [
        ("request", op, "GET", path, 1, None, None, None),
        ("retry", op, "GET", path, 1, 503, "r1", "HTTP 503"),
        ("request", op, "GET", path, 2, None, None, None),
        ("response", op, "GET", path, 2, 200, "r2", None),
    ]
    assert events[1].wait is not None
    assert events[1].wait >= 0
    assert len({e.call_id for e in events}) == 1
    elapsed = [e.elapsed_ms for e in events]
    assert elapsed == sorted(elapsed)


@pytest.mark.parametrize("kind", KINDS)
def test_a_refused_payment_tells_its_error_with_the_key(httpx_mock: HTTPXMock, kind: str) -> None:
    httpx_mock.add_response(
        url=CREATE,
        status_code=409,
        json={"message": "Insufficient funds.", "code": "insufficient_funds"},
        headers={"X-Request-Id": "r9"},
    )
    events: list[CallEvent] = []
    with pytest.raises(InsufficientFundsError):
        run(kind, user_client(hooks=[events.append]), call("transfer", BOB, 5))
    request, error = events
    assert (request.kind, error.kind) == ("request", "error")
    assert error.status == 409
    assert error.error == "InsufficientFundsError"
    assert error.error_code == "insufficient_funds"
    assert error.request_id == "r9"
    assert error.idempotency_key is not None
    assert error.idempotency_key == request.idempotency_key


@pytest.mark.parametrize("kind", KINDS)
def test_no_answer_tells_each_retry_then_the_error(httpx_mock: HTTPXMock, kind: str) -> None:
    for _ in range(3):
        httpx_mock.add_exception(httpx.ConnectError("refused"), url=ME)
    events: list[CallEvent] = []
    with pytest.raises(ServiceException):
        run(kind, user_client(hooks=[events.append]), call("get_account_balance"))
    assert [(e.kind, e.attempt, e.error) for e in events] == [
        ("request", 1, None),
        ("retry", 1, "ConnectError"),
        ("request", 2, None),
        ("retry", 2, "ConnectError"),
        ("request", 3, None),
        ("error", 3, "ServiceException"),
    ]


@pytest.mark.parametrize("kind", ["asyncio", "trio"])
def test_concurrent_calls_keep_their_events_apart(httpx_mock: HTTPXMock, kind: str) -> None:
    httpx_mock.add_response(url=ME, json={"user": user_json()})
    usage = {"transactionCount": 0, "totalSpent": 0, "totalReceived": 0}
    usage |= {"pendingCount": 0, "pendingAmount": 0}
    usage |= {"firstTransactionAt": None, "lastTransactionAt": None}
    httpx_mock.add_response(url=f"{BASE}/user/usage", json={"usage": usage})
    httpx_mock.add_response(
        url=f"{BASE}/transactions?limit=10", json={"transactions": [], "nextCursor": None}
    )
    events: list[CallEvent] = []
    client = user_client(hooks=[events.append])

    async def main() -> None:
        async with client:
            await client.get_account_info()

    anyio.run(main, backend=kind)
    calls: dict[int, list[str]] = {}
    for event in events:
        calls.setdefault(event.call_id, []).append(event.kind)
    assert sorted(calls.values()) == [["request", "response"]] * 3
    assert {e.operation for e in events} == {"get_account_info"}


def test_hooks_by_kind(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=ME, status_code=503)
    httpx_mock.add_response(url=ME, json={"user": user_json()})
    retries: list[CallEvent] = []
    everything: list[CallEvent] = []
    client = user_client(hooks={"retry": [retries.append], "response": everything.append})
    client.get_account_balance()
    assert [e.kind for e in retries] == ["retry"]
    assert [e.kind for e in everything] == ["response"]


def test_a_hook_that_raises_changes_nothing(
    httpx_mock: HTTPXMock, caplog: pytest.LogCaptureFixture
) -> None:
    httpx_mock.add_response(url=CREATE, json={"transaction": tx_json(status="PENDING")})
    httpx_mock.add_response(
        url=f"{BASE}/transaction/confirm", json={"transaction": tx_json(status="COMPLETED")}
    )

    def broken(event: CallEvent) -> None:
        raise RuntimeError("the metrics backend is down")

    with caplog.at_level(logging.WARNING, logger="syftbox_accounting"):
        tx = user_client(hooks=[broken]).transfer(BOB, 0.25)
    assert tx.status == "COMPLETED"
    assert len(httpx_mock.get_requests()) == 2  # each step sent once, nothing repeated
    warnings = [r for r in caplog.records if "hook" in r.getMessage()]
    assert len(warnings) == 1  # once per hook, not per event
    assert "RuntimeError" in warnings[0].getMessage()


async def _async_hook(event: CallEvent) -> None:
    pass


@pytest.mark.parametrize(
    ("hooks", "says"),
    [
        ({"respones": [print]}, "unknown event kind 'respones'"),
        ([print, "log"], "must hold functions, not str"),
        (print, "must be a list of functions"),
        ([_async_hook], "async function"),
        ({"error": _async_hook}, "async function"),
    ],
)
def test_bad_hooks_are_refused_when_the_client_is_made(hooks: Any, says: str) -> None:
    for make in (user_client, admin_client):
        with pytest.raises(InvalidInputError, match=says):
            make(hooks=hooks)


def test_with_options_changes_the_hooks_of_the_copy_only(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=ME, json={"user": user_json()}, is_reusable=True)
    events: list[CallEvent] = []
    client = user_client()
    watched = client.with_options(hooks=[events.append])
    client.get_account_balance()
    assert events == []
    watched.get_account_balance()
    assert [e.kind for e in events] == ["request", "response"]
    assert watched.with_options(hooks=None)._transport.hooks == {}


def test_no_event_holds_a_secret(httpx_mock: HTTPXMock) -> None:
    echo = {"message": f"bad {PASSWORD} {TOKEN} {ADMIN_KEY}", "code": "token_invalid"}
    httpx_mock.add_response(url=CREATE, status_code=403, json=echo, headers={"X-Request-Id": TOKEN})
    httpx_mock.add_response(
        url=f"{BASE}/user/add-balance",
        status_code=503,
        headers={"X-Request-Id": f"id-{ADMIN_KEY}"},
        is_reusable=True,
    )
    events: list[CallEvent] = []
    with pytest.raises(Exception):  # noqa: B017, PT011  # any refusal: the events matter
        user_client(hooks=[events.append]).charge(BOB, 1, TOKEN)
    with pytest.raises(ServiceException):
        admin_client(hooks=[events.append], max_retries=0, retry_policy=None).add_balance(BOB, 1)
    assert {e.operation for e in events} == {"charge", "add_balance"}
    for event in events:
        shown = repr(event) + str(dataclasses.asdict(event))
        assert not any(secret in shown for secret in SECRETS), shown
