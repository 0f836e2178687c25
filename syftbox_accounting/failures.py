"""The one mapping from a failed exchange to the exception the user gets: an error
answer (`from_status`), no answer (`unreachable`), an answer that breaks the contract
(`broken_contract`), a feature the service lacks (`unsupported`). Loaded with the
first failure: a call that succeeds never needs it."""

from __future__ import annotations

import dataclasses
import re
from http import HTTPStatus
from typing import Any

from syftbox_accounting.answer_json import load_json
from syftbox_accounting.error_codes import (
    _BODY_LIMIT,
    _BY_STATUS,
    _CHECK_ACCOUNTS,
    _CHECK_HISTORY,
    _FEATURES,
    _IN_CONTEXT,
    _KEY_REFUSED,
    _WRONG_SERVICE,
    CODES,
)
from syftbox_accounting.errors import (
    KEY_REFUSED,
    MAY_HAVE_REACHED,
    RETRY_WITH_KEY,
    UNEXPECTED,
    UNREACHABLE,
    UNSUPPORTED,
    WRONG_SERVICE,
    AccountingError,
    FeatureNotSupportedError,
    NotFoundError,
    ServiceException,
)
from syftbox_accounting.redaction import redact
from syftbox_accounting.render import printable, wait_text


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
            request_id=printable(redact(self.request_id, self.secrets))[:128]
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
        check = _CHECK_ACCOUNTS if self.auth == "bearer" else _CHECK_HISTORY
        return (
            "The request may have reached the service, which has not shown that it honours "
            f"idempotency keys, so it was not sent again: {check}",
            MAY_HAVE_REACHED,
        )

    def shown_body(self, content: bytes, *, success: bool = False) -> str | None:
        """A response body as an exception keeps it: text, secrets removed, shortened;
        None for a success answer that may hold a secret we cannot know."""
        if success and self.answer_has_secret:
            return None
        return redact(content.decode("utf-8", "replace"), self.secrets)[:_BODY_LIMIT]


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
        hint = _IN_CONTEXT.get((str(code), exchange.path)) or _IN_CONTEXT.get(
            (str(code), context), known.hint
        )
        hint_key = str(code)
        if code == "invalid_credentials" and exchange.by_api_key:
            hint, hint_key = _KEY_REFUSED, KEY_REFUSED
    elif status_code == 404:
        hint, hint_key = _WRONG_SERVICE, WRONG_SERVICE
    else:
        hint, hint_key = "The service answered something unexpected; try again later.", UNEXPECTED
    if retry_after is not None and (
        status_code == 429 or status_code >= 500 or code == "request_in_progress"
    ):
        wait = wait_text(retry_after)
        if _A_MOMENT in hint:  # the service said how long: no "moment" beside a day
            hint = hint.replace(_A_MOMENT, wait)
        else:
            hint += f" The service asks to wait {wait} before retrying."
    else:
        retry_after = None
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
        retry_after=retry_after,
    )


_A_MOMENT = "a moment"


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


def unsupported(feature: str, base_url: str, operation: str) -> FeatureNotSupportedError:
    """The error for asking `feature` of a service that did not announce it."""
    what, argument, hint = _FEATURES.get(
        feature, (f"do {feature!r}", "", "Use a service that supports it.")
    )
    # `reason`, for front ends, names no library call nor argument.
    reason = (
        f"the service at {base_url} cannot {what}; it does not announce {feature!r} in its "
        "Accounting-Features header. Nothing was sent"
    )
    error = FeatureNotSupportedError(
        f"{operation} failed: {reason.replace(what, what + argument)}.",
        hint=hint,
        hint_key=UNSUPPORTED,
        operation=operation,
        reason=reason,
    )
    error.feature = feature
    return error


def not_among_yours(transaction_id: str, operation: str) -> NotFoundError:
    """The error for a transaction id that a search of the caller's whole history did
    not find (at a service that cannot look one up by its id)."""
    return NotFoundError(
        f"{operation} failed: no transaction {transaction_id} among yours (the service has "
        "no lookup by id, so your whole history was searched).",
        hint=_IN_CONTEXT[("not_found", "transaction")],
        hint_key="not_found",
        operation=operation,
    )


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
