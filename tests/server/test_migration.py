"""A database file written before holds (schema version 2, or 1 without usage counters)
is brought up to date when the service opens it: every row kept, holds computed once."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from syftbox_accounting.server import BackgroundService, ManualClock
from syftbox_accounting.server.passwords import hash_password
from syftbox_accounting.server.store import SCHEMA_VERSION, Store
from tests.server import books

# What version 2 of the service created (store.py at that version), verbatim.
VERSION_2_SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    organization TEXT,
    balance INTEGER NOT NULL CHECK (balance >= 0),
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
CREATE INDEX IF NOT EXISTS transactions_by_sender ON transactions (sender_email);
CREATE INDEX IF NOT EXISTS transactions_by_recipient ON transactions (recipient_email);
CREATE INDEX IF NOT EXISTS transactions_by_sender_status ON transactions (sender_email, status);
CREATE INDEX IF NOT EXISTS transactions_by_recipient_status
    ON transactions (recipient_email, status);
CREATE INDEX IF NOT EXISTS transactions_by_parties ON transactions (sender_email, recipient_email);
CREATE INDEX IF NOT EXISTS transactions_by_sender_time ON transactions (sender_email, created_at);
CREATE INDEX IF NOT EXISTS transactions_by_recipient_time
    ON transactions (recipient_email, created_at);
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
PASSWORD = "a-password-from-before"
PAYER, SHOP = "payer@example.com", "shop@example.com"
NOW = 1_800_000_000.0  # the upgrade happens at this time (2027-01-15T08:00:00+00:00)
BEFORE = "2026-11-27T15:02:11.000+00:00"
# (id, sender, recipient, amount in micro-dollars, status, created_by, resolved_by)
ROWS = [
    ("credit", PAYER, PAYER, 10_000_000, "COMPLETED", "SYSTEM", "SYSTEM"),
    ("paid", PAYER, SHOP, 5_000_000, "COMPLETED", "RECIPIENT", "RECIPIENT"),
    ("dropped", PAYER, SHOP, 1_000_000, "CANCELLED", "SENDER", "SENDER"),
    # The payer has 105 and these ask 60 + 40 + 20: the last does not fit.
    ("first", PAYER, SHOP, 60_000_000, "PENDING", "RECIPIENT", None),
    ("second", PAYER, SHOP, 40_000_000, "PENDING", "SENDER", None),
    ("third", PAYER, SHOP, 20_000_000, "PENDING", "RECIPIENT", None),
]


def old_file(path: Path, version: int) -> None:
    """A file as version 2 (or 1) of the service left it, with the ROWS above."""
    with sqlite3.connect(path) as db:
        db.executescript(VERSION_2_SCHEMA)
        hashed = hash_password(PASSWORD)
        for email, balance in ((PAYER, 105_000_000), (SHOP, 105_000_000)):
            db.execute(
                "INSERT INTO accounts (id, email, password_hash, organization, balance,"
                " initial_credit, created_at) VALUES (?, ?, ?, NULL, ?, 100000000, ?)",
                (f"id-{email}", email, hashed, balance, BEFORE),
            )
        for transaction_id, sender, recipient, amount, status, by, resolved_by in ROWS:
            db.execute(
                "INSERT INTO transactions (id, sender_email, recipient_email, amount, status,"
                " created_by, resolved_by, created_at, resolved_at) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    transaction_id,
                    sender,
                    recipient,
                    amount,
                    status,
                    by,
                    resolved_by,
                    BEFORE,
                    None if resolved_by is None else BEFORE,
                ),
            )
        if version == 1:
            db.execute("DROP TABLE usage")
        else:
            # Version 2's counters (stale on purpose: the upgrade computes them anew).
            db.execute("INSERT INTO usage (email, transaction_count) VALUES (?, 99)", (PAYER,))
            db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (b"2",))
    path.chmod(0o600)


def schema(path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL"
            " AND name NOT LIKE 'idempotency%' AND name NOT LIKE 'api_keys%' ORDER BY name"
        ).fetchall()
    return [(name, " ".join(sql.replace("IF NOT EXISTS ", "").split())) for name, sql in rows]


@pytest.mark.parametrize("version", [2, 1])
def test_an_older_file_gets_holds_expiry_and_refunds(tmp_path: Path, version: int) -> None:
    database = tmp_path / "books.sqlite3"
    old_file(database, version)
    clock = ManualClock(NOW)
    with BackgroundService(database=database, clock=clock) as running:
        http = httpx.Client(base_url=running.url, auth=(PAYER, PASSWORD))
        me = http.get("/user/my-info").json()["user"]
        # The two oldest pending transactions fit the balance and hold 100 of it.
        assert (me["balance"], me["heldBalance"], me["availableBalance"]) == (105, 100, 5)
        listed = {t["id"]: t for t in http.get("/transactions").json()["transactions"]}
        assert list(listed) == [row[0] for row in reversed(ROWS)]  # the order is kept
        for transaction_id in ("first", "second"):
            kept = listed[transaction_id]
            assert kept["status"] == "PENDING"
            # The default hold, counted from the upgrade.
            assert datetime.fromisoformat(kept["expiresAt"]).timestamp() == NOW + 3600
        unfunded = listed["third"]
        assert (unfunded["status"], unfunded["resolvedBy"]) == ("CANCELLED", "SYSTEM")
        assert unfunded["cancelReason"] == "insufficient_funds"
        assert listed["dropped"]["cancelReason"] == "cancelled"
        for transaction in listed.values():
            assert transaction["authorizedAmount"] == transaction["amount"]
            assert (transaction["refundedAmount"], transaction["refundOf"]) == (0, None)
        usage = http.get("/user/usage").json()["usage"]
        assert (usage["transactionCount"], usage["pendingCount"]) == (6, 2)
        assert (usage["pendingAmount"], usage["totalSpent"], usage["totalReceived"]) == (100, 5, 10)

        # Everything works on the upgraded file: capture, refund, a new transaction
        # numbered after the old ones, and the lapse of the old holds an hour later.
        shop = (SHOP, PASSWORD)
        captured = http.post(
            "/transaction/confirm", json={"transactionId": "first", "amount": 50}, auth=shop
        )
        assert captured.json()["transaction"]["amount"] == 50
        refunded = http.post("/transaction/refund", json={"transactionId": "paid"}, auth=shop)
        assert refunded.json()["transaction"]["refundOf"] == "paid"
        clock.advance(3600)
        second = http.get("/transactions/second").json()["transaction"]
        assert (second["status"], second["cancelReason"]) == ("CANCELLED", "expired")
        assert http.get("/user/my-info").json()["user"]["heldBalance"] == 0
        with running.service.store.unit() as db:
            books.check(db)
            seqs = [seq for (seq,) in db.execute("SELECT seq FROM transactions ORDER BY seq")]
        assert seqs == list(range(1, len(ROWS) + 2))
        http.close()
    with sqlite3.connect(database) as db:
        (stored,) = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    assert int(stored) == SCHEMA_VERSION

    # The upgraded file has exactly the schema of a file made new.
    fresh = tmp_path / "fresh.sqlite3"
    Store(fresh).close()
    assert schema(database) == schema(fresh)


def test_opening_an_upgraded_file_again_changes_nothing(tmp_path: Path) -> None:
    database = tmp_path / "books.sqlite3"
    old_file(database, 2)
    Store(database, ManualClock(NOW)).close()
    with sqlite3.connect(database) as db:
        before = db.execute("SELECT * FROM transactions ORDER BY seq").fetchall()
    Store(database, ManualClock(NOW + 1)).close()  # before any hold lapses
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT * FROM transactions ORDER BY seq").fetchall() == before
