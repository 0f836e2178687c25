"""What `AccountingClient` and `AdminClient` share: the transport, closing, and the
`twin` rule that ties a sync method to its async twin."""

from __future__ import annotations

import copy
import enum
import logging
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self, TypeAlias, TypeVar

import httpx

from syftbox_accounting import settings, validation
from syftbox_accounting.defaults import DEFAULT_MAX_RETRIES
from syftbox_accounting.errors import AccountingError, InvalidInputError
from syftbox_accounting.hooks import HooksArg, hooks_of
from syftbox_accounting.transport import (
    DEFAULT_MAX_RESPONSE_BYTES,
    Flow,
    RetryPolicy,
    Transport,
)

if TYPE_CHECKING:
    from syftbox_accounting.response_info import ResponseInfo

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


class _Unchanged(enum.Enum):
    """The default of `with_options()`'s parameters: keep this client's value."""

    UNCHANGED = "UNCHANGED"

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED = _Unchanged.UNCHANGED
Unchanged: TypeAlias = Literal[_Unchanged.UNCHANGED]
# Options that cannot change on a copy sharing the connection pool.
_FIXED = frozenset({"http_client", "async_http_client", "allow_insecure_http"})


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
        timeout: float | None = None,
        max_retries: int | None = None,
        allow_insecure_http: bool | None = None,
        http_client: httpx.Client | None = None,
        async_http_client: httpx.AsyncClient | None = None,
        retry_policy: RetryPolicy | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        deadline: float | None = None,
        hooks: HooksArg | None = None,
        url_name: str | None = None,
    ) -> None:
        # Every setting is checked here, once, before anything else can fail on it.
        settings.configure_logging()
        settings.credential_store()  # read when credentials are saved; wrong is wrong now
        # Where the URL came from, for messages: the argument, or a variable.
        self._url_name = url_name or self._URL_PARAMETER
        # Every constructor option, as given: `with_options()` rebuilds from these.
        self._options: dict[str, Any] = {
            "timeout": timeout,
            "max_retries": max_retries,
            "allow_insecure_http": allow_insecure_http,
            "http_client": http_client,
            "async_http_client": async_http_client,
            "retry_policy": retry_policy,
            "max_response_bytes": max_response_bytes,
            "deadline": deadline,
            "hooks": hooks,
        }
        self._allow_insecure_http = validation.flag(
            "allow_insecure_http", settings.allow_insecure_http(allow_insecure_http)
        )
        self._transport = self._build_transport(url, self._options)

    def _build_transport(self, url: str, options: dict[str, Any]) -> Transport:
        return Transport(
            validation.url(url, allow_insecure_http=self._allow_insecure_http, name=self._url_name),
            timeout=validation.timeout(settings.timeout(options["timeout"])),
            retry=_policy(options["retry_policy"], options["max_retries"]),
            http_client=_checked(options["http_client"], httpx.Client, "http_client"),
            async_http_client=_checked(
                options["async_http_client"], httpx.AsyncClient, "async_http_client"
            ),
            # Hardening: how much an answer may weigh, and how long a call may take.
            max_response_bytes=validation.byte_count(options["max_response_bytes"]),
            deadline=validation.deadline(options["deadline"]),
            hooks=hooks_of(options["hooks"]),
        )

    def with_options(
        self,
        *,
        timeout: float | Unchanged | None = UNCHANGED,
        max_retries: int | Unchanged | None = UNCHANGED,
        retry_policy: RetryPolicy | Unchanged | None = UNCHANGED,
        max_response_bytes: int | Unchanged = UNCHANGED,
        deadline: float | Unchanged | None = UNCHANGED,
        hooks: HooksArg | Unchanged | None = UNCHANGED,
    ) -> Self:
        """A copy of this client with some constructor options changed, e.g.
        ``client.with_options(timeout=2, max_retries=0).check_credentials()``. Options
        left out keep this client's value; None gives an option its default
        (``max_response_bytes`` takes a number of bytes only).

        Cheap: the copy shares this client's credentials and connection pool (closing
        the copy leaves the pool open; close the original). The httpx clients and
        `allow_insecure_http` belong to the pool, so they cannot change.

        Raises:
            InvalidInputError: a value the constructor would refuse.
        """
        return self._with_options(locals())

    def _with_options(self, given: dict[str, Any]) -> Self:
        """The copy, from the arguments of a `with_options()` (its ``locals()``): each
        parameter that is not `UNCHANGED` replaces that constructor option. An option
        is kept in ``self._options`` and read from there, so that adding one to
        `with_options()` is adding its parameter line."""
        changes = {k: v for k, v in given.items() if k != "self" and v is not UNCHANGED}
        for name in changes:
            if name not in self._options or name in _FIXED:  # a subclass's slip
                raise InvalidInputError(f"with_options() cannot change {name!r}.")
        merged = {**self._options, **changes}
        if "max_retries" in changes and "retry_policy" not in changes:
            merged["retry_policy"] = None
        clone = copy.copy(self)
        clone._options = merged
        clone._transport = self._build_transport(self._transport.base_url, merged)
        clone._transport.share(self._transport)
        return clone

    @property
    def service_features(self) -> frozenset[str] | None:
        """What the service announced it supports beyond the public protocol (its
        ``Accounting-Features``: ``holds``, ``capture``, ``refunds``, ``api-keys``...),
        once an answer said; None before the first answer."""
        return self._transport.features

    @property
    def last_response(self) -> ResponseInfo | None:
        """The last answer this client received, for debugging: its status, headers
        and request id (`ResponseInfo`); None before the first. Errors carry the same
        request id as ``exc.request_id``."""
        return self._transport.last_response

    def _run(self, flow: Flow[T]) -> T:
        __tracebackhide__ = True  # pytest and IPython leave this frame out
        try:
            return self._transport.run(flow)
        except AccountingError as exc:
            raise _short(exc) from exc.__cause__

    async def _run_async(self, flow: Flow[T]) -> T:
        __tracebackhide__ = True
        try:
            return await self._transport.run_async(flow)
        except AccountingError as exc:
            raise _short(exc) from exc.__cause__

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


def _short(exc: AccountingError) -> AccountingError:
    """`exc` without the library's inner frames (the transport, the flow), so that an
    uncaught error in a notebook shows the user's call, not our plumbing; they stay
    when ``SYFTBOX_ACCOUNTING_LOG=debug`` is set, for debugging the library."""
    if logging.getLogger("syftbox_accounting").isEnabledFor(logging.DEBUG):
        return exc
    cause = exc.__cause__
    if cause is not None:  # the low-level error stays, as one line, without httpx's frames
        cause.__cause__ = None
        cause.__suppress_context__ = True
        cause.with_traceback(None)
    return exc.with_traceback(None)


def _policy(policy: RetryPolicy | None, max_retries: int | None) -> RetryPolicy:
    """`policy` (it checked itself when made), or the default policy with `max_retries`
    (None: from the environment, else the default)."""
    if policy is None:
        return RetryPolicy(max_retries=validation.retries(settings.max_retries(max_retries)))
    _checked(policy, RetryPolicy, "retry_policy")
    if max_retries is not None and max_retries != DEFAULT_MAX_RETRIES:
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
