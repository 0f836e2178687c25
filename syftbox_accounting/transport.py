"""Sending calls to the service: timeouts, retries, and the sync and async drivers.

Everything that is not I/O is written once:
- `_Attempts` is one call's life: send, decide whether to retry, wait, send
  again, then read the answer or raise the mapped exception;
- a *flow* (see `flows`) is one library operation: it yields `Call`s (or a `Gather` of
  calls) and receives their results.
`Transport.run` and `Transport.run_async` drive both, with `httpx.Client` and
`time.sleep`, or `httpx.AsyncClient` and `anyio.sleep`. That is all that differs
between a sync method and its async twin.

Retry policy (`retry`): GETs are retried on connection errors, timeouts, 429 and 5xx;
any request is retried when the failure proves nothing was sent (connect errors). A
POST or PUT that may have reached the service (a timeout, a reset, a 5xx) is sent
again, with the same `Idempotency-Key`, only once the service has shown that it
honours keys: it echoed the key of an earlier answer to this transport, or of this
very attempt. Such requests are retried on 429 and `409 request_in_progress` too.
A service that never echoed (the public one) never gets a request twice, so money
never moves twice.

The rest lives beside it: `request_auth` (credentials), `http_clients` (the httpx
clients), `fetching` (one attempt's I/O), `limits` (deadline and size),
`deadline_sockets`, `call_events` (hooks).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import httpx

from syftbox_accounting import errors, operations
from syftbox_accounting import hooks as _hooks
from syftbox_accounting.calls import Call
from syftbox_accounting.errors import AccountingError
from syftbox_accounting.fetching import Answer, Outcome, Request, describe, fetch, fetch_async
from syftbox_accounting.flows import (
    Flow,
    Gather,
    Local,
    Step,
    done_async,
    interrupted,
    interrupted_async,
    operation_of,
    result_of,
)
from syftbox_accounting.http_clients import USER_AGENT, HttpClients
from syftbox_accounting.limits import (
    DEADLINE_FACTOR,
    DEFAULT_MAX_RESPONSE_BYTES,
    AnswerTooLarge,
    Clock,
    Overdue,
    Stopped,
)
from syftbox_accounting.request_auth import BY_FEATURES, Credentials
from syftbox_accounting.retry import NOTHING_SENT, RETRY_STATUSES, RetryPolicy, parse_retry_after

if TYPE_CHECKING:
    from syftbox_accounting.call_events import Teller
    from syftbox_accounting.response_info import ResponseInfo

__all__ = [
    "DEADLINE_FACTOR",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "FEATURES_HEADER",
    "USER_AGENT",
    "AnswerTooLarge",
    "Flow",
    "Gather",
    "Overdue",
    "ResponseInfo",
    "RetryPolicy",
    "Step",
    "Transport",
    "keep_deadlines",
    "operation_of",
    "parse_retry_after",
    "result_of",
]

T = TypeVar("T")
log = logging.getLogger("syftbox_accounting")


def __getattr__(name: str) -> Any:
    # ResponseInfo lived here; it is built when `last_response` is first read.
    if name != "ResponseInfo":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from syftbox_accounting.response_info import ResponseInfo

    globals()[name] = ResponseInfo  # later reads skip this function
    return ResponseInfo


REQUEST_ID_HEADER = "x-request-id"
# What a service supports beyond the public protocol (see openapi.yaml, "Features").
FEATURES_HEADER = "Accounting-Features"
_FEATURES = FEATURES_HEADER.lower()


def keep_deadlines(client: httpx.Client) -> bool:
    """See `deadline_sockets.keep_deadlines` (loaded on first use: it loads httpcore)."""
    from syftbox_accounting.deadline_sockets import keep_deadlines as keep

    return keep(client)


class Transport(Credentials, HttpClients):
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
        self._init_credentials()
        self._init_clients(http_client, async_http_client)
        # The last answer's fields; `last_response` makes them a ResponseInfo when read.
        self._last: tuple[str, str, int, dict[str, str], str | None, float] | None = None
        self._last_info: ResponseInfo | None = None
        # What the service announced in Accounting-Features; None until an answer told.
        self._features: frozenset[str] | None = None
        # The header `_features` was read from: the same text is not parsed again.
        self._announced: str | None = None
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
            self._home._announced = None
        self._base_url = url

    @property
    def last_response(self) -> ResponseInfo | None:
        """The last answer received (`ResponseInfo`), None before the first."""
        last = self._last
        if last is None:
            return None
        info = self._last_info
        if info is None or info.headers is not last[3]:  # each answer has its own dict
            from syftbox_accounting.response_info import ResponseInfo  # made when first read

            info = self._last_info = ResponseInfo(*last)
        return info

    @property
    def _home(self) -> Transport:
        """The transport whose pool (and knowledge of the service) this one shares."""
        return self._pool or self

    @property
    def features(self) -> frozenset[str] | None:
        """What the service announced it supports (``Accounting-Features``), once an
        answer said; None before. Copies made by `with_options()` share it."""
        return self._home._features

    def learn_from(self, other: Transport) -> None:
        """Take what another transport learnt of this same service (the test harness's
        setup client): the features it announces, and that it honours idempotency keys."""
        if other.features is not None and self._home._features is None:
            self._home._features = other.features
        self.honours_keys = self.honours_keys or other.honours_keys

    def _check_feature(self, call: Call[Any], operation: str) -> None:
        if call.feature is not None and call.feature not in (self.features or ()):
            raise errors.unsupported(call.feature, self.base_url, operation)

    def share(self, other: Transport) -> None:
        """Use `other`'s credentials and connection pool (for `with_options()`)."""
        self.share_credentials(other)
        self._pool = other._pool or other

    # -- one call: the shared logic

    def _request(
        self, call: Call[Any], auth: httpx.Auth | None, timeout: float | None, agent: bool
    ) -> Request:
        """The request for `call`; `agent`: set our User-Agent (a client of the user's,
        where the ones made here carry it already)."""
        # Amounts as decimal strings where the service announced exact-money.
        build = dict(call.request_for(self.features))
        build["url"] = self.base_url + call.path
        # Never follow a redirect, whatever the user's client says (`fetching` sends
        # with follow_redirects=False): a 307 to another host would carry the
        # credentials there.
        return Request(
            build,
            auth,
            self.timeout if timeout is None else timeout,
            USER_AGENT if agent else None,
        )

    def _clock(
        self, timeout: float | None, deadline: float | None, max_retries: int | None
    ) -> Clock:
        if deadline is None:
            deadline = self.deadline
        if deadline is None:
            attempts = 1 + (self.retry.max_retries if max_retries is None else max_retries)
            deadline = DEADLINE_FACTOR * attempts * (self.timeout if timeout is None else timeout)
        return Clock(deadline)

    def _learn(self, call: Call[Any], answer: Answer) -> None:
        headers = answer.headers
        if call.idempotency_key is not None and headers.get("idempotency-key") == (
            call.idempotency_key
        ):
            self.honours_keys = True
        home = self._home
        announced = headers.get(_FEATURES)
        if announced is not None:
            if announced != home._announced or home._features is None:
                home._features = frozenset(
                    name.strip().lower() for name in announced.split(",") if name.strip()
                )
                home._announced = announced
        elif (call.probe and not _outage(answer.status_code)) or 200 <= answer.status_code < 300:
            # The service itself answered (a proxy's error page would not tell; nor does
            # an overloaded or failing service's answer to the probe) and announced
            # nothing: it supports nothing beyond the public protocol.
            home._features = frozenset()
            home._announced = None

    def _may_resend(self, call: Call[Any]) -> bool:
        """Whether `call` may be sent again although it may have been applied."""
        return call.idempotent or (call.idempotency_key is not None and self.honours_keys)

    def _retry_wait(self, call: Call[Any], outcome: Outcome, attempt: int) -> float | None:
        """Seconds to wait before sending `call` again, or None not to."""
        if isinstance(outcome, Answer):
            status = outcome.status_code
            if status < 400 or not (status in RETRY_STATUSES or _in_progress(outcome)):
                return None
            if not self._may_resend(call):
                return None
            retry_after = parse_retry_after(outcome.headers.get("retry-after"))
            if retry_after is not None and retry_after > self.retry.max_retry_after:
                return None
            return self.retry.delay(attempt, retry_after)
        if isinstance(outcome, Stopped):
            return None
        if isinstance(outcome, NOTHING_SENT) or self._may_resend(call):
            return self.retry.delay(attempt, None)
        return None

    def _failed(
        self, call: Call[Any], operation: str, outcome: Outcome, retries: int, by_key: bool
    ) -> errors.Exchange:
        """The exchange as an exception tells it: built only when a call fails."""
        return errors.Exchange(
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
            if isinstance(outcome, Answer)
            else None,
        )

    def _read(
        self, call: Call[T], operation: str, outcome: Outcome, retries: int, by_key: bool = False
    ) -> T:
        if isinstance(outcome, Answer):
            if call.probe and self.features is not None:
                return None  # type: ignore[return-value]  # the answer taught what it could
            # A probe that learnt nothing met an outage: the call fails as any would.
            status, content = outcome.status_code, outcome.content
            if not 200 <= status < 300:
                raise errors.from_status(
                    self._failed(call, operation, outcome, retries, by_key),
                    status,
                    content,
                    parse_retry_after(outcome.headers.get("retry-after")),
                )
            try:
                return call.parse(errors.load_json(content))
            except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
                problem = "empty body" if not content else f"{type(exc).__name__}: {exc}"
                raise errors.broken_contract(
                    self._failed(call, operation, outcome, retries, by_key),
                    status,
                    content,
                    problem,
                ) from None
        exchange = self._failed(call, operation, outcome, retries, by_key)
        if isinstance(outcome, Stopped):
            raise errors.unreachable(
                exchange, outcome.reason, may_have_reached=not call.idempotent
            ) from None
        raise errors.unreachable(
            exchange,
            describe(outcome, self.timeout),
            may_have_reached=not call.idempotent and not isinstance(outcome, NOTHING_SENT),
        ) from outcome

    # -- the drivers: the only code that differs between sync and async

    def _prepare(
        self, call: Call[T], operation: str, timeout: float | None, agent: bool
    ) -> tuple[Request, bool] | None:
        """The request for `call`, and whether it goes with the API key; None when the
        service's features must be learnt first."""
        auth = self._auth_for(call, operation)
        if (call.feature is not None or auth is BY_FEATURES) and self.features is None:
            return None
        if auth is BY_FEATURES:
            auth = self._user_auth(operation)
        self._check_feature(call, operation)
        by_key = auth is not None and auth is self._api_key
        return self._request(call, auth, timeout, agent), by_key

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
        client = self._sync_client()
        agent = not self._home._owns_client
        prepared = self._prepare(call, operation, timeout, agent)
        if prepared is None:
            self.send(operations.learn_features(), operation, timeout=timeout, deadline=deadline)
            prepared = self._prepare(call, operation, timeout, agent)
            assert prepared is not None
        request, by_key = prepared
        clock = self._clock(timeout, deadline, max_retries)
        limit = self.max_response_bytes
        attempts = _Attempts(self, call, operation, max_retries, clock, by_key)
        while True:
            attempts.begin()
            try:
                outcome: Outcome = fetch(client, request, clock, limit)
            except (httpx.HTTPError, OSError, Stopped) as exc:
                outcome = exc
            wait = attempts.after(outcome)
            if wait is None:
                return attempts.result(outcome)
            time.sleep(wait)

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
        client = self._async_http()
        agent = not self._home._owns_async_client
        prepared = self._prepare(call, operation, timeout, agent)
        if prepared is None:
            await self.send_async(
                operations.learn_features(), operation, timeout=timeout, deadline=deadline
            )
            prepared = self._prepare(call, operation, timeout, agent)
            assert prepared is not None
        request, by_key = prepared
        clock = self._clock(timeout, deadline, max_retries)
        limit = self.max_response_bytes
        attempts = _Attempts(self, call, operation, max_retries, clock, by_key)
        while True:
            attempts.begin()
            try:
                outcome: Outcome = await fetch_async(client, request, clock, limit)
            except (httpx.HTTPError, OSError, Stopped) as exc:
                outcome = exc
            wait = attempts.after(outcome)
            if wait is None:
                return attempts.result(outcome)
            import anyio  # only a retry pays for loading it

            await anyio.sleep(wait)

    def run(self, flow: Flow[T]) -> T:
        """Run a flow to its result, blocking."""
        operation = operation_of(flow)
        try:
            step = next(flow)
            while True:
                try:
                    if isinstance(step, Gather):
                        value: Any = [self.send(c, operation) for c in step.calls]
                    elif isinstance(step, Local):
                        value = step.call()
                    else:
                        value = self.send(step, operation)
                except AccountingError as exc:
                    step = flow.throw(exc)
                except BaseException as exc:
                    interrupted(flow, exc)
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
                    elif isinstance(step, Local):
                        value = await done_async(step)
                    else:
                        value = await self.send_async(step, operation)
                except AccountingError as exc:
                    step = flow.throw(exc)
                except BaseException as exc:
                    await interrupted_async(flow, exc)
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


class _Attempts(Generic[T]):
    """One call's life, shared by both drivers: each attempt's answer is recorded
    (`last_response`, what the service taught), then the call is retried, after a
    wait, or read into its result or the mapped exception."""

    __slots__ = (
        "attempt",
        "by_key",
        "call",
        "clock",
        "limit",
        "operation",
        "started",
        "tell",
        "transport",
    )

    def __init__(
        self,
        transport: Transport,
        call: Call[T],
        operation: str,
        max_retries: int | None,
        clock: Clock,
        by_key: bool,
    ) -> None:
        self.transport, self.call, self.operation = transport, call, operation
        self.limit = transport.retry.max_retries if max_retries is None else max_retries
        self.clock, self.by_key = clock, by_key
        self.attempt = 0
        self.started = 0.0
        self.tell: Teller | None = None
        if transport.hooks:
            from syftbox_accounting.call_events import Teller  # only with hooks

            self.tell = Teller(transport.hooks, call, operation, transport._secrets)

    def begin(self) -> None:
        """An attempt starts."""
        self.started = time.perf_counter()
        if self.tell:
            self.tell("request", self.attempt)

    def after(self, outcome: Outcome) -> float | None:
        """Seconds to wait before the next attempt, or None: the call is over (see
        `result`)."""
        transport, call = self.transport, self.call
        elapsed = (time.perf_counter() - self.started) * 1000
        if isinstance(outcome, Answer):
            request_id = outcome.headers.get(REQUEST_ID_HEADER)
            transport._last = (
                call.method,
                call.path,
                outcome.status_code,
                outcome.headers,
                request_id,
                elapsed,
            )
            what: object = outcome.status_code
            transport._learn(call, outcome)
        else:
            request_id = None
            what = type(outcome).__name__
        if log.isEnabledFor(logging.DEBUG):  # the common case skips building the args
            log.debug(
                "%s %s -> %s in %.0f ms (attempt %d, request id %s)",
                call.method,
                call.path,
                what,
                elapsed,
                self.attempt + 1,
                request_id or "none",
            )
        if self.attempt >= self.limit:
            return None
        wait = transport._retry_wait(call, outcome, self.attempt)
        if wait is None or wait >= self.clock.left():
            return None  # not to be retried, or no time left for another attempt
        if self.tell:
            self.tell("retry", self.attempt, outcome, wait=wait)
        self.attempt += 1
        log.info(
            "Retrying %s %s in %.1f s after %s (retry %d of %d)",
            call.method,
            call.path,
            wait,
            what,
            self.attempt,
            self.limit,
        )
        return wait

    def result(self, outcome: Outcome) -> T:
        """The call's result, or its mapped exception, from its last outcome."""
        transport, tell = self.transport, self.tell
        if not tell:
            return transport._read(self.call, self.operation, outcome, self.attempt, self.by_key)
        try:
            result = transport._read(self.call, self.operation, outcome, self.attempt, self.by_key)
        except AccountingError as exc:
            tell("error", self.attempt, outcome, failure=exc)
            raise
        tell("response", self.attempt, outcome)
        return result


def _outage(status: int) -> bool:
    """An answer of a failing or overloaded service (or of a proxy in front of it)."""
    return status >= 500 or status == 429


def _in_progress(answer: Answer) -> bool:
    """A `409 request_in_progress`: the first request with this key is not done yet."""
    if answer.status_code != 409:
        return False
    try:
        doc = errors.load_json(answer.content)
    except (ValueError, RecursionError):
        return False
    return isinstance(doc, dict) and doc.get("code") == "request_in_progress"
