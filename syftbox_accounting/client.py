"""`Client`: the entry point, holding one `AccountingClient`."""

from __future__ import annotations

from syftbox_accounting.accounting import AccountingClient
from syftbox_accounting.errors import InvalidInputError

__all__ = ["Client"]


class Client:
    """The SyftBox client's accounting side.

    `Client()` discovers saved credentials (the config file, then the environment)
    without touching the network; `Client(accounting_client=...)` uses one you built.
    `allow_insecure_http=True` (or ``SYFTBOX_ACCOUNTING_ALLOW_INSECURE_HTTP=1``) lets a
    discovered plain http:// URL to a host that is not loopback be used, such as
    ``SYFTBOX_ACCOUNTING_URL=http://accounting:8000`` in docker-compose.

    >>> client = Client()
    >>> if client.accounting_client.is_configured():
    ...     client.accounting_client.show()

    Raises:
        AuthenticationError: only one of SYFTBOX_ACCOUNTING_EMAIL and
            SYFTBOX_ACCOUNTING_PASSWORD is set.
        InvalidInputError: `accounting_client` is not an AccountingClient.
    """

    def __init__(
        self,
        accounting_client: AccountingClient | None = None,
        *,
        allow_insecure_http: bool | None = None,
    ) -> None:
        if accounting_client is None:
            accounting_client, _ = AccountingClient.setup_accounting_discovery(
                allow_insecure_http=allow_insecure_http
            )
        elif not isinstance(accounting_client, AccountingClient):
            raise InvalidInputError(
                "accounting_client must be an AccountingClient, not "
                f"{type(accounting_client).__name__}."
            )
        self.accounting_client = accounting_client

    def __repr__(self) -> str:
        # A traceback that captures locals shows the `self` of a failed __init__ too.
        made = getattr(self, "accounting_client", None)
        if made is None:
            return "Client(accounting_client=<not made>)"
        return f"Client(accounting_client=<{made.accounting_url}>)"
