"""`AdminClient`: the operator's calls, authorized by the service's admin key."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from syftbox_accounting import operations, validation
from syftbox_accounting.hooks import HooksArg
from syftbox_accounting.service_client import ServiceClient, twin
from syftbox_accounting.transport import DEFAULT_MAX_RESPONSE_BYTES, Flow, RetryPolicy, result_of
from syftbox_accounting.types import Transaction, User

__all__ = ["AdminClient"]


class AdminClient(ServiceClient):
    """Credit accounts and look them up, with the service's admin key.

    >>> admin = AdminClient("http://127.0.0.1:8000", admin_key)
    >>> admin.add_balance("alice@example.com", 50)

    The options (`timeout`, `max_retries`, `retry_policy`, `max_response_bytes`,
    `deadline`, `hooks`...) are those of `AccountingClient`.

    Raises:
        InvalidInputError: a malformed URL or an empty admin key.
    """

    _URL_PARAMETER = "url"

    @validation.hides("admin_key")
    def __init__(
        self,
        url: str,
        admin_key: str,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        allow_insecure_http: bool | None = None,
        http_client: httpx.Client | None = None,
        async_http_client: httpx.AsyncClient | None = None,
        retry_policy: RetryPolicy | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        deadline: float | None = None,
        hooks: HooksArg | None = None,
    ) -> None:
        super().__init__(
            url,
            timeout=timeout,
            max_retries=max_retries,
            allow_insecure_http=allow_insecure_http,
            http_client=http_client,
            async_http_client=async_http_client,
            retry_policy=retry_policy,
            max_response_bytes=max_response_bytes,
            deadline=deadline,
            hooks=hooks,
        )
        self._transport.set_bearer(validation.admin_key(admin_key))

    def __repr__(self) -> str:
        transport = getattr(self, "_transport", None)  # None: a failed __init__'s `self`
        url = transport.base_url if transport is not None else "<not made>"
        return f"AdminClient({url!r}, admin_key='********')"

    def _add_balance(
        self, email: str, amount: int | float | Decimal, idempotency_key: str | None
    ) -> Flow[User]:
        call = operations.add_balance(
            validation.email(email),
            validation.amount(amount),
            validation.idempotency_key(idempotency_key),
        )
        return (yield from result_of(call))

    def add_balance(
        self, email: str, amount: int | float | Decimal, *, idempotency_key: str | None = None
    ) -> User:
        """Add `amount` dollars to `email`'s balance; returns the account. Repeating a
        call with the same `idempotency_key` credits once.

        Raises:
            NotFoundError: no such account.
            AuthenticationError: a wrong admin key, or admin calls are disabled.
            InvalidInputError: a malformed email, amount or key.
        """
        return self._run(self._add_balance(email, amount, idempotency_key))

    @twin(add_balance)
    async def add_balance_async(
        self, email: str, amount: int | float | Decimal, *, idempotency_key: str | None = None
    ) -> User:
        return await self._run_async(self._add_balance(email, amount, idempotency_key))

    def _get_user(self, email: str) -> Flow[User]:
        return (yield from result_of(operations.get_user(validation.email(email))))

    def get_user(self, email: str) -> User:
        """The account registered with `email`.

        Raises:
            NotFoundError: no such account.
            AuthenticationError: a wrong admin key, or admin calls are disabled.
        """
        return self._run(self._get_user(email))

    @twin(get_user)
    async def get_user_async(self, email: str) -> User:
        return await self._run_async(self._get_user(email))

    def _list_users(self) -> Flow[list[User]]:
        return (yield from result_of(operations.list_users()))

    def list_users(self) -> list[User]:
        """Every account, oldest first.

        Raises:
            AuthenticationError: a wrong admin key, or admin calls are disabled.
        """
        return self._run(self._list_users())

    @twin(list_users)
    async def list_users_async(self) -> list[User]:
        return await self._run_async(self._list_users())

    def _refund_transaction(
        self, transaction_id: str, amount: Any, reason: str | None, idempotency_key: str | None
    ) -> Flow[Transaction]:
        tx_id, refunded, why = validation.refund(transaction_id, amount, reason)
        call = operations.refund_transaction(
            tx_id,
            amount=refunded,
            reason=why,
            idempotency_key=validation.idempotency_key(idempotency_key),
            auth="bearer",
        )
        return (yield from result_of(call))

    def refund_transaction(
        self,
        transaction_id: str,
        *,
        amount: int | float | Decimal | None = None,
        reason: str | None = None,
        idempotency_key: str | None = None,
    ) -> Transaction:
        """As the operator: give back all (the default) or `amount` of a completed
        payment, from its recipient to its payer. Returns the refund (its
        `created_by` is SYSTEM). Repeating a call with the same `idempotency_key`
        gives back once.

        Raises:
            PaymentError: the payment is not completed, is a refund itself, or less
                than `amount` is left to refund.
            InsufficientFundsError: the recipient's available balance does not cover it.
            FeatureNotSupportedError: the service has no refunds; nothing was sent.
            NotFoundError: no such transaction.
            AuthenticationError: a wrong admin key, or admin calls are disabled.
        """
        return self._run(self._refund_transaction(transaction_id, amount, reason, idempotency_key))

    @twin(refund_transaction)
    async def refund_transaction_async(
        self,
        transaction_id: str,
        *,
        amount: int | float | Decimal | None = None,
        reason: str | None = None,
        idempotency_key: str | None = None,
    ) -> Transaction:
        return await self._run_async(
            self._refund_transaction(transaction_id, amount, reason, idempotency_key)
        )
