"""The HTTP layer: routes of `openapi.yaml`, error bodies, request logging."""

from __future__ import annotations

import functools
import logging
import os
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, TypeVar

from anyio import to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from syftbox_accounting.server import docs, errors
from syftbox_accounting.server.auth import check_admin, parse_basic
from syftbox_accounting.server.bodies import MAX_BODY_BYTES
from syftbox_accounting.server.money import from_decimal
from syftbox_accounting.server.responses import (
    ExactJSONResponse,
    error_response,
    transaction_json,
    user_json,
)
from syftbox_accounting.server.service import AccountingService
from syftbox_accounting.server.store import Store
from syftbox_accounting.server.tokens import TokenIssuer

logger = logging.getLogger("syftbox_accounting.server")

T = TypeVar("T")
Handler = Callable[[Request], Awaitable[Response]]

# The fixed paths under /user/: a GET to one of them that is not its method must be a 405,
# not an admin lookup of an account called "create".
_USER_PATHS = {
    "create": "POST",
    "my-info": "GET",
    "update-password": "PUT",
    "update-organization": "PUT",
    "add-balance": "POST",
}


def create_app(
    *,
    database: str | os.PathLike[str] = ":memory:",
    admin_key: str | None = None,
    initial_credit: Decimal = Decimal("100"),
    token_lifetime: float = 86400.0,
    token_secret: bytes | None = None,
) -> Starlette:
    """The reference accounting service as an ASGI app.

    Args:
        database: SQLite file path, or ":memory:" (the default) for a throwaway service.
        admin_key: Bearer key of the admin endpoints; None closes them (403).
        initial_credit: US dollars every new account starts with.
        token_lifetime: Seconds a transaction token stays valid (24 hours by default).
        token_secret: HS256 key of the tokens (32+ bytes); None keeps a random one in the
            database, so that tokens outlive a restart on a database file.

    The service is `app.state.service` (an `AccountingService`): call its `reset()` to
    wipe all data and its `close()` when done.
    """
    if admin_key is not None and not admin_key.strip():
        raise ValueError("admin_key must not be empty: pass None to close the admin endpoints")
    try:
        # Through str, so that a float such as 0.1 means 0.1, not its binary neighbour.
        initial = from_decimal(Decimal(str(initial_credit)))
    except ValueError as error:
        raise ValueError(f"initial_credit {error}") from None
    store = Store(database)
    try:
        secret = token_secret if token_secret is not None else store.secret("token_secret")
        service = AccountingService(
            store,
            TokenIssuer(secret, token_lifetime),
            admin_key=admin_key,
            initial_credit=initial,
        )
    except BaseException:
        store.close()
        raise
    app = Starlette(
        routes=[*_routes(service), *docs.routes()],  # docs: /openapi.yaml and /docs
        middleware=[Middleware(RequestLog)],
        exception_handlers={HTTPException: _http_exception},  # type: ignore[dict-item]
    )
    # A trailing-slash redirect would be an undocumented 307: answer 404 instead.
    app.router.redirect_slashes = False
    app.state.service = service
    return app


class _Runner:
    """Where blocking work runs: never on the event loop when it can wait or take long.

    scrypt always goes to a worker thread (it releases the GIL for tens of
    milliseconds). SQLite on a file goes there too, since it may wait on the disk. An
    in-memory database answers in microseconds of pure CPU, which would hold the GIL
    in a thread just the same: it runs inline, sparing each request a thread hop (about
    as long as the work itself) and keeping the service fast under load.
    """

    def __init__(self, service: AccountingService) -> None:
        self.service = service
        self.inline = service.store.in_memory

    async def slow(self, func: Callable[..., T], *args: Any) -> T:
        return await to_thread.run_sync(functools.partial(func, *args))

    async def db(self, func: Callable[..., T], *args: Any) -> T:
        if self.inline:
            return func(*args)
        return await self.slow(func, *args)

    async def as_caller(
        self, request: Request, func: Callable[..., T], *args: Any, slow: bool = False
    ) -> T:
        """Authenticate the request's Basic credentials, then run `func(caller, *args)`."""
        credentials = parse_basic(request.headers.get("authorization"))
        service = self.service
        if self.inline:
            caller = service.cached_login(credentials)
            if caller is None:
                caller = await self.slow(service.login, credentials)
            if slow:
                return await self.slow(func, caller, *args)
            return func(caller, *args)
        # One hop for both steps: on a file, each may wait on the disk.
        return await self.slow(lambda: func(service.login(credentials), *args))


async def _read_body(request: Request) -> bytes:
    """The body, read up to just past the limit (the parser then answers 400)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            break
    return b"".join(chunks)


def _ok(content: dict[str, Any]) -> ExactJSONResponse:
    return ExactJSONResponse(content)


def _endpoint(handler: Handler) -> Handler:
    """Answer an ApiError with its Error body, and anything unexpected with a 500."""

    @functools.wraps(handler)
    async def wrapper(request: Request) -> Response:
        try:
            return await handler(request)
        except errors.ApiError as error:
            return error_response(error)
        except Exception:
            # The traceback is for the operator; the client only learns that it failed.
            logger.exception("Unexpected error in %s %s", request.method, _printable(request))
            return error_response(errors.internal_error())

    return wrapper


def _routes(service: AccountingService) -> list[Route]:
    run = _Runner(service)

    def admin(request: Request) -> None:
        check_admin(request.headers.get("authorization"), service.admin_key)

    @_endpoint
    async def create_user(request: Request) -> Response:
        # No authentication: an Authorization header (the admin client sends one) is ignored.
        raw = await _read_body(request)
        account, password = await run.slow(service.create_user, raw)
        return _ok({"user": user_json(account), "password": password})

    @_endpoint
    async def my_info(request: Request) -> Response:
        account = await run.as_caller(request, service.my_info)
        return _ok({"user": user_json(account)})

    @_endpoint
    async def update_password(request: Request) -> Response:
        raw = await _read_body(request)
        account = await run.as_caller(request, service.update_password, raw, slow=True)
        return _ok({"user": user_json(account)})

    @_endpoint
    async def update_organization(request: Request) -> Response:
        raw = await _read_body(request)
        account = await run.as_caller(request, service.update_organization, raw)
        return _ok({"user": user_json(account)})

    @_endpoint
    async def create_token(request: Request) -> Response:
        raw = await _read_body(request)
        token = await run.as_caller(request, service.create_token, raw)
        return _ok({"token": token})

    @_endpoint
    async def create_transaction(request: Request) -> Response:
        raw = await _read_body(request)
        transaction = await run.as_caller(request, service.create_transaction, raw)
        return _ok({"transaction": transaction_json(transaction)})

    @_endpoint
    async def confirm_transaction(request: Request) -> Response:
        raw = await _read_body(request)
        transaction = await run.as_caller(request, service.confirm_transaction, raw)
        return _ok({"transaction": transaction_json(transaction)})

    @_endpoint
    async def cancel_transaction(request: Request) -> Response:
        raw = await _read_body(request)
        transaction = await run.as_caller(request, service.cancel_transaction, raw)
        return _ok({"transaction": transaction_json(transaction)})

    @_endpoint
    async def list_transactions(request: Request) -> Response:
        transactions = await run.as_caller(request, service.transactions)
        return _ok({"transactions": [transaction_json(t) for t in transactions]})

    @_endpoint
    async def add_balance(request: Request) -> Response:
        admin(request)
        account = await run.db(service.add_balance, await _read_body(request))
        return _ok({"user": user_json(account)})

    @_endpoint
    async def get_user(request: Request) -> Response:
        # The email arrives unencoded (`/user/alice@example.com`); `{email:path}` keeps
        # even a `/` of a local part.
        email: str = request.path_params["email"]
        if email in _USER_PATHS:
            raise _method_not_allowed(request, _USER_PATHS[email])
        admin(request)
        account = await run.db(service.user, email)
        return _ok({"user": user_json(account)})

    @_endpoint
    async def list_users(request: Request) -> Response:
        admin(request)
        accounts = await run.db(service.users)
        return _ok({"users": [user_json(a) for a in accounts]})

    return [
        Route("/user/create", create_user, methods=["POST"]),
        Route("/user/my-info", my_info, methods=["GET"]),
        Route("/user/update-password", update_password, methods=["PUT"]),
        Route("/user/update-organization", update_organization, methods=["PUT"]),
        Route("/user/add-balance", add_balance, methods=["POST"]),
        Route("/token/create", create_token, methods=["POST"]),
        Route("/transaction/create", create_transaction, methods=["POST"]),
        Route("/transaction/confirm", confirm_transaction, methods=["POST"]),
        Route("/transaction/cancel", cancel_transaction, methods=["POST"]),
        Route("/transactions", list_transactions, methods=["GET"]),
        Route("/users", list_users, methods=["GET"]),
        # Last, so that the fixed /user/... paths above win over it.
        Route("/user/{email:path}", get_user, methods=["GET"]),
    ]


def _method_not_allowed(request: Request, allowed: str) -> errors.ApiError:
    return errors.ApiError(
        405,
        "method_not_allowed",
        f"{request.method} is not allowed on {_printable(request)}: use {allowed}.",
        headers={"Allow": allowed},
    )


async def _http_exception(request: Request, exc: HTTPException) -> Response:
    """Routing errors (unknown path, wrong method) as JSON Error bodies too."""
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        return error_response(_method_not_allowed(request, allowed))
    if exc.status_code == 404:
        error = errors.not_found(
            f"There is no {_printable(request)} endpoint: see openapi.yaml for the paths."
        )
    else:
        error = errors.ApiError(exc.status_code, "bad_request", f"{exc.detail}.")
    error.headers.update(exc.headers or {})
    return error_response(error)


def _printable(request: Request) -> str:
    return _escape(request.url.path)


def _escape(text: str) -> str:
    # Paths come from clients: escape control characters so they cannot forge log lines.
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


class RequestLog:
    """One log line per request: method, path, status, duration. Never a header or body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_logged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_logged)
        finally:
            if logger.isEnabledFor(logging.INFO):
                logger.info(
                    "%s %s %d %.1fms",
                    scope["method"],
                    _escape(scope["path"]),
                    status,
                    (time.perf_counter() - start) * 1000,
                )
