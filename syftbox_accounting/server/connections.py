"""Connection limits: silent, slow or numerous clients cannot hold the service.

uvicorn times out only keep-alive connections that have answered a request: a socket
that sends nothing, half a request line or half a body stays open forever, and enough
of them exhaust the process. Its `limit_concurrency` would not help: it counts those
sockets too, and answers 503 to everyone once they fill it. So the HTTP protocol here
adds two rules:

- a request must arrive in full (headers and body) within `request_timeout` seconds
  of the connection being ready for it, or the connection is closed;
- at most `max_connections` connections are open; one more closes the connection that
  has waited longest for its client to send something (a request in progress on our
  side is never cut), so a crowd of idle sockets cannot keep others out.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from dataclasses import dataclass
from typing import Any, ClassVar

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

DEFAULT_MAX_CONNECTIONS = 500  # well under the usual 1024 open files a process may have
DEFAULT_REQUEST_TIMEOUT = 10.0
KEEP_ALIVE_TIMEOUT = 5.0  # uvicorn's default: an idle keep-alive connection is closed then
MAX_HEADER_BYTES = 16 * 1024  # h11's default, stated: our largest header is a 4 KiB token
# h11's states (its sentinels are classes) in which the client still owes us bytes. h11
# comes with uvicorn and is not our own dependency, so they are matched by name.
_WAITING_FOR_CLIENT = frozenset({"IDLE", "SEND_BODY"})
_WARN_EVERY = 60.0  # seconds: a flood of connections must not flood the log too

logger = logging.getLogger("syftbox_accounting.server")


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    """How many connections, and how long a client may take to send one request."""

    max_connections: int = DEFAULT_MAX_CONNECTIONS
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT

    def __post_init__(self) -> None:
        if self.max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        if not (math.isfinite(self.request_timeout) and self.request_timeout > 0):
            raise ValueError("request_timeout must be a positive number of seconds")

    def uvicorn_options(self) -> dict[str, Any]:
        """The `uvicorn.Config` / `uvicorn.run` keywords that enforce these limits."""
        protocol = type("GuardedH11Protocol", (_GuardedH11Protocol,), {"limits": self})
        return {
            "http": protocol,
            "timeout_keep_alive": min(KEEP_ALIVE_TIMEOUT, self.request_timeout),
            "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
        }


class _GuardedH11Protocol(H11Protocol):
    limits: ClassVar[ConnectionLimits]
    _warned_at: ClassVar[float] = -math.inf
    _deadline: asyncio.TimerHandle | None = None
    _last_seen: float = 0.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._last_seen = self.loop.time()
        self._start_waiting()
        if len(self.connections) > self.limits.max_connections:
            self._make_room()

    def data_received(self, data: bytes) -> None:
        self._last_seen = self.loop.time()
        super().data_received(data)
        self._stop_waiting_if_received()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._start_waiting()
            self._stop_waiting_if_received()  # a pipelined request may already be in

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to bytes that are not HTTP, as the contract's every error:
        a JSON body, with the headers of every answer (nosniff)."""
        body = json.dumps(
            {
                "message": "The request is not valid HTTP/1.1. Send a well-formed request.",
                "code": "bad_request",
            }
        ).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"connection", b"close"),
        ]
        for event in (
            h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
            h11.Data(data=body),
            h11.EndOfMessage(),
        ):
            self.transport.write(self.conn.send(event))
        self.transport.close()

    def _client_owes_bytes(self) -> bool:
        return getattr(self.conn.their_state, "__name__", "") in _WAITING_FOR_CLIENT

    def _waiting_for_client(self) -> bool:
        return self._client_owes_bytes() and not self.transport.is_closing()

    def _start_waiting(self) -> None:
        self._cancel_deadline()
        self._deadline = self.loop.call_later(self.limits.request_timeout, self._expire)

    def _stop_waiting_if_received(self) -> None:
        if not self._client_owes_bytes():
            self._cancel_deadline()

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        if self._waiting_for_client():
            # A handler reading the body sees the client gone (logged as a hang-up).
            self.transport.close()

    def _make_room(self) -> None:
        open_connections = [c for c in self.connections if not c.transport.is_closing()]
        if len(open_connections) <= self.limits.max_connections:
            return  # the others over the limit are already closing
        waiting = [
            c
            for c in open_connections
            if c is not self and isinstance(c, _GuardedH11Protocol) and c._waiting_for_client()
        ]
        if waiting:
            min(waiting, key=lambda c: c._last_seen).transport.close()
        else:
            self.transport.close()  # every other connection is being answered: no room
        now = self.loop.time()
        if now - type(self)._warned_at >= _WARN_EVERY:
            type(self)._warned_at = now
            logger.warning(
                "%d connections open, the limit (--max-connections): closing the ones "
                "that waited longest on their client",
                self.limits.max_connections,
            )
