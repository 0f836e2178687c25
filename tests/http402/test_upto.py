"""The up-to intent against a contract-checked mock of the accounting service that
announces ``capture``: the payer's token is bounded to the maximum, the service holds
the maximum, and captures what the work cost; the payer's receipt and budget say so.
It shows the requests themselves; test_done.py runs the same against the reference
service."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from syftbox_accounting import AccountingClient, Budget, receipt_of
from syftbox_accounting.testing.mocks import ContractMock
from tests.facade.helpers import resolved, tx_json
from tests.http402.conftest import MAX_PRICE, PAID_URL, asgi, paid_app

PAYER, SERVICE = "alice@example.com", "ai-service@example.com"
TOKEN = "eyJ.tok-Body-p55-SECRET.sig"
ANNOUNCED = {"Accounting-Features": "holds, capture, refunds"}


def _body(request: httpx.Request) -> Any:
    return json.loads(request.content, parse_float=Decimal)


def _held() -> dict[str, Any]:
    return tx_json(
        "tx-1",
        sender=PAYER,
        recipient=SERVICE,
        amount=0.5,
        app_name="writer",
        endpoint="/generate",
        authorizedAmount=0.5,
        expiresAt="2026-11-27T15:01:17+00:00",
    )


@pytest.mark.anyio
async def test_the_hold_is_the_maximum_and_the_capture_the_price(
    accounting_mock: ContractMock,
) -> None:
    accounting_mock.add("createToken", {"token": TOKEN}, headers=ANNOUNCED)
    accounting_mock.add("createTransaction", {"transaction": _held()}, headers=ANNOUNCED)
    captured = {**resolved(_held(), "COMPLETED"), "amount": 0.137}
    accounting_mock.add("confirmTransaction", {"transaction": captured}, headers=ANNOUNCED)
    # The payer checks a receipt of less than the most at the accounting service (a
    # charge made after its token: made now).
    now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    looked_up = {**captured, "createdAt": now}
    accounting_mock.add("getTransaction", {"transaction": looked_up}, headers=ANNOUNCED)
    payer = AccountingClient(accounting_mock.url, PAYER, "payer-pw")
    service = paid_app(AccountingClient(accounting_mock.url, SERVICE, "service-pw"))
    budget = Budget(per_call=1)

    async with payer.paying_http_client_async(
        budget=budget, transport=asgi(service), base_url=PAID_URL
    ) as http:
        answer = await http.post("/generate", json={"tokens": 137_000})

    assert answer.status_code == 200
    receipt = receipt_of(answer)
    assert receipt is not None
    assert (receipt.transaction_id, receipt.amount, receipt.max_amount, receipt.intent) == (
        "tx-1",
        Decimal("0.137"),
        MAX_PRICE,
        "upto",
    )
    assert budget.spent() == Decimal("0.137")
    token, hold, capture, lookup = accounting_mock.requests()
    assert (lookup.method, lookup.url.path) == ("GET", "/transactions/tx-1")
    assert lookup.headers["authorization"] == token.headers["authorization"]  # the payer's
    minted = _body(token)
    assert minted["recipientEmail"] == SERVICE
    assert minted["maxAmount"] == MAX_PRICE  # the token allows the maximum, no more
    assert 595 <= minted["expiresIn"] <= 600  # and expires with the challenge
    assert _body(hold)["amount"] == MAX_PRICE  # the service holds the maximum
    assert _body(hold)["token"] == TOKEN
    assert _body(capture) == {"transactionId": "tx-1", "amount": Decimal("0.137")}
    await payer.aclose()
    await service.accounting.aclose()


@pytest.mark.anyio
async def test_a_price_below_the_hold_at_a_service_that_cannot_capture_moves_nothing(
    accounting_mock: ContractMock,
) -> None:
    # The public service cannot capture less than a hold: the handler's capture() raises
    # before the answer is handed out, and the charge is cancelled.
    only_holds = {"Accounting-Features": "holds"}
    accounting_mock.add("createToken", {"token": TOKEN}, headers=only_holds)
    accounting_mock.add("createTransaction", {"transaction": _held()}, headers=only_holds)
    cancelled = resolved(_held(), "CANCELLED")
    accounting_mock.add("cancelTransaction", {"transaction": cancelled}, headers=only_holds)
    payer = AccountingClient(accounting_mock.url, PAYER, "payer-pw")
    service = paid_app(AccountingClient(accounting_mock.url, SERVICE, "service-pw"))
    budget = Budget(per_call=1)

    async with payer.paying_http_client_async(
        budget=budget, transport=asgi(service, raise_app_exceptions=False), base_url=PAID_URL
    ) as http:
        answer = await http.post("/generate", json={"tokens": 137_000})

    assert answer.status_code == 500
    assert receipt_of(answer) is None
    assert [r.url.path for r in accounting_mock.requests()] == [
        "/token/create",
        "/transaction/create",
        "/transaction/cancel",
    ]
    # No receipt: the client cannot know that nothing moved, so it counts the maximum.
    assert budget.spent() == MAX_PRICE
    await payer.aclose()
    await service.accounting.aclose()
