"""SQLite storage: accounts, transactions and spent tokens, money as integer micro-dollars.

One connection guarded by a lock serves every thread: each call is a few microseconds
of SQLite work, and a single writer makes every money movement trivially serial. Each
movement also runs in one `BEGIN IMMEDIATE` transaction, so it stays atomic when
several processes share a database file.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from syftbox_accounting.server import errors
from syftbox_accounting.server.bodies import same_email
from syftbox_accounting.server.files import prepare_database
from syftbox_accounting.server.history import HistoryQuery, Window
from syftbox_accounting.server.money import MAX_BALANCE_MICROS, format_micros
from syftbox_accounting.server.tokens import TokenClaims

Actor = Literal["SYSTEM", "SENDER", "RECIPIENT"]
Status = Literal["PENDING", "COMPLETED", "CANCELLED"]

_SCHEMA = """
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
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS transactions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    sender_email TEXT NOT NULL COLLATE NOCASE,
    recipient_email TEXT NOT NULL COLLATE NOCASE,
    amount INTEGER NOT NULL CHECK (amount > 0),
    status TEXT NOT NULL CHECK (status IN ('PENDING', 'COMPLETED', 'CANCELLED')),
    created_by TEXT NOT NULL CHECK (created_by IN ('SYSTEM', 'SENDER', 'RECIPIENT')),
    resolved_by TEXT CHECK (resolved_by IN ('SYSTEM', 'SENDER', 'RECIPIENT')),
    created_at TEXT NOT NULL,
    resolved_at TEXT,
    app_name TEXT,
    app_ep_path TEXT
);
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
-- Each account's usage summary, moved in the same database transaction as the money,
-- so that GET /user/usage costs the same at any history size.
CREATE TABLE IF NOT EXISTS usage (
    email TEXT PRIMARY KEY COLLATE NOCASE,
    transaction_count INTEGER NOT NULL DEFAULT 0,
    spent INTEGER NOT NULL DEFAULT 0,
    received INTEGER NOT NULL DEFAULT 0,
    pending_count INTEGER NOT NULL DEFAULT 0,
    pending_amount INTEGER NOT NULL DEFAULT 0,
    first_at TEXT,
    last_at TEXT
);
CREATE TABLE IF NOT EXISTS spent_tokens (
    id TEXT PRIMARY KEY,
    transaction_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
"""

_ACCOUNT_COLUMNS = "id, email, password_hash, organization, balance"
_TRANSACTION_COLUMNS = (
    "id, sender_email, recipient_email, amount, status, created_by, resolved_by,"
    " created_at, resolved_at, app_name, app_ep_path"
)


# Version 2 added the usage counters; an older database file gets them computed once.
SCHEMA_VERSION = 2
DEFAULT_MAX_PENDING = 1000
# What one sender may leave pending towards one recipient: a sender's own cap alone
# would let it fill another account's history with a thousand pending payments.
DEFAULT_MAX_PENDING_PER_RECIPIENT = 100

# One account's usage over its transactions, in SQL: what the counters must always equal.
_USAGE_SCAN = """
SELECT COUNT(*),
    COALESCE(SUM(CASE WHEN status = 'COMPLETED' AND sender_email = :me
        AND recipient_email <> :me THEN amount END), 0),
    COALESCE(SUM(CASE WHEN status = 'COMPLETED' AND recipient_email = :me THEN amount END), 0),
    COALESCE(SUM(status = 'PENDING'), 0),
    COALESCE(SUM(CASE WHEN status = 'PENDING' AND sender_email = :me THEN amount END), 0),
    MIN(created_at), MAX(created_at)
FROM transactions
WHERE (sender_email = :me OR recipient_email = :me)
    AND created_at >= :after AND created_at < :before
"""
_EARLIEST, _LATEST = "0000", "9999"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True, slots=True)
class Usage:
    transaction_count: int
    spent: int  # micro-dollars, like the other amounts
    received: int
    pending_count: int
    pending_amount: int
    first_at: str | None
    last_at: str | None


@dataclass(frozen=True, slots=True)
class Account:
    id: str
    email: str
    password_hash: str
    organization: str | None
    balance: int  # micro-dollars


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
    """The service's data, kept in one SQLite database (a file, or memory)."""

    def __init__(self, database: str | os.PathLike[str] = ":memory:") -> None:
        # Created 0600 before SQLite opens it (its -wal and -shm files take its mode), or
        # refused when other users can read it: it holds the password hashes.
        prepare_database(database)
        # Reentrant, so that a caller's unit of work (`unit`) can hold it around the
        # store's own writes, which then join that unit.
        self._lock = threading.RLock()
        self._savepoints = 0
        # Tables kept beside the store's own (the idempotency keys), wiped by `reset`.
        self.reset_hooks: list[Callable[[sqlite3.Connection], None]] = []
        self._connection = sqlite3.connect(
            database, isolation_level=None, check_same_thread=False, timeout=30.0
        )
        # In memory, a call is microseconds of CPU and never waits on a disk.
        self.in_memory = os.fspath(database) == ":memory:"
        if not self.in_memory:
            # WAL lets readers in other processes work while we write; NORMAL is durable
            # across application crashes, which is what a reference service needs.
            self._connection.execute("PRAGMA journal_mode = WAL")
            self._connection.execute("PRAGMA synchronous = NORMAL")
        self._connection.executescript(_SCHEMA)
        self._migrate()

    def _migrate(self) -> None:
        """Bring an older database file up to `SCHEMA_VERSION`."""
        with self._write() as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            version = 1 if row is None else int(row[0])
            if version < 2:
                emails = [e for (e,) in db.execute("SELECT email FROM accounts")]
                db.execute("DELETE FROM usage")
                for email in emails:
                    usage = self._scan(db, email, Window())
                    db.execute(
                        "INSERT INTO usage VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (email, *_usage_row(usage)),
                    )
            db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION).encode(),),
            )

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of work: all of it is committed, or none of it."""
        db = self._connection
        with self._lock:
            if db.in_transaction:
                # Inside a `unit` of this thread: a savepoint, committed with that unit.
                with self._savepoint(db):
                    yield db
                return
            # IMMEDIATE takes the write lock up front, so that two processes sharing a
            # file cannot both read a balance and then both spend it.
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise

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

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._connection

    # --- administration -------------------------------------------------------------

    def reset(self) -> None:
        """Delete every account, transaction and spent token (the token key stays)."""
        with self._write() as db:
            db.execute("DELETE FROM spent_tokens")
            db.execute("DELETE FROM transactions")
            db.execute("DELETE FROM usage")
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

    def account(self, email: str) -> Account | None:
        with self._read() as db:
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
                    (account.id, email, password_hash, organization, balance, balance, _now()),
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
        now = _now()
        with self._write() as db:
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
            db.execute(
                f"INSERT INTO transactions ({_TRANSACTION_COLUMNS}) VALUES"
                " (?, ?, ?, ?, 'COMPLETED', 'SYSTEM', 'SYSTEM', ?, ?, NULL, NULL)",
                (str(uuid.uuid4()), account.email, account.email, amount, now, now),
            )
            _bump(db, account.email, count=1, received=amount, at=now)
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
        max_pending: int = DEFAULT_MAX_PENDING,
        max_pending_per_recipient: int = DEFAULT_MAX_PENDING_PER_RECIPIENT,
    ) -> Transaction:
        """A PENDING transaction; spends `token` in the same database transaction.

        Both accounts must exist (404), the token must name exactly them (403
        token_invalid) and be unspent (403 token_used), the sender's balance must
        cover the amount (409 insufficient_funds), and the sender may have at most
        `max_pending` pending transactions, `max_pending_per_recipient` of them towards
        this recipient (409 too_many_pending).
        """
        with self._write() as db:
            found = {
                email.lower(): (email, balance)
                for email, balance in db.execute(
                    "SELECT email, balance FROM accounts WHERE email IN (?, ?)",
                    (sender_email, recipient_email),
                )
            }
            if sender_email.lower() not in found:
                raise errors.no_account(sender_email)
            if recipient_email.lower() not in found:
                raise errors.no_account(recipient_email)
            sender, balance = found[sender_email.lower()]
            recipient, _ = found[recipient_email.lower()]
            transaction = Transaction(
                id=str(uuid.uuid4()),
                sender_email=sender,
                recipient_email=recipient,
                amount=amount,
                status="PENDING",
                created_by=created_by,
                resolved_by=None,
                created_at=_now(),
                resolved_at=None,
                app_name=app_name,
                app_ep_path=app_ep_path,
            )
            if token is not None:
                if (token.sender_email, token.recipient_email) != (sender, recipient):
                    raise errors.token_invalid(
                        "it was issued for another payer or another recipient than this "
                        "transaction's"
                    )
                try:
                    db.execute(
                        "INSERT INTO spent_tokens (id, transaction_id) VALUES (?, ?)",
                        (token.id, transaction.id),
                    )
                except sqlite3.IntegrityError:
                    raise errors.token_used() from None
            if balance < amount:
                raise errors.insufficient_funds(sender, format_micros(amount))
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
            db.execute(
                f"INSERT INTO transactions ({_TRANSACTION_COLUMNS})"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    transaction.id,
                    sender,
                    recipient,
                    amount,
                    transaction.status,
                    created_by,
                    None,
                    transaction.created_at,
                    None,
                    app_name,
                    app_ep_path,
                ),
            )
            at = transaction.created_at
            _bump(db, sender, count=1, pending_count=1, pending_amount=amount, at=at)
            _bump(db, recipient, count=1, pending_count=1, at=at)
        return transaction

    def resolve_transaction(
        self, transaction_id: str, caller_email: str, *, confirm: bool
    ) -> Transaction:
        """Confirm (move the money) or cancel a PENDING transaction, at most once.

        Only its creator may; the other party gets 403, anybody else 404.
        """
        with self._write() as db:
            row = db.execute(
                f"SELECT {_TRANSACTION_COLUMNS} FROM transactions WHERE id = ?",
                (transaction_id,),
            ).fetchone()
            found = None if row is None else _transaction(row)
            if found is None or not (
                same_email(caller_email, found.sender_email)
                or same_email(caller_email, found.recipient_email)
            ):
                raise errors.no_transaction(transaction_id)
            creator = found.creator_email
            if creator is None or not same_email(caller_email, creator):
                raise _not_creator(found, confirm=confirm)
            if found.status != "PENDING":
                raise errors.already_resolved(found.id, found.status)
            if confirm:
                self._move(db, found)
            resolved_at = _now()
            status: Status = "COMPLETED" if confirm else "CANCELLED"
            # `status = 'PENDING'` makes the update itself refuse a second resolution.
            cursor = db.execute(
                "UPDATE transactions SET status = ?, resolved_by = ?, resolved_at = ?"
                " WHERE id = ? AND status = 'PENDING'",
                (status, found.created_by, resolved_at, found.id),
            )
            if cursor.rowcount != 1:
                raise errors.already_resolved(found.id, "resolved")
            amount = found.amount
            moved = amount if confirm else 0
            _bump(db, found.sender_email, pending_count=-1, pending_amount=-amount, spent=moved)
            _bump(db, found.recipient_email, pending_count=-1, received=moved)
        return Transaction(
            id=found.id,
            sender_email=found.sender_email,
            recipient_email=found.recipient_email,
            amount=found.amount,
            status=status,
            created_by=found.created_by,
            resolved_by=found.created_by,
            created_at=found.created_at,
            resolved_at=resolved_at,
            app_name=found.app_name,
            app_ep_path=found.app_ep_path,
        )

    @staticmethod
    def _move(db: sqlite3.Connection, transaction: Transaction) -> None:
        debited = db.execute(
            "UPDATE accounts SET balance = balance - ? WHERE email = ? AND balance >= ?",
            (transaction.amount, transaction.sender_email, transaction.amount),
        )
        if debited.rowcount != 1:
            raise errors.insufficient_funds(
                transaction.sender_email, format_micros(transaction.amount)
            )
        credited = db.execute(
            "UPDATE accounts SET balance = balance + ? WHERE email = ? AND balance <= ?",
            (
                transaction.amount,
                transaction.recipient_email,
                MAX_BALANCE_MICROS - transaction.amount,
            ),
        )
        if credited.rowcount != 1:
            raise _balance_too_large("transactionId")

    def transactions(self, email: str, query: HistoryQuery | None = None) -> list[Transaction]:
        """The account's transactions, as sender or recipient, newest first."""
        return [t for _, t in self.transactions_page(email, query or HistoryQuery())]

    def transactions_page(self, email: str, query: HistoryQuery) -> list[tuple[int, Transaction]]:
        """The account's transactions that match `query`, newest first, with their
        sequence numbers (the cursor's position): at most `query.limit`, older than
        `query.before_seq`. Each side (as sender, as recipient) is one index range
        scan, so a page costs the same at any history size."""
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
        if query.window.after is not None:
            conditions.append("created_at >= :after")
        if query.window.before is not None:
            conditions.append("created_at < :before")
        where = " AND ".join(conditions)
        sent = "sender_email = :me" + (
            " AND recipient_email = :other" if query.counterparty else ""
        )
        received = "recipient_email = :me AND sender_email <> :me" + (
            " AND sender_email = :other" if query.counterparty else ""
        )
        limit = "" if query.limit is None else f" LIMIT {int(query.limit)}"
        sql = (
            f"SELECT * FROM (SELECT seq, {_TRANSACTION_COLUMNS} FROM transactions"
            f" WHERE {sent} AND {where} ORDER BY seq DESC{limit})"
            f" UNION ALL SELECT * FROM (SELECT seq, {_TRANSACTION_COLUMNS} FROM transactions"
            f" WHERE {received} AND {where} ORDER BY seq DESC{limit})"
            f" ORDER BY seq DESC{limit}"
        )
        with self._read() as db:
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
        """The account's usage summary: its counters, or, over a window, an aggregate
        read through the (party, created_at) indexes."""
        with self._read() as db:
            if window is not None and (window.after or window.before):
                return self._scan(db, email, window)
            row = db.execute(
                "SELECT transaction_count, spent, received, pending_count, pending_amount,"
                " first_at, last_at FROM usage WHERE email = ?",
                (email,),
            ).fetchone()
        return Usage(0, 0, 0, 0, 0, None, None) if row is None else Usage(*row)

    def recomputed_usage(self, email: str) -> Usage:
        """The usage summary computed from the transactions themselves (for audits)."""
        with self._read() as db:
            return self._scan(db, email, Window())

    @staticmethod
    def _scan(db: sqlite3.Connection, email: str, window: Window) -> Usage:
        row = db.execute(
            _USAGE_SCAN,
            {"me": email, "after": window.after or _EARLIEST, "before": window.before or _LATEST},
        ).fetchone()
        count, spent, received, pending_count, pending_amount, first_at, last_at = row
        return Usage(
            int(count),
            int(spent),
            int(received),
            int(pending_count),
            int(pending_amount),
            first_at,
            last_at,
        )

    def totals(self) -> tuple[int, int]:
        """(sum of balances, sum of money put in), equal when the books are right."""
        with self._read() as db:
            balances, initial = db.execute(
                "SELECT COALESCE(SUM(balance), 0), COALESCE(SUM(initial_credit), 0) FROM accounts"
            ).fetchone()
            (credits,) = db.execute(
                "SELECT COALESCE(SUM(amount), 0) FROM transactions WHERE created_by = 'SYSTEM'"
            ).fetchone()
        return int(balances), int(initial) + int(credits)


def _bump(
    db: sqlite3.Connection,
    email: str,
    *,
    count: int = 0,
    spent: int = 0,
    received: int = 0,
    pending_count: int = 0,
    pending_amount: int = 0,
    at: str | None = None,
) -> None:
    """Move an account's usage counters (inside the caller's database transaction)."""
    db.execute(
        "INSERT INTO usage VALUES (:email, :count, :spent, :received, :pending_count,"
        " :pending_amount, :at, :at) ON CONFLICT (email) DO UPDATE SET"
        " transaction_count = transaction_count + excluded.transaction_count,"
        " spent = spent + excluded.spent, received = received + excluded.received,"
        " pending_count = pending_count + excluded.pending_count,"
        " pending_amount = pending_amount + excluded.pending_amount,"
        " first_at = COALESCE(first_at, excluded.first_at),"
        " last_at = COALESCE(excluded.last_at, last_at)",
        {
            "email": email,
            "count": count,
            "spent": spent,
            "received": received,
            "pending_count": pending_count,
            "pending_amount": pending_amount,
            "at": at,
        },
    )


def _usage_row(usage: Usage) -> tuple[object, ...]:
    return (
        usage.transaction_count,
        usage.spent,
        usage.received,
        usage.pending_count,
        usage.pending_amount,
        usage.first_at,
        usage.last_at,
    )


def _not_creator(transaction: Transaction, *, confirm: bool) -> errors.ApiError:
    verb = "confirm" if confirm else "cancel"
    if transaction.created_by == "SYSTEM":
        return errors.forbidden(
            f"Transaction {transaction.id} is a credit made by the service: nobody can {verb} it."
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
