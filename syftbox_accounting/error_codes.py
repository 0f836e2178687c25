"""What each error code of the contract means here: the exception it raises and what
to do about it, as one table (`CODES`), with the advice that depends on the call and
on the service's features."""

from __future__ import annotations

import dataclasses

from syftbox_accounting.errors import (
    AccountExistsError,
    AccountingError,
    AuthenticationError,
    HoldExpiredError,
    InsufficientFundsError,
    InvalidInputError,
    NotFoundError,
    PaymentError,
    ServiceException,
)

# -- what to do: the service's error codes, and the library's own situations

_WRONG_SERVICE = (
    "Check that accounting_url points at a SyftBox accounting service (a proxy or another "
    "server answered)."
)
_CONFIGURE = "client.accounting_client.configure(email=..., password=...)"
_KEY_REFUSED = (
    "Check the API key: it may be revoked or expired (list_api_keys() with another "
    "credential shows its state); create a new one, or use the password."
)


@dataclasses.dataclass(frozen=True, slots=True)
class Code:
    """What an error code of the contract means here: the exception and the advice."""

    error: type[AccountingError]
    hint: str


# One table: every `ErrorCode` of the contract, its exception and what to do.
CODES: dict[str, Code] = {
    "invalid_credentials": Code(
        AuthenticationError,
        "Check the email and password, or register an account with register_accounting().",
    ),
    "forbidden": Code(
        AuthenticationError,
        "Do what the service's message says, or use an account allowed to do this.",
    ),
    "insufficient_funds": Code(
        InsufficientFundsError, "Add funds to the sender's account, or use a smaller amount."
    ),
    "not_found": Code(
        NotFoundError,
        "Check the email: the account must be registered first.",
    ),
    "token_invalid": Code(PaymentError, "Ask the payer for a new token created for your account."),
    "token_expired": Code(
        PaymentError, "Ask the payer for a new token; tokens expire after 24 hours."
    ),
    "token_used": Code(PaymentError, "Each token pays once: ask the payer for a new one."),
    "already_resolved": Code(
        PaymentError, "Nothing to do: the transaction was confirmed or cancelled before."
    ),
    "token_limit_exceeded": Code(
        PaymentError,
        "Charge at most the token's maxAmount, or ask the payer for a token that covers it.",
    ),
    "hold_expired": Code(
        HoldExpiredError,
        "Charge again with a new token from the payer, with a longer hold_for if the work "
        "takes long.",
    ),
    "capture_exceeds_hold": Code(
        PaymentError, "Capture at most what the charge holds (its authorized_amount)."
    ),
    "not_refundable": Code(
        PaymentError,
        "Only a completed payment you received can be refunded, in full or in parts up to "
        "its amount; a refund itself cannot be; a pending one is cancelled instead (nothing "
        "moves, and what it holds is released).",
    ),
    "refund_exceeds_payment": Code(
        PaymentError,
        "Refund at most what is left of the payment: its amount minus its refunded_amount.",
    ),
    "idempotency_key_reused": Code(
        InvalidInputError,
        "Pass a new key (or none) for a new request; to repeat the earlier one, send it "
        "unchanged with its key.",
    ),
    "request_in_progress": Code(
        ServiceException, "Wait a moment, then repeat it with the same key."
    ),
    "account_exists": Code(
        AccountExistsError,
        f"Configure the client with this account's password instead: {_CONFIGURE}.",
    ),
    "too_many_pending": Code(
        PaymentError,
        "Confirm or cancel some of the sender's pending transactions, then try again.",
    ),
    "cursor_invalid": Code(
        InvalidInputError,
        "Start the listing again without a cursor: a cursor belongs to the account it was "
        "given to.",
    ),
    "validation_error": Code(InvalidInputError, "Correct the value named above and try again."),
    "bad_request": Code(InvalidInputError, "This is a bug in the client: please report it."),
    "unsupported_media_type": Code(
        InvalidInputError,
        "The body did not arrive as JSON: a proxy between you and the service may have "
        "changed it; otherwise this is a bug in the client: please report it.",
    ),
    "method_not_allowed": Code(ServiceException, _WRONG_SERVICE),
    "rate_limited": Code(ServiceException, "Wait a moment and try again."),
    "internal_error": Code(ServiceException, "The service failed; try again later."),
    "unavailable": Code(ServiceException, "The service is down for a while; try again later."),
    "insufficient_scope": Code(
        AuthenticationError,
        "Use an API key with that scope (create_api_key(..., scopes=[...])), or the password.",
    ),
    "spend_cap_exceeded": Code(
        PaymentError,
        "Nothing moved: the API key's max_spend is used up. Pay with another key or the "
        "password, or create a key with a higher cap.",
    ),
}

# Advice that depends on the call: an admin call (Bearer), one about a transaction, or
# one path (what the call asked for).
_IN_CONTEXT: dict[tuple[str, str], str] = {
    ("hold_expired", "/transaction/cancel"): (
        "Nothing to do: the lapsed hold released the money, as a cancel does."
    ),
    # The refund's sender is the account that was paid, not the payment's sender.
    ("insufficient_funds", "/transaction/refund"): (
        "The account that was paid gives the refund from its available balance: add "
        "funds to it, or refund a smaller amount."
    ),
    ("invalid_credentials", "bearer"): "Check the admin key the AdminClient was given.",
    ("forbidden", "bearer"): "Check the admin key the AdminClient was given.",
    ("forbidden", "transaction"): (
        "Use the account that created the transaction (for a refund, the one that was paid)."
    ),
    ("not_found", "bearer"): "Check the email: the account must be registered first.",
    ("not_found", "key"): "Check the key id: list_api_keys() lists this account's keys.",
    ("not_found", "transaction"): (
        "Check the transaction id: it must be one of your own transactions "
        "(get_transaction_history() lists them)."
    ),
}

_CHECK_HISTORY = "check get_transaction_history() before repeating a payment."
# The same for the operator, who has no history of their own (a credit or a refund
# shows in the balances of the accounts it moved money between).
_CHECK_ACCOUNTS = "check the accounts' balances with get_user(email) before repeating it."

# The code an error status stands for when the body names none we know (a 409 is
# read by the call: see `Exchange.conflict`).
_BY_STATUS: dict[int, str] = {
    400: "bad_request",
    401: "invalid_credentials",
    403: "forbidden",
    404: "not_found",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}

_BODY_LIMIT = 500


# What each feature a service may announce lets a client do (and the argument that asks
# for it), and what to do without it.
_FEATURES = {
    "holds": (
        "hold a charge for a chosen time",
        " (hold_for=)",
        "Leave hold_for out: there a charge stays pending until it is confirmed or cancelled.",
    ),
    "capture": (
        "capture less than a charge holds",
        "",
        "Charge the final price itself, or confirm the whole amount (no amount=).",
    ),
    "refunds": (
        "refund a payment",
        "",
        "Pay the money back with transfer() instead (it is not linked to the payment).",
    ),
    "api-keys": (
        "manage API keys",
        "",
        "Authenticate with the email and password: this service has no API keys.",
    ),
}
