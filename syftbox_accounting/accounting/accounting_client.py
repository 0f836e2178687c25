"""`AccountingClient`: every operation of a user, composed from one room per area."""

from __future__ import annotations

from syftbox_accounting.accounting.account import AccountMethods
from syftbox_accounting.accounting.charges import ChargeMethods
from syftbox_accounting.accounting.history import HistoryMethods
from syftbox_accounting.accounting.keys import KeyMethods
from syftbox_accounting.accounting.payments import PaymentMethods

__all__ = ["AccountingClient"]


class AccountingClient(AccountMethods, PaymentMethods, ChargeMethods, HistoryMethods, KeyMethods):
    """A user's connection to the accounting service: balance, tokens, payments.

    Nothing touches the network on construction. Credentials come from the
    arguments, `configure()`, `register_accounting()`, or discovery
    (`setup_accounting_discovery()`). ``help(AccountingClient)`` lists the methods
    by area: account, payments (as a payer), charges (as a service), history,
    API keys, and the configured user they share.

    >>> client = AccountingClient(email="alice@example.com", password="...")
    >>> client.get_account_balance()
    100.0
    >>> token = await client.create_transaction_token("ai-service@example.com")

    Args:
        accounting_url: the service; defaults to ``SYFTBOX_ACCOUNTING_URL``, else the
            public SyftBox service.
        email, password: the account's credentials, if known.
        api_key: an API key of the account (``sbk_...``, from `create_api_key()`), used
            instead of the password at a service that supports keys; with both, the
            password serves a service without keys (the public one), said once at
            ``SYFTBOX_ACCOUNTING_LOG=info``; a key alone there is an error. The email
            may then be left out (learned from the service when needed).
        timeout: seconds for each request phase (connect, read, write); default
            ``SYFTBOX_ACCOUNTING_TIMEOUT``, else 10.
        max_retries: retries of a failed request (GETs; any request when nothing was
            sent; a POST/PUT, with its idempotency key, at a service that echoed one);
            default ``SYFTBOX_ACCOUNTING_MAX_RETRIES``, else 2.
        allow_insecure_http: allow plain http:// to a host that is not loopback
            (default: ``SYFTBOX_ACCOUNTING_ALLOW_INSECURE_HTTP``, else False).
        http_client, async_http_client: httpx clients to use instead of our own.
        retry_policy: the full retry settings (`RetryPolicy`: retries and backoff),
            instead of `max_retries`.
        max_response_bytes: the most an answer may weigh once decompressed
            (default 64 MiB); a larger one is a `ServiceException`.
        deadline: seconds a whole call may take, retries included (default: three
            times `timeout` per attempt), so a service that drips its answer cannot hold it.
        budget: a `Budget` this client's payments must keep to: checked before any
            token is made, by `create_transaction_token` and the paying HTTP clients.
        hooks: functions called on each call's request, retry, response and error, with
            a `CallEvent` (no secret in it): a list for every event, or a mapping such as
            ``{"error": [alert]}``. See `syftbox_accounting.hooks`; for OpenTelemetry
            spans, ``hooks=[syftbox_accounting.otel.SpanHook()]``.

    Raises:
        InvalidInputError: an argument is malformed.
    """
