"""A small, real, misbehaving HTTP server on loopback, for faults that a mocked
transport cannot produce: a connection reset mid-response, a read timeout, an answer
dripped one byte at a time (its body, or its status line and headers), an oversize
answer and a gzip bomb."""

from __future__ import annotations

import contextlib
import gzip
import socket
import struct
import threading
from collections.abc import Iterator
from types import TracebackType
from typing import Literal, Self

Fault = Literal["reset", "hang", "drip", "drip-headers", "huge", "bomb"]

# Sizes for the clients of these faults: an answer over OVERSIZE bytes is too large
# for a client whose max_response_bytes is LIMIT.
LIMIT = 64 * 1024
OVERSIZE = 4 * LIMIT
_BOMB = gzip.compress(b" " * 64 * LIMIT)  # 4 MiB of spaces in a few KiB
# What `seen` sends to learn that every earlier request has been read.
_PROBE = b"GET /probe HTTP/1.1\r\nHost: faulty-server\r\n\r\n"
# A generous ceiling for what the server waits on (a client that hangs up, a probe):
# reached only when something is broken, never on a slow machine.
_PATIENCE = 60.0


def read_message(conn: socket.socket) -> bytes | None:
    """One HTTP request (head and Content-Length body), as read; None on EOF."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        body += chunk
    return head + b"\r\n\r\n" + body


class FaultyServer:
    """Accepts connections on 127.0.0.1 and, for every request it reads:
    - ``reset``: starts a 200 answer, then resets the connection (RST) mid-body;
    - ``hang``: never answers, so the client's read timeout fires;
    - ``drip``: sends a 200's headers, then one byte of body every 20 ms, forever;
    - ``drip-headers``: sends a 200's status line and then headers one byte every 20 ms,
      forever (the header section never ends, and no read ever waits long);
    - ``huge``: a 200 whose chunked body runs past `OVERSIZE` bytes;
    - ``bomb``: a 200 with a small gzip body that inflates past `OVERSIZE` bytes.
    `requests` counts the requests that reached it."""

    def __init__(self, fault: Fault) -> None:
        self.fault = fault
        self.requests = 0
        self._lock = threading.Condition()
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._threads: list[threading.Thread] = []
        # Connections accepted, and those whose request has been read (or found
        # missing), by their accept order: see `seen`. `_open`: for `__exit__`.
        self._accepted = 0
        self._read: set[int] = set()
        self._probe: int | None = None
        self._open: set[socket.socket] = set()
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:  # closed by __exit__
                return
            with self._lock:
                index = self._accepted
                self._accepted += 1
                self._open.add(conn)
            thread = threading.Thread(target=self._handle, args=(conn, index), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _handle(self, conn: socket.socket, index: int) -> None:
        with conn:
            if not self._read_request(conn, index):
                return
            if self.fault == "reset":
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b'Content-Length: 200\r\n\r\n{"user": {"id": "u1", "em'
                )
                # Linger 0: close() sends RST instead of FIN.
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            elif self.fault == "drip":
                self._drip(conn)
            elif self.fault == "drip-headers":
                self._drip_headers(conn)
            elif self.fault == "huge":
                self._send_quietly(
                    conn,
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n"
                    + (b"10000\r\n" + b" " * 0x10000 + b"\r\n") * (OVERSIZE // 0x10000 + 1)
                    + b"0\r\n\r\n",
                )
            elif self.fault == "bomb":
                self._send_quietly(
                    conn,
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Encoding: gzip\r\n"
                    + f"Content-Length: {len(_BOMB)}\r\n\r\n".encode()
                    + _BOMB,
                )
            else:
                self._hang(conn)

    def _read_request(self, conn: socket.socket, index: int) -> bool:
        """Read the request of connection `index`; whether it is a client's."""
        conn.settimeout(_PATIENCE)
        message = None
        with contextlib.suppress(OSError):
            message = read_message(conn)
        mine = message is not None and message != _PROBE
        with self._lock:
            self._read.add(index)
            self.requests += mine
            if message == _PROBE:
                self._probe = index
            self._lock.notify_all()
        return mine

    @staticmethod
    def _send_quietly(conn: socket.socket, data: bytes) -> None:
        with contextlib.suppress(OSError):  # the client stopped reading: the point
            conn.sendall(data)

    def _drip(self, conn: socket.socket) -> None:
        try:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
            conn.sendall(b"Content-Length: 100000\r\n\r\n")
            while not self._stop.wait(0.02):
                conn.sendall(b" ")
        except OSError:
            pass

    def _drip_headers(self, conn: socket.socket) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        try:
            for byte in head:
                if self._stop.wait(0.02):
                    return
                conn.sendall(bytes([byte]))
            # Then header lines, one byte at a time, that never end the section.
            n = 0
            while not self._stop.wait(0.02):
                n += 1
                conn.sendall(b"X" if n % 64 else b": x\r\n")
        except OSError:
            pass

    def _hang(self, conn: socket.socket) -> None:
        """Answer nothing until the client hangs up (or the server stops): however
        slow the machine, no answer arrives before the client's timeout."""
        with contextlib.suppress(OSError):
            while not self._stop.is_set() and conn.recv(65536):
                pass

    def seen(self) -> int:
        """The number of requests that reached the server from every connection made
        before this call. Event-driven, not timed: a probe connection queues behind
        them (connections are accepted in order), so once the probe is read, so is
        every request before it, however busy the machine."""
        with socket.create_connection(self._listener.getsockname()[:2]) as probe:
            probe.sendall(_PROBE)
            with self._lock:
                done = self._lock.wait_for(
                    lambda: (
                        self._probe is not None and self._read.issuperset(range(self._probe + 1))
                    ),
                    timeout=_PATIENCE,
                )
                assert done, "the faulty server did not read its requests"
                self._probe = None
                return self.requests

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
        # Shutting the sockets down wakes the blocked accept() and recv() at once.
        with self._lock:
            still_open = [self._listener, *(c for c in self._open if c.fileno() != -1)]
        for sock in still_open:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        for thread in self._threads:
            thread.join(_PATIENCE)


@contextlib.contextmanager
def refused_url() -> Iterator[str]:
    """A loopback URL where connecting is refused: its port stays bound and is never
    listened on, so no other program on the machine can take it meanwhile."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{s.getsockname()[1]}"
