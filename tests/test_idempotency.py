"""Idempotency keys end to end: the library, a real fault-injecting proxy on loopback,
and the reference service behind it.

A lost answer (dropped after the service processed the request, held past the
client's read timeout, or a 503 instead of it):
- at a service that echoes keys, the call succeeds after a retry, the money moved
  exactly once, and the replayed answer equals the original;
- at one that does not (the proxy strips the echo, as the public service would not
  send it), the call ends in the documented error and exactly one request reached
  the service.
Every POST/PUT operation meets a dropped answer, for what is its own: the key it
sends and the service's replay of its answer. The transport meets every fault, sync,
asyncio and trio, once per call shape (`Op.shape`: keyed, admin, multi-step), since
its handling of a fault does not depend on the operation.
"""

from __future__ import annotations

import dataclasses
import itertools
import secrets
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import anyio
import pytest

from syftbox_accounting import AccountingClient, AdminClient, errors
from syftbox_accounting.errors import AccountingError, ServiceException
from syftbox_accounting.server import BackgroundService, passwords
from syftbox_accounting.transport import RetryPolicy
from syftbox_accounting.types import TransactionStatus
from tests.facade.helpers import OPS_BY_ID
from tests.fault_proxy import FAULTS, Fault, FaultProxy, time_out_when_held

KINDS = ["sync", "asyncio", "trio"]
# Generous: only the request the proxy holds gets a short read timeout
# (`time_out_when_held`), so a slow machine cannot turn another answer into a timeout.
TIMEOUT = 30.0
FAST = RetryPolicy(max_retries=2, backoff=0.01, max_backoff=0.05)
_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def service() -> Iterator[BackgroundService]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "SCRYPT_N", 2**10)  # fast hashing for many accounts
        with BackgroundService() as running:
            yield running


def email() -> str:
    return f"idem{next(_numbers)}-{secrets.token_hex(3)}@example.com"


PASSWORD = "a-password-of-some-length"


@dataclasses.dataclass
class World:
    """Accounts on the service, and clients through the proxy."""

    service: BackgroundService
    proxy: FaultProxy
    direct: AdminClient  # straight to the service, to check the books
    payer: AccountingClient
    payee: AccountingClient
    admin: AdminClient

    def client(self, who: AccountingClient) -> AccountingClient:
        return who

    def balance(self, who: AccountingClient) -> Decimal:
        return self.direct.get_user(who.get_email()).balance

    def history(self, who: AccountingClient) -> list[Any]:
        direct = AccountingClient(self.service.url, who.get_email(), who._password)
        with direct:
            return direct.get_transaction_history()


def _user(url: str) -> AccountingClient:
    client = AccountingClient(url, timeout=TIMEOUT, retry_policy=FAST)
    client.register_accounting(email(), PASSWORD)
    return client


@pytest.fixture(params=[True, False], ids=["echoes", "no-echo"])
def world(request: pytest.FixtureRequest, service: BackgroundService) -> Iterator[World]:
    service.reset()
    with FaultProxy(service.url, echo=request.param) as proxy, time_out_when_held(proxy):
        # Registered through the proxy: each client has seen the service echo a key
        # (when it does), so it knows that it may resend.
        payer, payee = _user(proxy.url), _user(proxy.url)
        admin = AdminClient(proxy.url, service.admin_key, timeout=TIMEOUT, retry_policy=FAST)
        direct = AdminClient(service.url, service.admin_key)
        admin.add_balance(payer.get_email(), 1)
        assert payer._transport.honours_keys is request.param
        assert admin._transport.honours_keys is request.param
        yield World(service, proxy, direct, payer, payee, admin)
        for client in (payer, payee, admin, direct):
            client.close()


def call(kind: str, client: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    """Call the sync or async twin of method `name` (sync names given)."""
    if kind == "sync":
        sync_name = name + "_sync" if name == "create_transaction_token" else name
        return getattr(client, sync_name)(*args, **kwargs)
    async_name = name if name == "create_transaction_token" else name + "_async"

    async def run() -> Any:
        return await getattr(client, async_name)(*args, **kwargs)

    return anyio.run(run, backend=kind)


@dataclasses.dataclass(frozen=True)
class Case:
    """One operation: what to set up, call, and check afterwards."""

    name: str
    method: str
    path: str
    setup: Callable[[World], Any]
    act: Callable[[World, str, Any], Any]
    check: Callable[[World, Any, Any], None]


def _nothing(world: World) -> None:
    return None


def _pending(world: World) -> str:
    tx = world.payer.create_transaction(world.payee.get_email(), 10)
    return tx.id


def _token(world: World) -> str:
    return world.payer.create_transaction_token_sync(world.payee.get_email())


def _paid(world: World) -> str:
    """A completed $10 payment from the payer to the payee: what is refunded."""
    return world.payer.transfer(world.payee.get_email(), 10).id


def _check_refunded(world: World, tx_id: str, refund: Any) -> None:
    # Refunded once: $3 back to the payer, the payment's refunded amount $3.
    assert refund.refund_of == tx_id
    assert (world.balance(world.payer), world.balance(world.payee)) == (94, 107)
    refunds = [t for t in world.history(world.payer) if t.refund_of == tx_id]
    assert [t.id for t in refunds] == [refund.id]


def _check_register(world: World, _: Any, account: Any) -> None:
    emails = [u.email for u in world.direct.list_users()]
    assert emails.count(account.email) == 1
    assert account.balance == 100


def _check_password(world: World, _: Any, user: Any) -> None:
    fresh = AccountingClient(world.service.url, world.payer.get_email(), "a-new-password-1")
    assert fresh.check_credentials().ok
    assert world.payer.check_credentials().ok  # the client switched to the new one


def _check_organization(world: World, _: Any, user: Any) -> None:
    assert world.direct.get_user(world.payer.get_email()).organization == "Replayed Inc"


def _check_token(world: World, _: Any, token: str) -> None:
    # The token answered is the one issued: it pays, once.
    tx = world.payee.charge(world.payer.get_email(), 1, token, confirm=True)
    assert tx.status is TransactionStatus.COMPLETED


def _check_created(world: World, _: Any, tx: Any) -> None:
    history = world.history(world.payer)
    created = [t for t in history if t.created_by.value != "SYSTEM"]
    assert [t.id for t in created] == [tx.id]
    assert world.balance(world.payer) == 101  # pending: nothing moved yet


def _check_confirmed(world: World, tx_id: str, tx: Any) -> None:
    assert tx.id == tx_id
    assert tx.status is TransactionStatus.COMPLETED
    assert (world.balance(world.payer), world.balance(world.payee)) == (91, 110)


def _check_cancelled(world: World, tx_id: str, tx: Any) -> None:
    assert tx.status is TransactionStatus.CANCELLED
    assert (world.balance(world.payer), world.balance(world.payee)) == (101, 100)


def _check_credit(world: World, _: Any, user: Any) -> None:
    assert user.balance == 106
    assert world.balance(world.payer) == 106
    credits = [t for t in world.history(world.payer) if t.created_by.value == "SYSTEM"]
    assert len(credits) == 2  # the fixture's and this one


def _check_charged(world: World, _: Any, tx: Any) -> None:
    history = world.history(world.payee)
    assert [t.id for t in history] == [tx.id]
    assert tx.status is TransactionStatus.PENDING


def _check_transfer(world: World, _: Any, tx: Any) -> None:
    assert tx.status is TransactionStatus.COMPLETED
    assert (world.balance(world.payer), world.balance(world.payee)) == (96, 105)
    assert len(world.history(world.payee)) == 1


CASES = [
    Case(
        "register_accounting",
        "POST",
        "/user/create",
        _nothing,
        lambda w, k, _: call(k, w.payee, "register_accounting", email(), PASSWORD),
        _check_register,
    ),
    Case(
        "update_password",
        "PUT",
        "/user/update-password",
        _nothing,
        lambda w, k, _: call(k, w.payer, "update_password", PASSWORD, "a-new-password-1"),
        _check_password,
    ),
    Case(
        "update_organization",
        "PUT",
        "/user/update-organization",
        _nothing,
        lambda w, k, _: call(k, w.payer, "update_organization", "Replayed Inc"),
        _check_organization,
    ),
    Case(
        "create_transaction_token",
        "POST",
        "/token/create",
        _nothing,
        lambda w, k, _: call(k, w.payer, "create_transaction_token", w.payee.get_email()),
        _check_token,
    ),
    Case(
        "create_transaction",
        "POST",
        "/transaction/create",
        _nothing,
        lambda w, k, _: call(k, w.payer, "create_transaction", w.payee.get_email(), 10),
        _check_created,
    ),
    Case(
        "confirm_transaction",
        "POST",
        "/transaction/confirm",
        _pending,
        lambda w, k, tx_id: call(k, w.payer, "confirm_transaction", tx_id),
        _check_confirmed,
    ),
    Case(
        "cancel_transaction",
        "POST",
        "/transaction/cancel",
        _pending,
        lambda w, k, tx_id: call(k, w.payer, "cancel_transaction", tx_id),
        _check_cancelled,
    ),
    Case(
        "add_balance",
        "POST",
        "/user/add-balance",
        _nothing,
        lambda w, k, _: call(k, w.admin, "add_balance", w.payer.get_email(), 5),
        _check_credit,
    ),
    Case(
        "refund_transaction",
        "POST",
        "/transaction/refund",
        _paid,
        lambda w, k, tx_id: call(k, w.payee, "refund_transaction", tx_id, amount=3),
        _check_refunded,
    ),
    Case(
        "AdminClient.refund_transaction",
        "POST",
        "/transaction/refund",
        _paid,
        lambda w, k, tx_id: call(k, w.admin, "refund_transaction", tx_id, amount=3),
        _check_refunded,
    ),
    Case(
        "charge",
        "POST",
        "/transaction/create",
        _token,
        lambda w, k, token: call(k, w.payee, "charge", w.payer.get_email(), 2, token),
        _check_charged,
    ),
    Case(
        "transfer",
        "POST",
        "/transaction/confirm",
        _nothing,
        lambda w, k, _: call(k, w.payer, "transfer", w.payee.get_email(), 5),
        _check_transfer,
    ),
]


def shape(case: Case) -> str:
    """The call shape of the case's operation (`Op.shape`, from the facade's table)."""
    op = OPS_BY_ID.get(case.name) or OPS_BY_ID[case.name + "_sync"]
    return op.shape


# The operations that meet every fault and kind: one of each shape.
BY_SHAPE = {"keyed": "create_transaction", "admin": "add_balance", "multi-step": "transfer"}
LOST_ANSWERS = [
    pytest.param(case, fault, kind, id=f"{case.name}-{fault}-{kind}")
    for case in CASES
    for fault in FAULTS
    for kind in KINDS
    if (fault, kind) == ("drop", "sync") or BY_SHAPE.get(shape(case)) == case.name
]


def test_every_call_shape_meets_every_fault() -> None:
    assert {shape(case) for case in CASES} == set(BY_SHAPE)
    assert all(shape(next(c for c in CASES if c.name == n)) == s for s, n in BY_SHAPE.items())


@pytest.mark.parametrize(("case", "fault", "kind"), LOST_ANSWERS)
def test_a_lost_answer(world: World, case: Case, fault: Fault, kind: str) -> None:
    proxy = world.proxy
    prepared = case.setup(world)
    before = proxy.count(case.method, case.path)
    proxy.arm(fault, case.method, case.path)
    if proxy.echo:
        result = case.act(world, kind, prepared)
        assert not proxy.armed
        case.check(world, prepared, result)
        # The original answer, lost on the way, and the replay that arrived.
        original, replay = proxy.answers_to(case.method, case.path)[before:]
        assert replay.headers.get("idempotent-replayed") == "true"
        assert "idempotent-replayed" not in original.headers
        assert (replay.status, replay.body) == (original.status, original.body)
        assert replay.headers["idempotency-key"] == original.headers["idempotency-key"]
        return
    with pytest.raises(ServiceException) as caught:
        case.act(world, kind, prepared)
    exc = caught.value
    assert proxy.count(case.method, case.path) == before + 1  # never sent again
    assert exc.hint_key == errors.MAY_HAVE_REACHED
    assert exc.idempotency_key is not None
    assert "has not shown that it honours idempotency keys" in exc.message
    # What to check before repeating it: the operator has no history of their own.
    if shape(case) == "admin":
        assert "get_user(" in exc.message
        assert "get_transaction_history()" not in exc.message
    else:
        assert "get_transaction_history()" in exc.message


def test_the_key_given_is_the_key_sent_and_repeats_across_clients(
    service: BackgroundService,
) -> None:
    service.reset()
    with FaultProxy(service.url) as proxy:
        payer, payee = _user(proxy.url), _user(proxy.url)
        job = "job-2026-12-01-0042"
        first = payer.transfer(payee.get_email(), 3, idempotency_key=job)
        # Another process, after a restart, repeats the same job: it pays once.
        again = AccountingClient(proxy.url, payer.get_email(), PASSWORD)
        repeated = again.transfer(payee.get_email(), 3, idempotency_key=job)
        assert repeated.id == first.id
        keys = [a.headers["idempotency-key"] for a in proxy.answers if a.method == "POST"]
        assert job in keys
        assert f"{job}:confirm" in keys
        direct = AdminClient(service.url, service.admin_key)
        assert direct.get_user(payer.get_email()).balance == 97
        for client in (payer, payee, again, direct):
            client.close()


def test_a_fresh_client_has_seen_no_echo_and_does_not_resend(service: BackgroundService) -> None:
    service.reset()
    with FaultProxy(service.url) as proxy:
        payer, payee = _user(service.url), _user(service.url)
        fresh = AccountingClient(proxy.url, payer.get_email(), PASSWORD, timeout=TIMEOUT)
        proxy.arm("drop", "POST", "/transaction/create")
        with pytest.raises(ServiceException) as caught:
            fresh.create_transaction(payee.get_email(), 1)
        assert caught.value.hint_key == errors.MAY_HAVE_REACHED
        assert proxy.count("POST", "/transaction/create") == 1
        for client in (payer, payee, fresh):
            client.close()


def test_the_echo_on_the_failed_attempt_itself_allows_a_retry(
    service: BackgroundService,
) -> None:
    service.reset()
    payer, payee = _user(service.url), _user(service.url)
    fresh = AccountingClient(service.url, payer.get_email(), PASSWORD, retry_policy=FAST)
    assert not fresh._transport.honours_keys
    app = service._app
    assert app is not None
    store_service = app.state.service
    real = store_service.create_transaction
    calls = 0

    def fails_once(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("a bug, once")
        return real(*args)

    store_service.create_transaction = fails_once
    try:
        tx = fresh.create_transaction(payee.get_email(), 1)  # a 500 that echoes the key
    finally:
        store_service.create_transaction = real
    assert calls == 2
    assert fresh._transport.honours_keys
    assert (
        len(AccountingClient(service.url, payer.get_email(), PASSWORD).get_transaction_history())
        == 1
    )
    assert tx.status is TransactionStatus.PENDING
    for client in (payer, payee, fresh):
        client.close()


def test_transfer_confirms_again_instead_of_cancelling(service: BackgroundService) -> None:
    service.reset()
    # No retries left in the transport: the flow itself confirms again, same key.
    with FaultProxy(service.url) as proxy, time_out_when_held(proxy):
        payer = AccountingClient(
            proxy.url, timeout=TIMEOUT, retry_policy=RetryPolicy(max_retries=0)
        )
        payer.register_accounting(email(), PASSWORD)
        payee = _user(proxy.url)
        proxy.arm("hold", "POST", "/transaction/confirm")
        tx = payer.transfer(payee.get_email(), 4)
        assert tx.status is TransactionStatus.COMPLETED
        assert proxy.count("POST", "/transaction/cancel") == 0
        assert proxy.count("POST", "/transaction/confirm") == 2
        for client in (payer, payee):
            client.close()


def test_charging_confirms_again_with_its_key(service: BackgroundService) -> None:
    service.reset()
    with FaultProxy(service.url) as proxy:
        payer = _user(proxy.url)
        shop = AccountingClient(proxy.url, timeout=TIMEOUT, retry_policy=RetryPolicy(max_retries=0))
        shop.register_accounting(email(), PASSWORD)
        token = payer.create_transaction_token_sync(shop.get_email())
        proxy.arm("503", "POST", "/transaction/confirm")
        with shop.charging(payer.get_email(), 2, token, idempotency_key="order-7") as payment:
            pass
        assert payment.transaction.status is TransactionStatus.COMPLETED
        confirms = proxy.answers_to("POST", "/transaction/confirm")
        assert [a.headers["idempotency-key"] for a in confirms] == ["order-7:confirm"] * 2
        assert confirms[1].headers["idempotent-replayed"] == "true"
        for client in (payer, shop):
            client.close()


def test_an_error_names_the_key_to_repeat_with(service: BackgroundService) -> None:
    service.reset()
    with FaultProxy(service.url) as proxy:
        payer, payee = _user(proxy.url), _user(proxy.url)
        limited = AccountingClient(
            proxy.url, payer.get_email(), PASSWORD, retry_policy=RetryPolicy(max_retries=0)
        )
        limited.update_organization(None)  # it has seen an echo now
        proxy.arm("drop", "POST", "/transaction/create")
        with pytest.raises(AccountingError) as caught:
            limited.transfer(payee.get_email(), 1, idempotency_key="invoice-9")
        exc = caught.value
        assert exc.hint_key == errors.RETRY_WITH_KEY
        assert exc.idempotency_key == "invoice-9"
        assert "idempotency_key='invoice-9'" in exc.message
        assert "safe to repeat" in exc.message
        # Repeating with the key finishes the one payment.
        tx = limited.transfer(payee.get_email(), 1, idempotency_key="invoice-9")
        assert tx.status is TransactionStatus.COMPLETED
        direct = AdminClient(service.url, service.admin_key)
        assert direct.get_user(payee.get_email()).balance == 101
        for client in (payer, payee, limited, direct):
            client.close()
