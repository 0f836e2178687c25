"""Money in the contract's two forms (openapi.yaml, Money), facade side: answers are read
by their decimal strings when present and by their numbers otherwise; amounts go out as
numbers (what the public service knows) until the service announces ``exact-money``,
then as decimal strings. And against the reference service, the amounts no binary float
holds come back exactly."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from syftbox_accounting import AccountingClient, AdminClient
from syftbox_accounting.server import BackgroundService
from tests.facade.helpers import (
    BASE,
    EMAIL,
    FEATURES,
    KINDS,
    SERVICE,
    USER,
    admin_client,
    body_of,
    call,
    knows,
    run,
    tx_json,
    user_client,
)

EXACT = ["150.1", "0.000001", "999999999.999999"]
EXACT_MONEY = FEATURES | {"exact-money"}


# -- reading


def test_a_decimal_string_is_the_value_not_the_number_beside_it(httpx_mock: HTTPXMock) -> None:
    # A service whose numbers went through a binary float on the way (1e9 - 1e-6 does not
    # fit a double's 15 digits once added to 100): the string is what counts.
    user = {
        **USER,
        "balance": 1000000100.0,
        "balanceDecimal": "1000000099.999999",
        "heldBalance": 150.10000000000002,
        "heldBalanceDecimal": "150.1",
        "availableBalance": 999999949.9,
        "availableBalanceDecimal": "999999949.899999",
    }
    httpx_mock.add_response(url=f"{BASE}/user/my-info", json={"user": user})
    account = user_client().get_account()
    assert account.balance == Decimal("1000000099.999999")
    assert account.held_balance == Decimal("150.1")
    assert account.available_balance == Decimal("999999949.899999")


def test_the_public_service_numbers_are_read_digit_for_digit(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url=f"{BASE}/transactions/tx-1", json={"transaction": tx_json(amount=150.1)}
    )
    assert user_client().get_transaction("tx-1").amount == Decimal("150.1")


@pytest.mark.parametrize("text", EXACT)
def test_every_money_field_of_a_transaction_is_read_from_its_string(
    httpx_mock: HTTPXMock, text: str
) -> None:
    tx = tx_json(
        amount=float(text),
        amountDecimal=text,
        authorizedAmount=999999999.999999,
        authorizedAmountDecimal="999999999.999999",
        refundedAmount=float(text),
        refundedAmountDecimal=text,
        status="COMPLETED",
    )
    httpx_mock.add_response(url=f"{BASE}/transactions/tx-1", json={"transaction": tx})
    got = user_client().get_transaction("tx-1")
    assert (got.amount, got.refunded_amount) == (Decimal(text), Decimal(text))
    assert got.authorized_amount == Decimal("999999999.999999")


def test_the_usage_totals_are_read_from_their_strings(httpx_mock: HTTPXMock) -> None:
    names = ["totalSpent", "totalReceived", "pendingAmount", "totalRefundsReceived"]
    usage = {
        "transactionCount": 3,
        "pendingCount": 1,
        "firstTransactionAt": None,
        "lastTransactionAt": None,
        "totalRefundsGiven": 0,
        **dict.fromkeys(names, 0.1),
        **{f"{name}Decimal": "1000000099.999999" for name in names},
    }
    httpx_mock.add_response(url=f"{BASE}/user/usage", json={"usage": usage})
    got = user_client().get_usage()
    exact = Decimal("1000000099.999999")
    assert (got.total_spent, got.total_received, got.pending_amount) == (exact, exact, exact)
    assert (got.total_refunds_received, got.total_refunds_given) == (exact, 0)


# -- sending


def _answer_a_transaction(httpx_mock: HTTPXMock, features: str | None) -> None:
    headers = {} if features is None else {"Accounting-Features": features}
    httpx_mock.add_response(json={"transaction": tx_json()}, headers=headers, is_reusable=True)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("text", EXACT)
def test_amounts_go_as_numbers_until_the_service_announces_exact_money(
    httpx_mock: HTTPXMock, kind: str, text: str
) -> None:
    _answer_a_transaction(httpx_mock, "holds, capture, refunds")
    client = user_client()
    run(kind, client, call("create_transaction", SERVICE, Decimal(text)))
    (request,) = httpx_mock.get_requests()
    assert body_of(request)["amount"] == Decimal(text)
    assert "amountDecimal" not in body_of(request)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("text", EXACT)
def test_amounts_go_as_decimal_strings_where_exact_money_is_announced(
    httpx_mock: HTTPXMock, kind: str, text: str
) -> None:
    _answer_a_transaction(httpx_mock, "holds, capture, refunds, exact-money")
    client = user_client()
    knows(client, EXACT_MONEY)
    run(kind, client, call("create_transaction", SERVICE, float(text)))
    run(kind, client, call("confirm_transaction", "tx-1", amount=Decimal(text)))
    run(kind, client, call("refund_transaction", "tx-1", amount=Decimal(text)))
    sent = [body_of(r) for r in httpx_mock.get_requests()]
    assert [body["amountDecimal"] for body in sent] == [text, text, text]
    assert ["amount" in body for body in sent] == [False, False, False]


def test_a_token_limit_and_a_credit_go_as_the_service_reads_them(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=f"{BASE}/token/create", json={"token": "t.o.k"})
    httpx_mock.add_response(url=f"{BASE}/user/add-balance", json={"user": USER})
    client, admin = user_client(), admin_client()
    knows(client, EXACT_MONEY)
    knows(admin, EXACT_MONEY)
    client.create_transaction_token_sync(SERVICE, max_amount=Decimal("100.000000"))
    admin.add_balance(EMAIL, 0.000001)
    token, credit = (body_of(r) for r in httpx_mock.get_requests())
    assert token == {"recipientEmail": SERVICE, "maxAmountDecimal": "100"}
    assert credit == {"recipientEmail": EMAIL, "amountDecimal": "0.000001"}


def test_the_public_service_gets_numbers_only(httpx_mock: HTTPXMock) -> None:
    # It announces nothing: its answer says so, and later calls keep the number form.
    httpx_mock.add_response(json={"transaction": tx_json()}, is_reusable=True)
    client = user_client()
    client.create_transaction(SERVICE, 150.1)
    client.create_transaction(SERVICE, 150.1)
    assert client._transport.features == frozenset()
    sent = [body_of(r) for r in httpx_mock.get_requests()]
    assert [body["amount"] for body in sent] == [Decimal("150.1")] * 2
    assert all("amountDecimal" not in body for body in sent)


# -- against the reference service: what no float holds, exactly


@pytest.fixture(scope="module")
def service() -> Any:
    with BackgroundService() as running:
        yield running


@pytest.mark.parametrize("kind", KINDS)
def test_the_reference_service_round_trips_every_amount_exactly(
    service: BackgroundService, kind: str
) -> None:
    payer, recipient = f"payer-{kind}@example.com", f"service-{kind}@example.com"
    with AccountingClient(service.url) as anyone:
        anyone.register_accounting(payer, "payer-password-1")
        anyone.register_accounting(recipient, "service-password-1")
    with AdminClient(service.url, service.admin_key) as admin:
        credited = admin.add_balance(payer, Decimal("999999999.999999"))
        assert credited.balance == Decimal("1000000099.999999")  # 16 digits: no float
        admin.add_balance(payer, Decimal("50.100001"))
    client = AccountingClient(service.url, payer, "payer-password-1")
    amounts = [Decimal(text) for text in EXACT]
    made = [run(kind, client, call("create_transaction", recipient, a)) for a in amounts[:2]]
    assert [t.amount for t in made] == amounts[:2]
    assert "exact-money" in (client._transport.features or ())
    # The third needs just what is left after the first two hold theirs.
    left = run(kind, client, call("get_account")).available_balance
    assert left == amounts[2]
    for tx in made:
        run(kind, client, call("confirm_transaction", tx.id))
    big = run(kind, client, call("create_transaction", recipient, amounts[2]))
    assert big.amount == amounts[2]
    history = run(kind, client, call("get_transaction_history"))
    assert [t.amount for t in history[:3]] == [amounts[2], *reversed(amounts[:2])]
    usage = run(kind, client, call("get_usage"))
    assert usage.total_spent == Decimal("150.100001")
    assert usage.pending_amount == amounts[2]


@pytest.mark.parametrize("kind", KINDS)
def test_the_largest_amount_goes_through_as_the_contract_allows(
    service: BackgroundService, kind: str
) -> None:
    # openapi.yaml, Amount: `maximum: 1000000000`, inclusive; the service takes it, so the
    # library must not refuse it first.
    payer, recipient = f"largest-{kind}@example.com", f"largest-service-{kind}@example.com"
    with AccountingClient(service.url) as anyone:
        anyone.register_accounting(payer, "payer-password-1")
        anyone.register_accounting(recipient, "service-password-1")
    admin = AdminClient(service.url, service.admin_key)
    credited = run(kind, admin, call("add_balance", payer, Decimal("1E+9")))
    assert credited.balance == Decimal("1000000100")  # and the initial credit of 100
    client = AccountingClient(service.url, payer, "payer-password-1")
    made = run(kind, client, call("create_transaction", recipient, 10**9))
    assert made.amount == Decimal("1000000000")
