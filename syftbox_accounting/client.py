"""`Client`: the entry point, holding one `AccountingClient`."""

from __future__ import annotations

from syftbox_accounting.accounting import AccountingClient

__all__ = ["Client"]


class Client:
    """The SyftBox client's accounting side.

    `Client()` discovers saved credentials (the config file, then the environment)
    without touching the network; `Client(accounting_client=...)` uses one you built.

    >>> client = Client()
    >>> if client.accounting_client.is_configured():
    ...     client.accounting_client.show()

    Raises:
        AuthenticationError: only one of SYFTBOX_ACCOUNTING_EMAIL and
            SYFTBOX_ACCOUNTING_PASSWORD is set.
    """

    def __init__(self, accounting_client: AccountingClient | None = None) -> None:
        if accounting_client is None:
            accounting_client, _ = AccountingClient.setup_accounting_discovery()
        self.accounting_client = accounting_client

    def __repr__(self) -> str:
        return f"Client(accounting_client=<{self.accounting_client.accounting_url}>)"
