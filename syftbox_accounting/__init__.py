"""Pay and get paid for AI services on the SyftBox network.

>>> from syftbox_accounting import Client
>>> client = Client()  # finds saved credentials; no network
>>> client.accounting_client.get_account_balance()
"""

from syftbox_accounting._version import __version__
from syftbox_accounting.accounting import AccountingClient, Payment
from syftbox_accounting.admin import AdminClient
from syftbox_accounting.client import Client
from syftbox_accounting.errors import (
    AccountExistsError,
    AccountingError,
    AuthenticationError,
    InsufficientFundsError,
    InvalidInputError,
    NotFoundError,
    PaymentError,
    ServiceException,
)
from syftbox_accounting.transport import RetryPolicy
from syftbox_accounting.types import (
    CredentialCheck,
    CredentialStatus,
    Transaction,
    TransactionActor,
    TransactionStatus,
    User,
    UserAccount,
)

__all__ = [
    "AccountExistsError",
    "AccountingClient",
    "AccountingError",
    "AdminClient",
    "AuthenticationError",
    "Client",
    "CredentialCheck",
    "CredentialStatus",
    "InsufficientFundsError",
    "InvalidInputError",
    "NotFoundError",
    "Payment",
    "PaymentError",
    "RetryPolicy",
    "ServiceException",
    "Transaction",
    "TransactionActor",
    "TransactionStatus",
    "User",
    "UserAccount",
    "__version__",
]
