"""Idempotency records: the keyed answers, in the service's database.

A record maps (scope, key) to the request's fingerprint and, once answered, its answer
(status and sealed body). Work that waits between taking a key and answering (it hashes
a password) takes it with `Keys.claim`, in a short database transaction of its own (or
finds its record); `Keys.settle` records a success inside the unit of work that made
it, or forgets the claim of an answer that changed nothing; `Keys.release` gives the
key back after a failure. Work of microseconds does all of it in one unit of work, which
no other request sees until it commits: `Keys.reserve_in` checks the key and the room
for a record, writing nothing, and `Keys.record_in` stores a success with the change it
made (one statement). The HTTP side (`idempotency`) decides when to call them.

What the database holds, and what it never holds:
- keys and fingerprints only as HMACs under a key derived from the service's secret
  (the token key: kept out of the database with `--token-key-file`);
- a request's secret fields (passwords) in no form at all: the fingerprint replaces
  them by a marker, and a replay proves them against the account's own hash;
- an answer's secret member that the request gave (a chosen password) is cut out of
  the stored body and put back from the replaying request; one the service made (a
  generated password) is never stored, so never replayed;
- bodies sealed with AES-GCM under a key derived from the same secret.

Bounds: only successes are stored (an answer that changed nothing leaves no record);
records of a caller (an account, the admin) live `ttl`, those of requests without one
`anonymous_ttl`; at most `per_scope` records per caller (all anonymous requests are
one caller), answered `429 rate_limited` past it, and `total` in all, answered
`503 unavailable`, both with the seconds until the oldest record expires. The
confirmation or cancellation of a pending transaction is let past the caller's cap (not
the total): a charge whose creation got in can always be finished or undone, and there
are no more of them than pending transactions, each made with a record of its own. Expired
records are purged every minute or so, and at once when they stand in the way of a new
one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import math
import os
import re
import secrets
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from syftbox_accounting.server import errors
from syftbox_accounting.server.store import Store

DEFAULT_TTL = 24 * 3600.0
DEFAULT_ANONYMOUS_TTL = 3600.0
DEFAULT_PER_SCOPE = 10_000
DEFAULT_TOTAL = 1_000_000
# A claim this old belongs to a request whose process died: nothing of it was
# committed (its answer would have cleared the claim), so another may take the key.
STALE_CLAIM = 60.0
_PURGE_EVERY = 60.0
_PURGE_BATCH = 5000
_TOTAL = "*"  # the counts row of every record
_SECRET_MARK = "\x00secret"  # what a secret field's value is in a fingerprint

# `{schema}`: the store's `side_schema`; statements name the tables alone (SQLite
# finds them in whichever database holds them).
_SCHEMA = """
CREATE TABLE IF NOT EXISTS {schema}.idempotency_records (
    scope TEXT NOT NULL,
    key_hash BLOB NOT NULL,
    fingerprint BLOB NOT NULL,
    owner BLOB,
    status INTEGER,
    body BLOB,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (scope, key_hash)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS {schema}.idempotency_records_by_expiry
    ON idempotency_records (expires_at);
CREATE INDEX IF NOT EXISTS {schema}.idempotency_records_by_scope_expiry
    ON idempotency_records (scope, expires_at);
CREATE TABLE IF NOT EXISTS {schema}.idempotency_counts (
    scope TEXT PRIMARY KEY,
    records INTEGER NOT NULL
) WITHOUT ROWID;
"""
# The table of earlier versions kept plain SHA-256 hashes of bodies that held
# passwords: dropped, not migrated (its records were at most 24 hours old).
_OBSOLETE = "DROP TABLE IF EXISTS idempotency_keys"


@dataclasses.dataclass(frozen=True, slots=True)
class RecordLimits:
    """How long records live and how many there may be (see the module docstring)."""

    ttl: float = DEFAULT_TTL
    anonymous_ttl: float = DEFAULT_ANONYMOUS_TTL
    per_scope: int = DEFAULT_PER_SCOPE
    total: int = DEFAULT_TOTAL

    def __post_init__(self) -> None:
        for name in ("ttl", "anonymous_ttl"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number of seconds, not {value!r}")
        for name in ("per_scope", "total"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number of at least 1, not {value!r}")


@dataclasses.dataclass(frozen=True, slots=True)
class Scope:
    """Whose records: an account's, the admin's, or those of requests without a
    caller (whose key is then bound to the request's fingerprint too)."""

    name: str

    @classmethod
    def account(cls, account_id: str) -> Scope:
        return cls(f"account:{account_id}")

    @property
    def anonymous(self) -> bool:
        return self.name == ANONYMOUS.name


ADMIN = Scope("admin")
ANONYMOUS = Scope("anonymous")


@dataclasses.dataclass(frozen=True, slots=True)
class Withheld:
    """An answer's secret member cut out of the stored body: the JSON string member
    `"name":value` stood at byte `offset`; `from_request` when the request gave the
    value (a replay puts the replaying request's back), else it was the service's own
    (never replayed)."""

    name: str
    offset: int
    from_request: bool


@dataclasses.dataclass(frozen=True, slots=True)
class Stored:
    """A key's record: answered (`status`, `body`), or still being processed."""

    fingerprint: bytes
    status: int | None
    body: bytes | None
    withheld: Withheld | None = None

    @property
    def in_progress(self) -> bool:
        return self.status is None


@dataclasses.dataclass(frozen=True, slots=True)
class Claim:
    """A key taken by one request, until `Keys.settle` or `Keys.release`."""

    scope: Scope
    key: str
    key_hash: bytes
    owner: bytes


@dataclasses.dataclass(frozen=True, slots=True)
class Reserved:
    """A key found free inside a unit of work (`Keys.reserve_in`), with room for its
    record; nothing is written until `Keys.record_in`. `replaces`: an expired or
    abandoned record of the key is in the way, and the new one takes its place."""

    scope: Scope
    key: str
    key_hash: bytes
    fingerprint: bytes
    at: float
    replaces: bool


class Keys:
    """The idempotency records, in the store's database (and its transactions).

    `secret` is the service's secret (the token key); the records' own keys are
    derived from it.
    """

    def __init__(
        self,
        store: Store,
        secret: bytes,
        limits: RecordLimits | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.limits = limits or RecordLimits()
        self.clock = clock
        self._key = hmac.new(secret, b"syftbox-accounting idempotency records", "sha256").digest()
        # Keyed once; each MAC copies it (the same HMAC-SHA256, without setting up the
        # key and the digest again: three per keyed request).
        self._keyed = hmac.new(self._key, digestmod=hashlib.sha256)
        self._last_purge = 0.0
        with store.unit() as db:
            db.execute(_OBSOLETE)
            for statement in _SCHEMA.format(schema=store.side_schema).strip().split(";"):
                if statement.strip():
                    db.execute(statement)
        store.reset_hooks.append(_wipe)

    # -- what is stored instead of keys, bodies and answers

    def _mac(self, *parts: str | bytes, size: int = 16) -> bytes:
        message = b"\x00".join(
            p if isinstance(p, bytes) else p.encode("utf-8", "surrogatepass") for p in parts
        )
        mac = self._keyed.copy()
        mac.update(message)
        return mac.digest()[:size]

    def fingerprint(
        self, method: str, path: str, raw: bytes, secret_fields: Sequence[str] = ()
    ) -> bytes:
        """What makes two requests the same: method, path and the body's JSON value
        (key order and spacing aside; a body that is not JSON counts by its bytes),
        with each secret field's value replaced by a marker (or null, when null)."""
        try:
            document = json.loads(raw, parse_float=Decimal, parse_int=Decimal)
        except (ValueError, RecursionError):
            return self._mac("fp", method.upper(), path, b"bytes", raw)
        if isinstance(document, dict):
            for name in secret_fields:
                if document.get(name) is not None:
                    document[name] = _SECRET_MARK
            document = _money_by_value(document)
        try:
            canonical = _canonical(document)
        except RecursionError:
            return self._mac("fp", method.upper(), path, b"bytes", raw)
        return self._mac("fp", method.upper(), path, canonical)

    def _key_hash(self, scope: Scope, key: str, fp: bytes) -> bytes:
        # Without a caller, the key alone is no scope: another body is another request.
        return self._mac("key", key, fp) if scope.anonymous else self._mac("key", key)

    def _cipher(self, scope: Scope, key: str) -> AESGCM:
        return AESGCM(self._mac("body", scope.name, key, size=32))

    def _seal(self, scope: Scope, key: str, plain: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._cipher(scope, key).encrypt(nonce, plain, scope.name.encode())

    def _open(self, scope: Scope, key: str, sealed: bytes) -> bytes:
        try:
            return self._cipher(scope, key).decrypt(sealed[:12], sealed[12:], scope.name.encode())
        except InvalidTag:  # pragma: no cover - only a tampered database gets here
            raise errors.internal_error() from None

    # -- records

    def _ttl(self, scope: Scope) -> float:
        return self.limits.anonymous_ttl if scope.anonymous else self.limits.ttl

    def lookup(self, scope: Scope, key: str, fp: bytes) -> Stored | None:
        """The record of `key` in `scope`, without claiming it."""
        with self.store.unit() as db:
            return self._find(db, scope, key, self._key_hash(scope, key, fp), self.clock())[0]

    def _find(
        self, db: sqlite3.Connection, scope: Scope, key: str, key_hash: bytes, now: float
    ) -> tuple[Stored | None, bool]:
        """The live record of `key`, if any, and whether a row of it exists at all (an
        expired or abandoned one gives way to a new request)."""
        row = db.execute(
            "SELECT fingerprint, owner, status, body, created_at, expires_at"
            " FROM idempotency_records WHERE scope = ? AND key_hash = ?",
            (scope.name, key_hash),
        ).fetchone()
        if row is None:
            return None, False
        fp, owner, status, body, created_at, expires_at = row
        if expires_at <= now:
            return None, True
        if owner is not None:
            if created_at <= now - STALE_CLAIM:
                return None, True
            return Stored(bytes(fp), None, None), True
        plain = self._open(scope, key, bytes(body))
        header, _, answer = plain.partition(b"\n")
        withheld = _withheld_from(header)
        return Stored(bytes(fp), int(status), answer, withheld), True

    def claim(self, scope: Scope, key: str, fp: bytes) -> Claim | Stored:
        """Take `key` for this request, or the record it already has, in a database
        transaction of its own. Raises 429 rate_limited past the caller's cap, 503
        unavailable past the total."""
        with self.store.unit() as db:
            return self.claim_in(db, scope, key, fp)

    def claim_in(self, db: sqlite3.Connection, scope: Scope, key: str, fp: bytes) -> Claim | Stored:
        """`claim`, inside the caller's unit of work (`Store.unit`)."""
        found = self.reserve_in(db, scope, key, fp)
        if isinstance(found, Stored):
            return found
        owner = secrets.token_bytes(16)
        self._put(db, found, owner, None, None)
        return Claim(scope, key, found.key_hash, owner)

    def reserve_in(
        self,
        db: sqlite3.Connection,
        scope: Scope,
        key: str,
        fp: bytes,
        *,
        past_cap: bool = False,
    ) -> Reserved | Stored:
        """Inside the caller's unit of work (`Store.unit`): the record `key` already
        has, or the key found free with room for a record (429 rate_limited past the
        caller's cap, unless `past_cap`; 503 unavailable past the total), writing
        nothing but a due purge of expired records. For work that acts and records its
        answer (`record_in`) in that same database transaction."""
        now = self.clock()
        key_hash = self._key_hash(scope, key, fp)
        if now - self._last_purge >= _PURGE_EVERY:
            self._purge(db, now)
        found, present = self._find(db, scope, key, key_hash, now)
        if found is not None:
            return found
        present = self._check_room(db, scope, key_hash, now, present, capped=not past_cap)
        return Reserved(scope, key, key_hash, fp, now, replaces=present)

    def record_in(
        self,
        db: sqlite3.Connection,
        reserved: Reserved,
        status: int,
        body: bytes,
        withheld: tuple[str, str, bool] | None = None,
    ) -> None:
        """Inside the unit of work of `reserve_in` that made the answer: store it when it
        is a success (a change to replay); an answer that changed nothing leaves no
        record. `withheld` as for `settle`."""
        if 200 <= status < 300:
            sealed = self._sealed(reserved.scope, reserved.key, body, withheld)
            self._put(db, reserved, None, status, sealed)

    def _put(
        self,
        db: sqlite3.Connection,
        reserved: Reserved,
        owner: bytes | None,
        status: int | None,
        sealed: bytes | None,
    ) -> None:
        """Write the record of a reserved key: a claim (`owner`) or an answer, in the
        place of any expired or abandoned one, counted when it is a new one."""
        db.execute(
            "INSERT INTO idempotency_records"
            " (scope, key_hash, fingerprint, owner, status, body, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (scope, key_hash) DO UPDATE SET"
            " fingerprint = excluded.fingerprint, owner = excluded.owner,"
            " status = excluded.status, body = excluded.body,"
            " created_at = excluded.created_at, expires_at = excluded.expires_at",
            (
                reserved.scope.name,
                reserved.key_hash,
                reserved.fingerprint,
                owner,
                status,
                sealed,
                reserved.at,
                reserved.at + self._ttl(reserved.scope),
            ),
        )
        if not reserved.replaces:
            _count(db, {reserved.scope.name: 1, _TOTAL: 1})

    def _check_room(
        self,
        db: sqlite3.Connection,
        scope: Scope,
        key_hash: bytes,
        now: float,
        present: bool,
        *,
        capped: bool = True,
    ) -> bool:
        """429 (past the caller's cap, when `capped`) or 503 (past the total) unless a
        new record of `key_hash` fits; an expired or abandoned record of that key
        (`present`) gives way, so its place is no new one. Expired
        records in the way are purged first, whenever the periodic purge last ran (it
        is undone with the transaction of a refused request). Returns whether the key's
        own row is still there."""
        purged: set[Scope | None] = set()
        while True:
            held = dict(
                db.execute(
                    "SELECT scope, records FROM idempotency_counts WHERE scope IN (?, ?)",
                    (scope.name, _TOTAL),
                ).fetchall()
            )
            if capped and held.get(scope.name, 0) - present >= self.limits.per_scope:
                full: Scope | None = scope
                (oldest,) = db.execute(
                    "SELECT MIN(expires_at) FROM idempotency_records WHERE scope = ?",
                    (scope.name,),
                ).fetchone()
            elif held.get(_TOTAL, 0) - present >= self.limits.total:
                full = None
                (oldest,) = db.execute("SELECT MIN(expires_at) FROM idempotency_records").fetchone()
            else:
                return present
            if full in purged or oldest is None or oldest > now:
                if full is None:
                    raise errors.records_full(_seconds_until(oldest, now))
                raise errors.too_many_records(self.limits.per_scope, _seconds_until(oldest, now))
            purged.add(full)
            self._purge(db, now, full)
            present = (
                db.execute(
                    "SELECT 1 FROM idempotency_records WHERE scope = ? AND key_hash = ?",
                    (scope.name, key_hash),
                ).fetchone()
                is not None
            )

    def settle(
        self,
        db: sqlite3.Connection,
        claim: Claim,
        status: int,
        body: bytes,
        withheld: tuple[str, str, bool] | None = None,
    ) -> None:
        """Inside the unit of work that made the answer: store it when it is a success
        (a change to replay), or forget the claim when it changed nothing. `withheld`
        is (name, value, from_request) of the answer's secret member to cut out."""
        if not 200 <= status < 300:
            self._forget(db, claim)
            return
        cursor = db.execute(
            "UPDATE idempotency_records SET owner = NULL, status = ?, body = ?"
            " WHERE scope = ? AND key_hash = ? AND owner = ?",
            (
                status,
                self._sealed(claim.scope, claim.key, body, withheld),
                claim.scope.name,
                claim.key_hash,
                claim.owner,
            ),
        )
        if cursor.rowcount != 1:
            # Our claim went stale and another request took the key: undo this one.
            raise errors.request_in_progress()

    def _sealed(
        self, scope: Scope, key: str, body: bytes, withheld: tuple[str, str, bool] | None
    ) -> bytes:
        """What is stored of an answer: sealed, without its secret member (`withheld`)."""
        header = b"{}"
        if withheld is not None:
            name, value, from_request = withheld
            member = _member(name, value)
            offset = body.find(member)
            if offset < 0 or body.find(member, offset + 1) >= 0:  # pragma: no cover
                raise errors.internal_error()  # the answer is not as rendered: store nothing
            body = body[:offset] + body[offset + len(member) :]
            header = json.dumps({"withheld": [name, offset, from_request]}).encode()
        return self._seal(scope, key, header + b"\n" + body)

    def _forget(self, db: sqlite3.Connection, claim: Claim) -> None:
        gone = db.execute(
            "DELETE FROM idempotency_records WHERE scope = ? AND key_hash = ? AND owner = ?",
            (claim.scope.name, claim.key_hash, claim.owner),
        ).rowcount
        if gone:
            _count(db, {claim.scope.name: -gone, _TOTAL: -gone})

    def release(self, claim: Claim) -> None:
        """Give the key back after an answer that is not stored (500 and above)."""
        with self.store.unit() as db:
            self._forget(db, claim)

    def purge(self) -> int:
        """Delete the expired records; returns how many."""
        removed = 0
        while True:
            with self.store.unit() as db:
                batch = self._purge(db, self.clock())
            removed += batch
            if batch < _PURGE_BATCH:
                return removed

    def _purge(self, db: sqlite3.Connection, now: float, scope: Scope | None = None) -> int:
        """Delete a batch of the records expired by `now` (of `scope` alone, when given,
        which leaves the periodic purge's schedule as it was); returns how many."""
        among: str = ""
        values: tuple[str | float, ...] = (now, _PURGE_BATCH)
        if scope is None:
            self._last_purge = now
        else:
            among, values = "scope = ? AND ", (scope.name, *values)
        scopes = [
            name
            for (name,) in db.execute(
                "DELETE FROM idempotency_records WHERE (scope, key_hash) IN"
                f" (SELECT scope, key_hash FROM idempotency_records WHERE {among}expires_at <= ?"
                "  ORDER BY expires_at LIMIT ?) RETURNING scope",
                values,
            ).fetchall()
        ]
        if scope is None and len(scopes) == _PURGE_BATCH:
            self._last_purge = 0.0  # more are due: purge again at the next claim
        if scopes:
            counted = Counter(scopes)
            _count(db, {**{s: -n for s, n in counted.items()}, _TOTAL: -len(scopes)})
        return len(scopes)

    def count(self, scope: Scope | None = None) -> int:
        """How many records `scope` holds (every scope's, for None)."""
        with self.store.unit() as db:
            row = db.execute(
                "SELECT records FROM idempotency_counts WHERE scope = ?",
                (_TOTAL if scope is None else scope.name,),
            ).fetchone()
        return 0 if row is None else int(row[0])


def restore(stored: Stored, value: str) -> bytes:
    """The stored body with its withheld member put back with `value`."""
    assert stored.body is not None
    assert stored.withheld is not None
    offset, member = stored.withheld.offset, _member(stored.withheld.name, value)
    return stored.body[:offset] + member + stored.body[offset:]


def _member(name: str, value: str) -> bytes:
    # As the service renders a member after another one (compact JSON, ASCII escapes).
    return b"," + json.dumps(name).encode() + b":" + json.dumps(value).encode()


def _withheld_from(header: bytes) -> Withheld | None:
    described = json.loads(header).get("withheld")
    if described is None:
        return None
    name, offset, from_request = described
    return Withheld(str(name), int(offset), bool(from_request))


def _count(db: sqlite3.Connection, changes: dict[str, int]) -> None:
    """Move the counts of records by `changes` (scope: change), in one statement."""
    moved = [(scope, change) for scope, change in changes.items() if change]
    if not moved:
        return
    db.execute(
        "INSERT INTO idempotency_counts (scope, records) VALUES"
        + ", ".join(["(?, ?)"] * len(moved))
        + " ON CONFLICT (scope) DO UPDATE SET records = records + excluded.records",
        [value for pair in moved for value in pair],
    )
    if any(change < 0 for _, change in moved):
        db.execute("DELETE FROM idempotency_counts WHERE records <= 0")


def _seconds_until(moment: float | None, now: float) -> int:
    return 1 if moment is None else max(1, math.ceil(moment - now))


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


def _wipe(db: sqlite3.Connection) -> None:
    db.execute("DELETE FROM idempotency_records")
    db.execute("DELETE FROM idempotency_counts")
