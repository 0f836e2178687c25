"""Steps that several payment flows share: the key of a multi-step call, confirming
again with that key when an outcome is unknown, and confirm-or-cancel."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from decimal import Decimal

from syftbox_accounting import errors, operations, types, validation
from syftbox_accounting.errors import AccountingError
from syftbox_accounting.transport import Flow, result_of


def flow_key(key: str | None, steps: bool) -> str | None:
    """The key of a money-moving call: the caller's, else a fresh one when the call has
    several steps (each step's key derives from it, see `operations.step_key`)."""
    key = validation.idempotency_key(key)
    return operations.new_key() if key is None and steps else key


@contextlib.contextmanager
def reported_as(key: str | None) -> Iterator[None]:
    """Errors of a multi-step call carry the key that repeats the whole call."""
    try:
        yield
    except AccountingError as exc:
        if key is not None:
            exc.idempotency_key = key
        raise


def confirm_retrying(
    transaction_id: str, key: str, amount: Decimal | None = None
) -> Flow[types.Transaction]:
    """Confirm with `key` (capturing `amount`, or the whole hold); when the outcome is
    unknown and the service honours keys (the transport's retries spent), confirm
    once more with the same key."""
    call = operations.confirm_transaction(transaction_id, key, amount=amount)
    try:
        return (yield from result_of(call))
    except AccountingError as exc:
        if exc.hint_key != errors.RETRY_WITH_KEY:
            raise
    return (yield from result_of(call))


def confirm_or_cancel(pending: types.Transaction, key: str) -> Flow[types.Transaction]:
    """Confirm `pending` now; if that fails, cancel it, so that nothing stays pending
    (cancelling one whose confirmation did land fails harmlessly: "already resolved").
    A confirmation whose outcome stays unknown at a service that honours keys is not
    cancelled: repeating the whole call with `key` finishes it."""
    try:
        return (yield from confirm_retrying(pending.id, operations.step_key(key, "confirm")))
    except (KeyboardInterrupt, SystemExit) as exc:
        # No request after an interrupt (the user wants it to stop, and the service
        # may be what hangs): the confirm may or may not have landed, so name the
        # transaction and let the caller resolve it (cancelling a completed one
        # fails harmlessly).
        exc.pending_transaction = pending  # type: ignore[union-attr]
        exc.add_note(
            f"Transaction {pending.id} may be left PENDING (interrupted while confirming "
            f"it): cancel_transaction({pending.id!r}) or confirm_transaction({pending.id!r})."
        )
        raise
    except AccountingError as exc:
        if exc.hint_key == errors.RETRY_WITH_KEY:
            exc.add_note(
                f"Transaction {pending.id} may be pending still; repeating the call with "
                f"idempotency_key={key!r} confirms it once."
            )
            raise
        try:
            yield operations.cancel_transaction(pending.id, operations.step_key(key, "cancel"))
        except AccountingError as cancel_exc:
            exc.add_note(f"Cancelling transaction {pending.id} failed too: {cancel_exc}")
        else:
            exc.add_note(f"Transaction {pending.id} was cancelled; no money moved.")
        raise


def app_name(value: str | None) -> str | None:
    return validation.optional_text("app_name", value, max_length=validation.MAX_APP_NAME_LENGTH)


def endpoint(value: str | None) -> str | None:
    return validation.optional_text("endpoint", value, max_length=validation.MAX_ENDPOINT_LENGTH)
