from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.api_key_list_response import ApiKeyListResponse
from ...models.error_response import ErrorResponse
from ...types import Response


def _get_kwargs() -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api-keys",
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ApiKeyListResponse | ErrorResponse | None:
    if response.status_code == 200:
        response_200 = ApiKeyListResponse.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = ErrorResponse.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorResponse.from_dict(response.json())

        return response_403

    if response.status_code == 429:
        response_429 = ErrorResponse.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = ErrorResponse.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = ErrorResponse.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ApiKeyListResponse | ErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
) -> Response[ApiKeyListResponse | ErrorResponse]:
    """List the caller's API keys

     Every API key of the caller's account, revoked and expired ones included,
    oldest first; never their secrets. A service keeps a revoked or expired key
    listed for a while, then deletes it: the reference service keeps one for 30
    days after it was revoked or expired, and only the 100 of an account that
    ended last, and deletes the others when the account creates or lists keys, so
    that the list stays short. A deleted key is no longer listed, and revoking it
    is `404 not_found`. With a key, the caller needs the `keys` scope. Only at a
    service that announces `api-keys`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ApiKeyListResponse | ErrorResponse]
    """

    kwargs = _get_kwargs()

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
) -> ApiKeyListResponse | ErrorResponse | None:
    """List the caller's API keys

     Every API key of the caller's account, revoked and expired ones included,
    oldest first; never their secrets. A service keeps a revoked or expired key
    listed for a while, then deletes it: the reference service keeps one for 30
    days after it was revoked or expired, and only the 100 of an account that
    ended last, and deletes the others when the account creates or lists keys, so
    that the list stays short. A deleted key is no longer listed, and revoking it
    is `404 not_found`. With a key, the caller needs the `keys` scope. Only at a
    service that announces `api-keys`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ApiKeyListResponse | ErrorResponse
    """

    return sync_detailed(
        client=client,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
) -> Response[ApiKeyListResponse | ErrorResponse]:
    """List the caller's API keys

     Every API key of the caller's account, revoked and expired ones included,
    oldest first; never their secrets. A service keeps a revoked or expired key
    listed for a while, then deletes it: the reference service keeps one for 30
    days after it was revoked or expired, and only the 100 of an account that
    ended last, and deletes the others when the account creates or lists keys, so
    that the list stays short. A deleted key is no longer listed, and revoking it
    is `404 not_found`. With a key, the caller needs the `keys` scope. Only at a
    service that announces `api-keys`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ApiKeyListResponse | ErrorResponse]
    """

    kwargs = _get_kwargs()

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
) -> ApiKeyListResponse | ErrorResponse | None:
    """List the caller's API keys

     Every API key of the caller's account, revoked and expired ones included,
    oldest first; never their secrets. A service keeps a revoked or expired key
    listed for a while, then deletes it: the reference service keeps one for 30
    days after it was revoked or expired, and only the 100 of an account that
    ended last, and deletes the others when the account creates or lists keys, so
    that the list stays short. A deleted key is no longer listed, and revoking it
    is `404 not_found`. With a key, the caller needs the `keys` scope. Only at a
    service that announces `api-keys`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ApiKeyListResponse | ErrorResponse
    """

    return (
        await asyncio_detailed(
            client=client,
        )
    ).parsed
