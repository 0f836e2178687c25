"""The charges area of `AccountingClient`: what a service does with a payer's token.
It charges (`charge`, or `charging()`, which holds the most the work may cost, then
captures the real price when the work is delivered and cancels when it fails),
confirms or cancels the transactions it created, and refunds payments it received."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from decimal import Decimal
from typing import Any

from syftbox_accounting import errors, operations, types, validation
from syftbox_accounting.accounting import settlement
from syftbox_accounting.accounting.base import UserBase, other_account
from syftbox_accounting.errors import AccountingError, HoldExpiredError
from syftbox_accounting.render import money
from syftbox_accounting.service_client import twin
from syftbox_accounting.transport import Flow, result_of
from syftbox_accounting.validation import hides

__all__ = ["ChargeMethods", "Payment"]


@dataclasses.dataclass
class Payment:
    """A charge in progress inside `charging()`: `transaction` is pending in the
    block, and completed (or cancelled) after it. In the block, `capture()` sets the
    final price, at most what the charge holds, before `expires_at`, when the hold
    lapses. `hold_cut_short` says whether the payer's token made the hold shorter than
    the `hold_for=` asked: check it before long work.

    >>> with service.charging(payer, Decimal("0.50"), token, hold_for=600) as payment:
    ...     if payment.hold_cut_short:  # the payer's token lapses sooner
    ...         raise TimeoutError(f"too little time: {payment.expires_at}")  # cancels
    ...     tokens = run_the_model()
    ...     payment.capture(tokens * PRICE_PER_TOKEN)
    """

    transaction: types.Transaction
    # Set by `capture()`: None captures the whole hold.
    price: Decimal | None = dataclasses.field(default=None, init=False)
    # Whether the service announced `capture` (set by `charging()`).
    _can_capture: bool = dataclasses.field(default=False, init=False, repr=False)
    _service: str = dataclasses.field(default="", init=False, repr=False)
    # Whether the `charging()` block runs: a price set after it would move nothing.
    _open: bool = dataclasses.field(default=False, init=False, repr=False)
    # The `hold_for=` asked, in seconds (None: the service's default).
    _hold_for: int | None = dataclasses.field(default=None, init=False, repr=False)

    @property
    def id(self) -> str:
        return self.transaction.id

    @property
    def amount(self) -> Decimal:
        """What the charge holds in the block, what was captured after it: 0 once it
        was cancelled (a price of 0, the block raised, or its hold lapsed)."""
        if self.transaction.status is types.TransactionStatus.CANCELLED:
            return Decimal(0)
        return self.transaction.amount

    @property
    def expires_at(self) -> datetime.datetime | None:
        """When the hold lapses unless captured (None at a service without holds): the
        `hold_for=` asked, or the payer's token's expiry when that comes first."""
        return self.transaction.expires_at

    @property
    def hold_cut_short(self) -> bool:
        """True when the hold lapses before the `hold_for=` asked: the payer's token
        expires sooner, and the hold with it (the work must end by `expires_at`). False
        without `hold_for=` or at a service without holds."""
        tx = self.transaction
        if self._hold_for is None or tx.expires_at is None:
            return False
        asked = tx.created_at + datetime.timedelta(seconds=self._hold_for)
        # A second's leeway: the service may count whole seconds.
        return tx.expires_at < asked - datetime.timedelta(seconds=1)

    @property
    def held(self) -> Decimal:
        """The most this charge may capture: the amount it holds."""
        return self.transaction.authorized_amount or self.transaction.amount

    def capture(self, amount: int | float | Decimal) -> None:
        """Set the final price, from 0 (nothing moves: the charge is cancelled when the
        block ends) up to what the charge holds; a clean exit captures it and releases
        the rest. Call it again to change it; without it, the whole hold is captured.

        Raises:
            InvalidInputError: a malformed amount, one above what the charge holds, or
                a call after the block ended (the charge was settled then).
            FeatureNotSupportedError: the service cannot capture less than the hold
                (the public one): raised here, before the work's result is handed out.
        """
        if not self._open:
            raise errors.InvalidInputError(
                f"capture() of charge {self.id} came after its charging() block ended "
                f"(the charge is {self.transaction.status.value} now): call it "
                "inside the charging() block, or confirm_transaction(id, amount=...) a "
                "charge still pending."
            )
        price = validation.capture(amount, self.held)
        if 0 < price < self.held and not self._can_capture:
            raise errors.unsupported("capture", self._service, "capture")
        self.price = price


class ChargeMethods(UserBase):
    """As a service: charge a payer with their token, and confirm, cancel or refund
    the transactions you created or received."""

    def _charge(
        self,
        sender_email: str,
        amount: Any,
        token: object,
        labels: tuple[str | None, str | None],
        hold_for: Any,
        confirm: bool,
        idempotency_key: str | None,
    ) -> Flow[types.Transaction]:
        secret = validation.Hidden(token)
        del token  # a traceback that shows locals must not show it
        confirm = validation.flag("confirm", confirm)
        key = settlement.flow_key(idempotency_key, confirm)
        with settlement.reported_as(key):
            payer, value = validation.email(sender_email, "sender_email"), validation.amount(amount)
            names = (settlement.app_name(labels[0]), settlement.endpoint(labels[1]))
            hold = validation.expires_in(hold_for, "hold_for")
            secret = validation.Hidden(validation.token(secret))  # before anything is sent
            pending = yield from result_of(
                operations.create_transaction(
                    sender_email=payer,
                    recipient_email=(yield from other_account(self, payer, "sender_email")),
                    amount=value,
                    token=secret.value,
                    app_name=names[0],
                    endpoint=names[1],
                    hold_for=hold,
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
        hold_for: int | float | datetime.timedelta | None = None,
        confirm: bool = False,
        idempotency_key: str | None = None,
    ) -> types.Transaction:
        """As a service: charge `sender_email` `amount` dollars with the token they
        gave you. Returns the PENDING transaction, which holds `amount` of the payer's
        balance (at a service with holds) until you `confirm_transaction()` it once
        the work is delivered (capturing at most `amount`), `cancel_transaction()` it
        if the work failed, or its hold lapses after `hold_for` (seconds or a
        timedelta; the service's default is an hour, at most 24 hours, and never past
        the token's expiry: the transaction's `expires_at` says when, which is sooner
        than `hold_for` when the token expires sooner). `charging()` does all of that
        for you. With
        ``confirm=True`` the charge is confirmed at once (and cancelled if confirming
        fails, as `transfer()` does). Pass `idempotency_key` (e.g. the id of the job
        you charge for) to make a repeat of this call, even from another process,
        charge only once.

        >>> tx = service.charge("alice@example.com", Decimal("0.25"), token, app_name="summarizer")

        Raises:
            PaymentError: the token is invalid, expired, spent, not for you, or its
                limit is below `amount`.
            InsufficientFundsError: the payer's available balance is too low.
            NotFoundError: the payer has no account.
            FeatureNotSupportedError: `hold_for` at a service without holds.
            InvalidInputError: a malformed email, amount, token, duration or key.
        """
        return self._run(
            self._charge(
                sender_email,
                amount,
                token,
                (app_name, endpoint),
                hold_for,
                confirm,
                idempotency_key,
            )
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
        hold_for: int | float | datetime.timedelta | None = None,
        confirm: bool = False,
        idempotency_key: str | None = None,
    ) -> types.Transaction:
        return await self._run_async(
            self._charge(
                sender_email,
                amount,
                token,
                (app_name, endpoint),
                hold_for,
                confirm,
                idempotency_key,
            )
        )

    def _confirm_transaction(
        self, transaction_id: str, amount: Any, idempotency_key: str | None
    ) -> Flow[types.Transaction]:
        call = operations.confirm_transaction(
            validation.transaction_id(transaction_id),
            validation.idempotency_key(idempotency_key),
            amount=validation.captured(amount),
        )
        return (yield from result_of(call))

    def confirm_transaction(
        self,
        transaction_id: str,
        *,
        amount: int | float | Decimal | None = None,
        idempotency_key: str | None = None,
    ) -> types.Transaction:
        """Complete a pending transaction you created: the money moves now. With
        `amount`, capture only that much of what it holds (the final price of work
        priced afterwards) and release the rest; the transaction's `amount` is then
        what was captured, its `authorized_amount` what was held.

        >>> service.confirm_transaction(tx.id, amount=Decimal("1.23"))

        Raises:
            PaymentError: it was confirmed or cancelled before, or `amount` is above
                what it holds.
            HoldExpiredError: its hold lapsed; nothing moved.
            InsufficientFundsError: the sender can no longer pay (only at a service
                without holds).
            FeatureNotSupportedError: `amount` at a service that cannot capture less
                than the hold; nothing was sent.
            NotFoundError: no such transaction of yours.
            AuthenticationError: you are not the one who may confirm it.
            InvalidInputError: a malformed id, or an `amount` that is not above 0
                (`cancel_transaction()` captures nothing); nothing was sent.
        """
        return self._run(self._confirm_transaction(transaction_id, amount, idempotency_key))

    @twin(confirm_transaction)
    async def confirm_transaction_async(
        self,
        transaction_id: str,
        *,
        amount: int | float | Decimal | None = None,
        idempotency_key: str | None = None,
    ) -> types.Transaction:
        return await self._run_async(
            self._confirm_transaction(transaction_id, amount, idempotency_key)
        )

    def _cancel_transaction(
        self, transaction_id: str, idempotency_key: str | None
    ) -> Flow[types.Transaction]:
        tx_id = validation.transaction_id(transaction_id)
        key = validation.idempotency_key(idempotency_key)
        return (yield from result_of(operations.cancel_transaction(tx_id, key)))

    def cancel_transaction(
        self, transaction_id: str, *, idempotency_key: str | None = None
    ) -> types.Transaction:
        """Cancel a pending transaction you created: no money moves, and what it held
        is released. A token spent on it stays spent.

        Raises:
            PaymentError: it was confirmed or cancelled before.
            HoldExpiredError: its hold lapsed already; nothing moved.
            NotFoundError: no such transaction of yours.
            AuthenticationError: you are not the one who may cancel it.
        """
        return self._run(self._cancel_transaction(transaction_id, idempotency_key))

    @twin(cancel_transaction)
    async def cancel_transaction_async(
        self, transaction_id: str, *, idempotency_key: str | None = None
    ) -> types.Transaction:
        return await self._run_async(self._cancel_transaction(transaction_id, idempotency_key))

    def _refund_transaction(
        self, transaction_id: str, amount: Any, reason: str | None, idempotency_key: str | None
    ) -> Flow[types.Transaction]:
        tx_id, refunded, why = validation.refund(transaction_id, amount, reason)
        call = operations.refund_transaction(
            tx_id,
            amount=refunded,
            reason=why,
            idempotency_key=validation.idempotency_key(idempotency_key),
        )
        return (yield from result_of(call))

    def refund_transaction(
        self,
        transaction_id: str,
        *,
        amount: int | float | Decimal | None = None,
        reason: str | None = None,
        idempotency_key: str | None = None,
    ) -> types.Transaction:
        """Give back all (the default) or `amount` of a completed payment you
        received, at once. Returns the refund: a completed transaction to the payer
        whose `refund_of` names the payment. Refunds of one payment never exceed it in
        total. Pass `idempotency_key` (e.g. the job's id): a repeat gives back once.

        >>> service.refund_transaction(tx.id, amount=Decimal("3"), reason="partial outage")

        Raises:
            PaymentError: the payment is not completed, is a refund itself, or less
                than `amount` is left to refund.
            InsufficientFundsError: your available balance does not cover the refund.
            FeatureNotSupportedError: the service has no refunds (the public one);
                nothing was sent.
            NotFoundError: no such transaction of yours.
            AuthenticationError: you paid it (only its recipient may refund it).
        """
        return self._run(self._refund_transaction(transaction_id, amount, reason, idempotency_key))

    @twin(refund_transaction)
    async def refund_transaction_async(
        self,
        transaction_id: str,
        *,
        amount: int | float | Decimal | None = None,
        reason: str | None = None,
        idempotency_key: str | None = None,
    ) -> types.Transaction:
        return await self._run_async(
            self._refund_transaction(transaction_id, amount, reason, idempotency_key)
        )

    def _payment(self, transaction: types.Transaction, hold_for: Any) -> Payment:
        payment = Payment(transaction)
        payment._hold_for = validation.expires_in(hold_for, "hold_for")  # checked already
        payment._can_capture = "capture" in (self._transport.features or ())
        payment._service = self.accounting_url
        return payment

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
        hold_for: int | float | datetime.timedelta | None = None,
        idempotency_key: str | None = None,
    ) -> Iterator[Payment]:
        """Charge for work only when it is delivered. On entry the charge holds
        `amount`, the most the work may cost; in the block, `payment.capture(price)`
        sets the real price (per token, per second...), at most `amount`. A clean exit
        confirms that price (the whole hold if none was set) and releases the rest; an
        exception cancels the charge, and nothing moves. If cancelling fails too, the
        block's exception is raised with the cancel failure attached as a note. If
        confirming fails, the charge is left as it is (the work was done), and the
        error's note says what became of it, looked up at the service: still pending,
        completed before (a repeat of the same `idempotency_key` is settled once, at its
        first price), or cancelled; when the outcome of the confirmation is unknown and
        the service honours idempotency keys, it is confirmed again with the same key
        first. In
        `charging_async()`, a cancellation (a deadline) that fires while the charge is
        being made, confirmed or cancelled waits for that to end, then arrives (a
        charge it interrupted being made is cancelled, and the block does not run).
        The hold lapses at `payment.expires_at`: after `hold_for`, or sooner when the
        payer's token expires sooner, which `payment.hold_cut_short` says on entry.

        >>> with accounting.charging(payer, Decimal("0.50"), token) as payment:
        ...     answer, tokens = run_the_model()
        ...     payment.capture(tokens * Decimal("0.000002"))
        >>> payment.transaction.amount  # what the payer paid
        Decimal('0.137')

        Raises:
            the errors of `charge()` on entry, of `confirm_transaction()` on exit;
            `capture()` raises in the block.
        """
        key = validation.idempotency_key(idempotency_key) or operations.new_key()
        payment = self._payment(
            self.charge(
                sender_email,
                amount,
                token,
                app_name=app_name,
                endpoint=endpoint,
                hold_for=hold_for,
                idempotency_key=key,
            ),
            hold_for,
        )
        payment._open = True
        try:
            yield payment
        except BaseException as exc:
            payment._open = False
            _settle(exc, payment, _attempt(lambda: self._run(_cancel_transaction(payment, key))))
            raise
        payment._open = False
        try:
            payment.transaction = self._run(finish(payment, key))
        except (KeyboardInterrupt, SystemExit) as exc:
            _interrupted(exc, payment)
            raise

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
        hold_for: int | float | datetime.timedelta | None = None,
        idempotency_key: str | None = None,
    ) -> AsyncIterator[Payment]:
        import anyio  # only async programs pay for loading it

        key = validation.idempotency_key(idempotency_key) or operations.new_key()
        await anyio.lowlevel.checkpoint_if_cancelled()  # past its deadline: send nothing
        # A deadline that fires while the service makes the charge arrives below, in the
        # block's place, so that the charge is cancelled rather than left holding money.
        with anyio.CancelScope(shield=True):
            charged = await self.charge_async(
                sender_email,
                amount,
                token,
                app_name=app_name,
                endpoint=endpoint,
                hold_for=hold_for,
                idempotency_key=key,
            )
        payment = self._payment(charged, hold_for)
        payment._open = True
        try:
            await anyio.lowlevel.checkpoint_if_cancelled()
            yield payment
        except BaseException as exc:
            payment._open = False
            # Even when the block was cancelled, the charge must not stay pending.
            with anyio.CancelScope(shield=True):
                outcome = await _attempt_async(self._run_async(_cancel_transaction(payment, key)))
            _settle(exc, payment, outcome)
            raise
        payment._open = False
        # The work was delivered: a deadline that fires now must not leave the charge
        # pending, the payer's money held and the work unpaid; it arrives once the
        # charge is settled.
        with anyio.CancelScope(shield=True):
            try:
                payment.transaction = await self._run_async(finish(payment, key))
            except (KeyboardInterrupt, SystemExit) as exc:
                _interrupted(exc, payment)
                raise
        await anyio.lowlevel.checkpoint_if_cancelled()


# `charging()`'s steps, named after the methods whose work they do (errors name
# the operation after the flow).


def finish(payment: Payment, key: str) -> Flow[types.Transaction]:
    """The end of a clean `charging()` block: capture the price, or cancel at a price
    of 0, so that nothing moves (the flow is named after what it does, for errors).
    Run again with the same `key` after it failed (a paywall does), it settles the
    charge once: the service answers a repeat of a step that landed from its record."""
    if payment.price is not None and not payment.price:
        return _cancel_transaction(payment, key)
    return _confirm_transaction(payment, key)


def cancel(payment: Payment, key: str) -> Flow[types.Transaction]:
    """Cancel a charge made with `key`, as a `charging()` block that raised does. Run
    again with the same `key` after it failed (a paywall does), it cancels once."""
    return _cancel_transaction(payment, key)


def _confirm_transaction(payment: Payment, key: str) -> Flow[types.Transaction]:
    """Confirm a charge made with `key` at its price (again, with the same key, when the
    outcome is unknown and the service honours keys); on failure the error says what
    became of the charge."""
    price = payment.price if payment.price != payment.held else None
    try:
        with settlement.reported_as(key):
            confirmed = yield from settlement.confirm_retrying(
                payment.id, operations.step_key(key, "confirm"), price
            )
    except AccountingError as exc:
        yield from _what_became_of(exc, payment)
        raise
    return confirmed


def _cancel_transaction(payment: Payment, key: str) -> Flow[types.Transaction]:
    call = operations.cancel_transaction(payment.id, operations.step_key(key, "cancel"))
    return (yield from result_of(call))


def _attempt(cancel: Callable[[], types.Transaction]) -> types.Transaction | AccountingError:
    try:
        return cancel()
    except AccountingError as exc:
        return exc


async def _attempt_async(
    cancel: Awaitable[types.Transaction],
) -> types.Transaction | AccountingError:
    try:
        return await cancel
    except AccountingError as exc:
        return exc


def _settle(
    exc: BaseException, payment: Payment, cancelled: types.Transaction | AccountingError
) -> None:
    """Record the cancel that followed `exc`; if it failed, keep both errors visible."""
    if isinstance(cancelled, HoldExpiredError):
        exc.add_note(
            f"The hold of charge {payment.id} had lapsed already{_cut_short(payment)}: "
            "nothing moved."
        )
    elif isinstance(cancelled, AccountingError):
        exc.add_note(f"Cancelling transaction {payment.id} failed too: {cancelled}")
    else:
        payment.transaction = cancelled


def _cut_short(payment: Payment) -> str:
    """When the payer's token cut the hold short, the words that say so."""
    if not payment.hold_cut_short:
        return ""
    assert payment.expires_at is not None
    return (
        f" (the payer's token let it hold only until {payment.expires_at.isoformat()}, "
        f"sooner than the hold_for={payment._hold_for} asked)"
    )


def _interrupted(exc: BaseException, payment: Payment) -> None:
    """Say what to do with a charge whose settling an interrupt cut short."""
    exc.add_note(
        f"Interrupted while settling charge {payment.id}: it may be completed, cancelled "
        f"or still pending. get_transaction({payment.id!r}) says which; confirm or cancel "
        "it if it is still pending."
    )


def _what_became_of(exc: AccountingError, payment: Payment) -> Flow[None]:
    """Say, as a note on `exc`, what became of a charge whose confirmation failed after
    the work was done. Only a lapsed hold proves it by itself; else the charge is looked
    up (and `payment.transaction` updated), since a failed confirmation does not mean a
    pending charge: a replay of the same key at another price finds it completed."""
    if isinstance(exc, HoldExpiredError):
        if payment.hold_cut_short:
            what = (
                "ask the payer for a token that lives longer (expires_in=), or check "
                "payment.hold_cut_short before long work"
            )
        else:
            what = "pass a longer hold_for= (at most 24 hours, and within the token's life)"
        exc.add_note(
            f"The hold of charge {payment.id} lapsed before the work ended"
            f"{_cut_short(payment)}, so nothing moved: {what}."
        )
        return
    try:
        found = yield from result_of(operations.get_transaction(payment.id))
    except AccountingError:
        exc.add_note(
            f"The charge {payment.id} may still be pending (get_transaction"
            f"({payment.id!r}) says): the work was delivered, so if it is, retry "
            f"confirm_transaction({payment.id!r}) later, or cancel_transaction() it; do "
            "not charge again."
        )
        return
    if found.id != payment.id:  # not the charge asked for: say nothing of it
        return
    payment.transaction = found
    if found.status is types.TransactionStatus.COMPLETED:
        held = found.authorized_amount
        of = f" of the {money(held)} held" if held is not None and held != found.amount else ""
        exc.add_note(
            f"The charge {payment.id} is completed already, at {money(found.amount)}{of}: "
            "it was settled before (a charge repeated with the same idempotency_key is "
            "settled once, at its first price), and nothing more moved."
        )
    elif found.status is types.TransactionStatus.CANCELLED:
        why = "its hold lapsed" if found.cancel_reason == "expired" else "it was cancelled"
        exc.add_note(f"The charge {payment.id} is cancelled ({why}): nothing moved.")
    else:
        exc.add_note(
            f"The charge {payment.id} stays pending, since the work was delivered: retry "
            f"confirm_transaction({payment.id!r}) later, or cancel_transaction() it; do "
            "not charge again."
        )
