"""Shared data and tools for the facade tests (`tests/facade/`).

Every network operation is described once, as an `Op`: the `Call` of its twins,
the requests it must send (method, path, auth, JSON body) with the answers to give,
and what it must return. The tests run each `Op` three ways: sync, on asyncio and
on trio (`run`), so one table covers both kinds. A `Call` names the sync method;
its async twin is the one the facade's `@twin` mark pairs with it (`TWINS`).
"""

from __future__ import annotations

import datetime
import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Protocol

import anyio
import httpx
from pytest_httpx import HTTPXMock

from syftbox_accounting import (
    AccountingClient,
    AdminClient,
    ApiKey,
    ApiKeyScope,
    CredentialCheck,
    CredentialStatus,
    NewApiKey,
    Payment,
    RetryPolicy,
    Transaction,
    TransactionActor,
    TransactionStatus,
    Usage,
    User,
    UserAccount,
)

BASE = "https://accounting.example.com"
EMAIL = "alice@example.com"
# Distinctive secrets, so a leak is found by a plain substring search.
PASSWORD = "alice-Pw-zq81-SECRET"
NEW_PASSWORD = "alice-NewPw-k39-SECRET"
REGISTER_PASSWORD = "bob-RegPw-x77-SECRET"
ADMIN_KEY = "admin-Key-m42-SECRET"
TOKEN = "eyJ.tok-Body-p55-SECRET.sig"
API_KEY = "sbk_" + "ApiKeySecretK3y" * 2 + "Zq81SECRETxyz"  # 43 letters and digits
BOB = "bob@example.com"
SERVICE = "ai-service@example.com"
SECRETS = (PASSWORD, NEW_PASSWORD, REGISTER_PASSWORD, ADMIN_KEY, TOKEN, API_KEY)

KINDS = ("sync", "asyncio", "trio")
FAST = RetryPolicy(max_retries=2, backoff=0.001, max_backoff=0.001)


def basic(email: str = EMAIL, password: str = PASSWORD) -> str:
    return httpx.BasicAuth(email, password)._auth_header


def bearer(key: str = ADMIN_KEY) -> str:
    return f"Bearer {key}"


def user_json(
    email: str = EMAIL,
    balance: Any = 89.75,
    organization: str | None = "OpenMined",
    uid: str = "8d0c2f5e-3b7a-4a55-9a2b-0f6f1c2d3e4f",
) -> dict[str, Any]:
    return {"id": uid, "email": email, "balance": balance, "organization": organization}


def tx_json(
    tid: str = "tx-1",
    *,
    sender: str = BOB,
    recipient: str = EMAIL,
    amount: Any = 0.25,
    status: str = "PENDING",
    created_by: str = "RECIPIENT",
    resolved_by: str | None = None,
    created_at: str = "2026-11-27T14:51:17+00:00",
    resolved_at: str | None = None,
    app_name: str | None = "summarizer",
    endpoint: str | None = "/v1/summarize",
    **added: Any,
) -> dict[str, Any]:
    """A transaction as the public protocol sends it, with `added` fields of ours
    (``authorizedAmount=...``) when given."""
    return {
        "id": tid,
        "senderEmail": sender,
        "recipientEmail": recipient,
        "amount": amount,
        "status": status,
        "createdBy": created_by,
        "resolvedBy": resolved_by,
        "createdAt": created_at,
        "resolvedAt": resolved_at,
        "appName": app_name,
        "appEpPath": endpoint,
        **added,
    }


def resolved(tx: dict[str, Any], status: str) -> dict[str, Any]:
    return {
        **tx,
        "status": status,
        "resolvedBy": tx["createdBy"],
        "resolvedAt": "2026-11-27T14:51:19+00:00",
    }


def usage_json(**counts: Any) -> dict[str, Any]:
    """A `GET /user/usage` answer: zero counts unless given (wire names)."""
    usage: dict[str, Any] = {
        "transactionCount": 0,
        "totalSpent": 0,
        "totalReceived": 0,
        "pendingCount": 0,
        "pendingAmount": 0,
        "firstTransactionAt": None,
        "lastTransactionAt": None,
    }
    return {"usage": usage | counts}


def mock_show(
    httpx_mock: HTTPXMock,
    base: str = BASE,
    *,
    user: dict[str, Any] | None = None,
    usage: dict[str, Any] | None = None,
    transactions: list[dict[str, Any]] | None = None,
) -> None:
    """The three answers `show()` asks for: the account, its usage, its newest 30."""
    httpx_mock.add_response(
        method="GET", url=f"{base}/user/my-info", json={"user": user or user_json()}
    )
    httpx_mock.add_response(method="GET", url=f"{base}/user/usage", json=usage or usage_json())
    httpx_mock.add_response(
        method="GET",
        url=f"{base}/transactions?limit=30",
        json={"transactions": transactions or [], "nextCursor": None},
    )


def when(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


def user_client(url: str = BASE, **options: Any) -> AccountingClient:
    options.setdefault("retry_policy", FAST)
    return AccountingClient(url, EMAIL, PASSWORD, **options)


def keyed_client(url: str = BASE, **options: Any) -> AccountingClient:
    options.setdefault("retry_policy", FAST)
    return AccountingClient(url, api_key=OWN_KEY, **options)


def admin_client(url: str = BASE, **options: Any) -> AdminClient:
    options.setdefault("retry_policy", FAST)
    return AdminClient(url, ADMIN_KEY, **options)


def knows(client: AccountingClient | AdminClient, features: frozenset[str]) -> None:
    """Make `client` one that has seen an answer announcing `features` (as after any
    call to the service), so that a call needing one is sent without a probe first."""
    client._transport._home._features = features


FEATURES = frozenset({"holds", "capture", "refunds"})
KEY_FEATURES = FEATURES | {"api-keys"}


def body_of(request: httpx.Request) -> Any:
    """The JSON body of a request, numbers read exactly."""
    return json.loads(request.content, parse_float=Decimal) if request.content else None


# -- the twins, as the facade marks them

CLIENTS = (AccountingClient, AdminClient)


def is_async(method: Any) -> bool:
    """Whether `method` is the async kind: a coroutine function, a context manager
    built on an async generator, or a function that returns an async iterator or an
    async httpx client."""
    inner = inspect.unwrap(method)
    return (
        inspect.iscoroutinefunction(inner)
        or inspect.isasyncgenfunction(inner)
        or _returns(inner).startswith("AsyncIterator[")
        or _returns(inner) == "httpx.AsyncClient"
    )


def _returns(method: Any) -> str:
    return str(inspect.signature(method).return_annotation)


@dataclass(frozen=True)
class Twins:
    """A public network method of `cls` and its twin of the other kind, as the
    `@twin` mark pairs them: `original` is the one the mark names."""

    cls: type
    sync: str
    aio: str
    original: str

    @property
    def key(self) -> str:
        """Its name in `TWINS`: the sync name, qualified by the class when another
        client has a method of that name too (both serve one operation: an admin's
        ``AdminClient.refund_transaction`` beside a user's ``refund_transaction``)."""
        if self.cls is AccountingClient or self.sync not in _SHARED_NAMES:
            return self.sync
        return f"{self.cls.__name__}.{self.sync}"

    @property
    def marked(self) -> str:
        return self.aio if self.original == self.sync else self.sync

    @property
    def context(self) -> bool:
        """A pair of context managers (``with`` / ``async with``)."""
        return inspect.isgeneratorfunction(inspect.unwrap(getattr(self.cls, self.sync)))

    @property
    def factory(self) -> bool:
        """A pair that makes an httpx client (`httpx.Client` / `httpx.AsyncClient`):
        no request of its own, so no row in `OPS`."""
        return _returns(getattr(self.cls, self.sync)) == "httpx.Client"

    @property
    def iterator(self) -> bool:
        """A pair of functions that return an iterator and an async iterator."""
        method = getattr(self.cls, self.sync)
        return not self.context and _returns(method).startswith("Iterator[")


def _marked_twins(cls: type) -> tuple[Twins, ...]:
    found = []
    for name in sorted(dir(cls)):
        original = getattr(getattr(cls, name), "__twin_of__", None)
        if name.startswith("_") or original is None:
            continue
        sync, aio = (original, name) if is_async(getattr(cls, name)) else (name, original)
        found.append(Twins(cls, sync, aio, original))
    return tuple(found)


# Every public network method of the clients, by its sync name (see `Twins.key`): the
# registry the facade keeps with `@twin`.
_ALL_TWINS = [t for cls in CLIENTS for t in _marked_twins(cls)]
_SHARED_NAMES = {t.sync for t in _ALL_TWINS if sum(u.sync == t.sync for u in _ALL_TWINS) > 1}
TWINS: dict[str, Twins] = {t.key: t for t in _ALL_TWINS}


# -- calls that run either twin

BAD = object()  # where `Call.given` puts a value


@dataclass(frozen=True)
class Call:
    """A call of a client method, named by its sync twin, with its arguments.
    `sync` makes it with that method, `aio` with its async twin (found by the
    mark). A context-manager pair is entered, `block` runs on what it yields, and
    that is the result once the block has exited."""

    method: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    block: Callable[[Any], None] | None = None
    alias: str = ""  # the seed's alias of the async twin, to call instead of it

    def given(self, value: Any) -> Call:
        """This call with `value` where its arguments hold `BAD`."""

        def fill(arg: Any) -> Any:
            return value if arg is BAD else arg

        return replace(
            self,
            args=tuple(fill(a) for a in self.args),
            kwargs={k: fill(v) for k, v in self.kwargs.items()},
        )

    @property
    def name(self) -> str:
        """The sync method's name (`method` may qualify it: ``AdminClient.x``)."""
        return self.method.rpartition(".")[2]

    def sync(self, client: Any) -> Any:
        method = getattr(client, self.name)
        twins = TWINS.get(self.method)
        if twins is not None and twins.iterator:
            return list(method(*self.args, **self.kwargs))
        if not inspect.isgeneratorfunction(inspect.unwrap(method)):
            return method(*self.args, **self.kwargs)
        with method(*self.args, **self.kwargs) as value:
            if self.block:
                self.block(value)
        return value

    async def aio(self, client: Any) -> Any:
        twins = TWINS.get(self.method)
        assert twins, f"{self.method} has no async twin marked with @twin"
        method = getattr(client, self.alias or twins.aio)
        if twins.iterator:
            return [item async for item in method(*self.args, **self.kwargs)]
        if not twins.context:
            return await method(*self.args, **self.kwargs)
        async with method(*self.args, **self.kwargs) as value:
            if self.block:
                self.block(value)
        return value


def call(method: str, *args: Any, **kwargs: Any) -> Call:
    return Call(method, args, kwargs)


class Runnable(Protocol):
    def sync(self, client: Any) -> Any: ...

    async def aio(self, client: Any) -> Any: ...


def run_all(kind: str, client: Any, *calls: Runnable) -> list[Any]:
    """Make `calls` in turn on `client` and return their results: with the sync
    twins for `kind` "sync", else with the async twins on the anyio backend `kind`
    ("asyncio" or "trio"). The client's connections are closed afterwards."""
    if kind == "sync":
        with client:
            return [c.sync(client) for c in calls]

    async def main() -> list[Any]:
        async with client:
            return [await c.aio(client) for c in calls]

    return anyio.run(main, backend=kind)


def run(kind: str, client: Any, call: Runnable) -> Any:
    """`run_all` for one call: its result."""
    return run_all(kind, client, call)[0]


# -- the table of operations


@dataclass(frozen=True)
class Step:
    """One request an operation sends, and the success answer to give it."""

    method: str
    path: str  # as sent, without the query
    auth: str  # "basic", "bearer" (the admin key), "key" (OWN_KEY) or "none"
    body: Any  # the exact JSON body sent (numbers as Decimal), or None
    answer: Any  # the JSON answer
    spec_path: str = ""  # the contract's path template, when it differs
    query: str = ""  # the query string sent, e.g. "?limit=10"

    @property
    def target(self) -> str:
        """The path and query, as in a request line."""
        return self.path + self.query

    @property
    def url(self) -> str:
        return BASE + self.target

    @property
    def template(self) -> str:
        return self.spec_path or self.path


@dataclass(frozen=True)
class Op:
    """A network operation: the call of its twins, its requests, and its result."""

    call: Call
    operation: str  # the name in exception messages
    steps: tuple[Step, ...]
    check: Callable[[Any], None]
    raises: bool = True  # False for the checks that report failures as a value
    concurrent: bool = False  # the async twin sends its steps at once
    secrets: tuple[str, ...] = field(default=())
    label: str = ""  # the test id, for a second row of one method
    # What the service announced before the call (a client that saw one answer of it):
    # a call that needs a feature is sent only then (see test_features.py for the rest).
    features: frozenset[str] | None = None
    keyed: bool = False  # the client has OWN_KEY and no password

    @property
    def id(self) -> str:
        """The test id: the label, else the sync method's name (the alias's, for the
        alias)."""
        return self.label or self.call.alias or self.call.method

    @property
    def admin(self) -> bool:
        return TWINS[self.call.method].cls is AdminClient

    @property
    def shape(self) -> str:
        """How the operation meets the service, all that the transport's handling of
        a fault depends on: "admin" (Bearer), "check" (reports instead of raising),
        "gather" (its async twin sends its GETs at once), "iterator", "multi-step",
        "get" (one plain GET) or "keyed" (one POST/PUT with an Idempotency-Key)."""
        if self.admin:
            return "admin"
        if not self.raises:
            return "check"
        if self.concurrent:
            return "gather"
        if TWINS[self.call.method].iterator:
            return "iterator"
        if len(self.steps) > 1:
            return "multi-step"
        return "get" if self.first.method == "GET" else "keyed"

    def client(self, url: str = BASE, **options: Any) -> AccountingClient | AdminClient:
        if self.admin:
            client: AccountingClient | AdminClient = admin_client(url, **options)
        elif self.keyed:
            client = keyed_client(url, **options)
        else:
            client = user_client(url, **options)
        if self.features is not None:
            knows(client, self.features)
        return client

    def sync(self, client: Any) -> Any:
        return self.call.sync(client)

    async def aio(self, client: Any) -> Any:
        return await self.call.aio(client)

    @property
    def first(self) -> Step:
        return self.steps[0]


def mock_steps(httpx_mock: HTTPXMock, op: Op) -> None:
    """Answer each step of `op` with its success body (announcing the op's features
    on every answer, as a service with them does)."""
    for step in op.steps:
        httpx_mock.add_response(
            method=step.method, url=step.url, json=step.answer, headers=announced(op.features)
        )


def announced(features: frozenset[str] | None) -> dict[str, str]:
    """The Accounting-Features header of a service with `features` (none: no header)."""
    return {} if features is None else {"Accounting-Features": ", ".join(sorted(features))}


def assert_sent(httpx_mock: HTTPXMock, op: Op, *, ordered: bool = True) -> None:
    """The requests are exactly the op's steps: method, URL, auth and body."""
    requests = httpx_mock.get_requests()
    assert len(requests) == len(op.steps)
    pairs = list(zip(requests, op.steps, strict=True))
    if not ordered:
        by_url = {step.url: step for step in op.steps}
        pairs = [(r, by_url[str(r.url)]) for r in requests]
    for request, step in pairs:
        assert request.method == step.method
        assert str(request.url) == step.url
        if step.auth == "basic":
            assert request.headers["Authorization"] == basic()
        elif step.auth == "bearer":
            assert request.headers["Authorization"] == bearer()
        elif step.auth == "key":
            assert request.headers["Authorization"] == bearer(OWN_KEY)
        else:
            assert "Authorization" not in request.headers
        assert body_of(request) == step.body
        if step.body is not None:
            assert request.headers["Content-Type"] == "application/json"


# -- expected results

USER = user_json()
ADMIN_USER = user_json(balance=1234567.000001, organization=None)
PENDING = tx_json()
COMPLETED = resolved(PENDING, "COMPLETED")
CANCELLED = resolved(PENDING, "CANCELLED")
DIRECT = tx_json(
    "tx-2",
    sender=EMAIL,
    recipient=BOB,
    amount=10,
    created_by="SENDER",
    app_name=None,
    endpoint=None,
)
HISTORY = [  # oldest first on the wire: the library must sort newest first
    tx_json("old", created_at="2026-11-25T08:00:00+00:00", status="COMPLETED"),
    tx_json("new", created_at="2026-11-27T10:00:00+01:00", sender=EMAIL, recipient=BOB),
    tx_json("mid", created_at="2026-11-26T09:00:00Z", status="CANCELLED", amount=0.000001),
]


def check_user(result: Any, doc: dict[str, Any] = USER) -> None:
    assert type(result) is User
    assert result == User(
        id=doc["id"],
        email=doc["email"],
        balance=Decimal(str(doc["balance"])),
        organization=doc["organization"],
    )
    assert type(result.balance) is Decimal


def check_tx(result: Any, doc: dict[str, Any]) -> None:
    assert type(result) is Transaction
    authorized = doc.get("authorizedAmount", doc["amount"])
    assert result == Transaction(
        id=doc["id"],
        sender_email=doc["senderEmail"],
        recipient_email=doc["recipientEmail"],
        amount=Decimal(str(doc["amount"])),
        status=TransactionStatus(doc["status"]),
        created_by=TransactionActor(doc["createdBy"]),
        created_at=when(doc["createdAt"]),
        resolved_by=TransactionActor(doc["resolvedBy"]) if doc["resolvedBy"] else None,
        resolved_at=when(doc["resolvedAt"]) if doc["resolvedAt"] else None,
        app_name=doc["appName"],
        endpoint=doc["appEpPath"],
        authorized_amount=Decimal(str(authorized)),
        expires_at=when(doc["expiresAt"]) if doc.get("expiresAt") else None,
        cancel_reason=doc.get("cancelReason"),
        refund_of=doc.get("refundOf"),
        refunded_amount=Decimal(str(doc.get("refundedAmount", 0))),
        refund_reason=doc.get("refundReason"),
    )
    assert type(result.amount) is Decimal


def check_account(result: Any) -> None:
    assert type(result) is UserAccount
    assert result.email == BOB
    assert result.password == REGISTER_PASSWORD
    assert result.balance == 100.0
    assert type(result.balance) is float
    assert result.organization == "OpenMined"


def check_balance(result: Any) -> None:
    assert result == 89.75
    assert type(result) is float


def check_info(result: Any) -> None:
    assert isinstance(result, dict)
    assert result["balance"] == 89.75
    assert result["account_id"] == USER["id"]
    assert result["email"] == EMAIL
    assert result["organization"] == "OpenMined"
    assert result["currency"] == "USD"
    assert result["service_url"] == BASE
    assert result["usage"] == {
        "transaction_count": 3,
        "total_spent": 0.0,
        "total_received": 0.25,
        "pending_count": 1,
        "pending_amount": 0.25,
        "total_refunds_received": 0.0,
        "total_refunds_given": 0.0,
        "first_transaction_at": "2026-11-25T08:00:00+00:00",
        "last_transaction_at": "2026-11-27T10:00:00+01:00",
    }
    assert result["available_balance"] == 89.75  # nothing held at a service without holds
    assert [t["id"] for t in result["billing_history"]] == ["new", "mid", "old"]
    assert json.loads(json.dumps(result)) == result  # plain JSON values


def check_usage(result: Any) -> None:
    assert type(result) is Usage
    assert result == Usage(
        transaction_count=3,
        total_spent=Decimal(0),
        total_received=Decimal("0.25"),
        pending_count=1,
        pending_amount=Decimal("0.25"),
        first_transaction_at=when("2026-11-25T08:00:00+00:00"),
        last_transaction_at=when("2026-11-27T10:00:00+01:00"),
    )
    assert type(result.total_received) is Decimal


def check_token(result: Any) -> None:
    assert result == TOKEN
    assert type(result) is str


def check_valid(result: Any) -> None:
    assert result is True


def check_credentials_valid(result: Any) -> None:
    assert type(result) is CredentialCheck
    assert result.status is CredentialStatus.VALID
    assert result.ok
    assert EMAIL in result.reason


def check_history(result: Any) -> None:
    assert isinstance(result, list)
    assert [t.id for t in result] == ["new", "mid", "old"]
    by_id = {doc["id"]: doc for doc in HISTORY}
    for tx in result:
        check_tx(tx, by_id[tx.id])
    assert result[1].amount == Decimal("0.000001")


def check_payment(result: Any) -> None:
    assert type(result) is Payment
    check_tx(result.transaction, COMPLETED)
    assert result.id == "tx-1"
    assert result.amount == Decimal("0.25")


def check_users(result: Any) -> None:
    assert isinstance(result, list)
    assert len(result) == 2
    check_user(result[0], ADMIN_USER)
    check_user(result[1], user_json(BOB, balance=0, uid="u-bob", organization=None))
    assert result[0].balance == Decimal("1234567.000001")


def check_capture(result: Any) -> None:
    """`charging()` that held 0.50 and captured 0.137: the payer paid exactly that."""
    assert type(result) is Payment
    check_tx(result.transaction, CAPTURED)
    assert result.amount == Decimal("0.137")
    assert result.held == Decimal("0.50")
    assert result.price == Decimal("0.137")


def still_pending(payment: Payment) -> None:
    """The block of `charging`: the charge is pending while the work runs."""
    assert payment.transaction.status is TransactionStatus.PENDING


MY_INFO = Step("GET", "/user/my-info", "basic", None, {"user": USER})
# What the service says of HISTORY (see check_usage).
USAGE = {
    "usage": {
        "transactionCount": 3,
        "totalSpent": 0,
        "totalReceived": 0.25,
        "pendingCount": 1,
        "pendingAmount": 0.25,
        "firstTransactionAt": "2026-11-25T08:00:00+00:00",
        "lastTransactionAt": "2026-11-27T10:00:00+01:00",
    }
}
GET_USAGE = Step("GET", "/user/usage", "basic", None, USAGE)
# A page of ours is newest first, as the contract says (the library keeps its order).
NEWEST = Step(
    "GET",
    "/transactions",
    "basic",
    None,
    {"transactions": [HISTORY[1], HISTORY[2], HISTORY[0]], "nextCursor": None},
    query="?limit=10",
)
CHARGE_BODY = {
    "senderEmail": BOB,
    "recipientEmail": EMAIL,
    "amount": Decimal("0.25"),
    "token": TOKEN,
    "appName": "summarizer",
    "appEpPath": "/v1/summarize",
}
CREATE_CHARGE = Step("POST", "/transaction/create", "basic", CHARGE_BODY, {"transaction": PENDING})
CONFIRM = Step(
    "POST", "/transaction/confirm", "basic", {"transactionId": "tx-1"}, {"transaction": COMPLETED}
)
# A charge at a service with holds: 0.50 held for ten minutes, 0.137 captured.
HELD = tx_json(
    "tx-h",
    amount=0.5,
    authorizedAmount=0.5,
    expiresAt="2026-11-27T15:01:17+00:00",
    cancelReason=None,
    refundOf=None,
    refundedAmount=0,
    refundReason=None,
)
CAPTURED = {**resolved(HELD, "COMPLETED"), "amount": 0.137, "expiresAt": None}
# Refunds of the direct payment tx-2 (to bob), by its recipient and by the admin.
REFUND = tx_json(
    "rf-1",
    sender=BOB,
    recipient=EMAIL,
    amount=3,
    status="COMPLETED",
    created_by="SENDER",
    resolved_by="SENDER",
    resolved_at="2026-11-27T14:51:17+00:00",
    app_name=None,
    endpoint=None,
    authorizedAmount=3,
    expiresAt=None,
    cancelReason=None,
    refundOf="tx-2",
    refundedAmount=0,
    refundReason="partial outage",
)
ADMIN_REFUND = {
    **REFUND,
    "id": "rf-2",
    "amount": 10,
    "authorizedAmount": 10,
    "createdBy": "SYSTEM",
    "resolvedBy": "SYSTEM",
    "refundReason": None,
}
DIRECT_BODY = {"senderEmail": EMAIL, "recipientEmail": BOB, "amount": 10}
CREATE_DIRECT = Step("POST", "/transaction/create", "basic", DIRECT_BODY, {"transaction": DIRECT})
CONFIRM_DIRECT = Step(
    "POST",
    "/transaction/confirm",
    "basic",
    {"transactionId": "tx-2"},
    {"transaction": resolved(DIRECT, "COMPLETED")},
)

KEY_JSON = {
    "id": "key_7Hq2Vd9sKx3LmN4pR8tZ",
    "name": "ci",
    "scopes": ["read", "pay"],
    "hint": "sbk_...Txyz",
    "createdAt": "2026-12-04T10:00:00+00:00",
    "expiresAt": None,
    "lastUsedAt": None,
    "revokedAt": None,
    "maxSpend": 20,
    "spent": 0,
}
REVOKED_KEY = {**KEY_JSON, "revokedAt": "2026-12-04T11:30:00+00:00", "spent": 4.5}
# The key of a key-only client (Op.keyed), as the contract's example lists it (so that
# Prism's answer names it too): its hint shows the secret's last 4 characters.
OWN_KEY = "sbk_" + "OwnKeySecret" * 3 + "Own7Rm2"  # 43 letters and digits
OWN_KEY_JSON = {**KEY_JSON, "id": "key_2Bx8Nc4LqT6wR1mZ9vKs", "hint": "sbk_...7Rm2"}
OWN_KEY_REVOKED = {**OWN_KEY_JSON, "revokedAt": "2026-12-04T11:30:00+00:00"}


def check_key(result: Any, doc: dict[str, Any] = KEY_JSON) -> None:
    assert type(result) is ApiKey
    assert result == ApiKey(
        id=doc["id"],
        name=doc["name"],
        scopes=frozenset(ApiKeyScope(s) for s in doc["scopes"]),
        hint=doc["hint"],
        created_at=when(doc["createdAt"]),
        expires_at=None,
        revoked_at=when(doc["revokedAt"]) if doc["revokedAt"] else None,
        last_used_at=None,
        max_spend=Decimal(str(doc["maxSpend"])),
        spent=Decimal(str(doc["spent"])),
    )


def check_new_key(result: Any) -> None:
    assert type(result) is NewApiKey
    check_key(result.key)
    assert result.secret == API_KEY
    assert API_KEY not in repr(result)
    assert API_KEY not in str(result)


OPS: tuple[Op, ...] = (
    Op(
        call("register_accounting", BOB, REGISTER_PASSWORD, "OpenMined"),
        "register_accounting",
        (
            Step(
                "POST",
                "/user/create",
                "none",
                {"email": BOB, "password": REGISTER_PASSWORD, "organization": "OpenMined"},
                {
                    "user": user_json(BOB, balance=100, uid="u-bob"),
                    "password": REGISTER_PASSWORD,
                },
            ),
        ),
        check_account,
        secrets=(PASSWORD, REGISTER_PASSWORD),
    ),
    Op(
        call("get_account_balance"),
        "get_account_balance",
        (MY_INFO,),
        check_balance,
        secrets=(PASSWORD,),
    ),
    Op(
        Call("get_account_balance", alias="_get_account_balance_async"),
        "get_account_balance",
        (MY_INFO,),
        check_balance,
        secrets=(PASSWORD,),
    ),
    Op(
        call("get_account"),
        "get_account",
        (MY_INFO,),
        check_user,
        secrets=(PASSWORD,),
    ),
    Op(
        call("get_account_info_sync"),
        "get_account_info",
        (MY_INFO, GET_USAGE, NEWEST),
        check_info,
        concurrent=True,
        secrets=(PASSWORD,),
    ),
    Op(
        call("get_usage"),
        "get_usage",
        (GET_USAGE,),
        check_usage,
        secrets=(PASSWORD,),
    ),
    Op(
        call("create_transaction_token_sync", recipient_email=SERVICE),
        "create_transaction_token",
        (Step("POST", "/token/create", "basic", {"recipientEmail": SERVICE}, {"token": TOKEN}),),
        check_token,
        secrets=(PASSWORD,),
    ),
    Op(
        call("validate_credentials_sync"),
        "check_credentials",
        (MY_INFO,),
        check_valid,
        raises=False,
        secrets=(PASSWORD,),
    ),
    Op(
        call("check_credentials"),
        "check_credentials",
        (MY_INFO,),
        check_credentials_valid,
        raises=False,
        secrets=(PASSWORD,),
    ),
    Op(
        call(
            "charge", BOB, Decimal("0.25"), TOKEN, app_name="summarizer", endpoint="/v1/summarize"
        ),
        "charge",
        (CREATE_CHARGE,),
        lambda r: check_tx(r, PENDING),
        secrets=(PASSWORD, TOKEN),
    ),
    Op(
        call("confirm_transaction", "tx-1"),
        "confirm_transaction",
        (CONFIRM,),
        lambda r: check_tx(r, COMPLETED),
        secrets=(PASSWORD,),
    ),
    Op(
        call("cancel_transaction", "tx-1"),
        "cancel_transaction",
        (
            Step(
                "POST",
                "/transaction/cancel",
                "basic",
                {"transactionId": "tx-1"},
                {"transaction": CANCELLED},
            ),
        ),
        lambda r: check_tx(r, CANCELLED),
        secrets=(PASSWORD,),
    ),
    Op(
        Call("charging", (BOB, Decimal("0.25"), TOKEN), {"app_name": "summarizer"}, still_pending),
        "charge",
        (
            Step(
                "POST",
                "/transaction/create",
                "basic",
                {k: v for k, v in CHARGE_BODY.items() if k != "appEpPath"},
                {"transaction": PENDING},
            ),
            CONFIRM,
        ),
        check_payment,
        secrets=(PASSWORD, TOKEN),
    ),
    Op(
        Call(
            "charging",
            (BOB, Decimal("0.50"), TOKEN),
            {"hold_for": 600},
            lambda payment: payment.capture(Decimal("0.137")),
        ),
        "charge",
        (
            Step(
                "POST",
                "/transaction/create",
                "basic",
                {
                    "senderEmail": BOB,
                    "recipientEmail": EMAIL,
                    "amount": Decimal("0.50"),
                    "token": TOKEN,
                    "holdFor": 600,
                },
                {"transaction": HELD},
            ),
            Step(
                "POST",
                "/transaction/confirm",
                "basic",
                {"transactionId": "tx-h", "amount": Decimal("0.137")},
                {"transaction": CAPTURED},
            ),
        ),
        check_capture,
        secrets=(PASSWORD, TOKEN),
        label="charging-capture",
        features=FEATURES,
    ),
    Op(
        call("refund_transaction", "tx-2", amount=Decimal("3"), reason="partial outage"),
        "refund_transaction",
        (
            Step(
                "POST",
                "/transaction/refund",
                "basic",
                {"transactionId": "tx-2", "amount": Decimal("3"), "reason": "partial outage"},
                {"transaction": REFUND},
            ),
        ),
        lambda r: check_tx(r, REFUND),
        secrets=(PASSWORD,),
        features=FEATURES,
    ),
    Op(
        call("transfer", BOB, 10),
        "transfer",
        (CREATE_DIRECT, CONFIRM_DIRECT),
        lambda r: check_tx(r, resolved(DIRECT, "COMPLETED")),
        secrets=(PASSWORD,),
    ),
    Op(
        call("create_transaction", BOB, 10),
        "create_transaction",
        (CREATE_DIRECT,),
        lambda r: check_tx(r, DIRECT),
        secrets=(PASSWORD,),
    ),
    Op(
        call("get_transaction_history"),
        "get_transaction_history",
        (Step("GET", "/transactions", "basic", None, {"transactions": HISTORY}),),
        check_history,
        secrets=(PASSWORD,),
    ),
    Op(
        call("iter_transactions", page_size=10),
        "iter_transactions",
        (NEWEST,),
        check_history,
        secrets=(PASSWORD,),
    ),
    Op(
        call("get_transaction", "tx-1"),
        "get_transaction",
        (
            Step(
                "GET",
                "/transactions/tx-1",
                "basic",
                None,
                {"transaction": COMPLETED},
                spec_path="/transactions/{transactionId}",
            ),
        ),
        lambda r: check_tx(r, COMPLETED),
        secrets=(PASSWORD,),
    ),
    Op(
        call("update_password", PASSWORD, NEW_PASSWORD),
        "update_password",
        (
            Step(
                "PUT",
                "/user/update-password",
                "basic",
                {"oldPassword": PASSWORD, "newPassword": NEW_PASSWORD},
                {"user": USER},
            ),
        ),
        check_user,
        secrets=(PASSWORD, NEW_PASSWORD),
    ),
    Op(
        call("update_organization", "OpenMined"),
        "update_organization",
        (
            Step(
                "PUT",
                "/user/update-organization",
                "basic",
                {"organization": "OpenMined"},
                {"user": USER},
            ),
        ),
        check_user,
        secrets=(PASSWORD,),
    ),
    Op(
        call("create_api_key", "ci", ["read", "pay"], max_spend=Decimal("20")),
        "create_api_key",
        (
            Step(
                "POST",
                "/api-key/create",
                "basic",
                {"name": "ci", "scopes": ["read", "pay"], "maxSpend": Decimal("20")},
                {"apiKey": KEY_JSON, "secret": API_KEY},
            ),
        ),
        check_new_key,
        secrets=(PASSWORD,),  # the key's secret exists only once the answer came
        features=KEY_FEATURES,
    ),
    Op(
        call("list_api_keys"),
        "list_api_keys",
        (Step("GET", "/api-keys", "basic", None, {"apiKeys": [KEY_JSON]}),),
        lambda r: [check_key(k) for k in r] and None,
        secrets=(PASSWORD,),
        features=KEY_FEATURES,
    ),
    Op(
        call("revoke_api_key", "key_7Hq2Vd9sKx3LmN4pR8tZ"),
        "revoke_api_key",
        (
            Step(
                "POST",
                "/api-key/revoke",
                "basic",
                {"keyId": "key_7Hq2Vd9sKx3LmN4pR8tZ"},
                {"apiKey": REVOKED_KEY},
            ),
        ),
        lambda r: check_key(r, REVOKED_KEY),
        secrets=(PASSWORD,),
        features=KEY_FEATURES,
    ),
    Op(
        call("revoke_own_api_key"),
        "revoke_own_api_key",
        (
            Step("GET", "/api-keys", "key", None, {"apiKeys": [REVOKED_KEY, OWN_KEY_JSON]}),
            Step(
                "POST",
                "/api-key/revoke",
                "key",
                {"keyId": OWN_KEY_JSON["id"]},
                {"apiKey": OWN_KEY_REVOKED},
            ),
        ),
        lambda r: check_key(r, OWN_KEY_REVOKED),
        secrets=(OWN_KEY,),
        features=KEY_FEATURES,
        keyed=True,
    ),
    Op(
        call("add_balance", EMAIL, Decimal("1234.000001")),
        "add_balance",
        (
            Step(
                "POST",
                "/user/add-balance",
                "bearer",
                {"recipientEmail": EMAIL, "amount": Decimal("1234.000001")},
                {"user": ADMIN_USER},
            ),
        ),
        lambda r: check_user(r, ADMIN_USER),
        secrets=(ADMIN_KEY,),
    ),
    Op(
        call("get_user", EMAIL),
        "get_user",
        (
            Step(
                "GET",
                "/user/alice%40example.com",
                "bearer",
                None,
                {"user": ADMIN_USER},
                spec_path="/user/{email}",
            ),
        ),
        lambda r: check_user(r, ADMIN_USER),
        secrets=(ADMIN_KEY,),
    ),
    Op(
        call("list_users"),
        "list_users",
        (
            Step(
                "GET",
                "/users",
                "bearer",
                None,
                {
                    "users": [
                        ADMIN_USER,
                        user_json(BOB, balance=0, uid="u-bob", organization=None),
                    ]
                },
            ),
        ),
        check_users,
        secrets=(ADMIN_KEY,),
    ),
    Op(
        call("AdminClient.refund_transaction", "tx-2"),
        "refund_transaction",
        (
            Step(
                "POST",
                "/transaction/refund",
                "bearer",
                {"transactionId": "tx-2"},
                {"transaction": ADMIN_REFUND},
            ),
        ),
        lambda r: check_tx(r, ADMIN_REFUND),
        secrets=(ADMIN_KEY,),
        features=FEATURES,
    ),
)
OPS_BY_ID = {op.id: op for op in OPS}
