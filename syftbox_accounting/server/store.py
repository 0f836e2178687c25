"""SQLite storage: accounts, transactions and spent tokens, money as integer micro-dollars.

One connection guarded by a lock serves every thread: each call is a few microseconds
of SQLite work, and a single writer makes every money movement trivially serial. Each
movement also runs in one `BEGIN IMMEDIATE` transaction, so it stays atomic when
several processes share a database file.

A PENDING transaction holds its amount from its sender (`accounts.held`, never above the
balance) until it is confirmed, cancelled, or its hold lapses at `expires_at`. Lapsed
holds are released without anyone calling: every write releases them first, and every
read first checks (through a partial index) whether one is due, so no answer given after
`expires_at` shows the hold.
"""

from __future__ import annotations

import contextlib
import dataclasses
import operator
import os
import secrets
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from syftbox_accounting.server import errors
from syftbox_accounting.server import usage as counters
from syftbox_accounting.server.bodies import DEFAULT_HOLD_SECONDS, same_email
from syftbox_accounting.server.clock import Clock, stamp
from syftbox_accounting.server.files import prepare_database
from syftbox_accounting.server.history import HistoryQuery, Window
from syftbox_accounting.server.money import MAX_BALANCE_MICROS, format_micros
from syftbox_accounting.server.tokens import TokenClaims
from syftbox_accounting.server.usage import Usage

Actor = Literal["SYSTEM", "SENDER", "RECIPIENT"]
Status = Literal["PENDING", "COMPLETED", "CANCELLED"]

_ACCOUNTS_TABLE = """
CREATE TABLE IF NOT EXISTS accounts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    organization TEXT,
    balance INTEGER NOT NULL CHECK (balance >= 0),
    -- What the account started with (not a transaction), so that the books can be audited:
    -- sum(balance) = sum(initial_credit) + sum(SYSTEM credits).
    initial_credit INTEGER NOT NULL CHECK (initial_credit >= 0),
    created_at TEXT NOT NULL,
    -- What its pending transactions hold, as their sender: the available balance is
    -- balance - held.
    held INTEGER NOT NULL DEFAULT 0,
    CHECK (held >= 0 AND held <= balance)
)"""
_TRANSACTIONS_TABLE = """
CREATE TABLE IF NOT EXISTS transactions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    sender_email TEXT NOT NULL COLLATE NOCASE,
    recipient_email TEXT NOT NULL COLLATE NOCASE,
    -- What moved (or, while PENDING, what is held): at most `authorized`.
    amount INTEGER NOT NULL CHECK (amount > 0),
    status TEXT NOT NULL CHECK (status IN ('PENDING', 'COMPLETED', 'CANCELLED')),
    created_by TEXT NOT NULL CHECK (created_by IN ('SYSTEM', 'SENDER', 'RECIPIENT')),
    resolved_by TEXT CHECK (resolved_by IN ('SYSTEM', 'SENDER', 'RECIPIENT')),
    created_at TEXT NOT NULL,
    resolved_at TEXT,
    app_name TEXT,
    app_ep_path TEXT,
    -- What it held while PENDING; confirm may capture less (then `amount` < this).
    authorized INTEGER NOT NULL,
    -- When the hold lapses (stored-time text); NULL for credits and refunds.
    expires_at TEXT,
    cancel_reason TEXT,
    refund_of TEXT,
    refunded INTEGER NOT NULL DEFAULT 0,
    refund_reason TEXT,
    CHECK (authorized >= amount),
    CHECK (refunded >= 0 AND refunded <= amount)
)"""
_OTHER_TABLES = """
CREATE TABLE IF NOT EXISTS spent_tokens (
    id TEXT PRIMARY KEY,
    transaction_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
"""
_INDEXES = """
-- An index on (x) also orders by seq (the rowid) within x: keyset pages of one party's
-- transactions, newest first, read only the rows they return.
CREATE INDEX IF NOT EXISTS transactions_by_sender ON transactions (sender_email);
CREATE INDEX IF NOT EXISTS transactions_by_recipient ON transactions (recipient_email);
CREATE INDEX IF NOT EXISTS transactions_by_sender_status ON transactions (sender_email, status);
CREATE INDEX IF NOT EXISTS transactions_by_recipient_status
    ON transactions (recipient_email, status);
CREATE INDEX IF NOT EXISTS transactions_by_parties ON transactions (sender_email, recipient_email);
CREATE INDEX IF NOT EXISTS transactions_by_parties_status
    ON transactions (sender_email, recipient_email, status);
CREATE INDEX IF NOT EXISTS transactions_by_sender_time ON transactions (sender_email, created_at);
CREATE INDEX IF NOT EXISTS transactions_by_recipient_time
    ON transactions (recipient_email, created_at);
-- The holds that lapse first, among the pending transactions only: asking whether one is
-- due costs one probe, however long the history.
CREATE INDEX IF NOT EXISTS transactions_pending_expiry
    ON transactions (expires_at) WHERE status = 'PENDING'
"""

_ACCOUNT_COLUMNS = "id, email, password_hash, organization, balance, held"
_TRANSACTION_COLUMNS = (
    "id, sender_email, recipient_email, amount, status, created_by, resolved_by,"
    " created_at, resolved_at, app_name, app_ep_path, authorized, expires_at,"
    " cancel_reason, refund_of, refunded, refund_reason"
)
# Version 2 added the usage counters; version 3 holds, capture, expiry and refunds;
# version 4 the usage counters per period. An older database file is brought up to
# date when it is opened (see `_migrate`).
SCHEMA_VERSION = 4
DEFAULT_MAX_PENDING = 1000
# Why a CANCELLED transaction was cancelled (`cancelReason`).
CANCELLED, EXPIRED = "cancelled", "expired"
# Set by the upgrade to version 3 on pending transactions that the balance could not hold.
UNFUNDED = "insufficient_funds"
# What one sender may leave pending towards one recipient: a sender's own cap alone
# would let it fill another account's history with a thousand pending payments.
DEFAULT_MAX_PENDING_PER_RECIPIENT = 100


@dataclass(frozen=True, slots=True)
class Account:
    id: str
    email: str
    password_hash: str
    organization: str | None
    balance: int  # micro-dollars
    held: int = 0  # micro-dollars held by its pending transactions

    @property
    def available(self) -> int:
        return self.balance - self.held


@dataclass(frozen=True, slots=True)
class Transaction:
    id: str
    sender_email: str
    recipient_email: str
    amount: int  # micro-dollars
    status: Status
    created_by: Actor
    resolved_by: Actor | None
    created_at: str
    resolved_at: str | None
    app_name: str | None
    app_ep_path: str | None
    authorized: int  # micro-dollars held while pending
    expires_at: str | None = None
    cancel_reason: str | None = None
    refund_of: str | None = None
    refunded: int = 0  # micro-dollars given back by its refunds so far
    refund_reason: str | None = None

    @property
    def creator_email(self) -> str | None:
        """Who may resolve it: the party that created it (nobody for a SYSTEM credit)."""
        if self.created_by == "SENDER":
            return self.sender_email
        if self.created_by == "RECIPIENT":
            return self.recipient_email
        return None


def _account(row: tuple[object, ...]) -> Account:
    return Account(*row)  # type: ignore[arg-type]


def _transaction(row: tuple[object, ...]) -> Transaction:
    return Transaction(*row)  # type: ignore[arg-type]


class Store:
    """The service's data, kept in one SQLite database (a file, or memory).

    `clock` (seconds since the epoch) dates everything and decides when holds lapse.
    """

    def __init__(
        self, database: str | os.PathLike[str] = ":memory:", clock: Clock = time.time
    ) -> None:
        # Created 0600 before SQLite opens it (its -wal and -shm files take its mode), or
        # refused when other users can read it: it holds the password hashes.
        prepare_database(database)
        self.clock = clock
        # Reentrant, so that a caller's unit of work (`unit`) can hold it around the
        # store's own writes, which then join that unit.
        self._lock = threading.RLock()
        self._savepoints = 0
        # The time of the write in progress (under the lock): what it stamps and what
        # decided which holds had lapsed.
        self._time = 0.0
        # Tables kept beside the store's own (the idempotency keys), wiped by `reset`.
        self.reset_hooks: list[Callable[[sqlite3.Connection], None]] = []
        self._connection = sqlite3.connect(
            database, isolation_level=None, check_same_thread=False, timeout=30.0
        )
        # In memory, a call is microseconds of CPU and never waits on a disk.
        self.in_memory = os.fspath(database) == ":memory:"
        # Where tables that only grow with traffic (the idempotency records) live: in
        # the file, or for an in-memory store in a private temporary file of SQLite's
        # (deleted when the connection closes), so that the process holds only its
        # bounded page cache of them, not every record.
        self.side_schema = "main"
        if self.in_memory:
            self._connection.execute("ATTACH DATABASE '' AS side")
            self.side_schema = "side"
        if not self.in_memory:
            # WAL lets readers in other processes work while we write; NORMAL is durable
            # across application crashes, which is what a reference service needs.
            self._connection.execute("PRAGMA journal_mode = WAL")
            self._connection.execute("PRAGMA synchronous = NORMAL")
        for table in (
            _ACCOUNTS_TABLE,
            _TRANSACTIONS_TABLE,
            counters.USAGE_TABLE,
            counters.PERIODS_TABLE,
        ):
            self._connection.execute(table)
        self._connection.executescript(_OTHER_TABLES)
        self._migrate()

    def _migrate(self) -> None:
        """Bring an older database file up to `SCHEMA_VERSION`, in one transaction."""
        with self._write(release=False) as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            version = 1 if row is None else int(row[0])
            if not _has_column(db, "accounts", "held"):
                _add_holds(db, self.clock())
                version = min(version, 2)
            if version < SCHEMA_VERSION:
                counters.recount(db)
                _check_time_order(db)
            for statement in _INDEXES.split(";"):
                db.execute(statement)
            db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION).encode(),),
            )

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    @contextmanager
    def _write(self, *, release: bool = True) -> Iterator[sqlite3.Connection]:
        """One atomic unit of work: all of it is committed, or none of it. The holds that
        lapsed by now are released first, and stay released whatever the work does."""
        db = self._connection
        with self._lock:
            self._time = self.clock()
            if db.in_transaction:
                # Inside a `unit` of this thread: a savepoint, committed with that unit.
                with self._savepoint(db):
                    if release:
                        self._release_lapsed(db)
                    yield db
                return
            # IMMEDIATE takes the write lock up front, so that two processes sharing a
            # file cannot both read a balance and then both spend it.
            db.execute("BEGIN IMMEDIATE")
            released = False
            try:
                released = release and self._release_lapsed(db) > 0
                if released:
                    # A refused operation must not bring the released holds back.
                    with self._savepoint(db):
                        yield db
                else:
                    yield db
            except BaseException:
                _finish(db, commit=released)
                raise
            _finish(db, commit=True)

    @contextmanager
    def _savepoint(self, db: sqlite3.Connection) -> Iterator[None]:
        self._savepoints += 1
        name = f"sp{self._savepoints}"
        db.execute(f"SAVEPOINT {name}")
        try:
            yield
            db.execute(f"RELEASE {name}")
        except BaseException:
            db.execute(f"ROLLBACK TO {name}")
            db.execute(f"RELEASE {name}")
            raise
        finally:
            self._savepoints -= 1

    def unit(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """One atomic unit of work for code beside the store (the idempotency keys): the
        store's writes made inside it, in this thread, commit or roll back with it."""
        return self._write()

    def read(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """The connection, for reads by code beside the store (the API keys), under the
        store's lock; releases no lapsed hold (no balance is read)."""
        return self._read(release=False)

    @contextmanager
    def _read(self, *, release: bool = True) -> Iterator[sqlite3.Connection]:
        """The connection, once no lapsed hold is left to release."""
        with self._lock:
            db = self._connection
            if release and _lapsed(db, stamp(self.clock()), limit=1):
                with self._write():
                    pass  # the write releases them
            yield db

    def _release_lapsed(self, db: sqlite3.Connection) -> int:
        """Release every hold whose time is up: CANCELLED by the SYSTEM at its
        `expires_at`, reason `expired`. Returns how many."""
        due = _lapsed(db, stamp(self._time))
        for transaction_id, sender, recipient, held, expires_at, created_at in due:
            db.execute(
                "UPDATE transactions SET status = 'CANCELLED', resolved_by = 'SYSTEM',"
                " resolved_at = ?, cancel_reason = ? WHERE id = ? AND status = 'PENDING'",
                (expires_at, EXPIRED, transaction_id),
            )
            db.execute("UPDATE accounts SET held = held - ? WHERE email = ?", (held, sender))
            counters.bump(db, sender, created_at, pending_count=-1, pending_amount=-held)
            counters.bump(db, recipient, created_at, pending_count=-1)
        return len(due)

    # --- administration -------------------------------------------------------------

    def reset(self) -> None:
        """Delete every account, transaction and spent token (the token key stays)."""
        with self._write() as db:
            db.execute("DELETE FROM spent_tokens")
            db.execute("DELETE FROM transactions")
            db.execute("DELETE FROM usage")
            db.execute("DELETE FROM usage_periods")
            _set_time_order(db, in_order=True)
            db.execute("DELETE FROM accounts")
            for hook in self.reset_hooks:
                hook(db)

    def secret(self, key: str, size: int = 32) -> bytes:
        """A random secret kept in the database, created on first use."""
        with self._write() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            if row is not None:
                return bytes(row[0])
            value = secrets.token_bytes(size)
            db.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, value))
            return value

    # --- accounts -------------------------------------------------------------------

    def account(self, email: str, *, identity_only: bool = False) -> Account | None:
        """The account; `identity_only` when only who it is matters (a login), not its
        balance: the read then skips the check for lapsed holds, and the balance and
        hold it shows may be a moment old."""
        with self._read(release=not identity_only) as db:
            row = db.execute(
                f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE email = ?", (email,)
            ).fetchone()
        return None if row is None else _account(row)

    def accounts(self) -> list[Account]:
        """Every account, oldest first."""
        with self._read() as db:
            rows = db.execute(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts ORDER BY seq").fetchall()
        return [_account(row) for row in rows]

    def create_account(
        self, email: str, password_hash: str, organization: str | None, balance: int
    ) -> Account:
        account = Account(str(uuid.uuid4()), email, password_hash, organization, balance)
        with self._write() as db:
            try:
                db.execute(
                    "INSERT INTO accounts (id, email, password_hash, organization, balance,"
                    " initial_credit, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        account.id,
                        email,
                        password_hash,
                        organization,
                        balance,
                        balance,
                        stamp(self._time),
                    ),
                )
            except sqlite3.IntegrityError:
                raise errors.account_exists(email) from None
        return account

    def set_password(self, account_id: str, old_hash: str, new_hash: str) -> bool:
        """Replace the hash, unless it changed meanwhile (then False)."""
        with self._write() as db:
            cursor = db.execute(
                "UPDATE accounts SET password_hash = ? WHERE id = ? AND password_hash = ?",
                (new_hash, account_id, old_hash),
            )
            return cursor.rowcount == 1

    def set_organization(self, account_id: str, organization: str | None) -> Account:
        with self._write() as db:
            # fetchall, not fetchone: a RETURNING statement must run to its end.
            rows = db.execute(
                f"UPDATE accounts SET organization = ? WHERE id = ? RETURNING {_ACCOUNT_COLUMNS}",
                (organization, account_id),
            ).fetchall()
        if not rows:
            raise errors.invalid_credentials()  # deleted by a reset meanwhile
        return _account(rows[0])

    def add_balance(self, email: str, amount: int) -> Account:
        """Credit an account, recorded as a COMPLETED SYSTEM transaction to itself."""
        with self._write() as db:
            now = stamp(self._time)
            rows = db.execute(
                f"UPDATE accounts SET balance = balance + ? WHERE email = ? AND balance <= ?"
                f" RETURNING {_ACCOUNT_COLUMNS}",
                (amount, email, MAX_BALANCE_MICROS - amount),
            ).fetchall()
            if not rows:
                if self._exists(db, email):
                    raise _balance_too_large("amount")
                raise errors.no_account(email)
            account = _account(rows[0])
            _insert(
                db,
                Transaction(
                    id=str(uuid.uuid4()),
                    sender_email=account.email,
                    recipient_email=account.email,
                    amount=amount,
                    status="COMPLETED",
                    created_by="SYSTEM",
                    resolved_by="SYSTEM",
                    created_at=now,
                    resolved_at=now,
                    app_name=None,
                    app_ep_path=None,
                    authorized=amount,
                ),
            )
            counters.bump(db, account.email, now, added=True, received=amount)
        return account

    @staticmethod
    def _exists(db: sqlite3.Connection, email: str) -> bool:
        return db.execute("SELECT 1 FROM accounts WHERE email = ?", (email,)).fetchone() is not None

    # --- transactions ---------------------------------------------------------------

    def create_transaction(
        self,
        *,
        sender_email: str,
        recipient_email: str,
        amount: int,
        created_by: Actor,
        token: TokenClaims | None,
        app_name: str | None,
        app_ep_path: str | None,
        hold_for: int = DEFAULT_HOLD_SECONDS,
        max_pending: int = DEFAULT_MAX_PENDING,
        max_pending_per_recipient: int = DEFAULT_MAX_PENDING_PER_RECIPIENT,
    ) -> Transaction:
        """A PENDING transaction that holds `amount` from the sender until it is
        resolved or `hold_for` seconds have passed (never past the token's expiry);
        spends `token` in the same database transaction.

        Both accounts must exist (404), the token must name exactly them (403
        token_invalid) and be unspent (403 token_used), the sender's available balance
        must cover the amount (409 insufficient_funds), and the sender may have at most
        `max_pending` pending transactions, `max_pending_per_recipient` of them towards
        this recipient (409 too_many_pending).
        """
        with self._write() as db:
            found = {
                email.lower(): (email, balance, held)
                for email, balance, held in db.execute(
                    "SELECT email, balance, held FROM accounts WHERE email IN (?, ?)",
                    (sender_email, recipient_email),
                )
            }
            if sender_email.lower() not in found:
                raise errors.no_account(sender_email)
            if recipient_email.lower() not in found:
                raise errors.no_account(recipient_email)
            sender, balance, held = found[sender_email.lower()]
            recipient, _, _ = found[recipient_email.lower()]
            created_at = stamp(self._time)
            expires = self._time + hold_for
            if token is not None:
                expires = min(expires, token.expires)
            transaction = Transaction(
                id=str(uuid.uuid4()),
                sender_email=sender,
                recipient_email=recipient,
                amount=amount,
                status="PENDING",
                created_by=created_by,
                resolved_by=None,
                created_at=created_at,
                resolved_at=None,
                app_name=app_name,
                app_ep_path=app_ep_path,
                authorized=amount,
                expires_at=stamp(expires),
            )
            if token is not None:
                if (token.sender_email, token.recipient_email) != (sender, recipient):
                    raise errors.token_invalid(
                        "it was issued for another payer or another recipient than this "
                        "transaction's"
                    )
                if transaction.expires_at is None or transaction.expires_at <= created_at:
                    raise errors.token_expired()  # within the millisecond of its expiry
                try:
                    db.execute(
                        "INSERT INTO spent_tokens (id, transaction_id) VALUES (?, ?)",
                        (token.id, transaction.id),
                    )
                except sqlite3.IntegrityError:
                    raise errors.token_used() from None
            if balance - held < amount:
                raise errors.insufficient_funds(sender, amount, balance - held, held)
            (pending,) = db.execute(
                "SELECT COUNT(*) FROM transactions WHERE sender_email = ? AND status = 'PENDING'",
                (sender,),
            ).fetchone()
            if pending >= max_pending:
                raise errors.too_many_pending(sender, max_pending)
            (towards,) = db.execute(
                "SELECT COUNT(*) FROM transactions WHERE sender_email = ?"
                " AND recipient_email = ? AND status = 'PENDING'",
                (sender, recipient),
            ).fetchone()
            if towards >= max_pending_per_recipient:
                raise errors.too_many_pending_towards(sender, recipient, max_pending_per_recipient)
            _insert(db, transaction)
            db.execute("UPDATE accounts SET held = held + ? WHERE email = ?", (amount, sender))
            counters.bump(
                db, sender, created_at, added=True, pending_count=1, pending_amount=amount
            )
            counters.bump(db, recipient, created_at, added=True, pending_count=1)
        return transaction

    def resolve_transaction(
        self,
        transaction_id: str,
        caller_email: str,
        *,
        confirm: bool,
        amount: int | None = None,
    ) -> Transaction:
        """Confirm (capture `amount`, by default the whole hold, and release the rest)
        or cancel (release it all) a PENDING transaction, at most once.

        Only its creator may; the other party gets 403, anybody else 404. A lapsed hold
        is 409 hold_expired, a capture above the hold 409 capture_exceeds_hold.
        """
        with self._write() as db:
            found = self._transaction_row(db, transaction_id)
            if found is None or not (
                same_email(caller_email, found.sender_email)
                or same_email(caller_email, found.recipient_email)
            ):
                raise errors.no_transaction(transaction_id)
            creator = found.creator_email
            if creator is None or not same_email(caller_email, creator):
                raise _not_creator(found, confirm=confirm)
            if found.status == "CANCELLED" and found.cancel_reason == EXPIRED:
                raise errors.hold_expired(found.id, found.expires_at)
            if found.status != "PENDING":
                raise errors.already_resolved(found.id, found.status)
            captured = 0
            if confirm:
                captured = found.authorized if amount is None else amount
                if captured > found.authorized:
                    raise errors.capture_exceeds_hold(found.id, captured, found.authorized)
                self._capture(db, found, captured)
            else:
                db.execute(
                    "UPDATE accounts SET held = held - ? WHERE email = ?",
                    (found.authorized, found.sender_email),
                )
            resolved = Transaction(
                id=found.id,
                sender_email=found.sender_email,
                recipient_email=found.recipient_email,
                amount=captured if confirm else found.amount,
                status="COMPLETED" if confirm else "CANCELLED",
                created_by=found.created_by,
                resolved_by=found.created_by,
                created_at=found.created_at,
                resolved_at=stamp(self._time),
                app_name=found.app_name,
                app_ep_path=found.app_ep_path,
                authorized=found.authorized,
                expires_at=found.expires_at,
                cancel_reason=None if confirm else CANCELLED,
            )
            # `status = 'PENDING'` makes the update itself refuse a second resolution.
            cursor = db.execute(
                "UPDATE transactions SET amount = ?, status = ?, resolved_by = ?,"
                " resolved_at = ?, cancel_reason = ? WHERE id = ? AND status = 'PENDING'",
                (
                    resolved.amount,
                    resolved.status,
                    resolved.resolved_by,
                    resolved.resolved_at,
                    resolved.cancel_reason,
                    found.id,
                ),
            )
            if cursor.rowcount != 1:
                raise errors.already_resolved(found.id, "resolved")
            held = found.authorized
            counters.bump(
                db,
                found.sender_email,
                found.created_at,
                pending_count=-1,
                pending_amount=-held,
                spent=captured,
            )
            counters.bump(
                db, found.recipient_email, found.created_at, pending_count=-1, received=captured
            )
        return resolved

    @staticmethod
    def _capture(db: sqlite3.Connection, transaction: Transaction, captured: int) -> None:
        """Move `captured` and release the whole hold, in the caller's transaction."""
        debited = db.execute(
            "UPDATE accounts SET balance = balance - ?, held = held - ?"
            " WHERE email = ? AND held >= ? AND balance >= ?",
            (
                captured,
                transaction.authorized,
                transaction.sender_email,
                transaction.authorized,
                captured,
            ),
        )
        if debited.rowcount != 1:
            # The hold guarantees the money: only a damaged database gets here.
            raise errors.internal_error()
        credited = db.execute(
            "UPDATE accounts SET balance = balance + ? WHERE email = ? AND balance <= ?",
            (captured, transaction.recipient_email, MAX_BALANCE_MICROS - captured),
        )
        if credited.rowcount != 1:
            raise _balance_too_large("transactionId")

    def refund_transaction(
        self,
        transaction_id: str,
        caller_email: str | None,
        *,
        amount: int | None,
        reason: str | None,
    ) -> Transaction:
        """Give back `amount` (by default all that is left) of a COMPLETED payment: a
        new COMPLETED transaction from its recipient to its sender, linked to it.

        `caller_email` is the recipient (the sender gets 403, anybody else 404), or
        None for the admin (the refund is then the SYSTEM's doing). A pending,
        cancelled, refund or credit transaction is 409 not_refundable; more than is
        left is 409 refund_exceeds_payment; the recipient's available balance must
        cover it (409 insufficient_funds).
        """
        with self._write() as db:
            found = self._transaction_row(db, transaction_id)
            if found is None:
                raise errors.no_transaction(transaction_id)
            if caller_email is not None and not same_email(caller_email, found.recipient_email):
                if same_email(caller_email, found.sender_email):
                    raise errors.forbidden(
                        f"Only the recipient of a payment may refund it: ask "
                        f"{found.recipient_email} to refund transaction {found.id}."
                    )
                raise errors.no_transaction(transaction_id)
            _check_refundable(found)
            left = found.amount - found.refunded
            value = left if amount is None else amount
            if value == 0 or value > left:
                raise errors.refund_exceeds_payment(found.id, value, left)
            refunder, payee = found.recipient_email, found.sender_email
            (balance, held) = db.execute(
                "SELECT balance, held FROM accounts WHERE email = ?", (refunder,)
            ).fetchone()
            if balance - held < value:
                raise errors.insufficient_funds(
                    refunder, value, balance - held, held, instead="refund less"
                )
            db.execute(
                "UPDATE accounts SET balance = balance - ? WHERE email = ?", (value, refunder)
            )
            credited = db.execute(
                "UPDATE accounts SET balance = balance + ? WHERE email = ? AND balance <= ?",
                (value, payee, MAX_BALANCE_MICROS - value),
            )
            if credited.rowcount != 1:
                raise _balance_too_large("amount")
            grown = db.execute(
                "UPDATE transactions SET refunded = refunded + ? WHERE id = ?"
                " AND refunded + ? <= amount",
                (value, found.id, value),
            )
            if grown.rowcount != 1:
                raise errors.refund_exceeds_payment(found.id, value, left)
            now = stamp(self._time)
            by: Actor = "SENDER" if caller_email is not None else "SYSTEM"
            refund = Transaction(
                id=str(uuid.uuid4()),
                sender_email=refunder,
                recipient_email=payee,
                amount=value,
                status="COMPLETED",
                created_by=by,
                resolved_by=by,
                created_at=now,
                resolved_at=now,
                app_name=None,
                app_ep_path=None,
                authorized=value,
                refund_of=found.id,
                refund_reason=reason,
            )
            _insert(db, refund)
            counters.bump(db, refunder, now, added=True, refunds_given=value)
            counters.bump(db, payee, now, added=True, refunds_received=value)
        return refund

    @staticmethod
    def _transaction_row(db: sqlite3.Connection, transaction_id: str) -> Transaction | None:
        row = db.execute(
            f"SELECT {_TRANSACTION_COLUMNS} FROM transactions WHERE id = ?", (transaction_id,)
        ).fetchone()
        return None if row is None else _transaction(row)

    def transactions(self, email: str, query: HistoryQuery | None = None) -> list[Transaction]:
        """The account's transactions, as sender or recipient, newest first."""
        return [t for _, t in self.transactions_page(email, query or HistoryQuery())]

    def transactions_page(self, email: str, query: HistoryQuery) -> list[tuple[int, Transaction]]:
        """The account's transactions that match `query`, newest first, with their
        sequence numbers (the cursor's position): at most `query.limit`, older than
        `query.before_seq`.

        Each side (as sender, as recipient) is one index range scan, so a page costs
        the same at any history size. A time window becomes a range of sequence
        numbers first (two probes of the (party, created_at) index) while the history
        is in time order; otherwise it filters the rows the scan reads."""
        conditions, values = (
            ["seq < :before_seq"],
            {
                "me": email,
                "before_seq": query.before_seq or 2**62,
                "status": query.status,
                "after": query.window.after,
                "before": query.window.before,
                "other": query.counterparty,
            },
        )
        if query.status is not None:
            conditions.append("status = :status")
        # Unary + keeps the planner off the created_at indexes: the scan must follow
        # seq, newest first, and stop at the page's end.
        if query.window.after is not None:
            conditions.append("+created_at >= :after")
        if query.window.before is not None:
            conditions.append("+created_at < :before")
        sent = "sender_email = :me" + (
            " AND recipient_email = :other" if query.counterparty else ""
        )
        received = "recipient_email = :me AND sender_email <> :me" + (
            " AND sender_email = :other" if query.counterparty else ""
        )
        limit = "" if query.limit is None else f" LIMIT {int(query.limit)}"
        windowed = query.window.after is not None or query.window.before is not None
        with self._read() as db:
            if windowed and _in_time_order(db):
                for side, party in (("sent", "sender_email"), ("received", "recipient_email")):
                    values[f"{side}_low"], values[f"{side}_high"] = _seq_range(
                        db, party, email, query.window
                    )
                sent += " AND seq BETWEEN :sent_low AND :sent_high"
                received += " AND seq BETWEEN :received_low AND :received_high"
            where = " AND ".join(conditions)
            sql = (
                f"SELECT * FROM (SELECT seq, {_TRANSACTION_COLUMNS} FROM transactions"
                f" WHERE {sent} AND {where} ORDER BY seq DESC{limit})"
                f" UNION ALL SELECT * FROM (SELECT seq, {_TRANSACTION_COLUMNS} FROM transactions"
                f" WHERE {received} AND {where} ORDER BY seq DESC{limit})"
                f" ORDER BY seq DESC{limit}"
            )
            rows = db.execute(sql, values).fetchall()
        return [(int(row[0]), _transaction(row[1:])) for row in rows]

    def transaction(self, email: str, transaction_id: str) -> Transaction:
        """One transaction the account is party to, else 404 (ids reveal nothing)."""
        with self._read() as db:
            row = db.execute(
                f"SELECT {_TRANSACTION_COLUMNS} FROM transactions WHERE id = ?"
                " AND (sender_email = ? OR recipient_email = ?)",
                (transaction_id, email, email),
            ).fetchone()
        if row is None:
            raise errors.no_transaction(transaction_id)
        return _transaction(row)

    def usage(self, email: str, window: Window | None = None) -> Usage:
        """The account's usage summary: its counters, or over a window, the sum of its
        counters per period (see `usage`); the same cost at any history size."""
        with self._read() as db:
            if window is not None and (window.after or window.before):
                return counters.sum_window(db, email, window)
            return counters.total(db, email)

    def recomputed_usage(self, email: str, window: Window | None = None) -> Usage:
        """The usage summary computed from the transactions themselves (for audits)."""
        with self._read() as db:
            return counters.scan(db, email, window or Window())

    def totals(self) -> tuple[int, int]:
        """(sum of balances, sum of money put in), equal when the books are right."""
        with self._read() as db:
            balances, initial = db.execute(
                "SELECT COALESCE(SUM(balance), 0), COALESCE(SUM(initial_credit), 0) FROM accounts"
            ).fetchone()
            (credits,) = db.execute(
                "SELECT COALESCE(SUM(amount), 0) FROM transactions"
                " WHERE created_by = 'SYSTEM' AND refund_of IS NULL"
            ).fetchone()
        return int(balances), int(initial) + int(credits)


def _finish(db: sqlite3.Connection, *, commit: bool) -> None:
    """End the transaction: commit it (rolled back if that fails), or roll it back."""
    if not db.in_transaction:
        return
    if commit:
        try:
            db.execute("COMMIT")
            return
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
    db.execute("ROLLBACK")


def _lapsed(
    db: sqlite3.Connection, now: str, limit: int = -1
) -> list[tuple[str, str, str, int, str, str]]:
    """The pending transactions whose hold lapsed by `now` (stored-time text): id,
    sender, recipient, held amount, expiry, creation. Read through the partial index."""
    rows: list[tuple[str, str, str, int, str, str]] = db.execute(
        "SELECT id, sender_email, recipient_email, authorized, expires_at, created_at"
        " FROM transactions WHERE status = 'PENDING' AND expires_at <= ?"
        " ORDER BY expires_at LIMIT ?",
        (now, limit),
    ).fetchall()
    return rows


# A transaction's fields in column order (`dataclasses.astuple` would deep-copy each).
_transaction_values = operator.attrgetter(*(f.name for f in dataclasses.fields(Transaction)))


def _insert(db: sqlite3.Connection, transaction: Transaction) -> None:
    """Add a transaction; note it if it is older than the newest one (a clock that
    went back), as a time window then no longer maps to a range of sequence numbers."""
    newest = db.execute("SELECT created_at FROM transactions ORDER BY seq DESC LIMIT 1").fetchone()
    if newest is not None and transaction.created_at < newest[0]:
        _set_time_order(db, in_order=False)
    db.execute(
        f"INSERT INTO transactions ({_TRANSACTION_COLUMNS})"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        _transaction_values(transaction),
    )


# Meta key: b"1" while every transaction was created at or after the one numbered
# before it (`seq` order is `created_at` order), b"0" for good once one was not.
_TIME_ORDER = "history_in_time_order"


def _set_time_order(db: sqlite3.Connection, *, in_order: bool) -> None:
    db.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
        (_TIME_ORDER, b"1" if in_order else b"0"),
    )


def _check_time_order(db: sqlite3.Connection) -> None:
    """Record whether the stored history is in time order (one pass, at an upgrade)."""
    (out_of_order,) = db.execute(
        "SELECT EXISTS (SELECT 1 FROM (SELECT created_at,"
        " LAG(created_at) OVER (ORDER BY seq) AS before FROM transactions)"
        " WHERE created_at < before)"
    ).fetchone()
    _set_time_order(db, in_order=not out_of_order)


def _seq_range(db: sqlite3.Connection, party: str, email: str, window: Window) -> tuple[int, int]:
    """The sequence numbers of the account's transactions as `party` (a column) that
    were created inside `window`, as (first, last); (1, 0) when there are none. Exact
    only while the history is in time order: the newest transaction created before
    `window.before` is then the one with the highest number among them."""
    low, high = 1, 2**62
    if window.before is not None:
        row = db.execute(
            f"SELECT seq FROM transactions WHERE {party} = ? AND created_at < ?"
            " ORDER BY created_at DESC, seq DESC LIMIT 1",
            (email, window.before),
        ).fetchone()
        if row is None:
            return 1, 0
        high = int(row[0])
    if window.after is not None:
        row = db.execute(
            f"SELECT seq FROM transactions WHERE {party} = ? AND created_at >= ?"
            " ORDER BY created_at, seq LIMIT 1",
            (email, window.after),
        ).fetchone()
        if row is None:
            return 1, 0
        low = int(row[0])
    return low, high


def _in_time_order(db: sqlite3.Connection) -> bool:
    row = db.execute("SELECT value FROM meta WHERE key = ?", (_TIME_ORDER,)).fetchone()
    return row is not None and bytes(row[0]) == b"1"


def _check_refundable(transaction: Transaction) -> None:
    if transaction.refund_of is not None:
        raise errors.not_refundable(
            transaction.id, f"is a refund (of transaction {transaction.refund_of})"
        )
    if transaction.created_by == "SYSTEM":
        raise errors.not_refundable(transaction.id, "is a credit made by the service")
    if transaction.status != "COMPLETED":
        raise errors.not_refundable(transaction.id, f"is {transaction.status}")


# --- upgrades of older database files -----------------------------------------------


def _has_column(db: sqlite3.Connection, table: str, column: str) -> bool:
    return any(row[1] == column for row in db.execute(f"PRAGMA table_info({table})"))


def _add_holds(db: sqlite3.Connection, now: float) -> None:
    """Version 3: rebuild the accounts and transactions tables with the columns of holds
    and refunds (so an upgraded file has exactly a new file's schema), keeping every row
    and its sequence number.

    The pending transactions start holding now, for the default hold: each one its
    sender's balance can cover, oldest first; one it cannot (the old service let
    pending transactions add up to more than the balance) is cancelled by the SYSTEM
    with the reason `insufficient_funds`, as its confirmation would have been refused.
    """
    db.execute("ALTER TABLE accounts RENAME TO accounts_v2")
    db.execute("ALTER TABLE transactions RENAME TO transactions_v2")
    db.execute(_ACCOUNTS_TABLE)
    db.execute(_TRANSACTIONS_TABLE)
    db.execute(
        "INSERT INTO accounts (seq, id, email, password_hash, organization, balance,"
        " initial_credit, created_at, held) SELECT seq, id, email, password_hash,"
        " organization, balance, initial_credit, created_at, 0 FROM accounts_v2"
    )
    db.execute(
        f"INSERT INTO transactions (seq, {_TRANSACTION_COLUMNS}) SELECT seq, id,"
        " sender_email, recipient_email, amount, status, created_by, resolved_by, created_at,"
        " resolved_at, app_name, app_ep_path, amount,"
        " CASE WHEN status = 'PENDING' THEN :expires END,"
        " CASE WHEN status = 'CANCELLED' THEN :cancelled END, NULL, 0, NULL"
        " FROM transactions_v2",
        {"expires": stamp(now + DEFAULT_HOLD_SECONDS), "cancelled": CANCELLED},
    )
    db.execute("DROP TABLE accounts_v2")
    db.execute("DROP TABLE transactions_v2")
    available = dict(db.execute("SELECT email, balance FROM accounts").fetchall())
    pending = db.execute(
        "SELECT id, sender_email, amount FROM transactions WHERE status = 'PENDING' ORDER BY seq"
    ).fetchall()
    for transaction_id, sender, amount in pending:
        if available[sender] >= amount:
            available[sender] -= amount
            db.execute("UPDATE accounts SET held = held + ? WHERE email = ?", (amount, sender))
            continue
        db.execute(
            "UPDATE transactions SET status = 'CANCELLED', resolved_by = 'SYSTEM',"
            " resolved_at = ?, cancel_reason = ? WHERE id = ?",
            (stamp(now), UNFUNDED, transaction_id),
        )


def _not_creator(transaction: Transaction, *, confirm: bool) -> errors.ApiError:
    verb = "confirm" if confirm else "cancel"
    if transaction.created_by == "SYSTEM":
        what = "a refund" if transaction.refund_of else "a credit"
        return errors.forbidden(
            f"Transaction {transaction.id} is {what} made by the service: nobody can {verb} it."
        )
    creator = "sender" if transaction.created_by == "SENDER" else "recipient"
    return errors.forbidden(
        f"Only the creator of a transaction may confirm or cancel it: ask its {creator}, "
        f"{transaction.creator_email}, to {verb} transaction {transaction.id}."
    )


def _balance_too_large(field: str) -> errors.ApiError:
    return errors.validation_error(
        [
            {
                "field": field,
                "problem": "would raise a balance above "
                f"{format_micros(MAX_BALANCE_MICROS)}, the largest the service keeps",
            }
        ]
    )
