"""The service's errors: one exception type that knows its status, code and message."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, TypedDict

from syftbox_accounting.server.money import dollars

ErrorCode = Literal[
    "bad_request",
    "method_not_allowed",
    "validation_error",
    "invalid_credentials",
    "forbidden",
    "not_found",
    "account_exists",
    "insufficient_funds",
    "token_invalid",
    "token_expired",
    "token_used",
    "already_resolved",
    "too_many_pending",
    "cursor_invalid",
    "token_limit_exceeded",
    "hold_expired",
    "capture_exceeds_hold",
    "not_refundable",
    "refund_exceeds_payment",
    "idempotency_key_reused",
    "request_in_progress",
    "rate_limited",
    "unsupported_media_type",
    "internal_error",
    "unavailable",
    "insufficient_scope",
    "spend_cap_exceeded",
]

BASIC_CHALLENGE = 'Basic realm="syftbox-accounting"'
API_KEY_CHALLENGE = 'Bearer realm="syftbox-accounting"'
# A user operation takes a password (Basic) or an API key (Bearer): its 401 offers both,
# one header holding two challenges as RFC 9110 allows, the password's first (the one a
# client without keys, such as the public one, answers).
USER_CHALLENGES = f"{BASIC_CHALLENGE}, {API_KEY_CHALLENGE}"
BEARER_CHALLENGE = 'Bearer realm="syftbox-accounting-admin"'


class ErrorDetail(TypedDict):
    """One problem with one request field."""

    field: str
    problem: str


class ApiError(Exception):
    """An error answered as `{"message", "code", ["details"]}` with its HTTP status."""

    def __init__(
        self,
        status: int,
        code: ErrorCode,
        message: str,
        *,
        details: list[ErrorDetail] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code: ErrorCode = code
        self.message = message
        self.details = details
        self.headers = dict(headers or {})

    def body(self) -> dict[str, object]:
        """The JSON body of the error response."""
        body: dict[str, object] = {"message": self.message, "code": self.code}
        if self.details is not None:
            body["details"] = list(self.details)
        return body


def bad_request(message: str) -> ApiError:
    return ApiError(400, "bad_request", message)


def validation_error(details: list[ErrorDetail]) -> ApiError:
    summary = "; ".join(f"{d['field']} {d['problem']}" for d in details)
    return ApiError(
        422,
        "validation_error",
        f"Invalid request: {summary}. Fix the request and send it again.",
        details=details,
    )


def invalid_credentials() -> ApiError:
    return ApiError(
        401,
        "invalid_credentials",
        "Invalid email or password. Check your credentials or register an account.",
        headers={"WWW-Authenticate": USER_CHALLENGES},
    )


def invalid_admin_key() -> ApiError:
    return ApiError(
        401,
        "invalid_credentials",
        "Invalid admin key. Send Authorization: Bearer <admin key>.",
        headers={"WWW-Authenticate": BEARER_CHALLENGE},
    )


def admin_disabled() -> ApiError:
    return ApiError(
        403,
        "forbidden",
        "Admin endpoints are disabled. Start the service with an admin key.",
    )


def forbidden(message: str) -> ApiError:
    return ApiError(403, "forbidden", message)


def not_found(message: str) -> ApiError:
    return ApiError(404, "not_found", message)


def no_account(email: str) -> ApiError:
    return not_found(f"No account with email {email}. Check the address or register it first.")


def no_transaction(transaction_id: str) -> ApiError:
    return not_found(
        f"No transaction {transaction_id} among yours. Check the id returned when it was created."
    )


def account_exists(email: str) -> ApiError:
    return ApiError(
        409,
        "account_exists",
        f"An account with email {email} already exists. "
        "Configure the client with its password instead.",
    )


def insufficient_funds(
    email: str, amount: int, available: int, held: int, *, instead: str = "charge less"
) -> ApiError:
    """The payer's available balance (micro-dollars, like `amount` and `held`) is short;
    `instead` is the last thing the message suggests."""
    what_is_held = f" ({dollars(held)} is held by pending transactions)" if held else ""
    wait = ", wait for its pending transactions to be resolved" if held else ""
    return ApiError(
        409,
        "insufficient_funds",
        f"Insufficient funds: the available balance of {email} is {dollars(available)}"
        f"{what_is_held}, which does not cover {dollars(amount)}. "
        f"Add funds to the account{wait}, or {instead}.",
    )


def already_resolved(transaction_id: str, status: str) -> ApiError:
    return ApiError(
        409,
        "already_resolved",
        f"Transaction {transaction_id} is already {status}. It cannot be confirmed or "
        "cancelled again; create a new transaction for another payment.",
    )


def hold_expired(transaction_id: str, expires_at: str | None) -> ApiError:
    return ApiError(
        409,
        "hold_expired",
        f"The hold of transaction {transaction_id} lapsed at {expires_at}; nothing moved. "
        "Charge again with a new token.",
    )


def capture_exceeds_hold(transaction_id: str, amount: int, held: int) -> ApiError:
    return ApiError(
        409,
        "capture_exceeds_hold",
        f"Cannot capture {dollars(amount)} of transaction {transaction_id}: it holds "
        f"{dollars(held)}. Capture at most that, or charge the rest in a new transaction.",
    )


def not_refundable(transaction_id: str, why: str) -> ApiError:
    return ApiError(
        409,
        "not_refundable",
        f"Transaction {transaction_id} {why}: only a completed payment can be refunded.",
    )


def refund_exceeds_payment(transaction_id: str, amount: int, left: int) -> ApiError:
    if left == 0:
        message = f"Transaction {transaction_id} was refunded in full: nothing is left to refund."
    else:
        message = (
            f"Cannot refund {dollars(amount)} of transaction {transaction_id}: "
            f"{dollars(left)} is left to refund."
        )
    return ApiError(409, "refund_exceeds_payment", message)


def token_invalid(reason: str) -> ApiError:
    return ApiError(
        403,
        "token_invalid",
        f"This transaction token is not valid: {reason}. Ask the payer for a new token.",
    )


def token_expired() -> ApiError:
    return ApiError(
        403,
        "token_expired",
        "This transaction token has expired. Ask the payer for a new token.",
    )


def token_used() -> ApiError:
    return ApiError(
        403,
        "token_used",
        "This transaction token was already used. Ask the payer for a new token.",
    )


def too_many_pending(email: str, limit: int) -> ApiError:
    return ApiError(
        409,
        "too_many_pending",
        f"{email} has {limit} pending transactions, the most the service keeps open. "
        "Confirm or cancel some first.",
    )


def too_many_pending_towards(email: str, recipient: str, limit: int) -> ApiError:
    return ApiError(
        409,
        "too_many_pending",
        f"{email} has {limit} pending transactions towards {recipient}, the most the "
        "service keeps open between two accounts. Confirm or cancel some first.",
    )


def cursor_invalid() -> ApiError:
    return ApiError(
        422,
        "cursor_invalid",
        "The cursor is not valid for this account (malformed, altered, or another "
        "account's). Start again without a cursor.",
    )


def token_limit_exceeded(amount: str, limit: str) -> ApiError:
    return ApiError(
        403,
        "token_limit_exceeded",
        f"This charge of {amount} is above the {limit} its token allows: charge at most "
        f"{limit}, or ask the payer for a token that covers it.",
    )


def idempotency_key_reused() -> ApiError:
    return ApiError(
        422,
        "idempotency_key_reused",
        "This Idempotency-Key was used for another request (another body or path). "
        "Use a new key for a new request.",
    )


def request_in_progress() -> ApiError:
    return ApiError(
        409,
        "request_in_progress",
        "A request with this Idempotency-Key is still being processed: retry in a moment.",
        headers={"Retry-After": "1"},
    )


def too_many_records(limit: int, retry_after: int) -> ApiError:
    return ApiError(
        429,
        "rate_limited",
        f"You have {limit} idempotency records open, the most the service keeps for one "
        f"caller. Retry after {retry_after} seconds, when the oldest expires, or send the "
        "request without an Idempotency-Key.",
        headers={"Retry-After": str(retry_after)},
    )


def records_full(retry_after: int) -> ApiError:
    return ApiError(
        503,
        "unavailable",
        "The service holds as many idempotency records as it keeps. Retry after "
        f"{retry_after} seconds, when the oldest expires.",
        headers={"Retry-After": str(retry_after)},
    )


def internal_error() -> ApiError:
    return ApiError(
        500,
        "internal_error",
        "The accounting service failed; nothing was changed. Try again later.",
    )


def busy(retry_after: int = 1) -> ApiError:
    unit = "second" if retry_after == 1 else f"{retry_after} seconds"
    return ApiError(
        503,
        "unavailable",
        f"The accounting service is busy checking passwords. Retry in {unit}.",
        headers={"Retry-After": str(retry_after)},
    )


def unsupported_media_type(sent: str | None) -> ApiError:
    what = f"Content-Type {sent}" if sent else "no Content-Type"
    return ApiError(
        415,
        "unsupported_media_type",
        f"The request body was sent with {what}. Send it as JSON, with "
        "Content-Type: application/json.",
    )


def secret_not_replayed() -> ApiError:
    return ApiError(
        409,
        "account_exists",
        "The request with this Idempotency-Key created the account, with a password the "
        "service generated: that password was shown once, in the first answer, and is "
        "never kept, so it cannot be sent again. Register with a password of your own to "
        "be able to repeat a registration.",
    )
