"""The store's tables, and the upgrade of an older database file to this version."""

from __future__ import annotations

import sqlite3

from syftbox_accounting.server.bodies import DEFAULT_HOLD_SECONDS
from syftbox_accounting.server.clock import stamp
from syftbox_accounting.server.store import usage
from syftbox_accounting.server.store.rows import (
    CANCELLED,
    TRANSACTION_COLUMNS,
    UNFUNDED,
    check_time_order,
)

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
-- Where a time window starts and ends: while the history is in time order, a range of
-- sequence numbers, which each party's index above then reads.
CREATE INDEX IF NOT EXISTS transactions_by_time ON transactions (created_at);
-- The holds that lapse first, among the pending transactions only: asking whether one is
-- due costs one probe, however long the history.
CREATE INDEX IF NOT EXISTS transactions_pending_expiry
    ON transactions (expires_at) WHERE status = 'PENDING'
"""

# Indexes of older versions: each one cost every new transaction an index update.
_RETIRED = ("transactions_by_sender_time", "transactions_by_recipient_time")

# Version 2 added the usage counters; version 3 holds, capture, expiry and refunds;
# version 4 the usage counters per period; version 5 keeps the all-time counters as
# periods of length 0 (one upsert per money movement, not two) and one time index
# instead of one per party (`_RETIRED`). An older database file is brought up to date
# when it is opened (see `migrate`).
SCHEMA_VERSION = 5


def create_tables(db: sqlite3.Connection) -> None:
    """The tables of a new file (those missing from an older one)."""
    for table in (_ACCOUNTS_TABLE, _TRANSACTIONS_TABLE, usage.PERIODS_TABLE):
        db.execute(table)
    db.executescript(_OTHER_TABLES)


def migrate(db: sqlite3.Connection, now: float) -> None:
    """Bring an older database file up to `SCHEMA_VERSION`, in the caller's database
    transaction; `now` starts the holds of pending transactions of version 2."""
    row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    version = 1 if row is None else int(row[0])
    if not _has_column(db, "accounts", "held"):
        _add_holds(db, now)
        version = min(version, 2)
    if version < SCHEMA_VERSION:
        usage.recount(db)
        check_time_order(db)
    for statement in _INDEXES.split(";"):
        db.execute(statement)
    for index in _RETIRED:
        db.execute(f"DROP INDEX IF EXISTS {index}")
    db.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
        (str(SCHEMA_VERSION).encode(),),
    )


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
        f"INSERT INTO transactions (seq, {TRANSACTION_COLUMNS}) SELECT seq, id,"
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
