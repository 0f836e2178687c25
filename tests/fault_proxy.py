"""A real HTTP proxy on loopback that injects faults in front of a real service.

Each request is forwarded to the upstream service (one connection per request) and
its answer relayed, except for the one request armed with a fault:
- ``drop``: the service processes it, then the proxy resets the connection (RST)
  before any byte of the answer;
- ``hold``: the service processes it, and the proxy holds the answer until the
  client gives up and hangs up (`time_out_when_held` gives that one request a short
  read timeout: a slow machine cannot make the answer arrive in time);
- ``503``: the service processes it, and the proxy answers 503 instead (as a
  gateway would, without the service's headers).
With ``echo=False`` the proxy removes `Idempotency-Key` from every answer: the
service then looks like one that does not honour keys (the public one).
"""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import struct
import threading
from collections.abc import Iterator
from types import TracebackType
from typing import Literal, Self
from urllib.parse import urlsplit

import anyio
import httpx
import pytest

from tests.facade.faulty_server import read_message

Fault = Literal["drop", "hold", "503"]
FAULTS: tuple[Fault, ...] = ("drop", "hold", "503")
_503 = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
    b"Connection: close\r\nContent-Length: 64\r\n\r\n"
    + b'{"message":"The gateway is overloaded.","code":"unavailable"}'.ljust(64)
)
# How long a client waits for a held answer before it gives up: short, since the
# proxy never sends it. Every other request keeps the client's own, generous timeout.
HELD_READ_TIMEOUT = 0.2
# A ceiling for what the proxy waits on; reached only when something is broken.
_PATIENCE = 60.0


@dataclasses.dataclass(frozen=True)
class Answer:
    """An answer of the upstream service, as the proxy received it."""

    method: str
    path: str
    status: int
    headers: dict[str, str]
    body: bytes


def _parse_answer(raw: bytes) -> tuple[int, dict[str, str], bytes, list[bytes]]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().decode().lower()] = value.strip().decode("latin-1")
    return status, headers, body, lines


class FaultProxy:
    """The proxy; `arm(fault, method, path)` faults the next matching request.
    `forwarded` counts the requests that reached the service, by (method, path);
    `answers` keeps the service's answers in order."""

    def __init__(self, upstream: str, *, echo: bool = True) -> None:
        parts = urlsplit(upstream)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.echo = echo
        self.forwarded: dict[tuple[str, str], int] = {}
        self.answers: list[Answer] = []
        self._armed: tuple[Fault, str, str] | None = None
        self._held = threading.Event()  # set once the armed "hold" holds its answer
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._threads: list[threading.Thread] = []
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def arm(self, fault: Fault, method: str, path: str) -> None:
        with self._lock:
            self._armed = (fault, method.upper(), path)
            self._held.clear()

    def wait_until_held(self) -> None:
        """Wait until the service has answered the request armed with "hold" (and the
        proxy has counted it and holds the answer)."""
        assert self._held.wait(_PATIENCE), "the held request never reached the service"

    @property
    def armed(self) -> bool:
        return self._armed is not None

    def holds(self, request: httpx.Request) -> bool:
        """Whether the proxy will hold the answer to `request` (armed with "hold")."""
        with self._lock:
            return (
                self._armed is not None
                and self._armed == ("hold", request.method, request.url.path)
                and self.url == f"{request.url.scheme}://{request.url.host}:{request.url.port}"
            )

    def answers_to(self, method: str, path: str) -> list[Answer]:
        with self._lock:
            return [a for a in self.answers if (a.method, a.path) == (method, path)]

    def count(self, method: str, path: str) -> int:
        with self._lock:
            return self.forwarded.get((method, path), 0)

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:  # shut down by __exit__
                return
            thread = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(_PATIENCE)
            request = read_message(conn)
            if request is None:
                return
            head, _, body = request.partition(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            method, target = lines[0].split()[:2]
            key = (method.decode(), urlsplit(target.decode()).path)
            # One request per upstream connection: the answer ends when it closes.
            kept = [line for line in lines[1:] if not line.lower().startswith(b"connection:")]
            forward = b"\r\n".join([lines[0], *kept, b"Connection: close"]) + b"\r\n\r\n" + body
            raw = self._forward(forward)
            status, headers, answer_body, answer_lines = _parse_answer(raw)
            with self._lock:
                self.forwarded[key] = self.forwarded.get(key, 0) + 1
                self.answers.append(Answer(*key, status, headers, answer_body))
                fault = None
                if self._armed is not None and self._armed[1:] == key:
                    fault, self._armed = self._armed[0], None
            if fault == "drop":
                # Linger 0: close() sends RST instead of FIN.
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            if fault == "hold":
                self._held.set()
                # Until the client gives up and hangs up, or the proxy stops.
                with contextlib.suppress(OSError):
                    while not self._stop.is_set() and conn.recv(65536):
                        pass
                return
            if fault == "503":
                conn.sendall(_503)
                return
            if not self.echo:
                answer_lines = [
                    line
                    for line in answer_lines
                    if not line.lower().startswith(b"idempotency-key:")
                ]
            conn.sendall(b"\r\n".join(answer_lines) + b"\r\n\r\n" + answer_body)

    def _forward(self, request: bytes) -> bytes:
        with socket.create_connection(self._upstream, timeout=_PATIENCE) as upstream:
            upstream.sendall(request)
            chunks = []
            while chunk := upstream.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)

    def __enter__(self) -> Self:
        thread = threading.Thread(target=self._serve, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self._listener.close()
        for thread in self._threads:
            thread.join(_PATIENCE)


@contextlib.contextmanager
def time_out_when_held(proxy: FaultProxy, read: float = HELD_READ_TIMEOUT) -> Iterator[None]:
    """Give the request that `proxy` will hold a read timeout of `read` seconds, and
    leave every other request its client's own timeout (httpx reads the timeout of
    each request from its extensions, which this sets just before sending). The
    timeout reaches the library only once the service has answered and the proxy holds
    that answer: however slow the machine, the call was applied when the client gives
    up, as a held answer means."""

    def shorten(request: httpx.Request) -> None:
        request.extensions = {
            **request.extensions,
            "timeout": {**request.extensions.get("timeout", {}), "read": read},
        }

    sync_send = httpx.HTTPTransport.handle_request
    async_send = httpx.AsyncHTTPTransport.handle_async_request

    def handle(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        if not proxy.holds(request):
            return sync_send(self, request)
        shorten(request)
        try:
            return sync_send(self, request)
        except httpx.TimeoutException:
            proxy.wait_until_held()
            raise

    async def handle_async(
        self: httpx.AsyncHTTPTransport, request: httpx.Request
    ) -> httpx.Response:
        if not proxy.holds(request):
            return await async_send(self, request)
        shorten(request)
        try:
            return await async_send(self, request)
        except httpx.TimeoutException:
            await anyio.to_thread.run_sync(proxy.wait_until_held)
            raise

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(httpx.HTTPTransport, "handle_request", handle)
        patch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", handle_async)
        yield
