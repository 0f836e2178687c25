"""Idempotency keys over HTTP: a POST or PUT sent again with its `Idempotency-Key`
gets the first answer again, and changes nothing.

A keyed request goes through three steps:
1. authentication, always, and before any replay: a password changed or an admin key
   rotated since the first request no longer gets its answer (except the password
   change itself: its replay may come with the password it retired, when the body's
   new password is the account's password now);
2. `claim`: the key is taken for this request, or it was answered before (replay, or
   `422 idempotency_key_reused` for another body or path);
3. the operation runs inside one `Store.unit`, and a success is recorded in that same
   database transaction, so a crash never records a money movement without its answer,
   nor the reverse. An answer that changed nothing (any 4xx) leaves no record; one of
   500 and above gives the key back.

An operation of microseconds (a payment, a charge) checks its key in that same
database transaction, and writes a record only with its answer: a second request with
the key waits for it, then gets that answer. One that hashes a password claims first,
in a short transaction of its own, then waits for its hashing turn and hashes, holding
no lock, before its write and its record take their transaction: a second request
meanwhile gets `409 request_in_progress`.

The records live in `idempotency_records`, which says what they keep and what never.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from starlette.responses import Response

from syftbox_accounting.server import errors, headers
from syftbox_accounting.server.api_keys import is_api_key
from syftbox_accounting.server.auth import authorization_of, check_admin, parse_basic
from syftbox_accounting.server.hashing import REGISTRATIONS
from syftbox_accounting.server.idempotency_records import (
    ADMIN,
    ANONYMOUS,
    Keys,
    Stored,
    restore,
)
from syftbox_accounting.server.idempotency_records import Scope as RecordScope
from syftbox_accounting.server.responses import error_response

if TYPE_CHECKING:
    from starlette.requests import Request

    from syftbox_accounting.server.service import AccountingService, Caller
    from syftbox_accounting.server.store import Account

T = TypeVar("T")

KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_KEY = re.compile(r"[!-~]{1,255}")


@dataclasses.dataclass(frozen=True, slots=True)
class Keyed:
    """How one operation's keyed requests are handled.

    `auth`: its authentication. `secret_fields`: request fields kept in no form (the
    fingerprint holds a marker instead). `secret_answer`: the answer's member withheld
    from the record. `confirm(service, account, raw)`: slow (it hashes a password, in
    the request's hashing turn), whether a replaying request's secret fields are those
    of the first (proved against the account's password hash); False is `422
    idempotency_key_reused`. `retired_login`: a replay whose Basic password was
    refused may still come in when `confirm` holds (a password change's own replay).
    `retired_key`: a replay whose API key was refused as revoked may still come in when
    its record is that key's own revocation (body `keyId`). `resolves`: it confirms or
    cancels a pending transaction, and is let past the caller's cap of records (see
    `idempotency_records`), so that no hold is left in place by it.
    """

    auth: Literal["basic", "admin", "none"]
    secret_fields: tuple[str, ...] = ()
    secret_answer: str | None = None
    confirm: Callable[[AccountingService, Account | None, bytes], bool] | None = None
    retired_login: bool = False
    retired_key: bool = False
    resolves: bool = False


def key_of(request: Request) -> str | None:
    """The request's `Idempotency-Key`, None without one, or 422 when malformed (two
    fields are one comma-joined list, as HTTP reads them: no key, not the first)."""
    values = headers.values(request.scope, headers.IDEMPOTENCY_KEY)
    if not values:
        return None
    value = ", ".join(values)
    if not _KEY.fullmatch(value):
        raise errors.validation_error(
            [{"field": KEY_HEADER, "problem": "must be 1 to 255 visible ASCII characters"}]
        )
    return str(value)


class Runner(Protocol):
    """Where the app runs blocking work (`runner.Runner`)."""

    service: AccountingService
    keys: Keys
    inline: bool

    async def slow(self, func: Callable[..., T], *args: Any) -> T: ...

    async def hashing(
        self, request: Request, func: Callable[..., T], *args: Any, account: str
    ) -> T: ...

    async def db(self, func: Callable[..., T], *args: Any) -> T: ...

    async def write(self, func: Callable[..., T], *args: Any) -> T: ...

    async def login(self, request: Request, raw: bytes = ...) -> Caller: ...


async def answer(
    run: Runner,
    request: Request,
    raw: bytes,
    key: str,
    func: Callable[..., Any],
    render: Callable[[Any], Response],
    keyed: Keyed,
    *,
    hashes: bool = False,
) -> Response:
    """Answer a request that carries `key`: replay, refuse, or run `func` and record
    its answer with what it changed (see the module's docstring). `hashes`: `func`
    hashes a password and returns its write (`service.Write`), whose answer `render`
    renders (`Runner.answer_hashing` types both)."""
    keys, service = run.keys, run.service
    fp = keys.fingerprint(request.method, request.url.path, raw, keyed.secret_fields)
    account: Account | None = None
    call: Callable[[], Any]
    if keyed.auth == "basic":
        # An API key must allow the operation before it may replay an answer too (one
        # may hold a new key's secret).
        try:
            caller = await run.login(request, raw)
        except errors.ApiError as refused:
            if refused.status == 401 and keyed.retired_login:
                return await _replay_with_retired_password(
                    run, request, raw, key, fp, keyed, refused
                )
            if refused.status == 401 and keyed.retired_key:
                return await _replay_of_own_revocation(run, request, raw, key, fp, keyed, refused)
            raise
        account = caller.account
        scope = RecordScope.account(account.id)
        call = functools.partial(func, caller, raw)
    else:
        if keyed.auth == "admin":
            check_admin(authorization_of(request), service.admin_key)
        scope = ADMIN if keyed.auth == "admin" else ANONYMOUS
        call = functools.partial(func, raw)

    def answered(
        record: Callable[[int, bytes, tuple[str, str, bool] | None], None],
        operation: Callable[[], Any],
    ) -> Response:
        """Run `operation` and `record` its answer (status, body, secret member), in
        the caller's unit of work: a success is recorded in the same database
        transaction as its change."""
        try:
            response = render(operation())
        except errors.ApiError as error:
            if error.status >= 500:
                raise
            response = error_response(error)
        body = bytes(response.body)
        record(response.status_code, body, _withheld(keyed, raw, body))
        return response

    if hashes:  # claim first, then hash in a hashing turn, then write and record

        def work() -> Response:
            got = keys.claim(scope, key, fp)
            if isinstance(got, Stored):
                return replay(service, got, fp, raw, keyed, account)
            try:
                write = _prepared(call)  # the hash: no lock held, however long it takes
                with service.store.unit() as db:
                    return answered(functools.partial(keys.settle, db, got), write)
            except BaseException:
                keys.release(got)
                raise

        return await run.hashing(
            request, work, account=account.id if account is not None else REGISTRATIONS
        )

    def at_once() -> Response:
        # Work of microseconds: the key's check, the operation and its record in one
        # database transaction, which no other request sees before it commits (one with
        # the same key meanwhile waits, then gets the answer), written where a write
        # need not wait (`Runner.write`). A failure rolls it all back.
        with service.store.unit() as db:
            got = keys.reserve_in(db, scope, key, fp, past_cap=keyed.resolves)
            if isinstance(got, Stored):
                return replay(service, got, fp, raw, keyed, account)
            return answered(functools.partial(keys.record_in, db, got), call)

    return await run.write(at_once)


def _prepared(prepare: Callable[[], Callable[[], T]]) -> Callable[[], T]:
    """The write `prepare` returns once it hashed, or when it refused the request (a
    4xx), a write that refuses it again, to be answered and settled as any other."""
    try:
        return prepare()
    except errors.ApiError as error:
        if error.status >= 500:
            raise
        refusal = error

    def refused() -> T:
        raise refusal

    return refused


def replay(
    service: AccountingService,
    stored: Stored,
    fp: bytes,
    raw: bytes,
    keyed: Keyed,
    account: Account | None,
) -> Response:
    """The answer to a request whose key has a record (slow when `keyed.confirm`)."""
    if stored.in_progress:
        raise errors.request_in_progress()
    if stored.fingerprint != fp:
        raise errors.idempotency_key_reused()
    assert stored.status is not None
    assert stored.body is not None
    if stored.withheld is not None and not stored.withheld.from_request:
        raise errors.secret_not_replayed()
    if keyed.confirm is not None and not keyed.confirm(service, account, raw):
        raise errors.idempotency_key_reused()
    body = stored.body
    if stored.withheld is not None:
        body = restore(stored, json.loads(raw)[stored.withheld.name])
    return Response(
        body,
        status_code=stored.status,
        media_type="application/json",
        headers={REPLAYED_HEADER: "true"},
    )


async def _replay_with_retired_password(
    run: Runner,
    request: Request,
    raw: bytes,
    key: str,
    fp: bytes,
    keyed: Keyed,
    refused: errors.ApiError,
) -> Response:
    """A password change's replay, sent with the password that change retired: its
    record, when the body's new password is the account's password now; else 401."""
    header = authorization_of(request)
    if header is None or not header.lower().startswith("basic "):
        raise refused  # an API key: it does not change with the password
    credentials = parse_basic(header)
    account = await run.db(run.service.account_of, credentials)
    if account is None:
        raise refused
    answered = await _own_record(run, account, key, fp, refused)

    def work() -> Response:
        try:
            return replay(run.service, answered, fp, raw, keyed, account)
        except errors.ApiError:
            raise refused from None

    return await run.hashing(request, work, account=account.id)


async def _replay_of_own_revocation(
    run: Runner,
    request: Request,
    raw: bytes,
    key: str,
    fp: bytes,
    keyed: Keyed,
    refused: errors.ApiError,
) -> Response:
    """An API key's revocation, sent again with the key it revoked (its answer was
    lost): its record, when the body names that key; else 401."""
    header = authorization_of(request)
    if not is_api_key(header):
        raise refused
    assert header is not None
    found = await run.db(run.service.api_keys.revoked, header)
    if found is None:
        raise refused
    revoked, account = found
    try:
        named = json.loads(raw).get("keyId")
    except (ValueError, AttributeError):
        raise refused from None
    if named != revoked.id:
        raise refused
    stored = await _own_record(run, account, key, fp, refused)
    return replay(run.service, stored, fp, raw, keyed, account)


async def _own_record(
    run: Runner, account: Account, key: str, fp: bytes, refused: errors.ApiError
) -> Stored:
    """The answered record of `key` in `account`'s records, for this very request (its
    fingerprint); else `refused`, the login's own refusal."""
    stored = await run.db(run.keys.lookup, RecordScope.account(account.id), key, fp)
    if stored is None or stored.in_progress or stored.fingerprint != fp:
        raise refused
    return stored


def _withheld(keyed: Keyed, raw: bytes, body: bytes) -> tuple[str, str, bool] | None:
    """The answer's secret member (name, value, whether the request gave it), to keep
    out of the record."""
    name = keyed.secret_answer
    if name is None:
        return None
    value = json.loads(body).get(name)
    if not isinstance(value, str):
        return None
    try:
        sent = json.loads(raw).get(name)
    except (ValueError, AttributeError):  # pragma: no cover - a success parsed it
        sent = None
    return name, value, sent == value


def echoed_key(headers: list[tuple[bytes, bytes]]) -> bytes | None:
    """The `Idempotency-Key` to echo on the answer to a request with these (ASGI)
    headers, or None when it carries no valid one: the echo is how clients learn that
    this service honours keys (`request_log.RequestLog` adds it)."""
    values = [v for k, v in headers if k == _ECHO_NAME]
    if not values:  # most requests
        return None
    value = b", ".join(values)
    return value if _KEY.fullmatch(value.decode("latin-1")) else None


_ECHO_NAME = headers.IDEMPOTENCY_KEY
