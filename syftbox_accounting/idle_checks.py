"""A cheaper check of kept-alive connections for the async clients made here.

Each time httpcore's pool places a request, it asks every idle connection whether its
socket became readable (the service closed it). On asyncio, httpcore's stream asks
anyio for the socket, and anyio builds every attribute of it to answer, a
`getpeername()` system call among them: about 6 us a check against 0.9 us for the poll
itself, and with 100 calls in flight the pool makes dozens of checks per call. Here
each connection's stream finds its socket once and polls it as httpcore does. Trio's
streams find their socket cheaply and are left as they are.
"""

from __future__ import annotations

import sys
from typing import Any

import httpcore
import httpx
from httpcore._utils import is_socket_readable

from syftbox_accounting.pool_backends import wrap_pool_backends


class SocketFoundOnce(httpcore.AsyncNetworkStream):
    """httpcore's `stream`, its ``is_readable`` answered from its socket found once.
    Reads, writes and closing go to the stream itself (its own bound methods, set on
    this object: no extra await per read)."""

    def __init__(self, stream: httpcore.AsyncNetworkStream, sock: Any) -> None:
        self.stream = stream
        self._socket = sock
        self.read = stream.read  # type: ignore[method-assign]
        self.write = stream.write  # type: ignore[method-assign]
        self.aclose = stream.aclose  # type: ignore[method-assign]

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return is_socket_readable(self._socket)
        return self.stream.get_extra_info(info)

    async def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        return _found_once(await self.stream.start_tls(ssl_context, server_hostname, timeout))


def _found_once(stream: httpcore.AsyncNetworkStream) -> httpcore.AsyncNetworkStream:
    sock = stream.get_extra_info("socket")
    return stream if sock is None else SocketFoundOnce(stream, sock)


def _on_asyncio() -> bool:
    """In an asyncio task (not trio, nor trio run as asyncio's guest, outside tasks)."""
    asyncio: Any = sys.modules.get("asyncio")
    loop = None if asyncio is None else asyncio._get_running_loop()
    return loop is not None and asyncio.current_task(loop) is not None


class _IdleChecks(httpcore.AsyncNetworkBackend):
    def __init__(self, backend: httpcore.AsyncNetworkBackend) -> None:
        self._backend = backend

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._backend.connect_tcp(host, port, timeout, local_address, socket_options)
        return _found_once(stream) if _on_asyncio() else stream

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._backend.connect_unix_socket(path, timeout, socket_options)
        return _found_once(stream) if _on_asyncio() else stream

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


def check_idle_cheaply(client: httpx.AsyncClient) -> bool:
    """Make `client`'s connection pools (its transport's and its proxies') check idle
    connections with each socket found once. False when a pool is not httpx's own."""
    return wrap_pool_backends(client, httpcore.AsyncNetworkBackend, _IdleChecks)
