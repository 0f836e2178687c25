"""Request bodies: strict JSON parsing and closed-object validation, as the contract says."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from syftbox_accounting.server.errors import ErrorDetail, bad_request, validation_error
from syftbox_accounting.server.money import AmountError, to_micros

# Far above any valid request (the longest field is a 4 KiB token); stops memory abuse.
MAX_BODY_BYTES = 64 * 1024
MAX_EMAIL_LENGTH = 254
EMAIL_PROBLEM = "must be an email address such as alice@example.com"

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
        and len(match.group("local")) <= 64  # RFC 5321's limit for the local part
    )


def parse_object(raw: bytes) -> dict[str, Any]:
    """Parse a request body into a JSON object, answering 400 bad_request otherwise.

    Numbers become `Decimal` (exact money); NaN and Infinity, which `json` accepts by
    default, become non-finite `Decimal`s so that the amount check rejects them with 422.
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
        value = json.loads(
            raw,
            parse_float=Decimal,
            parse_int=Decimal,
            parse_constant=Decimal,
            object_pairs_hook=_unique_names,
        )
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


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, Decimal):
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

    def __init__(self, data: dict[str, Any], known: Iterable[str]) -> None:
        self._data = data
        self.details: list[ErrorDetail] = []
        known_names = set(known)
        for name in data:
            if name not in known_names:
                allowed = ", ".join(sorted(known_names))
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

    def amount(self, name: str) -> int:
        """A required amount, in micro-dollars."""
        if name not in self._data:
            self._problem(name, "is required")
            return 0
        try:
            return to_micros(self._data[name])
        except AmountError as error:
            self._problem(name, str(error))
            return 0

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


@dataclass(frozen=True, slots=True)
class TransactionId:
    transaction_id: str


@dataclass(frozen=True, slots=True)
class AddBalance:
    recipient_email: str
    amount: int


ORGANIZATION_MAX = 128


def create_user(data: dict[str, Any]) -> CreateUser:
    f = Fields(data, ("email", "password", "organization"))
    body = CreateUser(
        email=f.email("email"),
        password=f.string("password", required=False, nullable=True, min_length=8, max_length=256),
        organization=f.string(
            "organization", required=False, nullable=True, max_length=ORGANIZATION_MAX
        ),
    )
    f.check()
    return body


def update_password(data: dict[str, Any]) -> UpdatePassword:
    f = Fields(data, ("oldPassword", "newPassword"))
    body = UpdatePassword(
        old_password=f.required_string("oldPassword", min_length=1, max_length=256),
        new_password=f.required_string("newPassword", min_length=8, max_length=256),
    )
    f.check()
    return body


def update_organization(data: dict[str, Any]) -> UpdateOrganization:
    f = Fields(data, ("organization",))
    # Required, but null is a value: it clears the organization.
    body = UpdateOrganization(
        organization=f.string("organization", nullable=True, max_length=ORGANIZATION_MAX)
    )
    f.check()
    return body


TOKEN_LIFETIME_MAX = 86400


def create_token(data: dict[str, Any]) -> CreateToken:
    f = Fields(data, ("recipientEmail", "maxAmount", "expiresIn"))
    recipient = f.email("recipientEmail")
    max_amount = None if data.get("maxAmount") is None else f.amount("maxAmount")
    expires_in = data.get("expiresIn")
    if expires_in is not None and not (
        isinstance(expires_in, Decimal)
        and expires_in.is_finite()
        and expires_in == expires_in.to_integral_value()
        and 1 <= expires_in <= TOKEN_LIFETIME_MAX
    ):
        f.details.append(
            {
                "field": "expiresIn",
                "problem": f"must be a whole number of seconds from 1 to {TOKEN_LIFETIME_MAX}",
            }
        )
        expires_in = None
    f.check()
    return CreateToken(recipient, max_amount, None if expires_in is None else int(expires_in))


def create_transaction(data: dict[str, Any]) -> CreateTransaction:
    f = Fields(data, ("senderEmail", "recipientEmail", "amount", "token", "appName", "appEpPath"))
    body = CreateTransaction(
        sender_email=f.email("senderEmail"),
        recipient_email=f.email("recipientEmail"),
        amount=f.amount("amount"),
        token=f.string("token", required=False, nullable=True, min_length=1, max_length=4096),
        app_name=f.string("appName", required=False, nullable=True, max_length=256),
        app_ep_path=f.string("appEpPath", required=False, nullable=True, max_length=1024),
    )
    f.check()
    return body


def transaction_id(data: dict[str, Any]) -> TransactionId:
    f = Fields(data, ("transactionId",))
    body = TransactionId(
        transaction_id=f.required_string("transactionId", min_length=1, max_length=64)
    )
    f.check()
    return body


def add_balance(data: dict[str, Any]) -> AddBalance:
    f = Fields(data, ("recipientEmail", "amount"))
    body = AddBalance(recipient_email=f.email("recipientEmail"), amount=f.amount("amount"))
    f.check()
    return body
