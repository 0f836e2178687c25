"""The history area of `AccountingClient`: the account summary, transaction history
(whole, paged or lazily iterated), one transaction, and usage totals."""

from __future__ import annotations

import datetime
import logging
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

from syftbox_accounting import errors, operations, types, validation
from syftbox_accounting._lazy import lazy_module
from syftbox_accounting.accounting.base import UserBase
from syftbox_accounting.errors import AccountingError
from syftbox_accounting.service_client import twin
from syftbox_accounting.transport import Flow, Gather, result_of
from syftbox_accounting.types import TransactionStatus, User

if TYPE_CHECKING:
    from syftbox_accounting import records
else:
    # Filters and pages: built on the first history call, not at import.
    records = lazy_module("syftbox_accounting.records")

__all__ = ["HistoryMethods", "account_summary", "summarize"]

HISTORY_IN_INFO = 10
DEFAULT_PAGE_SIZE = 100
_USAGE_PATH = "/user/usage"
_LOOKUP_PATH = "/transactions/"
log = logging.getLogger("syftbox_accounting")


class HistoryMethods(UserBase):
    """What happened: the account summary, the history of transactions, and usage."""

    # Set once the service shows it lacks GET /user/usage (the public protocol).
    _usage_missing = False
    # Set once it shows it lacks GET /transactions/{id} (the public protocol too).
    _lookup_missing = False

    def _get_account_info(self) -> Flow[types.AccountInfo]:
        recent = operations.list_transactions(limit=HISTORY_IN_INFO)
        if not self._usage_missing:
            try:
                user, usage, page = yield Gather(
                    (operations.get_my_info(), operations.get_usage(), recent)
                )
            except AccountingError as exc:
                if not self._lacks_usage(exc):
                    raise
            else:
                self._learned(user)
                latest = _newest_first(page.transactions, records.HistoryFilter(), user.email)
                return account_summary(user, usage, latest, self.accounting_url)
        # The service has no usage summary: compute it from the whole history.
        user, page = yield Gather((operations.get_my_info(), operations.list_transactions()))
        self._learned(user)
        history = _newest_first(page.transactions, records.HistoryFilter(), user.email)
        return account_summary(user, summarize(history, user.email), history, self.accounting_url)

    async def get_account_info(self) -> types.AccountInfo:
        """Balance, account id, email, organization and currency, with the usage
        summary (`get_usage()`) and the 10 newest transactions as billing history.
        Fetches the three concurrently; the cost does not grow with the history.

        >>> info = await client.get_account_info()
        >>> info["balance"], info["account_id"], info["usage"]["total_spent"]

        Raises:
            AuthenticationError: no or wrong credentials.
            ServiceException: the service is unreachable or failing.
        """
        return await self._run_async(self._get_account_info())

    @twin(get_account_info)
    def get_account_info_sync(self) -> types.AccountInfo:
        return self._run(self._get_account_info())

    def _get_transaction_history(
        self, limit: int | None, filters: records.HistoryFilter
    ) -> Flow[list[types.Transaction]]:
        me = self._email or ""  # for filtering an answer the service did not filter
        found: list[types.Transaction] = []
        cursor: str | None = None
        while True:
            size = None if limit is None else min(validation.MAX_PAGE_SIZE, limit - len(found))
            page = yield from result_of(
                operations.list_transactions(filters, limit=size, cursor=cursor)
            )
            self._own_transactions(page.transactions)
            if not page.paged:  # a service without pages sent everything, unfiltered
                return _newest_first(page.transactions, filters, me)[:limit]
            found += page.transactions
            if limit is None:  # the answer holds them all: a cursor would mean nothing
                return _newest_first(found, filters, me)
            if len(found) >= limit or _last_page(page, cursor):
                return found
            cursor = page.next_cursor

    def get_transaction_history(
        self,
        limit: int | None = None,
        *,
        status: TransactionStatus | str | None = None,
        created_after: datetime.datetime | None = None,
        created_before: datetime.datetime | None = None,
        counterparty: str | None = None,
    ) -> types.TransactionList:
        """Your transactions, sent or received, newest first: all of them, or the
        newest `limit` (1 to 10,000, asked of the service page by page). Filters:
        `status`, created at or after `created_after` and before `created_before`
        (aware datetimes), and `counterparty` (the other party's email). For long
        histories, `iter_transactions()` walks them page by page.

        The list shows itself as a table (text in a terminal, HTML in Jupyter), and
        gives rows for pandas: ``to_records()``, ``to_dataframe()``.

        >>> client.get_transaction_history(10, status="PENDING")

        Raises:
            InvalidInputError: a limit out of range, a naive datetime, a bad email.
            AuthenticationError: no or wrong credentials.
        """
        found = self._run(
            self._get_transaction_history(
                _limit(limit), _filters(status, created_after, created_before, counterparty)
            )
        )
        return types.TransactionList(found, owner=self._email)

    @twin(get_transaction_history)
    async def get_transaction_history_async(
        self,
        limit: int | None = None,
        *,
        status: TransactionStatus | str | None = None,
        created_after: datetime.datetime | None = None,
        created_before: datetime.datetime | None = None,
        counterparty: str | None = None,
    ) -> types.TransactionList:
        found = await self._run_async(
            self._get_transaction_history(
                _limit(limit), _filters(status, created_after, created_before, counterparty)
            )
        )
        return types.TransactionList(found, owner=self._email)

    def _iter_transactions(
        self, filters: records.HistoryFilter, page_size: int, cursor: str | None
    ) -> Flow[records.Page]:
        page = yield from result_of(
            operations.list_transactions(filters, limit=page_size, cursor=cursor)
        )
        self._own_transactions(page.transactions)
        if page.paged:
            return page
        # A service without pages sent everything: one last page, filtered here.
        return records.Page(
            _newest_first(page.transactions, filters, self._email or ""), None, False
        )

    def iter_transactions(
        self,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        status: TransactionStatus | str | None = None,
        created_after: datetime.datetime | None = None,
        created_before: datetime.datetime | None = None,
        counterparty: str | None = None,
    ) -> Iterator[types.Transaction]:
        """Every transaction of yours that matches the filters (as in
        `get_transaction_history()`), newest first, fetched lazily `page_size` (1 to
        1,000) at a time: memory holds one page. Transactions created during the walk
        are not included; none is skipped or repeated.

        >>> for tx in client.iter_transactions(status="COMPLETED"):
        ...     total += tx.amount

        Raises:
            InvalidInputError: at once, for a bad page size or filter.
            AccountingError: while iterating, as `get_transaction_history()`.
        """
        size = validation.count(page_size, "page_size", maximum=validation.MAX_PAGE_SIZE)
        filters = _filters(status, created_after, created_before, counterparty)

        def pages() -> Iterator[types.Transaction]:
            cursor: str | None = None
            while True:
                page = self._run(self._iter_transactions(filters, size, cursor))
                yield from page.transactions
                if _last_page(page, cursor):
                    return
                cursor = page.next_cursor

        return pages()

    @twin(iter_transactions)
    def iter_transactions_async(
        self,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        status: TransactionStatus | str | None = None,
        created_after: datetime.datetime | None = None,
        created_before: datetime.datetime | None = None,
        counterparty: str | None = None,
    ) -> AsyncIterator[types.Transaction]:
        size = validation.count(page_size, "page_size", maximum=validation.MAX_PAGE_SIZE)
        filters = _filters(status, created_after, created_before, counterparty)

        async def pages() -> AsyncIterator[types.Transaction]:
            cursor: str | None = None
            while True:
                page = await self._run_async(self._iter_transactions(filters, size, cursor))
                for tx in page.transactions:
                    yield tx
                if _last_page(page, cursor):
                    return
                cursor = page.next_cursor

        return pages()

    def _get_transaction(self, transaction_id: str) -> Flow[types.Transaction]:
        tx_id = validation.transaction_id(transaction_id)
        if not self._lookup_missing:
            try:
                found = yield from result_of(operations.get_transaction(tx_id))
                return self._own_transactions([found])[0]
            except AccountingError as exc:
                # A 404 the service did not explain, at the lookup's path: it has no
                # lookup by id (the public protocol); the history still holds it.
                if not (
                    exc.status_code == 404
                    and exc.hint_key == errors.WRONG_SERVICE
                    and (exc.path or "").startswith(_LOOKUP_PATH)
                ):
                    raise
        page = yield from result_of(operations.list_transactions())
        self._own_transactions(page.transactions)
        if not self._lookup_missing:
            # Only now: a server that is no accounting service fails this call too.
            self._lookup_missing = True
            log.info(
                "%s has no GET %s{id}: this client finds a transaction in the full "
                "history from now on",
                self.accounting_url,
                _LOOKUP_PATH,
            )
        for transaction in page.transactions:
            if transaction.id == tx_id:
                return transaction
        raise errors.not_among_yours(tx_id, "get_transaction")

    def get_transaction(self, transaction_id: str) -> types.Transaction:
        """One of your transactions, by the id an answer, an error or a webhook gave you.
        Against a service without ``GET /transactions/{id}`` (the public one), found in
        your full history.

        >>> client.get_transaction("5b1e7c9a-2d3f-4e5a-8b6c-7d8e9f0a1b2c").status

        Raises:
            NotFoundError: no such transaction of yours.
            AuthenticationError: no or wrong credentials.
        """
        return self._run(self._get_transaction(transaction_id))

    @twin(get_transaction)
    async def get_transaction_async(self, transaction_id: str) -> types.Transaction:
        return await self._run_async(self._get_transaction(transaction_id))

    def _get_usage(
        self, created_after: datetime.datetime | None, created_before: datetime.datetime | None
    ) -> Flow[types.Usage]:
        after, before = validation.window(created_after, created_before)
        if not self._usage_missing:
            try:
                return (yield from result_of(operations.get_usage(after, before)))
            except AccountingError as exc:
                if not self._lacks_usage(exc):
                    raise
        window = records.HistoryFilter(created_after=after, created_before=before)
        page = yield from result_of(operations.list_transactions(window))
        me = self._email or ""
        return summarize(_newest_first(page.transactions, window, me), me)

    def get_usage(
        self,
        *,
        created_after: datetime.datetime | None = None,
        created_before: datetime.datetime | None = None,
    ) -> types.Usage:
        """Counts and totals over your transactions, computed exactly by the service,
        optionally over a window (aware datetimes). Against a service without
        ``GET /user/usage``, computed here from the full history.

        >>> client.get_usage().total_spent
        Decimal('12.75')

        Raises:
            InvalidInputError: a naive datetime, or a window that ends before it starts.
            AuthenticationError: no or wrong credentials.
        """
        return self._run(self._get_usage(created_after, created_before))

    @twin(get_usage)
    async def get_usage_async(
        self,
        *,
        created_after: datetime.datetime | None = None,
        created_before: datetime.datetime | None = None,
    ) -> types.Usage:
        return await self._run_async(self._get_usage(created_after, created_before))

    def _lacks_usage(self, exc: AccountingError) -> bool:
        """True (once, with a log line) when `exc` says the service has no usage path."""
        if exc.status_code != 404 or exc.path != _USAGE_PATH:
            return False
        if not self._usage_missing:
            self._usage_missing = True
            log.info(
                "%s has no GET %s: this client computes usage from the full transaction "
                "history from now on",
                self.accounting_url,
                _USAGE_PATH,
            )
        return True


def _limit(value: object) -> int | None:
    if value is None:
        return None
    return validation.count(value, "limit", maximum=validation.MAX_HISTORY_LIMIT)


def _filters(
    status: object, created_after: object, created_before: object, counterparty: object
) -> records.HistoryFilter:
    after, before = validation.window(created_after, created_before)
    return records.HistoryFilter(
        status=validation.status(status),
        created_after=after,
        created_before=before,
        counterparty=None
        if counterparty is None
        else validation.email(counterparty, "counterparty"),
    )


def _last_page(page: records.Page, cursor: str | None) -> bool:
    """True when there is no next page to ask for. A service that answers an empty
    page, or the very cursor it was given, with a next cursor would keep a walk going
    forever: that is the end too."""
    return page.next_cursor is None or not page.transactions or page.next_cursor == cursor


def _newest_first(
    transactions: list[types.Transaction], filters: records.HistoryFilter, me: str
) -> list[types.Transaction]:
    """`transactions` that match `filters`, newest first (what the service does, for
    an answer from a service that does not)."""
    kept = [tx for tx in transactions if filters.matches(tx, me)]
    return sorted(kept, key=lambda t: t.created_at, reverse=True)


def summarize(history: list[types.Transaction], me: str) -> types.Usage:
    """The usage summary of `history`, by the contract's rules (`GET /user/usage`):
    for a service that does not compute it."""
    mine = me.casefold()
    spent = received = pending = refunds_in = refunds_out = Decimal(0)
    pending_count = 0
    for tx in history:
        sent = tx.sender_email.casefold() == mine
        to_me = tx.recipient_email.casefold() == mine
        if tx.status is TransactionStatus.PENDING:
            pending_count += 1
            if sent:
                pending += tx.authorized_amount or tx.amount
        elif tx.status is TransactionStatus.COMPLETED:
            if tx.is_refund:
                refunds_out += tx.amount if sent else 0
                refunds_in += tx.amount if to_me else 0
            elif sent and not to_me:
                spent += tx.amount
            elif to_me:
                received += tx.amount
    times = [tx.created_at for tx in history]
    return types.Usage(
        transaction_count=len(history),
        total_spent=spent,
        total_received=received,
        pending_count=pending_count,
        pending_amount=pending,
        first_transaction_at=min(times, default=None),
        last_transaction_at=max(times, default=None),
        total_refunds_received=refunds_in,
        total_refunds_given=refunds_out,
    )


def account_summary(
    user: User, usage: types.Usage, recent: list[types.Transaction], url: str
) -> types.AccountInfo:
    """The `get_account_info()` dict: the account, the usage summary and the billing
    history (newest first), reported as floats."""
    return {
        "balance": float(user.balance),
        "available_balance": float(user.available_balance),
        "account_id": user.id,
        "email": user.email,
        "organization": user.organization,
        "currency": "USD",
        "service_url": url,
        "usage": usage.as_dict(),
        "billing_history": [tx.as_dict() for tx in recent[:HISTORY_IN_INFO]],
    }
