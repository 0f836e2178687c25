"""A budget kept in a file is written (with fsync) on every payment: the async paying
client writes it in a worker thread, so that the event loop never waits on the disk."""

from __future__ import annotations

import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from syftbox_accounting import AccountingClient, Budget, NotFoundError
from syftbox_accounting.testing.harness import AccountingTestService
from tests.http402.conftest import PAID_URL, PRICE, PaidService
from tests.http402.test_paying import SERVICE_URL, FakeService

pytestmark = pytest.mark.accounting_service(mode="in-process")


@pytest.fixture
def payer(accounting_service: AccountingTestService) -> AccountingClient:
    return accounting_service.create_account(balance=2)


def _watched(budget: Budget, monkeypatch: pytest.MonkeyPatch) -> list[threading.Thread]:
    """The threads that write `budget`'s ledger file."""
    writers: list[threading.Thread] = []
    real = budget._save

    def save(entries: Any) -> None:
        writers.append(threading.current_thread())
        real(entries)

    monkeypatch.setattr(budget, "_save", save)
    return writers


@pytest.mark.anyio
@pytest.mark.parametrize("path", ["/summarize", "/refuse"])
async def test_the_async_client_writes_the_ledger_off_the_event_loop(
    service: PaidService,
    payer: AccountingClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
) -> None:
    budget = Budget(per_day=1, ledger_file=tmp_path / "ledger.json")
    writers = _watched(budget, monkeypatch)
    async with payer.paying_http_client_async(
        budget=budget, transport=httpx.ASGITransport(app=service.app), base_url=PAID_URL
    ) as http:
        answer = await http.post(path, json={"text": "x"})
    assert answer.status_code in (200, 400)
    assert len(writers) == 2  # reserved, then settled
    assert threading.current_thread() not in writers
    assert Budget(ledger_file=tmp_path / "ledger.json").spent() == (
        PRICE if answer.status_code == 200 else 0
    )


def test_the_sync_client_writes_the_ledger_in_the_callers_thread(
    served: PaidService, payer: AccountingClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    budget = Budget(per_day=1, ledger_file=tmp_path / "ledger.json")
    writers = _watched(budget, monkeypatch)
    with payer.paying_http_client(budget=budget, base_url=served.url) as http:
        assert http.post("/summarize", json={"text": "x"}).status_code == 200
    assert writers == [threading.current_thread()] * 2


# Every ledger write of an async path goes through one step (`flows.Local`, made by
# `budget.booking`): a token made by the client itself, and a reservation released
# because no token was made, write the file off the event loop too.


@pytest.mark.anyio
@pytest.mark.parametrize("exists", [True, False])
async def test_an_async_token_writes_the_clients_ledger_off_the_event_loop(
    accounting_service: AccountingTestService,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    exists: bool,
) -> None:
    ledger = tmp_path / "ledger.json"
    budget = Budget(per_day=1, ledger_file=ledger)
    writers = _watched(budget, monkeypatch)
    payer = accounting_service.create_account(balance=2).with_options(budget=budget)
    if exists:
        recipient = accounting_service.create_account(balance=0).get_email()
        await payer.create_transaction_token(recipient, max_amount=Decimal("0.25"))
        assert len(writers) == 1  # reserved; the token's outcome is not known yet
    else:
        with pytest.raises(NotFoundError):
            await payer.create_transaction_token("nobody@example.com", max_amount=Decimal("0.25"))
        assert len(writers) == 2  # reserved, then released: no token was made
    assert threading.current_thread() not in writers
    assert Budget(ledger_file=ledger).spent() == (Decimal("0.25") if exists else 0)


@pytest.mark.anyio
async def test_a_cancelled_async_token_releases_the_ledger_off_the_event_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = tmp_path / "ledger.json"
    budget = Budget(per_day=1, ledger_file=ledger)
    writers = _watched(budget, monkeypatch)
    sent = anyio.Event()

    async def never_answers(request: httpx.Request) -> httpx.Response:
        sent.set()
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    http = httpx.AsyncClient(transport=httpx.MockTransport(never_answers))
    payer = AccountingClient(
        "http://127.0.0.1:9", "alice@example.com", "pw", async_http_client=http, budget=budget
    )
    async with anyio.create_task_group() as group:

        async def make() -> None:
            await payer.create_transaction_token("bob@example.com", max_amount=Decimal("0.25"))

        group.start_soon(make)
        await sent.wait()
        group.cancel_scope.cancel()
    assert len(writers) == 2  # reserved, then released as the cancellation went by
    assert threading.current_thread() not in writers
    assert Budget(ledger_file=ledger).spent() == 0
    await http.aclose()


def test_a_sync_token_writes_the_clients_ledger_in_the_callers_thread(
    accounting_service: AccountingTestService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    budget = Budget(per_day=1, ledger_file=tmp_path / "ledger.json")
    writers = _watched(budget, monkeypatch)
    payer = accounting_service.create_account(balance=2).with_options(budget=budget)
    with pytest.raises(NotFoundError):
        payer.create_transaction_token_sync("nobody@example.com", max_amount=Decimal("0.25"))
    assert writers == [threading.current_thread()] * 2
    assert budget.spent() == 0


@pytest.mark.anyio
async def test_the_async_paying_client_releases_a_failed_mint_off_the_event_loop(
    accounting_service: AccountingTestService,
    payer: AccountingClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ledger = tmp_path / "ledger.json"
    budget = Budget(per_day=1, ledger_file=ledger)
    writers = _watched(budget, monkeypatch)
    fake = FakeService("nobody@example.com", accounting_service.url)  # no such account
    async with payer.paying_http_client_async(
        budget=budget, transport=fake.transport, base_url=SERVICE_URL
    ) as http:
        with pytest.raises(NotFoundError):
            await http.get("/")
    assert len(writers) == 2  # reserved, then released: no token was made
    assert threading.current_thread() not in writers
    assert Budget(ledger_file=ledger).spent() == 0
