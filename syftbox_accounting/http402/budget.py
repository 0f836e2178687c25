"""`Budget`: the limits an agent sets on what it pays, checked before any token is
made, and the ledger of what it paid.

>>> budget = Budget(per_call="0.50", per_day=5, allow=["*@openmined.org"])
>>> agent = AccountingClient(budget=budget)  # create_transaction_token checks it too
>>> http = agent.paying_http_client()          # ...and every 402 challenge it pays

A payment is first *reserved* at its maximum (the bounded token's limit), so two
threads or tasks paying at once can never overspend a limit together; it is then
settled at what was paid (what the service's receipt says, checked at the accounting
service when it says less than the most), or released when no token was made. A token
whose outcome is never learnt (a lost answer, a token handed to a service by hand) stays
counted at its maximum: it could still be charged that much.
"""

from __future__ import annotations

import dataclasses
import datetime
import fnmatch
import itertools
import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from syftbox_accounting import credential_files, errors, validation
from syftbox_accounting.errors import BudgetExceededError, InvalidInputError
from syftbox_accounting.flows import Local
from syftbox_accounting.render import money

__all__ = ["Budget", "LedgerEntry", "Reservation", "booking", "releasing"]

HOUR = 3600.0
DAY = 86400.0
# The longest window a limit looks at: older entries are dropped from the ledger.
KEPT = DAY
_FORMAT_VERSION = 1
_DECIMAL = re.compile(r"(0|[1-9][0-9]*)(\.[0-9]+)?")
_MAX_LEDGER_BYTES = 16 * 1024 * 1024
log = logging.getLogger("syftbox_accounting.http402")


@dataclasses.dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One payment in the ledger.

    Attributes:
        at: when it was reserved (seconds since the epoch, from the budget's clock).
        recipient: whom it pays.
        amount: what counts against the limits: the maximum while `paid` is False
            (the outcome is not known), what was paid once it is True.
        paid: whether a receipt said what was paid.
        reference: the 402 challenge it paid, or ``"token"`` for a token made with
            `create_transaction_token`.
    """

    at: float
    recipient: str
    amount: Decimal
    paid: bool
    reference: str
    id: int = dataclasses.field(default=0, repr=False)


class Reservation:
    """A payment the budget has counted at its maximum: `settle()` it at what was
    paid, or `release()` it when no token was made. Either is final."""

    def __init__(self, budget: Budget, entry_id: int, amount: Decimal) -> None:
        self._budget = budget
        self._id = entry_id
        self.amount = amount
        self._done = False

    def __repr__(self) -> str:
        return f"Reservation(amount={self.amount!r}, done={self._done})"

    def settle(self, paid: int | float | Decimal | str) -> None:
        """Count what was paid (0 to the reserved amount; more is counted as the
        reserved amount: the token could not let the service charge more).

        Raises:
            InvalidInputError: `paid` is not 0 or an amount; the reservation stays.
        """
        value = Decimal(0) if is_zero(paid) else _amount(paid, "paid")
        if not self._done:
            self._done = True
            self._budget._settle(self._id, min(value, self.amount))

    def release(self) -> None:
        """Nothing was paid and no token exists: forget the payment."""
        if not self._done:
            self._done = True
            self._budget._settle(self._id, Decimal(0))


class Budget:
    """Limits on what a client pays, in US dollars, and the ledger of what it paid.

    Args:
        per_call: the most one payment (one token, one 402 challenge) may be.
        per_hour, per_day: the most paid in any rolling hour, any rolling 24 hours.
        per_recipient: the most paid to any one recipient in any rolling 24 hours.
        allow: the recipients that may be paid: emails, or patterns such as
            ``"*@openmined.org"`` (case-insensitive); None allows every recipient.
        ledger_file: keep the ledger in this file too (JSON, 0600, written
            atomically), so that the limits hold across restarts; one process at a time.
        clock: seconds since the epoch (`time.time` by default; tests inject one).

    Limits are amounts (int, float, Decimal or a decimal string such as ``"0.10"``),
    with at most 6 decimal places; 0 allows nothing; None means no limit.

    Raises:
        InvalidInputError: a malformed limit or pattern, or a ledger file that cannot
            be read (it names the file and what to do).
    """

    def __init__(
        self,
        *,
        per_call: int | float | Decimal | str | None = None,
        per_hour: int | float | Decimal | str | None = None,
        per_day: int | float | Decimal | str | None = None,
        per_recipient: int | float | Decimal | str | None = None,
        allow: Iterable[str] | None = None,
        ledger_file: str | os.PathLike[str] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.per_call = _limit(per_call, "per_call")
        self.per_hour = _limit(per_hour, "per_hour")
        self.per_day = _limit(per_day, "per_day")
        self.per_recipient = _limit(per_recipient, "per_recipient")
        self.allow = _patterns(allow)
        if clock is not None and not callable(clock):
            raise InvalidInputError("clock must be a function returning seconds since the epoch.")
        self._clock = clock or time.time
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._entries: list[LedgerEntry] = []
        self.ledger_file = _path(ledger_file)
        if self.ledger_file is not None:
            self._entries = [
                dataclasses.replace(e, id=next(self._ids)) for e in _load(self.ledger_file)
            ]

    def __repr__(self) -> str:
        limits = {
            name: getattr(self, name)
            for name in ("per_call", "per_hour", "per_day", "per_recipient", "allow")
            if getattr(self, name) is not None
        }
        shown = ", ".join(f"{k}={v!r}" for k, v in limits.items())
        return f"Budget({shown})"

    @property
    def entries(self) -> tuple[LedgerEntry, ...]:
        """The ledger: the payments of the last 24 hours, oldest first."""
        with self._lock:
            return tuple(self._entries)

    def spent(
        self, *, within: float | datetime.timedelta = DAY, recipient: str | None = None
    ) -> Decimal:
        """What counts against the limits in the last `within` seconds (24 hours by
        default): what was paid, and tokens whose outcome is unknown at their maximum;
        to `recipient` only when given.

        Raises:
            InvalidInputError: `within` is not a number of seconds >= 0 or a timedelta, or
                `recipient` is not an email.
        """
        if isinstance(within, datetime.timedelta):
            within = within.total_seconds()
        seconds = validation.seconds(within, "within")
        who = None if recipient is None else _key(_recipient(recipient))
        with self._lock:
            return self._sum(self._clock() - seconds, who)

    def check(self, recipient: str, amount: int | float | Decimal | str) -> None:
        """Raise `BudgetExceededError` if paying `amount` to `recipient` now would
        break a limit; reserves nothing.

        Raises:
            InvalidInputError: a malformed recipient or amount.
        """
        recipient, amount = _recipient(recipient), _amount(amount, "amount")
        with self._lock:
            self._refusal(_key(recipient), amount, self._clock())

    def reserve(
        self, recipient: str, amount: int | float | Decimal | str, *, reference: str
    ) -> Reservation:
        """Count `amount` to `recipient` now, at once with the check, so that
        concurrent payments cannot overspend; settle or release the reservation.

        Raises:
            BudgetExceededError: a limit would be broken; nothing was counted.
            InvalidInputError: a malformed recipient or amount, or a ledger file that
                cannot be written; nothing was counted.
        """
        # Checked here: a float or a negative amount in the ledger would break `spent()`
        # or let later payments past the limits.
        recipient, amount = _recipient(recipient), _amount(amount, "amount")
        with self._lock:
            now = self._clock()
            self._refusal(_key(recipient), amount, now)
            entry = LedgerEntry(now, _key(recipient), amount, False, reference, next(self._ids))
            kept = [e for e in self._entries if e.at > now - KEPT] + [entry]
            try:
                self._save(kept)  # first: a payment the file cannot keep is not made
            except OSError as exc:
                raise InvalidInputError(
                    f"The budget ledger {self.ledger_file} cannot be written "
                    f"({exc.strerror or type(exc).__name__}), so the payment was not made:",
                    hint="check that its folder exists and is writable, or pass another "
                    "ledger_file=.",
                    hint_key=errors.BUDGET,
                ) from None
            self._entries = kept
        return Reservation(self, entry.id, amount)

    def _settle(self, entry_id: int, paid: Decimal) -> None:
        with self._lock:
            kept = []
            for entry in self._entries:
                if entry.id == entry_id:
                    if not paid:
                        continue
                    entry = dataclasses.replace(entry, amount=paid, paid=True)
                kept.append(entry)
            self._entries = kept
            try:
                self._save(kept)
            except OSError as exc:
                # The payment is made: the file keeps it at its maximum, which only
                # overcounts; failing here would lose the answer that was paid for.
                log.warning(
                    "The budget ledger %s cannot be written (%s): it still counts a settled or "
                    "released payment at its maximum.",
                    self.ledger_file,
                    exc.strerror or type(exc).__name__,
                )

    def _sum(self, since: float, recipient: str | None = None) -> Decimal:
        return sum(
            (
                e.amount
                for e in self._entries
                if e.at > since and (recipient is None or e.recipient == recipient)
            ),
            Decimal(0),
        )

    def _refusal(self, recipient: str, amount: Decimal, now: float) -> None:
        if self.allow is not None and not any(
            fnmatch.fnmatchcase(recipient, p) for p in self.allow
        ):
            _refuse(
                "allow",
                None,
                Decimal(0),
                amount,
                recipient,
                f"{recipient} is not among the recipients this budget allows "
                f"({', '.join(self.allow) or 'none'}): nothing was paid and no token was made.",
                "Add it to Budget(allow=...) if you mean to pay it.",
            )
        if self.per_call is not None and amount > self.per_call:
            _refuse(
                "per_call",
                self.per_call,
                Decimal(0),
                amount,
                recipient,
                f"Paying {money(amount)} to {recipient} is more than the budget's per_call "
                f"limit of {money(self.per_call)}: nothing was paid and no token was made.",
                "Raise per_call, or use a cheaper service.",
            )
        windows = (
            ("per_recipient", self.per_recipient, DAY, recipient, f"to {recipient} in 24 hours"),
            ("per_hour", self.per_hour, HOUR, None, "in an hour"),
            ("per_day", self.per_day, DAY, None, "in 24 hours"),
        )
        for name, limit, seconds, who, span in windows:
            if limit is None:
                continue
            spent = self._sum(now - seconds, who)
            if spent + amount > limit:
                _refuse(
                    name,
                    limit,
                    spent,
                    amount,
                    recipient,
                    f"Paying {money(amount)} to {recipient} would make {money(spent + amount)} "
                    f"{span}, over the budget's {name} limit of {money(limit)} "
                    f"({money(spent)} paid or promised already): nothing was paid and no token "
                    "was made.",
                    f"Wait until earlier payments leave the window, or raise {name}.",
                )

    def _save(self, entries: list[LedgerEntry]) -> None:
        """Write `entries` to the ledger file, if any (OSError if it cannot be)."""
        if self.ledger_file is None:
            return
        doc = {
            "version": _FORMAT_VERSION,
            "entries": [
                {
                    "at": e.at,
                    "recipient": e.recipient,
                    "amount": str(e.amount),
                    "paid": e.paid,
                    "reference": e.reference,
                }
                for e in entries
            ],
        }
        credential_files.atomic_write(self.ledger_file, json.dumps(doc, indent=1).encode())


def booking(call: Callable[[], Any], budgets: Iterable[Budget]) -> Local:
    """The flow step that counts a payment in `budgets` with `call` (reserve, settle or
    release): blocking when one of them keeps a ledger file, which is written with
    fsync, so that async drivers do it in a worker thread. Every ledger write of a flow
    goes through it."""
    return Local(call, blocking=any(b.ledger_file is not None for b in budgets))


def releasing(reservations: Iterable[Reservation]) -> Local:
    """The `booking` step that releases `reservations`: no token was made."""
    held = tuple(reservations)

    def release() -> None:
        for reservation in held:
            reservation.release()

    return booking(release, (r._budget for r in held))


def _refuse(
    limit: str,
    limit_amount: Decimal | None,
    spent: Decimal,
    amount: Decimal,
    recipient: str,
    summary: str,
    hint: str,
) -> None:
    error = BudgetExceededError(summary, hint=hint, hint_key=errors.BUDGET)
    error.limit, error.limit_amount, error.spent = limit, limit_amount, spent
    error.amount, error.recipient = amount, recipient
    raise error


def _key(recipient: str) -> str:
    return recipient.strip().lower()


def _recipient(value: object) -> str:
    return validation.email(value, "recipient")


def is_zero(value: object) -> bool:
    """0 in any amount form a limit, settle() or a paywall's price takes ("0.00" too),
    which `_amount` refuses."""
    if isinstance(value, str):
        text = value.strip()
        return _DECIMAL.fullmatch(text) is not None and Decimal(text).is_zero()
    return validation.is_zero(value)


def _limit(value: object, name: str) -> Decimal | None:
    if value is None:
        return None
    return Decimal(0) if is_zero(value) else _amount(value, name)


def _amount(value: object, name: str) -> Decimal:
    """An amount: int, float, Decimal or a decimal string such as ``"0.10"``."""
    if isinstance(value, str):
        text = value.strip()
        if not _DECIMAL.fullmatch(text):
            raise InvalidInputError(
                f"{name} must be an amount of US dollars such as 0.10, got {value!r}."
            )
        value = Decimal(text)
    return validation.amount(value, name)


def _patterns(allow: Iterable[str] | None) -> tuple[str, ...] | None:
    if allow is None:
        return None
    if isinstance(allow, str) or not isinstance(allow, Iterable):
        allow = (allow,)  # a non-string non-list is refused below, as a list holding it
    patterns = []
    for pattern in allow:
        if not isinstance(pattern, str) or not pattern.strip() or "@" not in pattern:
            raise InvalidInputError(
                f"allow must list emails or patterns such as '*@openmined.org', got {pattern!r}."
            )
        patterns.append(pattern.strip().lower())
    return tuple(patterns)


def _path(value: str | os.PathLike[str] | None) -> Path | None:
    if value is None:
        return None
    if not isinstance(value, str | os.PathLike) or not str(value):
        raise InvalidInputError(
            f"ledger_file must be a path to a file, not {type(value).__name__}."
        )
    return Path(value).expanduser()


def _load(path: Path) -> list[LedgerEntry]:
    """The ledger saved in `path` (none when there is no file yet)."""

    def unreadable(why: str) -> InvalidInputError:
        return InvalidInputError(
            f"The budget ledger {path} cannot be read ({why}), so what was paid is unknown:",
            hint="move it away to start a new ledger (the limits then count from zero).",
            hint_key=errors.BUDGET,
        )

    try:
        if path.stat().st_size > _MAX_LEDGER_BYTES:
            raise unreadable("it is too large to be one")
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise unreadable(exc.strerror or type(exc).__name__) from None
    try:
        doc: Any = json.loads(raw)
        version = doc.get("version")
    except (ValueError, AttributeError):
        raise unreadable("it is not a ledger this library wrote") from None
    if version != _FORMAT_VERSION:
        raise unreadable(f"unknown format version {version!r}")
    try:
        return [
            LedgerEntry(
                float(e["at"]),
                str(e["recipient"]),
                validation.amount(Decimal(str(e["amount"])), "amount"),
                bool(e["paid"]),
                str(e["reference"]),
            )
            for e in doc["entries"]
        ]
    except (ValueError, TypeError, KeyError, ArithmeticError):  # InvalidInputError too
        raise unreadable("it is not a ledger this library wrote") from None
