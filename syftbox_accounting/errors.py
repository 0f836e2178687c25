"""The exceptions the library raises.

```
AccountingError                      base of everything we raise
├── AuthenticationError              401/403, bad or missing credentials, bad config file
├── PaymentError                     the payment could not be made
│   ├── InsufficientFundsError       balance too low
│   ├── NotFoundError                no such account or transaction (or not yours)
│   └── BudgetExceededError          refused by the client's own `Budget`; nothing sent
├── AccountExistsError               409 on register
├── InvalidInputError (ValueError)   rejected before any request is sent, or by the service
└── ServiceException                 unreachable, timed out, 5xx, 429, or an answer
                                     that breaks the contract
```

Every exception says what happened (`summary`) and what to do (`hint`, keyed by
`hint_key` so that other front ends, such as the CLI, can word it their way), and
carries `operation`, `method`, `path`, `status_code`, `body`, `code` and `retries`
where they exist. No secret is ever part of one.

The rest lives beside it, re-exported here: the table of the contract's error codes
(`error_codes`), the mapping of a failed exchange to its exception (`failures`, loaded
with the first failure), `redaction` and `answer_json`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

__all__ = [
    "AccountExistsError",
    "AccountingError",
    "AuthenticationError",
    "BudgetExceededError",
    "InsufficientFundsError",
    "InvalidInputError",
    "NotFoundError",
    "PaymentError",
    "ServiceException",
]


class AccountingError(Exception):
    """Base of every exception this library raises.

    Attributes:
        message: what happened and what to do (`summary`, then `hint`).
        summary: what happened.
        hint: what to do about it, when known.
        hint_key: names the advice in `hint` (the service's error code, or one of
            `HINT_KEYS`), for front ends that word it their own way.
        operation: the library call that failed, e.g. ``"get_account_balance"``.
        method, path: the HTTP request, when one was sent.
        status_code: the HTTP status, when a response arrived.
        body: the response body (text, shortened, secrets removed), when one arrived.
        code: the service's machine-readable error code (``"insufficient_funds"``...).
        retries: how many times the request was retried before this.
        idempotency_key: the key the failed call was sent with (for a money-moving
            method, the one to pass as ``idempotency_key=`` to repeat it safely).
        request_id: the service's ``X-Request-Id`` for the answer, when one arrived:
            quote it when reporting a problem (it ends the message too).
        retry_after: the seconds the service asked to wait before trying again (its
            ``Retry-After``), when it said, e.g. for a ``429``.
        request_line: the request and its answer, e.g.
            ``[POST /transaction/create -> HTTP 403 token_used]``: a detail for
            developers, in `message` (and ``str(exc)``) but never in `summary`, which
            is what to show the person on the other side.
    """

    def __init__(
        self,
        summary: str,
        *,
        hint: str | None = None,
        hint_key: str | None = None,
        operation: str | None = None,
        method: str | None = None,
        path: str | None = None,
        status_code: int | None = None,
        body: str | None = None,
        code: str | None = None,
        retries: int = 0,
        idempotency_key: str | None = None,
        request_id: str | None = None,
        reason: str | None = None,
        request_line: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        said = summary
        if request_line:  # inside the statement: "x failed: why [GET /p -> HTTP 500]."
            said = f"{summary.rstrip('.')} {request_line}."
        message = f"{said} {hint}" if hint else said
        if request_id:
            message += f" (request id {request_id})"
        super().__init__(message)
        self.message = message
        self.summary = summary
        self.hint = hint
        self.hint_key = hint_key
        self.operation = operation
        self.method = method
        self.path = path
        self.status_code = status_code
        self.body = body
        self.code = code
        self.retries = retries
        self.idempotency_key = idempotency_key
        self.request_id = request_id
        self.request_line = request_line
        self.retry_after = retry_after
        # What happened, without the library call or the request: for front ends.
        self.reason = reason or summary

    def __repr__(self) -> str:
        fields: dict[str, Any] = {
            "status_code": self.status_code,
            "code": self.code,
            "request_id": self.request_id,
        }
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


class HoldExpiredError(PaymentError):
    """The charge's hold lapsed before it was confirmed or cancelled: nothing moved.
    Charge again with a new token (and a longer `hold_for`)."""


class FeatureNotSupportedError(PaymentError):
    """The service does not support what was asked (capturing less than a hold,
    refunds, hold durations): it did not announce it in ``Accounting-Features``.
    Raised before anything is sent. `feature` names what is missing."""

    feature: str | None = None


class BudgetExceededError(PaymentError):
    """The client's own `Budget` refused a payment before any token was made: nothing
    was sent and nothing moved.

    Attributes:
        limit: the limit it hit: ``per_call``, ``per_hour``, ``per_day``,
            ``per_recipient`` or ``allow`` (the recipient is not allowed).
        limit_amount: that limit, in US dollars (None for ``allow``).
        spent: what the budget had counted against that limit already (what was paid,
            and tokens handed out at their maximum) in its window.
        amount: what the refused payment asked for.
        recipient: whom it would have paid.
    """

    limit: str | None = None
    limit_amount: Decimal | None = None
    spent: Decimal | None = None
    amount: Decimal | None = None
    recipient: str | None = None


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


# The library's own advice, for situations that have no service error code.
NOT_CONFIGURED = "not_configured"
MAY_HAVE_REACHED = "may_have_reached"
RETRY_WITH_KEY = "retry_with_key"
UNREACHABLE = "unreachable"
WRONG_SERVICE = "wrong_service"
UNEXPECTED = "unexpected"
INSECURE_HTTP = "insecure_http"
CREDENTIALS_FILE = "credentials_file"
UNSUPPORTED = "unsupported"
# A payment to or from the account in use (refused before anything is sent).
SAME_ACCOUNT = "same_account"
# An API key the service refused (unknown, revoked or expired): not a wrong password.
KEY_REFUSED = "key_refused"
# An API key of another account than the email the client was configured with.
KEY_OF_ANOTHER_ACCOUNT = "key_of_another_account"
# An API key given where a password goes (refused: it would be sent as a password).
KEY_AS_PASSWORD = "key_as_password"
# A payment the client refused itself: its budget, or a 402 challenge it will not pay.
BUDGET = "budget"
CHALLENGE_REFUSED = "challenge_refused"
BAD_SETTING = "bad_setting"
HINT_KEYS = frozenset(
    {
        BAD_SETTING,
        UNSUPPORTED,
        BUDGET,
        CHALLENGE_REFUSED,
        NOT_CONFIGURED,
        MAY_HAVE_REACHED,
        RETRY_WITH_KEY,
        UNREACHABLE,
        WRONG_SERVICE,
        UNEXPECTED,
        INSECURE_HTTP,
        CREDENTIALS_FILE,
        KEY_REFUSED,
        KEY_OF_ANOTHER_ACCOUNT,
        KEY_AS_PASSWORD,
        SAME_ACCOUNT,
    }
)
CONFIGURE_HINT = (
    "Call configure(email=..., password=...) or register_accounting(...), or set "
    "SYFTBOX_ACCOUNTING_EMAIL and SYFTBOX_ACCOUNTING_PASSWORD."
)


# Re-exported: where the library and its tests have always found them.
from syftbox_accounting.answer_json import MAX_NUMBER_DIGITS as MAX_NUMBER_DIGITS  # noqa: E402
from syftbox_accounting.answer_json import MAX_NUMBER_EXPONENT as MAX_NUMBER_EXPONENT  # noqa: E402
from syftbox_accounting.answer_json import load_json as load_json  # noqa: E402

# Loaded with the first failure (they need the classes above: `failures` imports this
# module), so that a program whose calls succeed never loads them.
_LATER = {
    "CODES": "error_codes",
    "Code": "error_codes",
    "Exchange": "failures",
    "broken_contract": "failures",
    "from_status": "failures",
    "not_among_yours": "failures",
    "unreachable": "failures",
    "unsupported": "failures",
    "_statement": "failures",
    "redact": "redaction",
}

if TYPE_CHECKING:
    from syftbox_accounting.error_codes import CODES as CODES
    from syftbox_accounting.error_codes import Code as Code
    from syftbox_accounting.failures import Exchange as Exchange
    from syftbox_accounting.failures import _statement as _statement
    from syftbox_accounting.failures import broken_contract as broken_contract
    from syftbox_accounting.failures import from_status as from_status
    from syftbox_accounting.failures import not_among_yours as not_among_yours
    from syftbox_accounting.failures import unreachable as unreachable
    from syftbox_accounting.failures import unsupported as unsupported
    from syftbox_accounting.redaction import redact as redact
else:

    def __getattr__(name: str) -> Any:
        home = _LATER.get(name)
        if home is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        import importlib

        value = getattr(importlib.import_module(f"syftbox_accounting.{home}"), name)
        globals()[name] = value  # later lookups skip this function
        return value
