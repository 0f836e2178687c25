"""End to end, over real sockets, against the reference service (through our own
pytest plugin): the seed's code examples, both sides of a payment, the failures a
payer or a service meets, and races."""

from __future__ import annotations

import concurrent.futures
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import pytest

from syftbox_accounting import (
    AccountingClient,
    AuthenticationError,
    Client,
    CredentialStatus,
    InsufficientFundsError,
    NotFoundError,
    PaymentError,
    TransactionStatus,
)
from syftbox_accounting import credentials as creds
from syftbox_accounting.testing import AccountingTestService

# A ceiling for the waits below: generous, reached only when something is broken.
PATIENCE = 60.0

pytestmark = pytest.mark.usefixtures("isolated_env")  # HOME and env in tmp_path

ME, MY_PASSWORD = "your.email@example.com", "your_password"


@pytest.fixture
def seed_env(
    accounting_service: AccountingTestService, monkeypatch: pytest.MonkeyPatch
) -> AccountingTestService:
    """The seed's deployment: credentials in the environment, for a funded account."""
    accounting_service.create_account(ME, password=MY_PASSWORD, balance=20)
    monkeypatch.setenv("SYFTBOX_ACCOUNTING_EMAIL", ME)
    monkeypatch.setenv("SYFTBOX_ACCOUNTING_PASSWORD", MY_PASSWORD)
    monkeypatch.setenv("SYFTBOX_ACCOUNTING_URL", accounting_service.url)
    return accounting_service


# -- the seed's examples, with only the imports changed


def test_seed_is_configured_and_show(seed_env: Any, capsys: pytest.CaptureFixture[str]) -> None:
    client = Client()
    if client.accounting_client.is_configured():
        print("✓ Accounting configured")
        client.accounting_client.show()
    else:
        print("❌ No accounting configuration found")
    out = capsys.readouterr().out
    assert "✓ Accounting configured" in out
    assert "$20.00" in out
    assert MY_PASSWORD not in out


def test_seed_register_configure_and_basic_info(
    accounting_service: AccountingTestService, capsys: pytest.CaptureFixture[str]
) -> None:
    client = Client(accounting_client=AccountingClient(accounting_service.url))
    user_account = client.accounting_client.register_accounting(
        email="your.email@example.com",
        password="secure_password",
        organization="YourOrganization",
    )
    print(f"Account created: {user_account.email}")
    print(f"Balance: ${user_account.balance}")
    assert user_account.password == "secure_password"
    # Method 1 and 2: configure with existing credentials, then show.
    client.accounting_client.configure(email="your.email@example.com", password="secure_password")
    client.accounting_client.connect_accounting(
        email="your.email@example.com", password="secure_password"
    )
    client.accounting_client.show()
    print(f"Configured: {client.accounting_client.is_configured()}")
    print(f"Email: {client.accounting_client.get_email()}")
    print(f"Service URL: {client.accounting_client.accounting_url}")
    out = capsys.readouterr().out
    assert "Account created: your.email@example.com" in out
    assert "Configured: True" in out
    assert f"Service URL: {accounting_service.url}" in out
    assert "secure_password" not in out
    # Without a password the service generates one, and the client is configured with it.
    generated = AccountingClient(accounting_service.url).register_accounting("gen@example.com")
    assert len(generated.password) >= 16
    assert AccountingClient(
        accounting_service.url, "gen@example.com", generated.password
    ).validate_credentials_sync()


@pytest.mark.anyio
async def test_seed_async_examples(seed_env: AccountingTestService) -> None:
    service = seed_env.create_account("service@example.com")
    client = Client()
    info = await client.accounting_client.get_account_info()
    assert info["balance"] == 20.0
    assert info["account_id"]
    balance = await client.accounting_client._get_account_balance_async()
    assert balance == 20.0
    token = await client.accounting_client.create_transaction_token(
        recipient_email="service@example.com"
    )
    assert token.count(".") == 2
    assert await client.accounting_client.validate_credentials()
    # The token works exactly once, for exactly this service.
    async with service.charging_async(ME, Decimal("1.5"), token) as payment:
        assert payment.transaction.status is TransactionStatus.PENDING
    assert payment.transaction.status is TransactionStatus.COMPLETED
    assert client.accounting_client.get_account_balance() == 18.5
    await client.accounting_client.aclose()
    await service.aclose()


@pytest.mark.anyio
async def test_seed_complete_transaction_workflow(seed_env: AccountingTestService) -> None:
    service = seed_env.create_account("ai-service@example.com")

    class SomeAiService:
        """The AI service: charges 0.25 with the payment token, after the work."""

        async def query(self, message: str, payment_token: str) -> str:
            async with service.charging_async(ME, Decimal("0.25"), payment_token):
                return message.upper()

    some_ai_service = SomeAiService()
    client = Client()
    initial_balance = client.accounting_client.get_account_balance()
    service_email = "ai-service@example.com"
    transaction_token = await client.accounting_client.create_transaction_token(
        recipient_email=service_email
    )
    response = await some_ai_service.query(
        message="Your query here", payment_token=transaction_token
    )
    final_balance = client.accounting_client.get_account_balance()
    assert response == "YOUR QUERY HERE"
    assert initial_balance - final_balance == pytest.approx(0.25)
    assert Decimal(str(initial_balance)) - Decimal(str(final_balance)) == Decimal("0.25")
    await client.accounting_client.aclose()
    await service.aclose()


def test_seed_credentials_examples(seed_env: AccountingTestService, tmp_path: Path) -> None:
    accounting_client = AccountingClient.from_environment()
    client = Client(accounting_client=accounting_client)
    client.accounting_client.save_credentials()
    client.accounting_client.save_credentials(str(tmp_path / "config.json"))
    loaded = AccountingClient.load_from_config()
    assert loaded.get_account_balance() == 20.0
    assert AccountingClient.load_from_config(str(tmp_path / "config.json")).is_configured()
    found, is_configured = AccountingClient.setup_accounting_discovery()
    assert is_configured
    assert found.validate_credentials_sync()
    assert MY_PASSWORD not in repr(found)


@pytest.mark.anyio
async def test_seed_payment_error_example(seed_env: AccountingTestService) -> None:
    client = Client()
    balance = client.accounting_client.get_account_balance()
    assert balance >= 5.0
    with pytest.raises(PaymentError):
        await client.accounting_client.create_transaction_token(
            recipient_email="service@example.com"  # not registered here
        )
    await client.accounting_client.aclose()


# -- both sides of a payment, and what goes wrong


def test_a_token_charged_twice(accounting_service: AccountingTestService) -> None:
    payer = accounting_service.create_account(balance=10)
    service = accounting_service.create_account()
    token = payer.create_transaction_token_sync(service.get_email())
    service.confirm_transaction(service.charge(payer.get_email(), 1, token).id)
    with pytest.raises(PaymentError) as caught:
        service.charge(payer.get_email(), 1, token)
    assert caught.value.code == "token_used"
    assert "new" in str(caught.value)
    assert payer.get_account_balance() == 9.0


def test_a_charge_larger_than_the_balance(accounting_service: AccountingTestService) -> None:
    payer = accounting_service.create_account(balance=2)
    service = accounting_service.create_account()
    token = payer.create_transaction_token_sync(service.get_email())
    with pytest.raises(InsufficientFundsError):
        service.charge(payer.get_email(), Decimal("2.000001"), token)
    with pytest.raises(InsufficientFundsError):
        payer.transfer(service.get_email(), 3)
    assert payer.get_account_balance() == 2.0


def test_a_stranger_and_the_other_party_cannot_resolve(
    accounting_service: AccountingTestService,
) -> None:
    payer = accounting_service.create_account(balance=5)
    service = accounting_service.create_account()
    stranger = accounting_service.create_account()
    pending = payer.create_transaction(service.get_email(), 1)
    with pytest.raises(NotFoundError):
        stranger.confirm_transaction(pending.id)
    with pytest.raises(AuthenticationError) as caught:
        service.confirm_transaction(pending.id)  # the recipient of a direct payment
    assert caught.value.status_code == 403
    assert payer.confirm_transaction(pending.id).status is TransactionStatus.COMPLETED


def test_a_wrong_password(accounting_service: AccountingTestService) -> None:
    accounting_service.create_account("me@example.com", password="right-password")
    wrong = AccountingClient(accounting_service.url, "me@example.com", "wrong-password")
    with pytest.raises(AuthenticationError) as caught:
        wrong.get_account_balance()
    assert "wrong-password" not in str(caught.value)
    check = wrong.check_credentials()
    assert check.status is CredentialStatus.INVALID


@pytest.mark.anyio
async def test_provider_flow_async(accounting_service: AccountingTestService) -> None:
    payer = accounting_service.create_account(balance=3)
    service = accounting_service.create_account()
    token = await payer.create_transaction_token(service.get_email())
    pending = await service.charge_async(payer.get_email(), 1, token, app_name="echo")
    cancelled = await service.cancel_transaction_async(pending.id)
    assert cancelled.status is TransactionStatus.CANCELLED
    with pytest.raises(PaymentError):  # a cancelled charge does not give the token back
        await service.charge_async(payer.get_email(), 1, token)
    # A block that raises cancels the charge; nothing moves.
    token = await payer.create_transaction_token(service.get_email())
    with pytest.raises(RuntimeError, match="the work failed"):
        async with service.charging_async(payer.get_email(), 1, token) as payment:
            raise RuntimeError("the work failed")
    assert payment.transaction.status is TransactionStatus.CANCELLED
    history = await payer.get_transaction_history_async()
    charges = [t for t in history if t.recipient_email == service.get_email()]
    assert [t.status for t in charges] == [TransactionStatus.CANCELLED] * 2
    assert history[-1].created_by.value == "SYSTEM"  # the funding credit, oldest
    assert await payer.get_account_balance_async() == 3.0
    await payer.aclose()
    await service.aclose()


def test_provider_flow_sync(accounting_service: AccountingTestService) -> None:
    payer = accounting_service.create_account(balance=3)
    service = accounting_service.create_account()
    token = payer.create_transaction_token_sync(service.get_email())
    with (
        pytest.raises(ValueError, match="bad query"),
        service.charging(payer.get_email(), 1, token) as payment,
    ):
        raise ValueError("bad query")
    assert payment.transaction.status is TransactionStatus.CANCELLED
    token = payer.create_transaction_token_sync(service.get_email())
    with service.charging(payer.get_email(), Decimal("0.000001"), token, endpoint="/x") as payment:
        pass
    assert payment.transaction.status is TransactionStatus.COMPLETED
    assert payment.transaction.endpoint == "/x"
    assert accounting_service.admin.get_user(payer.get_email()).balance == Decimal("2.999999")
    done = payer.transfer(service.get_email(), Decimal("0.5"))
    assert done.status is TransactionStatus.COMPLETED
    assert payer.update_organization("Org").organization == "Org"
    payer.update_password(payer._password or "", "a-brand-new-password")
    assert payer.validate_credentials_sync()


def test_an_expired_token() -> None:
    from syftbox_accounting.server import BackgroundService

    with BackgroundService(token_lifetime=1) as running:
        harness = AccountingTestService(running)
        payer = harness.create_account()
        service = harness.create_account()
        token = payer.create_transaction_token_sync(service.get_email())
        # Two seconds later on the service's clock (JWT times are whole seconds).
        issuer = running._app.state.service.tokens  # type: ignore[union-attr]
        real = issuer._clock
        issuer._clock = lambda: real() + 2
        with pytest.raises(PaymentError) as caught:
            service.charge(payer.get_email(), 1, token)
        assert caught.value.code == "token_expired"
        assert "new token" in str(caught.value)
        harness.close()


# -- races: at most once, never overdrawn


def test_many_threads_confirm_one_transaction(accounting_service: AccountingTestService) -> None:
    payer = accounting_service.create_account(balance=5)
    service = accounting_service.create_account()
    pending = payer.create_transaction(service.get_email(), 5)

    def confirm() -> str:
        try:
            payer.confirm_transaction(pending.id)
        except PaymentError as exc:
            return str(exc.code)
        return "ok"

    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        outcomes = list(pool.map(lambda _: confirm(), range(24)))
    assert outcomes.count("ok") == 1
    assert set(outcomes) == {"ok", "already_resolved"}
    assert payer.get_account_balance() == 0.0


@pytest.mark.anyio
async def test_many_tasks_charge_one_balance(accounting_service: AccountingTestService) -> None:
    payer = accounting_service.create_account(balance=10)
    service = accounting_service.create_account()
    outcomes: list[str] = []

    async def charge_once() -> None:
        token = await payer.create_transaction_token(service.get_email())
        try:
            async with service.charging_async(payer.get_email(), 3, token):
                await anyio.sleep(0)
        except InsufficientFundsError:
            outcomes.append("refused")
        else:
            outcomes.append("paid")

    async with anyio.create_task_group() as group:
        for _ in range(8):
            group.start_soon(charge_once)
    assert outcomes.count("paid") == 3
    assert await payer.get_account_balance_async() == 1.0
    assert await service.get_account_balance_async() == 109.0
    await payer.aclose()
    await service.aclose()


def test_saved_credentials_round_trip_through_the_service(
    accounting_service: AccountingTestService, tmp_path: Path
) -> None:
    client = accounting_service.create_account("saver@example.com", password="saved-password")
    path = tmp_path / "nested" / "accounting.json"
    client.save_credentials(str(path))
    assert b"saved-password" not in path.read_bytes()
    assert creds.load(path).email == "saver@example.com"
    assert AccountingClient.load_from_config(str(path)).get_account_balance() == 100.0


# -- history at scale: walks that race new payments


def test_walking_a_history_while_payments_keep_arriving(
    accounting_service: AccountingTestService,
) -> None:
    payer = accounting_service.create_account(balance=1000)
    shop = accounting_service.create_account()
    before = [payer.create_transaction(shop.get_email(), 1).id for _ in range(25)]
    arrived: list[str] = []
    first_paid, walk_began = threading.Event(), threading.Event()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        other = accounting_service.create_account(balance=1000)

        def keep_paying() -> None:
            arrived.append(other.create_transaction(shop.get_email(), 1).id)
            first_paid.set()
            # The other payments race the walk's later pages, once its first is read.
            assert walk_began.wait(PATIENCE)
            while len(arrived) < 60:
                arrived.append(other.create_transaction(shop.get_email(), 1).id)

        racing = pool.submit(keep_paying)
        try:
            assert first_paid.wait(PATIENCE)
            walk = shop.iter_transactions(page_size=4)
            walked = [next(walk).id]  # reads the first page
        finally:
            walk_began.set()
        walked += [tx.id for tx in walk]
        racing.result()
    assert len(walked) == len(set(walked)), "a transaction came twice"
    assert set(before) <= set(walked), "a transaction that existed was skipped"
    assert set(arrived[-1:]) - set(walked), "the walk must end before the payments do"


@pytest.mark.anyio
async def test_walking_a_history_async_while_another_task_inserts(
    accounting_service: AccountingTestService,
) -> None:
    payer = accounting_service.create_account(balance=1000)
    shop = accounting_service.create_account()
    before = [(await payer.create_transaction_async(shop.get_email(), 1)).id for _ in range(25)]
    arrived: list[str] = []
    walked: list[str] = []
    first_paid = anyio.Event()

    async def keep_paying() -> None:
        while len(arrived) < 40:
            arrived.append((await payer.create_transaction_async(shop.get_email(), 1)).id)
            first_paid.set()

    async def walk() -> None:
        await first_paid.wait()
        async for tx in shop.iter_transactions_async(page_size=3):
            walked.append(tx.id)

    async with anyio.create_task_group() as group:
        group.start_soon(keep_paying)
        group.start_soon(walk)
    assert len(walked) == len(set(walked)), "a transaction came twice"
    assert set(before) <= set(walked), "a transaction that existed was skipped"
    usage = await shop.get_usage_async()
    everything = await shop.get_transaction_history_async()
    assert usage.transaction_count == len(everything)  # with the harness's credit
    assert usage.pending_count == len(before) + len(arrived)
    info = await shop.get_account_info()
    assert [t["id"] for t in info["billing_history"]] == (
        [t.id for t in await shop.get_transaction_history_async(10)]
    )
    await payer.aclose()
    await shop.aclose()
