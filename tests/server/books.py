"""The books audited from the database itself, independently of the service's code.

For every account, from the transactions table alone:

    balance = initial credit + credits + received - sent + refunds received - refunds given
    held    = what its pending transactions hold (their authorizedAmount), 0 <= held <= balance

and its usage counters must say the same; over all accounts, the balances add up to the
money put in (initial credits and credits). `check(db)` asserts all of it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

# Credits are SYSTEM transactions from an account to itself; refunds have `refund_of`;
# payments are the other COMPLETED ones (sender and recipient differ).
_AUDIT = """
SELECT a.email, a.balance, a.held, a.initial_credit,
    (SELECT COALESCE(SUM(amount), 0) FROM transactions t WHERE t.recipient_email = a.email
        AND t.created_by = 'SYSTEM' AND t.refund_of IS NULL AND t.status = 'COMPLETED'),
    (SELECT COALESCE(SUM(amount), 0) FROM transactions t WHERE t.recipient_email = a.email
        AND t.sender_email <> a.email AND t.refund_of IS NULL AND t.status = 'COMPLETED'),
    (SELECT COALESCE(SUM(amount), 0) FROM transactions t WHERE t.sender_email = a.email
        AND t.recipient_email <> a.email AND t.refund_of IS NULL AND t.status = 'COMPLETED'),
    (SELECT COALESCE(SUM(amount), 0) FROM transactions t WHERE t.recipient_email = a.email
        AND t.refund_of IS NOT NULL AND t.status = 'COMPLETED'),
    (SELECT COALESCE(SUM(amount), 0) FROM transactions t WHERE t.sender_email = a.email
        AND t.refund_of IS NOT NULL AND t.status = 'COMPLETED'),
    (SELECT COALESCE(SUM(authorized), 0) FROM transactions t WHERE t.sender_email = a.email
        AND t.status = 'PENDING'),
    (SELECT COUNT(*) FROM transactions t WHERE t.status = 'PENDING'
        AND (t.sender_email = a.email OR t.recipient_email = a.email)),
    (SELECT COUNT(*) FROM transactions t
        WHERE t.sender_email = a.email OR t.recipient_email = a.email)
FROM accounts a ORDER BY a.seq
"""
_USAGE = (
    "SELECT transaction_count, spent, received, pending_count, pending_amount,"
    " refunds_received, refunds_given FROM usage_periods WHERE email = ? AND length = 0"
)


@dataclass(frozen=True)
class AccountBooks:
    """One account's figures, in micro-dollars, as its transactions say."""

    email: str
    balance: int
    held: int
    initial: int
    credits: int
    received: int
    sent: int
    refunds_received: int
    refunds_given: int
    pending_held: int
    pending_count: int
    transaction_count: int

    @property
    def expected_balance(self) -> int:
        return (
            self.initial
            + self.credits
            + self.received
            - self.sent
            + self.refunds_received
            - self.refunds_given
        )


def audit(db: sqlite3.Connection) -> dict[str, AccountBooks]:
    """Every account's figures, by email."""
    return {row[0]: AccountBooks(*row) for row in db.execute(_AUDIT).fetchall()}


def check(db: sqlite3.Connection) -> dict[str, AccountBooks]:
    """Assert the books (see the module's docstring); returns the audit."""
    books = audit(db)
    for email, b in books.items():
        assert b.balance == b.expected_balance, (email, b)
        assert 0 <= b.held <= b.balance, (email, b)
        assert b.held == b.pending_held, (email, b)
        counters = db.execute(_USAGE, (email,)).fetchone() or (0, 0, 0, 0, 0, 0, 0)
        assert counters == (
            b.transaction_count,
            b.sent,
            b.credits + b.received,
            b.pending_count,
            b.pending_held,
            b.refunds_received,
            b.refunds_given,
        ), (email, counters, b)
    put_in = sum(b.initial + b.credits for b in books.values())
    assert sum(b.balance for b in books.values()) == put_in
    # Refunds never exceed what they refund, and every one names a completed payment.
    over = db.execute(
        "SELECT o.id FROM transactions o WHERE o.refunded <> (SELECT COALESCE(SUM(r.amount), 0)"
        " FROM transactions r WHERE r.refund_of = o.id) OR o.refunded > o.amount"
    ).fetchall()
    assert over == [], over
    orphans = db.execute(
        "SELECT r.id FROM transactions r LEFT JOIN transactions o ON o.id = r.refund_of"
        " WHERE r.refund_of IS NOT NULL AND (o.id IS NULL OR o.status <> 'COMPLETED'"
        " OR o.refund_of IS NOT NULL OR r.sender_email <> o.recipient_email"
        " OR r.recipient_email <> o.sender_email)"
    ).fetchall()
    assert orphans == [], orphans
    return books
