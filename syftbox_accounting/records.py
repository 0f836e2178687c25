"""The records of histories, usage and API keys: `Transaction`, `TransactionList`,
`Usage`, `ApiKey`, `NewApiKey`, `UserAccount`, `CredentialCheck` and the dicts they
turn into. Their public home is `syftbox_accounting.types`, which loads this module
when one of them is first read: importing the client and its first call do not build
them. See `types` for the record style (frozen, slotted dataclasses). A history's
filters and pages as the service sends them (`HistoryFilter`, `Page`, internal) live
here too: the first history call builds them."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, SupportsIndex, TypedDict, overload

from syftbox_accounting import render
from syftbox_accounting.errors import AccountingError
from syftbox_accounting.types import (
    ApiKeyScope,
    CredentialStatus,
    TransactionActor,
    TransactionStatus,
    User,
)

__all__ = [
    "SHOWN_ROWS",
    "AccountInfo",
    "ApiKey",
    "CredentialCheck",
    "NewApiKey",
    "Transaction",
    "TransactionDict",
    "TransactionList",
    "Usage",
    "UsageDict",
    "UserAccount",
]


class TransactionDict(TypedDict):
    """`Transaction.as_dict()`: an entry of ``get_account_info()["billing_history"]``."""

    id: str
    sender_email: str
    recipient_email: str
    amount: float
    status: str
    created_by: str
    created_at: str
    resolved_by: str | None
    resolved_at: str | None
    app_name: str | None
    endpoint: str | None
    authorized_amount: float | None
    expires_at: str | None
    cancel_reason: str | None
    refund_of: str | None
    refunded_amount: float
    refund_reason: str | None


class UsageDict(TypedDict):
    """`Usage.as_dict()`: ``get_account_info()["usage"]``."""

    transaction_count: int
    total_spent: float
    total_received: float
    pending_count: int
    pending_amount: float
    total_refunds_received: float
    total_refunds_given: float
    first_transaction_at: str | None
    last_transaction_at: str | None


class AccountInfo(TypedDict):
    """What `get_account_info()` returns: plain JSON-ready values, amounts as floats.
    `available_balance` is the balance minus what pending transactions hold."""

    balance: float
    available_balance: float
    account_id: str
    email: str
    organization: str | None
    currency: str
    service_url: str
    usage: UsageDict
    billing_history: list[TransactionDict]


@dataclasses.dataclass(frozen=True, slots=True, repr=False)
class Transaction:
    """A payment from `sender_email` to `recipient_email`.

    `app_name` and `endpoint` say which app and endpoint charged (wire names
    `appName`, `appEpPath`). At a service with holds, a pending transaction holds
    `authorized_amount` until `expires_at`; `amount` is what was captured (less than
    `authorized_amount` when confirmed with a smaller amount). A cancelled one has a
    `cancel_reason` (``"cancelled"``, or ``"expired"`` when its hold lapsed; other
    values may come, as their text). A `status`, `created_by` or `resolved_by` a later
    service adds is an ``UNKNOWN`` member keeping its text (``status.known`` is False).
    A refund names the transaction it gives back in `refund_of`;
    `refunded_amount` is what refunds of this one gave back so far.
    """

    id: str
    sender_email: str
    recipient_email: str
    amount: Decimal
    status: TransactionStatus
    created_by: TransactionActor
    created_at: datetime.datetime
    resolved_by: TransactionActor | None = None
    resolved_at: datetime.datetime | None = None
    app_name: str | None = None
    endpoint: str | None = None
    authorized_amount: Decimal | None = None
    expires_at: datetime.datetime | None = None
    cancel_reason: str | None = None
    refund_of: str | None = None
    refunded_amount: Decimal = Decimal(0)
    refund_reason: str | None = None

    @property
    def is_pending(self) -> bool:
        """True until the transaction is confirmed or cancelled."""
        return self.status is TransactionStatus.PENDING

    @property
    def expired(self) -> bool:
        """True when its hold lapsed before anyone confirmed or cancelled it."""
        return self.status is TransactionStatus.CANCELLED and self.cancel_reason == "expired"

    @property
    def is_refund(self) -> bool:
        """True for a refund of another transaction (`refund_of`)."""
        return self.refund_of is not None

    def __repr__(self) -> str:
        held = ""
        if self.is_pending and self.authorized_amount not in (None, self.amount):
            held = f" (holds {render.money(self.authorized_amount or Decimal(0))})"
        return render.printable(
            f"<Transaction {self.id}: {render.money(self.amount)}{held} {self.sender_email} -> "
            f"{self.recipient_email}, {status_text(self)}, {_when(self.created_at)}>"
        )

    def to_record(self) -> dict[str, object]:
        """One row for a table or pandas: every field, exact (`Decimal` amounts,
        aware `datetime` times, enums as their text)."""
        return {
            "id": self.id,
            "created_at": self.created_at,
            "status": self.status.value,
            "amount": self.amount,
            "sender_email": self.sender_email,
            "recipient_email": self.recipient_email,
            "app_name": self.app_name,
            "endpoint": self.endpoint,
            "created_by": self.created_by.value,
            "resolved_by": self.resolved_by.value if self.resolved_by else None,
            "resolved_at": self.resolved_at,
            "authorized_amount": self.authorized_amount,
            "expires_at": self.expires_at,
            "cancel_reason": self.cancel_reason,
            "refund_of": self.refund_of,
            "refunded_amount": self.refunded_amount,
            "refund_reason": self.refund_reason,
        }

    def as_dict(self) -> TransactionDict:
        """Plain JSON-ready values: amounts as floats, times as ISO 8601 text."""
        return {
            "id": self.id,
            "sender_email": self.sender_email,
            "recipient_email": self.recipient_email,
            "amount": float(self.amount),
            "status": self.status.value,
            "created_by": self.created_by.value,
            "created_at": self.created_at.isoformat(),
            "resolved_by": self.resolved_by.value if self.resolved_by else None,
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
            "app_name": self.app_name,
            "endpoint": self.endpoint,
            "authorized_amount": _float(self.authorized_amount),
            "expires_at": _iso(self.expires_at),
            "cancel_reason": self.cancel_reason,
            "refund_of": self.refund_of,
            "refunded_amount": float(self.refunded_amount),
            "refund_reason": self.refund_reason,
        }


def _when(moment: datetime.datetime | None) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def status_text(tx: Transaction) -> str:
    """The status a history shows: EXPIRED for a hold that lapsed (CANCELLED on the
    wire), else the status itself."""
    return "EXPIRED" if tx.expired else tx.status.value


_TABLE_HEADERS = ("CREATED (UTC)", "STATUS", "AMOUNT", "WITH", "APP", "ID")
# Rows a text or HTML table shows; `to_records()` has them all.
SHOWN_ROWS = 20


def seen_from(tx: Transaction, owner: str | None) -> tuple[str, str]:
    """How `owner` sees `tx` in a history: its sign (``+`` money in, ``-`` out, none
    without an owner) and the other party (``from bob@...``, ``credit``), marked
    ``(refund)`` for a refund. A refund is money out of who gave it back even when the
    operator made it (``created_by`` SYSTEM): only a SYSTEM transaction that refunds
    nothing is a credit."""
    mine = (owner or "").casefold()
    if not tx.is_refund and (
        tx.created_by is TransactionActor.SYSTEM
        or tx.sender_email.casefold() == tx.recipient_email.casefold()
    ):
        return "+", "credit"
    if mine and tx.recipient_email.casefold() == mine:
        sign, other = "+", f"from {tx.sender_email}"
    elif mine:
        sign, other = "-", f"to {tx.recipient_email}"
    else:
        sign, other = "", f"{tx.sender_email} -> {tx.recipient_email}"
    return sign, f"{other} (refund)" if tx.is_refund else other


def _table_row(tx: Transaction, owner: str | None) -> tuple[str, ...]:
    """A transaction as one row, seen from `owner`: + money in, - money out."""
    sign, other = seen_from(tx, owner)
    return (
        tx.created_at.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M"),
        status_text(tx),
        sign + render.money(tx.amount),
        other,
        tx.app_name or "",
        tx.id,
    )


class TransactionList(list[Transaction]):
    """A list of transactions (newest first) that shows itself as a table: aligned
    text in a terminal (``print(history)`` or its repr) and an HTML table in Jupyter,
    the first 20 rows of it. ``to_records()`` gives every row for pandas and the like;
    ``to_dataframe()`` a pandas DataFrame (pandas is not a dependency of the library).
    `owner` is the account it was fetched for: amounts it received show as ``+``.

    >>> history = client.get_transaction_history(50)
    >>> history  # a table
    >>> history.to_dataframe().groupby("status")["amount"].sum()
    """

    def __init__(self, transactions: Iterable[Transaction] = (), owner: str | None = None):
        super().__init__(transactions)
        self.owner = owner

    @overload
    def __getitem__(self, index: SupportsIndex) -> Transaction: ...

    @overload
    def __getitem__(self, index: slice) -> TransactionList: ...

    def __getitem__(self, index: SupportsIndex | slice) -> Transaction | TransactionList:
        """One transaction, or a slice (``history[:5]``) as a `TransactionList` of the
        same owner, which shows itself as a table too."""
        if isinstance(index, slice):
            return TransactionList(super().__getitem__(index), self.owner)
        return super().__getitem__(index)

    def copy(self) -> TransactionList:
        return TransactionList(self, self.owner)

    def rows(self) -> list[tuple[str, ...]]:
        """Each transaction as the table shows it: created, status, amount (+ in, - out
        for the owner), the other party, the app and the id."""
        return [_table_row(tx, self.owner) for tx in self]

    def _shown(self) -> tuple[list[tuple[str, ...]], str | None]:
        rows = TransactionList(self[:SHOWN_ROWS], self.owner).rows()
        more = len(self) - len(rows)
        total = f"{len(self)} transaction{'s' if len(self) != 1 else ''}"
        note = f"the newest {len(rows)} of {total}; to_records() has them all" if more else None
        return rows, note or (total if self else None)

    def __repr__(self) -> str:
        if not self:
            return "No transactions."
        rows, note = self._shown()
        lines = render.text_table(_TABLE_HEADERS, rows, right=frozenset({2}))
        return "\n".join([*lines, f"({note})" if note else ""]).rstrip()

    __str__ = __repr__

    def _repr_html_(self) -> str:
        if not self:
            return "<p>No transactions.</p>"
        rows, note = self._shown()
        return render.html_table(_TABLE_HEADERS, rows, right=frozenset({2}), note=note)

    def to_records(self) -> list[dict[str, object]]:
        """Every transaction as a dict of its fields (`Transaction.to_record`), exact:
        ready for ``pandas.DataFrame(...)``, ``csv.DictWriter`` or a database."""
        return [tx.to_record() for tx in self]

    def to_dataframe(self, *, exact: bool = False) -> Any:
        """A pandas DataFrame of `to_records()`, one row per transaction: amounts as
        floats (``exact=True`` keeps them as `Decimal` objects), times as UTC
        timestamps.

        Raises:
            ImportError: pandas is not installed (``pip install pandas``).
        """
        try:
            import pandas  # type: ignore[import-not-found,import-untyped,unused-ignore]
        except ImportError as exc:
            raise ImportError(
                "to_dataframe() needs pandas, which syftbox-accounting does not install: "
                "pip install pandas (or use to_records())"
            ) from exc
        frame = pandas.DataFrame.from_records(self.to_records(), columns=_RECORD_COLUMNS)
        for column in ("created_at", "resolved_at", "expires_at"):
            frame[column] = pandas.to_datetime(frame[column], utc=True)
        if not exact:
            for column in ("amount", "authorized_amount", "refunded_amount"):
                frame[column] = frame[column].astype("float64")
        return frame


# The keys of `Transaction.to_record()`, in order: a DataFrame's columns, even empty.
_RECORD_COLUMNS = [
    "id",
    "created_at",
    "status",
    "amount",
    "sender_email",
    "recipient_email",
    "app_name",
    "endpoint",
    "created_by",
    "resolved_by",
    "resolved_at",
    "authorized_amount",
    "expires_at",
    "cancel_reason",
    "refund_of",
    "refunded_amount",
    "refund_reason",
]


@dataclasses.dataclass(frozen=True, slots=True)
class Usage:
    """Counts and totals over your transactions (see `get_usage()`): how many there
    are in any status, what you spent on and received from others (completed ones;
    service credits count as received), what is pending in either direction and what
    of it you would pay, refunds received and given (apart from spent and received:
    what you paid in the end is ``total_spent - total_refunds_received``), and when
    the first and the last were created."""

    transaction_count: int
    total_spent: Decimal
    total_received: Decimal
    pending_count: int
    pending_amount: Decimal
    first_transaction_at: datetime.datetime | None = None
    last_transaction_at: datetime.datetime | None = None
    total_refunds_received: Decimal = Decimal(0)
    total_refunds_given: Decimal = Decimal(0)

    def rows(self, *, times: bool = True) -> list[tuple[str, str]]:
        """What a person reads: (label, value) pairs, money as dollars; `times`: with
        the first and last transaction's (a summary such as `show()`'s leaves them out)."""
        found = [
            ("Transactions", f"{self.transaction_count:,}"),
            ("Spent", render.money(self.total_spent)),
            ("Received", render.money(self.total_received)),
            ("Pending", f"{self.pending_count:,} ({render.money(self.pending_amount)} to pay)"),
        ]
        if self.total_refunds_received or self.total_refunds_given:
            found += [
                ("Refunds received", render.money(self.total_refunds_received)),
                ("Refunds given", render.money(self.total_refunds_given)),
            ]
        if times:
            found.append(("First", _when(self.first_transaction_at)))
            found.append(("Last", _when(self.last_transaction_at)))
        return found

    def __str__(self) -> str:
        width = max(len(label) for label, _ in self.rows())
        return "\n".join(f"{label:<{width}}  {value}" for label, value in self.rows())

    def _repr_html_(self) -> str:
        return render.html_table(None, self.rows(), caption="Usage")

    def as_dict(self) -> UsageDict:
        """Plain JSON-ready values: amounts as floats, times as ISO 8601 text."""
        return {
            "transaction_count": self.transaction_count,
            "total_spent": float(self.total_spent),
            "total_received": float(self.total_received),
            "pending_count": self.pending_count,
            "pending_amount": float(self.pending_amount),
            "total_refunds_received": float(self.total_refunds_received),
            "total_refunds_given": float(self.total_refunds_given),
            "first_transaction_at": _iso(self.first_transaction_at),
            "last_transaction_at": _iso(self.last_transaction_at),
        }


def _iso(moment: datetime.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _float(amount: Decimal | None) -> float | None:
    return None if amount is None else float(amount)


@dataclasses.dataclass(slots=True)
class UserAccount:
    """A newly registered account. Its repr leaves the password out; keep the
    password safe, it cannot be recovered. `user` is the account as the service
    reported it, with the exact `Decimal` balance.

    >>> account = client.accounting_client.register_accounting("alice@example.com")
    >>> account.password  # shown once, store it
    """

    email: str
    password: str = dataclasses.field(repr=False)
    balance: float
    organization: str | None = None
    user: User | None = dataclasses.field(default=None, repr=False, compare=False)


@dataclasses.dataclass(frozen=True, slots=True)
class CredentialCheck:
    """What `check_credentials` found: a status and the reason, so an outage never
    looks like a wrong password. `account` is the account the service reported
    (exact balance included) when the credentials are valid; `error` is the
    exception behind an `INVALID` or `UNREACHABLE` status."""

    status: CredentialStatus
    reason: str
    account: User | None = dataclasses.field(default=None, repr=False)
    error: AccountingError | None = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """True when the credentials were accepted."""
        return self.status is CredentialStatus.VALID

    def __bool__(self) -> bool:
        return self.ok


@dataclasses.dataclass(frozen=True, slots=True)
class ApiKey:
    """An API key as the service lists it: never its secret. `hint` (``sbk_...x9Qa``)
    helps recognise it; `max_spend` is its spend cap (None: none), `spent` what it has
    committed so far; `expires_at`, `revoked_at`, `last_used_at` are None when not
    set."""

    id: str
    name: str
    scopes: frozenset[ApiKeyScope]
    hint: str
    created_at: datetime.datetime
    expires_at: datetime.datetime | None = None
    revoked_at: datetime.datetime | None = None
    last_used_at: datetime.datetime | None = None
    max_spend: Decimal | None = None
    spent: Decimal = Decimal(0)

    def is_active(self, now: datetime.datetime | None = None) -> bool:
        """True while it is neither revoked nor expired (at `now`, an aware datetime;
        default: now).

        Raises:
            InvalidInputError: `now` is not a datetime with a time zone.
        """
        from syftbox_accounting import validation

        moment = validation.moment(now, "now") or datetime.datetime.now(datetime.UTC)
        return self.revoked_at is None and (self.expires_at is None or moment < self.expires_at)


@dataclasses.dataclass(frozen=True, slots=True)
class NewApiKey:
    """What `create_api_key()` returns: the key as listed (`key`) and its `secret`,
    which the service shows this once. Its repr never shows the secret: save it (an
    environment variable, a secrets manager, or ``save_credentials()``)."""

    key: ApiKey
    secret: str = dataclasses.field(repr=False)

    @property
    def id(self) -> str:
        return self.key.id

    def __str__(self) -> str:
        return f"API key {self.key.id} ({self.key.hint})"


# -- a history as the service pages it (operations.list_transactions)


@dataclasses.dataclass(frozen=True, slots=True)
class HistoryFilter:
    """Which transactions of a history: the contract's filters of `listTransactions`."""

    status: TransactionStatus | None = None
    created_after: datetime.datetime | None = None
    created_before: datetime.datetime | None = None
    counterparty: str | None = None

    def matches(self, tx: Transaction, me: str) -> bool:
        """The service's rule, for an answer from a service that ignored the filters."""
        if self.status is not None and tx.status is not self.status:
            return False
        if self.created_after is not None and tx.created_at < self.created_after:
            return False
        if self.created_before is not None and tx.created_at >= self.created_before:
            return False
        if self.counterparty is not None:
            mine, other = me.casefold(), self.counterparty.casefold()
            parties = (tx.sender_email.casefold(), tx.recipient_email.casefold())
            return parties in {(mine, other), (other, mine)}
        return True


@dataclasses.dataclass(frozen=True, slots=True)
class Page:
    """One answer of `listTransactions`. `paged` is False when the service ignored
    `limit` and the filters (it sent no `nextCursor`: the public protocol)."""

    transactions: list[Transaction]
    next_cursor: str | None
    paged: bool
