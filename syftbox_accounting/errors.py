"""The exceptions the library raises.

```
AccountingError                      base of everything we raise
├── AuthenticationError              401/403, bad or missing credentials, bad config file
├── PaymentError                     the payment could not be made
│   ├── InsufficientFundsError       balance too low
│   └── NotFoundError                no such account or transaction (or not yours)
├── AccountExistsError               409 on register
├── InvalidInputError (ValueError)   rejected before any request is sent, or by the service
└── ServiceException                 unreachable, timed out, 5xx, 429, or an answer
                                     that breaks the contract
```

Every exception says what happened and what to do, and carries `operation`,
`method`, `path`, `status_code`, `body`, `code` and `retries` where they exist. No
secret is ever part of one.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

__all__ = [
    "AccountExistsError",
    "AccountingError",
    "AuthenticationError",
    "InsufficientFundsError",
    "InvalidInputError",
    "NotFoundError",
    "PaymentError",
    "ServiceException",
]


class AccountingError(Exception):
    """Base of every exception this library raises.

    Attributes:
        message: what happened and what to do.
        operation: the library call that failed, e.g. ``"get_account_balance"``.
        method, path: the HTTP request, when one was sent.
        status_code: the HTTP status, when a response arrived.
        body: the response body (text, shortened, secrets removed), when one arrived.
        code: the service's machine-readable error code (``"insufficient_funds"``...).
        retries: how many times the request was retried before this.
        hint: what to do about it, when known (also the end of `message`).
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        method: str | None = None,
        path: str | None = None,
        status_code: int | None = None,
        body: str | None = None,
        code: str | None = None,
        retries: int = 0,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.operation = operation
        self.method = method
        self.path = path
        self.status_code = status_code
        self.body = body
        self.code = code
        self.retries = retries
        self.hint = hint

    def __repr__(self) -> str:
        fields: dict[str, Any] = {"status_code": self.status_code, "code": self.code}
        shown = ", ".join(f"{k}={v!r}" for k, v in fields.items() if v is not None)
        return f"{type(self).__name__}({self.message!r}{', ' if shown else ''}{shown})"


class AuthenticationError(AccountingError):
    """Credentials are wrong, missing or not allowed to do this, or a credentials
    file cannot be read. Check the email and password, or register an account."""


class PaymentError(AccountingError):
    """The payment could not be made: a rejected or spent token, a transaction
    resolved before, or an unknown recipient."""


class InsufficientFundsError(PaymentError):
    """The sender's balance does not cover the amount."""


class NotFoundError(PaymentError):
    """No such account or transaction, or not one the caller may see."""


class AccountExistsError(AccountingError):
    """An account with this email exists already: configure the client with its
    password instead of registering again."""


class InvalidInputError(AccountingError, ValueError):
    """A value was rejected before any request was sent (or, rarely, by the service).
    The message names the parameter and what it must be."""


class ServiceException(AccountingError):
    """The accounting service is unreachable, timed out, overloaded or failing, or
    answered something that breaks the contract. Safe to retry later for reads; for
    a payment, check the transaction history first."""


# -- the one mapping from a failed exchange to an exception

_BY_CODE: dict[str, type[AccountingError]] = {
    "invalid_credentials": AuthenticationError,
    "forbidden": AuthenticationError,
    "insufficient_funds": InsufficientFundsError,
    "not_found": NotFoundError,
    "token_invalid": PaymentError,
    "token_expired": PaymentError,
    "token_used": PaymentError,
    "already_resolved": PaymentError,
    "account_exists": AccountExistsError,
    "validation_error": InvalidInputError,
    "bad_request": InvalidInputError,
    "method_not_allowed": ServiceException,
    "rate_limited": ServiceException,
    "internal_error": ServiceException,
    "unavailable": ServiceException,
}

_UNEXPECTED = "The service answered something unexpected; try again later."
_WRONG_SERVICE = (
    "Check that accounting_url points at a SyftBox accounting service (a proxy or another "
    "server answered)."
)

# What to do, by error code; the service's own words come first.
_HINTS: dict[str, str] = {
    "invalid_credentials": "Check the email and password (or the admin key), or register "
    "an account with register_accounting().",
    "forbidden": "Only the creator of a transaction may confirm or cancel it, and admin "
    "calls need the service's admin key.",
    "insufficient_funds": "Add funds to the sender's account, or charge a smaller amount.",
    "not_found": "Check the email or transaction id; the account must be registered first.",
    "token_invalid": "Ask the payer for a new token created for your account.",
    "token_expired": "Ask the payer for a new token; tokens expire after 24 hours.",
    "token_used": "Each token pays once: ask the payer for a new one.",
    "already_resolved": "Nothing to do: the transaction was confirmed or cancelled before.",
    "account_exists": "Configure the client with this account's password instead: "
    "client.accounting_client.configure(email=..., password=...).",
    "validation_error": "Correct the value named above and try again.",
    "bad_request": "This is a bug in the client: please report it.",
    "method_not_allowed": _WRONG_SERVICE,
    "rate_limited": "Too many requests: wait a moment and try again.",
    "internal_error": "The service failed; try again later.",
    "unavailable": "The service is down for a while; try again later.",
}

_BY_STATUS: dict[int, str] = {
    400: "bad_request",
    401: "invalid_credentials",
    403: "forbidden",
    404: "not_found",
    409: "already_resolved",
    422: "validation_error",
    429: "rate_limited",
}

_BODY_LIMIT = 500


def redact(text: str, secrets: tuple[str, ...]) -> str:
    """`text` with every secret replaced by ``***``, also where JSON escaped it."""
    for secret in secrets:
        if secret:
            for form in {
                secret,
                json.dumps(secret)[1:-1],
                json.dumps(secret, ensure_ascii=False)[1:-1],
            }:
                text = text.replace(form, "***")
    return text


def _shown_body(content: bytes, secrets: tuple[str, ...]) -> str:
    """A response body as an exception keeps it: text, secrets removed, shortened."""
    return redact(content.decode("utf-8", "replace"), secrets)[:_BODY_LIMIT]


def _where(method: str, path: str, status: int | None = None, code: str | None = None) -> str:
    answer = "" if status is None else f" -> HTTP {status}" + (f" {code}" if code else "")
    return f"[{method} {path}{answer}]"


def from_status(
    *,
    operation: str,
    method: str,
    path: str,
    status_code: int,
    content: bytes,
    secrets: tuple[str, ...],
    retries: int,
    conflict_code: str = "already_resolved",
    retry_after: float | None = None,
) -> AccountingError:
    """The exception for an error answer: by the body's `code` when it has a known
    one, else by the status. A body that is not JSON (a proxy's HTML page, an empty
    body) is reported, never parsed blindly."""
    body = _shown_body(content, secrets)
    server_message, sent_code = _read_error_body(content)
    code = sent_code if sent_code in _BY_CODE else None
    if code is None:
        code = conflict_code if status_code == 409 else _BY_STATUS.get(status_code)
        if code is None and status_code >= 500:
            code = "internal_error"
    cls = _BY_CODE.get(code or "", ServiceException)
    if status_code >= 500 and cls is not ServiceException:
        cls = ServiceException
    if status_code == 404 and sent_code is None:
        # A 404 the service did not explain: the path is unknown there, which
        # means accounting_url does not point at an accounting service.
        code, cls = None, ServiceException
    said = (
        redact(server_message, secrets)[:_BODY_LIMIT]
        if server_message
        else _status_phrase(status_code)
    )
    hint = _HINTS.get(code or "", _WRONG_SERVICE if status_code == 404 else _UNEXPECTED)
    if retry_after is not None and (status_code == 429 or status_code >= 500):
        hint += f" The service asks to wait {retry_after:.0f} s before retrying."
    if status_code >= 500 and method != "GET":
        hint += (
            " The request may have been applied: check get_transaction_history() before "
            "repeating a payment."
        )
    shown_code = redact(sent_code, secrets)[:64] if sent_code else None
    where = _where(method, path, status_code, shown_code)
    message = f"{operation} failed: {said} {where}. {hint}"
    return cls(
        message,
        operation=operation,
        method=method,
        path=path,
        status_code=status_code,
        body=body,
        code=code,
        retries=retries,
        hint=hint,
    )


def _read_error_body(content: bytes) -> tuple[str | None, str | None]:
    try:
        doc = json.loads(content)
    except (ValueError, RecursionError):
        return None, None
    if not isinstance(doc, dict):
        return None, None
    message = doc.get("message")
    code = doc.get("code")
    return (
        message.strip().rstrip(".") if isinstance(message, str) and message.strip() else None,
        code if isinstance(code, str) else None,
    )


def _status_phrase(status: int) -> str:
    try:
        return f"the service answered {HTTPStatus(status).phrase}"
    except ValueError:
        return f"the service answered status {status}"


def unreachable(
    *,
    operation: str,
    method: str,
    path: str,
    base_url: str,
    reason: str,
    may_have_reached: bool,
    retries: int,
) -> ServiceException:
    """The exception when no answer came: refused, reset, timed out."""
    if may_have_reached:
        hint = (
            "The request may have reached the service, so it was not sent again: check "
            "get_transaction_history() before repeating a payment."
        )
    else:
        hint = f"Check that the service at {base_url} is up and reachable, then try again."
    tried = f" after {retries + 1} attempts" if retries else ""
    message = f"{operation} failed{tried}: {reason} {_where(method, path)}. {hint}"
    return ServiceException(
        message, operation=operation, method=method, path=path, retries=retries, hint=hint
    )


def broken_contract(
    *,
    operation: str,
    method: str,
    path: str,
    status_code: int,
    content: bytes,
    problem: str,
    secrets: tuple[str, ...],
    retries: int,
    keep_body: bool = True,
) -> ServiceException:
    """The exception when a success answer does not match the contract. The body is
    dropped when it may hold a secret we cannot know (a generated password)."""
    body = _shown_body(content, secrets) if keep_body else None
    message = (
        f"{operation} failed: the service's answer does not match the contract "
        f"({redact(problem, secrets)}) {_where(method, path, status_code)}. {_WRONG_SERVICE}"
    )
    return ServiceException(
        message,
        operation=operation,
        method=method,
        path=path,
        status_code=status_code,
        body=body,
        retries=retries,
        hint=_WRONG_SERVICE,
    )
