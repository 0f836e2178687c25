"""Transaction tokens: HS256 JWTs `{id, senderEmail, recipientEmail, iat, exp}`, plus
`maxAmount` when the payer bounded the charge."""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeGuard

import jwt

from syftbox_accounting.server.errors import token_expired, token_invalid
from syftbox_accounting.server.money import AmountError, format_micros, to_micros

ALGORITHM = "HS256"
# RFC 7518 asks for an HMAC key at least as long as the hash (256 bits).
MIN_SECRET_BYTES = 32
_CLAIMS = ("id", "senderEmail", "recipientEmail", "iat", "exp")


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """What a verified token says."""

    id: str
    sender_email: str
    recipient_email: str
    max_amount: int | None = None  # micro-dollars
    expires: float = math.inf  # the `exp` claim: a hold it pays for lapses by then


class TokenIssuer:
    """Signs and verifies transaction tokens with one secret and one lifetime."""

    def __init__(
        self, secret: bytes, lifetime: float, clock: Callable[[], float] = time.time
    ) -> None:
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(f"token_secret must be at least {MIN_SECRET_BYTES} bytes long")
        if not (math.isfinite(lifetime) and lifetime > 0):
            raise ValueError("token_lifetime must be a positive number of seconds")
        self._secret = secret
        # An integral lifetime stays an int, so `exp` is a plain NumericDate like the public
        # service's (`exp - iat = 86400`).
        self._lifetime: float = int(lifetime) if lifetime == int(lifetime) else lifetime
        self._clock = clock

    @property
    def lifetime(self) -> float:
        return self._lifetime

    def issue(
        self,
        sender_email: str,
        recipient_email: str,
        *,
        max_amount: int | None = None,
        expires_in: int | None = None,
    ) -> str:
        """A token; `max_amount` (micro-dollars) bounds its charge, `expires_in`
        (seconds) shortens its life (never beyond this issuer's lifetime)."""
        iat = int(self._clock())
        lifetime = self._lifetime if expires_in is None else min(expires_in, self._lifetime)
        payload: dict[str, object] = {
            "id": str(uuid.uuid4()),
            "senderEmail": sender_email,
            "recipientEmail": recipient_email,
            "iat": iat,
            "exp": iat + lifetime,
        }
        if max_amount is not None:
            # A JSON number, written exactly as the amounts of the contract are.
            payload["maxAmount"] = _dollars(max_amount)
        return jwt.encode(payload, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> TokenClaims:
        """The token's claims, or a 403 token_invalid / token_expired ApiError."""
        try:
            payload = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                # Times are checked below with this issuer's clock, and expiry to the
                # fraction of a second that PyJWT would truncate.
                options={"require": list(_CLAIMS), "verify_exp": False, "verify_iat": False},
            )
        except jwt.InvalidTokenError:
            raise token_invalid("it is malformed or was not issued by this service") from None
        return self._claims(payload)

    def _claims(self, payload: dict[str, object]) -> TokenClaims:
        if not (_is_number(payload["iat"]) and _is_number(exp := payload["exp"])):
            raise token_invalid("its iat or exp claim is not a number")
        token_id, sender, recipient = (
            payload["id"],
            payload["senderEmail"],
            payload["recipientEmail"],
        )
        if not (
            isinstance(token_id, str) and isinstance(sender, str) and isinstance(recipient, str)
        ):
            raise token_invalid("its claims are not strings")
        if self._clock() >= exp:
            raise token_expired()
        return TokenClaims(
            id=token_id,
            sender_email=sender,
            recipient_email=recipient,
            max_amount=_limit(payload.get("maxAmount")),
            expires=float(exp),
        )


def _dollars(micros: int) -> int | float:
    text = format_micros(micros)
    return int(text) if "." not in text else float(text)


def _limit(value: object) -> int | None:
    if value is None:
        return None
    if not _is_number(value):
        raise token_invalid("its maxAmount claim is not a number")
    try:
        return to_micros(Decimal(repr(value)) if isinstance(value, float) else Decimal(value))
    except AmountError:
        raise token_invalid("its maxAmount claim is not an amount") from None


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)
