"""The store's rows as Python values, and what every room of the store writes alike:
a new transaction (noting whether the history stays in time order)."""

from __future__ import annotations

import dataclasses
import operator
import sqlite3
from dataclasses import dataclass
from typing import Literal

Actor = Literal["SYSTEM", "SENDER", "RECIPIENT"]
Status = Literal["PENDING", "COMPLETED", "CANCELLED"]

# Why a CANCELLED transaction was cancelled (`cancelReason`).
CANCELLED, EXPIRED = "cancelled", "expired"
# Set by the upgrade to version 3 on pending transactions that the balance could not hold.
UNFUNDED = "insufficient_funds"

ACCOUNT_COLUMNS = "id, email, password_hash, organization, balance, held"
TRANSACTION_COLUMNS = (
    "id, sender_email, recipient_email, amount, status, created_by, resolved_by,"
    " created_at, resolved_at, app_name, app_ep_path, authorized, expires_at,"
    " cancel_reason, refund_of, refunded, refund_reason"
)


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


def account_from(row: tuple[object, ...]) -> Account:
    return Account(*row)  # type: ignore[arg-type]


def transaction_from(row: tuple[object, ...]) -> Transaction:
    return Transaction(*row)  # type: ignore[arg-type]


# A transaction's fields in column order (`dataclasses.astuple` would deep-copy each).
_transaction_values = operator.attrgetter(*(f.name for f in dataclasses.fields(Transaction)))


# The creation time of the newest stored transaction (NULL when there is none), as a
# scalar subquery: a statement that reads it can pass it to `insert_transaction`.
NEWEST_CREATED = "(SELECT created_at FROM transactions ORDER BY seq DESC LIMIT 1)"
_UNREAD = object()


def insert_transaction(
    db: sqlite3.Connection, transaction: Transaction, newest: object = _UNREAD
) -> None:
    """Add a transaction; note it if it is older than the newest one (a clock that
    went back), as a time window then no longer maps to a range of sequence numbers.
    `newest`: that one's creation time (`NEWEST_CREATED`, None when there is none),
    when the caller read it in this database transaction already."""
    if newest is _UNREAD:
        (newest,) = db.execute(f"SELECT {NEWEST_CREATED}").fetchone()
    if isinstance(newest, str) and transaction.created_at < newest:
        set_time_order(db, in_order=False)
    db.execute(
        f"INSERT INTO transactions ({TRANSACTION_COLUMNS})"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        _transaction_values(transaction),
    )


# Meta key: b"1" while every transaction was created at or after the one numbered
# before it (`seq` order is `created_at` order), b"0" for good once one was not.
TIME_ORDER_KEY = "history_in_time_order"


def set_time_order(db: sqlite3.Connection, *, in_order: bool) -> None:
    db.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
        (TIME_ORDER_KEY, b"1" if in_order else b"0"),
    )


def check_time_order(db: sqlite3.Connection) -> None:
    """Record whether the stored history is in time order (one pass, at an upgrade)."""
    (out_of_order,) = db.execute(
        "SELECT EXISTS (SELECT 1 FROM (SELECT created_at,"
        " LAG(created_at) OVER (ORDER BY seq) AS before FROM transactions)"
        " WHERE created_at < before)"
    ).fetchone()
    set_time_order(db, in_order=not out_of_order)


def in_time_order(db: sqlite3.Connection) -> bool:
    row = db.execute("SELECT value FROM meta WHERE key = ?", (TIME_ORDER_KEY,)).fetchone()
    return row is not None and bytes(row[0]) == b"1"
