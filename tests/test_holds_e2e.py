"""Issue 18's "done means", through the library against the reference service over real
sockets, sync and async (asyncio and trio): holds that reserve, a capture below the
hold, expiry on the service's clock (moved by the test, never waited for), refunds."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import anyio
import pytest

from syftbox_accounting import (
    AccountingClient,
    AdminClient,
    HoldExpiredError,
    InsufficientFundsError,
    Payment,
    PaymentError,
    TransactionStatus,
)
from syftbox_accounting.server import BackgroundService, ManualClock

pytestmark = pytest.mark.usefixtures("isolated_env")

PASSWORD = "holds-Pw-4b7c9d"


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="module")
def service(clock: ManualClock) -> Iterator[BackgroundService]:
    with BackgroundService(clock=clock, fast_password_hash=True) as running:
        yield running


_seen = iter(range(10**6))


def account(service: BackgroundService, name: str, balance: Any) -> AccountingClient:
    """A new account with exactly `balance` dollars."""
    client = AccountingClient(service.url)
    client.register_accounting(f"{name}-{next(_seen)}@example.com", PASSWORD)
    admin = AdminClient(service.url, service.admin_key)
    with admin:
        extra = Decimal(str(balance)) - client.get_account().balance
        if extra > 0:
            admin.add_balance(client.get_email(), extra)
        elif extra < 0:  # give the initial credit away, to a sink account
            sink = AccountingClient(service.url)
            sink.register_accounting(f"sink-{next(_seen)}@example.com", PASSWORD)
            client.transfer(sink.get_email(), -extra)
    assert client.get_account().balance == Decimal(str(balance))
    return client


def test_a_held_dollar_cannot_be_charged_twice(service: BackgroundService) -> None:
    payer = account(service, "payer", 1)
    shop_a, shop_b = account(service, "shop-a", 0), account(service, "shop-b", 0)
    token_a = payer.create_transaction_token_sync(shop_a.get_email())
    token_b = payer.create_transaction_token_sync(shop_b.get_email())
    held = shop_a.charge(payer.get_email(), 1, token_a)
    assert held.is_pending
    assert payer.get_account().available_balance == 0
    with pytest.raises(InsufficientFundsError) as caught:
        shop_b.charge(payer.get_email(), 1, token_b)
    assert "$1.00 is held" in str(caught.value)
    # The held charge confirms: no work was done for free.
    assert shop_a.confirm_transaction(held.id).status is TransactionStatus.COMPLETED


@pytest.mark.parametrize("kind", ["sync", "asyncio", "trio"])
def test_a_five_dollar_hold_captured_at_one_twenty_three(
    service: BackgroundService, kind: str
) -> None:
    payer, shop = account(service, "payer", 10), account(service, "shop", 0)
    token = payer.create_transaction_token_sync(shop.get_email(), max_amount=5)

    def work(payment: Payment) -> None:
        assert payer.get_account().available_balance == 5  # held while the work runs
        payment.capture(Decimal("1.23"))

    if kind == "sync":
        with shop.charging(payer.get_email(), 5, token, hold_for=600) as payment:
            work(payment)
    else:

        async def main() -> Payment:
            async with shop.charging_async(payer.get_email(), 5, token, hold_for=600) as paid:
                work(paid)
            await shop.aclose()
            return paid

        payment = anyio.run(main, backend=kind)
    assert payment.transaction.amount == Decimal("1.23")
    assert payment.transaction.authorized_amount == 5
    after = payer.get_account()
    assert after.balance == Decimal("8.77")
    assert after.available_balance == after.balance  # the rest of the hold is free again
    assert shop.get_account().balance == Decimal("1.23")


def test_a_hold_nobody_confirms_lapses_at_its_expiry(
    service: BackgroundService, clock: ManualClock
) -> None:
    payer, shop = account(service, "payer", 3), account(service, "shop", 0)
    token = payer.create_transaction_token_sync(shop.get_email())
    held = shop.charge(payer.get_email(), 2, token, hold_for=60)
    clock.advance(59)
    assert payer.get_account().held_balance == 2
    clock.advance(1)
    # Released without anyone calling: every reader sees it.
    assert payer.get_account().available_balance == 3
    lapsed = payer.get_transaction(held.id)
    assert lapsed.expired
    assert lapsed.status is TransactionStatus.CANCELLED
    with pytest.raises(HoldExpiredError) as caught:
        shop.confirm_transaction(held.id)
    assert "nothing moved" in str(caught.value)
    assert payer.get_account().balance == 3


def test_a_hold_made_with_a_short_lived_token_lapses_with_it(
    service: BackgroundService, clock: ManualClock
) -> None:
    payer, shop = account(service, "payer", 3), account(service, "shop", 0)
    token = payer.create_transaction_token_sync(shop.get_email(), expires_in=2)
    held = shop.charge(payer.get_email(), 1, token, hold_for=3600)
    assert held.expires_at is not None
    assert (held.expires_at - held.created_at).total_seconds() <= 2
    clock.advance(3)
    with pytest.raises(HoldExpiredError):
        shop.confirm_transaction(held.id)


def _charged(
    kind: str, shop: AccountingClient, payer: str, token: str, **options: Any
) -> tuple[Payment, dict[str, Any]]:
    """`charging()` entered and left cleanly, sync or async: the payment, and what it
    said in the block."""
    seen: dict[str, Any] = {}

    def look(payment: Payment) -> None:
        seen.update(short=payment.hold_cut_short, expires_at=payment.expires_at)

    if kind == "sync":
        with shop.charging(payer, 1, token, **options) as payment:
            look(payment)
    else:

        async def main() -> Payment:
            async with shop.charging_async(payer, 1, token, **options) as paid:
                look(paid)
            await shop.aclose()
            return paid

        payment = anyio.run(main, backend=kind)
    return payment, seen


@pytest.mark.parametrize("kind", ["sync", "asyncio", "trio"])
@pytest.mark.parametrize(
    ("expires_in", "hold_for", "short"),
    [(30, 600, True), (None, 600, False), (600, 30, False), (30, None, False)],
)
def test_charging_says_on_entry_when_the_token_cuts_its_hold_short(
    service: BackgroundService,
    kind: str,
    expires_in: int | None,
    hold_for: int | None,
    short: bool,
) -> None:
    payer, shop = account(service, "payer", 3), account(service, "shop", 0)
    token = payer.create_transaction_token_sync(shop.get_email(), expires_in=expires_in)
    payment, seen = _charged(kind, shop, payer.get_email(), token, hold_for=hold_for)
    assert seen["short"] is short
    lasts = (seen["expires_at"] - payment.transaction.created_at).total_seconds()
    expected = min(s for s in (expires_in, hold_for, 3600) if s is not None)
    assert expected - 2 <= lasts <= expected  # the token's life when it is the shorter
    assert payment.transaction.status is TransactionStatus.COMPLETED


def test_a_hold_the_token_cut_short_says_so_when_it_lapses(
    service: BackgroundService, clock: ManualClock
) -> None:
    payer, shop = account(service, "payer", 3), account(service, "shop", 0)
    token = payer.create_transaction_token_sync(shop.get_email(), expires_in=30)
    said: list[bool] = []

    def work(payment: Payment) -> None:
        said.append(payment.hold_cut_short)
        clock.advance(31)  # the work outlived the token

    with (
        pytest.raises(HoldExpiredError) as caught,
        shop.charging(payer.get_email(), 1, token, hold_for=600) as payment,
    ):
        work(payment)
    assert said == [True]
    notes = " ".join(caught.value.__notes__)
    assert "the payer's token let it hold only until" in notes
    assert "hold_for=600" in notes
    assert "a token that lives longer" in notes
    assert "pass a longer hold_for" not in notes  # it would not help
    assert payer.get_account().balance == 3


def test_charging_whose_hold_lapsed_during_the_work_moves_nothing(
    service: BackgroundService, clock: ManualClock
) -> None:
    payer, shop = account(service, "payer", 3), account(service, "shop", 0)
    token = payer.create_transaction_token_sync(shop.get_email())
    with (
        pytest.raises(HoldExpiredError) as caught,
        shop.charging(payer.get_email(), 1, token, hold_for=10),
    ):
        clock.advance(11)  # the work took longer than the hold
    assert "pass a longer hold_for" in " ".join(caught.value.__notes__)
    assert payer.get_account().balance == 3


def test_refunded_three_then_seven_then_nothing(service: BackgroundService) -> None:
    payer, shop = account(service, "payer", 10), account(service, "shop", 0)
    paid = payer.transfer(shop.get_email(), 10)
    first = shop.refund_transaction(paid.id, amount=3, reason="partial outage")
    assert (first.amount, first.refund_of, first.refund_reason) == (3, paid.id, "partial outage")
    rest = shop.refund_transaction(paid.id)  # all that is left
    assert rest.amount == 7
    with pytest.raises(PaymentError) as caught:
        shop.refund_transaction(paid.id, amount=Decimal("0.01"))
    assert caught.value.code == "refund_exceeds_payment"
    assert payer.get_account().balance == 10
    assert shop.get_transaction(paid.id).refunded_amount == 10
    got = shop.get_usage()  # refunds count apart from what was received
    assert (got.total_received, got.total_refunds_given) == (10, 10)


def test_a_refund_repeated_with_its_key_gives_back_once(service: BackgroundService) -> None:
    payer, shop = account(service, "payer", 10), account(service, "shop", 0)
    paid = payer.transfer(shop.get_email(), 10)
    once = shop.refund_transaction(paid.id, amount=4, idempotency_key="refund-job-7")
    again = shop.refund_transaction(paid.id, amount=4, idempotency_key="refund-job-7")
    assert once.id == again.id
    assert payer.get_account().balance == 4


def test_the_admin_refunds_as_the_operator(service: BackgroundService) -> None:
    payer, shop = account(service, "payer", 10), account(service, "shop", 0)
    paid = payer.transfer(shop.get_email(), 6)
    with AdminClient(service.url, service.admin_key) as admin:
        refund = admin.refund_transaction(paid.id, amount=1)
    assert refund.created_by.value == "SYSTEM"
    assert payer.get_account().balance == 5


def _replayed(
    kind: str, shop: AccountingClient, payer: str, token: str, price: Any
) -> BaseException:
    """`charging()` replayed with the key "job-1" at another `price`: what it raised."""

    def work(payment: Payment) -> None:
        if price is not None:
            payment.capture(price)

    try:
        if kind == "sync":
            with shop.charging(payer, 5, token, idempotency_key="job-1") as payment:
                work(payment)
        else:

            async def main() -> None:
                try:
                    async with shop.charging_async(
                        payer, 5, token, idempotency_key="job-1"
                    ) as paid:
                        work(paid)
                finally:
                    await shop.aclose()

            anyio.run(main, backend=kind)
    except Exception as exc:
        return exc
    raise AssertionError("the replay at another price raised nothing")


@pytest.mark.parametrize("kind", ["sync", "asyncio", "trio"])
@pytest.mark.parametrize("price", [Decimal("2"), None])
def test_a_replay_at_another_price_says_the_charge_was_settled_before(
    service: BackgroundService, kind: str, price: Decimal | None
) -> None:
    # The same job charged again (a retried request) with another price: the service
    # settles a key once, so the replay moves nothing, and its error must not call the
    # completed charge pending.
    payer, shop = account(service, "payer", 10), account(service, "shop", 0)
    token = payer.create_transaction_token_sync(shop.get_email(), max_amount=5)
    with shop.charging(payer.get_email(), 5, token, idempotency_key="job-1") as first:
        first.capture(Decimal("1.23"))
    replay = _replayed(kind, shop, payer.get_email(), token, price)
    notes = " ".join(getattr(replay, "__notes__", []))
    assert "stays pending" not in notes
    assert f"The charge {first.id} is completed already, at $1.23" in notes
    assert "nothing more moved" in notes
    assert payer.get_account().balance == Decimal("8.77")
    assert shop.get_account().balance == Decimal("1.23")
