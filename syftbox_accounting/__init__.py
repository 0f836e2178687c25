"""Pay and get paid for AI services on the SyftBox network.

>>> from syftbox_accounting import Client
>>> client = Client()  # finds saved credentials; no network
>>> client.accounting_client.get_account_balance()

Names are loaded on first use, so ``import syftbox_accounting`` stays cheap for
programs that only need part of it (the CLI's ``--help``, the pytest plugin).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from syftbox_accounting._version import __version__

if TYPE_CHECKING:
    from syftbox_accounting.accounting import AccountingClient, Payment
    from syftbox_accounting.admin import AdminClient
    from syftbox_accounting.call_events import CallEvent
    from syftbox_accounting.client import Client
    from syftbox_accounting.errors import (
        AccountExistsError,
        AccountingError,
        AuthenticationError,
        BudgetExceededError,
        FeatureNotSupportedError,
        HoldExpiredError,
        InsufficientFundsError,
        InvalidInputError,
        NotFoundError,
        PaymentError,
        ServiceException,
    )
    from syftbox_accounting.http402.budget import Budget
    from syftbox_accounting.http402.paywall import payment_of, require_payment
    from syftbox_accounting.http402.receipt import PaymentReceipt, receipt_of
    from syftbox_accounting.render import format_money
    from syftbox_accounting.response_info import ResponseInfo
    from syftbox_accounting.transport import RetryPolicy
    from syftbox_accounting.types import (
        AccountInfo,
        ApiKey,
        ApiKeyScope,
        CredentialCheck,
        CredentialStatus,
        NewApiKey,
        Transaction,
        TransactionActor,
        TransactionList,
        TransactionStatus,
        Usage,
        User,
        UserAccount,
    )

# Where each public name lives.
_HOMES = {
    "AccountingClient": "accounting",
    "Payment": "accounting",
    "AdminClient": "admin",
    "Client": "client",
    "CallEvent": "call_events",
    "AccountExistsError": "errors",
    "AccountingError": "errors",
    "AuthenticationError": "errors",
    "BudgetExceededError": "errors",
    "FeatureNotSupportedError": "errors",
    "HoldExpiredError": "errors",
    "InsufficientFundsError": "errors",
    "InvalidInputError": "errors",
    "NotFoundError": "errors",
    "PaymentError": "errors",
    "ServiceException": "errors",
    "RetryPolicy": "transport",
    "format_money": "render",
    # Paying and charging over HTTP (the paywall needs the [http402] extra).
    "Budget": "http402.budget",
    "PaymentReceipt": "http402.receipt",
    "receipt_of": "http402.receipt",
    "payment_of": "http402.paywall",
    "require_payment": "http402.paywall",
    "ApiKey": "types",
    "ApiKeyScope": "types",
    "NewApiKey": "types",
    "CredentialCheck": "types",
    "CredentialStatus": "types",
    "Transaction": "types",
    "TransactionActor": "types",
    "TransactionList": "types",
    "TransactionStatus": "types",
    "Usage": "types",
    "AccountInfo": "types",
    "ResponseInfo": "response_info",
    "User": "types",
    "UserAccount": "types",
}

__all__ = [
    "AccountExistsError",
    "AccountInfo",
    "AccountingClient",
    "AccountingError",
    "AdminClient",
    "ApiKey",
    "ApiKeyScope",
    "AuthenticationError",
    "Budget",
    "BudgetExceededError",
    "CallEvent",
    "Client",
    "CredentialCheck",
    "CredentialStatus",
    "FeatureNotSupportedError",
    "HoldExpiredError",
    "InsufficientFundsError",
    "InvalidInputError",
    "NewApiKey",
    "NotFoundError",
    "Payment",
    "PaymentError",
    "PaymentReceipt",
    "ResponseInfo",
    "RetryPolicy",
    "ServiceException",
    "Transaction",
    "TransactionActor",
    "TransactionList",
    "TransactionStatus",
    "Usage",
    "User",
    "UserAccount",
    "__version__",
    "format_money",
    "payment_of",
    "receipt_of",
    "require_payment",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'syftbox_accounting' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"syftbox_accounting.{home}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
