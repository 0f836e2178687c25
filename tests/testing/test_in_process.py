"""The in-process mode: the fixture's service reached through httpx transports, with no
socket and no thread, by the library's clients (every operation of the facade's table,
sync, asyncio and trio) and by a user's own httpx clients."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import anyio
import httpx
import pytest

from syftbox_accounting import (
    AccountingClient,
    CredentialStatus,
    InvalidInputError,
    Payment,
    Transaction,
    TransactionStatus,
    Usage,
    User,
    UserAccount,
)
from syftbox_accounting.testing import AccountingTestService
from syftbox_accounting.testing.harness import SessionService
from syftbox_accounting.testing.inprocess import NeedsEventLoop, ServiceTransport, run_inline
from tests.facade.helpers import KINDS, OPS, Call, call, run

in_process = pytest.mark.accounting_service(mode="in-process")
PASSWORD = "alice-Pw-zq81-long"


class Forbidden(AssertionError):
    """The in-process mode touched the network or started a thread."""


@pytest.fixture
def no_network_no_threads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Fail any network socket, name lookup or new thread. (Event loops make their
    wake-up socket pairs with AF_UNIX: those are allowed.)"""
    attempts: list[str] = []
    real_init = socket.socket.__init__

    def guarded_init(self: socket.socket, family: Any = -1, *args: Any, **kwargs: Any) -> None:
        if family in (socket.AF_INET, socket.AF_INET6):
            attempts.append(f"socket({family!r})")
            raise Forbidden(f"a network socket was opened: socket({family!r})")
        real_init(self, family, *args, **kwargs)

    def refuse(what: str) -> Callable[..., Any]:
        def refused(*args: Any, **kwargs: Any) -> Any:
            attempts.append(what)
            raise Forbidden(f"{what} was called")

        return refused

    monkeypatch.setattr(socket.socket, "__init__", guarded_init)
    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket, "create_connection", refuse("socket.create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("socket.getaddrinfo"))
    monkeypatch.setattr(threading.Thread, "start", refuse("Thread.start"))
    yield attempts
    assert attempts == []


def test_the_guard_catches_a_socket_and_a_thread(no_network_no_threads: list[str]) -> None:
    # The guard must be able to fail: a real client and a real thread are refused.
    with pytest.raises(Forbidden), httpx.Client() as http:
        http.get("http://127.0.0.1:9/")
    with pytest.raises(Forbidden):
        socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    with pytest.raises(Forbidden):
        threading.Thread(target=print).start()
    assert [a.split("(")[0] for a in no_network_no_threads] == [
        "socket.create_connection",
        "socket",
        "Thread.start",
    ]
    no_network_no_threads.clear()


# -- every operation of the facade's table, against the real service in process


@dataclass
class World:
    """Accounts and data made in the in-process service for one operation."""

    svc: AccountingTestService
    alice: AccountingClient
    bob: AccountingClient
    shop: AccountingClient


def _world(svc: AccountingTestService) -> World:
    alice = svc.create_account("alice@example.com", balance=50, password=PASSWORD)
    bob = svc.create_account("bob@example.com", balance=50)
    shop = svc.create_account("shop@example.com", balance=0)
    return World(svc, alice, bob, shop)


def _pending(w: World) -> str:
    return w.alice.create_transaction("bob@example.com", 1).id


def _paid(w: World) -> str:
    """A completed $10 payment from alice to bob: what bob (or the admin) refunds."""
    return w.alice.transfer("bob@example.com", 10).id


def _token(w: World) -> str:
    return w.bob.create_transaction_token_sync("shop@example.com")


def that(holds: Callable[[Any], bool]) -> Callable[[Any], None]:
    """A check that `holds` of the result."""

    def check(result: Any) -> None:
        assert holds(result), f"unexpected result {result!r}"

    return check


def _is_tx(status: TransactionStatus) -> Callable[[Any], None]:
    def check(result: Any) -> None:
        assert isinstance(result, Transaction)
        assert result.status is status

    return check


def _pays(result: Any) -> None:
    assert isinstance(result, Payment)
    assert result.transaction.status is TransactionStatus.COMPLETED


def _history(result: Any) -> None:
    assert isinstance(result, list)
    assert [t.amount for t in result] == [Decimal(1), Decimal(50)]  # newest first


# One scenario per operation of tests/facade/helpers.py's OPS: who calls, with what
# real arguments (made in the service first), and what must come back.
SCENARIOS: dict[str, Callable[[World], tuple[Any, Call, Callable[[Any], None]]]] = {
    "register_accounting": lambda w: (
        w.svc.client(),
        call("register_accounting", "new@example.com", "new-Pw-123456", "OpenMined"),
        that(lambda r: isinstance(r, UserAccount) and r.email == "new@example.com"),
    ),
    "get_account_balance": lambda w: (
        w.alice,
        call("get_account_balance"),
        that(lambda r: r == 50.0),
    ),
    "_get_account_balance_async": lambda w: (
        w.alice,
        Call("get_account_balance", alias="_get_account_balance_async"),
        that(lambda r: r == 50.0),
    ),
    "get_account": lambda w: (
        w.alice,
        call("get_account"),
        that(lambda r: isinstance(r, User) and r.balance == Decimal(50)),
    ),
    "get_account_info_sync": lambda w: (
        w.alice,
        call("get_account_info_sync"),
        that(lambda r: r["balance"] == 50.0 and r["email"] == "alice@example.com"),
    ),
    "get_usage": lambda w: (
        w.alice,
        call("get_usage"),
        that(lambda r: isinstance(r, Usage) and r.total_received == Decimal(50)),
    ),
    "create_transaction_token_sync": lambda w: (
        w.bob,
        call("create_transaction_token_sync", recipient_email="shop@example.com"),
        that(lambda r: isinstance(r, str) and r.count(".") == 2),
    ),
    "validate_credentials_sync": lambda w: (
        w.alice,
        call("validate_credentials_sync"),
        that(lambda r: r is True),
    ),
    "check_credentials": lambda w: (
        w.alice,
        call("check_credentials"),
        that(lambda r: r.status is CredentialStatus.VALID),
    ),
    "charge": lambda w: (
        w.shop,
        call("charge", "bob@example.com", Decimal("0.25"), _token(w), app_name="echo"),
        _is_tx(TransactionStatus.PENDING),
    ),
    "confirm_transaction": lambda w: (
        w.alice,
        call("confirm_transaction", _pending(w)),
        _is_tx(TransactionStatus.COMPLETED),
    ),
    "cancel_transaction": lambda w: (
        w.alice,
        call("cancel_transaction", _pending(w)),
        _is_tx(TransactionStatus.CANCELLED),
    ),
    "charging": lambda w: (
        w.shop,
        Call("charging", ("bob@example.com", Decimal("0.25"), _token(w)), {"app_name": "echo"}),
        _pays,
    ),
    "charging-capture": lambda w: (
        w.shop,
        Call(
            "charging",
            ("bob@example.com", Decimal("0.50"), _token(w)),
            {"hold_for": 600},
            lambda payment: payment.capture(Decimal("0.137")),
        ),
        that(lambda r: r.transaction.amount == Decimal("0.137") and r.held == Decimal("0.5")),
    ),
    "refund_transaction": lambda w: (
        w.bob,
        call("refund_transaction", _paid(w), amount=Decimal("3"), reason="partial outage"),
        that(lambda r: r.amount == Decimal(3) and r.refund_reason == "partial outage"),
    ),
    "AdminClient.refund_transaction": lambda w: (
        w.svc.admin,
        call("AdminClient.refund_transaction", _paid(w)),
        that(lambda r: r.amount == Decimal(10) and r.recipient_email == "alice@example.com"),
    ),
    "transfer": lambda w: (
        w.alice,
        call("transfer", "bob@example.com", 10),
        _is_tx(TransactionStatus.COMPLETED),
    ),
    "create_transaction": lambda w: (
        w.alice,
        call("create_transaction", "bob@example.com", 10),
        _is_tx(TransactionStatus.PENDING),
    ),
    "get_transaction_history": lambda w: (
        w.alice,
        (_pending(w), call("get_transaction_history"))[1],
        _history,
    ),
    "iter_transactions": lambda w: (
        w.alice,
        (_pending(w), call("iter_transactions", page_size=1))[1],
        _history,
    ),
    "get_transaction": lambda w: (
        w.alice,
        call("get_transaction", _pending(w)),
        _is_tx(TransactionStatus.PENDING),
    ),
    "update_password": lambda w: (
        w.alice,
        call("update_password", PASSWORD, "alice-NewPw-k39-long"),
        that(lambda r: isinstance(r, User)),
    ),
    "update_organization": lambda w: (
        w.alice,
        call("update_organization", "OpenMined"),
        that(lambda r: r.organization == "OpenMined"),
    ),
    "create_api_key": lambda w: (
        w.alice,
        call("create_api_key", "ci", ["read", "pay"], max_spend=Decimal("20")),
        that(lambda r: r.secret.startswith("sbk_") and r.key.max_spend == Decimal(20)),
    ),
    "list_api_keys": lambda w: (
        w.alice,
        (w.alice.create_api_key("listed", ["read"]), call("list_api_keys"))[1],
        that(lambda r: [k.name for k in r] == ["listed"]),
    ),
    "revoke_api_key": lambda w: (
        w.alice,
        call("revoke_api_key", w.alice.create_api_key("gone", ["read"]).id),
        that(lambda r: r.revoked_at is not None),
    ),
    "revoke_own_api_key": lambda w: (
        w.svc.client(api_key=w.alice.create_api_key("mine", ["read", "keys"]).secret),
        call("revoke_own_api_key"),
        that(lambda r: r.name == "mine" and r.revoked_at is not None),
    ),
    "add_balance": lambda w: (
        w.svc.admin,
        call("add_balance", "alice@example.com", Decimal("1.000001")),
        that(lambda r: r.balance == Decimal("51.000001")),
    ),
    "get_user": lambda w: (
        w.svc.admin,
        call("get_user", "alice@example.com"),
        that(lambda r: r.email == "alice@example.com"),
    ),
    "list_users": lambda w: (
        w.svc.admin,
        call("list_users"),
        that(lambda r: len(r) == 3),
    ),
}


def test_every_operation_of_the_facade_table_has_a_scenario() -> None:
    assert set(SCENARIOS) == {op.id for op in OPS}


@in_process
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("op_id", sorted(SCENARIOS))
def test_every_facade_operation_runs_in_process_with_no_socket_and_no_thread(
    accounting_service: AccountingTestService,
    no_network_no_threads: list[str],
    op_id: str,
    kind: str,
) -> None:
    assert accounting_service.mode == "in-process"
    world = _world(accounting_service)
    client, made, check = SCENARIOS[op_id](world)
    check(run(kind, client, made))


# -- a user's own httpx clients, and the same state as the library's


@in_process
def test_a_users_own_httpx_client_sees_the_same_service(
    accounting_service: AccountingTestService, no_network_no_threads: list[str]
) -> None:
    accounting_service.create_account("alice@example.com", balance=7, password=PASSWORD)
    # Either the factory, or a client built from the url and the transport.
    with httpx.Client(
        base_url=accounting_service.url, transport=accounting_service.transport
    ) as own:
        answer = own.get("/user/my-info", auth=("alice@example.com", PASSWORD))
    assert answer.json()["user"]["balance"] == 7
    made = accounting_service.http_client().post("/user/create", json={"email": "b@example.com"})
    assert made.status_code == 201
    assert [u.email for u in accounting_service.admin.list_users()][-1] == "b@example.com"


@in_process
@pytest.mark.anyio
async def test_a_users_own_async_client_sees_the_same_service(
    accounting_service: AccountingTestService, anyio_backend: str, no_network_no_threads: list[str]
) -> None:
    alice = accounting_service.create_account("alice@example.com", balance=7, password=PASSWORD)
    async with httpx.AsyncClient(
        base_url=accounting_service.url, transport=accounting_service.async_transport
    ) as own:
        answer = await own.get("/user/my-info", auth=("alice@example.com", PASSWORD))
    assert answer.json()["user"]["balance"] == 7
    http = accounting_service.async_http_client()  # not closed: the fixture does it
    paid = await http.post(
        "/transaction/create",
        json={
            "senderEmail": "alice@example.com",
            "recipientEmail": "alice@example.com",
            "amount": 1,
        },
        auth=("alice@example.com", PASSWORD),
    )
    assert paid.json()["code"] == "validation_error"  # the service's own rule, in process
    assert await alice.get_account_balance_async() == 7.0


@in_process
@pytest.mark.anyio
async def test_a_sync_call_inside_a_running_event_loop(
    accounting_service: AccountingTestService, anyio_backend: str, no_network_no_threads: list[str]
) -> None:
    # Code under test that calls the sync library from async code (a notebook, a
    # framework's sync hook): the sync transport needs no loop, and blocks none.
    payer = accounting_service.create_account(balance=2)
    assert payer.get_account_balance() == 2.0
    accounting_service.faults.delay("getMyInfo", 0.001)
    assert payer.get_account_balance() == 2.0
    assert await payer.get_account_balance_async() == 2.0


@in_process
def test_the_user_options_point_the_users_own_library_client_in_process(
    accounting_service: AccountingTestService, no_network_no_threads: list[str]
) -> None:
    accounting_service.create_account("me@example.com", password="pw-12345678", balance=3)
    mine = AccountingClient(
        accounting_service.url, "me@example.com", "pw-12345678", **accounting_service.client_options
    )
    assert mine.get_account_balance() == 3.0
    assert anyio.run(mine.get_account_balance_async) == 3.0


def test_loopback_and_in_process_reach_the_same_service() -> None:
    session = SessionService()
    try:
        local = AccountingTestService(session, "in-process")
        remote = AccountingTestService(session, "loopback")
        assert remote.url.startswith("http://127.0.0.1:")
        local.create_account("both@example.com", balance=4, password="pw-12345678")
        assert remote.client("both@example.com", "pw-12345678").get_account_balance() == 4.0
        local.close()
        remote.close()
    finally:
        session.close()


def test_without_a_loopback_test_the_session_starts_no_server(
    no_network_no_threads: list[str],
) -> None:
    session = SessionService()
    try:
        svc = AccountingTestService(session, "in-process")
        assert svc.create_account(balance=1).get_account_balance() == 1.0
        svc.close()
    finally:
        session.close()


# -- the trampoline


class _Future:
    """What an event loop's future does when awaited: hands itself to the loop."""

    def __await__(self) -> Iterator[Any]:
        yield self


def test_run_inline_refuses_an_app_that_waits_on_an_event_loop() -> None:
    async def waits(scope: Any, receive: Any, send: Any) -> None:
        await _Future()

    with (
        httpx.Client(transport=ServiceTransport(waits), base_url="http://x.localhost") as http,
        pytest.raises(NeedsEventLoop, match=r"waited on _Future.*run_inline=True"),
    ):
        http.get("/")


def test_run_inline_passes_checkpoints_and_returns_the_value() -> None:
    async def counts() -> int:
        for _ in range(3):
            await asyncio.sleep(0)  # a bare checkpoint yields None
        return 42

    assert run_inline(counts()) == 42


@in_process
@pytest.mark.parametrize(("field", "value"), [("email", ""), ("email", "  "), ("password", "")])
def test_create_account_refuses_an_empty_email_or_password(
    accounting_service: AccountingTestService, field: str, value: str
) -> None:
    # Only None means "make one up": an empty value is a mistake in the test, said so.
    with pytest.raises(InvalidInputError, match=field):
        accounting_service.create_account(**{field: value})
    assert accounting_service.admin.list_users() == []
