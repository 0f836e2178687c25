"""Every network operation of the facade, sync and async, in one table shared by
the contract test (Prism) and the fault matrix."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from syftbox_accounting import AccountingClient, AdminClient, Payment

EMAIL, PASSWORD = "alice@example.com", "correct-horse-battery"
ADMIN_KEY = "admin-key-for-tests-0123456789"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJ0ZXN0Ijp0cnVlfQ.c2lnbmF0dXJlLW9mLXRlc3Q"
TX_ID = "5b1e7c9a-2d3f-4e5a-8b6c-7d8e9f0a1b2c"
SECRETS = (PASSWORD, TOKEN, ADMIN_KEY)

Sync = Callable[[AccountingClient, AdminClient], Any]
Async = Callable[[AccountingClient, AdminClient], Awaitable[Any]]
# How an operation reports a failure: it raises, or it returns a status.
Reports = Literal["raises", "check", "validate"]


@dataclass(frozen=True)
class Op:
    name: str
    sync: Sync
    run_async: Async
    first_method: str  # the HTTP method of its first request
    reports: Reports = "raises"
    parallel_gets: int = 1  # get_account_info sends two GETs at once


def _charging_sync(c: AccountingClient, _: AdminClient) -> Payment:
    with c.charging(EMAIL, Decimal("0.25"), TOKEN, app_name="summarizer", endpoint="/v1") as p:
        pass
    return p


async def _charging_async(c: AccountingClient, _: AdminClient) -> Payment:
    async with c.charging_async(EMAIL, Decimal("0.25"), TOKEN) as p:
        pass
    return p


OPS: list[Op] = [
    Op(
        "register_accounting",
        lambda c, a: c.register_accounting(EMAIL, PASSWORD, "OpenMined"),
        lambda c, a: c.register_accounting_async(EMAIL, None, None),
        "POST",
    ),
    Op(
        "get_account_balance",
        lambda c, a: c.get_account_balance(),
        lambda c, a: c.get_account_balance_async(),
        "GET",
    ),
    Op(
        "get_account_info",
        lambda c, a: c.get_account_info_sync(),
        lambda c, a: c.get_account_info(),
        "GET",
        parallel_gets=2,
    ),
    Op(
        "create_transaction_token",
        lambda c, a: c.create_transaction_token_sync("ai-service@example.com"),
        lambda c, a: c.create_transaction_token("ai-service@example.com"),
        "POST",
    ),
    Op(
        "validate_credentials",
        lambda c, a: c.validate_credentials_sync(),
        lambda c, a: c.validate_credentials(),
        "GET",
        reports="validate",
    ),
    Op(
        "check_credentials",
        lambda c, a: c.check_credentials(),
        lambda c, a: c.check_credentials_async(),
        "GET",
        reports="check",
    ),
    Op(
        "charge",
        lambda c, a: c.charge(EMAIL, 10, TOKEN, app_name="summarizer", endpoint="/v1/summarize"),
        lambda c, a: c.charge_async(EMAIL, Decimal("0.000001"), TOKEN),
        "POST",
    ),
    Op("charging", _charging_sync, _charging_async, "POST"),
    Op(
        "confirm_transaction",
        lambda c, a: c.confirm_transaction(TX_ID),
        lambda c, a: c.confirm_transaction_async(TX_ID),
        "POST",
    ),
    Op(
        "cancel_transaction",
        lambda c, a: c.cancel_transaction(TX_ID),
        lambda c, a: c.cancel_transaction_async(TX_ID),
        "POST",
    ),
    Op(
        "transfer",
        lambda c, a: c.transfer("bob@example.com", 10.5),
        lambda c, a: c.transfer_async("bob@example.com", 1),
        "POST",
    ),
    Op(
        "create_transaction",
        lambda c, a: c.create_transaction("bob@example.com", Decimal("999999999.999999")),
        lambda c, a: c.create_transaction_async("bob@example.com", 0.1, app_name="x"),
        "POST",
    ),
    Op(
        "get_transaction_history",
        lambda c, a: c.get_transaction_history(),
        lambda c, a: c.get_transaction_history_async(),
        "GET",
    ),
    Op(
        "update_password",
        lambda c, a: c.update_password(PASSWORD, "a-new-password"),
        lambda c, a: c.update_password_async(PASSWORD, "a-new-password"),
        "PUT",
    ),
    Op(
        "update_organization",
        lambda c, a: c.update_organization("OpenMined"),
        lambda c, a: c.update_organization_async(None),
        "PUT",
    ),
    Op(
        "add_balance",
        lambda c, a: a.add_balance(EMAIL, 50),
        lambda c, a: a.add_balance_async(EMAIL, 0.5),
        "POST",
    ),
    Op("get_user", lambda c, a: a.get_user(EMAIL), lambda c, a: a.get_user_async(EMAIL), "GET"),
    Op("list_users", lambda c, a: a.list_users(), lambda c, a: a.list_users_async(), "GET"),
]

OP_IDS = [op.name for op in OPS]
BY_NAME = {op.name: op for op in OPS}
