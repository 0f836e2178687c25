"""One attempt of a call: send the request, read its answer within the size limit and
the call's deadline, sync or async.

The answer is read as it streams (a body is never held beyond `max_response_bytes`,
counted after decompression) into an `Answer`: the status, the headers decoded once,
and the body. Nothing else is built on the way, so a call costs what httpx costs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import httpx

from syftbox_accounting.limits import DEADLINE, AnswerTooLarge, Clock, Overdue, Stopped

# Headers that described the body as it travelled, not the body we read.
_TRAVEL_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


class Answer:
    """An answer as it arrived: `status_code`, `headers` (lower-case names, values as
    text, repeated headers joined by ``", "``), and `content`, the body decoded."""

    __slots__ = ("content", "headers", "status_code")

    def __init__(self, status_code: int, headers: dict[str, str], content: bytes) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content

    def __repr__(self) -> str:
        return f"<Answer {self.status_code}>"


Outcome = Answer | httpx.HTTPError | OSError | Stopped


class Request:
    """What one call sends, ready for `httpx.Client.build_request`, with a repr that
    shows no body or credentials (tracebacks that capture locals print it).
    `user_agent`: the User-Agent to send instead of the client's (None: the client's)."""

    __slots__ = ("auth", "build", "timeout", "user_agent")

    def __init__(
        self,
        build: dict[str, Any],
        auth: httpx.Auth | None,
        timeout: float,
        user_agent: str | None = None,
    ) -> None:
        self.build = build
        # None: the client's own (httpx's default), as a request without `auth=` gets.
        self.auth: Any = httpx.USE_CLIENT_DEFAULT if auth is None else auth
        self.timeout = timeout
        self.user_agent = user_agent

    def __repr__(self) -> str:
        return f"<request {self.build.get('method')} {self.build.get('url')}>"


def _headers_of(response: httpx.Response, limit: int) -> dict[str, str]:
    """The answer's headers as `dict(response.headers)` gives them (lower-case names,
    repeated ones joined), decoded once as httpx decodes them (a value that is not
    ASCII, a Retry-After of ``²``, stays readable), without the headers that described
    the body in transit; `AnswerTooLarge` when its declared length is over `limit`."""
    raw = response.headers
    encoding = raw.encoding
    headers: dict[str, str] = {}
    for key, value in raw.raw:
        name = key.decode(encoding).lower()
        if name in _TRAVEL_HEADERS:
            if name == "content-length":
                declared = value.strip()
                if declared.isdigit() and len(declared) < 20 and int(declared) > limit:
                    raise AnswerTooLarge(limit)
            continue
        text = value.decode(encoding)
        headers[name] = f"{headers[name]}, {text}" if name in headers else text
    return headers


def _timed(
    client: httpx.Client | httpx.AsyncClient, request: Request, timeout: float
) -> httpx.Request:
    built = client.build_request(**request.build)
    if request.user_agent is not None:
        # Set on the request built, not merged into build_request's: one header set
        # costs less than a second Headers merged into the client's.
        built.headers["User-Agent"] = request.user_agent
    # httpx's timeout extension, set here: one dict, where `timeout=` builds a Timeout.
    built.extensions["timeout"] = {
        "connect": timeout,
        "read": timeout,
        "write": timeout,
        "pool": timeout,
    }
    return built


def fetch(client: httpx.Client, request: Request, clock: Clock, limit: int) -> Answer:
    """One request, its answer read within `limit` bytes and the deadline. Raises
    httpx's errors, `AnswerTooLarge` or `Overdue`."""
    built = _timed(client, request, max(0.001, min(request.timeout, clock.left())))
    # Every socket operation of this exchange, headers included, within the deadline.
    deadline = DEADLINE.set(clock.end)
    try:
        response = client.send(built, auth=request.auth, follow_redirects=False, stream=True)
        try:
            headers = _headers_of(response, limit)
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise AnswerTooLarge(limit)
                chunks.append(chunk)
                clock.check()
        finally:
            response.close()
        # The length of the body as read (decoded), as httpx would give it.
        headers["content-length"] = str(size)
        return Answer(response.status_code, headers, b"".join(chunks))
    except httpx.TimeoutException:
        if clock.left() <= 0:
            raise Overdue(clock.seconds) from None
        raise
    finally:
        DEADLINE.reset(deadline)


async def fetch_async(
    client: httpx.AsyncClient, request: Request, clock: Clock, limit: int
) -> Answer:
    """`fetch` without blocking the event loop: the deadline cancels the whole
    exchange (with the running library's own timeout: asyncio's or trio's)."""
    if _asyncio_running():
        return await _fetch_asyncio(client, request, clock, limit)
    trio: Any = sys.modules.get("trio")
    if trio is None:
        raise RuntimeError("async calls run on asyncio or trio: neither is running")
    return await _fetch_trio(trio, client, request, clock, limit)


def _asyncio_running() -> bool:
    """Whether this runs on asyncio (else on trio, the other library supported)."""
    asyncio: Any = sys.modules.get("asyncio")
    return asyncio is not None and asyncio._get_running_loop() is not None


class _Reading:
    """One async answer as it is read; `too_large` once it went past the limit (the
    caller then cancels the exchange: the next read ends httpx's nested generators
    from the inside, so none is left unclosed)."""

    __slots__ = ("answer", "too_large")

    def __init__(self) -> None:
        self.answer: Answer | None = None
        self.too_large = False

    async def read(
        self,
        client: httpx.AsyncClient,
        request: Request,
        limit: int,
        stop: Callable[[], object],
    ) -> None:
        built = _timed(client, request, request.timeout)
        response = await client.send(built, auth=request.auth, follow_redirects=False, stream=True)
        try:
            headers = _headers_of(response, limit)
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    self.too_large = True
                    stop()
                else:
                    chunks.append(chunk)
            if not self.too_large:
                headers["content-length"] = str(size)
                self.answer = Answer(response.status_code, headers, b"".join(chunks))
        finally:
            await response.aclose()


async def _fetch_asyncio(
    client: httpx.AsyncClient, request: Request, clock: Clock, limit: int
) -> Answer:
    import asyncio

    loop = asyncio.get_running_loop()
    reading = _Reading()
    try:
        async with asyncio.timeout_at(loop.time() + max(0.0, clock.left())) as scope:
            await reading.read(client, request, limit, lambda: scope.reschedule(loop.time()))
    except TimeoutError:
        if not reading.too_large:
            raise Overdue(clock.seconds) from None  # the scope's deadline, the call's
    if reading.answer is None:
        raise AnswerTooLarge(limit)
    return reading.answer


async def _fetch_trio(
    trio: Any, client: httpx.AsyncClient, request: Request, clock: Clock, limit: int
) -> Answer:
    reading = _Reading()
    with trio.CancelScope(deadline=trio.current_time() + max(0.0, clock.left())) as scope:
        await reading.read(client, request, limit, scope.cancel)
    if reading.answer is not None:
        return reading.answer
    if reading.too_large:
        raise AnswerTooLarge(limit)
    raise Overdue(clock.seconds)  # the scope's deadline, the call's, passed


def describe(exc: BaseException, timeout: float) -> str:
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
