import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.usage_response import UsageResponse
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_created_after: str | Unset = UNSET
    if not isinstance(created_after, Unset):
        json_created_after = created_after.isoformat()
    params["createdAfter"] = json_created_after

    json_created_before: str | Unset = UNSET
    if not isinstance(created_before, Unset):
        json_created_before = created_before.isoformat()
    params["createdBefore"] = json_created_before

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/user/usage",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | UsageResponse | None:
    if response.status_code == 200:
        response_200 = UsageResponse.from_dict(response.json())

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
) -> Response[ErrorResponse | UsageResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
) -> Response[ErrorResponse | UsageResponse]:
    """Summarize the caller's usage

     Counts and totals over the caller's transactions, computed exactly by the
    service (its cost does not grow with the history): how many there are, what
    the caller spent and received (completed transactions), what is pending, and
    when the first and the last were created. With `createdAfter` and/or
    `createdBefore`, only transactions created in that window count.

    `totalSpent` counts completed payments to others; `totalReceived` completed
    payments from others and credits by the service. Refunds count apart:
    `totalRefundsReceived` sums refunds given back to the caller,
    `totalRefundsGiven` refunds the caller gave; neither is in `totalSpent` or
    `totalReceived`, so what the caller paid in the end is
    `totalSpent - totalRefundsReceived`.
    `pendingCount` counts pending transactions in either direction;
    `pendingAmount` sums those the caller would pay.

    Args:
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | UsageResponse]
    """

    kwargs = _get_kwargs(
        created_after=created_after,
        created_before=created_before,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
) -> ErrorResponse | UsageResponse | None:
    """Summarize the caller's usage

     Counts and totals over the caller's transactions, computed exactly by the
    service (its cost does not grow with the history): how many there are, what
    the caller spent and received (completed transactions), what is pending, and
    when the first and the last were created. With `createdAfter` and/or
    `createdBefore`, only transactions created in that window count.

    `totalSpent` counts completed payments to others; `totalReceived` completed
    payments from others and credits by the service. Refunds count apart:
    `totalRefundsReceived` sums refunds given back to the caller,
    `totalRefundsGiven` refunds the caller gave; neither is in `totalSpent` or
    `totalReceived`, so what the caller paid in the end is
    `totalSpent - totalRefundsReceived`.
    `pendingCount` counts pending transactions in either direction;
    `pendingAmount` sums those the caller would pay.

    Args:
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | UsageResponse
    """

    return sync_detailed(
        client=client,
        created_after=created_after,
        created_before=created_before,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
) -> Response[ErrorResponse | UsageResponse]:
    """Summarize the caller's usage

     Counts and totals over the caller's transactions, computed exactly by the
    service (its cost does not grow with the history): how many there are, what
    the caller spent and received (completed transactions), what is pending, and
    when the first and the last were created. With `createdAfter` and/or
    `createdBefore`, only transactions created in that window count.

    `totalSpent` counts completed payments to others; `totalReceived` completed
    payments from others and credits by the service. Refunds count apart:
    `totalRefundsReceived` sums refunds given back to the caller,
    `totalRefundsGiven` refunds the caller gave; neither is in `totalSpent` or
    `totalReceived`, so what the caller paid in the end is
    `totalSpent - totalRefundsReceived`.
    `pendingCount` counts pending transactions in either direction;
    `pendingAmount` sums those the caller would pay.

    Args:
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | UsageResponse]
    """

    kwargs = _get_kwargs(
        created_after=created_after,
        created_before=created_before,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
) -> ErrorResponse | UsageResponse | None:
    """Summarize the caller's usage

     Counts and totals over the caller's transactions, computed exactly by the
    service (its cost does not grow with the history): how many there are, what
    the caller spent and received (completed transactions), what is pending, and
    when the first and the last were created. With `createdAfter` and/or
    `createdBefore`, only transactions created in that window count.

    `totalSpent` counts completed payments to others; `totalReceived` completed
    payments from others and credits by the service. Refunds count apart:
    `totalRefundsReceived` sums refunds given back to the caller,
    `totalRefundsGiven` refunds the caller gave; neither is in `totalSpent` or
    `totalReceived`, so what the caller paid in the end is
    `totalSpent - totalRefundsReceived`.
    `pendingCount` counts pending transactions in either direction;
    `pendingAmount` sums those the caller would pay.

    Args:
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | UsageResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            created_after=created_after,
            created_before=created_before,
        )
    ).parsed
