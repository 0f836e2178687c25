"""`AccountingTestService`: what the `accounting_service` fixture yields."""

from __future__ import annotations

import itertools
import secrets
from decimal import Decimal
from typing import TYPE_CHECKING

import httpx

from syftbox_accounting import validation
from syftbox_accounting.accounting import AccountingClient
from syftbox_accounting.admin import AdminClient

if TYPE_CHECKING:
    from syftbox_accounting.server import BackgroundService

__all__ = ["AccountingTestService"]


class AccountingTestService:
    """A running reference service with helpers to make funded accounts.

    Attributes:
        url: the service's base URL (``http://127.0.0.1:PORT``).
        admin: an `AdminClient` holding the service's admin key.
    """

    def __init__(self, service: BackgroundService) -> None:
        self._service = service
        self.url = service.url
        # One connection pool for every sync client made here: no TCP handshake per
        # account. Async clients keep their own, per event loop.
        self._http = httpx.Client(follow_redirects=False)
        self.admin = AdminClient(self.url, service.admin_key, http_client=self._http)
        self._clients: list[AccountingClient] = []
        self._numbers = itertools.count(1)

    def __repr__(self) -> str:
        return f"AccountingTestService({self.url!r})"

    @property
    def admin_key(self) -> str:
        """The service's admin key, for code under test that needs it."""
        return self._service.admin_key

    def client(self, email: str | None = None, password: str | None = None) -> AccountingClient:
        """An `AccountingClient` for this service, configured when both are given."""
        client = AccountingClient(self.url, email, password, http_client=self._http)
        self._clients.append(client)
        return client

    def create_account(
        self,
        email: str | None = None,
        *,
        balance: int | float | Decimal = 100,
        password: str | None = None,
        organization: str | None = None,
    ) -> AccountingClient:
        """Register an account holding exactly `balance` dollars and return a client
        configured with it. The email defaults to a fresh ``user-N@example.com``."""
        email = email or f"user-{next(self._numbers)}-{secrets.token_hex(3)}@example.com"
        client = self.client()
        client.register_accounting(
            email, password or secrets.token_urlsafe(16), organization=organization
        )
        start = client.get_account().balance
        wanted = Decimal(0) if balance == 0 else validation.amount(balance, "balance")
        if wanted < start:
            raise ValueError(
                f"balance {balance} is below the service's initial credit {start}: start the "
                "service with a lower initial credit."
            )
        if wanted > start:
            self.admin.add_balance(email, wanted - start)
        return client

    def reset(self) -> None:
        """Wipe every account and transaction, and close the clients made so far."""
        self._close_clients()
        self._service.reset()

    def _close_clients(self) -> None:
        # Also what a test forgot: an async client whose event loop has ended cannot
        # be awaited, so its sockets are closed directly (else the NEXT test would
        # fail on a ResourceWarning).
        for client in self._clients:
            client.close()
            client._transport.abandon_async()
        self._clients.clear()

    def close(self) -> None:
        """Close every client made here (sync and async) and the shared pool."""
        self._close_clients()
        self.admin.close()
        self._http.close()
