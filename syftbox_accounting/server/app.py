"""The HTTP layer: routes of `openapi.yaml`, error bodies, request logging."""

from __future__ import annotations

import functools
import logging
import os
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from anyio import to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from syftbox_accounting.server import docs, errors, idempotency
from syftbox_accounting.server.api_keys import is_api_key, key_json
from syftbox_accounting.server.auth import (
    BasicCredentials,
    check_admin,
    check_admin_key,
    parse_basic,
)
from syftbox_accounting.server.bodies import MAX_BODY_BYTES
from syftbox_accounting.server.clock import Clock
from syftbox_accounting.server.hashing import DEFAULT_MAX_WAIT, REGISTRATIONS, HashingQueue
from syftbox_accounting.server.history import Cursors
from syftbox_accounting.server.idempotency import Keyed
from syftbox_accounting.server.idempotency_records import RecordLimits
from syftbox_accounting.server.money import from_decimal
from syftbox_accounting.server.passwords import MAX_CONCURRENT_HASHES, TEST_ONLY_SCRYPT_N
from syftbox_accounting.server.responses import (
    ExactJSONResponse,
    error_response,
    transaction_json,
    usage_json,
    user_json,
)
from syftbox_accounting.server.service import AccountingService, Caller
from syftbox_accounting.server.store import (
    DEFAULT_MAX_PENDING,
    DEFAULT_MAX_PENDING_PER_RECIPIENT,
    Account,
    Store,
)
from syftbox_accounting.server.tokens import TokenIssuer

logger = logging.getLogger("syftbox_accounting.server")

T = TypeVar("T")
# What the request log says of a request whose client left first (nginx's convention).
CLIENT_CLOSED_REQUEST = 499
Handler = Callable[[Request], Awaitable[Response]]


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
    app = Starlette(
        routes=[
            *_routes(service, hashing, run_inline is True),
            *docs.routes(),
        ],  # docs: /openapi.yaml and /docs
        middleware=[Middleware(RequestLog), Middleware(idempotency.EchoKey)],
        exception_handlers={HTTPException: _http_exception},  # type: ignore[dict-item]
    )
    # A trailing-slash redirect would be an undocumented 307: answer 404 instead.
    app.router.redirect_slashes = False
    app.state.service = service
    app.state.idempotency = service.keys
    app.state.hashing = hashing
    return app


class _Runner:
    """Where blocking work runs: never on the event loop when it can wait or take long.

    scrypt always goes to a worker thread (it releases the GIL for tens of
    milliseconds), a few at once (`hashing`: each takes 16 MiB), shared fairly between
    clients and accounts: the others wait there, holding no thread, so that the worker
    threads stay free for the database and cached logins keep being answered. SQLite on
    a file goes to a thread too, since it may wait on the disk. An in-memory database
    answers in microseconds of pure CPU, which would hold the GIL in a thread just the
    same: it runs inline, sparing each request a thread hop (about as long as the work
    itself) and keeping the service fast under load.
    """

    def __init__(
        self, service: AccountingService, hashing: HashingQueue, everything_inline: bool = False
    ) -> None:
        self.service = service
        # Nothing awaits a thread or a limiter: see `create_app(run_inline=True)`.
        self.everything_inline = everything_inline
        self.inline = everything_inline or service.store.in_memory
        self.keys = service.keys
        self._hashing = hashing

    async def slow(self, func: Callable[..., T], *args: Any) -> T:
        if self.everything_inline:
            return func(*args)
        return await to_thread.run_sync(functools.partial(func, *args))

    async def hashing(
        self, request: Request, func: Callable[..., T], *args: Any, account: str
    ) -> T:
        """Run `func`, which may hash a password, in the hashing turn of the request's
        host and `account` (503 at once when that wait would be long)."""
        if self.everything_inline:
            return func(*args)
        host = request.client.host if request.client is not None else ""
        return await self._hashing.run(func, *args, host=host, account=account)

    async def db(self, func: Callable[..., T], *args: Any) -> T:
        if self.inline:
            return func(*args)
        return await self.slow(func, *args)

    async def as_caller(
        self,
        request: Request,
        func: Callable[..., T],
        *args: Any,
        op: str,
        slow: bool = False,
        heavy: bool = False,
    ) -> T:
        """Authenticate the request's Basic credentials or API key (whose scopes must
        cover the operation `op`), then run `func(caller, *args)`; `slow` when `func`
        hashes a password, `heavy` when it may read much (a whole history): then it runs
        in a thread even on an in-memory database."""
        if slow:
            caller = await self.login(request, op)
            return await self.hashing(request, func, caller, *args, account=caller.account.id)
        authorization = request.headers.get("authorization")
        run_db = self.slow if heavy else self.db
        if is_api_key(authorization):
            assert authorization is not None
            # The key's check and the operation in one step, as for a cached password.
            return await run_db(self._with_key, authorization, op, func, args)
        credentials = parse_basic(authorization)
        # A recently verified login and the operation in one step (one thread hop on a
        # file, where each may wait on the disk).
        done: tuple[T] | str = await run_db(self._if_cached, credentials, func, args)
        if isinstance(done, tuple):
            return done[0]
        caller = await self.hashing(request, self.service.login, credentials, account=done)
        return await run_db(func, caller, *args)

    def _with_key(
        self, authorization: str, op: str, func: Callable[..., T], args: tuple[Any, ...]
    ) -> T:
        return func(self.service.key_login(authorization, op), *args)

    def _if_cached(
        self, credentials: BasicCredentials, func: Callable[..., T], args: tuple[Any, ...]
    ) -> tuple[T] | str:
        found = self.service.cached_login(credentials)
        return found if isinstance(found, str) else (func(found, *args),)

    async def answer(
        self,
        request: Request,
        raw: bytes,
        func: Callable[..., T],
        render: Callable[[T], Response],
        keyed: Keyed,
        *,
        op: str,
    ) -> Response:
        """Run `func` (with the caller, for user auth: Basic or an API key allowed `op`)
        on the body and `render` its answer; with an `Idempotency-Key`, at most once per
        key (see `idempotency`)."""
        key = idempotency.key_of(request.headers)
        if key is not None:
            return await idempotency.answer(self, request, raw, key, func, render, keyed, op)
        if keyed.auth == "basic":
            return render(await self.as_caller(request, func, raw, op=op, slow=keyed.slow))
        if keyed.auth == "admin":
            check_admin(request.headers.get("authorization"), self.service.admin_key)
            return render(await self.db(func, raw))
        if keyed.slow:
            return render(await self.hashing(request, func, raw, account=REGISTRATIONS))
        return render(await self.slow(func, raw))

    async def login(self, request: Request, op: str) -> Caller:
        """The caller of a user request: Basic credentials, or an API key allowed `op`."""
        authorization = request.headers.get("authorization")
        if is_api_key(authorization):
            assert authorization is not None
            return await self.db(self.service.key_login, authorization, op)
        credentials = parse_basic(authorization)
        found = await self.db(self.service.cached_login, credentials)
        if isinstance(found, Caller):
            return found
        return await self.hashing(request, self.service.login, credentials, account=found)


def _json_body_type(request: Request) -> None:
    """415 unless the body is declared `application/json` (parameters such as charset
    aside): a browser sends a text/plain, form or multipart body to another origin
    without asking first, with any Basic credentials it holds."""
    declared = request.headers.getlist("content-type")
    media = declared[0].partition(";")[0].strip().lower() if len(declared) == 1 else ""
    if media != "application/json":
        raise errors.unsupported_media_type(", ".join(declared) or None)


async def _read_body(request: Request) -> bytes:
    """The JSON body, read up to just past the limit (the parser then answers 400);
    415 for one of another type, before anything else."""
    _json_body_type(request)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            break
    return b"".join(chunks)


def _ok(content: dict[str, Any], status: int = 200) -> ExactJSONResponse:
    return ExactJSONResponse(content, status_code=status)


def _user_answer(account: Any) -> Response:
    return _ok({"user": user_json(account)})


def _transaction_answer(transaction: Any) -> Response:
    return _ok({"transaction": transaction_json(transaction)})


def _created_with(service: AccountingService, account: Account | None, raw: bytes) -> bool:
    return service.created_with(raw)


def _has_new_password(service: AccountingService, account: Account | None, raw: bytes) -> bool:
    return account is not None and service.has_new_password(account, raw)


# How each operation's keyed requests are handled (see `idempotency.Keyed`).
_BASIC = Keyed("basic")
_ADMIN = Keyed("admin")
# The password is never kept: a replay proves it against the account made, and gets
# back the one it sent; a generated password is never replayed.
_REGISTER = Keyed(
    "none",
    slow=True,
    secret_fields=("password",),
    secret_answer="password",
    confirm=_created_with,
)
# Neither password is kept: a replay proves newPassword is the account's password now,
# which also lets it in with the old one the change retired.
_NEW_PASSWORD = Keyed(
    "basic",
    slow=True,
    secret_fields=("oldPassword", "newPassword"),
    confirm=_has_new_password,
    retired_login=True,
)


async def _create_user(run: _Runner, request: Request) -> Response:
    # No authentication: an Authorization header (the admin client sends one) is ignored.
    raw = await _read_body(request)
    return await run.answer(
        request,
        raw,
        run.service.create_user,
        lambda created: _ok({"user": user_json(created[0]), "password": created[1]}, 201),
        _REGISTER,
        op="createUser",
    )


async def _get_my_info(run: _Runner, request: Request) -> dict[str, Any]:
    account = await run.as_caller(request, run.service.my_info, op="getMyInfo")
    return {"user": user_json(account)}


async def _update_password(run: _Runner, request: Request) -> Response:
    raw = await _read_body(request)
    return await run.answer(
        request, raw, run.service.update_password, _user_answer, _NEW_PASSWORD, op="updatePassword"
    )


async def _update_organization(run: _Runner, request: Request) -> Response:
    raw = await _read_body(request)
    return await run.answer(
        request, raw, run.service.update_organization, _user_answer, _BASIC, op="updateOrganization"
    )


async def _create_token(run: _Runner, request: Request) -> Response:
    raw = await _read_body(request)
    return await run.answer(
        request,
        raw,
        run.service.create_token,
        lambda t: _ok({"token": t}),
        _BASIC,
        op="createToken",
    )


async def _create_transaction(run: _Runner, request: Request) -> Response:
    raw = await _read_body(request)
    return await run.answer(
        request,
        raw,
        run.service.create_transaction,
        _transaction_answer,
        _BASIC,
        op="createTransaction",
    )


async def _confirm_transaction(run: _Runner, request: Request) -> Response:
    raw = await _read_body(request)
    return await run.answer(
        request,
        raw,
        run.service.confirm_transaction,
        _transaction_answer,
        _BASIC,
        op="confirmTransaction",
    )


async def _cancel_transaction(run: _Runner, request: Request) -> Response:
    raw = await _read_body(request)
    return await run.answer(
        request,
        raw,
        run.service.cancel_transaction,
        _transaction_answer,
        _BASIC,
        op="cancelTransaction",
    )


async def _refund_transaction(run: _Runner, request: Request) -> Response:
    # Basic or an API key for the recipient of the payment, the Bearer admin key for the admin.
    authorization = request.headers.get("authorization")
    scheme, _, _ = (authorization or "").strip().partition(" ")
    if scheme.lower() == "bearer" and not is_api_key(authorization):
        # The body's type first, then the key before the body is read, as for credits.
        _json_body_type(request)
        _admin(run, request)
        raw = await _read_body(request)
        return await run.answer(
            request,
            raw,
            run.service.admin_refund_transaction,
            _transaction_answer,
            _ADMIN,
            op="refundTransaction",
        )
    raw = await _read_body(request)
    return await run.answer(
        request,
        raw,
        run.service.refund_transaction,
        _transaction_answer,
        _BASIC,
        op="refundTransaction",
    )


# Answers with more transactions than this are serialised in a worker thread, so that
# one big history does not stall everyone else's requests on the event loop.
LARGE_ANSWER = 200


def _query(request: Request) -> dict[str, list[str]]:
    params = request.query_params
    return {name: params.getlist(name) for name in params}


async def _list_transactions(run: _Runner, request: Request) -> dict[str, Any] | Response:
    params = _query(request)
    heavy = "limit" not in params  # the whole history, as the public protocol asks
    transactions, next_cursor = await run.as_caller(
        request, run.service.transactions, params, op="listTransactions", heavy=heavy
    )

    def answer() -> dict[str, Any]:
        return {
            "transactions": [transaction_json(t) for t in transactions],
            "nextCursor": next_cursor,
        }

    if len(transactions) <= LARGE_ANSWER:
        return answer()
    return await run.slow(lambda: ExactJSONResponse(answer()))


async def _get_transaction(run: _Runner, request: Request) -> dict[str, Any]:
    transaction_id: str = request.path_params["transactionId"]
    transaction = await run.as_caller(
        request, run.service.transaction, transaction_id, op="getTransaction"
    )
    return {"transaction": transaction_json(transaction)}


async def _get_usage(run: _Runner, request: Request) -> dict[str, Any]:
    usage = await run.as_caller(request, run.service.usage, _query(request), op="getUsage")
    return {"usage": usage_json(usage)}


async def _create_api_key(run: _Runner, request: Request) -> Response:
    raw = await _read_body(request)
    return await run.answer(
        request,
        raw,
        run.service.create_api_key,
        lambda made: _ok({"apiKey": key_json(made[0]), "secret": made[1]}),
        _BASIC,
        op="createApiKey",
    )


async def _list_api_keys(run: _Runner, request: Request) -> dict[str, Any]:
    keys = await run.as_caller(request, run.service.list_api_keys, op="listApiKeys")
    return {"apiKeys": [key_json(key) for key in keys]}


async def _revoke_api_key(run: _Runner, request: Request) -> Response:
    raw = await _read_body(request)
    return await run.answer(
        request,
        raw,
        run.service.revoke_api_key,
        lambda key: _ok({"apiKey": key_json(key)}),
        _BASIC,
        op="revokeApiKey",
    )


async def _add_balance(run: _Runner, request: Request) -> Response:
    # The body's type first, as everywhere; the key is read for authorized requests only.
    _json_body_type(request)
    _admin(run, request)
    raw = await _read_body(request)
    return await run.answer(
        request, raw, run.service.add_balance, _user_answer, _ADMIN, op="addBalance"
    )


async def _get_user(run: _Runner, request: Request) -> dict[str, Any]:
    # The email arrives unencoded (`/user/alice@example.com`); `{email:path}` keeps
    # even a `/` of a local part.
    email: str = request.path_params["email"]
    allowed = _FIXED_USER_PATHS.get(email)
    if allowed is not None:
        raise _method_not_allowed(request, allowed)
    _admin(run, request)
    account = await run.db(run.service.user, email)
    return {"user": user_json(account)}


async def _list_users(run: _Runner, request: Request) -> dict[str, Any]:
    _admin(run, request)
    accounts = await run.db(run.service.users)
    return {"users": [user_json(a) for a in accounts]}


def _admin(run: _Runner, request: Request) -> None:
    check_admin(request.headers.get("authorization"), run.service.admin_key)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One operation of `openapi.yaml`: its name, how it is reached, what answers it."""

    operation_id: str
    method: str
    path: str
    handler: Callable[[_Runner, Request], Awaitable[dict[str, Any] | Response]]


# The one list of what the service serves: the routes and the 405s derive from it.
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("createUser", "POST", "/user/create", _create_user),
    Endpoint("getMyInfo", "GET", "/user/my-info", _get_my_info),
    Endpoint("getUsage", "GET", "/user/usage", _get_usage),
    Endpoint("updatePassword", "PUT", "/user/update-password", _update_password),
    Endpoint("updateOrganization", "PUT", "/user/update-organization", _update_organization),
    Endpoint("addBalance", "POST", "/user/add-balance", _add_balance),
    Endpoint("getUser", "GET", "/user/{email:path}", _get_user),
    Endpoint("listUsers", "GET", "/users", _list_users),
    Endpoint("createToken", "POST", "/token/create", _create_token),
    Endpoint("createTransaction", "POST", "/transaction/create", _create_transaction),
    Endpoint("confirmTransaction", "POST", "/transaction/confirm", _confirm_transaction),
    Endpoint("cancelTransaction", "POST", "/transaction/cancel", _cancel_transaction),
    Endpoint("refundTransaction", "POST", "/transaction/refund", _refund_transaction),
    Endpoint("listTransactions", "GET", "/transactions", _list_transactions),
    Endpoint("getTransaction", "GET", "/transactions/{transactionId}", _get_transaction),
    Endpoint("createApiKey", "POST", "/api-key/create", _create_api_key),
    Endpoint("listApiKeys", "GET", "/api-keys", _list_api_keys),
    Endpoint("revokeApiKey", "POST", "/api-key/revoke", _revoke_api_key),
)


def _fixed_paths_under(prefix: str) -> dict[str, str]:
    """The fixed paths that a `prefix{...:path}` route also matches, with their `Allow`.

    A GET of one of them that is not its method must be a 405, not an admin lookup of an
    account called "create".
    """
    allowed: dict[str, list[str]] = {}
    for endpoint in ENDPOINTS:
        if endpoint.path.startswith(prefix) and "{" not in endpoint.path:
            allowed.setdefault(endpoint.path.removeprefix(prefix), []).append(endpoint.method)
    return {name: ", ".join(methods) for name, methods in allowed.items()}


_FIXED_USER_PATHS = _fixed_paths_under("/user/")


def _routes(
    service: AccountingService, hashing: HashingQueue, run_inline: bool = False
) -> list[Route]:
    run = _Runner(service, hashing, run_inline)
    # Templated paths last, so that a fixed path (/user/my-info) wins over /user/{email}.
    ordered = sorted(ENDPOINTS, key=lambda endpoint: "{" in endpoint.path)
    return [Route(e.path, _endpoint(run, e), methods=[e.method]) for e in ordered]


def _endpoint(run: _Runner, endpoint: Endpoint) -> Handler:
    """The route's handler: the endpoint's JSON, an ApiError's Error body, or a 500."""

    async def handle(request: Request) -> Response:
        try:
            answer = await endpoint.handler(run, request)
            return answer if isinstance(answer, Response) else ExactJSONResponse(answer)
        except errors.ApiError as error:
            return error_response(error)
        except ClientDisconnect:
            # A client that hangs up (or is cut off by the request timeout) mid-body is a
            # normal event: no traceback, and no 500 counted against the service.
            logger.debug(
                "%s %s: the client left before sending the whole body",
                request.method,
                _printable(request),
            )
            return Response(status_code=CLIENT_CLOSED_REQUEST)  # never sent: nobody listens
        except Exception:
            # The traceback is for the operator; the client only learns that it failed.
            logger.exception("Unexpected error in %s %s", request.method, _printable(request))
            return error_response(errors.internal_error())

    handle.__name__ = handle.__qualname__ = endpoint.handler.__name__.lstrip("_")
    return handle


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


# What the service supports beyond the public protocol (the contract's "Features"),
# announced on every answer so that a client learns it from whichever call comes first.
FEATURES = "holds, capture, refunds, exact-money, api-keys"
_FEATURES_HEADER = (b"accounting-features", FEATURES.encode())
_NOSNIFF = (b"x-content-type-options", b"nosniff")


class RequestLog:
    """Gives every answer an ``X-Request-Id``, the ``Accounting-Features`` header and
    ``X-Content-Type-Options: nosniff`` (no browser may read a JSON error as a script or
    a page), and logs one line per request: method, path, status, duration, request id.
    Never a header or body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        request_id = "req_" + secrets.token_hex(8)

        async def send_logged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [
                    *message.get("headers", ()),
                    (b"x-request-id", request_id.encode()),
                    _FEATURES_HEADER,
                    _NOSNIFF,
                ]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_logged)
        finally:
            if logger.isEnabledFor(logging.INFO):
                logger.info(
                    "%s %s %d %.1fms %s",
                    scope["method"],
                    _escape(scope["path"]),
                    status,
                    (time.perf_counter() - start) * 1000,
                    request_id,
                )
