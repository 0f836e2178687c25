"""The ``syftbox`` payment method of the HTTP 402 Payment scheme: what its challenges
ask, what its credentials carry and what its receipts say, on pympp's parsers and
formatters (pympp is the ``[http402]`` extra). The method is written down for other
languages in docs/http402-syftbox.md.

Two intents: ``charge`` (a fixed price, request field ``amount``) and ``upto`` (at most
``max_amount``; the service captures the real price after the work). The request
also names the ``recipient`` (the service's account email), the ``currency`` (``usd``)
and, in ``methodDetails.accountingUrl``, the accounting service both sides use. The
credential's payload is ``{"token": <a transaction token bounded to the amount and
expiring with the challenge>, "payer": <the payer's email>}``.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime
import hmac
import json
import re
import secrets
from decimal import Decimal
from typing import Any, Final

import httpx

from syftbox_accounting import validation
from syftbox_accounting.errors import InvalidInputError
from syftbox_accounting.http402.receipt import PaymentReceipt

NEEDS_EXTRA = (
    "Paying and charging over HTTP (the HTTP 402 Payment scheme) needs pympp: "
    "pip install 'syftbox-accounting[http402]'"
)
try:
    import mpp
    from mpp import Challenge, Credential, Receipt
    from mpp import errors as problems
    from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
except ImportError as exc:  # pragma: no cover - depends on the install (tested in a subprocess)
    raise ImportError(NEEDS_EXTRA) from exc

__all__ = [
    "CHARGE",
    "CHARGE_METHOD",
    "CURRENCY",
    "METHOD",
    "UPTO",
    "UPTO_METHOD",
    "Challenge",
    "ChargeRequest",
    "Offer",
    "Payload",
    "Receipt",
    "Refused",
    "UptoRequest",
    "problems",
]

METHOD: Final = "syftbox"
CHARGE: Final = "charge"
UPTO: Final = "upto"
CURRENCY: Final = "usd"
# The request field that holds each intent's amount.
AMOUNT_FIELD: Final = {CHARGE: "amount", UPTO: "max_amount"}
RECEIPT_HEADER: Final = "Payment-Receipt"
# pympp's bound on a decoded header payload (a request, an opaque).
_MAX_ENCODED = 16 * 1024
_DECIMAL = re.compile(r"(0|[1-9][0-9]*)(\.[0-9]+)?")


def amount_text(value: object, name: str = "amount") -> str:
    """An amount as the wire carries it: a decimal string of US dollars, > 0, at most
    6 decimal places, no exponent (``"0.25"``, ``"12"``).

    Raises:
        InvalidInputError: not such an amount.
    """
    if isinstance(value, str):
        if not _DECIMAL.fullmatch(value):
            raise InvalidInputError(
                f"{name} must be a decimal string of US dollars such as '0.25', got {value!r}."
            )
        value = Decimal(value)
    exact = validation.amount(value, name)
    return format(exact.normalize(), "f")


def _email(value: object) -> str:
    return validation.email(value, "recipient")


class MethodDetails(BaseModel):
    """``methodDetails`` of a syftbox request: the accounting service both sides use."""

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    accounting_url: str = Field(alias="accountingUrl", max_length=2048)

    @field_validator("accounting_url")
    @classmethod
    def _absolute(cls, value: str) -> str:
        url = httpx.URL(value)
        if url.scheme not in {"http", "https"} or not url.host or url.userinfo:
            raise ValueError("accountingUrl must be an absolute http(s) URL without credentials")
        return value


class _Request(BaseModel):
    model_config = ConfigDict(populate_by_name=True, frozen=True)

    currency: str = CURRENCY
    recipient: str = Field(max_length=validation.MAX_EMAIL_LENGTH)
    method_details: MethodDetails = Field(alias="methodDetails")
    description: str | None = Field(default=None, max_length=1024)

    @field_validator("currency")
    @classmethod
    def _usd(cls, value: str) -> str:
        if value.lower() != CURRENCY:
            raise ValueError(f"currency must be {CURRENCY!r} (US dollars), not {value!r}")
        return value

    @field_validator("recipient")
    @classmethod
    def _recipient(cls, value: str) -> str:
        try:
            return _email(value)
        except InvalidInputError as exc:
            raise ValueError(exc.summary) from None


class ChargeRequest(_Request):
    """The request of a ``syftbox``/``charge`` challenge: pay `amount` for this answer."""

    amount: str

    @field_validator("amount", mode="before")
    @classmethod
    def _amount(cls, value: object) -> str:
        try:
            return amount_text(value)
        except InvalidInputError as exc:
            raise ValueError(exc.summary) from None


class UptoRequest(_Request):
    """The request of a ``syftbox``/``upto`` challenge: pay at most `max_amount`; the
    service captures the real price once the work is done."""

    max_amount: str
    unit: str | None = Field(default=None, max_length=64)

    @field_validator("max_amount", mode="before")
    @classmethod
    def _max_amount(cls, value: object) -> str:
        try:
            return amount_text(value, "max_amount")
        except InvalidInputError as exc:
            raise ValueError(exc.summary) from None


class Payload(BaseModel):
    """A syftbox credential's payload: the payer's bounded token and email."""

    model_config = ConfigDict(frozen=True)

    token: str = Field(min_length=1, max_length=validation.MAX_TOKEN_LENGTH, repr=False)
    payer: str = Field(max_length=validation.MAX_EMAIL_LENGTH)

    @field_validator("payer")
    @classmethod
    def _payer(cls, value: str) -> str:
        try:
            return validation.email(value, "payer")
        except InvalidInputError as exc:
            raise ValueError(exc.summary) from None


CHARGE_METHOD: Final = mpp.Method(
    name=METHOD, intent=CHARGE, request_model=ChargeRequest, payload_model=Payload
)
UPTO_METHOD: Final = mpp.Method(
    name=METHOD, intent=UPTO, request_model=UptoRequest, payload_model=Payload
)
METHODS: Final[dict[str, mpp.Method[Any, Payload]]] = {CHARGE: CHARGE_METHOD, UPTO: UPTO_METHOD}
ACCEPT_PAYMENT: Final = ", ".join(m.key for m in METHODS.values())


def request(
    intent: str, amount: Any, recipient: str, accounting_url: str, **extra: Any
) -> dict[str, Any]:
    """The wire form of a syftbox request (what the challenge's ``request`` encodes)."""
    fields = {
        AMOUNT_FIELD[intent]: amount,
        "currency": CURRENCY,
        "recipient": recipient,
        "methodDetails": {"accountingUrl": accounting_url},
        **{k: v for k, v in extra.items() if v is not None},
    }
    wire: dict[str, Any] = METHODS[intent].normalize_request(fields)
    return wire


# -- the payer's side


@dataclasses.dataclass(frozen=True, slots=True)
class Offer:
    """A syftbox challenge a payer may pay, read and checked.

    `amount` is what the token must allow: the price (``charge``) or the most the
    service may capture (``upto``)."""

    challenge: Challenge
    intent: str
    amount: Decimal
    recipient: str
    accounting_url: str
    expires: datetime.datetime


def challenges(values: list[str]) -> list[Challenge]:
    """Every Payment challenge of the ``WWW-Authenticate`` values that parses (a value
    may hold several, separated by commas, as RFC 9110 allows); the others are
    skipped, as the scheme asks of clients."""
    found = []
    for value in values:
        for text in _split_challenges(value):
            try:
                found.append(mpp.parse_www_authenticate(text))
            except mpp.ParseError:
                continue
    return found


def is_ours(challenge: Challenge) -> bool:
    """A challenge of this method with an intent this library pays."""
    return challenge.method == METHOD and challenge.intent in METHODS


def read_offer(challenge: Challenge) -> Offer:
    """The offer of a syftbox challenge.

    Raises:
        ValueError: the challenge breaks the method; the message says how.
    """
    field = AMOUNT_FIELD[challenge.intent]
    if not isinstance(challenge.request.get(field), str):
        # A JSON number may not be exact: the method sends amounts as strings.
        raise ValueError(f"{field} must be a decimal string such as '0.25'")
    try:
        model = METHODS[challenge.intent].request_model.model_validate(challenge.request)
    except ValidationError as exc:
        raise ValueError(_first_error(exc)) from None
    if not challenge.expires:
        raise ValueError("it has no expires parameter, so its token could not expire with it")
    expires = moment(challenge.expires)
    if expires is None:
        raise ValueError(f"its expires {challenge.expires!r} is not an RFC 3339 date-time")
    amount = Decimal(getattr(model, field))
    return Offer(
        challenge,
        challenge.intent,
        amount,
        model.recipient,
        model.method_details.accounting_url,
        expires,
    )


def credential(offer: Offer, token: str, payer: str) -> str:
    """The ``Authorization`` (or ``Payment-Authorization``) value that pays `offer`."""
    return mpp.format_authorization(
        Credential(challenge=offer.challenge.to_echo(), payload={"token": token, "payer": payer})
    )


def read_receipt(header: str, offer: Offer) -> PaymentReceipt:
    """The receipt of a paid answer, checked against the offer it paid.

    Raises:
        ValueError: the receipt is malformed, or claims more than the offer allowed.
    """
    try:
        parsed = mpp.parse_payment_receipt(header)
    except mpp.ParseError as exc:
        raise ValueError(f"it cannot be read ({exc})") from None
    if parsed.method != METHOD:
        raise ValueError(f"it is a receipt of method {parsed.method!r}, not {METHOD!r}")
    fields = parsed.extensions or {}
    paid_for = fields.get("challengeId")
    if paid_for is not None and paid_for != offer.challenge.id:
        raise ValueError("it is the receipt of another challenge")
    reference = parsed.reference.strip()
    if not reference or len(reference) > validation.MAX_TRANSACTION_ID_LENGTH:
        raise ValueError("its reference is not a transaction id")
    try:
        charged = (
            Decimal(0)
            if fields.get("charged_amount") == "0"
            else Decimal(amount_text(fields.get("charged_amount"), "charged_amount"))
        )
    except InvalidInputError as exc:
        raise ValueError(exc.summary) from None
    if charged > offer.amount:
        raise ValueError(
            f"it says ${charged} was charged, more than the ${offer.amount} the token allowed"
        )
    return PaymentReceipt(
        transaction_id=reference,
        amount=charged,
        max_amount=offer.amount,
        recipient=offer.recipient,
        intent=offer.intent,
        challenge_id=offer.challenge.id,
        timestamp=parsed.timestamp,
    )


def same_service(a: str, b: str) -> bool:
    """Whether two URLs name the same accounting service: scheme, host and port
    compared case-insensitively with default ports filled in, paths without their
    trailing slash."""
    return _service_key(a) == _service_key(b)


def _service_key(text: str) -> tuple[str, str, int | None, str]:
    url = httpx.URL(text)
    port = url.port or {"http": 80, "https": 443}.get(url.scheme)
    return (url.scheme.lower(), url.host.lower().rstrip("."), port, url.path.rstrip("/"))


# -- the service's side


class Refused(Exception):
    """A credential the service does not accept: answered with a fresh challenge and
    a problem (RFC 9457) of `kind`, one of the scheme's problem types."""

    def __init__(self, kind: type[problems.PaymentError], detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


def issue(
    *,
    secret_key: str,
    realm: str,
    intent: str,
    wire_request: dict[str, Any],
    expires: datetime.datetime,
    description: str | None = None,
) -> Challenge:
    """A new challenge, its id an HMAC over its parameters (and a nonce, so that no two
    challenges are alike): the service recognizes it later without storing it."""
    return Challenge.create(
        secret_key=secret_key,
        realm=realm,
        method=METHOD,
        intent=intent,
        request=wire_request,
        expires=rfc3339(expires),
        description=description,
        meta={"nonce": secrets.token_urlsafe(16)},
    )


def authenticate(
    header: str,
    *,
    secret_key: str,
    realm: str,
    intent: str,
    wire_request: dict[str, Any],
) -> tuple[Credential, Payload]:
    """The credential of an ``Authorization: Payment ...`` value and its payload, once
    checked: issued by this service (its id), for this route (method, intent, realm
    and the very request), with a well-formed payload. Whether it expired is
    `check_unexpired`'s to say (a service answers a replay of a settled credential
    first).

    Raises:
        Refused: it is none of that; `kind` says which problem to answer.
    """
    try:
        parsed = mpp.parse_authorization(header)
    except mpp.ParseError as exc:
        raise Refused(
            problems.MalformedCredentialError, f"The credential is malformed: {exc}."
        ) from None
    echo = parsed.challenge
    if (echo.method, echo.intent, echo.realm) != (METHOD, intent, realm):
        raise Refused(
            problems.InvalidChallengeError,
            f"The credential answers a {echo.method}/{echo.intent} challenge of realm "
            f"{echo.realm!r}; this route asks for {METHOD}/{intent} of realm {realm!r}.",
        )
    try:
        echoed = _decode(echo.request)
        opaque = _decode(echo.opaque) if echo.opaque else None
        expected_id = mpp.generate_challenge_id(
            secret_key=secret_key,
            realm=echo.realm,
            method=echo.method,
            intent=echo.intent,
            request=echoed,
            expires=echo.expires,
            digest=echo.digest,
            opaque=opaque,
            header=echo.header,
        )
    except ValueError as exc:  # undecodable, or not canonical JSON
        raise Refused(
            problems.MalformedCredentialError, f"The credential is malformed: {exc}."
        ) from None
    if not hmac.compare_digest(echo.id.encode(), expected_id.encode()):
        raise Refused(
            problems.InvalidChallengeError,
            "The credential's challenge was not issued by this service (or was altered).",
        )
    if moment(echo.expires or "") is None:
        raise Refused(problems.InvalidChallengeError, "The challenge has no valid expiry.")
    if echoed != wire_request:
        raise Refused(
            problems.InvalidChallengeError,
            "The credential pays another price or recipient than this route asks now.",
        )
    try:
        payload = Payload.model_validate(parsed.payload)
    except ValidationError as exc:
        raise Refused(
            problems.InvalidPayloadError,
            f"The credential's payload is invalid: {_first_error(exc)}.",
        ) from None
    return parsed, payload


def check_unexpired(credential: Credential, now: datetime.datetime) -> None:
    """Raises `Refused` (``payment-expired``) when the credential's challenge expired."""
    expires = moment(credential.challenge.expires or "")
    if expires is None or expires <= now:
        raise Refused(
            problems.PaymentExpiredError,
            f"The challenge expired at {credential.challenge.expires}.",
        )


def refusal_detail(summary: str, *, funds: bool) -> str:
    """What a payer reads when the accounting service refused the charge of its
    credential (`summary`): that nothing was charged, and what to do next (`funds`:
    the payer's available balance was too low; else its token was refused)."""
    fix = (
        "add funds to the paying account, then pay the new challenge"
        if funds
        else "pay the new challenge with a new token for it"
    )
    return (
        f"{summary} Nothing was charged: {fix} (a paying client does when you send the "
        "request again)."
    )


def problem(
    kind: type[problems.PaymentError],
    detail: str,
    challenge_id: str | None = None,
    status: int = 402,
) -> bytes:
    """An RFC 9457 problem body of the scheme's `kind` (its ``type`` and ``title``)."""
    doc: dict[str, Any] = {"type": kind.type, "title": kind.title, "status": status}
    doc["detail"] = detail
    if challenge_id is not None:
        doc["challengeId"] = challenge_id
    return json.dumps(doc).encode()


def receipt_header(
    *,
    transaction_id: str,
    charged: Decimal,
    max_amount: Decimal,
    challenge_id: str,
    timestamp: datetime.datetime,
) -> str:
    """The ``Payment-Receipt`` value of a settled payment: the transaction, what was
    charged (``"0"`` when nothing was), the most the credential allowed, and the
    challenge it paid."""
    charged_text = "0" if not charged else amount_text(charged, "charged")
    return mpp.format_payment_receipt(
        Receipt(
            status="success",
            timestamp=timestamp,
            reference=transaction_id,
            method=METHOD,
            extensions={
                "charged_amount": charged_text,
                "max_amount": amount_text(max_amount, "max_amount"),
                "remaining": "0"
                if charged == max_amount
                else amount_text(max_amount - charged, "remaining"),
                "challengeId": challenge_id,
            },
        )
    )


def rfc3339(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


# -- helpers


def moment(text: str) -> datetime.datetime | None:
    """An RFC 3339 date-time with its offset (``Z`` or ``+00:00``); None for another."""
    try:
        when = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def _decode(text: str) -> dict[str, Any]:
    """A base64url (unpadded) JSON object, as the scheme encodes `request` and `opaque`."""
    if len(text) > _MAX_ENCODED:
        raise ValueError("an encoded parameter is too large")
    try:
        doc = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, ValueError):
        raise ValueError("an encoded parameter is not base64url JSON") from None
    if not isinstance(doc, dict):
        raise ValueError("an encoded parameter is not a JSON object")
    return doc


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "request"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}"


def _split_challenges(value: str) -> list[str]:
    """The Payment challenges of one header value: a challenge starts at a scheme
    token (a word not followed by ``=``) outside quotes; commas inside quotes stay."""
    parts: list[str] = []
    start = 0
    quoted = escaped = False
    for index, char in enumerate(value):
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            parts.append(value[start:index])
            start = index + 1
    parts.append(value[start:])
    found: list[list[str]] = []
    for part in (p.strip() for p in parts):
        scheme, _, rest = part.partition(" ")
        if scheme and "=" not in scheme and not rest.lstrip().startswith("="):
            found.append([part])  # a new challenge begins (of any scheme)
        elif found:
            found[-1].append(part)
    return [", ".join(chunk) for chunk in found if chunk[0].lower().startswith("payment ")]
