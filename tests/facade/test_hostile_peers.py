"""Hostile peers: numbers out of range, answers that never end or weigh too much,
redirects to another host, and a client used from several event loops."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from syftbox_accounting import (
    CredentialStatus,
    InvalidInputError,
    ServiceException,
)
from syftbox_accounting.accounting import SHOW_TIMEOUT
from tests.facade.faulty_server import FaultyServer
from tests.facade.helpers import BASE, PASSWORD, USER, user_client

HUGE = b"1e999999999"
# What a call that must end may take at most: generous, so a busy machine cannot fail
# it; what ends it (a deadline, a check before any work) is asserted on its own.
CEILING = 30.0


def _user_with_balance(literal: bytes) -> bytes:
    return b'{"user": {"id": "u", "email": "alice@example.com", "balance": ' + literal + b"}}"


@pytest.mark.parametrize("literal", [HUGE, b"-1e999999999", b"1e400", b"1" * 5000])
def test_a_number_out_of_range_in_an_answer_is_a_service_exception(
    httpx_mock: HTTPXMock, literal: bytes
) -> None:
    httpx_mock.add_response(url=f"{BASE}/user/my-info", content=_user_with_balance(literal))
    with pytest.raises(ServiceException) as caught:
        user_client().get_account_balance()
    assert "does not match the contract" in caught.value.message
    assert len(caught.value.message) < 600


def test_a_huge_number_in_an_error_answer_is_still_the_mapped_error(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(
        url=f"{BASE}/user/my-info",
        status_code=401,
        content=b'{"code": "invalid_credentials", "message": "no", "retry": ' + HUGE + b"}",
    )
    check = user_client().check_credentials()
    assert check.status is CredentialStatus.INVALID


def test_show_and_check_credentials_never_raise_on_a_huge_number(
    httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str]
) -> None:
    httpx_mock.add_response(
        url=f"{BASE}/user/my-info", content=_user_with_balance(HUGE), is_reusable=True
    )
    client = user_client()
    client.show()
    assert "unavailable" in capsys.readouterr().out
    assert client.check_credentials().status is CredentialStatus.UNREACHABLE


@pytest.mark.parametrize(
    "amount", [Decimal("1e999999999"), Decimal("1e-999999999"), Decimal("-1e999999999")]
)
def test_extreme_amounts_are_rejected_quickly_with_a_short_message(amount: Decimal) -> None:
    started = time.perf_counter()
    with pytest.raises(InvalidInputError) as caught:
        user_client().create_transaction("bob@example.com", amount)
    # A ceiling, not a speed: computing with such a number would take hours.
    assert time.perf_counter() - started < CEILING
    assert len(caught.value.message) < 200


def test_show_keeps_its_two_seconds_against_a_dripping_service(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The dripping service never finishes its answer: show() returns only because its
    # call has a deadline, and that deadline is SHOW_TIMEOUT (the wall clock gets only a
    # generous ceiling, so a busy machine cannot fail this).
    with FaultyServer("drip") as server:
        client = user_client(server.url)
        sent: list[dict[str, Any]] = []
        send = client._transport.send

        def recorded(*args: Any, **kwargs: Any) -> Any:
            sent.append(kwargs)
            return send(*args, **kwargs)

        client._transport.send = recorded  # type: ignore[method-assign]
        started = time.perf_counter()
        client.show()
        took = time.perf_counter() - started
    assert "unavailable" in capsys.readouterr().out
    assert [(k["deadline"], k["timeout"], k["max_retries"]) for k in sent] == [
        (SHOW_TIMEOUT, SHOW_TIMEOUT, 0)
    ]
    assert took < CEILING


@pytest.mark.anyio
async def test_the_deadline_holds_for_async_calls_too() -> None:
    with FaultyServer("drip") as server:
        async with user_client(server.url, deadline=0.5) as client:
            started = time.perf_counter()
            with pytest.raises(ServiceException) as caught:
                await client.get_account_balance_async()
            assert time.perf_counter() - started < CEILING  # the drip never ends
    assert "no complete answer within the 0.5 s deadline" in caught.value.message


@pytest.mark.parametrize("status", [307, 308])
def test_a_redirect_to_another_host_is_not_followed_even_if_the_client_would(
    httpx_mock: HTTPXMock, status: int
) -> None:
    httpx_mock.add_response(
        url=f"{BASE}/user/my-info",
        status_code=status,
        headers={"Location": "https://attacker.example.net/steal"},
    )
    with httpx.Client(follow_redirects=True) as http:
        client = user_client(http_client=http)
        with pytest.raises(ServiceException):
            client.get_account_balance()
    assert [r.url.host for r in httpx_mock.get_requests()] == ["accounting.example.com"]


@pytest.mark.anyio
async def test_an_async_client_follows_no_redirect_either(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url=f"{BASE}/user/my-info",
        status_code=307,
        headers={"Location": "https://attacker.example.net/steal"},
    )
    async with httpx.AsyncClient(follow_redirects=True) as http:
        client = user_client(async_http_client=http)
        with pytest.raises(ServiceException):
            await client.get_account_balance_async()
    assert [r.url.host for r in httpx_mock.get_requests()] == ["accounting.example.com"]
    assert all(PASSWORD not in str(r.headers) for r in httpx_mock.get_requests())


def test_a_client_used_from_several_event_loops_leaves_no_client_open(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(url=f"{BASE}/user/my-info", json={"user": USER}, is_reusable=True)
    client = user_client()
    made: list[httpx.AsyncClient] = []

    async def one() -> Any:
        balance = await client.get_account_balance_async()
        made.append(client._transport._async_http())
        return balance

    for _ in range(3):
        asyncio.run(one())
    assert len({id(c) for c in made}) == 3
    asyncio.run(client.aclose())
    assert all(c.is_closed for c in made)
