"""Test your own code against a real, local accounting service.

Installed with the library, this pytest plugin gives the `accounting_service`
fixture: the reference service on a loopback port, started once per test session
and wiped before each test. It needs the `server` extra
(``pip install 'syftbox-accounting[server]'``).

>>> def test_my_service_charges(accounting_service):
...     payer = accounting_service.create_account(balance=10)
...     service = accounting_service.create_account()
...     token = payer.create_transaction_token_sync(service.get_email())
...     service.transfer  # ... your code charges with `token` ...
...     assert payer.get_account_balance() == 9.75
"""

from syftbox_accounting.testing.harness import AccountingTestService

__all__ = ["AccountingTestService"]
