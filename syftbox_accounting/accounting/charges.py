"""The charges area of `AccountingClient`: what a service does with a payer's token.
It charges (`charge`, or `charging()`, which confirms when the work is delivered and
cancels when it fails), and confirms or cancels the transactions it created."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from decimal import Decimal
from typing import Any

from syftbox_accounting import operations, validation
from syftbox_accounting.accounting import settlement
from syftbox_accounting.accounting.base import UserBase
from syftbox_accounting.errors import AccountingError
from syftbox_accounting.service_client import twin
from syftbox_accounting.transport import Flow, result_of
from syftbox_accounting.types import Transaction
from syftbox_accounting.validation import hides

__all__ = ["ChargeMethods", "Payment"]


@dataclasses.dataclass
class Payment:
    """A charge in progress inside `charging()`: `transaction` is pending in the
    block, and completed (or cancelled) after it."""

    transaction: Transaction

    @property
    def id(self) -> str:
        return self.transaction.id

    @property
    def amount(self) -> Decimal:
        return self.transaction.amount


class ChargeMethods(UserBase):
    """As a service: charge a payer with their token, and confirm or cancel the
    transactions you created."""

    def _charge(
        self,
        sender_email: str,
        amount: Any,
        token: object,
        app_name: str | None,
        endpoint: str | None,
        confirm: bool,
        idempotency_key: str | None,
    ) -> Flow[Transaction]:
        secret = validation.Hidden(token)
        del token  # a traceback that shows locals must not show it
        confirm = validation.flag("confirm", confirm)
        key = settlement.flow_key(idempotency_key, confirm)
        with settlement.reported_as(key):
            pending = yield from result_of(
                operations.create_transaction(
                    sender_email=validation.email(sender_email, "sender_email"),
                    recipient_email=self.get_email(),
                    amount=validation.amount(amount),
                    token=validation.token(secret),
                    app_name=settlement.app_name(app_name),
                    endpoint=settlement.endpoint(endpoint),
                    idempotency_key=key,
                )
            )
            if not confirm:
                return pending
            assert key is not None
            return (yield from settlement.confirm_or_cancel(pending, key))

    @hides("token")
    def charge(
        self,
        sender_email: str,
        amount: int | float | Decimal,
        token: str,
        *,
        app_name: str | None = None,
        endpoint: str | None = None,
        confirm: bool = False,
        idempotency_key: str | None = None,
    ) -> Transaction:
        """As a service: charge `sender_email` `amount` dollars with the token they
        gave you. Returns the PENDING transaction; call `confirm_transaction()` once
        the work is delivered, or `cancel_transaction()` if it failed (or use
        `charging()`, which does that for you). With ``confirm=True`` the charge is
        confirmed at once (and cancelled if confirming fails, as `transfer()` does).
        Pass `idempotency_key` (e.g. the id of the job you charge for) to make a
        repeat of this call, even from another process, charge only once.

        >>> tx = service.charge("alice@example.com", "0.25", token, app_name="summarizer")

        Raises:
            PaymentError: the token is invalid, expired, spent, not for you, or its
                limit is below `amount`.
            InsufficientFundsError: the payer's balance is too low.
            NotFoundError: the payer has no account.
            InvalidInputError: a malformed email, amount, token or key.
        """
        return self._run(
            self._charge(sender_email, amount, token, app_name, endpoint, confirm, idempotency_key)
        )

    @twin(charge)
    @hides("token")
    async def charge_async(
        self,
        sender_email: str,
        amount: int | float | Decimal,
        token: str,
        *,
        app_name: str | None = None,
        endpoint: str | None = None,
        confirm: bool = False,
        idempotency_key: str | None = None,
    ) -> Transaction:
        return await self._run_async(
            self._charge(sender_email, amount, token, app_name, endpoint, confirm, idempotency_key)
        )

    def _confirm_transaction(
        self, transaction_id: str, idempotency_key: str | None
    ) -> Flow[Transaction]:
        tx_id = validation.transaction_id(transaction_id)
        key = validation.idempotency_key(idempotency_key)
        return (yield from result_of(operations.confirm_transaction(tx_id, key)))

    def confirm_transaction(
        self, transaction_id: str, *, idempotency_key: str | None = None
    ) -> Transaction:
        """Complete a pending transaction you created: the money moves now.

        Raises:
            PaymentError: it was confirmed or cancelled before.
            InsufficientFundsError: the sender can no longer pay.
            NotFoundError: no such transaction of yours.
            AuthenticationError: you are not the one who may confirm it.
        """
        return self._run(self._confirm_transaction(transaction_id, idempotency_key))

    @twin(confirm_transaction)
    async def confirm_transaction_async(
        self, transaction_id: str, *, idempotency_key: str | None = None
    ) -> Transaction:
        return await self._run_async(self._confirm_transaction(transaction_id, idempotency_key))

    def _cancel_transaction(
        self, transaction_id: str, idempotency_key: str | None
    ) -> Flow[Transaction]:
        tx_id = validation.transaction_id(transaction_id)
        key = validation.idempotency_key(idempotency_key)
        return (yield from result_of(operations.cancel_transaction(tx_id, key)))

    def cancel_transaction(
        self, transaction_id: str, *, idempotency_key: str | None = None
    ) -> Transaction:
        """Cancel a pending transaction you created: no money moves. A token spent on
        it stays spent.

        Raises:
            PaymentError: it was confirmed or cancelled before.
            NotFoundError: no such transaction of yours.
            AuthenticationError: you are not the one who may cancel it.
        """
        return self._run(self._cancel_transaction(transaction_id, idempotency_key))

    @twin(cancel_transaction)
    async def cancel_transaction_async(
        self, transaction_id: str, *, idempotency_key: str | None = None
    ) -> Transaction:
        return await self._run_async(self._cancel_transaction(transaction_id, idempotency_key))

    @hides("token")
    @contextlib.contextmanager
    def charging(
        self,
        sender_email: str,
        amount: int | float | Decimal,
        token: str,
        *,
        app_name: str | None = None,
        endpoint: str | None = None,
        idempotency_key: str | None = None,
    ) -> Iterator[Payment]:
        """Charge for work only when it is delivered: confirms on a clean exit,
        cancels if the block raises. If cancelling fails too, the block's exception
        is raised with the cancel failure attached as a note. If confirming fails,
        the charge stays pending (the work was done) and the error says so; when the
        outcome of the confirmation is unknown and the service honours idempotency
        keys, it is confirmed again with the same key first.

        >>> with accounting.charging(payer, 0.25, token, app_name="summarizer") as payment:
        ...     result = do_the_work()
        >>> payment.transaction.status
        <TransactionStatus.COMPLETED: 'COMPLETED'>

        Raises:
            the errors of `charge()` on entry, of `confirm_transaction()` on exit.
        """
        key = validation.idempotency_key(idempotency_key) or operations.new_key()
        payment = Payment(
            self.charge(
                sender_email,
                amount,
                token,
                app_name=app_name,
                endpoint=endpoint,
                idempotency_key=key,
            )
        )
        try:
            yield payment
        except BaseException as exc:
            _settle(exc, payment, _attempt(lambda: self._run(_cancel_transaction(payment, key))))
            raise
        payment.transaction = self._run(_confirm_transaction(payment, key))

    @twin(charging)
    @hides("token")
    @contextlib.asynccontextmanager
    async def charging_async(
        self,
        sender_email: str,
        amount: int | float | Decimal,
        token: str,
        *,
        app_name: str | None = None,
        endpoint: str | None = None,
        idempotency_key: str | None = None,
    ) -> AsyncIterator[Payment]:
        key = validation.idempotency_key(idempotency_key) or operations.new_key()
        payment = Payment(
            await self.charge_async(
                sender_email,
                amount,
                token,
                app_name=app_name,
                endpoint=endpoint,
                idempotency_key=key,
            )
        )
        try:
            yield payment
        except BaseException as exc:
            import anyio  # only async programs pay for loading it

            # Even when the block was cancelled, the charge must not stay pending.
            with anyio.CancelScope(shield=True):
                outcome = await _attempt_async(self._run_async(_cancel_transaction(payment, key)))
            _settle(exc, payment, outcome)
            raise
        payment.transaction = await self._run_async(_confirm_transaction(payment, key))


# `charging()`'s steps, named after the methods whose work they do (errors name
# the operation after the flow).


def _confirm_transaction(payment: Payment, key: str) -> Flow[Transaction]:
    """Confirm a charge made with `key` (again, with the same key, when the outcome is
    unknown and the service honours keys); on failure the charge stays pending."""
    try:
        with settlement.reported_as(key):
            confirmed = yield from settlement.confirm_retrying(
                payment.id, operations.step_key(key, "confirm")
            )
    except AccountingError as exc:
        _still_pending(exc, payment)
        raise
    return confirmed


def _cancel_transaction(payment: Payment, key: str) -> Flow[Transaction]:
    call = operations.cancel_transaction(payment.id, operations.step_key(key, "cancel"))
    return (yield from result_of(call))


def _attempt(cancel: Callable[[], Transaction]) -> Transaction | AccountingError:
    try:
        return cancel()
    except AccountingError as exc:
        return exc


async def _attempt_async(cancel: Awaitable[Transaction]) -> Transaction | AccountingError:
    try:
        return await cancel
    except AccountingError as exc:
        return exc


def _settle(exc: BaseException, payment: Payment, cancelled: Transaction | AccountingError) -> None:
    """Record the cancel that followed `exc`; if it failed, keep both errors visible."""
    if isinstance(cancelled, AccountingError):
        exc.add_note(f"Cancelling transaction {payment.id} failed too: {cancelled}")
    else:
        payment.transaction = cancelled


def _still_pending(exc: AccountingError, payment: Payment) -> None:
    """Say what became of a charge whose confirmation failed after the work was done."""
    exc.add_note(
        f"The charge {payment.id} stays pending, since the work was delivered: retry "
        f"confirm_transaction({payment.id!r}) later, or cancel_transaction() it; do not "
        "charge again."
    )
