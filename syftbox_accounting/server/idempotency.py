"""Idempotency keys: a POST or PUT sent again with its `Idempotency-Key` gets the first
answer again, and changes nothing.

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

Keys are stored hashed, scoped to the caller; bodies are encrypted with a key derived
from the idempotency key itself (a `/user/create` answer holds a password), so the
database alone never shows one. Answers of 500 and above are not stored. Records live
24 hours and are purged as claims go by.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import re
import secrets
import sqlite3
import time
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from syftbox_accounting.server import errors
from syftbox_accounting.server.auth import check_admin, parse_basic
from syftbox_accounting.server.responses import error_response
from syftbox_accounting.server.store import Store

if TYPE_CHECKING:
    from starlette.requests import Request

    from syftbox_accounting.server.service import AccountingService, Caller

T = TypeVar("T")

KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
TTL = 24 * 3600.0
# A claim this old belongs to a request whose process died: nothing of it was
# committed (its answer would have cleared the claim), so another may take the key.
STALE_CLAIM = 60.0
_PURGE_EVERY = 60.0
_KEY = re.compile(r"[!-~]{1,255}")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS idempotency_keys (
    scope TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    proof TEXT NOT NULL,
    owner TEXT,
    status INTEGER,
    body BLOB,
    created_at REAL NOT NULL,
    PRIMARY KEY (scope, key_hash)
);
CREATE INDEX IF NOT EXISTS idempotency_keys_by_age ON idempotency_keys (created_at);
"""


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


def fingerprint(method: str, path: str, raw: bytes) -> str:
    """What makes two requests the same: method, path and the body's JSON value (key
    order and spacing aside), money by its value in either of the contract's forms
    (`amount: 10` is `amountDecimal: "10"`); a body that is not JSON counts by its bytes."""
    try:
        value = json.loads(raw, parse_float=Decimal, parse_int=Decimal)
        body = _canonical(_money_by_value(value) if isinstance(value, dict) else value)
    except (ValueError, RecursionError):
        body = "bytes:" + raw.hex()
    return _hash(method.upper(), path, body)


_MONEY_TEXT = re.compile(r"[0-9]{1,30}(?:\.[0-9]{1,30})?")


def _money_by_value(body: dict[str, Any]) -> dict[str, Any]:
    """`body` with each amount sent as a decimal string (``amountDecimal``...) in the
    place of its number, both as one value: a client that learns `exact-money` between
    two tries of one request sends the same request in the other form."""
    merged = dict(body)
    for name, text in body.items():
        number_name = name.removesuffix("Decimal")
        if number_name == name or not isinstance(text, str) or not _MONEY_TEXT.fullmatch(text):
            continue
        value = Decimal(text)
        number = merged.get(number_name)
        if number is not None and not (isinstance(number, Decimal) and number == value):
            continue  # two forms that disagree: another request (it is a 422 anyway)
        del merged[name]
        merged[number_name] = value
    return merged


def _canonical(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(f"{k!r}:{_canonical(value[k])}" for k in sorted(value)) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_canonical(v) for v in value) + "]"
    if isinstance(value, Decimal) and value.is_finite():
        value = value.normalize()  # one number however written: 10, 10.0, 1e1
    return repr(value)  # Decimal('1E+1') and '10' stay apart


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


@dataclasses.dataclass(frozen=True, slots=True)
class Stored:
    """A key's record: answered (`status`, `body`), or still being processed."""

    fingerprint: str
    proof: str
    status: int | None
    body: bytes | None

    @property
    def in_progress(self) -> bool:
        return self.status is None


@dataclasses.dataclass(frozen=True, slots=True)
class Claim:
    """A key taken by one request, until `Keys.answer` stores its answer."""

    scope: str
    key: str
    owner: str


class Keys:
    """The idempotency records, in the store's database (and its transactions)."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock
        self._last_purge = 0.0
        with store.unit() as db:
            for statement in _SCHEMA.strip().split(";"):
                if statement.strip():
                    db.execute(statement)
        store.reset_hooks.append(_wipe)

    @staticmethod
    def proof(key: str, authorization: str | None) -> str:
        """Ties a record to the exact credentials of its first request."""
        return _hash("proof", key, authorization or "")

    def lookup(self, scope: str, key: str) -> Stored | None:
        with self.store.unit() as db:
            return self._find(db, scope, key)

    def _find(self, db: sqlite3.Connection, scope: str, key: str) -> Stored | None:
        row = db.execute(
            "SELECT fingerprint, proof, owner, status, body, created_at FROM idempotency_keys"
            " WHERE scope = ? AND key_hash = ?",
            (scope, _key_hash(key)),
        ).fetchone()
        if row is None or row[5] <= self.clock() - TTL:
            return None
        fp, proof, owner, status, body, created_at = row
        if owner is not None:
            if created_at <= self.clock() - STALE_CLAIM:
                return None
            return Stored(fp, proof, None, None)
        return Stored(fp, proof, int(status), _open(key, scope, bytes(body)))

    def claim(self, scope: str, key: str, fp: str, proof: str) -> Claim | Stored:
        """Take `key` for this request, or the record it already has."""
        now = self.clock()
        with self.store.unit() as db:
            if now - self._last_purge >= _PURGE_EVERY:
                self._purge(db, now)
            found = self._find(db, scope, key)
            if found is not None:
                return found
            owner = secrets.token_hex(16)
            # An expired or abandoned record of this key gives way to the new claim.
            db.execute(
                "INSERT OR REPLACE INTO idempotency_keys"
                " (scope, key_hash, fingerprint, proof, owner, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (scope, _key_hash(key), fp, proof, owner, now),
            )
            return Claim(scope, key, owner)

    def store_answer(self, db: sqlite3.Connection, claim: Claim, status: int, body: bytes) -> None:
        """Record the answer, inside the unit of work that made it."""
        cursor = db.execute(
            "UPDATE idempotency_keys SET owner = NULL, status = ?, body = ?"
            " WHERE scope = ? AND key_hash = ? AND owner = ?",
            (
                status,
                _seal(claim.key, claim.scope, body),
                claim.scope,
                _key_hash(claim.key),
                claim.owner,
            ),
        )
        if cursor.rowcount != 1:
            # Our claim went stale and another request took the key: undo this one.
            raise errors.request_in_progress()

    def release(self, claim: Claim) -> None:
        """Give the key back after an answer that is not stored (500 and above)."""
        with self.store.unit() as db:
            db.execute(
                "DELETE FROM idempotency_keys WHERE scope = ? AND key_hash = ? AND owner = ?",
                (claim.scope, _key_hash(claim.key), claim.owner),
            )

    def purge(self) -> int:
        """Delete the records older than 24 hours; returns how many."""
        with self.store.unit() as db:
            return self._purge(db, self.clock())

    def _purge(self, db: sqlite3.Connection, now: float) -> int:
        self._last_purge = now
        return db.execute(
            "DELETE FROM idempotency_keys WHERE created_at <= ?", (now - TTL,)
        ).rowcount


def _wipe(db: sqlite3.Connection) -> None:
    db.execute("DELETE FROM idempotency_keys")


def _key_hash(key: str) -> str:
    return _hash("key", key)


def _cipher(key: str, scope: str) -> tuple[AESGCM, bytes]:
    secret = hashlib.sha256(f"body\x00{scope}\x00{key}".encode()).digest()
    return AESGCM(secret), scope.encode()


def _seal(key: str, scope: str, body: bytes) -> bytes:
    cipher, aad = _cipher(key, scope)
    nonce = os.urandom(12)
    return nonce + cipher.encrypt(nonce, body, aad)


def _open(key: str, scope: str, sealed: bytes) -> bytes:
    cipher, aad = _cipher(key, scope)
    try:
        return cipher.decrypt(sealed[:12], sealed[12:], aad)
    except InvalidTag:  # pragma: no cover - only a tampered database gets here
        raise errors.internal_error() from None


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
        account = service.store.account(email, identity_only=True)
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
