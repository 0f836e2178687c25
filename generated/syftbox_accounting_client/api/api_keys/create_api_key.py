from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_api_key_request import CreateApiKeyRequest
from ...models.create_api_key_response import CreateApiKeyResponse
from ...models.error_response import ErrorResponse
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: CreateApiKeyRequest,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api-key/create",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CreateApiKeyResponse | ErrorResponse | None:
    if response.status_code == 200:
        response_200 = CreateApiKeyResponse.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorResponse.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorResponse.from_dict(response.json())

        return response_403

    if response.status_code == 409:
        response_409 = ErrorResponse.from_dict(response.json())

        return response_409

    if response.status_code == 415:
        response_415 = ErrorResponse.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = ErrorResponse.from_dict(response.json())

        return response_422

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
) -> Response[CreateApiKeyResponse | ErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: CreateApiKeyRequest,
    idempotency_key: str | Unset = UNSET,
) -> Response[CreateApiKeyResponse | ErrorResponse]:
    """Create an API key

     Creates an API key for the caller's account, with `scopes` and optionally an
    expiry (`expiresIn`) and a spend cap (`maxSpend`); see "API keys". The answer
    holds the key's `secret`, shown this once: the service keeps only a keyed hash
    of it. With a key, the caller needs the `keys` scope, and the new key may have
    no more scopes than the caller's, expire no later, and have neither `pay` nor
    `charge` when the caller's key has a spend cap. An account holds a bounded
    number of keys that are neither revoked nor expired (100 at the reference
    service); one more is `403 forbidden`, saying so: revoke keys no longer in use
    first. Only at a service that announces `api-keys`.

    Args:
        idempotency_key (str | Unset): An `Idempotency-Key`: 1 to 255 visible ASCII characters. A
            second request with
            the same key, caller and body gets the first one's answer and changes nothing
            (see "Idempotency keys").
        body (CreateApiKeyRequest): A new API key's name, scopes, and optional expiry and spend
            cap.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CreateApiKeyResponse | ErrorResponse]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: CreateApiKeyRequest,
    idempotency_key: str | Unset = UNSET,
) -> CreateApiKeyResponse | ErrorResponse | None:
    """Create an API key

     Creates an API key for the caller's account, with `scopes` and optionally an
    expiry (`expiresIn`) and a spend cap (`maxSpend`); see "API keys". The answer
    holds the key's `secret`, shown this once: the service keeps only a keyed hash
    of it. With a key, the caller needs the `keys` scope, and the new key may have
    no more scopes than the caller's, expire no later, and have neither `pay` nor
    `charge` when the caller's key has a spend cap. An account holds a bounded
    number of keys that are neither revoked nor expired (100 at the reference
    service); one more is `403 forbidden`, saying so: revoke keys no longer in use
    first. Only at a service that announces `api-keys`.

    Args:
        idempotency_key (str | Unset): An `Idempotency-Key`: 1 to 255 visible ASCII characters. A
            second request with
            the same key, caller and body gets the first one's answer and changes nothing
            (see "Idempotency keys").
        body (CreateApiKeyRequest): A new API key's name, scopes, and optional expiry and spend
            cap.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CreateApiKeyResponse | ErrorResponse
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: CreateApiKeyRequest,
    idempotency_key: str | Unset = UNSET,
) -> Response[CreateApiKeyResponse | ErrorResponse]:
    """Create an API key

     Creates an API key for the caller's account, with `scopes` and optionally an
    expiry (`expiresIn`) and a spend cap (`maxSpend`); see "API keys". The answer
    holds the key's `secret`, shown this once: the service keeps only a keyed hash
    of it. With a key, the caller needs the `keys` scope, and the new key may have
    no more scopes than the caller's, expire no later, and have neither `pay` nor
    `charge` when the caller's key has a spend cap. An account holds a bounded
    number of keys that are neither revoked nor expired (100 at the reference
    service); one more is `403 forbidden`, saying so: revoke keys no longer in use
    first. Only at a service that announces `api-keys`.

    Args:
        idempotency_key (str | Unset): An `Idempotency-Key`: 1 to 255 visible ASCII characters. A
            second request with
            the same key, caller and body gets the first one's answer and changes nothing
            (see "Idempotency keys").
        body (CreateApiKeyRequest): A new API key's name, scopes, and optional expiry and spend
            cap.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CreateApiKeyResponse | ErrorResponse]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: CreateApiKeyRequest,
    idempotency_key: str | Unset = UNSET,
) -> CreateApiKeyResponse | ErrorResponse | None:
    """Create an API key

     Creates an API key for the caller's account, with `scopes` and optionally an
    expiry (`expiresIn`) and a spend cap (`maxSpend`); see "API keys". The answer
    holds the key's `secret`, shown this once: the service keeps only a keyed hash
    of it. With a key, the caller needs the `keys` scope, and the new key may have
    no more scopes than the caller's, expire no later, and have neither `pay` nor
    `charge` when the caller's key has a spend cap. An account holds a bounded
    number of keys that are neither revoked nor expired (100 at the reference
    service); one more is `403 forbidden`, saying so: revoke keys no longer in use
    first. Only at a service that announces `api-keys`.

    Args:
        idempotency_key (str | Unset): An `Idempotency-Key`: 1 to 255 visible ASCII characters. A
            second request with
            the same key, caller and body gets the first one's answer and changes nothing
            (see "Idempotency keys").
        body (CreateApiKeyRequest): A new API key's name, scopes, and optional expiry and spend
            cap.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CreateApiKeyResponse | ErrorResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
