import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.transaction_list_response import TransactionListResponse
from ...models.transaction_status import TransactionStatus
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    status: TransactionStatus | Unset = UNSET,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    counterparty: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["limit"] = limit

    params["cursor"] = cursor

    json_status: str | Unset = UNSET
    if not isinstance(status, Unset):
        json_status = status

    params["status"] = json_status

    json_created_after: str | Unset = UNSET
    if not isinstance(created_after, Unset):
        json_created_after = created_after.isoformat()
    params["createdAfter"] = json_created_after

    json_created_before: str | Unset = UNSET
    if not isinstance(created_before, Unset):
        json_created_before = created_before.isoformat()
    params["createdBefore"] = json_created_before

    params["counterparty"] = counterparty

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/transactions",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | TransactionListResponse | None:
    if response.status_code == 200:
        response_200 = TransactionListResponse.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = ErrorResponse.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorResponse.from_dict(response.json())

        return response_403

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
) -> Response[ErrorResponse | TransactionListResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    status: TransactionStatus | Unset = UNSET,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    counterparty: str | Unset = UNSET,
) -> Response[ErrorResponse | TransactionListResponse]:
    """List the caller's transactions

     The transactions in which the caller is the sender or the recipient, in any
    status, newest first (in the order the service recorded them).

    Without `limit` the answer holds every matching transaction, as the public
    protocol always has. With `limit` it holds at most that many, and
    `nextCursor` fetches the next (older) page: pass it back as `cursor` with the
    same filters. Pages are stable under concurrent inserts: a transaction created
    after the first page was read never appears in a later page, and none that
    existed then is skipped or repeated. `nextCursor` is null on the last page.

    A cursor is opaque and belongs to the account that received it: a malformed,
    forged or foreign cursor is `422 cursor_invalid`.

    Args:
        limit (int | Unset):
        cursor (str | Unset):
        status (TransactionStatus | Unset): `PENDING` until resolved; then `COMPLETED` (money
            moved) or `CANCELLED` (nothing
            moved). The `status` filter of `GET /transactions` takes these (a closed enum: a
            request); answers carry an `OpenTransactionStatus`.
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        counterparty (str | Unset): An email address; it identifies an account.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | TransactionListResponse]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        status=status,
        created_after=created_after,
        created_before=created_before,
        counterparty=counterparty,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    status: TransactionStatus | Unset = UNSET,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    counterparty: str | Unset = UNSET,
) -> ErrorResponse | TransactionListResponse | None:
    """List the caller's transactions

     The transactions in which the caller is the sender or the recipient, in any
    status, newest first (in the order the service recorded them).

    Without `limit` the answer holds every matching transaction, as the public
    protocol always has. With `limit` it holds at most that many, and
    `nextCursor` fetches the next (older) page: pass it back as `cursor` with the
    same filters. Pages are stable under concurrent inserts: a transaction created
    after the first page was read never appears in a later page, and none that
    existed then is skipped or repeated. `nextCursor` is null on the last page.

    A cursor is opaque and belongs to the account that received it: a malformed,
    forged or foreign cursor is `422 cursor_invalid`.

    Args:
        limit (int | Unset):
        cursor (str | Unset):
        status (TransactionStatus | Unset): `PENDING` until resolved; then `COMPLETED` (money
            moved) or `CANCELLED` (nothing
            moved). The `status` filter of `GET /transactions` takes these (a closed enum: a
            request); answers carry an `OpenTransactionStatus`.
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        counterparty (str | Unset): An email address; it identifies an account.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | TransactionListResponse
    """

    return sync_detailed(
        client=client,
        limit=limit,
        cursor=cursor,
        status=status,
        created_after=created_after,
        created_before=created_before,
        counterparty=counterparty,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    status: TransactionStatus | Unset = UNSET,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    counterparty: str | Unset = UNSET,
) -> Response[ErrorResponse | TransactionListResponse]:
    """List the caller's transactions

     The transactions in which the caller is the sender or the recipient, in any
    status, newest first (in the order the service recorded them).

    Without `limit` the answer holds every matching transaction, as the public
    protocol always has. With `limit` it holds at most that many, and
    `nextCursor` fetches the next (older) page: pass it back as `cursor` with the
    same filters. Pages are stable under concurrent inserts: a transaction created
    after the first page was read never appears in a later page, and none that
    existed then is skipped or repeated. `nextCursor` is null on the last page.

    A cursor is opaque and belongs to the account that received it: a malformed,
    forged or foreign cursor is `422 cursor_invalid`.

    Args:
        limit (int | Unset):
        cursor (str | Unset):
        status (TransactionStatus | Unset): `PENDING` until resolved; then `COMPLETED` (money
            moved) or `CANCELLED` (nothing
            moved). The `status` filter of `GET /transactions` takes these (a closed enum: a
            request); answers carry an `OpenTransactionStatus`.
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        counterparty (str | Unset): An email address; it identifies an account.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | TransactionListResponse]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        status=status,
        created_after=created_after,
        created_before=created_before,
        counterparty=counterparty,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    status: TransactionStatus | Unset = UNSET,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    counterparty: str | Unset = UNSET,
) -> ErrorResponse | TransactionListResponse | None:
    """List the caller's transactions

     The transactions in which the caller is the sender or the recipient, in any
    status, newest first (in the order the service recorded them).

    Without `limit` the answer holds every matching transaction, as the public
    protocol always has. With `limit` it holds at most that many, and
    `nextCursor` fetches the next (older) page: pass it back as `cursor` with the
    same filters. Pages are stable under concurrent inserts: a transaction created
    after the first page was read never appears in a later page, and none that
    existed then is skipped or repeated. `nextCursor` is null on the last page.

    A cursor is opaque and belongs to the account that received it: a malformed,
    forged or foreign cursor is `422 cursor_invalid`.

    Args:
        limit (int | Unset):
        cursor (str | Unset):
        status (TransactionStatus | Unset): `PENDING` until resolved; then `COMPLETED` (money
            moved) or `CANCELLED` (nothing
            moved). The `status` filter of `GET /transactions` takes these (a closed enum: a
            request); answers carry an `OpenTransactionStatus`.
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        counterparty (str | Unset): An email address; it identifies an account.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | TransactionListResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            limit=limit,
            cursor=cursor,
            status=status,
            created_after=created_after,
            created_before=created_before,
            counterparty=counterparty,
        )
    ).parsed
