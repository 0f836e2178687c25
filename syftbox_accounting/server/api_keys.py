"""API keys: scoped, revocable Bearer credentials of a user (see openapi.yaml, "API keys").

A key is ``sbk_`` and 43 letters and digits (256 random bits). The service keeps only
an HMAC-SHA256 of it under a server secret (kept in the database like the token secret):
a key is high-entropy, so one keyed hash finds and checks it, and no slow hash is
needed on every request. The table lives beside the store's own, in its database, and
its writes join the store's units of work, so a payment and what it takes from a key's
spend cap commit together or not at all.

Which operations a scope allows is `NEEDS`, one table; the service checks the exact
scope of a transaction's creation and resolution, which depends on its body.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
import secrets
import sqlite3
import string
from collections.abc import Iterable
from typing import Any

from syftbox_accounting.server import bodies, errors
from syftbox_accounting.server.clock import Clock, stamp
from syftbox_accounting.server.errors import ApiError
from syftbox_accounting.server.money import dollars
from syftbox_accounting.server.store import Account, Store

PREFIX = "sbk_"
SECRET_CHARACTERS = 43  # 43 base-62 characters: 256 bits
_ALPHABET = string.ascii_letters + string.digits
_SECRET = re.compile(rf"{PREFIX}[A-Za-z0-9]{{{SECRET_CHARACTERS}}}")
SCOPES = ("read", "pay", "charge", "account", "keys")
# The scopes whose use counts against a spend cap (payments and tokens; refunds): a key
# with a cap may not create keys with them, whose own spending its cap would not see.
SPENDING_SCOPES = ("pay", "charge")
MAX_NAME_LENGTH = 100
MIN_LIFETIME, MAX_LIFETIME = 60, 365 * 86400
MAX_KEY_ID_LENGTH = 64
# Keys an account may hold that are neither revoked nor expired: keys are listed unpaged,
# so a job that makes one per run and never revokes one must stop.
MAX_LIVE_KEYS = 100
# A revoked or expired key stays listed (when it ended, when it was last used) for this
# long, and only the most recently ended `MAX_ENDED_KEYS` of an account: then it is
# deleted, when the account creates or lists keys. Without both, a loop that creates and
# revokes keys would grow the table and the unpaged list without bound.
ENDED_KEPT_FOR = 30 * 86400
MAX_ENDED_KEYS = 100
# `lastUsedAt` is written at most this often per key: a read must not cost a write.
LAST_USED_EVERY = 60.0
# A refused key: the Bearer challenge says why (RFC 6750), then Basic, which the
# operation takes too.
BEARER_CHALLENGE = f'{errors.API_KEY_CHALLENGE}, error="invalid_token", {errors.BASIC_CHALLENGE}'

# The scopes (any one of them) each user operation needs of a key. Creating, confirming
# and cancelling a transaction need `pay` or `charge` here; the service then checks the
# one that fits the transaction (`require`).
NEEDS: dict[str, tuple[str, ...]] = {
    "getMyInfo": ("read",),
    "getUsage": ("read",),
    "listTransactions": ("read",),
    "getTransaction": ("read",),
    "updatePassword": ("account",),
    "updateOrganization": ("account",),
    "createToken": ("pay",),
    "createTransaction": ("pay", "charge"),
    "confirmTransaction": ("pay", "charge"),
    "cancelTransaction": ("pay", "charge"),
    "refundTransaction": ("charge",),
    "createApiKey": ("keys",),
    "listApiKeys": ("keys",),
    "revokeApiKey": ("keys",),
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL,
    key_hash BLOB NOT NULL UNIQUE,
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    hint TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL,
    last_used_at REAL,
    revoked_at REAL,
    max_spend INTEGER,
    spent INTEGER NOT NULL DEFAULT 0,
    CHECK (max_spend IS NULL OR spent <= max_spend)
);
CREATE INDEX IF NOT EXISTS api_keys_by_account ON api_keys (account_id);
"""
_COLUMNS = (
    "id, account_id, name, scopes, hint, created_at, expires_at, last_used_at, revoked_at,"
    " max_spend, spent"
)


# A key and its account in one read (the account's columns in `store.Account`'s order).
_LOGIN = (
    f"SELECT {', '.join('k.' + c for c in _COLUMNS.split(', '))},"
    " a.id, a.email, a.password_hash, a.organization, a.balance, a.held"
    " FROM api_keys k JOIN accounts a ON a.id = k.account_id WHERE k.key_hash = ?"
)
_KEY_FIELDS = len(_COLUMNS.split(", "))


@dataclasses.dataclass(frozen=True, slots=True)
class ApiKey:
    """A stored key (never its secret); times in seconds since the epoch, money in
    micro-dollars."""

    id: str
    account_id: str
    name: str
    scopes: frozenset[str]
    hint: str
    created_at: float
    expires_at: float | None
    last_used_at: float | None
    revoked_at: float | None
    max_spend: int | None
    spent: int


def _key(row: tuple[Any, ...]) -> ApiKey:
    values = list(row)
    values[3] = frozenset(str(values[3]).split())
    return ApiKey(*values)


def ended_at(key: ApiKey, now: float) -> float | None:
    """When the key stopped working (revoked or expired), or None while it works."""
    ends = [t for t in (key.revoked_at, key.expires_at) if t is not None and t <= now]
    return min(ends) if ends else None


def stale(keys: Iterable[ApiKey], now: float) -> list[str]:
    """The ids of the ended keys no longer kept: ended `ENDED_KEPT_FOR` ago or more, or
    beyond the `MAX_ENDED_KEYS` most recently ended (of two ended at once, the later
    created is kept). `keys` come oldest first."""
    ended = sorted(
        (
            (end, order, key.id)
            for order, key in enumerate(keys)
            if (end := ended_at(key, now)) is not None
        ),
        reverse=True,
    )
    return [
        key_id
        for rank, (end, _, key_id) in enumerate(ended)
        if rank >= MAX_ENDED_KEYS or end <= now - ENDED_KEPT_FOR
    ]


def is_api_key(authorization: str | None) -> bool:
    """Whether an Authorization header carries an API key (``Bearer sbk_...``) rather
    than Basic credentials or the admin key (which never starts with ``sbk_``)."""
    if authorization is None:
        return False
    scheme, _, token = authorization.strip().partition(" ")
    return scheme.lower() == "bearer" and token.strip().startswith(PREFIX)


def key_json(key: ApiKey) -> dict[str, Any]:
    from syftbox_accounting.server.responses import decimal, money

    return {
        "id": key.id,
        "name": key.name,
        "scopes": [scope for scope in SCOPES if scope in key.scopes],
        "hint": key.hint,
        "createdAt": stamp(key.created_at),
        "expiresAt": None if key.expires_at is None else stamp(key.expires_at),
        "lastUsedAt": None if key.last_used_at is None else stamp(key.last_used_at),
        "revokedAt": None if key.revoked_at is None else stamp(key.revoked_at),
        "maxSpend": None if key.max_spend is None else money(key.max_spend),
        "maxSpendDecimal": None if key.max_spend is None else decimal(key.max_spend),
        "spent": money(key.spent),
        "spentDecimal": decimal(key.spent),
    }


@dataclasses.dataclass(frozen=True, slots=True)
class NewKey:
    """What `POST /api-key/create` asks for, checked."""

    name: str
    scopes: frozenset[str]
    expires_in: int | None
    max_spend: int | None


def parse_new_key(data: dict[str, Any]) -> NewKey:
    f = bodies.Fields(data, ("name", "scopes", "expiresIn", "maxSpend", "maxSpendDecimal"))
    name = f.required_string("name", min_length=1, max_length=MAX_NAME_LENGTH)
    scopes = _scopes(data, f.details)
    lifetime = f.seconds("expiresIn", MAX_LIFETIME, minimum=MIN_LIFETIME)
    body = NewKey(name, scopes, lifetime, f.optional_amount("maxSpend"))
    f.check()
    return body


def _scopes(data: dict[str, Any], details: list[errors.ErrorDetail]) -> frozenset[str]:
    value = data.get("scopes")
    allowed = ", ".join(SCOPES)
    if "scopes" not in data:
        details.append({"field": "scopes", "problem": "is required"})
    elif not isinstance(value, list) or not value:
        details.append({"field": "scopes", "problem": f"must be a non-empty array of {allowed}"})
    elif not all(isinstance(s, str) and s in SCOPES for s in value):
        details.append({"field": "scopes", "problem": f"may hold only {allowed}"})
    elif len(set(value)) != len(value):
        details.append({"field": "scopes", "problem": "must not name a scope twice"})
    else:
        return frozenset(value)
    return frozenset()


def insufficient_scope(key: ApiKey, scopes: Iterable[str], what: str) -> ApiError:
    wanted = " or ".join(f"'{s}'" for s in scopes)
    return ApiError(
        403,
        "insufficient_scope",
        f"This API key ({key.id}) lacks the {wanted} scope, which {what} needs: use a key "
        "with it, or the password.",
    )


def require(key: ApiKey | None, scope: str, what: str) -> None:
    """403 insufficient_scope unless `key` (None: Basic credentials) has `scope`."""
    if key is not None and scope not in key.scopes:
        raise insufficient_scope(key, (scope,), what)


def _refused(message: str) -> ApiError:
    return ApiError(
        401, "invalid_credentials", message, headers={"WWW-Authenticate": BEARER_CHALLENGE}
    )


class ApiKeys:
    """The API keys, in the store's database (and its units of work)."""

    def __init__(self, store: Store, secret: bytes, clock: Clock) -> None:
        if len(secret) < 32:
            raise ValueError("the API key secret must be at least 32 bytes long")
        self.store = store
        # Keyed once; each hash copies it (the same HMAC-SHA256: one per request).
        self._keyed = hmac.new(secret, digestmod=hashlib.sha256)
        self.clock = clock
        with store.unit() as db:
            for statement in _SCHEMA.strip().split(";"):
                if statement.strip():
                    db.execute(statement)
        store.reset_hooks.append(_wipe)

    def __repr__(self) -> str:
        return "ApiKeys(<secret hidden>)"

    def _hash(self, secret: str) -> bytes:
        mac = self._keyed.copy()
        mac.update(secret.encode("ascii"))
        return mac.digest()

    # -- authentication

    def authenticate(self, authorization: str) -> tuple[ApiKey, Account]:
        """The key an ``Authorization: Bearer sbk_...`` header names, and its account
        (as a login reads it: who it is, its balance maybe a moment old), in one read;
        401 when the key is unknown, revoked or expired."""
        token = authorization.strip().partition(" ")[2].strip()
        if not _SECRET.fullmatch(token):
            raise _refused(
                "Invalid API key: an API key is sbk_ followed by 43 letters and digits. "
                "Check the key, or create one."
            )
        with self.store.read() as db:
            row = db.execute(_LOGIN, (self._hash(token),)).fetchone()
        if row is None:
            raise _refused(
                "Invalid API key: this service knows no such key (it forgets keys "
                f"{ENDED_KEPT_FOR // 86400} days after they were revoked or expired). "
                "Check the key, or create one."
            )
        key, account = _key(row[:_KEY_FIELDS]), Account(*row[_KEY_FIELDS:])
        now = self.clock()
        if key.revoked_at is not None:
            raise _refused(
                f"This API key ({key.id}) was revoked at {stamp(key.revoked_at)}: use "
                "another key, or create one."
            )
        if key.expires_at is not None and now >= key.expires_at:
            raise _refused(
                f"This API key ({key.id}) expired at {stamp(key.expires_at)}: create a new one."
            )
        if key.last_used_at is None or now - key.last_used_at >= LAST_USED_EVERY:
            with self.store.unit() as db:
                db.execute("UPDATE api_keys SET last_used_at = ? WHERE id = ?", (now, key.id))
            key = dataclasses.replace(key, last_used_at=now)
        return key, account

    def revoked(self, authorization: str) -> tuple[ApiKey, Account] | None:
        """The revoked key an ``Authorization: Bearer sbk_...`` header names, and its
        account; None for any other header (for the replay of its own revocation)."""
        found = self._named(authorization)
        if found is None or found[0].revoked_at is None:
            return None
        return found

    def owner(self, authorization: str) -> str | None:
        """The email of the account whose key (live or not) an ``Authorization: Bearer
        sbk_...`` header names, else None; it writes nothing (the test harness's faults
        ask it which account a request comes from)."""
        found = self._named(authorization)
        return None if found is None else found[1].email

    def _named(self, authorization: str) -> tuple[ApiKey, Account] | None:
        token = authorization.strip().partition(" ")[2].strip()
        if not _SECRET.fullmatch(token):
            return None
        with self.store.read() as db:
            row = db.execute(_LOGIN, (self._hash(token),)).fetchone()
        if row is None:
            return None
        return _key(row[:_KEY_FIELDS]), Account(*row[_KEY_FIELDS:])

    # -- the operations

    def create(self, account_id: str, creator: ApiKey | None, raw: bytes) -> tuple[ApiKey, str]:
        """A new key of the account and its secret (shown once)."""
        body = parse_new_key(bodies.parse_object(raw))
        now = self.clock()
        expires = None if body.expires_in is None else now + body.expires_in
        if creator is not None:
            expires = self._within(creator, body, expires)
        secret = PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(SECRET_CHARACTERS))
        key = ApiKey(
            id="key_" + "".join(secrets.choice(_ALPHABET) for _ in range(20)),
            account_id=account_id,
            name=body.name,
            scopes=body.scopes,
            hint=f"{PREFIX}...{secret[-4:]}",
            created_at=now,
            expires_at=expires,
            last_used_at=None,
            revoked_at=None,
            max_spend=body.max_spend,
            spent=0,
        )
        with self.store.unit() as db:
            kept = _prune(db, account_id, now)
            live = sum(1 for k in kept if ended_at(k, now) is None)
            if live >= MAX_LIVE_KEYS:
                raise errors.forbidden(
                    f"This account has {live} API keys that are neither revoked nor expired, "
                    f"the most it may have ({MAX_LIVE_KEYS}): revoke the ones no longer in use "
                    "(listApiKeys shows when each was last used), then create this one."
                )
            db.execute(
                f"INSERT INTO api_keys (key_hash, {_COLUMNS})"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    self._hash(secret),
                    key.id,
                    key.account_id,
                    key.name,
                    " ".join(sorted(key.scopes)),
                    key.hint,
                    key.created_at,
                    key.expires_at,
                    None,
                    None,
                    key.max_spend,
                    0,
                ),
            )
        return key, secret

    @staticmethod
    def _within(creator: ApiKey, body: NewKey, expires: float | None) -> float | None:
        """A key made by a key gets no more than its maker: its scopes, its life, and no
        way around its spend cap. Returns the new key's expiry."""
        extra = sorted(body.scopes - creator.scopes)
        if extra:
            raise errors.forbidden(
                f"This API key ({creator.id}) cannot create a key with scopes it lacks "
                f"({', '.join(extra)}): ask for fewer scopes, or use the password."
            )
        spending = sorted(set(SPENDING_SCOPES) & body.scopes)
        if creator.max_spend is not None and spending:
            named = " and ".join(f"'{scope}'" for scope in spending)
            raise errors.forbidden(
                f"This API key ({creator.id}) has a spend cap, so the keys it creates cannot "
                f"commit the account's money (pay, or refund): leave {named} out, or use the "
                "password."
            )
        if creator.expires_at is not None:
            if expires is None:
                return creator.expires_at
            if expires > creator.expires_at:
                raise errors.forbidden(
                    f"This API key ({creator.id}) expires at {stamp(creator.expires_at)}; "
                    "the keys it creates cannot outlive it: ask for a shorter expiresIn."
                )
        return expires

    def list(self, account_id: str) -> list[ApiKey]:
        """The account's keys, oldest first, less the ended ones no longer kept (`stale`),
        which it deletes: a write only when there are some."""
        with self.store.read() as db:
            keys = _keys_of(db, account_id)
        if not stale(keys, self.clock()):
            return keys
        with self.store.unit() as db:
            return _prune(db, account_id, self.clock())

    def revoke(self, account_id: str, raw: bytes) -> ApiKey:
        f = bodies.Fields(bodies.parse_object(raw), ("keyId",))
        key_id = f.required_string("keyId", min_length=1, max_length=MAX_KEY_ID_LENGTH)
        f.check()
        with self.store.unit() as db:
            db.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND account_id = ?"
                " AND revoked_at IS NULL",
                (self.clock(), key_id, account_id),
            )
            row = db.execute(
                f"SELECT {_COLUMNS} FROM api_keys WHERE id = ? AND account_id = ?",
                (key_id, account_id),
            ).fetchone()
        if row is None:
            raise errors.not_found(
                f"No API key {key_id} among yours. Check its id (listApiKeys lists them)."
            )
        return _key(row)

    def spend(self, db: sqlite3.Connection, key: ApiKey, amount: int) -> None:
        """Count `amount` against the key's spend cap, inside the caller's unit of work
        (which rolls back the payment too when this refuses: 409 spend_cap_exceeded)."""
        grown = db.execute(
            "UPDATE api_keys SET spent = spent + ? WHERE id = ?"
            " AND (max_spend IS NULL OR spent + ? <= max_spend)",
            (amount, key.id, amount),
        )
        if grown.rowcount == 1:
            return
        (spent, cap) = db.execute(
            "SELECT spent, max_spend FROM api_keys WHERE id = ?", (key.id,)
        ).fetchone()
        raise spend_cap_exceeded(key, amount, int(spent), int(cap))

    def left(self, key: ApiKey) -> int | None:
        """What the key may still commit (None: no cap), as stored now."""
        if key.max_spend is None:
            return None
        with self.store.read() as db:
            (spent,) = db.execute("SELECT spent FROM api_keys WHERE id = ?", (key.id,)).fetchone()
        return max(0, key.max_spend - int(spent))


def _keys_of(db: sqlite3.Connection, account_id: str) -> list[ApiKey]:
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM api_keys WHERE account_id = ? ORDER BY seq", (account_id,)
    ).fetchall()
    return [_key(row) for row in rows]


def _prune(db: sqlite3.Connection, account_id: str, now: float) -> list[ApiKey]:
    """Delete the account's `stale` keys in the caller's unit of work; the rest, oldest
    first."""
    keys = _keys_of(db, account_id)
    doomed = set(stale(keys, now))
    if doomed:
        db.executemany(
            "DELETE FROM api_keys WHERE id = ? AND account_id = ?",
            [(key_id, account_id) for key_id in doomed],
        )
    return [key for key in keys if key.id not in doomed]


def _wipe(db: sqlite3.Connection) -> None:
    db.execute("DELETE FROM api_keys")


def spend_cap_exceeded(key: ApiKey, amount: int, spent: int, cap: int) -> ApiError:
    return ApiError(
        409,
        "spend_cap_exceeded",
        f"This API key ({key.id}) may commit {dollars(cap)} in all and has committed "
        f"{dollars(spent)}: {dollars(max(0, cap - spent))} left, less than {dollars(amount)}. "
        "Nothing moved. Use another key, or the password.",
    )
