"""JSON responses, with money written exactly in both of the contract's forms (see its
Money section): the number (`10` stays `10`, `0.25` stays `0.25`) and, beside it, the
decimal string (`"amountDecimal": "0.25"`)."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from syftbox_accounting.server.errors import ApiError
from syftbox_accounting.server.money import MICROS_PER_DOLLAR, format_micros
from syftbox_accounting.server.store import Account, Transaction, Usage


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in micro-dollars, written as an exact JSON number."""

    micros: int


def money(micros: int) -> int | float | Money:
    """The JSON value of an amount: an int or float when that writes exactly, else `Money`.

    `json` writes a float by its shortest repr, which is the exact decimal for up to 15
    significant digits (every amount up to 1e9 with 6 places); checked, never assumed.
    """
    return _forms(micros)[0]


def decimal(micros: int) -> str:
    """The decimal string of an amount, in its shortest form: ``"150.1"``, ``"10"``."""
    return format_micros(micros)


@functools.lru_cache(maxsize=4096)
def _forms(micros: int) -> tuple[int | float | Money, str]:
    """An amount's number (`money`) and decimal string (`decimal`), formatted once.
    Cached: answers repeat a few amounts (0 above all), and both forms are immutable."""
    text = format_micros(micros)
    whole, fraction = divmod(micros, MICROS_PER_DOLLAR)
    if fraction == 0:
        return whole, text
    number = micros / MICROS_PER_DOLLAR
    return (number if repr(number) == text else Money(micros)), text


def dumps(value: Any) -> str:
    """`json.dumps`, plus `Money` written as its exact decimal text (the slow, rare path)."""
    if isinstance(value, Money):
        return format_micros(value.micros)
    if isinstance(value, Mapping):
        items = (f"{json.dumps(str(key))}:{dumps(item)}" for key, item in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dumps(item) for item in value) + "]"
    return json.dumps(value)


class _NotPlainJSON(TypeError):
    pass


def _not_plain(value: object) -> None:
    raise _NotPlainJSON


# One encoder for every answer: `json.dumps` with options builds a new one per call.
_ENCODE = json.JSONEncoder(separators=(",", ":"), default=_not_plain).encode


class ExactJSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        try:
            text = _ENCODE(content)
        except _NotPlainJSON:
            text = dumps(content)
        return text.encode("utf-8")


def user_json(account: Account) -> dict[str, Any]:
    balance, balance_text = _forms(account.balance)
    available, available_text = _forms(account.available)
    held, held_text = _forms(account.held)
    return {
        "id": account.id,
        "email": account.email,
        "balance": balance,
        "balanceDecimal": balance_text,
        "organization": account.organization,
        "availableBalance": available,
        "availableBalanceDecimal": available_text,
        "heldBalance": held,
        "heldBalanceDecimal": held_text,
    }


def transaction_json(transaction: Transaction) -> dict[str, Any]:
    amount, amount_text = _forms(transaction.amount)
    authorized, authorized_text = _forms(transaction.authorized)
    refunded, refunded_text = _forms(transaction.refunded)
    return {
        "id": transaction.id,
        "senderEmail": transaction.sender_email,
        "recipientEmail": transaction.recipient_email,
        "amount": amount,
        "amountDecimal": amount_text,
        "status": transaction.status,
        "createdBy": transaction.created_by,
        "resolvedBy": transaction.resolved_by,
        "createdAt": transaction.created_at,
        "resolvedAt": transaction.resolved_at,
        "appName": transaction.app_name,
        "appEpPath": transaction.app_ep_path,
        "authorizedAmount": authorized,
        "authorizedAmountDecimal": authorized_text,
        "expiresAt": transaction.expires_at,
        "cancelReason": transaction.cancel_reason,
        "refundOf": transaction.refund_of,
        "refundedAmount": refunded,
        "refundedAmountDecimal": refunded_text,
        "refundReason": transaction.refund_reason,
    }


def usage_json(usage: Usage) -> dict[str, Any]:
    spent, spent_text = _forms(usage.spent)
    received, received_text = _forms(usage.received)
    pending, pending_text = _forms(usage.pending_amount)
    refunds_received, refunds_received_text = _forms(usage.refunds_received)
    refunds_given, refunds_given_text = _forms(usage.refunds_given)
    return {
        "transactionCount": usage.transaction_count,
        "totalSpent": spent,
        "totalSpentDecimal": spent_text,
        "totalReceived": received,
        "totalReceivedDecimal": received_text,
        "pendingCount": usage.pending_count,
        "pendingAmount": pending,
        "pendingAmountDecimal": pending_text,
        "totalRefundsReceived": refunds_received,
        "totalRefundsReceivedDecimal": refunds_received_text,
        "totalRefundsGiven": refunds_given,
        "totalRefundsGivenDecimal": refunds_given_text,
        "firstTransactionAt": usage.first_at,
        "lastTransactionAt": usage.last_at,
    }


def error_response(error: ApiError) -> ExactJSONResponse:
    return ExactJSONResponse(error.body(), status_code=error.status, headers=error.headers)
