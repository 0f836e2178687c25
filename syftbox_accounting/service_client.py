"""What `AccountingClient` and `AdminClient` share: the transport, closing, and the
`twin` rule that ties a sync method to its async twin."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from syftbox_accounting import validation
from syftbox_accounting.defaults import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT
from syftbox_accounting.errors import InvalidInputError
from syftbox_accounting.transport import (
    DEFAULT_MAX_RESPONSE_BYTES,
    Flow,
    RetryPolicy,
    Transport,
)

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


def twin(of: Callable[..., Any]) -> Callable[[F], F]:
    """Mark a method as the other-kind twin of `of`: it shares its docstring, and
    ``__twin_of__`` names `of`. The marks are the registry of twins: the tests read
    them to check that both kinds share their signature and are tested."""

    def mark(method: F) -> F:
        method.__doc__ = of.__doc__
        method.__twin_of__ = of.__name__  # type: ignore[attr-defined]
        return method

    return mark


class ServiceClient:
    """A client of one accounting service: holds its transport and closes it.

    Use it as a context manager (``with`` or ``async with``), or call `close()` /
    `aclose()`, to release connections.
    """

    # The name of the URL parameter in the subclass's signature, for messages.
    _URL_PARAMETER = "accounting_url"

    def __init__(
        self,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        allow_insecure_http: bool = False,
        http_client: httpx.Client | None = None,
        async_http_client: httpx.AsyncClient | None = None,
        retry_policy: RetryPolicy | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        deadline: float | None = None,
    ) -> None:
        self._allow_insecure_http = validation.flag("allow_insecure_http", allow_insecure_http)
        self._transport = Transport(
            validation.url(
                url, allow_insecure_http=self._allow_insecure_http, name=self._URL_PARAMETER
            ),
            timeout=validation.timeout(timeout),
            retry=_policy(retry_policy, validation.retries(max_retries)),
            http_client=_checked(http_client, httpx.Client, "http_client"),
            async_http_client=_checked(async_http_client, httpx.AsyncClient, "async_http_client"),
            # Hardening: how much an answer may weigh, and how long a call may take.
            max_response_bytes=validation.byte_count(max_response_bytes),
            deadline=validation.deadline(deadline),
        )

    def _run(self, flow: Flow[T]) -> T:
        return self._transport.run(flow)

    async def _run_async(self, flow: Flow[T]) -> T:
        return await self._transport.run_async(flow)

    def close(self) -> None:
        """Close the connections this client opened (sync side)."""
        self._transport.close()

    async def aclose(self) -> None:
        """Close every connection this client opened."""
        await self._transport.aclose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def _policy(policy: RetryPolicy | None, max_retries: int) -> RetryPolicy:
    """`policy` (it checked itself when made), or the default policy with `max_retries`."""
    if policy is None:
        return RetryPolicy(max_retries=max_retries)
    _checked(policy, RetryPolicy, "retry_policy")
    if max_retries != DEFAULT_MAX_RETRIES:
        raise InvalidInputError(
            "Pass max_retries or retry_policy, not both: set "
            "retry_policy=RetryPolicy(max_retries=...) instead."
        )
    return policy


def _checked(value: T | None, kind: type[T], name: str) -> T | None:
    if value is not None and not isinstance(value, kind):
        raise InvalidInputError(
            f"{name} must be an {kind.__module__}.{kind.__name__}, not {type(value).__name__}."
        )
    return value
