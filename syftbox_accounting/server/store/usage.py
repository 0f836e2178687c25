"""Usage summaries (`GET /user/usage`) that cost the same at any history size.

Each account has counters per period of creation (table `usage_periods`): per month,
day, hour and minute, keyed by that prefix of the stored `created_at` text
("2026-01-02T03:04" is a minute), and all-time ones, the period of the empty prefix
(length 0). Every money movement moves them in its own database transaction (`bump`,
one statement), charged to the period in which the transaction was created, so a
status change months later (capture, cancel, expiry) moves the counters of the period
the transaction belongs to. A window is then the sum
of the whole periods inside it, from the coarsest down, and of the transactions of the
two minutes it cuts: at most a few dozen rows read, whatever the history holds.

>>> sum_window(db, "ann@example.com", Window(after="2026-01-01T00:00:00.000+00:00"))
Usage(transaction_count=..., ...)
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

from syftbox_accounting.server.history import Window
from syftbox_accounting.server.store.rows import in_time_order

# `length` characters of `created_at` name the period: 7 a month, 10 a day, 13 an
# hour, 16 a minute; 0 (the period '') all time. WITHOUT ROWID: the rows of one
# account and length lie together in key order, so a range of periods is one scan of
# adjacent rows.
PERIODS_TABLE = """
CREATE TABLE IF NOT EXISTS usage_periods (
    email TEXT NOT NULL COLLATE NOCASE,
    length INTEGER NOT NULL,
    period TEXT NOT NULL,
    transaction_count INTEGER NOT NULL DEFAULT 0,
    spent INTEGER NOT NULL DEFAULT 0,
    received INTEGER NOT NULL DEFAULT 0,
    pending_count INTEGER NOT NULL DEFAULT 0,
    pending_amount INTEGER NOT NULL DEFAULT 0,
    refunds_received INTEGER NOT NULL DEFAULT 0,
    refunds_given INTEGER NOT NULL DEFAULT 0,
    first_at TEXT,
    last_at TEXT,
    PRIMARY KEY (email, length, period)
) WITHOUT ROWID"""
LENGTHS = (7, 10, 13, 16)
# What a transaction moves: all time, then each of its periods.
_COUNTED = (0, *LENGTHS)
COLUMNS = (
    "transaction_count, spent, received, pending_count, pending_amount,"
    " refunds_received, refunds_given, first_at, last_at"
)
# Sums of rows of either table, in the order of `Usage`'s fields.
_SUMS = ", ".join(
    [
        f"COALESCE(SUM({c}), 0) AS {c}"
        for c in (
            "transaction_count",
            "spent",
            "received",
            "pending_count",
            "pending_amount",
            "refunds_received",
            "refunds_given",
        )
    ]
    + ["MIN(first_at) AS first_at", "MAX(last_at) AS last_at"]
)
# One party's usage over its transactions, in SQL: what the counters must always equal.
# `party` is the account; refunds count apart from payments (neither spent nor
# received); a transaction to oneself (a credit) counts once.
_PARTY_SUMS = """COUNT(*) AS transaction_count,
    COALESCE(SUM(CASE WHEN status = 'COMPLETED' AND refund_of IS NULL
        AND sender_email = {party} AND recipient_email <> {party} THEN amount END), 0) AS spent,
    COALESCE(SUM(CASE WHEN status = 'COMPLETED' AND refund_of IS NULL
        AND recipient_email = {party} THEN amount END), 0) AS received,
    COALESCE(SUM(status = 'PENDING'), 0) AS pending_count,
    COALESCE(SUM(CASE WHEN status = 'PENDING' AND sender_email = {party}
        THEN authorized END), 0) AS pending_amount,
    COALESCE(SUM(CASE WHEN status = 'COMPLETED' AND refund_of IS NOT NULL
        AND recipient_email = {party} THEN amount END), 0) AS refunds_received,
    COALESCE(SUM(CASE WHEN status = 'COMPLETED' AND refund_of IS NOT NULL
        AND sender_email = {party} THEN amount END), 0) AS refunds_given,
    MIN(created_at) AS first_at, MAX(created_at) AS last_at"""
_SCAN = (
    f"SELECT {_PARTY_SUMS.format(party=':me')} FROM transactions"
    " WHERE (sender_email = :me OR recipient_email = :me)"
    " AND created_at >= :after AND created_at < :before"
)
# Every party's rows (a transaction to oneself once), for recounting all counters.
_PARTIES = """(SELECT sender_email AS party, * FROM transactions
    UNION ALL SELECT recipient_email AS party, * FROM transactions
    WHERE recipient_email <> sender_email)"""
_EARLIEST, _LATEST = "0000", "9999"


@dataclass(frozen=True, slots=True)
class Usage:
    transaction_count: int
    spent: int  # micro-dollars, like the other amounts
    received: int
    pending_count: int
    pending_amount: int
    refunds_received: int
    refunds_given: int
    first_at: str | None
    last_at: str | None


NONE = Usage(0, 0, 0, 0, 0, 0, 0, None, None)


@dataclass(frozen=True, slots=True)
class Change:
    """How one account's counters move for one transaction (amounts in micro-dollars)."""

    email: str
    spent: int = 0
    received: int = 0
    pending_count: int = 0
    pending_amount: int = 0
    refunds_received: int = 0
    refunds_given: int = 0


_UPDATE = (
    " transaction_count = transaction_count + excluded.transaction_count,"
    " spent = spent + excluded.spent, received = received + excluded.received,"
    " pending_count = pending_count + excluded.pending_count,"
    " pending_amount = pending_amount + excluded.pending_amount,"
    " refunds_received = refunds_received + excluded.refunds_received,"
    " refunds_given = refunds_given + excluded.refunds_given,"
    # MIN/MAX of two values is NULL if either is: then the other one.
    " first_at = COALESCE(MIN(first_at, excluded.first_at), first_at, excluded.first_at),"
    " last_at = COALESCE(MAX(last_at, excluded.last_at), last_at, excluded.last_at)"
)
_PERIOD_ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"


@functools.cache
def _bump_sql(changes: int) -> str:
    """The upsert of `changes` accounts' counters, all-time and per period."""
    period_rows = ", ".join([_PERIOD_ROW] * (changes * len(_COUNTED)))
    return (
        f"INSERT INTO usage_periods (email, length, period, {COLUMNS}) VALUES {period_rows}"
        f" ON CONFLICT (email, length, period) DO UPDATE SET{_UPDATE}"
    )


def bump(db: sqlite3.Connection, created_at: str, *changes: Change, added: bool = False) -> None:
    """Move the counters of each account of `changes` for a transaction created at
    `created_at`: all-time and those of its periods, inside the caller's database
    transaction, in one statement whatever the number of accounts (it upserts its rows
    in order, so the same account twice adds up). `added` when the
    transaction is new (it then counts, and may be the first or last).

    >>> bump(db, now, Change(payer, spent=10), Change(payee, received=10))
    """
    at = created_at if added else None
    count = int(added)
    rows: list[object] = []
    periods = [(n, created_at[:n]) for n in _COUNTED]
    for c in changes:
        values = (
            count,
            c.spent,
            c.received,
            c.pending_count,
            c.pending_amount,
            c.refunds_received,
            c.refunds_given,
            at,
            at,
        )
        for n, period in periods:
            rows += (c.email, n, period, *values)
    db.execute(_bump_sql(len(changes)), rows)


def total(db: sqlite3.Connection, email: str) -> Usage:
    """The account's all-time counters (its period of length 0)."""
    row = db.execute(
        f"SELECT {COLUMNS} FROM usage_periods WHERE email = ? AND length = 0 AND period = ''",
        (email,),
    ).fetchone()
    return NONE if row is None else Usage(*row)


def scan(db: sqlite3.Connection, email: str, window: Window) -> Usage:
    """The account's usage over `window`, summed from its transactions (every row of
    the window is read: for audits, tests and the edges of `sum_window`)."""
    row = db.execute(
        _SCAN,
        {"me": email, "after": window.after or _EARLIEST, "before": window.before or _LATEST},
    ).fetchone()
    return _usage(row)


def first_seq(after: str) -> str:
    """SQL: the sequence number of the first transaction created at or after the
    parameter named `after` (NULL: none), one probe of the time index. While the
    history is in time order (`rows.in_time_order`), the transactions of a window are
    those from `first_seq` to `last_seq`."""
    return (
        f"(SELECT seq FROM transactions WHERE created_at >= :{after}"
        " ORDER BY created_at, seq LIMIT 1)"
    )


def last_seq(before: str) -> str:
    """SQL: the sequence number of the last transaction created before the parameter
    named `before` (NULL: none); see `first_seq`."""
    return (
        f"(SELECT seq FROM transactions WHERE created_at < :{before}"
        " ORDER BY created_at DESC, seq DESC LIMIT 1)"
    )


def sum_window(db: sqlite3.Connection, email: str, window: Window) -> Usage:
    """The account's usage over `window`, from its period counters: equal to
    `scan(db, email, window)`, at a cost that does not grow with the history."""
    if window.after is not None and window.before is not None and window.after >= window.before:
        return NONE  # an empty window (the service refuses one before asking)
    parts: list[str] = []
    values: dict[str, object] = {"me": email}
    in_order = in_time_order(db)
    for piece in _pieces(window.after, window.before, LENGTHS, ""):
        parts.append(_piece_sql(piece, values, in_order))
    # One statement: the pieces read one snapshot of the database.
    row = db.execute(f"SELECT {_SUMS} FROM ({' UNION ALL '.join(parts)})", values).fetchone()
    return _usage(row)


@dataclass(frozen=True, slots=True)
class _Piece:
    """The rows created in periods of `length` characters (None: transactions one by
    one) inside the period `within`, at or after `after` and before `before`."""

    length: int | None
    within: str
    after: str | None
    before: str | None


def _pieces(
    after: str | None, before: str | None, lengths: tuple[int, ...], within: str
) -> Iterator[_Piece]:
    """Cut [after, before) within the period `within` into whole periods of the
    coarsest length and the two cut periods at its ends, each cut in turn into finer
    periods, down to the transactions of at most two minutes."""
    if not lengths:
        yield _Piece(None, within, after, before)
        return
    n, finer = lengths[0], lengths[1:]
    first = None if after is None else after[:n]
    last = None if before is None else before[:n]
    if first is not None and first == last:
        yield from _pieces(after, before, finer, first)
        return
    # The whole periods strictly between the cut ones.
    yield _Piece(n, within, first, last)
    if first is not None:
        yield from _pieces(after, None, finer, first)
    if last is not None:
        yield from _pieces(None, before, finer, last)


def _piece_sql(piece: _Piece, values: dict[str, object], in_order: bool) -> str:
    """SQL for one piece's rows (of `_SUMS`' or `_SCAN`'s shape); binds its values.
    The transactions of at most two minutes are the account's own in a range of
    sequence numbers while the history is in time order (each party's index reads
    only them), else everyone's of those minutes (the time index)."""
    key = f"p{len(values)}"
    # Every stored time and period with prefix `within` sorts before `within` + "~".
    values[f"{key}w"], values[f"{key}e"] = piece.within, piece.within + "~"
    if piece.length is None:
        values[f"{key}a"] = piece.after or piece.within
        values[f"{key}b"] = piece.before or piece.within + "~"
        if not in_order:
            return (
                f"SELECT {_PARTY_SUMS.format(party=':me')} FROM transactions"
                " INDEXED BY transactions_by_time"
                f" WHERE created_at >= :{key}a AND created_at < :{key}b"
                " AND (sender_email = :me OR recipient_email = :me)"
            )
        # Unary + keeps the planner off the time index: the range is the seq bounds.
        within = (
            f"+created_at >= :{key}a AND +created_at < :{key}b"
            f" AND seq >= {first_seq(key + 'a')} AND seq <= {last_seq(key + 'b')}"
        )
        return (
            f"SELECT {_PARTY_SUMS.format(party=':me')} FROM ("
            f"SELECT * FROM transactions WHERE sender_email = :me AND {within}"
            f" UNION ALL SELECT * FROM transactions WHERE recipient_email = :me"
            f" AND sender_email <> :me AND {within})"
        )
    values[f"{key}n"] = piece.length
    low = f"period >= :{key}w" if piece.after is None else f"period > :{key}a"
    high = f"period < :{key}e" if piece.before is None else f"period < :{key}b"
    if piece.after is not None:
        values[f"{key}a"] = piece.after[: piece.length]
    if piece.before is not None:
        values[f"{key}b"] = piece.before[: piece.length]
    return (
        f"SELECT {_SUMS} FROM usage_periods WHERE email = :me AND length = :{key}n"
        f" AND {low} AND {high}"
    )


def recount(db: sqlite3.Connection) -> None:
    """Recreate the counters and compute every account's from its transactions, in the
    caller's database transaction (an upgrade, a repair). Drops the all-time table of
    versions 2 to 4 (`usage`), whose rows are now the periods of length 0."""
    db.execute("DROP TABLE IF EXISTS usage")
    db.execute("DROP TABLE IF EXISTS usage_periods")
    db.execute(PERIODS_TABLE)
    sums = _PARTY_SUMS.format(party="party")
    for n in _COUNTED:
        db.execute(
            f"INSERT INTO usage_periods (email, length, period, {COLUMNS})"
            f" SELECT party, {n}, substr(created_at, 1, {n}), {sums} FROM {_PARTIES}"
            f" GROUP BY party COLLATE NOCASE, substr(created_at, 1, {n})"
        )
    db.execute(
        "INSERT OR IGNORE INTO usage_periods (email, length, period)"
        " SELECT email, 0, '' FROM accounts"
    )


def _usage(row: tuple[object, ...]) -> Usage:
    count, spent, received, pending_count, pending_amount, refunds_in, refunds_out = (
        int(value)  # type: ignore[call-overload]
        for value in row[:7]
    )
    first_at, last_at = row[7], row[8]
    return Usage(
        count,
        spent,
        received,
        pending_count,
        pending_amount,
        refunds_in,
        refunds_out,
        None if first_at is None else str(first_at),
        None if last_at is None else str(last_at),
    )
