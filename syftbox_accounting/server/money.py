"""Exact money: US dollars kept as integers of one micro-dollar (0.000001 USD)."""

from __future__ import annotations

import re
from decimal import Decimal

MICROS_PER_DOLLAR = 1_000_000
DECIMAL_PLACES = 6
# The largest amount one request may move (the contract's `maximum`).
MAX_AMOUNT_MICROS = 1_000_000_000 * MICROS_PER_DOLLAR
# A balance stays well inside SQLite's signed 64-bit integers, where arithmetic is exact.
MAX_BALANCE_MICROS = 10**18


class AmountError(ValueError):
    """An amount the service refuses; the message says what it must be."""


class PrecisionError(AmountError):
    """An amount finer than one micro-dollar."""


def to_micros(value: object) -> int:
    """Convert a JSON number (parsed as `Decimal`) to micro-dollars, exactly or not at all."""
    # bool is checked apart: JSON `true` must never count as the number 1.
    if isinstance(value, bool) or not isinstance(value, Decimal):
        raise AmountError("must be a JSON number of US dollars, such as 10 or 0.25")
    if not value.is_finite():
        raise AmountError("must be a finite number (NaN and infinity are not amounts)")
    if value <= 0:
        raise AmountError("must be greater than 0")
    if value > MAX_AMOUNT_MICROS // MICROS_PER_DOLLAR:
        raise AmountError("must be at most 1000000000")
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite, checked above
    if exponent >= -DECIMAL_PLACES:
        # Whole micro-dollars, at most 1e9 dollars: the exact ratio of small integers
        # (no Decimal arithmetic, which rounds to the context's precision).
        numerator, denominator = value.as_integer_ratio()
        return numerator * MICROS_PER_DOLLAR // denominator
    # Read the digits ourselves: Decimal arithmetic would round to the context's precision.
    significant = len(digits)
    while significant > 1 and digits[significant - 1] == 0:
        significant -= 1
    exponent += len(digits) - significant
    if exponent < -DECIMAL_PLACES:
        raise PrecisionError("must have at most 6 decimal places (one micro-dollar)")
    # At most 1e9 with 6 places: a handful of digits, so int() is cheap and safe here.
    number = int("".join(map(str, digits[:significant])))
    return int(number * 10 ** (exponent + DECIMAL_PLACES))


# The contract's decimal string of an amount (`DecimalAmount`): digits without leading
# zeros, then optionally a point and 1 to 6 digits. ASCII digits only (`\d` would take
# other scripts' digits); more decimals are matched here only to say what is wrong.
_DECIMAL_TEXT = re.compile(r"(?:0|[1-9][0-9]{0,17})(?:\.(?P<fraction>[0-9]+))?")


def text_to_micros(value: object) -> int:
    """Convert an amount's decimal string (``"150.1"``) to micro-dollars, exactly or not
    at all, with the bounds of `to_micros`."""
    if not isinstance(value, str):
        raise AmountError('must be a string of decimal digits, such as "10" or "0.25"')
    match = _DECIMAL_TEXT.fullmatch(value) if len(value) <= 64 else None
    if match is None:
        raise AmountError(
            'must be decimal digits with an optional point, such as "10" or "0.25" '
            "(no sign, exponent, spaces or leading zeros)"
        )
    if len(match.group("fraction") or "") > DECIMAL_PLACES:
        raise AmountError("must have at most 6 decimal places (one micro-dollar)")
    return to_micros(Decimal(value))


def from_decimal(value: Decimal) -> int:
    """Convert a configured amount (such as the initial credit, 0 allowed) to micro-dollars."""
    if value.is_finite() and value < 0:
        raise AmountError("must be 0 or more")
    if value == 0:
        return 0
    return to_micros(value)


def format_micros(micros: int) -> str:
    """The JSON text of an amount: `10` for ten dollars, `0.25` for a quarter, never float noise."""
    sign = "-" if micros < 0 else ""
    whole, fraction = divmod(abs(micros), MICROS_PER_DOLLAR)
    if fraction == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{fraction:06d}".rstrip("0")


def dollars(micros: int) -> str:
    """An amount for a message: `$1.23`, `$10.00`, `$0.000001` (cents at least, exact)."""
    text = format_micros(micros)
    whole, _, fraction = text.partition(".")
    return f"${whole}.{fraction.ljust(2, '0')}"
