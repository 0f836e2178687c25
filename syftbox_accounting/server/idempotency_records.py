"""Idempotency records: the store of keyed answers, in the service's database.

A record maps (scope, key) to the request's fingerprint and, once answered, the answer
(status and sealed body). `Keys.claim` takes a key for one request in its own short
database transaction; `Keys.store_answer` records the answer inside the unit of work
that made it; `Keys.release` gives the key back. The HTTP side (`idempotency`) decides
when to call them.

Keys are stored hashed, scoped to the caller; bodies are encrypted with a key derived
from the idempotency key itself (a `/user/create` answer holds a password), so the
database alone never shows one. Records live 24 hours and are purged as claims go by.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import secrets
import sqlite3
import time
from collections.abc import Callable
from decimal import Decimal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from syftbox_accounting.server import errors
from syftbox_accounting.server.store import Store

TTL = 24 * 3600.0
# A claim this old belongs to a request whose process died: nothing of it was
# committed (its answer would have cleared the claim), so another may take the key.
STALE_CLAIM = 60.0
_PURGE_EVERY = 60.0

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


def fingerprint(method: str, path: str, raw: bytes) -> str:
    """What makes two requests the same: method, path and the body's JSON value (key
    order and spacing aside); a body that is not JSON counts by its bytes."""
    try:
        body = _canonical(json.loads(raw, parse_float=Decimal, parse_int=Decimal))
    except (ValueError, RecursionError):
        body = "bytes:" + raw.hex()
    return _hash(method.upper(), path, body)


def _canonical(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(f"{k!r}:{_canonical(value[k])}" for k in sorted(value)) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_canonical(v) for v in value) + "]"
    return repr(value)  # Decimal('10') and '10' stay apart


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
