"""The httpx clients the library makes for itself behave as httpx's own: a cookie an
answer sets is kept and sent back (they only skip reading cookies from the answers that
set none, which is nearly all of them)."""

from __future__ import annotations

import pytest
from pytest_httpx import HTTPXMock

from syftbox_accounting import AccountingClient
from tests.facade.helpers import BASE, EMAIL, PASSWORD, user_json

ME = f"{BASE}/user/my-info"


def _answers(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url=ME, json={"user": user_json()}, headers={"Set-Cookie": "route=b2; Path=/"}
    )
    httpx_mock.add_response(url=ME, json={"user": user_json()}, is_reusable=True)


def _cookies_sent(httpx_mock: HTTPXMock) -> list[str | None]:
    return [request.headers.get("Cookie") for request in httpx_mock.get_requests()]


def test_a_cookie_an_answer_sets_is_sent_back(httpx_mock: HTTPXMock) -> None:
    _answers(httpx_mock)
    with AccountingClient(BASE, EMAIL, PASSWORD) as client:
        for _ in range(3):
            client.get_account_balance()
    assert _cookies_sent(httpx_mock) == [None, "route=b2", "route=b2"]


@pytest.mark.anyio
async def test_a_cookie_an_answer_sets_is_sent_back_async(httpx_mock: HTTPXMock) -> None:
    _answers(httpx_mock)
    client = AccountingClient(BASE, EMAIL, PASSWORD)
    try:
        for _ in range(3):
            await client.get_account_balance_async()
    finally:
        await client.aclose()
    assert _cookies_sent(httpx_mock) == [None, "route=b2", "route=b2"]
