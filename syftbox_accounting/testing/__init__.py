"""Test your own code against the accounting service: a real local service, failures
on demand, an in-process mode without sockets, and mocks checked against the contract.

Installed with the library, this pytest plugin gives two fixtures (``pip install
'syftbox-accounting[testing]'``):

- `accounting_service`: the reference service, wiped before each test, reached over
  a loopback port or in process; its `faults` make requests fail on demand;
- `accounting_mock`: pytest-httpx answers built from `openapi.yaml` and checked
  against it, as is every request sent to them.

>>> def test_my_service_charges(accounting_service):
...     payer = accounting_service.create_account(balance=10)
...     service = accounting_service.create_account()
...     token = payer.create_transaction_token_sync(service.get_email())
...     accounting_service.faults.lose_answer("confirmTransaction")
...     my_service_handles_a_query(service, payer.get_email(), token)  # your code
...     assert payer.get_account_balance() == 9.75  # charged once

Names are loaded on first use: the plugin costs nothing to tests that do not use it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from syftbox_accounting.testing.contract import Contract, ContractViolation
    from syftbox_accounting.testing.faults import Fault, Faults
    from syftbox_accounting.testing.harness import IN_PROCESS_URL, AccountingTestService
    from syftbox_accounting.testing.inprocess import AsyncServiceTransport, ServiceTransport
    from syftbox_accounting.testing.mocks import ContractMock

_HOMES = {
    "AccountingTestService": "harness",
    "IN_PROCESS_URL": "harness",
    "Fault": "faults",
    "Faults": "faults",
    "Contract": "contract",
    "ContractViolation": "contract",
    "ContractMock": "mocks",
    "ServiceTransport": "inprocess",
    "AsyncServiceTransport": "inprocess",
}

__all__ = [
    "IN_PROCESS_URL",
    "AccountingTestService",
    "AsyncServiceTransport",
    "Contract",
    "ContractMock",
    "ContractViolation",
    "Fault",
    "Faults",
    "ServiceTransport",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'syftbox_accounting.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"syftbox_accounting.testing.{home}"), name)
    globals()[name] = value
    return value
