"""The store's accounts: who they are, their balances, and credits by the service."""

from __future__ import annotations

import sqlite3
import uuid

from syftbox_accounting.server import errors
from syftbox_accounting.server.clock import stamp
from syftbox_accounting.server.money import MAX_BALANCE_MICROS, format_micros
from syftbox_accounting.server.store import usage
from syftbox_accounting.server.store.database import Database
from syftbox_accounting.server.store.rows import (
    ACCOUNT_COLUMNS,
    Account,
    Transaction,
    account_from,
    insert_transaction,
)


class Accounts(Database):
    """Accounts: read, create, change their password or organization, credit them."""

    def account(self, email: str, *, identity_only: bool = False) -> Account | None:
        """The account; `identity_only` when only who it is matters (a login), not its
        balance: the read then skips the check for lapsed holds, and the balance and
        hold it shows may be a moment old."""
        with self._read(release=not identity_only) as db:
            row = db.execute(
                f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE email = ?", (email,)
            ).fetchone()
        return None if row is None else account_from(row)

    def accounts(self) -> list[Account]:
        """Every account, oldest first."""
        with self._read() as db:
            rows = db.execute(f"SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY seq").fetchall()
        return [account_from(row) for row in rows]

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
                f"UPDATE accounts SET organization = ? WHERE id = ? RETURNING {ACCOUNT_COLUMNS}",
                (organization, account_id),
            ).fetchall()
        if not rows:
            raise errors.invalid_credentials()  # deleted by a reset meanwhile
        return account_from(rows[0])

    def add_balance(self, email: str, amount: int, field: str = "amount") -> Account:
        """Credit an account, recorded as a COMPLETED SYSTEM transaction to itself;
        `field` names the amount's field of the request in a refusal."""
        with self._write() as db:
            now = stamp(self._time)
            rows = db.execute(
                f"UPDATE accounts SET balance = balance + ? WHERE email = ? AND balance <= ?"
                f" RETURNING {ACCOUNT_COLUMNS}",
                (amount, email, MAX_BALANCE_MICROS - amount),
            ).fetchall()
            if not rows:
                if self._exists(db, email):
                    raise balance_too_large(field, email, "credit less")
                raise errors.no_account(email)
            account = account_from(rows[0])
            insert_transaction(
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
            usage.bump(db, now, usage.Change(account.email, received=amount), added=True)
        return account

    @staticmethod
    def _exists(db: sqlite3.Connection, email: str) -> bool:
        return db.execute("SELECT 1 FROM accounts WHERE email = ?", (email,)).fetchone() is not None


def balance_too_large(field: str, email: str, advice: str) -> errors.ApiError:
    """422 naming the request's `field` that would raise `email`'s balance past the
    ceiling, and what to do instead (`advice`)."""
    return errors.validation_error(
        [
            {
                "field": field,
                "problem": f"would raise the balance of {email} above "
                f"{format_micros(MAX_BALANCE_MICROS)}, the largest the service keeps: {advice}",
            }
        ]
    )
