"""A model of the books, checked against the service after every step (hypothesis).

Registers accounts, funds them, lets them pay directly and charge with tokens, and
confirms or cancels as creator, other party or stranger, in any order. After each
step: the total is conserved, no balance is negative, every balance and transaction
matches the model, and no transaction was resolved twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)

from syftbox_accounting.server import BackgroundService

INITIAL = 100 * 10**6  # micro-dollars
EMAILS = [f"user{n}@example.com" for n in range(5)]

# Mostly affordable, sometimes not: an account starts with 100.
amounts = (
    st.decimals(min_value=Decimal("0.000001"), max_value=Decimal("60"), places=6)
    | st.integers(min_value=1, max_value=20).map(Decimal)
    | st.sampled_from([Decimal("100"), Decimal("150.5")])
)


def micros(amount: Decimal) -> int:
    return int(amount * 10**6)


def dumps(body: dict[str, Any]) -> bytes:
    """JSON with amounts written exactly as the Decimal says (json cannot)."""
    return (
        json.dumps({k: f"@@{v}@@" if isinstance(v, Decimal) else v for k, v in body.items()})
        .replace('"@@', "")
        .replace('@@"', "")
        .encode()
    )


@dataclass
class Pending:
    id: str
    sender: str
    recipient: str
    amount: int
    creator: str
    status: str = "PENDING"


class Books(RuleBasedStateMachine):
    users = Bundle("users")
    tokens = Bundle("tokens")
    transactions = Bundle("transactions")

    # The session's running service (over real sockets), set by the fixture below.
    service: BackgroundService

    def __init__(self) -> None:
        super().__init__()
        self.service.reset()
        self.client = httpx.Client(base_url=self.service.url, timeout=30)
        self.admin = {"Authorization": f"Bearer {self.service.admin_key}"}
        self.balances: dict[str, int] = {}
        self.put_in = 0
        self.ledger: dict[str, Pending] = {}
        self.spent_tokens: set[Any] = set()

    def teardown(self) -> None:
        self.client.close()

    def post(self, path: str, body: dict[str, Any], user: str | None = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if user is None:
            return self.client.post(path, content=dumps(body), headers=headers)
        auth = (user, f"pw-{user}")
        return self.client.post(path, content=dumps(body), headers=headers, auth=auth)

    # --- rules ----------------------------------------------------------------------

    @initialize(target=users)
    def first_user(self) -> str:
        return self.register_new(EMAILS[0])

    @initialize(target=users)
    def second_user(self) -> str:
        return self.register_new(EMAILS[1])

    @rule(target=users, email=st.sampled_from(EMAILS))
    def register(self, email: str) -> Any:
        if email in self.balances:
            response = self.post("/user/create", {"email": email, "password": "whatever-pw"})
            assert (response.status_code, response.json()["code"]) == (409, "account_exists")
            return multiple()  # nothing new for the bundle
        return self.register_new(email)

    def register_new(self, email: str) -> str:
        response = self.post("/user/create", {"email": email, "password": f"pw-{email}"})
        assert response.status_code == 201, response.text
        self.balances[email] = INITIAL
        self.put_in += INITIAL
        return email

    @rule(user=users, amount=amounts)
    def fund(self, user: str, amount: Decimal) -> None:
        response = self.client.post(
            "/user/add-balance",
            content=dumps({"recipientEmail": user, "amount": amount}),
            headers={**self.admin, "Content-Type": "application/json"},
        )
        assert response.status_code == 200, response.text
        self.balances[user] += micros(amount)
        self.put_in += micros(amount)

    @rule(target=tokens, payer=users, recipient=users)
    def create_token(self, payer: str, recipient: str) -> Any:
        response = self.post("/token/create", {"recipientEmail": recipient}, payer)
        if payer == recipient:
            assert response.status_code == 422
            return multiple()
        assert response.status_code == 200, response.text
        return (response.json()["token"], payer, recipient)

    @rule(target=transactions, token=tokens, amount=amounts)
    def charge(self, token: Any, amount: Decimal) -> Any:
        text, payer, recipient = token
        body = {"senderEmail": payer, "recipientEmail": recipient, "amount": amount, "token": text}
        response = self.post("/transaction/create", body, recipient)
        return self.expect_created(response, payer, recipient, amount, "RECIPIENT", token)

    @rule(target=transactions, sender=users, recipient=users, amount=amounts)
    def pay(self, sender: str, recipient: str, amount: Decimal) -> Any:
        body = {"senderEmail": sender, "recipientEmail": recipient, "amount": amount}
        response = self.post("/transaction/create", body, sender)
        if sender == recipient:
            assert response.status_code == 422
            return multiple()
        return self.expect_created(response, sender, recipient, amount, "SENDER", None)

    def expect_created(
        self, response: Any, sender: str, recipient: str, amount: Decimal, by: str, token: Any
    ) -> Any:
        event(f"create {by}: {response.status_code}")
        if token is not None and token in self.spent_tokens:
            assert (response.status_code, response.json()["code"]) == (403, "token_used")
            return multiple()
        if self.balances[sender] < micros(amount):
            assert (response.status_code, response.json()["code"]) == (409, "insufficient_funds")
            return multiple()
        assert response.status_code == 200, response.text
        if token is not None:
            self.spent_tokens.add(token)
        created = response.json()["transaction"]
        assert (created["status"], created["createdBy"]) == ("PENDING", by)
        assert Decimal(str(created["amount"])) == amount
        creator = sender if by == "SENDER" else recipient
        self.ledger[created["id"]] = Pending(
            created["id"], sender, recipient, micros(amount), creator
        )
        return created["id"]

    @rule(
        transaction=transactions,
        action=st.sampled_from(["confirm", "cancel"]),
        role=st.sampled_from(["creator", "creator", "other party", "anyone"]),
        anyone=users,
    )
    def resolve(self, transaction: str, action: str, role: str, anyone: str) -> None:
        pending = self.ledger[transaction]
        other = pending.recipient if pending.creator == pending.sender else pending.sender
        who = {"creator": pending.creator, "other party": other, "anyone": anyone}[role]
        response = self.post(f"/transaction/{action}", {"transactionId": transaction}, who)
        code = response.json().get("code")
        event(f"{action}: {response.status_code} {code or ''}".strip())
        if who not in (pending.sender, pending.recipient):
            assert (response.status_code, code) == (404, "not_found")
        elif who != pending.creator:
            assert (response.status_code, code) == (403, "forbidden")
        elif pending.status != "PENDING":
            assert (response.status_code, code) == (409, "already_resolved")
        elif action == "confirm" and self.balances[pending.sender] < pending.amount:
            assert (response.status_code, code) == (409, "insufficient_funds")
        else:
            assert response.status_code == 200, response.text
            resolved = response.json()["transaction"]
            pending.status = "COMPLETED" if action == "confirm" else "CANCELLED"
            assert resolved["status"] == pending.status
            if action == "confirm":
                self.balances[pending.sender] -= pending.amount
                self.balances[pending.recipient] += pending.amount

    # --- invariants -----------------------------------------------------------------

    @invariant()
    def books_balance(self) -> None:
        users = self.client.get("/users", headers=self.admin).json()["users"]
        balances = {u["email"]: micros(Decimal(str(u["balance"]))) for u in users}
        assert balances == self.balances
        assert all(balance >= 0 for balance in balances.values())
        assert sum(balances.values()) == self.put_in
        assert self.service.service.store.totals() == (self.put_in, self.put_in)

    @precondition(lambda self: bool(self.ledger))
    @invariant()
    def transactions_match(self) -> None:
        seen: dict[str, dict[str, Any]] = {}
        for email in self.balances:
            response = self.client.get("/transactions", auth=(email, f"pw-{email}"))
            for transaction in response.json()["transactions"]:
                seen[transaction["id"]] = transaction
        for pending in self.ledger.values():
            listed = seen[pending.id]
            assert listed["status"] == pending.status
            assert (listed["resolvedAt"] is None) == (pending.status == "PENDING")

    @invariant()
    def usage_counters_match_the_transactions(self) -> None:
        # The counters move with the money; they must equal a recomputation from the
        # transactions, and agree with what the model knows of pending payments.
        store = self.service.service.store
        for email in self.balances:
            counted = store.usage(email)
            assert counted == store.recomputed_usage(email), email
            pending = [
                p
                for p in self.ledger.values()
                if p.status == "PENDING" and email in (p.sender, p.recipient)
            ]
            assert counted.pending_count == len(pending)
            assert counted.pending_amount == sum(p.amount for p in pending if p.sender == email)


Books.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.fixture(autouse=True)
def _service(running_service: BackgroundService) -> None:
    Books.service = running_service


TestBooks = Books.TestCase
