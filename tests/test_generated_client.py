"""The generated client speaks the contract: one sync and one async call, through
pytest-httpx, with no network."""

from __future__ import annotations

import json

import httpx
import pytest
from pytest_httpx import HTTPXMock
from syftbox_accounting_client import AuthenticatedClient, Client
from syftbox_accounting_client.api.tokens import create_token
from syftbox_accounting_client.api.users import get_my_info
from syftbox_accounting_client.models import (
    CreateTokenRequest,
    ErrorResponse,
    TokenResponse,
    UserResponse,
)

BASE = "http://127.0.0.1:8000"
USER = {"id": "u1", "email": "alice@example.com", "balance": 12.5, "organization": None}


def basic_client() -> Client:
    return Client(
        base_url=BASE,
        timeout=httpx.Timeout(5.0),
        httpx_args={"auth": httpx.BasicAuth("alice@example.com", "pw-123456")},
    )


def test_sync_get_my_info(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="GET", url=f"{BASE}/user/my-info", json={"user": USER})
    with basic_client() as client:
        response = get_my_info.sync_detailed(client=client)  # type: ignore[arg-type]
    assert response.status_code == 200
    assert isinstance(response.parsed, UserResponse)
    assert response.parsed.user.balance == 12.5
    request = httpx_mock.get_request()
    assert request is not None
    assert (
        request.headers["Authorization"]
        == httpx.BasicAuth("alice@example.com", "pw-123456")._auth_header
    )


def test_sync_documented_error_is_parsed(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        status_code=401,
        json={"message": "Invalid email or password.", "code": "invalid_credentials"},
    )
    with basic_client() as client:
        response = get_my_info.sync_detailed(client=client)  # type: ignore[arg-type]
    assert response.status_code == 401
    assert isinstance(response.parsed, ErrorResponse)
    assert response.parsed.code == "invalid_credentials"


@pytest.mark.anyio
async def test_async_create_token(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="POST", url=f"{BASE}/token/create", json={"token": "tok.en.x"})
    async with AuthenticatedClient(base_url=BASE, token="ignored", timeout=httpx.Timeout(5.0)) as c:
        response = await create_token.asyncio_detailed(
            client=c, body=CreateTokenRequest(recipient_email="ai-service@example.com")
        )
    assert isinstance(response.parsed, TokenResponse)
    assert response.parsed.token == "tok.en.x"
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.content) == {"recipientEmail": "ai-service@example.com"}
