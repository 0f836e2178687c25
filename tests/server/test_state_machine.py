"""A model of the books, checked against the service after every step (hypothesis).

Registers accounts, funds them, lets them pay directly and charge with tokens (each a
hold, for a chosen time), confirms (capturing all, part or too much of the hold) or
cancels as creator, other party or stranger, refunds as recipient, admin, sender or
stranger, replays keyed requests, and moves the service's clock so that holds lapse and
tokens expire. After each step, for every account: the balance, the held and the
available balance match the model, the books audited from the database balance
(`books.check`: balance = initial credit + credits + received - sent + refunds received
- refunds given, held = what its pending transactions hold, usage counters agree), and
every transaction reads as the model says.
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass
from datetime import datetime
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

from syftbox_accounting.server import BackgroundService, ManualClock
from syftbox_accounting.server.idempotency_records import DEFAULT_TTL as TTL
from tests.server import books

INITIAL = 100 * 10**6  # micro-dollars
EMAILS = [f"user{n}@example.com" for n in range(4)]
DEFAULT_HOLD = 3600
TOKEN_LIFETIME = 86400
SHARE = 10**6  # a share of an amount, in millionths

# Mostly affordable, sometimes not: an account starts with 100.
amounts = (
    st.decimals(min_value=Decimal("0.000001"), max_value=Decimal("60"), places=6)
    | st.integers(min_value=1, max_value=20).map(Decimal)
    | st.sampled_from([Decimal("100"), Decimal("150.5")])
)
hold_times = st.sampled_from([None, 10, 3600, 86400])
shares = st.integers(min_value=1, max_value=SHARE)


def micros(amount: Decimal) -> int:
    return int(amount * 10**6)


def dollars(value: int) -> Decimal:
    return Decimal(value).scaleb(-6)


def dumps(body: dict[str, Any]) -> bytes:
    """JSON with amounts written exactly as the Decimal says (json cannot)."""
    return (
        json.dumps({k: f"@@{v}@@" if isinstance(v, Decimal) else v for k, v in body.items()})
        .replace('"@@', "")
        .replace('@@"', "")
        .encode()
    )


def seconds(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


@dataclass
class Tx:
    id: str
    sender: str
    recipient: str
    amount: int
    created_by: str
    status: str
    expires: float | None = None
    refund_of: str | None = None
    refunded: int = 0
    cancel_reason: str | None = None
    resolved_by: str | None = None
    authorized: int = 0

    def __post_init__(self) -> None:
        self.authorized = self.authorized or self.amount

    @property
    def creator(self) -> str | None:
        return {"SENDER": self.sender, "RECIPIENT": self.recipient}.get(self.created_by)


@dataclass(frozen=True)
class Token:
    text: str
    payer: str
    recipient: str
    exp: float


@dataclass(frozen=True)
class Keyed:
    """A keyed request and its answer: sent again, it must replay and move nothing."""

    path: str
    body: bytes
    headers: dict[str, str]
    auth: tuple[str, str] | None
    status: int
    content: bytes
    at: float


class Books(RuleBasedStateMachine):
    users = Bundle("users")
    tokens = Bundle("tokens")
    holds = Bundle("holds")  # created pending, by pay and charge
    transactions = Bundle("transactions")  # all: holds, credits, refunds

    # The module's service, on a clock the machine moves (set by the fixture below).
    service: BackgroundService
    clock: ManualClock

    def __init__(self) -> None:
        super().__init__()
        self.service.reset()
        # On a whole second, as token times are: expiries are then exact sums.
        self.clock.advance(math.ceil(self.clock()) - self.clock())
        self.client = httpx.Client(base_url=self.service.url, timeout=30)
        self.admin = {"Authorization": f"Bearer {self.service.admin_key}"}
        self.balances: dict[str, int] = {}
        self.put_in = 0
        self.ledger: dict[str, Tx] = {}
        self.spent_tokens: set[Token] = set()
        self.keyed: list[Keyed] = []

    def teardown(self) -> None:
        self.client.close()

    # --- the model ------------------------------------------------------------------

    def now(self) -> float:
        return self.clock()

    def held(self, email: str) -> int:
        pending = (t for t in self.ledger.values() if t.status == "PENDING")
        return sum(t.authorized for t in pending if t.sender == email)

    def available(self, email: str) -> int:
        return self.balances[email] - self.held(email)

    def lapse(self) -> None:
        for t in self.ledger.values():
            if t.status == "PENDING" and t.expires is not None and t.expires <= self.now():
                t.status, t.cancel_reason, t.resolved_by = "CANCELLED", "expired", "SYSTEM"
                event("a hold lapsed")

    # --- requests -------------------------------------------------------------------

    def post(
        self,
        path: str,
        body: dict[str, Any],
        user: str | None = None,
        *,
        admin: bool = False,
        keyed: bool = False,
    ) -> httpx.Response:
        headers = {"Content-Type": "application/json"}
        if admin:
            headers |= self.admin
        if keyed:
            headers["Idempotency-Key"] = str(uuid.uuid4())
        auth = None if user is None else (user, f"pw-{user}")
        content = dumps(body)
        response = self.client.post(path, content=content, headers=headers, auth=auth)
        # Only successes are recorded (an answer that changed nothing leaves no record).
        if keyed and response.status_code < 300:
            self.keyed.append(
                Keyed(
                    path, content, headers, auth, response.status_code, response.content, self.now()
                )
            )
        return response

    @staticmethod
    def outcome(response: httpx.Response) -> tuple[int, str | None]:
        return response.status_code, response.json().get("code")

    # --- rules ----------------------------------------------------------------------

    @initialize(target=users)
    def first_user(self) -> str:
        return self.register_new(EMAILS[0])

    @initialize(target=users)
    def second_user(self) -> str:
        return self.register_new(EMAILS[1])

    @initialize(target=users)
    def third_user(self) -> str:
        return self.register_new(EMAILS[2])

    @rule(target=users, email=st.sampled_from(EMAILS))
    def register(self, email: str) -> Any:
        if email in self.balances:
            response = self.post("/user/create", {"email": email, "password": "whatever-pw"})
            assert self.outcome(response) == (409, "account_exists")
            return multiple()  # nothing new for the bundle
        return self.register_new(email)

    def register_new(self, email: str) -> str:
        response = self.post("/user/create", {"email": email, "password": f"pw-{email}"})
        assert response.status_code == 201, response.text
        user = response.json()["user"]
        assert (user["availableBalance"], user["heldBalance"]) == (100, 0)
        self.balances[email] = INITIAL
        self.put_in += INITIAL
        return email

    @rule(target=transactions, user=users, amount=amounts)
    def fund(self, user: str, amount: Decimal) -> str:
        body = {"recipientEmail": user, "amount": amount}
        response = self.client.post(
            "/user/add-balance",
            content=dumps(body),
            headers={**self.admin, "Content-Type": "application/json"},
        )
        assert response.status_code == 200, response.text
        self.balances[user] += micros(amount)
        self.put_in += micros(amount)
        answered = response.json()["user"]
        assert micros(Decimal(str(answered["availableBalance"]))) == self.available(user)
        # The credit is the account's newest transaction.
        newest = self.client.get("/transactions", params={"limit": 1}, auth=(user, f"pw-{user}"))
        credit = newest.json()["transactions"][0]
        assert (credit["createdBy"], credit["expiresAt"]) == ("SYSTEM", None)
        self.ledger[credit["id"]] = Tx(
            credit["id"], user, user, micros(amount), "SYSTEM", "COMPLETED", resolved_by="SYSTEM"
        )
        return str(credit["id"])

    @rule(
        target=tokens,
        payer=users,
        recipient=users,
        expires_in=st.sampled_from([None, None, 30, 7200]),
    )
    def create_token(self, payer: str, recipient: str, expires_in: int | None) -> Any:
        body: dict[str, Any] = {"recipientEmail": recipient}
        if expires_in is not None:
            body["expiresIn"] = expires_in
        response = self.post("/token/create", body, payer)
        if payer == recipient:
            assert response.status_code == 422
            return multiple()
        assert response.status_code == 200, response.text
        exp = int(self.now()) + (expires_in or TOKEN_LIFETIME)
        return Token(response.json()["token"], payer, recipient, exp)

    @rule(targets=(holds, transactions), token=tokens, amount=amounts, hold_for=hold_times)
    def charge(self, token: Token, amount: Decimal, hold_for: int | None) -> Any:
        body: dict[str, Any] = {
            "senderEmail": token.payer,
            "recipientEmail": token.recipient,
            "amount": amount,
            "token": token.text,
        }
        if hold_for is not None:
            body["holdFor"] = hold_for
        response = self.post("/transaction/create", body, token.recipient)
        return self.expect_created(response, token.payer, token.recipient, amount, hold_for, token)

    @rule(
        targets=(holds, transactions),
        sender=users,
        recipient=users,
        amount=amounts,
        hold_for=hold_times,
    )
    def pay(self, sender: str, recipient: str, amount: Decimal, hold_for: int | None) -> Any:
        body: dict[str, Any] = {"senderEmail": sender, "recipientEmail": recipient}
        body |= {"amount": amount, "holdFor": hold_for}
        response = self.post("/transaction/create", body, sender)
        if sender == recipient:
            assert response.status_code == 422
            return multiple()
        return self.expect_created(response, sender, recipient, amount, hold_for, None)

    def expect_created(
        self,
        response: httpx.Response,
        sender: str,
        recipient: str,
        amount: Decimal,
        hold_for: int | None,
        token: Token | None,
    ) -> Any:
        event(f"create: {self.outcome(response)}")
        if token is not None and self.now() >= token.exp:
            assert self.outcome(response) == (403, "token_expired")
            return multiple()
        if token is not None and token in self.spent_tokens:
            assert self.outcome(response) == (403, "token_used")
            return multiple()
        if self.available(sender) < micros(amount):
            assert self.outcome(response) == (409, "insufficient_funds")
            message = response.json()["message"]
            assert "available balance" in message
            assert "$" in message
            return multiple()
        assert response.status_code == 200, response.text
        if token is not None:
            self.spent_tokens.add(token)
        created = response.json()["transaction"]
        by = "SENDER" if token is None else "RECIPIENT"
        assert (created["status"], created["createdBy"]) == ("PENDING", by)
        assert Decimal(str(created["amount"])) == Decimal(str(created["authorizedAmount"]))
        assert Decimal(str(created["amount"])) == amount
        expires = self.now() + (hold_for or DEFAULT_HOLD)
        if token is not None:
            expires = min(expires, token.exp)
        assert seconds(created["expiresAt"]) == expires
        self.ledger[created["id"]] = Tx(
            created["id"], sender, recipient, micros(amount), by, "PENDING", expires
        )
        return created["id"]

    @rule(
        transaction=holds,
        action=st.sampled_from(["confirm", "confirm", "cancel"]),
        capture=st.sampled_from(["all", "exactly", "part", "part", "over"]),
        share=shares,
        keyed=st.booleans(),
    )
    def settle(self, transaction: str, action: str, capture: str, share: int, keyed: bool) -> None:
        """Its creator confirms (capturing all, part or more than the hold) or cancels."""
        t = self.ledger[transaction]
        assert t.creator is not None
        body: dict[str, Any] = {"transactionId": transaction}
        captured = t.authorized
        if action == "confirm" and capture != "all":
            captured = {
                "exactly": t.authorized,
                "part": max(1, t.authorized * share // SHARE),
                "over": t.authorized + 1,
            }[capture]
            body["amount"] = dollars(captured)
        response = self.post(f"/transaction/{action}", body, t.creator, keyed=keyed)
        event(f"{action} ({capture}): {self.outcome(response)}")
        if t.cancel_reason == "expired":
            assert self.outcome(response) == (409, "hold_expired")
        elif t.status != "PENDING":
            assert self.outcome(response) == (409, "already_resolved")
        elif action == "confirm" and captured > t.authorized:
            assert self.outcome(response) == (409, "capture_exceeds_hold")
        else:
            assert response.status_code == 200, response.text
            resolved = response.json()["transaction"]
            t.resolved_by = t.created_by
            if action == "confirm":
                t.status, t.amount = "COMPLETED", captured
                self.balances[t.sender] -= captured
                self.balances[t.recipient] += captured
            else:
                t.status, t.cancel_reason = "CANCELLED", "cancelled"
            assert resolved["status"] == t.status
            assert micros(Decimal(str(resolved["amount"]))) == t.amount

    @rule(
        transaction=transactions,
        action=st.sampled_from(["confirm", "cancel"]),
        role=st.sampled_from(["other party", "anyone"]),
        anyone=users,
    )
    def resolve_as_another(self, transaction: str, action: str, role: str, anyone: str) -> None:
        """Anyone but the creator: 403 for the other party, 404 for a stranger (and 403
        for the parties of what the SYSTEM created, which nobody resolves)."""
        t = self.ledger[transaction]
        other = t.recipient if t.creator == t.sender else t.sender
        who = other if role == "other party" else anyone
        if who == t.creator:
            return  # the stranger drawn is its creator: `settle` covers that
        response = self.post(f"/transaction/{action}", {"transactionId": transaction}, who)
        event(f"{action} by {role}: {self.outcome(response)}")
        if who in (t.sender, t.recipient):
            assert self.outcome(response) == (403, "forbidden")
        else:
            assert self.outcome(response) == (404, "not_found")

    @rule(
        target=transactions,
        transaction=transactions,
        payment=st.booleans(),
        data=st.data(),
        admin=st.sampled_from([False, False, True]),
        how=st.sampled_from(["all", "part", "part", "over"]),
        share=shares,
        reason=st.sampled_from([None, "the job failed halfway"]),
        keyed=st.booleans(),
    )
    def refund(
        self,
        transaction: str,
        payment: bool,
        data: st.DataObject,
        admin: bool,
        how: str,
        share: int,
        reason: str | None,
        keyed: bool,
    ) -> Any:
        """The recipient (Basic) or the admin (Bearer) gives back all, part or too much,
        of a completed payment (when `payment` and there is one), or of any transaction."""
        payments = [
            t.id
            for t in self.ledger.values()
            if t.status == "COMPLETED" and t.refund_of is None and t.created_by != "SYSTEM"
        ]
        if payment and payments:
            transaction = data.draw(st.sampled_from(payments))
        t = self.ledger[transaction]
        left = t.amount - t.refunded
        body: dict[str, Any] = {"transactionId": transaction, "reason": reason}
        value = left
        if how != "all":
            value = max(1, t.amount * share // SHARE) if how == "part" else left + 1
            body["amount"] = dollars(value)
        who = None if admin else t.recipient
        response = self.post("/transaction/refund", body, who, admin=admin, keyed=keyed)
        event(f"refund by {'admin' if admin else 'recipient'} ({how}): {self.outcome(response)}")
        if t.refund_of is not None or t.created_by == "SYSTEM" or t.status != "COMPLETED":
            assert self.outcome(response) == (409, "not_refundable")
            return multiple()
        if value == 0 or value > left:
            assert self.outcome(response) == (409, "refund_exceeds_payment")
            return multiple()
        if self.available(t.recipient) < value:
            assert self.outcome(response) == (409, "insufficient_funds")
            return multiple()
        assert response.status_code == 200, response.text
        made = response.json()["transaction"]
        by = "SYSTEM" if admin else "SENDER"
        assert (made["senderEmail"], made["recipientEmail"]) == (t.recipient, t.sender)
        assert (made["status"], made["createdBy"], made["resolvedBy"]) == ("COMPLETED", by, by)
        assert (made["refundOf"], made["refundReason"]) == (t.id, reason)
        t.refunded += value
        self.balances[t.recipient] -= value
        self.balances[t.sender] += value
        refund = Tx(made["id"], t.recipient, t.sender, value, by, "COMPLETED", refund_of=t.id)
        refund.resolved_by = by
        self.ledger[refund.id] = refund
        return refund.id

    @rule(transaction=transactions, stranger=users, as_sender=st.booleans())
    def refund_as_another(self, transaction: str, stranger: str, as_sender: bool) -> None:
        """The sender of a payment gets 403, anybody else 404 (both before anything else)."""
        t = self.ledger[transaction]
        who = t.sender if as_sender else stranger
        if who == t.recipient:
            return  # a credit's sender is its recipient, or the stranger drawn was: `refund`
        response = self.post("/transaction/refund", {"transactionId": transaction}, who)
        event(f"refund by {'sender' if as_sender else 'stranger'}: {self.outcome(response)}")
        if who == t.sender:
            assert self.outcome(response) == (403, "forbidden")
        else:
            assert self.outcome(response) == (404, "not_found")

    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        # Only within the 24 hours a key is kept (the clock moves fast here).
        fresh = [k for k in self.keyed if self.now() - k.at < TTL]
        if not fresh:
            return
        sent = data.draw(st.sampled_from(fresh))
        again = self.client.post(sent.path, content=sent.body, headers=sent.headers, auth=sent.auth)
        event("replay")
        assert (again.status_code, again.content) == (sent.status, sent.content)
        assert again.headers["Idempotent-Replayed"] == "true"

    @rule(seconds_=st.sampled_from([1, 9, 10, 30, 3599, 3600, 86400]))
    def advance(self, seconds_: int) -> None:
        self.clock.advance(seconds_)
        self.lapse()

    # --- invariants -----------------------------------------------------------------

    @invariant()
    def books_balance(self) -> None:
        users = self.client.get("/users", headers=self.admin).json()["users"]
        seen = {
            u["email"]: tuple(
                micros(Decimal(str(u[k]))) for k in ("balance", "availableBalance", "heldBalance")
            )
            for u in users
        }
        expected = {
            email: (balance, self.available(email), self.held(email))
            for email, balance in self.balances.items()
        }
        assert seen == expected
        assert all(available >= 0 for _, available, _ in seen.values())
        assert sum(balance for balance, _, _ in seen.values()) == self.put_in
        store = self.service.service.store
        assert store.totals() == (self.put_in, self.put_in)
        with store.unit() as db:
            audited = books.check(db)
        for email, b in audited.items():
            model = [t for t in self.ledger.values() if t.status == "COMPLETED" and t.refund_of]
            assert b.refunds_received == sum(t.amount for t in model if t.recipient == email)
            assert b.refunds_given == sum(t.amount for t in model if t.sender == email)

    @precondition(lambda self: bool(self.ledger))
    @invariant()
    def transactions_match(self) -> None:
        seen: dict[str, dict[str, Any]] = {}
        for email in self.balances:
            response = self.client.get("/transactions", auth=(email, f"pw-{email}"))
            for transaction in response.json()["transactions"]:
                seen[transaction["id"]] = transaction
        for t in self.ledger.values():
            listed = seen[t.id]
            assert listed["status"] == t.status
            assert (listed["resolvedAt"] is None) == (t.status == "PENDING")
            assert listed["resolvedBy"] == t.resolved_by
            assert listed["cancelReason"] == t.cancel_reason
            assert listed["refundOf"] == t.refund_of
            figures = ("amount", "authorizedAmount", "refundedAmount")
            assert tuple(micros(Decimal(str(listed[k]))) for k in figures) == (
                t.amount,
                t.authorized,
                t.refunded,
            )
            if t.expires is None:
                assert listed["expiresAt"] is None
            else:
                assert seconds(listed["expiresAt"]) == t.expires
            if t.cancel_reason == "expired":
                assert listed["resolvedAt"] == listed["expiresAt"]

    @invariant()
    def usage_counters_match_the_transactions(self) -> None:
        # The counters move with the money; they must equal a recomputation from the
        # transactions, and agree with what the model knows of pending payments.
        store = self.service.service.store
        for email in self.balances:
            counted = store.usage(email)
            assert counted == store.recomputed_usage(email), email
            pending = [
                t
                for t in self.ledger.values()
                if t.status == "PENDING" and email in (t.sender, t.recipient)
            ]
            assert counted.pending_count == len(pending)
            assert counted.pending_amount == sum(t.authorized for t in pending if t.sender == email)


Books.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.fixture(autouse=True)
def _service(clocked_service: BackgroundService, clock: ManualClock) -> None:
    Books.service, Books.clock = clocked_service, clock


TestBooks = Books.TestCase
