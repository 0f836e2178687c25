"""Idempotency keys over HTTP: a POST or PUT sent again with its `Idempotency-Key`
gets the first answer again, and changes nothing.

A keyed request goes through three steps:
1. `lookup`: with exactly the credentials of the first request (`proof`), a stored
   answer is replayed without logging in again, so that a password change whose answer
   was lost can be replayed with the old password;
2. `claim`, in its own short database transaction: the key is taken for this request
   (a second request meanwhile gets `409 request_in_progress`), or it was answered
   before (replay, or `422 idempotency_key_reused` for another body or path);
3. `answer`: the operation runs inside one `Store.unit`, and its answer (status and
   body) is stored in that same database transaction, so a crash never records a money
   movement without its answer, nor the reverse.

The records themselves live in `idempotency_records`. Answers of 500 and above are
not stored.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from syftbox_accounting.server import errors
from syftbox_accounting.server.auth import check_admin, parse_basic
from syftbox_accounting.server.idempotency_records import Keys, Stored, fingerprint
from syftbox_accounting.server.responses import error_response

if TYPE_CHECKING:
    from starlette.requests import Request

    from syftbox_accounting.server.service import AccountingService, Caller

T = TypeVar("T")

KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_KEY = re.compile(r"[!-~]{1,255}")


def key_of(headers: Any) -> str | None:
    """The request's `Idempotency-Key`, None without one, or 422 when malformed."""
    value = headers.get(KEY_HEADER)
    if value is None:
        return None
    if not _KEY.fullmatch(value):
        raise errors.validation_error(
            [{"field": KEY_HEADER, "problem": "must be 1 to 255 visible ASCII characters"}]
        )
    return str(value)


def replay(stored: Stored, fp: str) -> Response:
    """The answer to a request whose key has a record."""
    if stored.in_progress:
        raise errors.request_in_progress()
    if stored.fingerprint != fp:
        raise errors.idempotency_key_reused()
    assert stored.status is not None
    assert stored.body is not None
    return Response(
        stored.body,
        status_code=stored.status,
        media_type="application/json",
        headers={REPLAYED_HEADER: "true"},
    )


class Runner(Protocol):
    """Where the app runs blocking work (`app._Runner`)."""

    service: AccountingService
    keys: Keys
    inline: bool

    async def slow(self, func: Callable[..., T], *args: Any) -> T: ...

    async def hashing(self, func: Callable[..., T], *args: Any) -> T: ...

    async def db(self, func: Callable[..., T], *args: Any) -> T: ...

    async def login(self, request: Request) -> Caller: ...


async def answer(
    run: Runner,
    request: Request,
    raw: bytes,
    key: str,
    func: Callable[..., T],
    render: Callable[[T], Response],
    auth: Literal["basic", "admin", "none"],
    slow: bool,
) -> Response:
    """Answer a request that carries `key`: replay, refuse, or run `func` and store its
    answer with what it changed (see the module's docstring)."""
    keys, service = run.keys, run.service
    fp = fingerprint(request.method, request.url.path, raw)
    authorization = request.headers.get("authorization") if auth != "none" else None
    proof = keys.proof(key, authorization)
    # The exact credentials of the first request replay its answer without a login:
    # they were checked then, and a password change may have retired them since.
    early = await run.db(_scope_before_login, service, auth, authorization, fp)
    if early is not None:
        stored = await run.db(keys.lookup, early, key)
        if stored is not None and stored.proof == proof:
            return replay(stored, fp)
    call: Callable[[], T]
    if auth == "basic":
        caller = await run.login(request)
        scope = f"account:{caller.account.id}"
        call = functools.partial(func, caller, raw)
    else:
        if auth == "admin":
            check_admin(authorization, service.admin_key)
        scope = early or f"anonymous:{fp}"
        call = functools.partial(func, raw)

    def work() -> Response:
        got = keys.claim(scope, key, fp, proof)
        if isinstance(got, Stored):
            return replay(got, fp)
        try:
            # The answer is stored in the same database transaction as the change.
            with service.store.unit() as db:
                try:
                    response = render(call())
                except errors.ApiError as error:
                    if error.status >= 500:
                        raise
                    response = error_response(error)
                keys.store_answer(db, got, response.status_code, bytes(response.body))
                return response
        except BaseException:
            keys.release(got)
            raise

    if slow:  # it hashes a password: wait for a hashing slot
        return await run.hashing(work)
    if not run.inline:
        return await run.slow(work)
    return work()


def _scope_before_login(
    service: AccountingService, auth: str, authorization: str | None, fp: str
) -> str | None:
    if auth == "none":
        return f"anonymous:{fp}"
    if auth == "admin":
        return "admin"
    try:
        credentials = parse_basic(authorization)
    except errors.ApiError:
        return None
    for email, _ in credentials.readings:
        account = service.store.account(email)
        if account is not None:
            return f"account:{account.id}"
    return None


class EchoKey:
    """Echo a valid `Idempotency-Key` on every answer to a request that carried one:
    that is how clients learn that this service honours keys."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        name = KEY_HEADER.lower().encode()
        value = next((v for k, v in scope["headers"] if k == name), None)
        if value is None or not _KEY.fullmatch(value.decode("latin-1")):
            await self.app(scope, receive, send)
            return

        async def send_echoed(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k != name]
                message = {**message, "headers": [*headers, (name, value)]}
            await send(message)

        await self.app(scope, receive, send_echoed)
