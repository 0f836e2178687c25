"""Headers every answer carries, and one log line per request."""

from __future__ import annotations

import logging
import secrets
import time

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from syftbox_accounting.server.idempotency import KEY_HEADER, echoed_key

logger = logging.getLogger("syftbox_accounting.server")


# What the service supports beyond the public protocol (the contract's "Features"),
# announced on every answer so that a client learns it from whichever call comes first.
FEATURES = "holds, capture, refunds, exact-money, api-keys"
_FEATURES_HEADER = (b"accounting-features", FEATURES.encode())
_NOSNIFF = (b"x-content-type-options", b"nosniff")
_KEY_NAME = KEY_HEADER.lower().encode()


class RequestLog:
    """Gives every answer an ``X-Request-Id``, the ``Accounting-Features`` header,
    ``X-Content-Type-Options: nosniff`` (no browser may read a JSON error as a script or
    a page) and, to a request with a valid ``Idempotency-Key``, that key back
    (`idempotency.echoed_key`); logs one line per request: method, path, status,
    duration, request id. Never a header or body. One layer for all of it: each layer
    costs every request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        request_id = "req_" + secrets.token_hex(8)
        key = echoed_key(scope["headers"])

        async def send_logged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", ()))
                if key is not None:
                    headers = [h for h in headers if h[0] != _KEY_NAME]
                    headers.append((_KEY_NAME, key))
                headers += (
                    (b"x-request-id", request_id.encode()),
                    _FEATURES_HEADER,
                    _NOSNIFF,
                )
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_logged)
        finally:
            if logger.isEnabledFor(logging.INFO):
                logger.info(
                    "%s %s %d %.1fms %s",
                    scope["method"],
                    escape(scope["path"]),
                    status,
                    (time.perf_counter() - start) * 1000,
                    request_id,
                )


def printable(request: Request) -> str:
    """The request's path, fit for a log line or a message."""
    return escape(request.url.path)


def escape(text: str) -> str:
    # Paths come from clients: escape control characters so they cannot forge log lines.
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)
