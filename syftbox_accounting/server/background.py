"""Run the reference service in a background thread, for tests, demos and notebooks."""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from decimal import Decimal
from types import TracebackType
from typing import Self

import uvicorn
from starlette.applications import Starlette
from starlette.types import ASGIApp

from syftbox_accounting.server.app import create_app
from syftbox_accounting.server.clock import Clock
from syftbox_accounting.server.connections import (
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_REQUEST_TIMEOUT,
    ConnectionLimits,
)
from syftbox_accounting.server.hashing import DEFAULT_MAX_WAIT
from syftbox_accounting.server.idempotency_records import RecordLimits
from syftbox_accounting.server.service import AccountingService
from syftbox_accounting.server.store import DEFAULT_MAX_PENDING, DEFAULT_MAX_PENDING_PER_RECIPIENT

_START_TIMEOUT = 10.0
_STOP_TIMEOUT = 10.0


class BackgroundService:
    """The reference accounting service on a free loopback port, in a background thread.

    >>> with BackgroundService() as service:
    ...     url, admin_key = service.url, service.admin_key

    Takes the options of `create_app` and the connection limits of `run`, except that
    a missing `admin_key` is generated, so the admin endpoints are always reachable
    with `.admin_key`. Each `with` block starts a fresh service (on a fresh in-memory
    database unless `database` names a file), and `reset()` wipes its data between
    tests without a restart. `fast_password_hash=True` (tests only, as the pytest
    plugin uses it) makes registering cheap with hashes worthless outside a test.
    `clock=ManualClock()` lets a test move the service's time (holds lapse, tokens
    expire) instead of waiting.

    `app` serves an ASGI app made elsewhere (a `create_app` app wrapped in test
    middleware, as the pytest plugin does) instead of a new one: the options of
    `create_app` are then unused, `service` is unavailable, and stopping leaves the
    app open for its owner to close.
    """

    def __init__(
        self,
        *,
        database: str | os.PathLike[str] = ":memory:",
        admin_key: str | None = None,
        initial_credit: Decimal = Decimal("100"),
        token_lifetime: float = 86400.0,
        token_secret: bytes | None = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        fast_password_hash: bool = False,
        app: ASGIApp | None = None,
        clock: Clock = time.time,
        max_pending: int = DEFAULT_MAX_PENDING,
        max_pending_per_recipient: int = DEFAULT_MAX_PENDING_PER_RECIPIENT,
        max_login_wait: float = DEFAULT_MAX_WAIT,
        idempotency_limits: RecordLimits | None = None,
    ) -> None:
        self.clock = clock
        self.limits = ConnectionLimits(max_connections, request_timeout)
        self.max_pending = max_pending
        self.max_pending_per_recipient = max_pending_per_recipient
        self.max_login_wait = max_login_wait
        self.idempotency_limits = idempotency_limits
        self.admin_key = admin_key if admin_key is not None else secrets.token_urlsafe(32)
        self.database = database
        self.initial_credit = initial_credit
        self.token_lifetime = token_lifetime
        self._token_secret = token_secret
        self.fast_password_hash = fast_password_hash
        self._app: Starlette | None = None
        self._given_app = app
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._url: str | None = None

    def __repr__(self) -> str:
        state = self._url or "stopped"
        return f"BackgroundService({state})"  # never the admin key

    @property
    def url(self) -> str:
        """The base URL, such as `http://127.0.0.1:54321`."""
        if self._url is None:
            raise RuntimeError("The service is not running: use it in a `with` block.")
        return self._url

    @property
    def app(self) -> Starlette:
        if self._given_app is not None:
            raise RuntimeError("This service serves an app given to it: ask its owner.")
        if self._app is None:
            raise RuntimeError("The service is not running: use it in a `with` block.")
        return self._app

    @property
    def service(self) -> AccountingService:
        """The running service's operations and store (for audits in tests)."""
        service: AccountingService = self.app.state.service
        return service

    def reset(self) -> None:
        """Delete every account, transaction and spent token; keeps running."""
        self.service.reset()

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("The service is already running.")
        app: Starlette | None
        served: ASGIApp
        if self._given_app is not None:
            app, served = None, self._given_app
        else:
            app = served = create_app(
                database=self.database,
                admin_key=self.admin_key,
                initial_credit=self.initial_credit,
                token_lifetime=self.token_lifetime,
                token_secret=self._token_secret,
                fast_password_hash=self.fast_password_hash,
                clock=self.clock,
                max_pending=self.max_pending,
                max_pending_per_recipient=self.max_pending_per_recipient,
                max_login_wait=self.max_login_wait,
                idempotency_limits=self.idempotency_limits,
            )
        # Bound here, before the thread starts, so the port is known and cannot be taken.
        # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted connections only for
        # sockets that say they are TCP; without it every response waits on delayed ACKs.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", 0))
        except OSError:
            sock.close()
            if app is not None:
                app.state.service.close()
            raise
        config = uvicorn.Config(
            served,
            log_config=None,  # leave the process's logging setup alone
            log_level="warning",
            access_log=False,  # the app logs each request itself
            ws="none",
            lifespan="off",
            timeout_graceful_shutdown=5,
            **self.limits.uvicorn_options(),
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run,
            kwargs={"sockets": [sock]},
            name="syftbox-accounting-service",
            daemon=True,
        )
        self._app, self._server, self._thread, self._socket = app, server, thread, sock
        thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("The accounting service did not start; see the log above.")
            time.sleep(0.005)
        port = sock.getsockname()[1]
        self._url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        server, thread, sock, app = self._server, self._thread, self._socket, self._app
        self._server = self._thread = self._socket = None
        self._url = None
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(_STOP_TIMEOUT)
        if sock is not None:
            sock.close()
        if app is not None:
            app.state.service.close()
            self._app = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
