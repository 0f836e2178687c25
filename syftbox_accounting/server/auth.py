"""Reading the Authorization header: HTTP Basic for users, Bearer for the admin."""

from __future__ import annotations

import binascii
import contextlib
import hmac

from starlette.requests import Request

from syftbox_accounting.server import headers
from syftbox_accounting.server.errors import admin_disabled, invalid_admin_key, invalid_credentials


class BasicCredentials:
    """The (email, password) readings of one Basic header.

    Clients encode credentials as UTF-8 or, like `requests`, as latin-1; bytes that are
    valid in both but read differently give two readings, tried in that order.
    """

    __slots__ = ("readings",)

    def __init__(self, readings: tuple[tuple[str, str], ...]) -> None:
        self.readings = readings

    def __repr__(self) -> str:
        # Never show the password, not even in a traceback or a debugger.
        return f"BasicCredentials(email={self.readings[0][0]!r}, password=<hidden>)"


def authorization_of(request: Request) -> str | None:
    """The request's Authorization header, or None.

    Repeated fields are read as one comma-joined list, as HTTP defines them, which no
    scheme parses: a request carrying two credentials is refused, rather than the
    service acting on one of them while a proxy in front may have checked the other.
    """
    values = headers.values(request.scope, headers.AUTHORIZATION)
    return ", ".join(values) if values else None


def parse_basic(header: str | None) -> BasicCredentials:
    """Parse `Authorization: Basic ...`, or answer 401 invalid_credentials."""
    if header is None:
        raise invalid_credentials()
    scheme, _, param = header.strip().partition(" ")
    if scheme.lower() != "basic":
        raise invalid_credentials()
    try:
        # What `base64.b64decode(validate=True)` does, less its argument checks.
        raw = binascii.a2b_base64(param.strip().encode("latin-1", "replace"), strict_mode=True)
    except binascii.Error:
        raise invalid_credentials() from None
    texts: list[str]
    try:
        texts = [raw.decode("utf-8")]
    except UnicodeDecodeError:
        texts = []
    latin1 = raw.decode("latin-1")
    if latin1 not in texts:
        texts.append(latin1)
    readings = []
    for text in texts:
        email, colon, password = text.partition(":")
        if colon and email and password:
            readings.append((email, password))
    if not readings:
        raise invalid_credentials()
    return BasicCredentials(tuple(readings))


def check_admin_key(admin_key: str) -> None:
    """Refuse (ValueError) an admin key that no client could send in a header."""
    if not admin_key.strip():
        raise ValueError("the admin key is empty: pass None to close the admin endpoints")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in admin_key):
        raise ValueError(
            "the admin key contains a control character (such as a line break), which no "
            "HTTP header can carry: use printable characters only"
        )
    if admin_key.startswith("sbk_"):
        raise ValueError(
            "the admin key starts with sbk_, the prefix of users' API keys, which the "
            "service must tell apart from it: choose another admin key"
        )
    if admin_key != admin_key.strip():
        raise ValueError(
            "the admin key starts or ends with spaces, which HTTP drops from headers: remove them"
        )


def check_admin(header: str | None, admin_key: str | None) -> None:
    """Allow the request only with `Authorization: Bearer <admin key>`.

    With no admin key configured the admin endpoints are closed (403), whatever is sent.
    """
    if admin_key is None:
        raise admin_disabled()
    if header is None:
        raise invalid_admin_key()
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise invalid_admin_key()
    # Compare bytes: the header's own (the ASGI server decodes them as latin-1, one
    # character per byte, so encoding back gives them) against the key's bytes as a client
    # may send them, UTF-8 or latin-1 (`requests`). Every candidate is compared, each in
    # constant time, so the response time says nothing about how much of the key matched.
    try:
        sent = token.strip().encode("latin-1")
    except UnicodeEncodeError:
        raise invalid_admin_key() from None
    matched = False
    for candidate in _key_encodings(admin_key):
        matched |= hmac.compare_digest(sent, candidate)
    if not matched:
        raise invalid_admin_key()


def _key_encodings(admin_key: str) -> list[bytes]:
    encodings = [admin_key.encode("utf-8")]
    with contextlib.suppress(UnicodeEncodeError):
        latin1 = admin_key.encode("latin-1")
        if latin1 != encodings[0]:
            encodings.append(latin1)
    return encodings
