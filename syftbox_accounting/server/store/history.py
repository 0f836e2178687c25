"""The store's reads of a history: pages, one transaction, usage, the books' totals.

Every read costs the same at any history size: pages are index range scans in
sequence order (a time window first becomes a range of sequence numbers), usage over
a window sums counters per period (`usage`)."""

from __future__ import annotations

import sqlite3

from syftbox_accounting.server import errors
from syftbox_accounting.server.history import STATUSES, HistoryQuery, Window
from syftbox_accounting.server.store import usage
from syftbox_accounting.server.store.database import Database
from syftbox_accounting.server.store.rows import (
    TRANSACTION_COLUMNS,
    Transaction,
    in_time_order,
    transaction_from,
)
from syftbox_accounting.server.store.usage import Usage


class HistoryReads(Database):
    """What an account's history holds, read."""

    def transactions(self, email: str, query: HistoryQuery | None = None) -> list[Transaction]:
        """The account's transactions, as sender or recipient, newest first."""
        return [t for _, t in self.transactions_page(email, query or HistoryQuery())]

    def transactions_page(self, email: str, query: HistoryQuery) -> list[tuple[int, Transaction]]:
        """The account's transactions that match `query`, newest first, with their
        sequence numbers (the cursor's position): at most `query.limit`, older than
        `query.before_seq`.

        Each side (as sender, as recipient) is one index range scan, so a page costs
        the same at any history size. A time window becomes a range of sequence
        numbers first (two probes of the time index) while the history is in time
        order; otherwise it filters the rows the scan reads."""
        conditions, values = (
            ["seq < :before_seq"],
            {
                "me": email,
                "before_seq": query.before_seq or 2**62,
                "after": query.window.after,
                "before": query.window.before,
                "other": query.counterparty,
            },
        )
        if query.status is not None:
            # Written into the SQL (one of three names, checked), not bound: with the
            # value bound, each side's scan took 3x as long (13 us against 4 us with
            # SQLite 3.40, whatever the status or the history's size).
            if query.status not in STATUSES:
                raise ValueError(f"unknown status {query.status!r}")
            conditions.append(f"status = '{query.status}'")
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
            if windowed and in_time_order(db):
                values["low"], values["high"] = _seq_range(db, query.window)
                sent += " AND seq BETWEEN :low AND :high"
                received += " AND seq BETWEEN :low AND :high"
            where = " AND ".join(conditions)
            sql = (
                f"SELECT * FROM (SELECT seq, {TRANSACTION_COLUMNS} FROM transactions"
                f" WHERE {sent} AND {where} ORDER BY seq DESC{limit})"
                f" UNION ALL SELECT * FROM (SELECT seq, {TRANSACTION_COLUMNS} FROM transactions"
                f" WHERE {received} AND {where} ORDER BY seq DESC{limit})"
                f" ORDER BY seq DESC{limit}"
            )
            rows = db.execute(sql, values).fetchall()
        return [(int(row[0]), transaction_from(row[1:])) for row in rows]

    def transaction(self, email: str, transaction_id: str) -> Transaction:
        """One transaction the account is party to, else 404 (ids reveal nothing)."""
        with self._read() as db:
            row = db.execute(
                f"SELECT {TRANSACTION_COLUMNS} FROM transactions WHERE id = ?"
                " AND (sender_email = ? OR recipient_email = ?)",
                (transaction_id, email, email),
            ).fetchone()
        if row is None:
            raise errors.no_transaction(transaction_id)
        return transaction_from(row)

    def usage(self, email: str, window: Window | None = None) -> Usage:
        """The account's usage summary: its counters, or over a window, the sum of its
        counters per period (see `usage`); the same cost at any history size."""
        with self._read() as db:
            if window is not None and (window.after or window.before):
                return usage.sum_window(db, email, window)
            return usage.total(db, email)

    def recomputed_usage(self, email: str, window: Window | None = None) -> Usage:
        """The usage summary computed from the transactions themselves (for audits)."""
        with self._read() as db:
            return usage.scan(db, email, window or Window())

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


def _seq_range(db: sqlite3.Connection, window: Window) -> tuple[int, int]:
    """The sequence numbers of the transactions created inside `window`, as (first,
    last); (1, 0) when there are none. Exact only while the history is in time order:
    the newest transaction created before `window.before` is then the one with the
    highest number among them."""
    low, high = db.execute(
        f"SELECT CASE WHEN :after IS NULL THEN 1 ELSE {usage.first_seq('after')} END,"
        f" CASE WHEN :before IS NULL THEN {2**62} ELSE {usage.last_seq('before')} END",
        {"after": window.after, "before": window.before},
    ).fetchone()
    return (1, 0) if low is None or high is None else (int(low), int(high))
