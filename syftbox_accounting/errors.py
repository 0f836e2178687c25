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
"""

from __future__ import annotations

import dataclasses
import json
import re
from decimal import Decimal, InvalidOperation
from http import HTTPStatus
from typing import Any

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
        "Use the account that created the transaction (for a refund, the one that was paid).",
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
        PaymentError, "Only a completed payment you received can be refunded, once in full."
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

# Advice that depends on the call: an admin call (Bearer) or one about a transaction.
_IN_CONTEXT: dict[tuple[str, str], str] = {
    ("invalid_credentials", "bearer"): "Check the admin key the AdminClient was given.",
    ("forbidden", "bearer"): "Check the admin key the AdminClient was given.",
    ("not_found", "bearer"): "Check the email: the account must be registered first.",
    ("not_found", "transaction"): (
        "Check the transaction id: it must be one of your own transactions "
        "(get_transaction_history() lists them)."
    ),
}

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
    }
)
CONFIGURE_HINT = (
    "Call configure(email=..., password=...) or register_accounting(...), or set "
    "SYFTBOX_ACCOUNTING_EMAIL and SYFTBOX_ACCOUNTING_PASSWORD."
)
_CHECK_HISTORY = "check get_transaction_history() before repeating a payment."

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


@dataclasses.dataclass(frozen=True, slots=True)
class Exchange:
    """One finished exchange with the service, as an exception describes it.

    `operation` is the library call it served; `secrets` are the values that must
    never be shown; `conflict` is the error code a 409 without a readable body
    stands for; `answer_has_secret` keeps the answer's body out of the exception.
    """

    operation: str
    method: str
    path: str
    base_url: str
    conflict: str
    answer_has_secret: bool
    secrets: tuple[str, ...] = dataclasses.field(default=(), repr=False)
    retries: int = 0
    idempotency_key: str | None = None
    # The service echoed an idempotency key to this client: it honours keys.
    honours_keys: bool = False
    # The request was authenticated by an API key (not the password).
    by_api_key: bool = False
    request_id: str | None = None
    # The call's credentials ("basic", "bearer", "none") and what a 404 is about.
    auth: str = "basic"
    about: str = "account"

    def error(
        self,
        cls: type[AccountingError],
        summary: str,
        hint: str,
        hint_key: str,
        *,
        answer: tuple[int, str | None] | None = None,
        **extra: Any,
    ) -> AccountingError:
        """The exception for this exchange; `answer` is the status and error code
        received, for the request line."""
        status, code = answer if answer is not None else (None, None)
        return cls(
            summary,
            request_line=_where(self.method, self.path, status, code),
            hint=hint,
            hint_key=hint_key,
            operation=self.operation,
            method=self.method,
            path=self.path,
            retries=self.retries,
            idempotency_key=self.idempotency_key,
            request_id=_printable(redact(self.request_id, self.secrets))[:128]
            if self.request_id
            else None,
            **extra,
        )

    def unknown_outcome(self) -> tuple[str, str]:
        """The hint and its key for a request that may have been applied."""
        if self.idempotency_key is not None and self.honours_keys:
            return (
                "The request may have been applied; the service honours idempotency keys, "
                f"so it is safe to repeat it with idempotency_key={self.idempotency_key!r}: "
                "it will not be applied twice.",
                RETRY_WITH_KEY,
            )
        return (
            "The request may have reached the service, which has not shown that it honours "
            f"idempotency keys, so it was not sent again: {_CHECK_HISTORY}",
            MAY_HAVE_REACHED,
        )

    def shown_body(self, content: bytes, *, success: bool = False) -> str | None:
        """A response body as an exception keeps it: text, secrets removed, shortened;
        None for a success answer that may hold a secret we cannot know."""
        if success and self.answer_has_secret:
            return None
        return redact(content.decode("utf-8", "replace"), self.secrets)[:_BODY_LIMIT]


# A secret this long (a token, a key, a generated password, a header's value) is
# replaced wherever it appears in an echo; a shorter one only in the forms it was
# sent in, so that a password such as "password" never eats the service's words.
_BARE_SECRET_LENGTH = 12


def _sent_forms(secret: str) -> set[str]:
    """How `secret` looks where we sent it: a JSON string (with its quotes, escaped
    either way) and a quoted value, as an echo of our request repeats it."""
    forms = {json.dumps(secret), json.dumps(secret, ensure_ascii=False)}
    return forms | {f'\\"{json.dumps(secret)[1:-1]}\\"', f"'{secret}'"}


def redact(text: str, secrets: tuple[str, ...]) -> str:
    """`text`, an echo of the service (a body, a message, a code), with every secret
    in it replaced by ``***``: long secrets wherever they appear, short ones where
    they stand as a value (a JSON string, a quoted value, or the whole text). Our own
    prose is never passed here."""
    if not secrets:
        return text
    if text in secrets:
        return "***"
    for secret in sorted(secrets, key=len, reverse=True):
        if not secret:
            continue
        if len(secret) >= _BARE_SECRET_LENGTH:
            for form in {
                secret,
                json.dumps(secret)[1:-1],
                json.dumps(secret, ensure_ascii=False)[1:-1],
            }:
                text = text.replace(form, "***")
        for form in _sent_forms(secret):
            text = text.replace(form, '"***"' if form.startswith('"') else "***")
    return text


# Bounds on the numbers of an answer, checked before any arithmetic: the contract's
# amounts are below 1e9 with 6 decimals, so these leave room and stop a number such
# as 1e999999999 (which would make Decimal arithmetic fail or eat memory).
MAX_NUMBER_DIGITS = 40
MAX_NUMBER_EXPONENT = 40


# An exponent of more digits than this is out of range whatever its mantissa: checked
# on the text, since `Decimal` refuses (InvalidOperation) one beyond its context.
_MAX_EXPONENT_CHARS = 4


def _bounded_number(text: str) -> Decimal:
    if len(text) <= MAX_NUMBER_DIGITS and "e" not in text and "E" not in text:
        # A JSON number without an exponent, this short, is within both bounds: at
        # most 40 digits, and 10**-40 < |value| < 10**40 unless it is zero.
        return Decimal(text)
    mantissa, _, exponent = text.lower().partition("e")
    shown = text if len(text) <= 24 else text[:20] + "..."
    if len(text) > 2 * MAX_NUMBER_DIGITS or sum(c.isdigit() for c in mantissa) > MAX_NUMBER_DIGITS:
        raise ValueError(f"the number {shown} has too many digits")
    if len(exponent.lstrip("+-").lstrip("0")) > _MAX_EXPONENT_CHARS:
        raise ValueError(f"the number {shown} is out of range")
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):  # JSON numbers parse; anything else is broken
        raise ValueError(f"the number {shown} is not a number") from None
    if not value.is_finite() or (
        value and not -MAX_NUMBER_EXPONENT <= value.adjusted() <= MAX_NUMBER_EXPONENT
    ):
        raise ValueError(f"the number {shown} is out of range")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise ValueError(f"the number {text[:20]}... has too many digits")
    return int(text)


def _no_constant(text: str) -> Any:
    raise ValueError(f"{text} is not a number the contract allows")


# One decoder for every answer: `json.loads` with hooks builds a new one per call.
_DECODER = json.JSONDecoder(
    parse_float=_bounded_number, parse_int=_bounded_int, parse_constant=_no_constant
)


def load_json(content: bytes | str) -> Any:
    """An answer's JSON, every number range-checked (fractions as `Decimal`); a
    number out of range is a ValueError, like any other broken answer."""
    if not isinstance(content, str):
        # As `json.loads` reads bytes: UTF-8, -16 or -32, by the first bytes.
        content = content.decode(json.detect_encoding(content), "surrogatepass")
    elif content.startswith("\ufeff"):
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", content, 0)
    return _DECODER.decode(content)


def _printable(text: str) -> str:
    """`text` from a header, with what cannot be shown (control characters) escaped."""
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


def _where(method: str, path: str, status: int | None = None, code: str | None = None) -> str:
    answer = "" if status is None else f" -> HTTP {status}" + (f" {code}" if code else "")
    return f"[{method} {path}{answer}]"


def from_status(
    exchange: Exchange, status_code: int, content: bytes, retry_after: float | None = None
) -> AccountingError:
    """The exception for an error answer: by the body's `code` when it has a known
    one, else by the status. A body that is not JSON (a proxy's HTML page, an empty
    body) is reported, never parsed blindly."""
    server_message, sent_code = _read_error_body(content)
    code = sent_code if sent_code in CODES else None
    if code is None:
        code = exchange.conflict if status_code == 409 else _BY_STATUS.get(status_code)
        if code is None and status_code >= 500:
            code = "internal_error"
    if status_code == 404 and sent_code is None:
        # A 404 the service did not explain: the path is unknown there, which
        # means accounting_url does not point at an accounting service.
        code = None
    known = CODES.get(code or "")
    cls = known.error if known is not None else ServiceException
    if status_code >= 500:
        cls = ServiceException
    if known is not None:
        context = "bearer" if exchange.auth == "bearer" else exchange.about
        hint, hint_key = _IN_CONTEXT.get((str(code), context), known.hint), str(code)
        if code == "invalid_credentials" and exchange.by_api_key:
            hint = _KEY_REFUSED
    elif status_code == 404:
        hint, hint_key = _WRONG_SERVICE, WRONG_SERVICE
    else:
        hint, hint_key = "The service answered something unexpected; try again later.", UNEXPECTED
    if retry_after is not None and (status_code == 429 or status_code >= 500):
        hint += f" The service asks to wait {retry_after:.0f} s before retrying."
    if (status_code >= 500 or code in {"rate_limited", "request_in_progress"}) and (
        exchange.method != "GET"
    ):
        if status_code >= 500:
            unknown, hint_key = exchange.unknown_outcome()
            hint += f" {unknown}"
        elif exchange.idempotency_key is not None and "the same key" in hint:
            hint = hint.replace(
                "the same key", f"the same key (idempotency_key={exchange.idempotency_key!r})"
            )
        elif exchange.idempotency_key is not None:
            hint += f" Repeat it with idempotency_key={exchange.idempotency_key!r}."

    secrets = exchange.secrets
    if server_message and known is not None:
        # Our hint says what to do: keep only the service's statement of what
        # happened (its first sentence), so that the advice is not given twice.
        server_message = _statement(server_message)
    said = (
        redact(server_message, secrets)[:_BODY_LIMIT]
        if server_message
        else _status_phrase(status_code)
    )
    shown_code = redact(sent_code, secrets)[:64] if sent_code else None
    return exchange.error(
        cls,
        f"{exchange.operation} failed: {said}.",
        hint,
        hint_key,
        answer=(status_code, shown_code),
        reason=said,
        status_code=status_code,
        body=exchange.shown_body(content),
        code=code,
    )


def _first_sentence(text: str) -> str:
    return re.split(r"\.\s+(?=[A-Z])", text, maxsplit=1)[0].rstrip(".")


# Words that open advice ("retry in a moment", "ask the payer for..."), not a statement.
_ADVICE_VERBS = frozenset(
    [
        "add",
        "ask",
        "call",
        "cancel",
        "charge",
        "check",
        "configure",
        "confirm",
        "contact",
        "create",
        "pass",
        "pay",
        "refund",
        "register",
        "repeat",
        "retry",
        "send",
        "start",
        "try",
        "use",
        "wait",
    ]
)


def _statement(text: str) -> str:
    """What happened, as the service said it, without the advice it added (our hint
    gives the advice): its first sentence, cut where a clause turns to advice."""
    kept: list[str] = []
    for clause in re.split(r"(?<=[:;])\s+", _first_sentence(text)):
        words = clause.split(maxsplit=1)
        if kept and words and words[0].lower() in _ADVICE_VERBS:
            break
        kept.append(clause)
    return " ".join(kept).rstrip(".:;, ")


def _read_error_body(content: bytes) -> tuple[str | None, str | None]:
    try:
        doc = load_json(content)
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


# What each feature a service may announce lets a client do, and what to do without it.
_FEATURES = {
    "holds": (
        "hold a charge for a chosen time (hold_for=)",
        "Leave hold_for out: there a charge stays pending until it is confirmed or cancelled.",
    ),
    "capture": (
        "capture less than a charge holds",
        "Charge the final price itself, or confirm the whole amount (no amount=).",
    ),
    "refunds": (
        "refund a payment",
        "Pay the money back with transfer() instead (it is not linked to the payment).",
    ),
    "api-keys": (
        "manage API keys",
        "Authenticate with the email and password: this service has no API keys.",
    ),
}


def unsupported(feature: str, base_url: str, operation: str) -> FeatureNotSupportedError:
    """The error for asking `feature` of a service that did not announce it."""
    what, hint = _FEATURES.get(feature, (f"do {feature!r}", "Use a service that supports it."))
    error = FeatureNotSupportedError(
        f"{operation} failed: the service at {base_url} cannot {what}; it does not announce "
        f"{feature!r} in its Accounting-Features header. Nothing was sent.",
        hint=hint,
        hint_key=UNSUPPORTED,
        operation=operation,
    )
    error.feature = feature
    return error


def unreachable(exchange: Exchange, reason: str, *, may_have_reached: bool) -> AccountingError:
    """The exception when no answer came: refused, reset, timed out."""
    if may_have_reached:
        hint, hint_key = exchange.unknown_outcome()
    else:
        hint_key = UNREACHABLE
        hint = f"Check that the service at {exchange.base_url} is up and reachable, then try again."
    tried = f" after {exchange.retries + 1} attempts" if exchange.retries else ""
    summary = f"{exchange.operation} failed{tried}: {reason}."
    return exchange.error(ServiceException, summary, hint, hint_key, reason=f"{reason}{tried}")


def broken_contract(
    exchange: Exchange, status_code: int, content: bytes, problem: str
) -> AccountingError:
    """The exception when a success answer does not match the contract. The body is
    dropped when it may hold a secret we cannot know (a generated password)."""
    summary = (
        f"{exchange.operation} failed: the service's answer does not match the contract "
        f"({redact(problem, exchange.secrets)})."
    )
    return exchange.error(
        ServiceException,
        summary,
        _WRONG_SERVICE,
        WRONG_SERVICE,
        answer=(status_code, None),
        reason="the service's answer does not match the contract",
        status_code=status_code,
        body=exchange.shown_body(content, success=True),
    )
