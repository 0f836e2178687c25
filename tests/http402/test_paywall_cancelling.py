"""The paywall when cancelling a charge fails (the endpoint answered an error or
raised, and the accounting service could not be reached): the payer's answer is the
same, and the next request the paywall serves (any request, or the same credential
again) cancels the charge again with the same idempotency key, so that the payer's
money is released as soon as the accounting service answers. Money never moves twice."""

from __future__ import annotations

import logging
import time
from typing import Any

import mpp
import pytest

from syftbox_accounting import AccountingClient, Budget, RetryPolicy
from syftbox_accounting.accounting import charges
from syftbox_accounting.http402 import paywall
from syftbox_accounting.server import BackgroundService
from syftbox_accounting.testing.harness import AccountingTestService
from tests.http402.conftest import PRICE, PaidService, balances, paid_app, pending
from tests.http402.test_paywall import _credential, _http, _problem

pytestmark = pytest.mark.accounting_service(mode="in-process")

# The endpoint that answers 400, and the one that raises; what the payer gets from each.
FAILING = [("/refuse", 400), ("/fail", 500)]


@pytest.fixture
def payer(accounting_service: AccountingTestService) -> AccountingClient:
    return accounting_service.create_account(balance=2)


@pytest.fixture
def cancels(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The idempotency key of every cancellation the paywall sends again."""
    keys: list[str] = []
    real = charges.cancel

    def counting(payment: Any, key: str) -> Any:
        keys.append(key)
        return real(payment, key)

    monkeypatch.setattr(charges, "cancel", counting)
    return keys


@pytest.mark.anyio
@pytest.mark.parametrize(("path", "status"), FAILING)
@pytest.mark.parametrize("times", [1, 3])
async def test_a_failed_cancellation_is_made_on_the_next_request(
    accounting_service: AccountingTestService,
    payer: AccountingClient,
    fragile: PaidService,
    cancels: list[str],
    path: str,
    status: int,
    times: int,
) -> None:
    down = accounting_service.faults.status("cancelTransaction", 503, times=times)
    async with _http(fragile.app) as http:
        credential, _ = await _credential(http, payer, path)
        answer = await http.post(path, json={"text": "x"}, headers={"Authorization": credential})
        assert answer.status_code == status  # the payer's answer is as before
        # The endpoint's error carries the receipt of its charge (one that raised: none).
        assert ("payment-receipt" in answer.headers) == (status == 400)
        (held,) = pending(fragile.accounting)
        # Requests without a credential: each tries the cancellation once more.
        for attempt in range(1, times):
            _problem(await http.post(path, json={"text": "x"}), "payment-required")
            assert len(cancels) == attempt
            assert [t.id for t in pending(fragile.accounting)] == [held.id]
        _problem(await http.post(path, json={"text": "x"}), "payment-required")
        _problem(await http.post(path, json={"text": "x"}), "payment-required")
    assert down.hits == times
    assert len(cancels) == times  # nothing more once it is cancelled
    assert len(set(cancels)) == 1  # the same key each time
    assert pending(fragile.accounting) == []
    assert fragile.accounting.get_transaction(held.id).status.value == "CANCELLED"
    assert balances(payer, fragile.accounting) == [2, 0]
    assert fragile.runs[path.strip("/")] == 1


@pytest.mark.anyio
async def test_the_same_credential_again_cancels_it_and_is_answered_as_before(
    accounting_service: AccountingTestService,
    payer: AccountingClient,
    fragile: PaidService,
) -> None:
    accounting_service.faults.status("cancelTransaction", 503, times=1)
    async with _http(fragile.app) as http:
        credential, _ = await _credential(http, payer, "/fail")
        headers = {"Authorization": credential}
        first = await http.post("/fail", json={"text": "x"}, headers=headers)
        again = await http.post("/fail", json={"text": "x"}, headers=headers)
    assert first.status_code == 500
    # A used credential gets a fresh challenge, and the receipt of its charge, which
    # the replay itself cancelled first: nothing was charged.
    problem = _problem(again, "invalid-challenge", charged="0")
    assert "pay a new challenge" in problem["detail"]
    assert pending(fragile.accounting) == []
    assert balances(payer, fragile.accounting) == [2, 0]
    assert fragile.runs["fail"] == 1


@pytest.mark.anyio
async def test_a_paid_request_cancels_it_before_its_own_charge(
    accounting_service: AccountingTestService, payer: AccountingClient
) -> None:
    # A paid request releases the pending hold first, then is charged (and, since the
    # endpoint answers 400, cancelled) itself: two holds made, both released.
    account = accounting_service.create_account(balance=0, retry_policy=RetryPolicy(max_retries=0))
    service = paid_app(account)
    accounting_service.faults.status("cancelTransaction", 503, times=1)
    async with _http(service.app) as http:
        credential, _ = await _credential(http, payer, "/refuse")
        refused = await http.post("/refuse", json={}, headers={"Authorization": credential})
        credential, _ = await _credential(http, payer, "/refuse")
        again = await http.post("/refuse", json={}, headers={"Authorization": credential})
    assert refused.status_code == again.status_code == 400
    assert pending(account) == []
    assert balances(payer, account) == [2, 0]


@pytest.mark.anyio
async def test_a_cancellation_whose_answer_was_lost_is_not_made_twice(
    accounting_service: AccountingTestService,
    payer: AccountingClient,
    fragile: PaidService,
    cancels: list[str],
) -> None:
    # The cancel lands, and its answer is lost: the paywall sends it again with the
    # same key, and the accounting service answers from its record.
    lost = accounting_service.faults.lose_answer("cancelTransaction", times=1)
    async with _http(fragile.app) as http:
        credential, _ = await _credential(http, payer, "/refuse")
        await http.post("/refuse", json={}, headers={"Authorization": credential})
        await http.post("/refuse", json={})
        await http.post("/refuse", json={})
    assert lost.hits == 1
    assert len(cancels) == 1
    assert pending(fragile.accounting) == []
    assert balances(payer, fragile.accounting) == [2, 0]


@pytest.mark.anyio
@pytest.mark.parametrize("operator", ["confirm", "cancel"])
async def test_a_charge_the_operator_settled_meanwhile_is_left_alone(
    accounting_service: AccountingTestService,
    payer: AccountingClient,
    fragile: PaidService,
    cancels: list[str],
    operator: str,
) -> None:
    accounting_service.faults.status("cancelTransaction", 503, times=1)
    async with _http(fragile.app) as http:
        credential, _ = await _credential(http, payer, "/refuse")
        await http.post("/refuse", json={}, headers={"Authorization": credential})
        (held,) = pending(fragile.accounting)
        if operator == "confirm":
            fragile.accounting.confirm_transaction(held.id)
        else:
            fragile.accounting.cancel_transaction(held.id)
        await http.post("/refuse", json={})
        await http.post("/refuse", json={})
    assert len(cancels) == 1  # refused once (settled), then forgotten
    assert pending(fragile.accounting) == []
    charged = PRICE if operator == "confirm" else 0
    assert balances(payer, fragile.accounting) == [2 - charged, charged]


@pytest.mark.anyio
async def test_a_hold_that_lapsed_is_not_cancelled_again(
    accounting_service: AccountingTestService, payer: AccountingClient, cancels: list[str]
) -> None:
    now = [0.0]
    account = accounting_service.create_account(balance=0, retry_policy=RetryPolicy(max_retries=0))
    service = paid_app(account, clock=lambda: now[0])
    accounting_service.faults.status("cancelTransaction", 503, times=1)
    async with _http(service.app) as http:
        now[0] = time.time()
        credential, _ = await _credential(http, payer, "/refuse")
        await http.post("/refuse", json={}, headers={"Authorization": credential})
        (held,) = pending(account)
        assert held.expires_at is not None
        now[0] = held.expires_at.timestamp() + 1
        await http.post("/refuse", json={})
    assert cancels == []  # the paywall's clock says the hold lapsed: nothing to release


@pytest.mark.anyio
async def test_past_the_bound_the_oldest_is_given_up_and_logged(
    accounting_service: AccountingTestService,
    payer: AccountingClient,
    fragile: PaidService,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(paywall, "MAX_UNCANCELLED", 1)
    accounting_service.faults.status("cancelTransaction", 503, times=None)
    credentials: list[str] = []
    with caplog.at_level(logging.INFO, logger="syftbox_accounting.http402"):
        async with _http(fragile.app) as http:
            for _ in range(2):
                credential, _ = await _credential(http, payer, "/refuse")
                credentials.append(credential)
                await http.post("/refuse", json={}, headers={"Authorization": credential})
            given_up, kept = (t.id for t in sorted(pending(fragile.accounting), key=_created))
            accounting_service.faults.clear()
            await http.post("/refuse", json={})  # cancels the one it kept
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert f"gives up cancelling charge {given_up}" in logged
    assert f"cancelled charge {kept}" in logged
    assert [t.id for t in pending(fragile.accounting)] == [given_up]
    tokens = {mpp.parse_authorization(c).payload["token"] for c in credentials}
    for secret in tokens | set(credentials):  # no secret in the log
        assert secret not in logged


def _created(transaction: Any) -> Any:
    return transaction.created_at


def test_a_sync_paying_client_gets_its_money_released_by_its_next_request(
    accounting_service: AccountingTestService, payer: AccountingClient, fragile: PaidService
) -> None:
    accounting_service.faults.status("cancelTransaction", 503, times=1)
    budget = Budget(per_day=1)
    with (
        BackgroundService(app=fragile.app) as running,
        payer.paying_http_client(budget=budget, base_url=running.url) as http,
    ):
        first = http.post("/refuse", json={})
        assert first.status_code == 400
        assert len(pending(fragile.accounting)) == 1
        second = http.post("/refuse", json={})
    assert second.status_code == 400
    assert pending(fragile.accounting) == []
    assert balances(payer, fragile.accounting) == [2, 0]


@pytest.mark.anyio
async def test_each_request_tries_once_while_the_service_is_down(
    accounting_service: AccountingTestService, service: PaidService, payer: AccountingClient
) -> None:
    # The paywall's account retries by itself (the default policy); the cancellation
    # made again is one attempt a request, so that no request waits through backoff.
    down = accounting_service.faults.status("cancelTransaction", 503, times=None)
    async with _http(service.app) as http:
        credential, _ = await _credential(http, payer, "/refuse")
        await http.post("/refuse", json={}, headers={"Authorization": credential})
        first = down.hits
        for tried in range(1, 3):
            _problem(await http.post("/refuse", json={}), "payment-required")
            assert down.hits == first + tried
        accounting_service.faults.clear()
        _problem(await http.post("/refuse", json={}), "payment-required")
    assert first > 1  # the first cancellation was retried by the client itself
    assert pending(service.accounting) == []
    assert balances(payer, service.accounting) == [2, 0]
