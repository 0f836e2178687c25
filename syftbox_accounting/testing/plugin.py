"""The pytest plugin (entry point ``pytest11``): the `accounting_service` fixture.

Importing this module costs nothing: the service is imported and started only when
a test asks for the fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from syftbox_accounting.server import BackgroundService
    from syftbox_accounting.testing.harness import AccountingTestService


@pytest.fixture(scope="session")
def accounting_service_session() -> Iterator[BackgroundService]:
    """The reference service for the whole session, on a loopback port. New accounts
    get no initial credit, so `create_account(balance=...)` is exact. It hashes
    passwords with a trivial cost (fast, and fine only in tests)."""
    try:
        from syftbox_accounting.server import BackgroundService
    except ImportError as exc:  # pragma: no cover - depends on the install
        pytest.fail(
            f"The accounting_service fixture needs the server extra ({exc}): "
            "pip install 'syftbox-accounting[server]'",
            pytrace=False,
        )
    with BackgroundService(initial_credit=Decimal(0), fast_password_hash=True) as service:
        yield service


@pytest.fixture
def accounting_service(
    accounting_service_session: BackgroundService,
) -> Iterator[AccountingTestService]:
    """A reference accounting service with no accounts, for one test.

    >>> def test_pay(accounting_service):
    ...     payer = accounting_service.create_account(balance=5)
    ...     assert payer.get_account_balance() == 5.0
    """
    from syftbox_accounting.testing.harness import AccountingTestService

    accounting_service_session.reset()
    harness = AccountingTestService(accounting_service_session)
    try:
        yield harness
    finally:
        harness.close()
