"""The call's deadline inside the sync client's socket operations.

httpx bounds each socket read by the timeout, never a whole exchange: a server that
sends its status line and headers one byte at a time keeps a sync call waiting for
ever (the async driver cancels the whole exchange instead). So the sync client's
connection pool gets a network backend whose every connect, read and write is bounded
by what is left of the call's deadline, which `fetching.fetch` sets for its thread.
"""

from __future__ import annotations

import time
from typing import Any

import httpcore
import httpx

from syftbox_accounting.limits import DEADLINE
from syftbox_accounting.pool_backends import wrap_pool_backends


def _left(timeout: float | None, overdue: type[Exception]) -> float | None:
    """`timeout`, cut to what is left of this thread's call deadline (`overdue` once
    nothing is)."""
    end = DEADLINE.get()
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
    return wrap_pool_backends(client, httpcore.NetworkBackend, _DeadlineBackend)
