"""Money, passwords, tokens and the clock, one function at a time."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from syftbox_accounting.server import passwords
from syftbox_accounting.server.auth import BasicCredentials, parse_basic
from syftbox_accounting.server.bodies import is_email, parse_object
from syftbox_accounting.server.clock import ManualClock, stamp
from syftbox_accounting.server.errors import ApiError
from syftbox_accounting.server.money import AmountError, dollars, format_micros, to_micros
from syftbox_accounting.server.responses import ExactJSONResponse, money
from syftbox_accounting.server.service import Caller
from syftbox_accounting.server.store import Account
from syftbox_accounting.server.tokens import TokenIssuer

SECRET = b"k" * 32


@pytest.mark.parametrize(
    ("text", "micros"),
    [
        ("10", 10_000_000),
        ("0.25", 250_000),
        ("0.000001", 1),
        ("1e9", 10**15),
        ("1.000000000", 1_000_000),
        ("2.5E-1", 250_000),
        ("999999999.999999", 999999999999999),
    ],
)
def test_to_micros_is_exact(text: str, micros: int) -> None:
    assert to_micros(Decimal(text)) == micros


@pytest.mark.parametrize(
    "value",
    [
        Decimal("0"),
        Decimal("-1"),
        Decimal("0.0000001"),
        Decimal("1.0000000000000000000000000001"),
        Decimal("1000000000.000001"),
        Decimal("NaN"),
        Decimal("Infinity"),
        Decimal("1e-999999"),
        Decimal("1" + "0" * 5000),
        True,
        1.5,
        "1",
        None,
    ],
)
def test_to_micros_refuses(value: object) -> None:
    with pytest.raises(AmountError):
        to_micros(value)


@given(st.integers(min_value=1, max_value=10**18))
def test_amounts_render_exactly(micros: int) -> None:
    text = bytes(ExactJSONResponse({"amount": money(micros)}).body)
    assert json.loads(text, parse_float=Decimal)["amount"] * 1_000_000 == micros
    assert text.decode() == f'{{"amount":{format_micros(micros)}}}'
    assert "e" not in format_micros(micros).lower()


def test_parse_object_keeps_numbers_exact() -> None:
    body = parse_object(b'{"amount": 0.1, "n": 10, "x": NaN}')
    assert body["amount"] == Decimal("0.1")
    assert body["n"] == Decimal(10)
    assert body["x"].is_nan()


@pytest.mark.parametrize(
    ("email", "valid"),
    [
        ("alice@example.com", True),
        ("a+b/c=d?e#f%g@sub.example.io", True),
        ("a@b.test", True),
        ("x@a.b", True),
        ("a@b", False),
        ("a@@b.com", False),
        ("a b@c.com", False),
        ("@b.com", False),
        ("a@-b.com", False),
        ("a@b..com", False),
        (".a@b.com", False),
        ("é@b.com", False),
        ("a" * 65 + "@b.com", False),
        ("a@" + "b" * 250 + ".com", False),
        ("a@b.com\n", False),
    ],
)
def test_is_email(email: str, valid: bool) -> None:
    assert is_email(email) is valid


def test_production_password_hash_parameters() -> None:
    # Checked without the tests' lower cost (see conftest.py).
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "SCRYPT_N", 2**14)
        stored = passwords.hash_password("correct-horse")
    scheme, n, r, p, _, _ = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert passwords.verify_password("correct-horse", stored)
    assert not passwords.verify_password("correct-horse ", stored)
    assert "correct-horse" not in stored
    assert passwords.hash_password("correct-horse") != passwords.hash_password("correct-horse")


def test_verified_credentials_cache() -> None:
    cache = passwords.VerifiedCredentials(max_entries=2)
    stored = passwords.hash_password("old-password")
    assert not cache.is_cached("id", "old-password", stored)
    assert cache.verify("id", "old-password", stored)
    assert cache.is_cached("id", "old-password", stored)
    assert not cache.verify("id", "wrong-password", stored)
    assert not cache.is_cached("id", "wrong-password", stored)
    # A new hash (a password change) matches no entry made for the old one.
    assert not cache.is_cached("id", "old-password", passwords.hash_password("old-password"))
    # A password just hashed into `stored` may be remembered without a second hash.
    cache.remember("new-id", "new-password", stored)
    assert cache.is_cached("new-id", "new-password", stored)
    assert not cache.is_cached("new-id", "old-password", stored)
    for n in range(3):
        cache.verify(f"id{n}", "old-password", stored)
    assert not cache.is_cached("id", "old-password", stored)  # evicted: bounded


def test_generated_passwords_are_long_and_random() -> None:
    generated = {passwords.generate_password() for _ in range(100)}
    assert len(generated) == 100
    assert all(len(p) == 32 for p in generated)


def test_secrets_stay_out_of_reprs() -> None:
    credentials = parse_basic("Basic YWxpY2VAZXhhbXBsZS5jb206czNjcjN0LXB3")
    assert isinstance(credentials, BasicCredentials)
    assert credentials.readings == (("alice@example.com", "s3cr3t-pw"),)
    assert "s3cr3t" not in repr(credentials)
    caller = Caller(Account("id", "alice@example.com", "hash", None, 0), "s3cr3t-pw")
    assert "s3cr3t" not in repr(caller)


def test_latin1_and_utf8_readings_of_a_basic_header() -> None:
    import base64

    utf8 = base64.b64encode("a@b.co:é".encode()).decode()
    # UTF-8 first; the same bytes read as latin-1 are tried too.
    assert parse_basic(f"Basic {utf8}").readings == (("a@b.co", "é"), ("a@b.co", "Ã©"))
    latin1 = base64.b64encode("a@b.co:é".encode("latin-1")).decode()
    assert parse_basic(f"basic {latin1}").readings == (("a@b.co", "é"),)


def test_token_issuer() -> None:
    now = [1_800_000_000.0]
    issuer = TokenIssuer(SECRET, 60, clock=lambda: now[0])
    token = issuer.issue("payer@example.com", "svc@example.com")
    payload = jwt.decode(
        token, SECRET, algorithms=["HS256"], options={"verify_iat": False, "verify_exp": False}
    )
    assert payload["exp"] - payload["iat"] == 60
    assert isinstance(payload["exp"], int)
    claims = issuer.verify(token)
    assert (claims.sender_email, claims.recipient_email) == ("payer@example.com", "svc@example.com")
    now[0] += 60
    with pytest.raises(ApiError) as expired:
        issuer.verify(token)
    assert expired.value.code == "token_expired"
    other = TokenIssuer(b"o" * 32, 60, clock=lambda: now[0])
    with pytest.raises(ApiError) as forged:
        other.verify(token)
    assert forged.value.code == "token_invalid"


def test_token_issuer_refuses_weak_settings() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        TokenIssuer(b"short", 60)
    for lifetime in (0, -1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="token_lifetime"):
            TokenIssuer(SECRET, lifetime)


def test_token_with_missing_or_odd_claims_is_invalid() -> None:
    issuer = TokenIssuer(SECRET, 60)
    for payload in (
        {"id": "1", "senderEmail": "a@b.co", "recipientEmail": "c@d.co", "iat": 1},
        {
            "id": 1,
            "senderEmail": "a@b.co",
            "recipientEmail": "c@d.co",
            "iat": 1,
            "exp": 4_000_000_000,
        },
        {"id": "1", "senderEmail": "a@b.co", "recipientEmail": "c@d.co", "iat": 1, "exp": "never"},
    ):
        with pytest.raises(ApiError) as rejected:
            issuer.verify(jwt.encode(payload, SECRET, algorithm="HS256"))
        assert rejected.value.code == "token_invalid"


@pytest.mark.parametrize(
    ("micros", "text"),
    [
        (0, "$0.00"),
        (1, "$0.000001"),
        (10**6, "$1.00"),
        (1_230_000, "$1.23"),
        (1_234_500, "$1.2345"),
    ],
)
def test_dollars_in_messages_show_cents_at_least_and_stay_exact(micros: int, text: str) -> None:
    assert dollars(micros) == text


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@given(st.integers(min_value=0, max_value=4_000_000_000_000))
def test_stamp_writes_the_millisecond_as_the_store_orders_it(millis: int) -> None:
    text = stamp(millis / 1000)
    # Read back exactly (no float): `millis / 1000` may be a float just below the
    # millisecond (129.903 is 129.90299999...), which the stamp cuts down to 129.902.
    written = (datetime.fromisoformat(text) - EPOCH) // timedelta(milliseconds=1)
    assert millis - 1 <= written <= millis
    assert text.endswith("+00:00")
    assert len(text) == len("2027-01-15T08:00:00.000+00:00")


def test_stamp_never_rounds_up_to_the_next_millisecond() -> None:
    assert stamp(1_800_000_059.9999) == "2027-01-15T08:00:59.999+00:00"
    assert stamp(0) == "1970-01-01T00:00:00.000+00:00"


def test_a_manual_clock_moves_forward_only_when_told() -> None:
    clock = ManualClock(start=1_800_000_000)
    assert clock() == clock() == 1_800_000_000.0
    assert clock.advance(0.5) == clock() == 1_800_000_000.5
    for bad in (-1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="0 seconds or more"):
            clock.advance(bad)
    assert "2027-01-15T08:00:00.500" in repr(clock)


@given(st.floats(min_value=0, max_value=4e9), st.floats(min_value=0, max_value=4e9))
def test_stamps_sort_as_the_times_they_write(a: float, b: float) -> None:
    # The store compares expiries as text: text order must be time order.
    earlier, later = sorted((a, b))
    assert stamp(earlier) <= stamp(later)
