"""`PaymentReceipt`: what a service's ``Payment-Receipt`` says was paid for an answer,
as the paying clients hand it over (`receipt_of`)."""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

import httpx

from syftbox_accounting.errors import InvalidInputError

__all__ = ["RECEIPT_EXTENSION", "PaymentReceipt", "receipt_of"]

# Where the paying clients put the receipt: ``response.extensions[RECEIPT_EXTENSION]``.
RECEIPT_EXTENSION = "syftbox_accounting.payment_receipt"


@dataclasses.dataclass(frozen=True, slots=True)
class PaymentReceipt:
    """A paid answer's receipt, checked against the challenge that was paid.

    Attributes:
        transaction_id: the transaction at the accounting service (the receipt's
            ``reference``), e.g. to look it up with ``get_transaction()``.
        amount: what was paid, in US dollars (for an up-to price, what was captured).
        max_amount: the most the credential allowed (the challenge's amount).
        recipient: the service's account, who was paid.
        intent: ``charge`` (a fixed price) or ``upto`` (a price set after the work).
        challenge_id: the 402 challenge this paid.
        timestamp: when the service settled it.
    """

    transaction_id: str
    amount: Decimal
    max_amount: Decimal
    recipient: str
    intent: str
    challenge_id: str
    timestamp: datetime.datetime


def receipt_of(response: httpx.Response) -> PaymentReceipt | None:
    """The receipt of an answer a paying client paid for; None when it paid nothing
    for it (no 402 was answered, or the service sent no valid receipt).

    >>> answer = http.post(url, json=query)
    >>> receipt_of(answer).amount
    Decimal('0.25')

    Raises:
        InvalidInputError: `response` is not an httpx.Response.
    """
    if not isinstance(response, httpx.Response):
        raise InvalidInputError(
            "receipt_of takes the httpx.Response a paying client returned, not "
            f"{type(response).__name__}."
        )
    found = response.extensions.get(RECEIPT_EXTENSION)
    return found if isinstance(found, PaymentReceipt) else None
