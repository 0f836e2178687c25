"""The HTTP layer: the reference service as an ASGI app (`create_app`).

Its rooms: `endpoints` (a handler per operation, and `ENDPOINTS`, the route table),
`runner` (where each request's work runs: loop, thread, hashing turn), `routing` (the
app and its router, a fixed path found in one lookup; JSON errors for everything,
routing errors included) and `request_log` (the headers of every answer, the
Idempotency-Key echo among them, and a log line per request).

Every request pays for each layer it crosses: the stack is Starlette's 500 for
what escapes, `RequestLog`, the router, the handler (`routing.ServiceApp`).
"""

from __future__ import annotations

import os
import time
from decimal import Decimal

from starlette.applications import Starlette
from starlette.middleware import Middleware

from syftbox_accounting.server import docs
from syftbox_accounting.server.auth import check_admin_key
from syftbox_accounting.server.clock import Clock
from syftbox_accounting.server.endpoints import ENDPOINTS, Endpoint
from syftbox_accounting.server.hashing import DEFAULT_MAX_WAIT, HashingQueue
from syftbox_accounting.server.history import Cursors
from syftbox_accounting.server.idempotency_records import RecordLimits
from syftbox_accounting.server.money import from_decimal
from syftbox_accounting.server.passwords import MAX_CONCURRENT_HASHES, TEST_ONLY_SCRYPT_N
from syftbox_accounting.server.request_log import FEATURES, RequestLog
from syftbox_accounting.server.routing import ServiceApp, ServiceRouter, routes
from syftbox_accounting.server.service import AccountingService
from syftbox_accounting.server.store import (
    DEFAULT_MAX_PENDING,
    DEFAULT_MAX_PENDING_PER_RECIPIENT,
    Store,
)
from syftbox_accounting.server.tokens import TokenIssuer

__all__ = ["ENDPOINTS", "FEATURES", "Endpoint", "create_app"]


def create_app(
    *,
    database: str | os.PathLike[str] = ":memory:",
    admin_key: str | None = None,
    initial_credit: Decimal = Decimal("100"),
    token_lifetime: float = 86400.0,
    token_secret: bytes | None = None,
    max_pending: int = DEFAULT_MAX_PENDING,
    max_pending_per_recipient: int = DEFAULT_MAX_PENDING_PER_RECIPIENT,
    max_login_wait: float = DEFAULT_MAX_WAIT,
    idempotency_limits: RecordLimits | None = None,
    fast_password_hash: bool = False,
    run_inline: bool = False,
    clock: Clock = time.time,
    api_key_secret: bytes | None = None,
) -> Starlette:
    """The reference accounting service as an ASGI app.

    Args:
        database: SQLite file path, or ":memory:" (the default) for a throwaway service.
            A new file is created 0600; one that other users can reach is refused
            (`files.SecretFileError`, a ValueError).
        admin_key: Bearer key of the admin endpoints (printable text, any script); None
            closes them (403).
        initial_credit: US dollars every new account starts with.
        token_lifetime: Seconds a transaction token stays valid (24 hours by default).
        token_secret: HS256 key of the tokens (32+ bytes); None keeps a random one in the
            database, so that tokens outlive a restart on a database file.
        max_pending: How many pending transactions one sender may have open at once.
        max_pending_per_recipient: How many of them towards one recipient.
        max_login_wait: Seconds a request may wait for password hashing; one whose wait
            would be longer is answered 503 with Retry-After at once.
        idempotency_limits: How long idempotency records live and how many there may be
            (`RecordLimits`; the defaults when None).
        fast_password_hash: TESTS ONLY: hash passwords with a trivial scrypt cost, so
            that registering takes microseconds. Such hashes are worthless if the
            database leaks; `syftbox-accounting serve` has no way to set this.
        run_inline: TESTS ONLY: run blocking work (password hashing, SQLite on a file,
            large answers) inline, never in a worker thread. A request then completes
            without waiting on an event loop, so it can be driven with no thread and no
            loop (`syftbox_accounting.testing`'s in-process transports). Served by
            uvicorn, hashing would then stall every other request.
        clock: Seconds since the epoch, read for every time the service writes or
            checks (timestamps, token and hold expiry, idempotency records). Tests pass
            a `ManualClock` and move it to make holds lapse.
        api_key_secret: the HMAC key under which API keys are stored (32+ bytes); None
            keeps a random one in the database, as for `token_secret`.

    The service is `app.state.service` (an `AccountingService`): call its `reset()` to
    wipe all data and its `close()` when done.
    """
    for name, count in (
        ("max_pending", max_pending),
        ("max_pending_per_recipient", max_pending_per_recipient),
    ):
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError(f"{name} must be a whole number of at least 1, not {count!r}")
    hashing = HashingQueue(MAX_CONCURRENT_HASHES, max_wait=max_login_wait)
    if admin_key is not None:
        try:
            check_admin_key(admin_key)
        except ValueError as error:
            raise ValueError(f"admin_key: {error}") from None
    try:
        # Through str, so that a float such as 0.1 means 0.1, not its binary neighbour.
        initial = from_decimal(Decimal(str(initial_credit)))
    except ValueError as error:
        raise ValueError(f"initial_credit {error}") from None
    store = Store(database, clock)
    try:
        secret = token_secret if token_secret is not None else store.secret("token_secret")
        service = AccountingService(
            store,
            TokenIssuer(secret, token_lifetime, clock),
            admin_key=admin_key,
            initial_credit=initial,
            cursors=Cursors(secret),
            max_pending=max_pending,
            max_pending_per_recipient=max_pending_per_recipient,
            password_cost=TEST_ONLY_SCRYPT_N if fast_password_hash is True else None,
            clock=clock,
            api_key_secret=api_key_secret,
            record_secret=secret,
            record_limits=idempotency_limits,
        )
    except BaseException:
        store.close()
        raise
    app = ServiceApp(middleware=[Middleware(RequestLog)])
    # docs: /openapi.yaml and /docs
    app.router = ServiceRouter([*routes(service, hashing, run_inline is True), *docs.routes()])
    app.state.service = service
    app.state.idempotency = service.keys
    app.state.hashing = hashing
    return app
