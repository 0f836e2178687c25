"""Request bodies: strict JSON parsing and closed-object validation, as the contract says."""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from syftbox_accounting.server.errors import ErrorDetail, bad_request, validation_error
from syftbox_accounting.server.money import (
    DECIMAL_PLACES,
    MAX_AMOUNT_MICROS,
    MICROS_PER_DOLLAR,
    AmountError,
    PrecisionError,
    format_micros,
    text_to_micros,
    to_micros,
)

# Far above any valid request (the longest field is a 4 KiB token); stops memory abuse.
MAX_BODY_BYTES = 64 * 1024
# The lengths the contract allows, in characters.
MAX_EMAIL_LENGTH = 254
MAX_EMAIL_LOCAL_LENGTH = 64  # RFC 5321's limit for the part before the @
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
MAX_ORGANIZATION_LENGTH = 128
MAX_TOKEN_LENGTH = 4096
MAX_APP_NAME_LENGTH = 256
MAX_APP_EP_PATH_LENGTH = 1024
MAX_TRANSACTION_ID_LENGTH = 64
MAX_REFUND_REASON_LENGTH = 512
# How long a pending transaction holds its amount (`holdFor`), in seconds.
DEFAULT_HOLD_SECONDS = 3600
MAX_HOLD_SECONDS = 86400
EMAIL_PROBLEM = "must be an email address such as alice@example.com"
# What a new password may hold (the contract's `NewPassword`, see its Passwords section):
# printable Latin-1, all that HTTP Basic carries in every generated client (urllib3
# encodes credentials as Latin-1, `btoa` throws above U+00FF).
_NEW_PASSWORD = re.compile(r"[\x20-\x7e\xa0-\xff]+")
NEW_PASSWORD_PROBLEM = (
    "must use printable Latin-1 characters only: ASCII letters, digits, punctuation and "
    "spaces (U+0020 to U+007E), and U+00A0 to U+00FF (such as é, ñ, ß); emoji, other "
    "scripts and control characters cannot be sent by every client's Basic authentication"
)
# The sibling that carries a money field as a decimal string (the contract's Money).
DECIMAL_SUFFIX = "Decimal"
# No field takes a number beyond these powers of ten (amounts lie between 1e-6 and 1e9).
# Numbers outside are never turned into a Decimal one could compute with: `1e999999999`
# would make arithmetic and formatting huge, and a longer exponent does not fit a Decimal.
MAX_NUMBER_EXPONENT = 100
_MAX_EXPONENT_CHARS = 8
AMOUNT_RANGE_PROBLEM = (
    f"is out of range: send between {Decimal(1).scaleb(-DECIMAL_PLACES)}"
    f" and {MAX_AMOUNT_MICROS // MICROS_PER_DOLLAR} US dollars"
)

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
# A dot-atom local part and a dotted domain name: what mail systems and the public client
# accept, without quoted local parts or IP literals.
_EMAIL = re.compile(rf"(?P<local>{_ATOM}(?:\.{_ATOM})*)@{_LABEL}(?:\.{_LABEL})+", re.ASCII)


def is_email(value: str) -> bool:
    """True for a well-formed, deliverable-looking address of at most 254 characters."""
    match = _EMAIL.fullmatch(value)
    return (
        match is not None
        and len(value) <= MAX_EMAIL_LENGTH
        and len(match.group("local")) <= MAX_EMAIL_LOCAL_LENGTH
    )


def same_email(a: str, b: str) -> bool:
    """Whether two addresses name the same account (emails are matched without case)."""
    # Emails are ASCII (validated on the way in), so ASCII case folding is complete.
    return a.lower() == b.lower()


class OutOfRange:
    """A JSON number too large or too small to be the value of any field: a 422 by the
    field that holds it, never a value to compute with."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "OutOfRange()"


OUT_OF_RANGE = OutOfRange()


def _number(text: str) -> Decimal | OutOfRange:
    """A JSON number as an exact `Decimal`, when its magnitude is one a field can take."""
    _, e, exponent = text.lower().partition("e")
    if e and len(exponent.lstrip("+-").lstrip("0")) > _MAX_EXPONENT_CHARS:
        return OUT_OF_RANGE  # the exponent alone would not fit a Decimal
    try:
        value = Decimal(text)
    except InvalidOperation:
        return OUT_OF_RANGE
    if not -MAX_NUMBER_EXPONENT <= value.adjusted() <= MAX_NUMBER_EXPONENT:
        return OUT_OF_RANGE
    return value


def parse_object(raw: bytes) -> dict[str, Any]:
    """Parse a request body into a JSON object, answering 400 bad_request otherwise.

    Numbers become `Decimal` (exact money), or `OUT_OF_RANGE` beyond any field's range;
    NaN and Infinity, which `json` accepts by default, become non-finite `Decimal`s so
    that the amount check rejects them with 422.
    """
    if len(raw) > MAX_BODY_BYTES:
        raise bad_request(
            f"The request body is larger than {MAX_BODY_BYTES} bytes: send a small JSON object."
        )
    if not raw.strip():
        raise bad_request(
            "The request body is empty: send a JSON object with Content-Type: application/json."
        )
    try:
        # What json.loads does with bytes, through one decoder built once.
        value = _DECODER.decode(raw.decode(json.detect_encoding(raw), "surrogatepass"))
    except _DuplicateName as duplicate:
        # Which of two values counts is left open by RFC 8259: refuse to guess.
        raise validation_error(
            [{"field": duplicate.name, "problem": "appears more than once: send it once"}]
        ) from None
    except (ValueError, RecursionError):
        # ValueError covers JSONDecodeError and undecodable bytes (UnicodeDecodeError).
        raise bad_request(
            "The request body is not valid JSON: "
            "send a JSON object with Content-Type: application/json."
        ) from None
    if not isinstance(value, dict):
        raise bad_request(
            "The request body is JSON but not an object: send a JSON object such as {...}."
        )
    return value


class _DuplicateName(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _unique_names(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise _DuplicateName(name)
            seen.add(name)
    return result


_DECODER = json.JSONDecoder(
    parse_float=_number,
    parse_int=_number,
    parse_constant=Decimal,
    object_pairs_hook=_unique_names,
)


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, Decimal | OutOfRange):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


class Fields:
    """Reads the fields of one closed JSON object, collecting every problem.

    Each getter returns a placeholder for a bad field so that all problems are reported
    at once by `check()`, as one 422 validation_error with a detail per field.
    """

    def __init__(self, data: dict[str, Any], known: Collection[str]) -> None:
        self._data = data
        self.details: list[ErrorDetail] = []
        for name in data:
            if name not in known:
                allowed = ", ".join(sorted(set(known)))
                self._problem(name, f"is not a known field (allowed: {allowed}): remove it")

    def _problem(self, field: str, problem: str) -> None:
        self.details.append({"field": field, "problem": problem})

    def string(
        self,
        name: str,
        *,
        required: bool = True,
        nullable: bool = False,
        min_length: int = 0,
        max_length: int,
    ) -> str | None:
        """A string field; None when absent or null (and allowed to be)."""
        if name not in self._data:
            if required:
                self._problem(name, "is required")
            return None
        value = self._data[name]
        if value is None and nullable:
            return None
        if not isinstance(value, str):
            kind = "a string or null" if nullable else "a string"
            self._problem(name, f"must be {kind}, not {_type_name(value)}")
            return None
        if len(value) < min_length:
            self._problem(name, f"must be at least {min_length} characters long")
            return None
        if len(value) > max_length:
            self._problem(name, f"must be at most {max_length} characters long")
            return None
        if value.isascii():  # most text, and every valid email: no surrogate
            return value
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            # A lone surrogate (`"\ud800"`) is valid JSON but not text we can store.
            self._problem(name, "must be valid Unicode text (no lone surrogates)")
            return None
        return value

    def required_string(self, name: str, *, min_length: int = 0, max_length: int) -> str:
        return self.string(name, min_length=min_length, max_length=max_length) or ""

    def email(self, name: str) -> str:
        """A required email field."""
        value = self.string(name, max_length=MAX_EMAIL_LENGTH)
        if value is None:
            return ""
        if not is_email(value):
            self._problem(name, EMAIL_PROBLEM)
            return ""
        return value

    def new_password(self, name: str, *, required: bool = True) -> str | None:
        """A password to set: 8 to 256 characters of printable Latin-1."""
        value = self.string(
            name,
            required=required,
            nullable=not required,
            min_length=MIN_PASSWORD_LENGTH,
            max_length=MAX_PASSWORD_LENGTH,
        )
        if value is not None and not _NEW_PASSWORD.fullmatch(value):
            self._problem(name, NEW_PASSWORD_PROBLEM)
            return None
        return value

    def amount(self, name: str) -> int:
        """A required amount, in micro-dollars: `name` (a JSON number) or its decimal
        string `name`Decimal, or both when they agree."""
        micros = self.optional_amount(name)
        if micros is None:
            text = name + DECIMAL_SUFFIX
            if not any(self._problem_of(n) for n in (name, text)):
                self._problem(name, f"is required (or {text}, the amount as a decimal string)")
            return 0
        return micros

    def optional_amount(self, name: str) -> int | None:
        """An amount that may be absent or null in both forms (then None), in
        micro-dollars; see `amount`."""
        text_name = name + DECIMAL_SUFFIX
        number = self._number_amount(name)
        text = self._text_amount(text_name)
        if number is None or text is None or number == text:
            return number if number is not None else text
        # Both values, side by side: a float on the way (Go's float32 sends 999999999.999999
        # as 1e+09) is then plain to see.
        number_text, exact_text = format_micros(number), format_micros(text)
        self._problem(
            name,
            f"is {number_text}, which does not agree with {text_name} ({exact_text}): send "
            "one of the two, or both with the same value",
        )
        self._problem(
            text_name, f"is {exact_text}, which does not agree with {name} ({number_text})"
        )
        return None

    def sent_as(self, name: str) -> str:
        """The field that carried the amount `name`: its decimal string `name`Decimal
        when only that was sent, else `name` (for a refusal to name what was sent)."""
        text = name + DECIMAL_SUFFIX
        if self._data.get(name) is None and self._data.get(text) is not None:
            return text
        return name

    def _problem_of(self, name: str) -> bool:
        return any(detail["field"] == name for detail in self.details)

    def _number_amount(self, name: str) -> int | None:
        value = self._data.get(name)
        if value is None:
            return None
        if isinstance(value, OutOfRange):
            self._problem(name, AMOUNT_RANGE_PROBLEM)
            return None
        if isinstance(value, str):
            # The exact form, sent under the number's name: say which field takes it.
            self._problem(
                name,
                "must be a JSON number of US dollars, such as 10 or 0.25; send a decimal "
                f"string as {name}{DECIMAL_SUFFIX} instead",
            )
            return None
        try:
            return to_micros(value)
        except PrecisionError as error:
            # Mostly a binary float's digits (0.1 + 0.2 is 0.30000000000000004).
            self._problem(
                name,
                f"{error}: round it (binary float arithmetic leaves such digits, as in 0.1 + "
                f"0.2 = 0.30000000000000004), or send the exact amount as {name}{DECIMAL_SUFFIX}",
            )
            return None
        except AmountError as error:
            self._problem(name, str(error))
            return None

    def _text_amount(self, name: str) -> int | None:
        value = self._data.get(name)
        if value is None:
            return None
        if isinstance(value, Decimal):
            # A JSON number under the decimal string's name: show it as the field takes it.
            try:
                example = f'"{format_micros(to_micros(value))}"'
            except AmountError:
                example = 'such as "10" or "0.25"'
            self._problem(
                name,
                f"must be a string of decimal digits ({example}), or send the number as "
                f"{name.removesuffix(DECIMAL_SUFFIX)}",
            )
            return None
        try:
            return text_to_micros(value)
        except AmountError as error:
            self._problem(name, str(error))
            return None

    def seconds(self, name: str, maximum: int, minimum: int = 1) -> int | None:
        """A whole number of seconds from `minimum` to `maximum`, absent or null (then None)."""
        value = self._data.get(name)
        if value is None:
            return None
        if not (
            isinstance(value, Decimal)
            and value.is_finite()
            and value == value.to_integral_value()
            and minimum <= value <= maximum
        ):
            self._problem(name, f"must be a whole number of seconds from {minimum} to {maximum}")
            return None
        return int(value)

    def check(self) -> None:
        """Answer 422 validation_error when any field was at fault."""
        if self.details:
            raise validation_error(self.details)


@dataclass(frozen=True, slots=True)
class CreateUser:
    email: str
    password: str | None
    organization: str | None


@dataclass(frozen=True, slots=True)
class UpdatePassword:
    old_password: str
    new_password: str


@dataclass(frozen=True, slots=True)
class UpdateOrganization:
    organization: str | None


@dataclass(frozen=True, slots=True)
class CreateToken:
    recipient_email: str
    max_amount: int | None = None  # micro-dollars
    expires_in: int | None = None  # seconds


@dataclass(frozen=True, slots=True)
class CreateTransaction:
    sender_email: str
    recipient_email: str
    amount: int
    token: str | None
    app_name: str | None
    app_ep_path: str | None
    hold_for: int = DEFAULT_HOLD_SECONDS


@dataclass(frozen=True, slots=True)
class TransactionId:
    transaction_id: str


@dataclass(frozen=True, slots=True)
class ConfirmTransaction:
    transaction_id: str
    amount: int | None  # micro-dollars to capture; None for the whole hold


@dataclass(frozen=True, slots=True)
class RefundTransaction:
    transaction_id: str
    amount: int | None  # micro-dollars; None for all that is left
    reason: str | None
    amount_field: str = "amount"  # the field that carried it (amount or amountDecimal)


@dataclass(frozen=True, slots=True)
class AddBalance:
    recipient_email: str
    amount: int
    amount_field: str = "amount"  # the field that carried it (amount or amountDecimal)


def create_user(data: dict[str, Any]) -> CreateUser:
    f = Fields(data, ("email", "password", "organization"))
    body = CreateUser(
        email=f.email("email"),
        password=f.new_password("password", required=False),
        organization=f.string(
            "organization", required=False, nullable=True, max_length=MAX_ORGANIZATION_LENGTH
        ),
    )
    f.check()
    return body


def update_password(data: dict[str, Any]) -> UpdatePassword:
    f = Fields(data, ("oldPassword", "newPassword"))
    body = UpdatePassword(
        old_password=f.required_string("oldPassword", min_length=1, max_length=MAX_PASSWORD_LENGTH),
        new_password=f.new_password("newPassword") or "",
    )
    f.check()
    return body


def update_organization(data: dict[str, Any]) -> UpdateOrganization:
    f = Fields(data, ("organization",))
    # Required, but null is a value: it clears the organization.
    body = UpdateOrganization(
        organization=f.string("organization", nullable=True, max_length=MAX_ORGANIZATION_LENGTH)
    )
    f.check()
    return body


TOKEN_LIFETIME_MAX = 86400


def create_token(data: dict[str, Any]) -> CreateToken:
    f = Fields(data, ("recipientEmail", "maxAmount", "maxAmountDecimal", "expiresIn"))
    body = CreateToken(
        recipient_email=f.email("recipientEmail"),
        max_amount=f.optional_amount("maxAmount"),
        expires_in=f.seconds("expiresIn", TOKEN_LIFETIME_MAX),
    )
    f.check()
    return body


def create_transaction(data: dict[str, Any]) -> CreateTransaction:
    f = Fields(
        data,
        (
            "senderEmail",
            "recipientEmail",
            "amount",
            "amountDecimal",
            "token",
            "appName",
            "appEpPath",
            "holdFor",
        ),
    )
    body = CreateTransaction(
        sender_email=f.email("senderEmail"),
        recipient_email=f.email("recipientEmail"),
        amount=f.amount("amount"),
        token=f.string(
            "token", required=False, nullable=True, min_length=1, max_length=MAX_TOKEN_LENGTH
        ),
        app_name=f.string("appName", required=False, nullable=True, max_length=MAX_APP_NAME_LENGTH),
        app_ep_path=f.string(
            "appEpPath", required=False, nullable=True, max_length=MAX_APP_EP_PATH_LENGTH
        ),
        hold_for=f.seconds("holdFor", MAX_HOLD_SECONDS) or DEFAULT_HOLD_SECONDS,
    )
    f.check()
    return body


def transaction_id(data: dict[str, Any]) -> TransactionId:
    f = Fields(data, ("transactionId",))
    body = TransactionId(
        transaction_id=f.required_string(
            "transactionId", min_length=1, max_length=MAX_TRANSACTION_ID_LENGTH
        )
    )
    f.check()
    return body


def confirm_transaction(data: dict[str, Any]) -> ConfirmTransaction:
    f = Fields(data, ("transactionId", "amount", "amountDecimal"))
    body = ConfirmTransaction(
        transaction_id=f.required_string(
            "transactionId", min_length=1, max_length=MAX_TRANSACTION_ID_LENGTH
        ),
        amount=f.optional_amount("amount"),
    )
    f.check()
    return body


def refund_transaction(data: dict[str, Any]) -> RefundTransaction:
    f = Fields(data, ("transactionId", "amount", "amountDecimal", "reason"))
    body = RefundTransaction(
        transaction_id=f.required_string(
            "transactionId", min_length=1, max_length=MAX_TRANSACTION_ID_LENGTH
        ),
        amount=f.optional_amount("amount"),
        reason=f.string(
            "reason", required=False, nullable=True, max_length=MAX_REFUND_REASON_LENGTH
        ),
        amount_field=f.sent_as("amount"),
    )
    f.check()
    return body


def add_balance(data: dict[str, Any]) -> AddBalance:
    f = Fields(data, ("recipientEmail", "amount", "amountDecimal"))
    body = AddBalance(
        recipient_email=f.email("recipientEmail"),
        amount=f.amount("amount"),
        amount_field=f.sent_as("amount"),
    )
    f.check()
    return body
