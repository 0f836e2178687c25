"""SQLite storage: accounts, transactions and spent tokens, money as integer micro-dollars.

`Store` is composed of rooms over one `Database` (its connection, units of work and
the release of lapsed holds): `Accounts`, `Payments` (holds, captures, refunds) and
`HistoryReads` (pages, lookups, usage). `schema` holds the tables and the upgrade of
older files, `rows` the values read from them, `usage` the usage counters.

>>> store = Store()  # in memory; Store("books.sqlite3") for a file
>>> store.create_account("ann@example.com", "scrypt$...", None, 100_000_000).email
'ann@example.com'
"""

from __future__ import annotations

from syftbox_accounting.server.store.accounts import Accounts
from syftbox_accounting.server.store.history import HistoryReads
from syftbox_accounting.server.store.payments import (
    DEFAULT_MAX_PENDING,
    DEFAULT_MAX_PENDING_PER_RECIPIENT,
    Payments,
)
from syftbox_accounting.server.store.rows import (
    CANCELLED,
    EXPIRED,
    UNFUNDED,
    Account,
    Actor,
    Status,
    Transaction,
)
from syftbox_accounting.server.store.schema import SCHEMA_VERSION
from syftbox_accounting.server.store.usage import Usage


class Store(Accounts, Payments, HistoryReads):
    """The service's data, kept in one SQLite database (a file, or memory).

    `clock` (seconds since the epoch) dates everything and decides when holds lapse.
    """


__all__ = [
    "CANCELLED",
    "DEFAULT_MAX_PENDING",
    "DEFAULT_MAX_PENDING_PER_RECIPIENT",
    "EXPIRED",
    "SCHEMA_VERSION",
    "UNFUNDED",
    "Account",
    "Actor",
    "Status",
    "Store",
    "Transaction",
    "Usage",
]
