"""The only door into the generated client (`syftbox_accounting_client`).

Every name the facade uses from the generated package is declared here, so mypy
checks each call into it, and a generator upgrade that renames something breaks
here first. Names load on first use: the generated package imports all of its
models at once (~25 ms), a cost the first request pays, not ``import
syftbox_accounting``.

>>> from syftbox_accounting import _generated as gen
>>> gen.get_my_info._get_kwargs()
{'method': 'get', 'url': '/user/my-info'}
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Where each name lives in the generated package (a module, or a name in one); under
# TYPE_CHECKING the same names are imported for real, so mypy sees them exactly.
_API = "syftbox_accounting_client.api"
_HOMES: dict[str, tuple[str, str | None]] = {
    "models": ("syftbox_accounting_client.models", None),
    "Unset": ("syftbox_accounting_client.types", "Unset"),
    "UNSET": ("syftbox_accounting_client.types", "UNSET"),
    "create_user": (f"{_API}.users.create_user", None),
    "get_my_info": (f"{_API}.users.get_my_info", None),
    "update_password": (f"{_API}.users.update_password", None),
    "update_organization": (f"{_API}.users.update_organization", None),
    "create_token": (f"{_API}.tokens.create_token", None),
    "create_transaction": (f"{_API}.transactions.create_transaction", None),
    "confirm_transaction": (f"{_API}.transactions.confirm_transaction", None),
    "cancel_transaction": (f"{_API}.transactions.cancel_transaction", None),
    "refund_transaction": (f"{_API}.transactions.refund_transaction", None),
    "list_transactions": (f"{_API}.transactions.list_transactions", None),
    "get_transaction": (f"{_API}.transactions.get_transaction", None),
    "get_usage": (f"{_API}.users.get_usage", None),
    "add_balance": (f"{_API}.admin.add_balance", None),
    "get_user": (f"{_API}.admin.get_user", None),
    "list_users": (f"{_API}.admin.list_users", None),
}

if TYPE_CHECKING:
    from syftbox_accounting_client import models
    from syftbox_accounting_client.api.admin import add_balance, get_user, list_users
    from syftbox_accounting_client.api.tokens import create_token
    from syftbox_accounting_client.api.transactions import (
        cancel_transaction,
        confirm_transaction,
        create_transaction,
        get_transaction,
        list_transactions,
        refund_transaction,
    )
    from syftbox_accounting_client.api.users import (
        create_user,
        get_my_info,
        get_usage,
        update_organization,
        update_password,
    )
    from syftbox_accounting_client.types import UNSET, Unset
else:

    def __getattr__(name: str) -> Any:
        home = _HOMES.get(name)
        if home is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        module = importlib.import_module(home[0])
        value = module if home[1] is None else getattr(module, home[1])
        globals()[name] = value  # later lookups skip this function
        return value


__all__ = [
    "UNSET",
    "Unset",
    "add_balance",
    "cancel_transaction",
    "confirm_transaction",
    "create_token",
    "create_transaction",
    "create_user",
    "get_my_info",
    "get_transaction",
    "get_usage",
    "get_user",
    "list_transactions",
    "list_users",
    "models",
    "refund_transaction",
    "update_organization",
    "update_password",
]
