"""`require_payment`: charge for an ASGI endpoint (Starlette, FastAPI) over the HTTP
402 Payment scheme with the ``syftbox`` method.

>>> @require_payment(accounting, price="0.25")
... async def summarize(request: Request) -> Response: ...
>>> @require_payment(accounting, max_price="0.50")
... async def generate(request: Request) -> Response:
...     answer, tokens = await run_the_model(...)
...     payment_of(request).capture(tokens * PRICE_PER_TOKEN)  # at most the hold
...     return JSONResponse(answer)

A request without a credential gets ``402`` and a challenge; one with a credential
this service issued is charged with the payer's token as a hold (`charging_async`),
the endpoint runs, and the hold is captured (at the price the endpoint set, else in
full) when it answers below 400, and cancelled when it raises or answers 400 or more:
then nothing moves. The answer is held back until the payment is settled, then sent
with its ``Payment-Receipt``.

The same credential sent again (its answer was lost) never charges twice: it gets the
first answer again, from memory (``410`` when that answer was too large to keep), and a
credential whose first request failed gets a fresh challenge. When capturing fails
after the work (the accounting service is unreachable), the answer is kept and the
payer gets ``503`` with ``Retry-After``: the same credential again captures the charge
(with the same idempotency key, so once) and gets the answer; once the hold has lapsed,
it gets a fresh challenge instead. When cancelling fails (the endpoint answered an
error or raised, and the accounting service was unreachable), the payer's answer is
the same, and the paywall cancels the charge again, with the same idempotency key, at
the start of each request it serves next (any request, oldest charge first), until the
accounting service answers, the charge is settled by hand, or its hold lapses. That memory is per
process; across processes (or after a restart) the accounting service's idempotency
keys, derived from the challenge, still charge once, but the endpoint runs again. Give
every process the same `secret_key` so that any of them recognizes a challenge another
one issued.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import functools
import hashlib
import inspect
import logging
import secrets
import time
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import anyio

from syftbox_accounting import types, validation
from syftbox_accounting.errors import (
    AccountingError,
    HoldExpiredError,
    InsufficientFundsError,
    InvalidInputError,
    PaymentError,
    ServiceException,
)
from syftbox_accounting.http402.budget import is_zero
from syftbox_accounting.types import TransactionStatus

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from syftbox_accounting.accounting import AccountingClient, Payment
    from syftbox_accounting.http402 import method

__all__ = ["Paywall", "payment_of", "require_payment"]

log = logging.getLogger("syftbox_accounting.http402")

# Where the endpoint finds the payment: ``request.state.payment``.
STATE_KEY = "payment"
# The most an answer may weigh to be kept for a replay of its credential.
MAX_KEPT_ANSWER = 8 * 1024 * 1024
# How many settled credentials a paywall remembers (expired ones go first).
MAX_KEPT = 4096
DEFAULT_EXPIRES_IN = 600.0
# When a payer may send again the credential of work whose payment is being settled.
SETTLE_RETRY_AFTER = b"1"
# How many charges whose cancellation failed a paywall keeps to cancel again (past it,
# the oldest is given up, with a log line: its hold lapses by itself).
MAX_UNCANCELLED = 256


def _load_the_method() -> None:
    """Bind `method` (the wire formats, on pympp) for this module: loaded by the first
    `require_payment()`, so that importing the package needs no extra.

    Raises:
        ImportError: pympp is not installed (the message says how to install it).
    """
    global method
    from syftbox_accounting.http402 import method


def require_payment(
    accounting: AccountingClient,
    *,
    price: int | float | Decimal | str | None = None,
    max_price: int | float | Decimal | str | None = None,
    description: str | None = None,
    app_name: str | None = None,
    expires_in: float | datetime.timedelta = DEFAULT_EXPIRES_IN,
    realm: str | None = None,
    secret_key: str | None = None,
    clock: Callable[[], float] | None = None,
) -> Paywall:
    """A paywall for an endpoint: decorate a Starlette endpoint (a function of the
    request, ``async def f(request) -> Response``) with it, or wrap any ASGI app (an
    object, or a function of ``scope, receive, send``): ``require_payment(...)(app)``.
    The result is an ASGI app: a Starlette ``Route`` (or FastAPI's ``app.add_route``)
    takes it as one, for every method unless you pass ``methods=``. Needs the
    ``[http402]`` extra.

    Args:
        accounting: the service's own account, configured (it is the recipient).
        price: a fixed price in US dollars (the ``charge`` intent), or
        max_price: the most a call may cost (the ``upto`` intent): the endpoint sets
            the real price with ``payment_of(request).capture(amount)``; without it the
            whole `max_price` is captured. Needs an accounting service that announces
            ``capture`` (the reference service does; the public one does not).
        description: shown to payers with the challenge (not part of what is paid).
        app_name: recorded with each charge (the endpoint's path is, too).
        expires_in: seconds (or a timedelta) a challenge may be paid within; the payer's
            token, and so the hold, expires with it: the work must end by then
            (default 10 minutes, at most 24 hours).
        realm: the scheme's protection space (default: the service's account email).
        secret_key: what challenge ids are signed with (default: a random key per
            paywall); give every process of a service the same one.
        clock: seconds since the epoch (`time.time`); tests inject one.

    Raises:
        InvalidInputError: not exactly one of `price` and `max_price`, a malformed
            amount, duration, secret key or clock.
        AuthenticationError: `accounting` is not configured with an account.
        ImportError: pympp is missing: ``pip install 'syftbox-accounting[http402]'``.
    """
    from syftbox_accounting.accounting import AccountingClient

    if not isinstance(accounting, AccountingClient):
        raise InvalidInputError(
            f"accounting must be an AccountingClient, not {type(accounting).__name__}."
        )
    if (price is None) == (max_price is None):
        raise InvalidInputError(
            "Pass price= (a fixed price) or max_price= (a price set after the work), "
            "exactly one of them."
        )
    _load_the_method()  # pympp, the [http402] extra: needed from the first paywall on
    intent = method.CHARGE if price is not None else method.UPTO
    given = price if price is not None else max_price
    if isinstance(given, str):
        given = given.strip()  # as a Budget reads it (the wire form has no spaces)
    if is_zero(given):
        raise InvalidInputError(
            f"{_named(price)} is 0: a paywall asks for a payment, and there is none to "
            "ask for. Serve a free endpoint without require_payment(); for work that may "
            "cost nothing, pass max_price= (the most it may cost) and call "
            "payment_of(request).capture(0) in the endpoint."
        )
    amount = Decimal(method.amount_text(given, _named(price)))
    lifetime = validation.expires_in(
        expires_in.total_seconds() if isinstance(expires_in, datetime.timedelta) else expires_in,
        "expires_in",
    )
    if lifetime is None:
        raise InvalidInputError(
            "expires_in must be a number of seconds or a timedelta (at most 24 hours), not "
            f"None; leave it out for the default ({DEFAULT_EXPIRES_IN:g} seconds)."
        )
    # Checked now: a key or clock of another kind fails every request, with a 500.
    if secret_key is not None and (not isinstance(secret_key, str) or not secret_key.strip()):
        given = "an empty one" if isinstance(secret_key, str) else type(secret_key).__name__
        raise InvalidInputError(
            f"secret_key must be a non-empty string, not {given}: the same one in every "
            "process of the service, or None for a random key per paywall."
        )
    if clock is not None and not callable(clock):
        raise InvalidInputError("clock must be a function returning seconds since the epoch.")
    return Paywall(
        accounting,
        intent=intent,
        amount=amount,
        description=validation.optional_text("description", description, max_length=1024),
        app_name=validation.optional_text(
            "app_name", app_name, max_length=validation.MAX_APP_NAME_LENGTH
        ),
        expires_in=lifetime,
        realm=validation.optional_text("realm", realm, max_length=256) or accounting.get_email(),
        secret_key=secret_key or secrets.token_urlsafe(32),
        clock=clock or time.time,
    )


def payment_of(request: Request) -> Payment:
    """The payment of a request behind `require_payment`, in the endpoint: call
    ``capture(amount)`` on it to set the price (at most the hold).

    Raises:
        RuntimeError: the endpoint is not behind `require_payment`.
        InvalidInputError: `request` is not the endpoint's request.
    """
    state = getattr(request, "state", None)
    if state is None:
        raise InvalidInputError(
            "payment_of takes the endpoint's request (a starlette Request), not "
            f"{type(request).__name__}."
        )
    payment = getattr(state, STATE_KEY, None)
    if payment is None:
        raise RuntimeError(
            "This request has no payment: wrap the endpoint with require_payment(...)."
        )
    return payment  # type: ignore[no-any-return]


@dataclasses.dataclass(eq=False)
class _Outcome:
    """What became of one challenge's credential, for a replay of it."""

    challenge_id: str
    digest: str
    expires: float
    done: anyio.Event = dataclasses.field(default_factory=anyio.Event)
    answer: _Answer | None = None
    unkept: int = 0  # the size of a paid answer too large to keep
    receipt: bytes | None = None  # of that answer
    # The work was done but its charge could not be settled: settled again when the
    # credential comes again (one at a time), then its answer is sent.
    unsettled: _Unsettled | None = None
    lapsed: bool = False  # its hold lapsed first: a replay gets a fresh challenge
    settling: anyio.Lock = dataclasses.field(default_factory=anyio.Lock)


@dataclasses.dataclass
class _Answer:
    """An answer held back until the payment is settled (and kept for replays)."""

    status: int | None = None
    headers: list[tuple[bytes, bytes]] = dataclasses.field(default_factory=list)
    body: list[bytes] = dataclasses.field(default_factory=list)
    size: int = 0

    async def collect(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunk = message.get("body", b"")
            self.body.append(chunk)
            self.size += len(chunk)

    def header(self, name: bytes) -> bytes | None:
        return next((v for n, v in self.headers if n.lower() == name), None)

    def with_headers(self, extra: list[tuple[bytes, bytes]]) -> _Answer:
        names = {name for name, _ in extra}
        kept = [(n, v) for n, v in self.headers if n.lower() not in names]
        return _Answer(self.status, kept + extra, self.body, self.size)

    async def send(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": b"".join(self.body)})


@dataclasses.dataclass(frozen=True, slots=True)
class _Verified:
    """A credential this paywall issued the challenge of: what serving it needs (the
    payload's repr hides the token; the credential itself is not kept)."""

    challenge_id: str
    digest: str  # of the whole credential: a replay must be the very same one
    expires: str
    payload: method.Payload
    expired: method.Refused | None  # why it may no longer be paid, if so


class _Failed(Exception):
    """The endpoint answered 400 or more: the charge is cancelled."""


class _Raised(Exception):
    """The endpoint raised `error`: the charge is cancelled, then `error` goes on."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


@dataclasses.dataclass(eq=False)
class _Unsettled(Exception):
    """The endpoint answered below 400, and its charge could not be captured: the
    answer is withheld until it is."""

    answer: _Answer
    payment: Payment
    key: str
    challenge_id: str
    error: AccountingError  # why it could not


@dataclasses.dataclass(eq=False)
class _Uncancelled:
    """A charge whose cancellation failed: cancelled again, with the same key."""

    payment: Payment
    key: str
    outcome: _Outcome  # whose receipt, for a replay, then says nothing was charged


class _NotCharged(Exception):
    """The charge was refused or could not be made: answer `answer`, remember nothing."""

    def __init__(self, answer: _Answer) -> None:
        self.answer = answer


class Paywall:
    """What `require_payment` returns: call it on an endpoint or an ASGI app."""

    def __init__(
        self,
        accounting: AccountingClient,
        *,
        intent: str,
        amount: Decimal,
        description: str | None,
        app_name: str | None,
        expires_in: int,
        realm: str,
        secret_key: str,
        clock: Callable[[], float],
    ) -> None:
        _load_the_method()
        self.accounting = accounting
        self.intent = intent
        self.amount = amount
        self.description = description
        self.app_name = app_name
        self.expires_in = expires_in
        self.realm = realm
        self._secret_key = secret_key
        self._clock = clock
        self.wire_request = method.request(
            intent, amount, accounting.get_email(), accounting.accounting_url
        )
        self._outcomes: dict[str, _Outcome] = {}
        # By transaction id, oldest first; one request at a time cancels them again.
        self._uncancelled: dict[str, _Uncancelled] = {}
        self._cancelling = False

    def __repr__(self) -> str:
        price = "price" if self.intent == method.CHARGE else "max_price"
        return f"Paywall({price}={self.amount}, recipient={self.wire_request['recipient']!r})"

    def __call__(self, endpoint: Callable[..., Any]) -> _Paywalled:
        if _is_endpoint(endpoint):
            from starlette.routing import request_response

            return _Paywalled(self, request_response(endpoint), endpoint)
        return _Paywalled(self, endpoint, endpoint)

    # -- one request

    async def serve(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one HTTP request to `app` behind this paywall."""
        await self._cancel_again()
        verified = self._verify(scope)
        if isinstance(verified, _Answer):
            await verified.send(send)
            return
        challenge_id, digest = verified.challenge_id, verified.digest
        earlier = self._outcomes.get(challenge_id)
        if earlier is not None:
            # Before the expiry: a lost answer asked again just after it is still owed.
            await self._replay(earlier, digest, send)
            return
        if verified.expired is not None:
            await self._challenge(verified.expired.kind, verified.expired.detail).send(send)
            return
        payload = verified.payload
        outcome = self._keep(challenge_id, digest, verified.expires)
        answer: _Answer | None = None
        try:
            try:
                answer = await self._charge(app, scope, receive, outcome, payload)
            except _NotCharged as refused:
                # Not charged: forgotten, so that the same credential may come again.
                self._outcomes.pop(challenge_id, None)
                answer = refused.answer
            except _Unsettled as unsettled:
                outcome.unsettled = unsettled
                answer = self._not_settled(outcome, unsettled.error)
        finally:
            if outcome.unsettled is None and not outcome.lapsed:
                _record(outcome, answer)
            outcome.done.set()
        await answer.send(send)

    def _verify(self, scope: Scope) -> _Verified | _Answer:
        """The request's credential, checked, or the 402 that refuses it. Its own
        frame, ended before the endpoint runs: a traceback that prints the locals of the
        frames an endpoint's error passes must not show the credential (nor the token)."""
        value = _credential(scope)
        if value is None:
            return self._challenge(
                method.problems.PaymentRequiredError,
                f"Payment is required: ${self.amount} to {self.wire_request['recipient']}.",
            )
        try:
            credential, payload = method.authenticate(
                value,
                secret_key=self._secret_key,
                realm=self.realm,
                intent=self.intent,
                wire_request=self.wire_request,
            )
        except method.Refused as refused:
            return self._challenge(refused.kind, refused.detail)
        expired = None
        try:
            method.check_unexpired(credential, self._now())
        except method.Refused as refused:
            expired = refused
        return _Verified(
            challenge_id=credential.challenge.id,
            digest=hashlib.sha256(value.encode()).hexdigest(),
            expires=credential.challenge.expires or "",
            payload=payload,
            expired=expired,
        )

    async def _charge(
        self, app: ASGIApp, scope: Scope, receive: Receive, outcome: _Outcome, payload: Any
    ) -> _Answer:
        """Hold, run `app`, capture or cancel; the answer to send."""
        challenge_id = outcome.challenge_id
        answer = _Answer()
        key = "http402-" + hashlib.sha256(f"{self.realm}|{challenge_id}".encode()).hexdigest()
        charging = self.accounting.charging_async(
            payload.payer,
            self.amount,
            payload.token,
            app_name=self.app_name,
            endpoint=str(scope.get("path", ""))[: validation.MAX_ENDPOINT_LENGTH] or None,
            idempotency_key=key,
        )
        entered = False
        try:
            async with contextlib.AsyncExitStack() as settling:
                payment = await settling.enter_async_context(charging)
                entered = True
                state = {**scope.get("state", {}), STATE_KEY: payment}
                try:
                    await app({**scope, "state": state}, receive, answer.collect)
                except Exception as exc:
                    raise _Raised(exc) from exc
                if answer.status is None:
                    raise _Raised(RuntimeError("The endpoint sent no answer."))
                if answer.status >= 400:
                    raise _Failed
                # The work is done: capture it even if the caller leaves meanwhile (a
                # cancelled confirm would leave the outcome unknown). Failures cancel
                # shielded already (`charging_async`).
                with anyio.CancelScope(shield=True):
                    await settling.aclose()
        except _Failed as failed:
            notes = getattr(failed, "__notes__", ())
            if notes:  # cancelling failed too: the hold stays pending for now
                log.warning(
                    "The endpoint answered %s, and its charge was not cancelled: %s",
                    answer.status,
                    " ".join(notes),
                )
            self._uncancelled_if_pending(payment, key, outcome)
            # Not charged (or held still): the receipt names the charge, so that the
            # payer learns from the accounting service what it cost.
            return self._receipted(answer, payment.transaction, challenge_id)
        except _Raised as raised:
            self._uncancelled_if_pending(payment, key, outcome)
            # For a replay of the credential: the receipt of the cancelled charge.
            outcome.receipt = self._receipt(payment.transaction, challenge_id)
            for note in getattr(raised, "__notes__", ()):
                raised.error.add_note(note)  # e.g. that cancelling failed too
            raise raised.error from raised.error.__cause__
        except AccountingError as exc:
            if not entered:
                raise _NotCharged(self._refusal(exc)) from exc
            # The work was done, but the payment could not be settled: no answer for
            # free; it is settled again when the same credential comes again.
            raise _Unsettled(answer, payment, key, challenge_id, exc) from exc
        return self._receipted(answer, payment.transaction, challenge_id)

    def _uncancelled_if_pending(self, payment: Payment, key: str, outcome: _Outcome) -> None:
        """Keep a charge whose cancellation failed (it is pending still) to cancel it
        again on the next requests; past `MAX_UNCANCELLED`, give up the oldest."""
        if not payment.transaction.is_pending:
            return
        expires = payment.expires_at
        if expires is not None and expires.timestamp() <= self._clock():
            return  # its hold lapsed already: nothing is held
        while len(self._uncancelled) >= MAX_UNCANCELLED:
            oldest = self._uncancelled.pop(next(iter(self._uncancelled))).payment.id
            log.warning(
                "The paywall gives up cancelling charge %s again (%d others wait to be "
                "cancelled): it stays pending until its hold lapses, unless "
                "cancel_transaction(%r) releases it sooner.",
                oldest,
                MAX_UNCANCELLED,
                oldest,
            )
        self._uncancelled[payment.id] = _Uncancelled(payment, key, outcome)
        log.warning(
            "The paywall could not cancel charge %s: it tries again on its next request.",
            payment.id,
        )

    async def _cancel_again(self) -> None:
        """Cancel again the charges whose cancellation failed, oldest first, until the
        accounting service cannot be reached; one request at a time (the others go on
        without waiting)."""
        if not self._uncancelled or self._cancelling:
            return
        self._cancelling = True
        try:
            # A cancel cut short is a cancel unknown: the request's caller leaving
            # must not end it.
            with anyio.CancelScope(shield=True):
                for charge_id, left in list(self._uncancelled.items()):
                    settled = await self._cancel(left)
                    if settled is None:
                        return  # unreachable: the next request tries again
                    if settled:
                        self._uncancelled.pop(charge_id, None)
        finally:
            self._cancelling = False

    async def _cancel(self, left: _Uncancelled) -> bool | None:
        """Cancel `left` again: True once nothing is held (cancelled now or meanwhile,
        confirmed by hand, or its hold lapsed), False when the service refused and the
        charge is pending still, None when the service could not be reached."""
        from syftbox_accounting.accounting import charges

        payment = left.payment
        expires = payment.expires_at
        if expires is not None and expires.timestamp() <= self._clock():
            log.info("The hold of charge %s lapsed before it was cancelled.", payment.id)
            return True
        # One attempt a request: the requests to come are the retries, and the one
        # that tries must not wait through the client's backoff while the service is down.
        once = self.accounting.with_options(max_retries=0)
        try:
            payment.transaction = await once._run_async(charges.cancel(payment, left.key))
        except AccountingError as exc:
            if isinstance(exc, HoldExpiredError):
                log.info("The hold of charge %s lapsed before it was cancelled.", payment.id)
                return True
            settled = await self._settled_meanwhile(payment, exc)
            if settled is not None:
                payment.transaction = settled
                log.info("Charge %s was settled meanwhile (%s).", payment.id, settled.status.value)
                return True
            log.info("Cancelling charge %s failed again: %s", payment.id, exc.summary)
            return None if isinstance(exc, ServiceException) else False
        log.info("The paywall cancelled charge %s: the payer's money is released.", payment.id)
        # A replay of the credential is told what the charge cost now: nothing.
        outcome = left.outcome
        if outcome.answer is not None:
            outcome.answer = self._receipted(
                outcome.answer, payment.transaction, outcome.challenge_id
            )
        elif outcome.receipt is not None:
            outcome.receipt = self._receipt(payment.transaction, outcome.challenge_id)
        return True

    async def _settle_again(self, outcome: _Outcome, unsettled: _Unsettled) -> _Answer:
        """Settle the charge the work of `outcome` left unsettled (the same steps, with
        the same idempotency keys: a step that landed is not made again), and the
        answer that says so: the endpoint's, with its receipt, once it is captured."""
        from syftbox_accounting.accounting import charges

        payment = unsettled.payment
        try:
            with anyio.CancelScope(shield=True):  # a capture cut short is a capture unknown
                payment.transaction = await self.accounting._run_async(
                    charges.finish(payment, unsettled.key)
                )
        except AccountingError as exc:
            settled = await self._settled_meanwhile(payment, exc)
            if settled is None or settled.status is TransactionStatus.CANCELLED:
                return self._not_settled(outcome, exc, cancelled=settled is not None)
            payment.transaction = settled
        outcome.unsettled = None
        answer = self._receipted(unsettled.answer, payment.transaction, unsettled.challenge_id)
        _record(outcome, answer)
        return answer

    async def _settled_meanwhile(
        self, payment: Payment, exc: AccountingError
    ) -> types.Transaction | None:
        """The charge whose settling failed with `exc` (a refusal, not an outage), if it
        was settled meanwhile: by hand, as the log told the operator, or by a step whose
        answer was lost."""
        if isinstance(exc, HoldExpiredError | ServiceException):
            return None
        try:
            with anyio.CancelScope(shield=True):
                found = await self.accounting.get_transaction_async(payment.id)
        except AccountingError:
            return None
        settled = (TransactionStatus.COMPLETED, TransactionStatus.CANCELLED)
        return found if found.status in settled else None

    def _not_settled(
        self, outcome: _Outcome, exc: AccountingError, *, cancelled: bool = False
    ) -> _Answer:
        """The answer to a credential whose work is done and whose charge could not be
        settled (`exc`): come again with it (503), or, once its hold lapsed (or the
        charge was `cancelled` meanwhile), pay anew."""
        if cancelled or isinstance(exc, HoldExpiredError):
            # Nothing moved, and nothing can now: the work is not paid for.
            expired = isinstance(exc, HoldExpiredError)
            why = "lapsed" if expired else "was cancelled"
            # The notes of a lapse say what to do (a longer hold); a cancelled charge's
            # say it stays pending, which it no longer does.
            told = _told(exc) if expired else exc.summary
            log.warning("The paywall could not settle a payment, whose hold %s: %s", why, told)
            lapsed = self._challenge(
                method.problems.PaymentExpiredError,
                f"The work was done, but the payment's hold {why} before it could be "
                f"captured ({exc.summary}): nothing was charged, and the answer is "
                "withheld. Send the request again to pay the new challenge.",
            )
            unsettled = outcome.unsettled
            if unsettled is not None:  # the receipt of the lapsed charge, for the payer
                outcome.receipt = self._receipt(
                    unsettled.payment.transaction, outcome.challenge_id, charged=Decimal(0)
                )
                lapsed = lapsed.with_headers([(b"payment-receipt", outcome.receipt)])
            outcome.unsettled, outcome.lapsed = None, True
            return lapsed
        # Pending still, or settled without our knowing: the same credential again
        # settles it (once) and gets the answer.
        log.warning("The paywall could not settle a payment: %s", _told(exc))
        detail = (
            f"The work is done, but its payment could not be settled yet ({exc.summary}); "
            "nothing more is charged. Send the same request with the same credential again "
            "(a paying client does when you send the request again) to get the answer."
        )
        answer = _problem_answer(method.problems.InternalPaymentError, detail, 503)
        return answer.with_headers([(b"retry-after", SETTLE_RETRY_AFTER)])

    def _receipted(
        self, answer: _Answer, transaction: types.Transaction, challenge_id: str
    ) -> _Answer:
        """`answer` with the receipt of its charge, and kept out of shared caches."""
        cache = _private(answer.header(b"cache-control"))
        return answer.with_headers(
            [
                (b"payment-receipt", self._receipt(transaction, challenge_id)),
                (b"cache-control", cache),
            ]
        )

    def _receipt(
        self, transaction: types.Transaction, challenge_id: str, charged: Decimal | None = None
    ) -> bytes:
        """The receipt of a charge: `charged`, else what was captured (0 once
        cancelled; the hold while it is pending, since it may still be captured)."""
        if charged is None:
            cancelled = transaction.status is TransactionStatus.CANCELLED
            charged = Decimal(0) if cancelled else transaction.amount
        return method.receipt_header(
            transaction_id=transaction.id,
            charged=min(charged, self.amount),
            max_amount=self.amount,
            challenge_id=challenge_id,
            timestamp=datetime.datetime.fromtimestamp(int(self._clock()), datetime.UTC),
        ).encode()

    def _refusal(self, exc: AccountingError) -> _Answer:
        """The answer when the charge could not be made: nothing moved."""
        errors = method.problems
        if isinstance(exc, InsufficientFundsError):
            detail = method.refusal_detail(exc.summary, funds=True)
            return self._challenge(errors.PaymentInsufficientError, detail)
        if isinstance(exc, PaymentError | InvalidInputError):  # the token, or the payer
            detail = method.refusal_detail(exc.summary, funds=False)
            return self._challenge(errors.VerificationFailedError, detail)
        log.warning("The paywall could not charge: %s", exc.summary)
        if isinstance(exc, ServiceException):  # the credential may come again
            detail = (
                "The accounting service could not be reached; nothing was charged. Retry "
                "later with the same credential."
            )
            answer = _problem_answer(errors.InternalPaymentError, detail, 503)
            return answer.with_headers([(b"retry-after", b"1")])
        # The service's own account cannot charge (its credentials): its operator's problem.
        detail = "This service cannot charge now; nothing was charged."
        return _problem_answer(errors.InternalPaymentError, detail, 500)

    async def _replay(self, earlier: _Outcome, digest: str, send: Send) -> None:
        errors = method.problems
        if earlier.digest != digest:
            detail = "This challenge was paid with another credential already: pay a new one."
            await self._challenge(errors.InvalidChallengeError, detail).send(send)
            return
        await earlier.done.wait()
        if earlier.unsettled is not None:
            async with earlier.settling:  # one at a time; the next finds it settled
                unsettled = earlier.unsettled
                if unsettled is not None:
                    await (await self._settle_again(earlier, unsettled)).send(send)
                    return
        if earlier.answer is not None:
            await earlier.answer.send(send)  # the first answer again: charged once
            return
        if earlier.unkept:
            detail = (
                f"This credential was settled once (its receipt says what it cost), and "
                f"answered with {earlier.unkept} bytes, too large for this service to keep "
                f"(at most {MAX_KEPT_ANSWER}): the answer cannot be sent again, and nothing "
                "more is charged."
            )
            gone = _problem_answer(errors.InvalidChallengeError, detail, 410)
            if earlier.receipt is not None:
                gone = gone.with_headers([(b"payment-receipt", earlier.receipt)])
            await gone.send(send)
            return
        detail = (
            "This credential was used already, and its request did not complete (its "
            "charge was cancelled): pay a new challenge."
        )
        refused = self._challenge(errors.InvalidChallengeError, detail)
        if earlier.receipt is not None:  # of the cancelled charge, for the payer's budget
            refused = refused.with_headers([(b"payment-receipt", earlier.receipt)])
        await refused.send(send)

    def _keep(self, challenge_id: str, digest: str, expires: str) -> _Outcome:
        """Remember a credential being settled, until its challenge has been expired for
        as long as it lived (a retry of a lost answer may come a little late)."""
        now = self._clock()
        ends = method.moment(expires)
        until = (ends.timestamp() if ends is not None else now) + self.expires_in
        kept = {k: o for k, o in self._outcomes.items() if o.expires > now or not o.done.is_set()}
        while len(kept) >= MAX_KEPT:
            oldest = min(
                (k for k, o in kept.items() if o.done.is_set()), key=lambda k: kept[k].expires
            )
            del kept[oldest]
        outcome = _Outcome(challenge_id, digest, until)
        kept[challenge_id] = outcome
        self._outcomes = kept
        return outcome

    def _challenge(self, kind: type[Any], detail: str) -> _Answer:
        """A 402 with a fresh challenge and a problem of `kind`."""
        expires = self._now() + datetime.timedelta(seconds=self.expires_in)
        challenge = method.issue(
            secret_key=self._secret_key,
            realm=self.realm,
            intent=self.intent,
            wire_request=self.wire_request,
            expires=expires,
            description=self.description,
        )
        answer = _problem_answer(kind, detail, 402, challenge.id)
        header = challenge.to_www_authenticate(self.realm)
        return answer.with_headers([(b"www-authenticate", header.encode())])

    def _now(self) -> datetime.datetime:
        return datetime.datetime.fromtimestamp(self._clock(), datetime.UTC)


class _Paywalled:
    """An endpoint behind a paywall: an ASGI app (Starlette routes take it as one)."""

    def __init__(self, paywall: Paywall, app: ASGIApp, wrapped: Any) -> None:
        self.paywall = paywall
        self.app = app
        with contextlib.suppress(AttributeError, TypeError):
            functools.update_wrapper(self, wrapped)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.paywall.serve(self.app, scope, receive, send)


def _record(outcome: _Outcome, answer: _Answer | None) -> None:
    """Keep `answer` for replays of its credential (and a concurrent one waiting),
    unless too large: a replay then gets a fresh challenge, as when the endpoint raised
    (no answer), or, if it was settled, 410 with its receipt."""
    if answer is not None and answer.size <= MAX_KEPT_ANSWER:
        outcome.answer = answer
    elif answer is not None and answer.header(b"payment-receipt") is not None:
        outcome.unkept = answer.size  # settled: a replay must not be asked to pay
        outcome.receipt = answer.header(b"payment-receipt")


def _told(exc: AccountingError) -> str:
    """An error with its notes: which charge stays pending, and what to do with it."""
    return " ".join([exc.summary, *getattr(exc, "__notes__", ())])


def _problem_answer(
    kind: type[Any], detail: str, status: int, challenge_id: str | None = None
) -> _Answer:
    body = method.problem(kind, detail, challenge_id, status)
    return _Answer(
        status,
        [
            (b"content-type", b"application/problem+json"),
            (b"cache-control", b"no-store"),
            (b"content-length", str(len(body)).encode()),
        ],
        [body],
        len(body),
    )


def _credential(scope: Scope) -> str | None:
    """The ``Payment`` credential of the request's ``Authorization`` header, among the
    schemes it may list."""
    for name, value in scope.get("headers", []):
        # Only where the challenge asked for it: this paywall's never name another field.
        if name.lower() == b"authorization":
            for part in value.decode("latin-1").split(","):
                if part.strip().lower().startswith("payment "):
                    return str(part.strip())
    return None


def _named(price: object) -> str:
    return "price" if price is not None else "max_price"


def _is_endpoint(target: Callable[..., Any]) -> bool:
    """A Starlette endpoint (a function of the request), not an ASGI app (an object,
    or a function of ``scope, receive, send``)."""
    if not (inspect.isfunction(target) or inspect.ismethod(target)):
        return False
    positional = [
        p
        for p in inspect.signature(target).parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]
    return len(positional) != 3


def _private(cache_control: bytes | None) -> bytes:
    """The endpoint's ``Cache-Control``, made private: a shared cache must not serve a
    paid answer (or its receipt) to someone who did not pay."""
    directives = [d.strip() for d in (cache_control or b"").split(b",") if d.strip()]
    kept = [
        d for d in directives if d.lower() != b"public" and not d.lower().startswith(b"s-maxage")
    ]
    if not any(d.lower() in (b"private", b"no-store") for d in kept):
        kept.insert(0, b"private")
    return b", ".join(kept)
