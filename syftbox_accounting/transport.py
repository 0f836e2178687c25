"""Sending calls to the service: timeouts, retries, and the sync and async drivers.

Everything that is not I/O is written once, as generators:
- `_exchange` is one call's life: send, decide whether to retry, wait, send again,
  then read the answer or raise the mapped exception;
- a *flow* (see `accounting.py`) is one library operation: it yields `Call`s (or a
  `Gather` of calls) and receives their results. A flow is named after the public
  method it serves, with a leading underscore (``_get_account_balance``), which is
  how errors name the operation that failed.
`Transport.run` and `Transport.run_async` drive both, with `httpx.Client` and
`time.sleep`, or `httpx.AsyncClient` and `anyio.sleep`. That is all that differs
between a sync method and its async twin.

Retry policy: GETs are retried on connection errors, timeouts, 429 and 5xx; any
request is retried when the failure proves nothing was sent (connect errors). A
POST or PUT that may have reached the service (a timeout, a reset, a 5xx) is sent
again, with the same `Idempotency-Key`, only once the service has shown that it
honours keys: it echoed the key of an earlier answer to this transport, or of this
very attempt. Such requests are retried on 429 and `409 request_in_progress` too.
A service that never echoed (the public one) never gets a request twice, so money
never moves twice.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import email.utils
import logging
import random
import sys
import threading
import time
import types
import weakref
from collections.abc import Generator
from typing import Any, TypeVar, cast

import httpcore
import httpx

from syftbox_accounting import errors, operations, validation
from syftbox_accounting import hooks as _hooks
from syftbox_accounting._version import __version__
from syftbox_accounting.errors import AccountingError, AuthenticationError
from syftbox_accounting.operations import Call

T = TypeVar("T")
log = logging.getLogger("syftbox_accounting")

# Names the library in the service's logs (openai-python and stripe-python do the same).
USER_AGENT = (
    f"syftbox-accounting/{__version__} python/{sys.version_info.major}.{sys.version_info.minor}"
    f" httpx/{httpx.__version__}"
)
REQUEST_ID_HEADER = "X-Request-Id"
# What a service supports beyond the public protocol (see openapi.yaml, "Features").
FEATURES_HEADER = "Accounting-Features"


@dataclasses.dataclass(frozen=True, slots=True)
class ResponseInfo:
    """The last answer a client received, for debugging (``client.last_response``).

    Attributes:
        method, path: the request.
        status_code: the HTTP status.
        headers: the response headers (they hold no secret of yours).
        request_id: the service's ``X-Request-Id``, to quote when reporting a problem.
        elapsed_ms: how long the answer took.
    """

    method: str
    path: str
    status_code: int
    headers: dict[str, str]
    request_id: str | None
    elapsed_ms: float


@dataclasses.dataclass(frozen=True, slots=True)
class Gather:
    """A flow step: several calls at once (concurrently when async)."""

    calls: tuple[Call[Any], ...]


Step = Call[Any] | Gather
Flow = Generator[Step, Any, T]


def result_of(call: Call[T]) -> Flow[T]:
    """Yield one call from a flow and get its typed result: ``yield from result_of(c)``."""
    result: T = yield call
    return result


def operation_of(flow: Flow[Any]) -> str:
    """The public method a flow serves: ``_get_account_balance`` serves
    ``get_account_balance``."""
    generator = cast("types.GeneratorType[Any, Any, Any]", flow)
    return generator.__name__.removeprefix("_")


@dataclasses.dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How failed requests are retried.

    Waits are jittered exponential backoff (`backoff` * 2**attempt, capped at
    `max_backoff`, full jitter), or the service's `Retry-After` when it sends one. A
    `Retry-After` longer than `max_retry_after` is not waited for: the error is
    raised at once, saying when to retry.

    >>> RetryPolicy(max_retries=5, backoff=0.5)

    Raises:
        InvalidInputError: a count or a number of seconds out of range.
    """

    max_retries: int = 2
    backoff: float = 0.2
    max_backoff: float = 5.0
    max_retry_after: float = 30.0

    def __post_init__(self) -> None:
        validation.retries(self.max_retries, "retry_policy.max_retries")
        for name in ("backoff", "max_backoff", "max_retry_after"):
            validation.seconds(getattr(self, name), f"retry_policy.{name}")

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        return random.uniform(0, min(self.max_backoff, self.backoff * 2**attempt))


# Longer delta-seconds than this (over 300 years) are no advice anyone can follow.
_MAX_RETRY_AFTER_DIGITS = 10


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header: delta-seconds or an HTTP date; None for
    anything else (other digits than ASCII ones, other scripts, absurd lengths or dates),
    never an exception."""
    if not value:
        return None
    value = value.strip()
    if not value.isascii() or not value.isprintable() or len(value) > 64:
        return None
    if value.isdigit():
        return float(value) if len(value) <= _MAX_RETRY_AFTER_DIGITS else None
    try:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, OverflowError, IndexError):
        return None


# Failures that prove the request never left: safe to send again, whatever it is.
_NOTHING_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class _BearerAuth(httpx.Auth):
    """`Authorization: Bearer <key>`, with a repr that hides the key."""

    def __init__(self, key: str) -> None:
        self._header = f"Bearer {key}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request

    def __repr__(self) -> str:
        return "_BearerAuth(***)"


class _ByFeatures(httpx.Auth):
    """Stands for "the API key or the password, as the service's features say"."""


_BY_FEATURES = _ByFeatures()


@dataclasses.dataclass(frozen=True, slots=True)
class _Send:
    """An exchange step: send the call now."""


@dataclasses.dataclass(frozen=True, slots=True)
class _Sleep:
    """An exchange step: wait before the next attempt."""

    seconds: float


_SEND = _Send()

# The most a call reads by default: well above the largest legitimate answer (a page
# holds at most 1,000 transactions; a whole history without a limit is larger).
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
# A call's deadline by default, as a multiple of its timeout for each attempt: the
# timeout bounds each read, the deadline the whole call, retries included (a server
# dripping one byte at a time would otherwise hold it forever).
DEADLINE_FACTOR = 3.0


class _Stopped(Exception):
    """We ended the exchange ourselves: never retried, never a raw error."""

    reason = ""


class AnswerTooLarge(_Stopped):
    """The answer grew past `max_response_bytes` (decompressed)."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.reason = f"the answer was too large (over {limit:,} bytes, the max_response_bytes)"


class Overdue(_Stopped):
    """The call's deadline passed before a complete answer arrived."""

    def __init__(self, deadline: float) -> None:
        super().__init__(deadline)
        self.reason = f"no complete answer within the {deadline:g} s deadline"


class _Clock:
    """One call's deadline (monotonic)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return self.end - time.monotonic()

    def check(self) -> None:
        if self.left() <= 0:
            raise Overdue(self.seconds)


# -- the deadline inside the sync client's socket operations
#
# httpx bounds each socket read by the timeout, never a whole exchange: a server that
# sends its status line and headers one byte at a time keeps a sync call waiting for
# ever (the async driver cancels the whole exchange instead). So the sync client's
# connection pool gets a network backend whose every connect, read and write is bounded
# by what is left of the call's deadline, which `_fetch` sets for its thread.

_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "syftbox_accounting_deadline", default=None
)


def _left(timeout: float | None, overdue: type[Exception]) -> float | None:
    """`timeout`, cut to what is left of this thread's call deadline (`overdue` once
    nothing is)."""
    end = _DEADLINE.get()
    if end is None:
        return timeout
    left = end - time.monotonic()
    if left <= 0:
        raise overdue("the call's deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        left = _left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, left))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        left = _left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(
            self._backend.connect_tcp(host, port, left, local_address, socket_options)
        )

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        left = _left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_unix_socket(path, left, socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def keep_deadlines(client: httpx.Client) -> bool:
    """Make `client`'s connection pools (its transport's and its proxies') bound every
    socket operation by the running call's deadline; outside a call of this library
    they behave as before. False when a pool is not httpx's own (a custom transport):
    there only each read's timeout holds."""
    transports = [client._transport, *(t for t in client._mounts.values() if t is not None)]
    every = True
    for transport in transports:
        pool: Any = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if isinstance(backend, httpcore.NetworkBackend):
            if not isinstance(backend, _DeadlineBackend):
                pool._network_backend = _DeadlineBackend(backend)
        else:
            every = False
    return every


class _Request:
    """The keyword arguments of one request, with a repr that shows no body or
    credentials (tracebacks that capture locals print it)."""

    __slots__ = ("kwargs",)

    def __init__(self, kwargs: dict[str, Any]) -> None:
        self.kwargs = kwargs

    def __repr__(self) -> str:
        return f"<request {self.kwargs.get('method')} {self.kwargs.get('url')}>"


class _Body:
    """An answer's body as it is read, within `limit` bytes (counted after
    decompression); the limit is checked against `Content-Length` first."""

    def __init__(self, response: httpx.Response, limit: int) -> None:
        if _declared_too_large(response, limit):
            raise AnswerTooLarge(limit)
        self.response, self.limit = response, limit
        self.chunks: list[bytes] = []
        self.size = 0

    def add(self, chunk: bytes) -> bool:
        """Keep `chunk`; False (and nothing kept) once the body is over the limit."""
        self.size += len(chunk)
        if self.size > self.limit:
            return False
        self.chunks.append(chunk)
        return True

    def answer(self) -> httpx.Response:
        return _answer(self.response, self.chunks)


def _answer(response: httpx.Response, chunks: list[bytes]) -> httpx.Response:
    """`response` with the body we read (already decoded, so its encoding goes). The
    headers are kept as the bytes that came: a value that is not ASCII (a Retry-After
    of `²`) stays readable, where re-encoding its text would fail."""
    headers = [
        (name, value)
        for name, value in response.headers.raw
        if name.lower() not in {b"content-encoding", b"content-length", b"transfer-encoding"}
    ]
    return httpx.Response(
        response.status_code, headers=headers, content=b"".join(chunks), request=response.request
    )


def _declared_too_large(response: httpx.Response, limit: int) -> bool:
    declared = response.headers.get("Content-Length", "")
    return declared.isdigit() and len(declared) < 20 and int(declared) > limit


Outcome = httpx.Response | httpx.HTTPError | OSError | _Stopped


def _loop_key() -> object:
    """The running event loop, to keep an AsyncClient to the loop it was made in.
    (Neither sniffio nor trio is a dependency: trio is asked only when loaded.)"""
    trio: Any = sys.modules.get("trio")
    if trio is not None:
        try:
            return trio.lowlevel.current_trio_token()
        except RuntimeError:
            pass  # trio is loaded, but this is not a trio run
    import asyncio

    return asyncio.get_running_loop()


class Transport:
    """One service endpoint: its URL, credentials, timeout, retry policy, and the
    httpx clients (created lazily, reused for keep-alive, closed by `close`)."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float,
        retry: RetryPolicy,
        http_client: httpx.Client | None = None,
        async_http_client: httpx.AsyncClient | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        deadline: float | None = None,
        hooks: _hooks.Hooks | None = None,
    ) -> None:
        self._base_url = base_url
        # The user's functions, called on each call's request, retry, response, error.
        self.hooks: _hooks.Hooks = hooks or {}
        # Set once an answer echoed the Idempotency-Key it was sent with.
        self.honours_keys = False
        self.timeout = timeout
        self.retry = retry
        self.max_response_bytes = max_response_bytes
        self.deadline = deadline
        self._basic: httpx.BasicAuth | None = None
        self._bearer: _BearerAuth | None = None
        # The user's API key: used instead of `_basic` at a service that announces keys.
        self._api_key: _BearerAuth | None = None
        # Every secret this transport has held: an old password or a token pasted
        # where an id belongs must not come back in an error message either.
        self._secrets: tuple[str, ...] = ()
        self._client = http_client
        self._owns_client = http_client is None
        self._deadlines_kept = False
        self._async_client = async_http_client
        self._owns_async_client = async_http_client is None
        self._async_loop: object = None
        # Clients made for event loops that are no longer the current one: closed by
        # `aclose()`, so that a client used from several loops leaves none open.
        self._stale_async: list[httpx.AsyncClient] = []
        self._lock = threading.Lock()
        # Set by `share`: the transport whose connection pool this one uses.
        self._pool: Transport | None = None
        self.last_response: ResponseInfo | None = None
        # What the service announced in Accounting-Features; None until an answer told.
        self._features: frozenset[str] | None = None
        # Set once we said (at INFO) that this service has no API keys.
        self._said_no_keys = False

    def __repr__(self) -> str:
        return f"Transport({self.base_url!r})"

    @property
    def base_url(self) -> str:
        return self._base_url

    @base_url.setter
    def base_url(self, url: str) -> None:
        if url != self._base_url:
            self.honours_keys = False  # another service has shown nothing yet
            self._home._features = None
        self._base_url = url

    @property
    def _home(self) -> Transport:
        """The transport whose pool (and knowledge of the service) this one shares."""
        return self._pool or self

    @property
    def features(self) -> frozenset[str] | None:
        """What the service announced it supports (``Accounting-Features``), once an
        answer said; None before. Copies made by `with_options()` share it."""
        return self._home._features

    def _check_feature(self, call: Call[Any], operation: str) -> None:
        if call.feature is not None and call.feature not in (self.features or ()):
            raise errors.unsupported(call.feature, self.base_url, operation)

    # -- credentials

    def set_basic(self, email: str | None, password: str | None) -> None:
        """Use `email:password` for user calls (None to forget them)."""
        if email is None or password is None:
            self._basic = None
        else:
            self._basic = httpx.BasicAuth(email, password)
            self.remember_secret(password)
            # The header's value, as a proxy or a debugging service may echo it.
            self.remember_secret(self._basic._auth_header.removeprefix("Basic "))

    def set_api_key(self, key: str | None) -> None:
        """Use the API `key` for user calls at a service that announces ``api-keys``
        (None to forget it)."""
        if key is None:
            self._api_key = None
            return
        self._api_key = _BearerAuth(key)
        self.remember_secret(key)
        self.remember_secret(f"Bearer {key}")

    @property
    def has_api_key(self) -> bool:
        return self._api_key is not None

    def set_bearer(self, key: str) -> None:
        """Use `key` for admin calls."""
        self._bearer = _BearerAuth(key)
        self.remember_secret(key)
        self.remember_secret(f"Bearer {key}")

    def remember_secret(self, secret: str) -> None:
        """Keep `secret` out of every message from now on (the latest 64 kept)."""
        if secret and secret not in self._secrets:
            self._secrets = (secret, *self._secrets)[:64]

    def _auth_for(self, call: Call[Any], operation: str) -> httpx.Auth | None:
        """The call's credentials; `_BY_FEATURES` for a user call of a client with an API
        key: the key or the password, once the service's features are known."""
        if call.auth == "none":
            return None
        if call.auth == "basic" and self._api_key is not None:
            return _BY_FEATURES
        auth = self._basic if call.auth == "basic" else self._bearer
        if auth is None:
            raise AuthenticationError(
                f"{operation} needs credentials, and none are configured.",
                hint=errors.CONFIGURE_HINT,
                hint_key=errors.NOT_CONFIGURED,
                operation=operation,
                method=call.method,
                path=call.path,
            )
        return auth

    def _user_auth(self, operation: str) -> httpx.Auth:
        """The API key at a service that announces ``api-keys``; elsewhere the password
        (said once at INFO), or, with a key alone, an error: a key is never sent to a
        service that does not know keys."""
        assert self._api_key is not None
        if "api-keys" in (self.features or ()):
            return self._api_key
        if self._basic is not None:
            if not self._home._said_no_keys:
                self._home._said_no_keys = True
                log.info(
                    "The service at %s does not support API keys (it does not announce "
                    "'api-keys'): using the email and password instead of the API key.",
                    self.base_url,
                )
            return self._basic
        raise AuthenticationError(
            f"{operation} failed: the service at {self.base_url} does not support API keys "
            "(it does not announce 'api-keys' in its Accounting-Features header), so the "
            "API key cannot be used there. Nothing was sent.",
            hint="Configure the account's email and password for this service: "
            "configure(email=..., password=...), or SYFTBOX_ACCOUNTING_EMAIL and "
            "SYFTBOX_ACCOUNTING_PASSWORD.",
            hint_key=errors.UNSUPPORTED,
            operation=operation,
        )

    def share(self, other: Transport) -> None:
        """Use `other`'s credentials and connection pool (for `with_options()`)."""
        self._basic, self._bearer, self._secrets = other._basic, other._bearer, other._secrets
        self._api_key = other._api_key
        self._pool = other._pool or other

    # -- clients

    def _sync_client(self) -> httpx.Client:
        if self._pool is not None:
            return self._pool._sync_client()
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(follow_redirects=False)
                # A client nobody closed (a notebook, a script) still releases its
                # connections when it is garbage-collected.
                weakref.finalize(self, self._client.close)
            if not self._deadlines_kept:
                # Yours too, when you pass one: outside our calls it behaves as before.
                keep_deadlines(self._client)
                self._deadlines_kept = True
            return self._client

    def _async_http(self) -> httpx.AsyncClient:
        if self._pool is not None:
            return self._pool._async_http()
        if not self._owns_async_client:
            assert self._async_client is not None
            return self._async_client
        key = _loop_key()
        with self._lock:
            if self._async_client is None or self._async_loop is not key:
                # A client's connections belong to the loop that opened them.
                if self._async_client is not None:
                    self._stale_async.append(self._async_client)
                self._async_client = httpx.AsyncClient(follow_redirects=False)
                self._async_loop = key
            return self._async_client

    def close(self) -> None:
        """Close the sync httpx client, if this transport created it."""
        if self._pool is not None:
            return  # the pool belongs to the transport it was shared from
        with self._lock:
            client, self._client = self._client, None
        if client is not None and self._owns_client:
            client.close()
        elif client is not None:
            self._client = client

    def abandon_async(self) -> None:
        """Release the async client's sockets without its event loop, which may have
        ended (a test that forgot ``await client.aclose()``): close each connection's
        socket, so that nothing is left for the garbage collector to warn about."""
        client, self._async_client = self._async_client, None
        if client is None or not self._owns_async_client or client.is_closed:
            return
        pool: Any = getattr(client._transport, "_pool", None)
        for connection in list(getattr(pool, "_connections", ())):
            stream = getattr(getattr(connection, "_connection", None), "_network_stream", None)
            inner: Any = getattr(getattr(stream, "_stream", None), "_transport", None)
            raw = getattr(inner, "_sock", None)  # asyncio: its transport owns the socket
            if raw is not None:
                inner._sock = None
            elif stream is not None:
                # trio: its socket's close() needs a running trio, the stdlib one does not
                raw = getattr(stream.get_extra_info("socket"), "_sock", None)
            if raw is not None:
                raw.close()

    async def aclose(self) -> None:
        """Close both httpx clients this transport created."""
        if self._pool is not None:
            return
        self.close()
        client = self._async_client
        if client is not None and self._owns_async_client:
            self._async_client = None
            await client.aclose()
        stale, self._stale_async = self._stale_async, []
        for old in stale:
            # Its loop may be gone: its sockets then close when collected, but the
            # client is marked closed and no longer held.
            with contextlib.suppress(Exception):
                await old.aclose()

    # -- one call: the shared logic

    def _request_args(
        self, call: Call[Any], auth: httpx.Auth | None, timeout: float | None
    ) -> _Request:
        # Amounts as decimal strings where the service announced exact-money.
        args = dict(call.request_for(self.features))
        args["url"] = self.base_url + call.path
        args["timeout"] = self.timeout if timeout is None else timeout
        args["headers"] = {**(args.get("headers") or {}), "User-Agent": USER_AGENT}
        # Never follow a redirect, whatever the user's client says: a 307 to another
        # host would carry the credentials there.
        args["follow_redirects"] = False
        if auth is not None:
            args["auth"] = auth
        return _Request(args)

    def _clock(
        self, timeout: float | None, deadline: float | None, max_retries: int | None
    ) -> _Clock:
        if deadline is None:
            deadline = self.deadline
        if deadline is None:
            attempts = 1 + (self.retry.max_retries if max_retries is None else max_retries)
            deadline = DEADLINE_FACTOR * attempts * (self.timeout if timeout is None else timeout)
        return _Clock(deadline)

    def _fetch(self, client: httpx.Client, request: _Request, clock: _Clock) -> httpx.Response:
        """One request, its answer read within the size limit and the deadline."""
        args = dict(request.kwargs)
        args["timeout"] = max(0.001, min(args["timeout"], clock.left()))
        # Every socket operation of this exchange, headers included, within the deadline.
        deadline = _DEADLINE.set(clock.end)
        try:
            with client.stream(**args) as response:
                body = _Body(response, self.max_response_bytes)
                for chunk in response.iter_bytes():
                    if not body.add(chunk):
                        raise AnswerTooLarge(self.max_response_bytes)
                    clock.check()
                return body.answer()
        except httpx.TimeoutException:
            if clock.left() <= 0:
                raise Overdue(clock.seconds) from None
            raise
        finally:
            _DEADLINE.reset(deadline)

    async def _fetch_async(
        self, client: httpx.AsyncClient, request: _Request, clock: _Clock
    ) -> httpx.Response:
        import anyio

        too_large = False
        try:
            with anyio.fail_after(max(0.0, clock.left())), anyio.CancelScope() as stop:
                async with client.stream(**request.kwargs) as response:
                    body = _Body(response, self.max_response_bytes)
                    async for chunk in response.aiter_bytes():
                        if not body.add(chunk):
                            # Stop by cancelling: the next read ends httpx's nested
                            # generators from the inside, so none is left unclosed.
                            too_large = True
                            stop.cancel()
                    if not too_large:
                        return body.answer()
            raise AnswerTooLarge(self.max_response_bytes)
        except TimeoutError:  # the deadline's scope, not a socket's timeout
            if clock.left() <= 0:
                raise Overdue(clock.seconds) from None
            raise

    def _exchange(
        self,
        call: Call[T],
        operation: str,
        max_retries: int | None,
        clock: _Clock,
        by_key: bool = False,
    ) -> Generator[_Send | _Sleep, Outcome, T]:
        limit = self.retry.max_retries if max_retries is None else max_retries
        attempt = 0
        tell = _Teller(self.hooks, call, operation, self._secrets) if self.hooks else None
        while True:
            started = time.perf_counter()
            if tell:
                tell("request", attempt)
            outcome = yield _SEND
            elapsed = (time.perf_counter() - started) * 1000
            answered = isinstance(outcome, httpx.Response)
            if answered:
                assert isinstance(outcome, httpx.Response)
                self.last_response = ResponseInfo(
                    call.method,
                    call.path,
                    outcome.status_code,
                    dict(outcome.headers),
                    outcome.headers.get(REQUEST_ID_HEADER),
                    elapsed,
                )
            what = outcome.status_code if isinstance(outcome, httpx.Response) else None
            log.debug(
                "%s %s -> %s in %.0f ms (attempt %d, request id %s)",
                call.method,
                call.path,
                what or type(outcome).__name__,
                elapsed,
                attempt + 1,
                self.last_response.request_id if answered and self.last_response else "none",
            )
            self._learn(call, outcome)
            wait = self._retry_wait(call, outcome, attempt) if attempt < limit else None
            if wait is not None and wait >= clock.left():
                wait = None  # no time left for another attempt
            if wait is None:
                if not tell:
                    return self._read(call, operation, outcome, attempt, by_key)
                try:
                    result = self._read(call, operation, outcome, attempt, by_key)
                except AccountingError as exc:
                    tell("error", attempt, outcome, failure=exc)
                    raise
                tell("response", attempt, outcome)
                return result
            if tell:
                tell("retry", attempt, outcome, wait=wait)
            attempt += 1
            log.info(
                "Retrying %s %s in %.1f s after %s (retry %d of %d)",
                call.method,
                call.path,
                wait,
                what or type(outcome).__name__,
                attempt,
                limit,
            )
            yield _Sleep(wait)

    def _learn(self, call: Call[Any], outcome: Outcome) -> None:
        if not isinstance(outcome, httpx.Response):
            return
        headers = outcome.headers
        if call.idempotency_key is not None and headers.get("Idempotency-Key") == (
            call.idempotency_key
        ):
            self.honours_keys = True
        announced = headers.get(FEATURES_HEADER)
        if announced is not None:
            self._home._features = frozenset(
                name.strip().lower() for name in announced.split(",") if name.strip()
            )
        elif call.probe or 200 <= outcome.status_code < 300:
            # The service itself answered (a proxy's error page would not tell) and
            # announced nothing: it supports nothing beyond the public protocol.
            self._home._features = frozenset()

    def _may_resend(self, call: Call[Any]) -> bool:
        """Whether `call` may be sent again although it may have been applied."""
        return call.idempotent or (call.idempotency_key is not None and self.honours_keys)

    def _retry_wait(self, call: Call[Any], outcome: Outcome, attempt: int) -> float | None:
        """Seconds to wait before sending `call` again, or None not to."""
        if isinstance(outcome, _Stopped):
            return None
        if isinstance(outcome, httpx.Response):
            status = outcome.status_code
            if not (status in _RETRY_STATUSES or _in_progress(outcome)):
                return None
            if not self._may_resend(call):
                return None
            retry_after = parse_retry_after(outcome.headers.get("Retry-After"))
            if retry_after is not None and retry_after > self.retry.max_retry_after:
                return None
            return self.retry.delay(attempt, retry_after)
        if isinstance(outcome, _NOTHING_SENT) or self._may_resend(call):
            return self.retry.delay(attempt, None)
        return None

    def _read(
        self, call: Call[T], operation: str, outcome: Outcome, retries: int, by_key: bool = False
    ) -> T:
        exchange = errors.Exchange(
            operation=operation,
            method=call.method,
            path=call.path,
            base_url=self.base_url,
            conflict=call.conflict,
            answer_has_secret=call.answer_has_secret,
            secrets=call.secrets + self._secrets,
            retries=retries,
            idempotency_key=call.idempotency_key,
            honours_keys=self.honours_keys,
            by_api_key=by_key,
            auth=call.auth,
            about=call.about,
            request_id=outcome.headers.get(REQUEST_ID_HEADER)
            if isinstance(outcome, httpx.Response)
            else None,
        )
        if call.probe and isinstance(outcome, httpx.Response):
            return None  # type: ignore[return-value]  # any answer taught what it could
        if isinstance(outcome, _Stopped):
            raise errors.unreachable(
                exchange,
                outcome.reason,
                may_have_reached=not call.idempotent,
            ) from None
        if not isinstance(outcome, httpx.Response):
            raise errors.unreachable(
                exchange,
                _describe(outcome, self.timeout),
                may_have_reached=not call.idempotent and not isinstance(outcome, _NOTHING_SENT),
            ) from outcome
        if not 200 <= outcome.status_code < 300:
            raise errors.from_status(
                exchange,
                outcome.status_code,
                outcome.content,
                parse_retry_after(outcome.headers.get("Retry-After")),
            )
        try:
            return call.parse(errors.load_json(outcome.content))
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            problem = "empty body" if not outcome.content else f"{type(exc).__name__}: {exc}"
            raise errors.broken_contract(
                exchange, outcome.status_code, outcome.content, problem
            ) from None

    # -- the drivers: the only code that differs between sync and async

    def send(
        self,
        call: Call[T],
        operation: str,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        deadline: float | None = None,
    ) -> T:
        """Send one call for the library method `operation`, blocking; retries as the
        policy says, within the call's deadline. A call that needs a feature the
        service has not announced is never sent (`FeatureNotSupportedError`)."""
        auth = self._auth_for(call, operation)
        if (call.feature is not None or auth is _BY_FEATURES) and self.features is None:
            self.send(operations.learn_features(), operation, timeout=timeout, deadline=deadline)
        if auth is _BY_FEATURES:
            auth = self._user_auth(operation)
        self._check_feature(call, operation)
        args = self._request_args(call, auth, timeout)
        client = self._sync_client()
        clock = self._clock(timeout, deadline, max_retries)
        exchange = self._exchange(
            call, operation, max_retries, clock, auth is not None and auth is self._api_key
        )
        step = next(exchange)
        try:
            while True:
                if isinstance(step, _Sleep):
                    time.sleep(step.seconds)
                    step = exchange.send(None)  # type: ignore[arg-type]
                    continue
                try:
                    outcome: Outcome = self._fetch(client, args, clock)
                except (httpx.HTTPError, OSError, _Stopped) as exc:
                    outcome = exc
                step = exchange.send(outcome)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]

    async def send_async(
        self,
        call: Call[T],
        operation: str,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        deadline: float | None = None,
    ) -> T:
        """Send one call for the library method `operation` without blocking the event
        loop; retries as the policy says, within the call's deadline. A call that needs
        a feature the service has not announced is never sent."""
        import anyio  # only async programs pay for loading it

        auth = self._auth_for(call, operation)
        if (call.feature is not None or auth is _BY_FEATURES) and self.features is None:
            await self.send_async(
                operations.learn_features(), operation, timeout=timeout, deadline=deadline
            )
        if auth is _BY_FEATURES:
            auth = self._user_auth(operation)
        self._check_feature(call, operation)
        args = self._request_args(call, auth, timeout)
        client = self._async_http()
        clock = self._clock(timeout, deadline, max_retries)
        exchange = self._exchange(
            call, operation, max_retries, clock, auth is not None and auth is self._api_key
        )
        step = next(exchange)
        try:
            while True:
                if isinstance(step, _Sleep):
                    await anyio.sleep(step.seconds)
                    step = exchange.send(None)  # type: ignore[arg-type]
                    continue
                try:
                    outcome: Outcome = await self._fetch_async(client, args, clock)
                except (httpx.HTTPError, OSError, _Stopped) as exc:
                    outcome = exc
                step = exchange.send(outcome)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]

    def run(self, flow: Flow[T]) -> T:
        """Run a flow to its result, blocking."""
        operation = operation_of(flow)
        try:
            step = next(flow)
            while True:
                try:
                    if isinstance(step, Gather):
                        value: Any = [self.send(c, operation) for c in step.calls]
                    else:
                        value = self.send(step, operation)
                except AccountingError as exc:
                    step = flow.throw(exc)
                except BaseException as exc:
                    _interrupted(flow, exc)
                    raise
                else:
                    step = flow.send(value)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]

    async def run_async(self, flow: Flow[T]) -> T:
        """Run a flow to its result on the running event loop (asyncio or trio)."""
        operation = operation_of(flow)
        try:
            step = next(flow)
            while True:
                try:
                    if isinstance(step, Gather):
                        value: Any = await self._gather(step, operation)
                    else:
                        value = await self.send_async(step, operation)
                except AccountingError as exc:
                    step = flow.throw(exc)
                except BaseException as exc:
                    _interrupted(flow, exc)
                    raise
                else:
                    step = flow.send(value)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]

    async def _gather(self, gather: Gather, operation: str) -> list[Any]:
        import anyio

        results: list[Any] = [None] * len(gather.calls)
        failures: list[AccountingError] = []

        async def one(index: int, call: Call[Any]) -> None:
            try:
                results[index] = await self.send_async(call, operation)
            except AccountingError as exc:
                failures.append(exc)

        async with anyio.create_task_group() as group:
            for index, call in enumerate(gather.calls):
                group.start_soon(one, index, call)
        if failures:
            raise failures[0]
        return results


class _Teller:
    """Tells the hooks how one call goes (`hooks.CallEvent`): kept out of the drivers,
    so sync and async calls tell the same."""

    def __init__(
        self, hooks: _hooks.Hooks, call: Call[Any], operation: str, secrets: tuple[str, ...]
    ) -> None:
        self.hooks, self.call, self.operation = hooks, call, operation
        self.secrets = call.secrets + secrets
        self.call_id = _hooks.next_call_id()
        self.started = time.perf_counter()

    def __call__(
        self,
        kind: _hooks.EventKind,
        attempt: int,
        outcome: Outcome | None = None,
        *,
        failure: AccountingError | None = None,
        wait: float | None = None,
    ) -> None:
        answer = outcome if isinstance(outcome, httpx.Response) else None
        what: str | None = None
        if failure is not None:
            what = type(failure).__name__
        elif answer is not None and kind == "retry":
            what = f"HTTP {answer.status_code}"
        elif outcome is not None and answer is None:
            what = type(outcome).__name__
        request_id = answer.headers.get(REQUEST_ID_HEADER) if answer is not None else None
        if request_id is not None:  # the service's echo, as an error keeps it
            request_id = errors.redact(request_id, self.secrets)[:128]
        _hooks.emit(
            self.hooks,
            _hooks.CallEvent(
                kind=kind,
                operation=self.operation,
                method=self.call.method,
                path=self.call.path,
                attempt=attempt + 1,
                status=answer.status_code if answer is not None else None,
                elapsed_ms=(time.perf_counter() - self.started) * 1000,
                request_id=failure.request_id if failure is not None else request_id,
                idempotency_key=self.call.idempotency_key,
                error=what,
                error_code=failure.code if failure is not None else None,
                wait=wait,
                call_id=self.call_id,
            ),
        )


def _in_progress(response: httpx.Response) -> bool:
    """A `409 request_in_progress`: the first request with this key is not done yet."""
    if response.status_code != 409:
        return False
    try:
        doc = errors.load_json(response.content)
    except (ValueError, RecursionError):
        return False
    return isinstance(doc, dict) and doc.get("code") == "request_in_progress"


def _interrupted(flow: Flow[Any], exc: BaseException) -> None:
    """Let a flow hit by an interrupt (Ctrl-C, a cancelled task) say what it leaves
    behind, e.g. a pending transaction, as a note or attribute on `exc`; the
    interrupt itself goes on."""
    with contextlib.suppress(BaseException):
        flow.throw(exc)
    flow.close()


def _describe(exc: BaseException, timeout: float) -> str:
    """A sentence for a failure with no answer, without the library's internals."""
    if isinstance(exc, httpx.ConnectTimeout):
        return f"could not connect within {timeout:g} s"
    if isinstance(exc, httpx.PoolTimeout):
        return f"no free connection within {timeout:g} s"
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer within {timeout:g} s (read timeout)"
    if isinstance(exc, httpx.ConnectError):
        return "could not connect (connection refused or host unknown)"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return "the connection was dropped before a complete answer arrived"
    return f"the request failed ({type(exc).__name__})"
