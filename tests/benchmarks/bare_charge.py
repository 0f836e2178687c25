"""The least a charge can cost on the reference service's HTTP stack with SQLite: P4's
floor, a diagnostic with no target.

Two routes that the launcher puts in front of the service's (as its no-op routes),
``POST /bench/bare/create`` and ``POST /bench/bare/confirm``, take P4's charge bodies
and answer as large a transaction as the service does. Each is one database
transaction of the fewest statements a hold and its capture need, on a SQLite
database of the service's mode (in memory, or a file in WAL mode with
``synchronous=NORMAL``, as the store's). Everything else the service does is left out:
no password is ever verified (the Authorization header is looked up in a dict), no
body is validated, there are no usage counters, no hold expiry, no pending caps, no
idempotency, and the transactions have only the two indexes a party's history needs.
So a figure here is what the service could reach if all it did were to move the
money: what its features cost is the gap between this and P4-server.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import time
import uuid

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

CREATE_PATH = "/bench/bare/create"
CONFIRM_PATH = "/bench/bare/confirm"
_SCHEMA = """
CREATE TABLE accounts (
    email TEXT PRIMARY KEY,
    balance INTEGER NOT NULL,
    held INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE transactions (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    sender_email TEXT NOT NULL,
    recipient_email TEXT NOT NULL,
    amount INTEGER NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    resolved_at TEXT
);
CREATE INDEX transactions_by_sender ON transactions (sender_email);
CREATE INDEX transactions_by_recipient ON transactions (recipient_email);
"""
# A payer's balance, made on its first request: more than P4's rounds spend.
_FUNDS = 10**15


def routes(database: str) -> list[Route]:
    """The two routes, on a new database at `database` (":memory:", or a path that
    must not exist yet)."""
    store = _BareStore(database)
    return [
        Route(CREATE_PATH, store.create, methods=["POST"]),
        Route(CONFIRM_PATH, store.confirm, methods=["POST"]),
    ]


class _BareStore:
    def __init__(self, database: str) -> None:
        self.db = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
        if database != ":memory:":
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")
        self.db.executescript(_SCHEMA)
        self.logins: dict[str, str] = {}

    def _caller(self, request: Request) -> str:
        """The email of a Basic Authorization header: accounts are made on first use."""
        header = request.headers["authorization"]
        email = self.logins.get(header)
        if email is None:
            email = base64.b64decode(header.split()[1]).decode().partition(":")[0]
            self.db.execute(
                "INSERT OR IGNORE INTO accounts (email, balance) VALUES (?, ?)", (email, _FUNDS)
            )
            self.logins[header] = email
        return email

    async def create(self, request: Request) -> Response:
        sender = self._caller(request)
        body = json.loads(await request.body())
        recipient, amount = body["recipientEmail"], round(body["amount"] * 1_000_000)
        row = (str(uuid.uuid4()), sender, recipient, amount, "PENDING", _now(), None)
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            # The recipient must exist, as the service checks: made here on first use.
            known = db.execute("SELECT 1 FROM accounts WHERE email = ?", (recipient,))
            if known.fetchone() is None:
                db.execute("INSERT INTO accounts (email, balance) VALUES (?, 0)", (recipient,))
            held = db.execute(
                "UPDATE accounts SET held = held + ?1 WHERE email = ?2 AND balance - held >= ?1",
                (amount, sender),
            )
            if held.rowcount != 1:
                raise RuntimeError("bare charge: the payer's balance ran out")
            db.execute(
                "INSERT INTO transactions (id, sender_email, recipient_email, amount, status,"
                " created_at, resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return _answer(row)

    async def confirm(self, request: Request) -> Response:
        caller = self._caller(request)
        body = json.loads(await request.body())
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            found = db.execute(
                "SELECT id, sender_email, recipient_email, amount, status, created_at"
                " FROM transactions WHERE id = ?",
                (body["transactionId"],),
            ).fetchone()
            if found is None or found[1] != caller or found[4] != "PENDING":
                raise RuntimeError(f"bare charge: nothing to confirm: {found}")
            resolved_at = _now()
            db.execute(
                "UPDATE transactions SET status = 'COMPLETED', resolved_at = ? WHERE id = ?",
                (resolved_at, found[0]),
            )
            db.execute(
                "UPDATE accounts SET balance = balance - ?1, held = held - ?1 WHERE email = ?2",
                (found[3], found[1]),
            )
            db.execute(
                "UPDATE accounts SET balance = balance + ? WHERE email = ?", (found[3], found[2])
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return _answer((*found[:4], "COMPLETED", found[5], resolved_at))


def _now() -> str:
    seconds = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + (
        f".{int(seconds % 1 * 1000):03d}+00:00"
    )


def _answer(row: tuple[object, ...]) -> Response:
    """The transaction, with every field of the service's answer."""
    transaction_id, sender, recipient, micros, status, created_at, resolved_at = row
    assert isinstance(micros, int)
    amount = micros / 1_000_000
    decimal = f"{amount:f}".rstrip("0").rstrip(".")
    return Response(
        json.dumps(
            {
                "transaction": {
                    "id": transaction_id,
                    "senderEmail": sender,
                    "recipientEmail": recipient,
                    "amount": amount,
                    "amountDecimal": decimal,
                    "status": status,
                    "createdBy": "SENDER",
                    "resolvedBy": None if resolved_at is None else "SENDER",
                    "createdAt": created_at,
                    "resolvedAt": resolved_at,
                    "appName": None,
                    "appEpPath": None,
                    "authorizedAmount": amount,
                    "authorizedAmountDecimal": decimal,
                    "expiresAt": created_at,
                    "cancelReason": None,
                    "refundOf": None,
                    "refundedAmount": 0,
                    "refundedAmountDecimal": "0",
                    "refundReason": None,
                }
            }
        ),
        media_type="application/json",
    )
