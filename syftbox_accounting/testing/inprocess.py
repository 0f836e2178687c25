"""httpx transports that hand each request to an ASGI app in the calling thread: no
socket, no thread, and for the sync one no event loop.

`httpx.ASGITransport` is async only. `ServiceTransport` is its sync counterpart: it
drives the app's coroutine by hand (`run_inline`), which works for an app that never
waits on an event loop, such as the reference service made with
``create_app(run_inline=True)``. It also works inside a running event loop (a sync
call in an async test): nothing is scheduled on that loop. `AsyncServiceTransport`
awaits the app on the caller's loop (asyncio or trio).

>>> app = create_app(run_inline=True, fast_password_hash=True)
>>> http = httpx.Client(transport=ServiceTransport(app), base_url="http://service.localhost")
>>> http.post("/user/create", json={"email": "a@example.com"}).status_code
201

Both honour the request's read timeout the way a socket would for a fault that delays
the answer (`faults.py`): past it, `httpx.ReadTimeout`. A dropped connection is
`httpx.RemoteProtocolError`, a reset one `httpx.ReadError`, as over a real socket.
"""

from __future__ import annotations

import time
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from syftbox_accounting.testing.connection import CONNECTION

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message

T = TypeVar("T")
# What the app sees as the client's address (the transport has no socket).
CLIENT = ("127.0.0.1", 1)


class NeedsEventLoop(RuntimeError):
    """The app waited on something only an event loop can give."""


def run_inline(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` to its end in this thread, without an event loop.

    It may pass through checkpoints (a bare ``await asyncio.sleep(0)``), but not
    wait on a future, a lock or a thread.

    Raises:
        NeedsEventLoop: it waited on something; it is closed first.
    """
    try:
        while True:
            waited = coroutine.send(None)
            if waited is not None:
                coroutine.close()
                raise NeedsEventLoop(
                    f"The app waited on {type(waited).__name__}, which needs an event loop: "
                    "the in-process service must be made with create_app(run_inline=True), "
                    "and its middleware must not wait on threads or timers."
                )
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


class _Direct:
    """The `Connection` of an in-process request: what a fault did to it."""

    def __init__(self, request: httpx.Request, *, blocking: bool) -> None:
        self.request = request
        self.blocking = blocking
        self.dropped: str | None = None  # "close" or "reset"
        self.timed_out = False

    async def sleep(self, seconds: float) -> None:
        timeouts = self.request.extensions.get("timeout") or {}
        read = timeouts.get("read")
        wait = seconds if read is None else min(seconds, read)
        if self.blocking:
            time.sleep(wait)
        else:
            import anyio

            await anyio.sleep(wait)
        if read is not None and seconds >= read:
            self.timed_out = True  # the client would have stopped waiting by now

    async def drop(self, *, reset: bool) -> None:
        self.dropped = "reset" if reset else "close"

    def response(
        self, status: int, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> httpx.Response:
        """The answer the client gets, or the error it would get from a socket."""
        if self.dropped == "reset":
            raise httpx.ReadError("[Errno 104] Connection reset by peer", request=self.request)
        if self.dropped == "close":
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=self.request
            )
        if self.timed_out:
            raise httpx.ReadTimeout("timed out", request=self.request)
        return httpx.Response(status, headers=headers, content=body, request=self.request)


async def _exchange(
    app: ASGIApp, request: httpx.Request, body: bytes, connection: _Direct
) -> httpx.Response:
    """One request through `app`; the answer as `connection` lets the client see it."""
    url = request.url
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": url.scheme,
        "path": url.path,
        "raw_path": url.raw_path.split(b"?")[0],
        "query_string": url.query,
        "root_path": "",
        "headers": [(name.lower(), value) for name, value in request.headers.raw],
        "server": (url.host, url.port or (443 if url.scheme == "https" else 80)),
        "client": CLIENT,
        "extensions": {CONNECTION: connection},
    }
    received = False
    status: int | None = None
    headers: list[tuple[bytes, bytes]] = []
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal received
        if received:
            # The whole body was given: the client waits for its answer, and is gone
            # once the app has answered or dropped it.
            return {"type": "http.disconnect"}
        received = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status, headers
        if connection.dropped is not None:
            return  # nobody listens on a dropped connection
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body" and request.method != "HEAD":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    if status is None and connection.dropped is None:
        raise RuntimeError(f"The app returned no answer to {request.method} {url.path}.")
    return connection.response(status or 0, headers, b"".join(chunks))


class ServiceTransport(httpx.BaseTransport):
    """A sync httpx transport to `app`, in this thread, with no socket and no event
    loop. `app` must never wait on one (see `run_inline`).

    >>> httpx.Client(transport=ServiceTransport(app), base_url="http://service.localhost")
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        return run_inline(_exchange(self.app, request, body, _Direct(request, blocking=True)))


class AsyncServiceTransport(httpx.AsyncBaseTransport):
    """An async httpx transport to `app`, on the caller's event loop (asyncio or trio),
    with no socket and no thread.

    >>> httpx.AsyncClient(transport=AsyncServiceTransport(app), base_url="http://service.localhost")
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        return await _exchange(self.app, request, body, _Direct(request, blocking=False))
