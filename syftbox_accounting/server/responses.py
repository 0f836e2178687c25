"""JSON responses, with money written exactly in both of the contract's forms (see its
Money section): the number (`10` stays `10`, `0.25` stays `0.25`) and, beside it, the
decimal string (`"amountDecimal": "0.25"`)."""

from __future__ import annotations

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
    whole, fraction = divmod(micros, MICROS_PER_DOLLAR)
    if fraction == 0:
        return whole
    number = micros / MICROS_PER_DOLLAR
    if repr(number) == format_micros(micros):
        return number
    return Money(micros)


def decimal(micros: int) -> str:
    """The decimal string of an amount, in its shortest form: ``"150.1"``, ``"10"``."""
    return format_micros(micros)


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


class ExactJSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        try:
            text = json.dumps(content, separators=(",", ":"), default=_not_plain)
        except _NotPlainJSON:
            text = dumps(content)
        return text.encode("utf-8")


class _NotPlainJSON(TypeError):
    pass


def _not_plain(value: object) -> None:
    raise _NotPlainJSON


def user_json(account: Account) -> dict[str, Any]:
    return {
        "id": account.id,
        "email": account.email,
        "balance": money(account.balance),
        "balanceDecimal": decimal(account.balance),
        "organization": account.organization,
        "availableBalance": money(account.available),
        "availableBalanceDecimal": decimal(account.available),
        "heldBalance": money(account.held),
        "heldBalanceDecimal": decimal(account.held),
    }


def transaction_json(transaction: Transaction) -> dict[str, Any]:
    return {
        "id": transaction.id,
        "senderEmail": transaction.sender_email,
        "recipientEmail": transaction.recipient_email,
        "amount": money(transaction.amount),
        "amountDecimal": decimal(transaction.amount),
        "status": transaction.status,
        "createdBy": transaction.created_by,
        "resolvedBy": transaction.resolved_by,
        "createdAt": transaction.created_at,
        "resolvedAt": transaction.resolved_at,
        "appName": transaction.app_name,
        "appEpPath": transaction.app_ep_path,
        "authorizedAmount": money(transaction.authorized),
        "authorizedAmountDecimal": decimal(transaction.authorized),
        "expiresAt": transaction.expires_at,
        "cancelReason": transaction.cancel_reason,
        "refundOf": transaction.refund_of,
        "refundedAmount": money(transaction.refunded),
        "refundedAmountDecimal": decimal(transaction.refunded),
        "refundReason": transaction.refund_reason,
    }


def usage_json(usage: Usage) -> dict[str, Any]:
    return {
        "transactionCount": usage.transaction_count,
        "totalSpent": money(usage.spent),
        "totalSpentDecimal": decimal(usage.spent),
        "totalReceived": money(usage.received),
        "totalReceivedDecimal": decimal(usage.received),
        "pendingCount": usage.pending_count,
        "pendingAmount": money(usage.pending_amount),
        "pendingAmountDecimal": decimal(usage.pending_amount),
        "totalRefundsReceived": money(usage.refunds_received),
        "totalRefundsReceivedDecimal": decimal(usage.refunds_received),
        "totalRefundsGiven": money(usage.refunds_given),
        "totalRefundsGivenDecimal": decimal(usage.refunds_given),
        "firstTransactionAt": usage.first_at,
        "lastTransactionAt": usage.last_at,
    }


def error_response(error: ApiError) -> ExactJSONResponse:
    return ExactJSONResponse(error.body(), status_code=error.status, headers=error.headers)
