"""Reading an answer's JSON with every number range-checked before any arithmetic
(fractions as `Decimal`): a number out of range is a ValueError, like any other
broken answer."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

# Bounds on the numbers of an answer, checked before any arithmetic: the contract's
# amounts are at most 1e9 with 6 decimals, so these leave room and stop a number such
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
    if len(text) <= MAX_NUMBER_DIGITS:
        return int(text)  # short enough whatever its sign
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
        # As `json.loads` reads bytes: UTF-8, -16 or -32, by the first bytes; an object
        # whose second byte is not NUL is UTF-8 (what every answer is), found at once.
        if content[:1] == b"{" and content[1:2] != b"\x00":
            content = content.decode("utf-8", "surrogatepass")
        else:
            content = content.decode(json.detect_encoding(content), "surrogatepass")
    elif content.startswith("\ufeff"):
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", content, 0)
    return _DECODER.decode(content)
