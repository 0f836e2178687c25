"""The store's money movements: holds, their capture or release, and refunds."""

from __future__ import annotations

import sqlite3
import uuid

from syftbox_accounting.server import errors
from syftbox_accounting.server.bodies import DEFAULT_HOLD_SECONDS, same_email
from syftbox_accounting.server.clock import stamp
from syftbox_accounting.server.money import MAX_BALANCE_MICROS
from syftbox_accounting.server.store import usage
from syftbox_accounting.server.store.accounts import balance_too_large
from syftbox_accounting.server.store.database import Database
from syftbox_accounting.server.store.rows import (
    CANCELLED,
    EXPIRED,
    NEWEST_CREATED,
    TRANSACTION_COLUMNS,
    Actor,
    Transaction,
    insert_transaction,
    transaction_from,
)
from syftbox_accounting.server.tokens import TokenClaims

DEFAULT_MAX_PENDING = 1000
# What one sender may leave pending towards one recipient: a sender's own cap alone
# would let it fill another account's history with a thousand pending payments.
DEFAULT_MAX_PENDING_PER_RECIPIENT = 100

# Both parties of a new transaction (email as stored, balance, held) and, in the same
# statement, what its checks need: the sender's pending transactions, those towards
# the recipient (each count an index range scan, bounded by its cap) and the newest
# transaction's creation time. The columns are COLLATE NOCASE, as the emails given.
_ACCOUNTS_AND_PENDING = (
    "SELECT email, balance, held, (SELECT COUNT(*) FROM transactions"
    " WHERE sender_email = ?1 AND status = 'PENDING'), (SELECT COUNT(*) FROM transactions"
    " WHERE sender_email = ?1 AND recipient_email = ?2 AND status = 'PENDING'),"
    f" {NEWEST_CREATED} FROM accounts WHERE email IN (?1, ?2)"
)


class Payments(Database):
    """PENDING transactions that hold money, confirmed (captured), cancelled or
    lapsed, and refunds of completed payments."""

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
                row[0].lower(): row
                for row in db.execute(_ACCOUNTS_AND_PENDING, (sender_email, recipient_email))
            }
            if sender_email.lower() not in found:
                raise errors.no_account(sender_email)
            if recipient_email.lower() not in found:
                raise errors.no_account(recipient_email)
            sender, balance, held, pending, towards, newest = found[sender_email.lower()]
            recipient = found[recipient_email.lower()][0]
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
            if pending >= max_pending:
                raise errors.too_many_pending(sender, max_pending)
            if towards >= max_pending_per_recipient:
                raise errors.too_many_pending_towards(sender, recipient, max_pending_per_recipient)
            insert_transaction(db, transaction, newest)
            db.execute("UPDATE accounts SET held = held + ? WHERE email = ?", (amount, sender))
            usage.bump(
                db,
                created_at,
                usage.Change(sender, pending_count=1, pending_amount=amount),
                usage.Change(recipient, pending_count=1),
                added=True,
            )
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
            usage.bump(
                db,
                found.created_at,
                usage.Change(
                    found.sender_email, pending_count=-1, pending_amount=-held, spent=captured
                ),
                usage.Change(found.recipient_email, pending_count=-1, received=captured),
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
            raise balance_too_large(
                "transactionId",
                transaction.recipient_email,
                "cancel the transaction to release its hold, or confirm it once the "
                "recipient has spent some of its balance",
            )

    def refund_transaction(
        self,
        transaction_id: str,
        caller_email: str | None,
        *,
        amount: int | None,
        reason: str | None,
        amount_field: str = "amount",
    ) -> Transaction:
        """Give back `amount` (by default all that is left) of a COMPLETED payment: a
        new COMPLETED transaction from its recipient to its sender, linked to it.

        `caller_email` is the recipient (the sender gets 403, told so when it gave it as
        a refund; anybody else 404), or
        None for the admin (the refund is then the SYSTEM's doing). A pending,
        cancelled, refund or credit transaction is 409 not_refundable; more than is
        left is 409 refund_exceeds_payment; the recipient's available balance must
        cover it (409 insufficient_funds). `amount_field` names the request's field of
        `amount` in a refusal.
        """
        with self._write() as db:
            found = self._transaction_row(db, transaction_id)
            if found is None:
                raise errors.no_transaction(transaction_id)
            if caller_email is not None and not same_email(caller_email, found.recipient_email):
                if same_email(caller_email, found.sender_email) and found.refund_of:
                    # Who gave the refund: "ask its recipient" would lead nowhere.
                    raise errors.forbidden(
                        f"Transaction {found.id} is a refund you gave (of transaction "
                        f"{found.refund_of}), and nobody may refund a refund."
                    )
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
                raise balance_too_large(
                    "transactionId" if amount is None else amount_field,
                    payee,
                    "refund less, or once the payer has spent some of its balance",
                )
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
            insert_transaction(db, refund)
            usage.bump(
                db,
                now,
                usage.Change(refunder, refunds_given=value),
                usage.Change(payee, refunds_received=value),
                added=True,
            )
        return refund

    @staticmethod
    def _transaction_row(db: sqlite3.Connection, transaction_id: str) -> Transaction | None:
        row = db.execute(
            f"SELECT {TRANSACTION_COLUMNS} FROM transactions WHERE id = ?", (transaction_id,)
        ).fetchone()
        return None if row is None else transaction_from(row)


def _check_refundable(transaction: Transaction) -> None:
    if transaction.refund_of is not None:
        raise errors.not_refundable(
            transaction.id, f"is a refund (of transaction {transaction.refund_of})"
        )
    if transaction.created_by == "SYSTEM":
        raise errors.not_refundable(transaction.id, "is a credit made by the service")
    if transaction.status != "COMPLETED":
        raise errors.not_refundable(transaction.id, f"is {transaction.status}")


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
