"""The service's answers read into our types: generated model -> `User`,
`Transaction`, `Usage`, `ApiKey`..., checking what the generator does not.

Each builder of `operations` names its reader (``read_user`` for most calls, a
balance read among them) as its `Call`'s ``parse``. Money is read by its decimal
string (``amountDecimal``...) when the answer has one, else by its number
(openapi.yaml, Money); either way it is exact and range-checked.
"""

from __future__ import annotations

import datetime
import math
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from syftbox_accounting import _generated as gen
from syftbox_accounting import types
from syftbox_accounting._lazy import lazy_module
from syftbox_accounting.types import ApiKeyScope, TransactionActor, TransactionStatus, User

if TYPE_CHECKING:
    from syftbox_accounting import records
else:
    # A history's pages, with its records: loaded on the first history read.
    records = lazy_module("syftbox_accounting.records")


def _str(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} is {type(value).__name__}, not a string")
    return value


def _opt_str(value: object, what: str) -> str | None:
    return None if value is None or isinstance(value, gen.Unset) else _str(value, what)


# Money in an answer is far below 1e20 dollars, and exact within the 28 digits of the
# default decimal context, so that every sum, comparison and display of it is exact and
# can never raise (`quantize` raises InvalidOperation past 28 digits).
MAX_MONEY_EXPONENT = 20
MAX_MONEY_DIGITS = 28
# A money field's decimal string (openapi.yaml, `DecimalTotal`): digits, then optionally a
# point and 1 to 6 digits. ASCII digits only (`\d` would take other scripts' digits).
_DECIMAL_TEXT = re.compile(r"(?:0|[1-9][0-9]{0,17})(?:\.[0-9]{1,6})?")
_ZERO = Decimal(0)  # immutable, so one serves every read


def _money(
    number: object, text: object, what: str, *, minimum: Decimal, inclusive: bool
) -> Decimal:
    """A money field: its decimal string `text` when the answer has one (the exact form),
    else its JSON `number` (parsed as Decimal; a float is read by its shortest text)."""
    if isinstance(text, str):
        if not _DECIMAL_TEXT.fullmatch(text):
            raise ValueError(f"{what}Decimal {text[:40]!r} is not a decimal amount")
        exact = Decimal(text)
    elif text is None or isinstance(text, gen.Unset):
        if isinstance(number, bool) or not isinstance(number, int | float | Decimal):
            raise TypeError(f"{what} is {type(number).__name__}, not a number")
        if isinstance(number, float) and not math.isfinite(number):
            raise ValueError(f"{what} is out of range")
        exact = Decimal(repr(number)) if isinstance(number, float) else Decimal(number)
        if (
            not exact.is_finite()
            or exact.adjusted() > MAX_MONEY_EXPONENT
            or len(exact.as_tuple().digits) > MAX_MONEY_DIGITS
        ):
            raise ValueError(f"{what} is out of range")
    else:
        raise TypeError(f"{what}Decimal is {type(text).__name__}, not a string")
    if exact < minimum or (exact == minimum and not inclusive):
        raise ValueError(f"{what} {exact} is out of range")
    return exact


def _time(value: object, what: str) -> datetime.datetime:
    if not isinstance(value, datetime.datetime):
        raise TypeError(f"{what} is not a date-time")
    if value.utcoffset() is None:
        # The contract's date-times carry an offset; a naive one cannot be ordered
        # against the others (sorting the history would raise TypeError).
        raise ValueError(f"{what} has no UTC offset")
    return value


def _opt_time(value: object, what: str) -> datetime.datetime | None:
    return None if value is None or isinstance(value, gen.Unset) else _time(value, what)


def to_user(user: gen.models.User) -> User:
    return _user(
        user.id,
        user.email,
        user.organization,
        (user.balance, user.balance_decimal),
        (user.held_balance, user.held_balance_decimal),
        (user.available_balance, user.available_balance_decimal),
    )


def _user(
    id: object,
    email: object,
    organization: object,
    balance: tuple[object, object],
    held: tuple[object, object],
    available: tuple[object, object],
) -> User:
    """A `User` from the contract's fields (each amount as its number and its decimal
    string), every one checked."""
    total = _total(balance[0], balance[1], "user.balance")
    # A service without holds sends neither: nothing is held there.
    held_total = _opt_total(held[0], held[1], "user.heldBalance") or _ZERO
    available_total = _opt_total(available[0], available[1], "user.availableBalance")
    if held_total > total or (
        available_total is not None and available_total != total - held_total
    ):
        raise ValueError("user.availableBalance is not balance minus heldBalance")
    return User(
        id=_str(id, "user.id"),
        email=_str(email, "user.email"),
        balance=total,
        organization=_opt_str(organization, "user.organization"),
        held_balance=held_total,
    )


def _transaction(tx: object) -> types.Transaction:
    """A `Transaction` read straight from its JSON object, in one step: the fields
    `gen.models.Transaction.from_dict` requires are required here too (KeyError), the
    others optional, and each is checked as the contract says."""
    if not isinstance(tx, dict):
        raise TypeError(f"transaction is {type(tx).__name__}, not an object")
    unset = gen.UNSET
    resolved_by = _opt_str(tx["resolvedBy"], "transaction.resolvedBy")
    amount = _money(
        tx["amount"],
        tx.get("amountDecimal", unset),
        "transaction.amount",
        minimum=_ZERO,
        inclusive=False,
    )
    authorized_number = tx.get("authorizedAmount", unset)
    authorized_text = tx.get("authorizedAmountDecimal", unset)
    authorized = (
        amount  # a service without holds captures what it creates
        if authorized_number is unset and authorized_text is unset
        else _money(
            authorized_number,
            authorized_text,
            "transaction.authorizedAmount",
            minimum=amount,
            inclusive=True,
        )
    )
    refunded = _opt_total(
        tx.get("refundedAmount", unset),
        tx.get("refundedAmountDecimal", unset),
        "transaction.refundedAmount",
    )
    created_at = tx["createdAt"]
    return types.Transaction(
        id=_str(tx["id"], "transaction.id"),
        sender_email=_str(tx["senderEmail"], "transaction.senderEmail"),
        recipient_email=_str(tx["recipientEmail"], "transaction.recipientEmail"),
        amount=amount,
        # Open enums: a value this version does not know is kept as an UNKNOWN member.
        status=TransactionStatus(_str(tx["status"], "transaction.status")),
        created_by=TransactionActor(_str(tx["createdBy"], "transaction.createdBy")),
        created_at=_time(_read_time(created_at, strict=True), "transaction.createdAt"),
        resolved_by=None if resolved_by is None else TransactionActor(resolved_by),
        resolved_at=_opt_time(_read_time(tx["resolvedAt"]), "transaction.resolvedAt"),
        app_name=_opt_str(tx["appName"], "transaction.appName"),
        endpoint=_opt_str(tx["appEpPath"], "transaction.appEpPath"),
        authorized_amount=authorized,
        expires_at=_opt_time(_read_time(tx.get("expiresAt", unset)), "transaction.expiresAt"),
        cancel_reason=_opt_str(tx.get("cancelReason", unset), "transaction.cancelReason"),
        refund_of=_opt_str(tx.get("refundOf", unset), "transaction.refundOf"),
        refunded_amount=refunded or _ZERO,
        refund_reason=_opt_str(tx.get("refundReason", unset), "transaction.refundReason"),
    )


def _read_time(value: object, *, strict: bool = False) -> object:
    """A date-time's text parsed, as the generated models parse it: a required one
    (`strict`) must parse; an optional one that does not is left as it was, for
    `_time` to refuse."""
    if strict:
        if not isinstance(value, str):
            raise TypeError(f"a date-time is {type(value).__name__}, not a string")
        return datetime.datetime.fromisoformat(value)
    if isinstance(value, str):
        try:
            return datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


def read_user(doc: Any) -> User:
    """`UserResponse`, the answer of most calls (a balance read among them), read in
    one step: the fields `gen.models.User.from_dict` requires are required here too,
    the others optional, and `_user` checks each as `to_user` does."""
    if not isinstance(doc, dict):
        raise TypeError(f"the answer is {type(doc).__name__}, not an object")
    user = doc["user"]
    if not isinstance(user, dict):
        raise TypeError(f"user is {type(user).__name__}, not an object")
    unset = gen.UNSET
    return _user(
        user["id"],
        user["email"],
        user["organization"],
        (user["balance"], user.get("balanceDecimal", unset)),
        (user.get("heldBalance", unset), user.get("heldBalanceDecimal", unset)),
        (user.get("availableBalance", unset), user.get("availableBalanceDecimal", unset)),
    )


def read_transaction(doc: Any) -> types.Transaction:
    """`TransactionResponse`, read in one step (see `_transaction`)."""
    if not isinstance(doc, dict):
        raise TypeError(f"the answer is {type(doc).__name__}, not an object")
    return _transaction(doc["transaction"])


def read_page(doc: Any) -> records.Page:
    """`TransactionListResponse`, read in one step (see `_transaction`); `nextCursor`
    absent means a service without pages, null the last page."""
    if not isinstance(doc, dict):
        raise TypeError(f"the answer is {type(doc).__name__}, not an object")
    transactions = doc["transactions"]
    if not isinstance(transactions, list):
        raise TypeError(f"transactions is {type(transactions).__name__}, not a list")
    cursor = doc.get("nextCursor", gen.UNSET)
    return records.Page(
        [_transaction(t) for t in transactions],
        _opt_str(cursor, "nextCursor"),
        cursor is not gen.UNSET,
    )


def read_usage(doc: Any) -> types.Usage:
    usage = gen.models.UsageResponse.from_dict(doc).usage
    return types.Usage(
        transaction_count=_count(usage.transaction_count, "usage.transactionCount"),
        total_spent=_total(usage.total_spent, usage.total_spent_decimal, "usage.totalSpent"),
        total_received=_total(
            usage.total_received, usage.total_received_decimal, "usage.totalReceived"
        ),
        pending_count=_count(usage.pending_count, "usage.pendingCount"),
        pending_amount=_total(
            usage.pending_amount, usage.pending_amount_decimal, "usage.pendingAmount"
        ),
        first_transaction_at=_opt_time(usage.first_transaction_at, "usage.firstTransactionAt"),
        last_transaction_at=_opt_time(usage.last_transaction_at, "usage.lastTransactionAt"),
        total_refunds_received=_opt_total(
            usage.total_refunds_received,
            usage.total_refunds_received_decimal,
            "usage.totalRefundsReceived",
        )
        or _ZERO,
        total_refunds_given=_opt_total(
            usage.total_refunds_given, usage.total_refunds_given_decimal, "usage.totalRefundsGiven"
        )
        or _ZERO,
    )


def _count(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{what} is not a count")
    return value


def _total(number: object, text: object, what: str) -> Decimal:
    if type(text) is str and _DECIMAL_TEXT.fullmatch(text):
        # The common case, read here at once (every balance read has three): the
        # pattern allows no sign, so it is never below zero.
        return Decimal(text)
    return _money(number, text, what, minimum=_ZERO, inclusive=True)


def _opt_total(number: object, text: object, what: str) -> Decimal | None:
    """A total the public service does not send (None then)."""
    if type(text) is str and _DECIMAL_TEXT.fullmatch(text):
        return Decimal(text)  # as in `_total`
    if isinstance(number, gen.Unset) and isinstance(text, gen.Unset):
        return None
    return _money(number, text, what, minimum=_ZERO, inclusive=True)


def to_api_key(key: gen.models.ApiKey) -> types.ApiKey:
    no_cap = key.max_spend is None and not isinstance(key.max_spend_decimal, str)
    return types.ApiKey(
        id=_str(key.id, "apiKey.id"),
        name=_str(key.name, "apiKey.name"),
        scopes=frozenset(ApiKeyScope(_str(s, "apiKey.scopes[]")) for s in key.scopes),
        hint=_str(key.hint, "apiKey.hint"),
        created_at=_time(key.created_at, "apiKey.createdAt"),
        expires_at=_opt_time(key.expires_at, "apiKey.expiresAt"),
        revoked_at=_opt_time(key.revoked_at, "apiKey.revokedAt"),
        last_used_at=_opt_time(key.last_used_at, "apiKey.lastUsedAt"),
        max_spend=None
        if no_cap
        else _money(
            key.max_spend,
            key.max_spend_decimal,
            "apiKey.maxSpend",
            minimum=_ZERO,
            inclusive=False,
        ),
        spent=_total(key.spent, key.spent_decimal, "apiKey.spent"),
    )


def read_new_api_key(doc: Any) -> types.NewApiKey:
    created = gen.models.CreateApiKeyResponse.from_dict(doc)
    secret = _str(created.secret, "secret")
    if not secret.startswith("sbk_"):
        raise ValueError("secret is not an API key")
    return types.NewApiKey(to_api_key(created.api_key), secret)


def read_api_key(doc: Any) -> types.ApiKey:
    return to_api_key(gen.models.ApiKeyResponse.from_dict(doc).api_key)


def read_api_keys(doc: Any) -> list[types.ApiKey]:
    return [to_api_key(k) for k in gen.models.ApiKeyListResponse.from_dict(doc).api_keys]


def read_users(doc: Any) -> list[User]:
    return [to_user(u) for u in gen.models.UserListResponse.from_dict(doc).users]


def read_new_account(doc: Any) -> tuple[User, str]:
    created = gen.models.CreateUserResponse.from_dict(doc)
    return to_user(created.user), _str(created.password, "password")


def read_token(doc: Any) -> str:
    token = _str(gen.models.TokenResponse.from_dict(doc).token, "token")
    if not token:
        raise ValueError("token is empty")
    return token
