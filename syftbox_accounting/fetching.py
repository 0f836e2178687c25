"""One attempt of a call: send the request, read its answer within the size limit and
the call's deadline, sync or async.

The answer is read as it streams (a body is never held beyond `max_response_bytes`,
counted after decompression) into an `Answer`: the status, the headers decoded once,
and the body. Nothing else is built on the way, so a call costs what httpx costs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from syftbox_accounting.limits import DEADLINE, AnswerTooLarge, Clock, Overdue, Stopped

if TYPE_CHECKING:
    from syftbox_accounting.deadline_watch import Watch

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
    # httpx (pinned to 0.28) keeps each header as (name, lower-case name, value):
    # its lower-case names spare a lower() each and the list `raw` builds.
    items: Any = getattr(raw, "_list", None)
    if items is None:
        items = [(key, key.lower(), value) for key, value in raw.raw]
    for _, key, value in items:
        name = key.decode(encoding)
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
    exchange (on asyncio by one timer per loop, see `deadline_watch`; on trio by a
    cancel scope)."""
    asyncio: Any = sys.modules.get("asyncio")
    loop = None if asyncio is None else asyncio._get_running_loop()  # None on trio
    # No task on a running loop: trio run as asyncio's guest, in the loop's callbacks.
    task = None if loop is None else asyncio.current_task(loop)
    if task is None:
        trio: Any = sys.modules.get("trio")
        if trio is None:
            raise RuntimeError("async calls run in an asyncio task or on trio: neither is running")
        return await _fetch_trio(trio, client, request, clock, limit)
    watch = _watch_for(loop)
    watched = watch.enter(task, max(0.0, clock.left()))
    try:
        answer = await _read(client, request, limit, watched)
    except asyncio.CancelledError:
        if watch.leave(watched):  # the watch cancelled it: the deadline, or the size
            raise AnswerTooLarge(limit) if watched.too_large else Overdue(clock.seconds) from None
        raise
    except BaseException:
        watch.leave(watched)
        raise
    watch.leave(watched)
    if answer is None:
        raise AnswerTooLarge(limit)
    return answer


def _first_watch(loop: Any) -> Watch:
    """Load `deadline_watch` (it imports asyncio) with the first asyncio call; later
    calls go to its `watch_for` at once (an import statement costs more per call)."""
    global _watch_for
    from syftbox_accounting.deadline_watch import watch_for

    _watch_for = watch_for
    return watch_for(loop)


_watch_for: Callable[[Any], Watch] = _first_watch


class _Stop(Protocol):
    """How an answer being read ends its exchange once it is too large."""

    too_large: bool

    def stop(self) -> None: ...


async def _read(
    client: httpx.AsyncClient, request: Request, limit: int, stop: _Stop
) -> Answer | None:
    """One async answer, read; None when it went past `limit`. Past it, `stop.stop()`
    asks for the exchange to be cancelled: the next read then ends httpx's nested
    generators from the inside, so none is left unclosed."""
    built = _timed(client, request, request.timeout)
    response = await client.send(built, auth=request.auth, follow_redirects=False, stream=True)
    try:
        headers = _headers_of(response, limit)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size <= limit:
                chunks.append(chunk)
            elif not stop.too_large:
                stop.too_large = True
                stop.stop()
    finally:
        await response.aclose()
    if stop.too_large:
        return None
    headers["content-length"] = str(size)
    return Answer(response.status_code, headers, b"".join(chunks))


class _TrioStop:
    __slots__ = ("stop", "too_large")

    def __init__(self, scope: Any) -> None:
        self.stop = scope.cancel
        self.too_large = False


async def _fetch_trio(
    trio: Any, client: httpx.AsyncClient, request: Request, clock: Clock, limit: int
) -> Answer:
    with trio.CancelScope(deadline=trio.current_time() + max(0.0, clock.left())) as scope:
        stop = _TrioStop(scope)
        answer = await _read(client, request, limit, stop)
        if answer is not None:
            return answer
    if stop.too_large:
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
