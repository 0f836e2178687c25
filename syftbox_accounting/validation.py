"""Checks on user input, run before any request is sent.

Each check returns the normalized value or raises `InvalidInputError` naming the
parameter, what was wrong and what it must be. Secrets are never echoed.
"""

from __future__ import annotations

import datetime
import functools
import inspect
import ipaddress
import math
import numbers
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar
from urllib.parse import urlsplit

from syftbox_accounting.defaults import ENV_ALLOW_INSECURE_HTTP, ENV_URL
from syftbox_accounting.errors import (
    BAD_SETTING,
    INSECURE_HTTP,
    KEY_AS_PASSWORD,
    InvalidInputError,
)
from syftbox_accounting.types import ApiKeyScope, TransactionStatus

# The contract's bounds (openapi.yaml, `Amount`): > 0, at most 1e9, at most 6 decimals.
MAX_AMOUNT = Decimal(1_000_000_000)
AMOUNT_PLACES = 6
MAX_EMAIL_LENGTH = 254
MAX_PASSWORD_LENGTH = 256
MAX_ORGANIZATION_LENGTH = 128
MAX_APP_NAME_LENGTH = 256
MAX_ENDPOINT_LENGTH = 1024
MAX_TOKEN_LENGTH = 4096
MAX_TRANSACTION_ID_LENGTH = 64
# The contract's `limit` on one page, and the most one history call gathers.
MAX_PAGE_SIZE = 1000
MAX_HISTORY_LIMIT = 10_000
MAX_IDEMPOTENCY_KEY_LENGTH = 255
MAX_TOKEN_LIFETIME = 86400  # seconds: the contract's bound on `expiresIn` and `holdFor`
MAX_REASON_LENGTH = 512
MAX_KEY_LIFETIME = 365 * 86400  # seconds: the contract's bound on an API key's `expiresIn`
MAX_KEY_NAME_LENGTH = 100
# The contract's range for `createdAfter` and `createdBefore`, once in UTC.
FIRST_YEAR, LAST_YEAR = 1, 9998

MAX_EMAIL_LOCAL_LENGTH = 64  # RFC 5321's limit for the part before the @
# An address any mail system could deliver: a dot-atom local part (no quoted local
# parts, no dot at either end or twice) and a dotted domain name (no IP literals).
# Beside the contract's ASCII atext, the local part may hold letters of other scripts
# (RFC 6531): an account of the public service may have such an address, and refusing it
# here would lock its owner out; our service answers 422 to one, which says so.
_ATOM = r"(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]|[^\x00-\x9f\s])+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"(?P<local>{_ATOM}(?:\.{_ATOM})*)@{_LABEL}(?:\.{_LABEL})+")


def _type_name(value: object) -> str:
    return type(value).__name__


def _text(name: str, value: object, *, max_length: int, secret: bool = False) -> str:
    if not isinstance(value, str):
        raise InvalidInputError(f"{name} must be a string, not {_type_name(value)}.")
    if not value.strip():
        raise InvalidInputError(f"{name} must not be empty.")
    if len(value) > max_length:
        raise InvalidInputError(f"{name} is too long: at most {max_length} characters.")
    # Every control character: C0, DEL and C1 (``\x9b`` starts a terminal escape as
    # ``\x1b[`` does), which a name or label shown elsewhere would carry raw.
    if not secret and any(unicodedata.category(c) == "Cc" for c in value):
        raise InvalidInputError(f"{name} must not contain control characters.")
    return value


def email(value: object, name: str = "email") -> str:
    """An email address, e.g. ``"alice@example.com"``. A value refused is echoed only
    when it has an ``@``: another may be a secret given in the wrong place (an API key,
    or a password swapped with the email)."""
    if isinstance(value, str) and _is_api_key(value.strip()):
        raise InvalidInputError(
            f"{name} is the secret of an API key ({api_key_hint(value.strip())}), not an "
            "email address: pass a key as api_key=..., and an email here."
        )
    text = _text(name, value, max_length=MAX_EMAIL_LENGTH, secret=True)
    if "@" not in text:
        raise InvalidInputError(
            f"{name} is not a valid email address (it has no @): use the form name@example.com."
        )
    text = _text(name, text, max_length=MAX_EMAIL_LENGTH).strip()
    match = _EMAIL.fullmatch(text)
    if match is None or len(match.group("local")) > MAX_EMAIL_LOCAL_LENGTH:
        raise InvalidInputError(
            f"{name} {text!r} is not a valid email address: use the form name@example.com."
        )
    return text


class Hidden:
    """A secret held where a traceback may show it (tracebacks that capture
    locals print every local's repr): its repr is ``***``."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value: Any = value.value if isinstance(value, Hidden) else value

    def __repr__(self) -> str:
        return "Hidden(***)"


F = TypeVar("F", bound=Callable[..., Any])


def hides(*names: str) -> Callable[[F], F]:
    """Wrap the arguments `names` of a function in `Hidden` before its body runs, so
    that a traceback that captures locals (rich, ``pytest --showlocals``) shows
    ``Hidden(***)`` for them in every frame. The body receives the `Hidden` values:
    it passes them on to code that accepts one (the flows, the checks here).

    >>> @hides("password")
    ... def configure(self, email: str, password: str) -> None: ...
    """

    def decorate(function: F) -> F:
        signature = inspect.signature(function)
        unknown = set(names) - set(signature.parameters)
        if unknown:
            raise TypeError(f"{function.__qualname__} has no parameter {sorted(unknown)}")
        where = function.__qualname__

        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            async def hiding_async(*args: Any, **kwargs: Any) -> Any:
                __tracebackhide__ = True
                bound = _bind_hidden(signature, names, args, kwargs)
                del args, kwargs  # only the hidden arguments stay in this frame
                if isinstance(bound, str):
                    raise TypeError(f"{where}(): {bound}")
                return await function(*bound.args, **bound.kwargs)

            return hiding_async  # type: ignore[return-value]

        @functools.wraps(function)
        def hiding(*args: Any, **kwargs: Any) -> Any:
            __tracebackhide__ = True
            bound = _bind_hidden(signature, names, args, kwargs)
            del args, kwargs  # only the hidden arguments stay in this frame
            if isinstance(bound, str):
                raise TypeError(f"{where}(): {bound}")
            return function(*bound.args, **bound.kwargs)

        return hiding  # type: ignore[return-value]

    return decorate


def _bind_hidden(
    signature: inspect.Signature,
    names: tuple[str, ...],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> inspect.BoundArguments | str:
    """The arguments bound, `names` hidden; or what is wrong with them (the caller
    raises it once no frame holds the secret)."""
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError as exc:
        return str(exc)
    for name in names:
        if name in bound.arguments:
            bound.arguments[name] = Hidden(bound.arguments[name])
    return bound


def _secret_problem(name: str, value: object, max_length: int) -> str | None:
    """What is wrong with a secret, without raising (so that no frame holding it
    is in the traceback)."""
    if not isinstance(value, str):
        return f"{name} must be a string, not {_type_name(value)}."
    if not value.strip():
        return f"{name} must not be empty."
    if len(value) > max_length:
        return f"{name} is too long: at most {max_length} characters."
    return None


# What a new password may hold (openapi.yaml, Passwords): printable Latin-1, the only
# characters every generated client can put in HTTP Basic (urllib3 encodes Latin-1,
# `btoa` throws above U+00FF).
# A pattern, compiled (and cached by `re`) when a password is first set, not at import.
_NEW_PASSWORD = r"[\x20-\x7e\xa0-\xff]+"
NEW_PASSWORD_CHARACTERS = (
    "printable Latin-1 only: ASCII letters, digits, punctuation and spaces, and the "
    "characters U+00A0 to U+00FF (such as é, ñ, ß); no emoji, other scripts or control "
    "characters, which HTTP Basic authentication cannot carry in every client"
)


def password(value: object, name: str = "password", *, new: bool = False) -> str:
    """A password (or a `Hidden` one): any non-empty string. A new one needs 8 to 256
    characters of printable Latin-1 (`NEW_PASSWORD_CHARACTERS`); one that exists
    already is taken as it is, so accounts made before that rule keep working."""
    secret = Hidden(value)
    del value
    problem = _secret_problem(name, secret.value, MAX_PASSWORD_LENGTH)
    if problem is None and _is_api_key(str(secret.value).strip()):
        # Sent as a password, a key would travel to services that may not know keys.
        raise InvalidInputError(
            f"{name} is an API key ({api_key_hint(str(secret.value).strip())}), not a password:",
            hint="pass it as api_key=... (or set SYFTBOX_ACCOUNTING_API_KEY), and a password here.",
            hint_key=KEY_AS_PASSWORD,
        )
    if problem is None and new:
        if len(str(secret.value)) < 8:
            problem = f"{name} is too short: use at least 8 characters."
        elif not re.fullmatch(_NEW_PASSWORD, str(secret.value)):
            # Says which characters, never which of them was wrong (that would show it).
            problem = (
                f"{name} has a character the service does not take: use {NEW_PASSWORD_CHARACTERS}."
            )
    if problem is not None:
        raise InvalidInputError(problem)
    return str(secret.value)


def admin_key(value: object, name: str = "admin_key") -> str:
    """The admin key (or a `Hidden` one): it travels in an HTTP header, so it may hold
    no control character (a line break, a tab, NUL, DEL, C1) and no space at either end
    (a header's ends are trimmed), which the service could never have as its key."""
    secret = Hidden(value)
    del value
    problem = _admin_key_problem(name, secret.value)
    if problem is not None:
        raise InvalidInputError(problem)
    return str(secret.value)


def _admin_key_problem(name: str, value: object) -> str | None:
    """What is wrong with an admin key, without raising (see `_secret_problem`)."""
    problem = _secret_problem(name, value, MAX_PASSWORD_LENGTH)
    if problem is None:
        text = str(value)
        if any(unicodedata.category(c) == "Cc" for c in text):
            problem = (
                f"{name} contains a control character (such as a line break or a tab), "
                "which no HTTP header can carry: check how the key was read (a trailing "
                "newline from a file?) and pass its printable characters only."
            )
        elif text != text.strip():
            problem = (
                f"{name} starts or ends with spaces, which HTTP removes from a header: remove them."
            )
    return problem


API_KEY_PREFIX = "sbk_"
_API_KEY_LENGTH = len(API_KEY_PREFIX) + 43


def _is_api_key(text: str) -> bool:
    """``sbk_`` and 43 ASCII letters and digits (isalnum() alone takes any script's)."""
    return (
        len(text) == _API_KEY_LENGTH
        and text.startswith(API_KEY_PREFIX)
        and text.isascii()
        and text[len(API_KEY_PREFIX) :].isalnum()
    )


def api_key(value: object, name: str = "api_key") -> str:
    """An API key (or a `Hidden` one): ``sbk_`` and 43 letters and digits, as
    `create_api_key()` gives it. The value is never echoed."""
    secret = Hidden(value)
    del value
    if isinstance(secret.value, str):
        secret = Hidden(secret.value.strip())
    problem = _secret_problem(name, secret.value, 256)
    if problem is None and not _is_api_key(str(secret.value)):
        problem = (
            f"{name} is not an API key: one is sbk_ followed by 43 letters and digits, as "
            "create_api_key() or `syftbox-accounting keys create` shows it (a password "
            "goes in password=)."
        )
    if problem is not None:
        raise InvalidInputError(problem)
    return str(secret.value)


def key_id(value: object, name: str = "key_id", listing: str = "list_api_keys()") -> str:
    """The `id` of an API key (``key_...``), never its secret: a secret given in its
    place is refused, unechoed and unsent, with its hint to find its id by (in the
    list `listing` names)."""
    return _an_id(value, name, "its id (key_..., as " + listing + " shows)", 64, listing)


def _an_id(value: object, name: str, what: str, max_length: int, listing: str) -> str:
    """An id, stripped: `value` checked as `_text` does, but first refused, unechoed, if
    it is an API key's secret (pasted where an id belongs, it must not be sent)."""
    if isinstance(value, str) and _is_api_key(value.strip()):
        hint = api_key_hint(value.strip())
        raise InvalidInputError(
            f"{name} is the secret of an API key ({hint}), not {what}; nothing was sent.",
            hint=f"Revoke that key (its id is the one {listing} shows beside {hint}): the "
            "secret was exposed where it was typed.",
        )
    return _text(name, value, max_length=max_length).strip()


def api_key_hint(secret: str) -> str:
    """The hint the contract lists for a key (its prefix and last 4 characters), by
    which a client recognises its own key among the account's."""
    return f"{API_KEY_PREFIX}...{secret[-4:]}"


def optional_text(name: str, value: object, *, max_length: int) -> str | None:
    """An optional label (organization, app name, endpoint): None or a string."""
    if value is None:
        return None
    return _text(name, value, max_length=max_length)


def token(value: object, name: str = "token") -> str:
    """A transaction token (or a `Hidden` one), as `create_transaction_token` returns."""
    secret = Hidden(value)
    del value
    problem = _secret_problem(name, secret.value, MAX_TOKEN_LENGTH)
    if problem is not None:
        raise InvalidInputError(problem)
    return str(secret.value).strip()


def transaction_id(
    value: object, name: str = "transaction_id", keys_listing: str = "list_api_keys()"
) -> str:
    """The `id` of a transaction (never an API key's secret: see `_an_id`, whose advice
    names `keys_listing`)."""
    what = "a transaction's id"
    return _an_id(value, name, what, MAX_TRANSACTION_ID_LENGTH, keys_listing)


def number(value: Any, name: str = "amount") -> Any:
    """`value` as an int, float or Decimal when it is a number of another type, else as
    it is (for the caller to refuse). Any `numbers.Integral` (numpy's ``int64``) is its
    int. A real number of another precision (numpy's ``float32``, ``float16``) is read
    as it prints, its shortest text that reads back as the same value (``0.1``, not the
    0.10000000149011612 a float makes of it), checked by reading that text back with its
    own type; one that does not read back is refused, saying how to convert it. bool
    stays a bool.

    Raises:
        InvalidInputError: a real number whose text is not the number it is.
    """
    if isinstance(value, bool | int | float | Decimal | str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Rational):
        text = str(value)
        reader: Callable[[str], object] = type(value)  # numpy's float32("0.1")
        try:
            exact = Decimal(text)
            same = exact.is_finite() and reader(text) == value
        except Exception:  # any text, or any type, that does not read back: refused below
            same = False
        if same:
            return exact
        if not math.isfinite(float(value)):
            return float(value)  # refused as the float it is: "must be a finite number"
        raise InvalidInputError(
            f"{name} is a {_type_name(value)} whose text does not read back as its value: "
            "convert it to a Decimal of the price you mean, such as Decimal(str(x)), or "
            "to a float64."
        )
    return value


def amount(value: Any, name: str = "amount", *, maximum: Decimal = MAX_AMOUNT) -> Decimal:
    """An amount of US dollars: an int, float or Decimal (or another number type, see
    `number`), > 0, at most `maximum` (1e9, what one request may move), with at most 6
    decimal places. Floats are read as their shortest decimal form, so ``0.1`` means
    exactly 0.1."""
    value = number(value, name)
    if isinstance(value, str):
        # The text is not echoed: a string in the wrong place may be a token.
        raise InvalidInputError(
            f"{name} must be a number (int, float or Decimal), not str: for a price "
            "in text, pass Decimal(text)."
        )
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise InvalidInputError(
            f"{name} must be a number (int, float or Decimal), not {_type_name(value)}."
        )
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidInputError(f"{name} must be a finite number, not {value}.")
    try:
        # float.__repr__, not repr(): a subclass's repr need not be a number (numpy's
        # float64, a pandas column's values, says `np.float64(0.1)`).
        exact = Decimal(float.__repr__(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation as exc:  # pragma: no cover - every int/Decimal converts
        raise InvalidInputError(f"{name} is not a number.") from exc
    if not exact.is_finite():
        raise InvalidInputError(f"{name} must be a finite number, not {value}.")
    if exact <= 0:
        raise InvalidInputError(f"{name} must be greater than 0, got {_decimal_text(exact)}.")
    # Before any arithmetic or formatting: a Decimal such as 1e999999999 would make
    # both fail or eat memory, and a message must not echo a million digits.
    if exact.adjusted() > maximum.adjusted():
        raise InvalidInputError(f"{name} must be at most {maximum}, got {_decimal_text(exact)}.")
    if exact.adjusted() < -AMOUNT_PLACES or len(exact.as_tuple().digits) > 30:
        raise InvalidInputError(
            f"{name} {_decimal_text(exact)} is too precise: use at most {AMOUNT_PLACES} "
            "decimal places (one micro-dollar)."
        )
    if exact > maximum:
        raise InvalidInputError(f"{name} must be at most {maximum}, got {exact:f}.")
    if exact != exact.quantize(Decimal(1).scaleb(-AMOUNT_PLACES)):
        raise InvalidInputError(
            f"{name} {exact:f} is too precise: use at most {AMOUNT_PLACES} decimal places "
            f"(one micro-dollar).{_float_hint(value)}"
        )
    return exact


def _float_hint(value: object) -> str:
    """How to fix a float that float arithmetic left with noise past the sixth place."""
    if not isinstance(value, float):
        return ""
    return (
        f" Float arithmetic leaves such digits (0.1 + 0.2 is 0.30000000000000004): round "
        f"it with round(x, {AMOUNT_PLACES}), or compute prices in Decimal."
    )


def _decimal_text(value: Decimal) -> str:
    """`value` for a message, never more than a few dozen characters."""
    if -20 < value.adjusted() < 20 and len(value.as_tuple().digits) <= 30:
        return f"{value:f}"
    return f"{value:.3e}"


def count(value: object, name: str, *, maximum: int) -> int:
    """A whole number from 1 to `maximum`."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise InvalidInputError(f"{name} must be an int from 1 to {maximum}, got {value!r}.")
    return value


def moment(value: object, name: str) -> datetime.datetime | None:
    """None, or a date-time with a UTC offset (a naive one would be read in an unknown
    time zone)."""
    if value is None:
        return None
    if not isinstance(value, datetime.datetime):
        raise InvalidInputError(f"{name} must be a datetime, not {_type_name(value)}.")
    if value.utcoffset() is None:
        raise InvalidInputError(
            f"{name} has no time zone: pass an aware datetime, e.g. "
            "datetime.datetime.now(datetime.UTC)."
        )
    try:
        year = value.astimezone(datetime.UTC).year
    except OverflowError:  # e.g. 0001-01-01T00:00:00+05:00 has no UTC form
        year = 0
    if not FIRST_YEAR <= year <= LAST_YEAR:  # the contract's range; the service says 422
        raise InvalidInputError(
            f"{name} must fall between the years {FIRST_YEAR} and {LAST_YEAR} once in UTC, "
            f"got {value.isoformat()}."
        )
    return value


def idempotency_key(value: object, name: str = "idempotency_key") -> str | None:
    """An optional idempotency key: 1 to 255 visible ASCII characters, such as a
    UUID or the id of the job being paid for."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInputError(f"{name} must be a string or None, not {_type_name(value)}.")
    # Visible ASCII is U+0021 to U+007E: printable ASCII without the space.
    if not (
        0 < len(value) <= MAX_IDEMPOTENCY_KEY_LENGTH
        and value.isascii()
        and value.isprintable()
        and " " not in value
    ):
        raise InvalidInputError(
            f"{name} must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters (no "
            "spaces), such as a UUID or a job id."
        )
    return value


def window(
    after: object, before: object, names: tuple[str, str] = ("created_after", "created_before")
) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """`created_after` and `created_before` (called `names` in messages): aware
    date-times, the first earlier."""
    start, end = moment(after, names[0]), moment(before, names[1])
    if start is not None and end is not None and start >= end:
        raise InvalidInputError(f"{names[1]} must be later than {names[0]}.")
    return start, end


def status(value: object) -> TransactionStatus | None:
    """None, or a `TransactionStatus` (or its name, e.g. ``"PENDING"``)."""
    # The filter is a request enum, closed: an UNKNOWN status read from an answer is no
    # value the service's filter takes.
    if value is None or (isinstance(value, TransactionStatus) and value.known):
        return value
    if isinstance(value, str) and value.upper() in TransactionStatus.__members__:
        return TransactionStatus(value.upper())
    if isinstance(value, str) and value.upper() == "EXPIRED":  # what history tables show
        raise InvalidInputError(
            f"status {value!r} is no status of the service: a hold that lapsed is CANCELLED "
            "(its expired is True): pass status='CANCELLED' and keep the transactions "
            "whose expired is True."
        )
    raise InvalidInputError(
        f"status must be a TransactionStatus (PENDING, COMPLETED or CANCELLED), got {value!r}."
    )


def optional_amount(value: Any, name: str) -> Decimal | None:
    """None, or an amount (see `amount`)."""
    return None if value is None else amount(value, name)


def captured(
    value: Any,
    name: str = "amount",
    *,
    cancel: str = "cancel_transaction() the charge",
    refund: str = "refund_transaction()",
) -> Decimal | None:
    """What confirming a charge captures: None (all it holds) or an amount (see
    `amount`). 0 and negative amounts are refused saying what does that instead:
    `cancel` and `refund` name it (a front end names its own commands)."""
    if value is None:
        return None
    if is_zero(value):
        raise InvalidInputError(
            f"{name} {_negative_text(value)} captures nothing: {cancel} instead (nothing "
            "moves, and what it holds is released)."
        )
    if _is_negative(value):
        raise InvalidInputError(
            f"{name} must be more than 0, got {_negative_text(value)}: the price captured "
            f"cannot be negative ({refund} gives money back once it is confirmed)."
        )
    return amount(value, name)


def capture(value: Any, held: Decimal, name: str = "amount") -> Decimal:
    """The final price of a charge that holds `held`: 0 (nothing moves) up to `held`."""
    if is_zero(value):
        return Decimal(0)
    if _is_negative(value):
        raise InvalidInputError(
            f"{name} must be 0 (nothing moves) or more, got {_negative_text(value)}: the price "
            "captured cannot be negative (refund_transaction() gives money back)."
        )
    price = amount(value, name)
    if price > held:
        raise InvalidInputError(
            f"{name} {_decimal_text(price)} is above the {_decimal_text(held)} this charge "
            "holds: capture at most what it holds (charge a larger amount up front to be "
            "able to capture more)."
        )
    return price


def _negative_text(value: object) -> str:
    value = number(value)
    return _decimal_text(value) if isinstance(value, Decimal) else _shown(value)


def _is_negative(value: object) -> bool:
    value = number(value)
    if isinstance(value, Decimal):
        return value.is_signed() and not value.is_nan()
    return isinstance(value, int | float) and not isinstance(value, bool) and value < 0


def is_zero(value: object) -> bool:
    """0 in any number form (see `number`)."""
    value = number(value)
    if isinstance(value, Decimal):
        return value.is_zero()  # False for NaN, which `amount` then refuses
    return isinstance(value, int | float) and not isinstance(value, bool) and value == 0


def refund(tx_id: object, value: Any, reason: object) -> tuple[str, Decimal | None, str | None]:
    """A refund's transaction id, amount (None: all that is left) and reason."""
    return (
        transaction_id(tx_id),
        optional_amount(value, "amount"),
        optional_text("reason", reason, max_length=MAX_REASON_LENGTH),
    )


def _seconds(value: object, name: str, lowest: int, highest: int, spelled: str) -> int | None:
    """None, or whole seconds (int, float or timedelta) from `lowest` to `highest`
    (`spelled`: the highest in words, for the message)."""
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        value = value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInputError(
            f"{name} must be a number of seconds or a timedelta, not {_type_name(value)}."
        )
    number = _float(value)
    if not (math.isfinite(number) and number == int(number) and lowest <= number <= highest):
        raise InvalidInputError(
            f"{name} must be a whole number of seconds from {lowest} to {highest} "
            f"({spelled}), got {_shown(value)}."
        )
    return int(number)


def expires_in(value: object, name: str = "expires_in") -> int | None:
    """None, or a token lifetime: whole seconds (int, float or timedelta) from 1 to
    86400 (24 hours)."""
    return _seconds(value, name, 1, MAX_TOKEN_LIFETIME, "24 hours")


def scopes(
    value: object, name: str = "scopes", example: str = "['read', 'pay']"
) -> frozenset[ApiKeyScope]:
    """API key scopes as names (``"read"``, in any case, spaces around it ignored) or
    `ApiKeyScope`s, in any collection, a lone string being one scope: at least one,
    each a known one. `name` and `example` word the error as the caller knows the value
    (an argument, a command-line option)."""
    allowed = ", ".join(s.value for s in ApiKeyScope)
    wrong = f"{name} must be some of {allowed}, e.g. {example}"
    if isinstance(value, str):
        items: list[object] = [value]
    elif isinstance(value, bytes | bytearray | Mapping) or not isinstance(value, Iterable):
        raise InvalidInputError(f"{wrong}, not {type(value).__name__}.")
    else:
        items = list(value)
    names = []
    for item in items:
        if not isinstance(item, str):  # an ApiKeyScope is a str
            raise InvalidInputError(
                f"{wrong}: each a name such as 'read', not {type(item).__name__}."
            )
        names.append(item.strip().lower())
    found = frozenset(ApiKeyScope(n) for n in names if n)
    unknown = sorted(s.value for s in found if not s.known)
    if unknown:
        several = any(c in unknown[0] for c in ", ;")
        raise InvalidInputError(
            f"{wrong}; {unknown[0][:40]!r} is not a scope"
            + (": give one name per scope." if several else ".")
        )
    if not found:
        raise InvalidInputError(f"{name} must name at least one of {allowed}.")
    return found


def key_lifetime(value: object, name: str = "expires_in") -> int | None:
    """None, or an API key's lifetime: whole seconds (int, float or timedelta) from 60
    to 365 days."""
    return _seconds(value, name, 60, MAX_KEY_LIFETIME, "365 days")


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses."""
    if host.lower() in {"localhost", "localhost.localdomain"} or host.lower().endswith(
        ".localhost"
    ):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def url(value: object, *, allow_insecure_http: bool = False, name: str = "accounting_url") -> str:
    """The service URL: ``https://host[:port][/prefix]``; plain ``http://`` only for
    loopback hosts unless ``allow_insecure_http`` is set."""
    text = _text(name, value, max_length=2048).strip()
    # Never echo what may be a password in `user:password@host`.
    shown = "" if "@" in text else f" {text!r}"
    unusable = (
        f"{name}{shown} has a host or port no request can go to: the host must be a name "
        "such as accounting.example.com or an IP address, and a port a number from 1 to "
        "65535."
    )
    try:
        parts = urlsplit(text)
        port = parts.port  # ValueError: not a number, or beyond 0-65535
    except ValueError:  # that, or a broken [IPv6] host
        raise _bad_url(name, unusable) from None
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise _bad_url(
            name,
            f"{name}{shown} must be an absolute http(s) URL, such as "
            "https://syftaccounting.centralus.cloudapp.azure.com.",
        )
    if parts.username is not None or parts.password is not None:
        raise _bad_url(
            name, f"{name} must not contain credentials: pass email and password separately."
        )
    if parts.query or parts.fragment:
        raise _bad_url(name, f"{name} {text!r} must not have a query or fragment.")
    host = parts.hostname or ""
    # What follows an [IPv6] host, which urlsplit drops unread ("[::1]x:443").
    after_ipv6 = parts.netloc.partition("]")[2] if parts.netloc.startswith("[") else ""
    if (
        port == 0
        or parts.netloc.endswith(":")
        or after_ipv6 not in ("", f":{port}")
        or not _usable_host(host)
    ):
        raise _bad_url(name, unusable)
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback(host):
        raise InvalidInputError(
            f"{name} uses plain http:// to {host}, which would send your password or API key "
            "unencrypted:",
            hint="use https://, or pass allow_insecure_http=True (or set "
            f"{ENV_ALLOW_INSECURE_HTTP}=1) if you must.",
            hint_key=INSECURE_HTTP,
        )
    return text.rstrip("/")


def _usable_host(host: str) -> bool:
    """A host a request can be sent to: an IP address, or a name whose labels DNS (and
    so httpx, through IDNA) takes: 1 to 63 characters each, no spaces or controls."""
    if not host or any(c.isspace() or not c.isprintable() for c in host):
        return False
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    try:
        host.encode("idna")
    except UnicodeError:  # an empty label ("a..b", ".a") or one over 63 characters
        return False
    return True


def _bad_url(name: str, summary: str) -> InvalidInputError:
    if name != ENV_URL:
        return InvalidInputError(summary)
    return InvalidInputError(
        summary,
        hint="Correct it, or unset it for the default (the public SyftBox service).",
        hint_key=BAD_SETTING,
    )


def filepath(value: object, name: str = "filepath") -> str | os.PathLike[str] | None:
    """An optional file path: None (the default file), a string or a path."""
    if value is None:
        return None
    if not isinstance(value, str | os.PathLike) or isinstance(os.fspath(value), bytes):
        raise InvalidInputError(f"{name} must be a str or a path, not {_type_name(value)}.")
    text = os.fspath(value)
    if not text.strip():
        raise InvalidInputError(f"{name} must not be empty: pass a file path, or None.")
    if "\x00" in text:
        raise InvalidInputError(f"{name} must not contain NUL characters.")
    if os.path.basename(text) in {"", ".", ".."}:
        raise InvalidInputError(f"{name} {text!r} must name a file, not a folder.")
    return value


def flag(name: str, value: object) -> bool:
    """A boolean option."""
    if not isinstance(value, bool):
        raise InvalidInputError(f"{name} must be True or False, not {_shown(value)}.")
    return value


def timeout(value: object, name: str = "timeout") -> float:
    """A timeout in seconds: a positive, finite number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInputError(
            f"{name} must be a positive number of seconds (e.g. 10), not {_shown(value)}."
        )
    number = _float(value)
    if not math.isfinite(number) or number <= 0:
        raise InvalidInputError(
            f"{name} must be a positive number of seconds (e.g. 10), not {_shown(value)}."
        )
    return number


def seconds(value: object, name: str) -> float:
    """A wait in seconds: a finite number >= 0."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInputError(f"{name} must be a number of seconds >= 0, not {_shown(value)}.")
    number = _float(value)
    if not math.isfinite(number) or number < 0:
        raise InvalidInputError(f"{name} must be a number of seconds >= 0, not {_shown(value)}.")
    return number


def byte_count(value: object, name: str = "max_response_bytes") -> int:
    """A size limit in bytes: an int from 1 KiB to 1 TiB."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1024 <= value <= 2**40:
        raise InvalidInputError(
            f"{name} must be an int from 1024 to {2**40} (bytes), got {_shown(value)}."
        )
    return value


def deadline(value: object, name: str = "deadline") -> float | None:
    """A call's total deadline in seconds (None: a multiple of the timeout)."""
    if value is None:
        return None
    return timeout(value, name)


def _float(value: int | float) -> float:
    """`value` as a float: an int beyond a float's range (10**400) is infinite, so the
    checks refuse it instead of raising OverflowError."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _shown(value: object) -> str:
    if isinstance(value, int) and value.bit_length() > 128:
        return "an int of more than 38 digits"  # its repr may be too long to make at all
    text = repr(value) if isinstance(value, int | float | str) else _type_name(value)
    return text if len(text) <= 40 else text[:37] + "..."


def retries(value: object, name: str = "max_retries") -> int:
    """A retry count: an int from 0 to 10."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        raise InvalidInputError(f"{name} must be an int from 0 to 10, got {_shown(value)}.")
    return value
