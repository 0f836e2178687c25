"""The payments area of `AccountingClient`: what a payer does. It makes transaction
tokens for the services it uses, pays directly (`create_transaction`, `transfer`), and
pays services over HTTP (`paying_http_client`: the HTTP 402 Payment scheme)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import httpx

# The package, for `syftbox_accounting.Budget` in signatures: it resolves on first use
# (typing.get_type_hints), so that loading the client never loads the budget module.
import syftbox_accounting
from syftbox_accounting import operations, types, validation
from syftbox_accounting.accounting import settlement
from syftbox_accounting.accounting.base import UserBase, other_account
from syftbox_accounting.service_client import twin
from syftbox_accounting.transport import Flow, result_of

if TYPE_CHECKING:
    from syftbox_accounting.http402.budget import Reservation

__all__ = ["PaymentMethods"]


class PaymentMethods(UserBase):
    """As a payer: tokens for the services you use, and payments you make yourself."""

    def _create_transaction_token(
        self,
        recipient_email: str,
        max_amount: Any,
        expires_in: Any,
        idempotency_key: str | None,
        budgeted: bool = True,
    ) -> Flow[str]:
        recipient = validation.email(recipient_email, "recipient_email")
        limit = validation.optional_amount(max_amount, "max_amount")
        call = operations.create_token(
            recipient,
            max_amount=limit,
            expires_in=validation.expires_in(expires_in),
            idempotency_key=validation.idempotency_key(idempotency_key),
        )
        # The service refuses a token to oneself (422): say so before sending.
        yield from other_account(self, recipient, "recipient_email")
        # The budget counts the token at its limit before it exists (`budgeted=False`:
        # the paying clients counted it themselves).
        reserving = self._reserving(recipient, limit) if budgeted else None
        reservation: Reservation | None = (yield reserving) if reserving is not None else None
        try:
            token = yield from result_of(call)
        except BaseException as exc:
            if reservation is not None:
                from syftbox_accounting.http402.budget import releasing

                # No token reached us: nobody can charge it.
                release = releasing((reservation,))
                if isinstance(exc, GeneratorExit):
                    release.call()  # a flow being closed takes no step
                else:
                    yield release
            raise
        self._transport.remember_secret(token)
        return token

    async def create_transaction_token(
        self,
        recipient_email: str,
        *,
        max_amount: int | float | Decimal | None = None,
        expires_in: int | float | datetime.timedelta | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """A single-use token that lets `recipient_email` charge this account once,
        within 24 hours. Hand it to the service with the request it pays for.
        `max_amount` caps that charge (in US dollars), `expires_in` (seconds or a
        timedelta, at most 24 hours) shortens the token's life; both are signed into
        the token, so its holder cannot change them.

        >>> token = await client.create_transaction_token("ai-service@example.com")
        >>> token = await client.create_transaction_token(
        ...     "ai-service@example.com", max_amount=Decimal("0.50"), expires_in=600)

        A client with a `budget` checks it first, and counts the token at its
        `max_amount` (which it then needs).

        Raises:
            BudgetExceededError: the client's budget refuses it; no token was made.
            NotFoundError: the recipient has no account.
            AuthenticationError: no or wrong credentials.
            InvalidInputError: a malformed email, limit or key; no `max_amount` while
                the client has a budget.
        """
        return await self._run_async(
            self._create_transaction_token(recipient_email, max_amount, expires_in, idempotency_key)
        )

    @twin(create_transaction_token)
    def create_transaction_token_sync(
        self,
        recipient_email: str,
        *,
        max_amount: int | float | Decimal | None = None,
        expires_in: int | float | datetime.timedelta | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        return self._run(
            self._create_transaction_token(recipient_email, max_amount, expires_in, idempotency_key)
        )

    def _create_transaction(
        self,
        recipient_email: str,
        amount: Any,
        labels: tuple[str | None, str | None],
        hold_for: Any,
        idempotency_key: str | None,
    ) -> Flow[types.Transaction]:
        recipient = validation.email(recipient_email, "recipient_email")
        value = validation.amount(amount)
        names = (settlement.app_name(labels[0]), settlement.endpoint(labels[1]))
        hold = validation.expires_in(hold_for, "hold_for")
        key = validation.idempotency_key(idempotency_key)
        call = operations.create_transaction(
            sender_email=(yield from other_account(self, recipient, "recipient_email")),
            recipient_email=recipient,
            amount=value,
            app_name=names[0],
            endpoint=names[1],
            hold_for=hold,
            idempotency_key=key,
        )
        return (yield from result_of(call))

    def create_transaction(
        self,
        recipient_email: str,
        amount: int | float | Decimal,
        *,
        app_name: str | None = None,
        endpoint: str | None = None,
        hold_for: int | float | datetime.timedelta | None = None,
        idempotency_key: str | None = None,
    ) -> types.Transaction:
        """As a payer: create a PENDING direct payment to `recipient_email`; no money
        moves until you `confirm_transaction()` it. At a service with holds it holds
        `amount` of your balance meanwhile, for `hold_for` (seconds or a timedelta;
        an hour by default, at most 24 hours), then lapses.

        Raises:
            InsufficientFundsError: your available balance does not cover `amount`.
            NotFoundError: the recipient has no account.
            FeatureNotSupportedError: `hold_for` at a service without holds.
            InvalidInputError: a malformed email, amount, duration or key.
        """
        return self._run(
            self._create_transaction(
                recipient_email, amount, (app_name, endpoint), hold_for, idempotency_key
            )
        )

    @twin(create_transaction)
    async def create_transaction_async(
        self,
        recipient_email: str,
        amount: int | float | Decimal,
        *,
        app_name: str | None = None,
        endpoint: str | None = None,
        hold_for: int | float | datetime.timedelta | None = None,
        idempotency_key: str | None = None,
    ) -> types.Transaction:
        return await self._run_async(
            self._create_transaction(
                recipient_email, amount, (app_name, endpoint), hold_for, idempotency_key
            )
        )

    def _transfer(
        self,
        recipient_email: str,
        amount: Any,
        app_name: str | None,
        endpoint: str | None,
        idempotency_key: str | None,
    ) -> Flow[types.Transaction]:
        key = settlement.flow_key(idempotency_key, True)
        assert key is not None
        with settlement.reported_as(key):
            pending = yield from self._create_transaction(
                recipient_email, amount, (app_name, endpoint), None, key
            )
            return (yield from settlement.confirm_or_cancel(pending, key))

    def transfer(
        self,
        recipient_email: str,
        amount: int | float | Decimal,
        *,
        app_name: str | None = None,
        endpoint: str | None = None,
        idempotency_key: str | None = None,
    ) -> types.Transaction:
        """As a payer: pay `recipient_email` `amount` dollars now (created and
        confirmed). Returns the COMPLETED transaction. If confirming fails, the
        pending transaction is cancelled and the error says so; when the outcome of
        the confirmation is unknown and the service honours idempotency keys, it is
        confirmed again with the same key instead. Repeating a transfer with the
        same `idempotency_key` pays once.

        >>> client.transfer("bob@example.com", 10)

        Raises:
            InsufficientFundsError: your available balance does not cover `amount`.
            NotFoundError: the recipient has no account.
            InvalidInputError: a malformed email, amount or key.
        """
        return self._run(
            self._transfer(recipient_email, amount, app_name, endpoint, idempotency_key)
        )

    @twin(transfer)
    async def transfer_async(
        self,
        recipient_email: str,
        amount: int | float | Decimal,
        *,
        app_name: str | None = None,
        endpoint: str | None = None,
        idempotency_key: str | None = None,
    ) -> types.Transaction:
        return await self._run_async(
            self._transfer(recipient_email, amount, app_name, endpoint, idempotency_key)
        )

    def paying_http_client(
        self,
        *,
        budget: syftbox_accounting.Budget | None = None,
        allowed_origins: Iterable[str] | None = None,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        **options: Any,
    ) -> httpx.Client:
        """An `httpx.Client` that pays for what it asks: a service that answers ``402``
        with a ``syftbox`` challenge (the HTTP 402 Payment scheme, see
        docs/http402-syftbox.md) gets a token bounded to the challenge's amount and
        expiry, and the request is sent once more with it. The answer's receipt is
        ``receipt_of(response)`` (a `PaymentReceipt`). Needs the ``[http402]`` extra.

        It pays a challenge once: when a paid answer is lost and you send the same
        request again, it carries the same credential, which the service charges
        once. It refuses (raising `PaymentError` before any token exists) a service
        outside `allowed_origins` (origins such as ``"https://ai.example.com"``; None
        allows any), one reached over plain http:// (loopback aside, unless this
        client allows insecure http), and a challenge to be paid through another
        accounting service than this client's. `budget`, and this client's own
        budget, are checked before any token is made. `transport` is the httpx
        transport that reaches the services (an async one for the async twin);
        `options` go to `httpx.Client` / `httpx.AsyncClient` (``base_url``,
        ``timeout``, ``headers``...).

        >>> with accounting.paying_http_client(budget=Budget(per_call="0.50")) as http:
        ...     answer = http.post("https://ai.example.com/summarize", json={"text": text})
        ...     receipt_of(answer).amount
        Decimal('0.25')

        Raises:
            InvalidInputError: a malformed budget, origin, transport or option.
            ImportError: pympp is missing: ``pip install 'syftbox-accounting[http402]'``.
        """
        from syftbox_accounting.http402 import paying

        return paying.http_client(self, budget, allowed_origins, transport, options)

    @twin(paying_http_client)
    def paying_http_client_async(
        self,
        *,
        budget: syftbox_accounting.Budget | None = None,
        allowed_origins: Iterable[str] | None = None,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        **options: Any,
    ) -> httpx.AsyncClient:
        from syftbox_accounting.http402 import paying

        return paying.async_http_client(self, budget, allowed_origins, transport, options)

    # The name the HTTP 402 work was asked for; the twin's name follows the house rule.
    paying_async_http_client = paying_http_client_async
