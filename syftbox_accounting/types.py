"""The library's own result types.

They are small frozen dataclasses owned by this package, not the generated models,
so the public API stays put when the generator's naming changes. Money is `Decimal`:
the service keeps it exactly (micro-dollars) and sends it as decimal strings (or, the
public service, as JSON numbers), which we read digit for digit, never through a float.
Only the seed's calls that promise a float (`get_account_balance`,
`UserAccount.balance`) return one.
"""

from __future__ import annotations

import dataclasses
import enum
from decimal import Decimal
from typing import TYPE_CHECKING, Any

__all__ = [
    "AccountInfo",
    "ApiKey",
    "ApiKeyScope",
    "CredentialCheck",
    "CredentialStatus",
    "NewApiKey",
    "Transaction",
    "TransactionActor",
    "TransactionDict",
    "TransactionList",
    "TransactionStatus",
    "Usage",
    "UsageDict",
    "User",
    "UserAccount",
]


# One record style for the library's own value types, here and in every module:
# stdlib dataclasses, frozen and slotted unless something must change them. httpx
# imports `dataclasses` already, so using it loads no module more (attrs
# would add ~10 ms), and users get `replace`, `asdict` and field introspection from
# the standard library. (attrs stays a dependency: the generated client uses it.)
# The transport's `calls.Call` and `flows.Gather`, never handed to users, are plain
# slotted classes: a dataclass costs ~0.5 ms at import for methods they do not use.


class _OpenEnum(enum.StrEnum):
    """An enum of the contract's answers, which may grow (openapi.yaml, Conventions).

    A value this version does not know is not an error: it becomes an ``UNKNOWN``
    member that keeps the service's text as its value, so it compares equal to that
    text, shows it, and is never one of the known members:

    >>> status = TransactionStatus("DISPUTED")
    >>> status.name, status.value, status.known
    ('UNKNOWN', 'DISPUTED', False)
    """

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        # Not cached: a service sending many made-up values must not grow the class.
        member = str.__new__(cls, value)
        member._name_ = "UNKNOWN"
        member._value_ = value
        return member

    @property
    def known(self) -> bool:
        """False for a value this version of the library does not know."""
        return self._name_ in type(self).__members__


class TransactionStatus(_OpenEnum):
    """`PENDING` until resolved; then `COMPLETED` (money moved) or `CANCELLED`. A status
    a later service adds comes as ``UNKNOWN`` with its text (see `_OpenEnum`)."""

    PENDING = "PENDING"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class TransactionActor(_OpenEnum):
    """Who created or resolved a transaction. An actor a later service adds comes as
    ``UNKNOWN`` with its text (see `_OpenEnum`)."""

    SYSTEM = "SYSTEM"
    SENDER = "SENDER"
    RECIPIENT = "RECIPIENT"


@dataclasses.dataclass(frozen=True, slots=True)
class User:
    """An account as the service reports it. `held_balance` is what its pending
    transactions hold (always 0 at a service without holds, such as the public one);
    `available_balance` is what it can spend now."""

    id: str
    email: str
    balance: Decimal
    organization: str | None = None
    held_balance: Decimal = Decimal(0)

    @property
    def available_balance(self) -> Decimal:
        """The balance minus what pending transactions hold: what can be spent now."""
        return self.balance - self.held_balance


class CredentialStatus(enum.StrEnum):
    """The outcome of `check_credentials`."""

    VALID = "valid"
    INVALID = "invalid"
    NOT_CONFIGURED = "not_configured"
    UNREACHABLE = "unreachable"


class ApiKeyScope(_OpenEnum):
    """What an API key may do (see README, "Credentials"). A scope a later service adds
    comes as ``UNKNOWN`` with its text (see `_OpenEnum`); a new key takes known ones."""

    READ = "read"  # the account, its balance, history and usage
    PAY = "pay"  # tokens and direct payments (transfers)
    CHARGE = "charge"  # charges as a service: create, confirm, cancel, refund
    ACCOUNT = "account"  # the organization and the password
    KEYS = "keys"  # create, list and revoke API keys


# The records of histories, usage and API keys live in `records`, loaded when one is first
# read here (PEP 562), so that importing the client and its first call (an account, a
# balance) do not build them. `syftbox_accounting.types` stays their public home.
_RECORDS = frozenset(
    {
        "AccountInfo",
        "ApiKey",
        "CredentialCheck",
        "NewApiKey",
        "SHOWN_ROWS",
        "Transaction",
        "TransactionDict",
        "TransactionList",
        "Usage",
        "UsageDict",
        "UserAccount",
    }
)

if TYPE_CHECKING:
    from syftbox_accounting.records import (
        SHOWN_ROWS as SHOWN_ROWS,
    )
    from syftbox_accounting.records import (
        AccountInfo as AccountInfo,
    )
    from syftbox_accounting.records import (
        ApiKey as ApiKey,
    )
    from syftbox_accounting.records import (
        CredentialCheck as CredentialCheck,
    )
    from syftbox_accounting.records import (
        NewApiKey as NewApiKey,
    )
    from syftbox_accounting.records import (
        Transaction as Transaction,
    )
    from syftbox_accounting.records import (
        TransactionDict as TransactionDict,
    )
    from syftbox_accounting.records import (
        TransactionList as TransactionList,
    )
    from syftbox_accounting.records import (
        Usage as Usage,
    )
    from syftbox_accounting.records import (
        UsageDict as UsageDict,
    )
    from syftbox_accounting.records import (
        UserAccount as UserAccount,
    )
else:

    def __getattr__(name: str) -> Any:
        if name not in _RECORDS:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        from syftbox_accounting import records

        found = {n: getattr(records, n) for n in _RECORDS}
        globals().update(found)  # later reads skip this function
        return found[name]


def __dir__() -> list[str]:
    return sorted({*globals(), *_RECORDS})
