"""The query side of a history: `GET /transactions` and `GET /user/usage` parameters,
and the signed cursors of keyset pagination."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from syftbox_accounting.server import errors
from syftbox_accounting.server.bodies import EMAIL_PROBLEM, is_email

MAX_PAGE = 1000
MAX_CURSOR_LENGTH = 512
STATUSES = ("PENDING", "COMPLETED", "CANCELLED")


@dataclass(frozen=True, slots=True)
class Window:
    """Created at or after `after`, and before `before` (stored-time text, or None)."""

    after: str | None = None
    before: str | None = None


@dataclass(frozen=True, slots=True)
class HistoryQuery:
    """A parsed `GET /transactions`: page size, position, and filters."""

    limit: int | None = None
    before_seq: int | None = None
    status: str | None = None
    window: Window = Window()
    counterparty: str | None = None


def stored_time(moment: datetime) -> str:
    """A time as the store writes it (UTC, milliseconds), so text order is time order.
    Rounded up to the millisecond: "at or after" and "before" a time between two
    stored milliseconds then both mean what they say."""
    utc = moment.astimezone(UTC)
    extra = utc.microsecond % 1000
    if extra:
        utc += timedelta(microseconds=1000 - extra)
    return utc.isoformat(timespec="milliseconds")


def _one(params: Mapping[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise errors.validation_error([{"field": name, "problem": "appears more than once"}])
    return values[0]


def _moment(params: Mapping[str, list[str]], name: str) -> str | None:
    """The parameter as a stored time, or 422 for anything that is not a date-time with
    an offset inside years 1 to 9998 once in UTC (an edge-of-calendar time such as
    0001-01-01T00:00:00+14:00 has no UTC form at all)."""
    text = _one(params, name)
    if text is None:
        return None
    problem = (
        "must be a date-time with a UTC offset between the years 1 and 9998, such as "
        "2026-11-01T00:00:00+00:00"
    )
    try:
        moment = datetime.fromisoformat(text)
        if moment.utcoffset() is None:
            raise ValueError("no offset")
        stored = stored_time(moment)
    except (ValueError, OverflowError):
        raise errors.validation_error([{"field": name, "problem": problem}]) from None
    if not _FIRST_YEAR <= stored[:4] <= _LAST_YEAR:
        raise errors.validation_error([{"field": name, "problem": problem}])
    return stored


_FIRST_YEAR, _LAST_YEAR = "0001", "9998"


def window(params: Mapping[str, list[str]]) -> Window:
    """`createdAfter` and `createdBefore`, checked."""
    after, before = _moment(params, "createdAfter"), _moment(params, "createdBefore")
    # Stored times are UTC text of one width: their order is time order.
    if after is not None and before is not None and after >= before:
        raise errors.validation_error(
            [{"field": "createdBefore", "problem": "must be later than createdAfter"}]
        )
    return Window(after, before)


def history_query(
    params: Mapping[str, list[str]], cursors: Cursors, account_id: str
) -> HistoryQuery:
    """The parameters of `GET /transactions`, checked (422 on any bad one)."""
    limit_text = _one(params, "limit")
    limit = None
    if limit_text is not None:
        if (
            not (limit_text.isascii() and limit_text.isdecimal())
            or len(limit_text) > 5
            or not 1 <= int(limit_text) <= MAX_PAGE
        ):
            raise errors.validation_error(
                [{"field": "limit", "problem": f"must be a whole number from 1 to {MAX_PAGE}"}]
            )
        limit = int(limit_text)
    status = _one(params, "status")
    if status is not None and status not in STATUSES:
        raise errors.validation_error(
            [{"field": "status", "problem": "must be PENDING, COMPLETED or CANCELLED"}]
        )
    counterparty = _one(params, "counterparty")
    if counterparty is not None and not is_email(counterparty):
        raise errors.validation_error([{"field": "counterparty", "problem": EMAIL_PROBLEM}])
    cursor = _one(params, "cursor")
    return HistoryQuery(
        limit=limit,
        before_seq=None if cursor is None else cursors.read(cursor, account_id),
        status=status,
        window=window(params),
        counterparty=counterparty,
    )


class Cursors:
    """Opaque page cursors: the position (a sequence number) and the account it was
    issued to, signed, so a client can neither forge one nor use another's."""

    def __init__(self, secret: bytes) -> None:
        # A key of its own, derived from the service's secret: a cursor is never a token.
        self._key = hmac.new(secret, b"syftbox-accounting history cursor", hashlib.sha256).digest()

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:16]

    def issue(self, account_id: str, seq: int) -> str:
        payload = json.dumps({"a": account_id, "s": seq}, separators=(",", ":")).encode()
        return f"{_b64(payload)}.{_b64(self._sign(payload))}"

    def read(self, cursor: str, account_id: str) -> int:
        """The position in `cursor`, or 422 cursor_invalid."""
        try:
            encoded, signature = cursor.split(".")
            payload = _unb64(encoded)
            if len(cursor) > MAX_CURSOR_LENGTH or not hmac.compare_digest(
                _unb64(signature), self._sign(payload)
            ):
                raise ValueError("not signed by this service")
            document = json.loads(payload)
            seq = document["s"]
            if document["a"] != account_id or not isinstance(seq, int) or seq < 1:
                raise ValueError("another account's")
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise errors.cursor_invalid() from None
        return seq


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text.encode("ascii") + b"=" * (-len(text) % 4))
