from typing import Literal

ErrorCode = Literal[
    "account_exists",
    "already_resolved",
    "bad_request",
    "capture_exceeds_hold",
    "cursor_invalid",
    "forbidden",
    "hold_expired",
    "idempotency_key_reused",
    "insufficient_funds",
    "internal_error",
    "invalid_credentials",
    "method_not_allowed",
    "not_found",
    "not_refundable",
    "rate_limited",
    "refund_exceeds_payment",
    "request_in_progress",
    "token_expired",
    "token_invalid",
    "token_limit_exceeded",
    "token_used",
    "too_many_pending",
    "unavailable",
    "unsupported_media_type",
    "validation_error",
]

ERROR_CODE_VALUES: set[ErrorCode] = {
    "account_exists",
    "already_resolved",
    "bad_request",
    "capture_exceeds_hold",
    "cursor_invalid",
    "forbidden",
    "hold_expired",
    "idempotency_key_reused",
    "insufficient_funds",
    "internal_error",
    "invalid_credentials",
    "method_not_allowed",
    "not_found",
    "not_refundable",
    "rate_limited",
    "refund_exceeds_payment",
    "request_in_progress",
    "token_expired",
    "token_invalid",
    "token_limit_exceeded",
    "token_used",
    "too_many_pending",
    "unavailable",
    "unsupported_media_type",
    "validation_error",
}


def check_error_code(value: str) -> ErrorCode:
    if value in ERROR_CODE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {ERROR_CODE_VALUES!r}"
    )
