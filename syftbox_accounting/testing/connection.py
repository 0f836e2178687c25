"""What a fault may do to the connection that carries a request: wait, or drop it.

Whoever runs the app puts a `Connection` in the ASGI scope's extensions, under
`CONNECTION`: the in-process transports (`inprocess.py`) and, over loopback,
`over_loopback`, which reaches the socket uvicorn is answering on. The fault injector
(`faults.py`) asks it to sleep before an answer, or to close the connection (FIN) or
reset it (RST) in place of one.
"""

from __future__ import annotations

import socket
import struct
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

CONNECTION = "syftbox_accounting.connection"


class Connection(Protocol):
    """The connection a request came on, as a fault sees it."""

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` before answering (a client may give up meanwhile)."""

    async def drop(self, *, reset: bool) -> None:
        """Close the connection without an answer: a FIN, or a RST when `reset`.
        Returns once the client is gone; the app must then send nothing."""


def connection_of(scope: Scope) -> Connection:
    """The scope's `Connection`; one that cannot drop when the server gave none."""
    found: Connection | None = (scope.get("extensions") or {}).get(CONNECTION)
    return found if found is not None else _Unknown()


class _Unknown:
    """An ASGI server we do not know: it can wait, not drop."""

    async def sleep(self, seconds: float) -> None:
        import anyio

        await anyio.sleep(seconds)

    async def drop(self, *, reset: bool) -> None:
        raise RuntimeError(
            "This server gives the fault injector no way to drop a connection: serve the "
            "app with syftbox_accounting.testing (its in-process transports or over_loopback)."
        )


class _Socket:
    """A connection uvicorn answers on: its asyncio transport."""

    def __init__(self, transport: Any, receive: Receive) -> None:
        self._transport = transport
        self._receive = receive

    async def sleep(self, seconds: float) -> None:
        import anyio

        # Also over once the client has left (its timeout): nobody waits for the answer,
        # and a long delay must not hold the server's shutdown.
        async with anyio.create_task_group() as waiting:

            async def until_gone() -> None:
                await self._gone()
                waiting.cancel_scope.cancel()

            waiting.start_soon(until_gone)
            await anyio.sleep(seconds)
            waiting.cancel_scope.cancel()

    async def _gone(self) -> None:
        # uvicorn tells its app that the client left once the connection is closed.
        while (await self._receive())["type"] != "http.disconnect":
            pass

    async def drop(self, *, reset: bool) -> None:
        if reset:
            # Linger 0: closing sends RST instead of FIN.
            sock = self._transport.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self._transport.abort()
        else:
            self._transport.close()
        # From then on uvicorn sends nothing for this request (no 500 for a missing answer).
        await self._gone()


def over_loopback(app: ASGIApp) -> ASGIApp:
    """`app`, served by uvicorn, with a `Connection` that reaches the real socket."""

    async def serve(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            # uvicorn's `send` is a method of the request's cycle, which holds the
            # connection's asyncio transport; nothing in the scope does.
            transport = getattr(getattr(send, "__self__", None), "transport", None)
            if transport is not None:
                extensions = scope.get("extensions") or {}
                connection = _Socket(transport, receive)
                scope = {**scope, "extensions": {**extensions, CONNECTION: connection}}
        await app(scope, receive, send)

    return serve
