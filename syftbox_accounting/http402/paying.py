"""The paying httpx clients (`AccountingClient.paying_http_client` and its async twin):
a transport that answers a 402 carrying a ``syftbox`` challenge by making a token
bounded to the challenge's amount and expiry, and sending the request once more with
it.

One core, `Payer.pay`, a generator that yields the I/O it needs (send a request, make
a token, look a charge up, count in the budgets (a `flows.Local` step, which the async
driver does in a worker thread when a budget keeps a file), close an answer) and is
driven by two
thin drivers, `PayingTransport` and `AsyncPayingTransport`, as the library's flows are
(pympp's own transport is async only). The core keeps what must hold across calls: the
challenges it paid (a challenge is paid once), and the credential of a paid request
whose answer was lost, sent again as it was when the caller repeats the request, so
that the service charges it once.
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Generator, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import httpx

from syftbox_accounting import errors, operations, types, validation
from syftbox_accounting.errors import (
    AccountingError,
    BudgetExceededError,
    InvalidInputError,
    PaymentError,
)
from syftbox_accounting.flows import Local, done_async
from syftbox_accounting.http402 import method
from syftbox_accounting.http402.budget import Budget, Reservation, booking, releasing
from syftbox_accounting.http402.receipt import RECEIPT_EXTENSION
from syftbox_accounting.render import money
from syftbox_accounting.transport import Flow, result_of

if TYPE_CHECKING:
    from syftbox_accounting.accounting.payments import PaymentMethods

__all__ = ["AsyncPayingTransport", "Payer", "PayingTransport", "async_http_client", "http_client"]

log = logging.getLogger("syftbox_accounting.http402")

_CREDENTIAL_HEADERS = ("authorization", "payment-authorization")
# How many paid requests with a lost answer the client remembers (the oldest go first).
_REMEMBERED = 256
# How many charges checked at the accounting service it remembers.
_CHECKED = 4096
# How far this computer's clock may be behind the accounting service's.
_CLOCK_SKEW = 300.0
_CHECK_THE_SERVICE = (
    "Check the service's address; docs/http402-syftbox.md says what a syftbox challenge must hold."
)
Origin = tuple[str, str, int | None]


@dataclasses.dataclass(frozen=True, slots=True)
class _Send:
    request: httpx.Request


@dataclasses.dataclass(frozen=True, slots=True)
class _Mint:
    """Make a token with `flow`: the driver answers with it, `Hidden`."""

    flow: Flow[str]


@dataclasses.dataclass(frozen=True, slots=True)
class _Ask:
    """Ask the accounting service with `flow`: the driver answers with its result."""

    flow: Flow[types.Transaction]


@dataclasses.dataclass(frozen=True, slots=True)
class _Close:
    response: httpx.Response


_Step = _Send | _Mint | _Ask | Local | _Close
PayFlow = Generator[_Step, Any, httpx.Response]


@dataclasses.dataclass(frozen=True, slots=True)
class _Paid:
    """A credential made for one challenge, and what the budgets counted for it."""

    offer: method.Offer
    header: str
    value: str = dataclasses.field(repr=False)  # it holds the token
    reservations: tuple[Reservation, ...]
    # Until when a lost answer is asked again with it: a service keeps a paid answer
    # for a while after the challenge expired (a paywall, as long as it lived), so
    # paying a new challenge then would pay twice.
    kept_until: float
    minted_at: float  # when its token was made (this computer's clock)


class Payer:
    """What a paying client's transport does, I/O aside (see the module's docstring)."""

    def __init__(
        self,
        client: PaymentMethods,
        budget: Budget | None = None,
        allowed_origins: Iterable[str] | None = None,
    ) -> None:
        if budget is not None and not isinstance(budget, Budget):
            raise InvalidInputError(
                f"budget must be a syftbox_accounting.Budget, not {type(budget).__name__}."
            )
        self.client = client
        # The client's own budget always applies; `budget` adds its limits.
        self.budgets = tuple(dict.fromkeys(b for b in (budget, client._budget) if b is not None))
        self.allowed_origins = _origins(allowed_origins)
        self._lock = threading.Lock()
        self._paid: dict[str, float] = {}  # challenge id -> when it expires
        self._unsettled: collections.OrderedDict[str, _Paid] = collections.OrderedDict()
        # The charges already checked for a payment: a receipt naming one again is not
        # this payment's (the oldest go first).
        self._checked: collections.OrderedDict[str, None] = collections.OrderedDict()

    def pay(self, request: httpx.Request) -> PayFlow:
        """Send `request`; answer a syftbox 402 once, with a bounded token."""
        if _carries_credential(request):
            # The caller's own credential, or one of ours on a redirect httpx followed.
            passed: httpx.Response = yield _Send(request)
            return passed
        if "accept-payment" not in request.headers:
            request.headers["Accept-Payment"] = method.ACCEPT_PAYMENT
        fingerprint = _fingerprint(request)
        lost = self._lost_answer(fingerprint)
        if lost is not None:
            # This request was paid, and its answer lost: the same credential again, so
            # that the service recognizes it and charges once.
            response = yield from self._send_paid(request, lost, fingerprint, again=True)
        else:
            response = yield _Send(request)
        if response.status_code != 402:
            return response
        offered = method.challenges(response.headers.get_list("www-authenticate"))
        ours = [c for c in offered if method.is_ours(c)]
        if not ours:
            return response  # a payment this client does not make: the caller decides
        try:
            offer = self._accept(request, ours)
            reservations: tuple[Reservation, ...] = ()
            if self.budgets:
                reservations = yield self._book(lambda: self._reserve(offer))
        except BaseException:
            yield _Close(response)
            raise
        yield _Close(response)
        paid = yield from self._mint(offer, reservations, _shown(_origin(request.url)))
        return (yield from self._send_paid(request, paid, fingerprint))

    def _accept(self, request: httpx.Request, offered: list[method.Challenge]) -> method.Offer:
        """The first offer this client may pay, or the error that says why none."""
        origin = _origin(request.url)
        where = _shown(origin)
        if self.allowed_origins is not None and origin not in self.allowed_origins:
            allowed = ", ".join(sorted(map(_shown, self.allowed_origins))) or "none"
            raise _refused(
                f"The service at {where} asks to be paid, but it is not among the "
                f"allowed_origins ({allowed}).",
                "Add it to allowed_origins if you mean to pay it.",
            )
        if origin[0] != "https" and not (
            validation.is_loopback(origin[1]) or self.client._allow_insecure_http
        ):
            raise _refused(
                f"The service at {where} asks to be paid over plain http://, which would send "
                "the payment credential unencrypted.",
                "Use https://, or create the AccountingClient with allow_insecure_http=True.",
            )
        self.client.get_email()  # not configured? AuthenticationError, before anything
        reasons: dict[str, str] = {}  # why not -> what to do
        for challenge in offered:
            try:
                offer = method.read_offer(challenge)
            except ValueError as exc:
                why = f"its {challenge.intent} challenge breaks the syftbox method: {exc}"
                reasons[why] = _CHECK_THE_SERVICE
                continue
            refusal = self._why_not(offer)
            if refusal is None:
                return offer
            reasons[refusal[0]] = refusal[1]
        raise _refused(
            f"The service at {where} asks to be paid, but this client will not pay it: "
            f"{'; '.join(reasons)}.",
            " ".join(dict.fromkeys(reasons.values())),
        )

    def _why_not(self, offer: method.Offer) -> tuple[str, str] | None:
        """Why this client will not pay `offer`, and what to do; None if it will."""
        challenge = offer.challenge
        if not method.same_service(offer.accounting_url, self.client.accounting_url):
            return (
                f"it is to be paid through the accounting service at {offer.accounting_url}, "
                f"and this client's account is at {self.client.accounting_url}",
                "Pay it with a client of an account at that accounting service, if you trust it.",
            )
        if challenge.credential_header.lower() not in _CREDENTIAL_HEADERS:
            return f"it asks for the credential in {challenge.credential_header}", (
                _CHECK_THE_SERVICE
            )
        if offer.expires.timestamp() - time.time() < 1:
            return (
                f"it expired at {method.rfc3339(offer.expires)}",
                "Check this computer's clock, and that no cache between you and the "
                "service keeps its 402 answers; a new request gets a new challenge.",
            )
        with self._lock:
            if challenge.id in self._paid:
                return (
                    f"this client paid challenge {challenge.id} already (it pays one once)",
                    "The service asks again for a challenge this client paid: check that "
                    "no cache between you keeps its 402 answers, and ask the service "
                    "about the payment (receipt_of() of its answer, or "
                    "get_transaction_history()).",
                )
        return None

    def _reserve(self, offer: method.Offer) -> tuple[Reservation, ...]:
        reservations: list[Reservation] = []
        try:
            for budget in self.budgets:
                reservations.append(
                    budget.reserve(offer.recipient, offer.amount, reference=offer.challenge.id)
                )
        except BaseException as exc:
            for reservation in reservations:
                reservation.release()
            if isinstance(exc, BudgetExceededError) and offer.intent == method.UPTO:
                exc.add_note(
                    f"The service asks for up to {money(offer.amount)}: it sets the price "
                    "after the work, and a budget counts the most it may charge."
                )
            raise
        return tuple(reservations)

    def _mint(
        self, offer: method.Offer, reservations: tuple[Reservation, ...], where: str
    ) -> Generator[_Step, Any, _Paid]:
        challenge = offer.challenge
        seconds = min(int(offer.expires.timestamp() - time.time()), validation.MAX_TOKEN_LIFETIME)
        # The same challenge makes the same token, even from another process.
        key = "http402-" + hashlib.sha256(f"{challenge.realm}|{challenge.id}".encode()).hexdigest()
        with self._lock:
            paid_meanwhile = challenge.id in self._paid
            if not paid_meanwhile:
                now = time.time()  # the expired ones go: no service asks for them again
                self._paid = {cid: until for cid, until in self._paid.items() if until > now}
                self._paid[challenge.id] = offer.expires.timestamp()
        if paid_meanwhile:
            # By a concurrent request: its mark stays, so that no later one pays it too.
            if reservations:
                yield releasing(reservations)
            raise _refused(
                f"Challenge {challenge.id} was paid already, by another request of this "
                "client sent at the same time.",
                "Send this request again: the service then asks for a new payment, or "
                "answers it as paid.",
            )
        try:
            flow = self.client._create_transaction_token(
                offer.recipient, offer.amount, max(seconds, 1), key, budgeted=False
            )
            token: validation.Hidden = yield _Mint(flow)
        except BaseException as exc:
            with self._lock:
                self._paid.pop(challenge.id, None)
            if reservations:
                release = releasing(reservations)
                if isinstance(exc, GeneratorExit):
                    release.call()  # a flow being closed takes no step
                else:
                    yield release
            if isinstance(exc, Exception):
                # The error names create_transaction_token, which the caller did not call.
                exc.add_note(
                    f"The token was to pay {where} (challenge {challenge.id}, at most "
                    f"{money(offer.amount)}); the request was not sent with it, so nothing was "
                    "paid: send the request again."
                )
            raise
        value = method.credential(offer, token.value, self.client.get_email())
        expires = offer.expires.timestamp()
        kept_until = expires + max(expires - time.time(), 0)
        return _Paid(
            offer, challenge.credential_header, value, reservations, kept_until, time.time()
        )

    def _send_paid(
        self, request: httpx.Request, paid: _Paid, fingerprint: str, *, again: bool = False
    ) -> Generator[_Step, Any, httpx.Response]:
        headers = httpx.Headers(request.headers)
        for name in _CREDENTIAL_HEADERS:
            if headers.get(name, "").lower().startswith("payment "):
                del headers[name]
        headers[paid.header] = paid.value
        retry = httpx.Request(
            request.method,
            request.url,
            headers=headers,
            content=request.content,
            extensions=request.extensions,
        )
        offer = paid.offer
        # Remembered only once its answer is lost or says nothing: while it is in
        # flight, the same request sent meanwhile is another call, paid on its own.
        try:
            response: httpx.Response = yield _Send(retry)
        except BaseException as exc:  # a deadline or an interrupt loses the answer too
            self._remember(fingerprint, paid)
            if isinstance(exc, Exception):
                exc.add_note(
                    f"The request carried a payment credential for challenge "
                    f"{offer.challenge.id} (at most {money(offer.amount)} to "
                    f"{offer.recipient}); sending the same request again sends the same "
                    "credential, which the service charges once."
                )
            raise
        if not (yield from self._settle(paid, response, retry.url, again)):
            self._remember(fingerprint, paid)  # the outcome is unknown: kept for a retry
        return response

    def _settle(
        self, paid: _Paid, response: httpx.Response, url: httpx.URL, again: bool
    ) -> Generator[_Step, Any, bool]:
        """Count in the budgets what the paid answer cost, and hand its receipt over.

        A receipt of the most the credential allowed is taken at its word (a service
        gains nothing by overstating). One of less, or on an error answer, is checked at
        the accounting service, since a service that understated would let the payer past
        its budget's limits: nothing once the charge is cancelled, the capture once
        completed, the maximum while it is pending (it may still be captured). Without
        a valid receipt the payment stays counted at its maximum, except a ``402`` to a
        credential's first sending: that refused it before any charge (to a credential
        sent `again`, its first answer lost, it says nothing of what that one cost).

        Returns whether the outcome is known (a retry of the credential would not
        change it): not for a ``5xx`` that says nothing, nor a lookup that failed.
        """
        answered = response.status_code < 500
        header = response.headers.get(method.RECEIPT_HEADER)
        where = _shown(_origin(url))
        if header is None:
            if response.status_code == 402 and not again:
                # Refused (the payer's funds, a bad token): nothing was charged with it.
                yield from self._count(paid, Decimal(0))
            elif answered:
                _unknown(where, response.status_code, "it has no Payment-Receipt", paid)
            return answered
        try:
            receipt = method.read_receipt(header, paid.offer)
        except ValueError as exc:
            _unknown(where, response.status_code, f"its Payment-Receipt is not valid: {exc}", paid)
            return answered
        spent = receipt.amount
        if not (response.is_success and receipt.amount == paid.offer.amount):
            try:
                charge: types.Transaction = yield _Ask(self._charge_of(receipt.transaction_id))
                checked = self._spent_on(charge, paid)
                if checked is None:
                    raise _Unchecked(
                        f"its receipt names charge {charge.id}, which is {charge.status.value}"
                        " or not this payment's"
                    )
            except (AccountingError, _Unchecked) as exc:
                why = (
                    str(exc)
                    if isinstance(exc, _Unchecked)
                    else f"its charge cannot be looked up: {exc}"
                )
                _unknown(where, response.status_code, why, paid)
                if response.is_success:  # the answer is the caller's; its receipt too
                    response.extensions = {**response.extensions, RECEIPT_EXTENSION: receipt}
                # An error answer's charge may be learnt by sending its credential again.
                return response.is_success or (answered and isinstance(exc, _Unchecked))
            spent = checked
        yield from self._count(paid, spent)
        shown = dataclasses.replace(receipt, amount=spent)
        response.extensions = {**response.extensions, RECEIPT_EXTENSION: shown}
        return True

    def _book(self, call: Callable[[], Any]) -> Local:
        return booking(call, self.budgets)

    def _count(self, paid: _Paid, spent: Decimal) -> Generator[_Step, Any, None]:
        """Settle the payment's reservations at `spent` (0 releases them)."""
        if paid.reservations:
            yield self._book(lambda: _count(paid.reservations, spent))

    def _spent_on(self, charge: types.Transaction, paid: _Paid) -> Decimal | None:
        """What `charge` cost the payer, if it is this payment's and settled (the
        charge's own payer and recipient, made after its token, and not checked for
        another payment already: a service may not pass an earlier, cheaper charge off
        as this one)."""
        parties = (charge.sender_email.lower(), charge.recipient_email.lower())
        if parties != (self.client.get_email().lower(), paid.offer.recipient.lower()):
            return None
        if charge.created_at.timestamp() < paid.minted_at - _CLOCK_SKEW:
            return None
        if charge.status is types.TransactionStatus.CANCELLED:
            spent = Decimal(0)
        elif charge.status is types.TransactionStatus.COMPLETED:
            spent = min(charge.amount, paid.offer.amount)
        else:
            return None  # pending: the hold may still be captured, up to the maximum
        with self._lock:
            if charge.id in self._checked:
                return None
            self._checked[charge.id] = None
            while len(self._checked) > _CHECKED:
                self._checked.popitem(last=False)
        return spent

    def _charge_of(self, transaction_id: str) -> Flow[types.Transaction]:
        """The payer's own view of a charge (found in its history at a service without
        a lookup by id, as `get_transaction` does)."""
        from syftbox_accounting.accounting.history import HistoryMethods

        if isinstance(self.client, HistoryMethods):  # an AccountingClient: always
            return self.client._get_transaction(transaction_id)
        call = operations.get_transaction(validation.transaction_id(transaction_id))
        return result_of(call)

    def _remember(self, fingerprint: str, paid: _Paid) -> None:
        with self._lock:
            self._unsettled[fingerprint] = paid
            self._unsettled.move_to_end(fingerprint)
            while len(self._unsettled) > _REMEMBERED:
                self._unsettled.popitem(last=False)

    def _lost_answer(self, fingerprint: str) -> _Paid | None:
        """The credential of this request whose answer was lost, taken (while it is sent
        again, the same request sent meanwhile is another call)."""
        with self._lock:
            paid = self._unsettled.pop(fingerprint, None)
            if paid is not None and paid.kept_until <= time.time():
                return None
            return paid


class PayingTransport(httpx.BaseTransport):
    """A sync httpx transport that pays syftbox 402 challenges (see `Payer`)."""

    def __init__(self, payer: Payer, inner: httpx.BaseTransport) -> None:
        self.payer = payer
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()  # to send it once more
        flow = self.payer.pay(request)
        try:
            step = next(flow)
            while True:
                try:
                    value = self._do(step)
                except BaseException as exc:
                    step = flow.throw(exc)
                else:
                    step = flow.send(value)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]

    def _do(self, step: _Step) -> Any:
        if isinstance(step, _Send):
            return self._inner.handle_request(step.request)
        if isinstance(step, _Mint):
            # Hidden: the driver's frame keeps it, and a traceback may print its locals.
            return validation.Hidden(self.payer.client._run(step.flow))
        if isinstance(step, _Ask):
            return self.payer.client._run(step.flow)
        if isinstance(step, Local):
            return step.call()
        step.response.close()
        return None

    def close(self) -> None:
        self._inner.close()


class AsyncPayingTransport(httpx.AsyncBaseTransport):
    """An async httpx transport that pays syftbox 402 challenges (see `Payer`); on
    asyncio and trio."""

    def __init__(self, payer: Payer, inner: httpx.AsyncBaseTransport) -> None:
        self.payer = payer
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()  # to send it once more
        flow = self.payer.pay(request)
        try:
            step = next(flow)
            while True:
                try:
                    value = await self._do(step)
                except BaseException as exc:
                    step = flow.throw(exc)
                else:
                    step = flow.send(value)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]

    async def _do(self, step: _Step) -> Any:
        if isinstance(step, _Send):
            return await self._inner.handle_async_request(step.request)
        if isinstance(step, _Mint):
            return validation.Hidden(await self.payer.client._run_async(step.flow))
        if isinstance(step, _Ask):
            return await self.payer.client._run_async(step.flow)
        if isinstance(step, Local):
            return await done_async(step)
        await step.response.aclose()
        return None

    async def aclose(self) -> None:
        await self._inner.aclose()


def http_client(
    client: PaymentMethods,
    budget: Budget | None,
    allowed_origins: Iterable[str] | None,
    transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None,
    options: dict[str, Any],
) -> httpx.Client:
    """`AccountingClient.paying_http_client`."""
    if transport is not None and not isinstance(transport, httpx.BaseTransport):
        raise InvalidInputError(
            f"transport must be an httpx.BaseTransport, not {type(transport).__name__}."
        )
    payer = Payer(client, budget, allowed_origins)
    paying = PayingTransport(payer, transport or httpx.HTTPTransport())
    made: httpx.Client = _made(httpx.Client, paying, options)
    return made


def async_http_client(
    client: PaymentMethods,
    budget: Budget | None,
    allowed_origins: Iterable[str] | None,
    transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None,
    options: dict[str, Any],
) -> httpx.AsyncClient:
    """`AccountingClient.paying_http_client_async`."""
    if transport is not None and not isinstance(transport, httpx.AsyncBaseTransport):
        raise InvalidInputError(
            f"transport must be an httpx.AsyncBaseTransport, not {type(transport).__name__}."
        )
    payer = Payer(client, budget, allowed_origins)
    paying = AsyncPayingTransport(payer, transport or httpx.AsyncHTTPTransport())
    made: httpx.AsyncClient = _made(httpx.AsyncClient, paying, options)
    return made


def _made(kind: Any, transport: Any, options: dict[str, Any]) -> Any:
    if "mounts" in options:
        raise InvalidInputError(
            "mounts would route requests past the paying transport: pass transport= instead."
        )
    try:
        return kind(transport=transport, **options)
    # httpx checks its options by using them: a wrong type surfaces as any of these.
    except (TypeError, ValueError, AttributeError, httpx.InvalidURL) as exc:
        raise InvalidInputError(f"An option {kind.__name__} does not take: {exc}.") from None


# -- helpers


def _refused(summary: str, hint: str) -> PaymentError:
    return PaymentError(
        f"{summary} Nothing was paid.", hint=hint or None, hint_key=errors.CHALLENGE_REFUSED
    )


class _Unchecked(Exception):
    """A receipt's charge the payer's own view does not confirm (why)."""


def _count(reservations: tuple[Reservation, ...], spent: Decimal) -> None:
    """Settle `reservations` at `spent` (0 releases them)."""
    for reservation in reservations:
        if spent:
            reservation.settle(spent)
        else:
            reservation.release()


def _unknown(where: str, status: int, why: str, paid: _Paid) -> None:
    log.warning(
        "The paid answer (%s) of %s does not say what its payment cost (%s): it stays "
        "counted at its maximum, $%s.",
        status,
        where,
        why,
        paid.offer.amount,
    )


def _carries_credential(request: httpx.Request) -> bool:
    return any(
        request.headers.get(name, "").lower().startswith("payment ") for name in _CREDENTIAL_HEADERS
    )


def _fingerprint(request: httpx.Request) -> str:
    """The same request sent again: its method, URL and body."""
    digest = hashlib.sha256()
    for part in (request.method.encode(), str(request.url).encode(), request.content):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _origin(url: httpx.URL) -> Origin:
    port = url.port or {"http": 80, "https": 443}.get(url.scheme)
    return (url.scheme, url.host.lower().rstrip("."), port)


def _shown(origin: Origin) -> str:
    scheme, host, port = origin
    default = {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{host}" + ("" if port in (None, default) else f":{port}")


def _origins(values: Iterable[str] | None) -> frozenset[Origin] | None:
    if values is None:
        return None
    if isinstance(values, str) or not isinstance(values, Iterable):
        values = (values,)  # a non-string non-list is refused below, as a list holding it
    found = set()
    for value in values:
        try:
            url = httpx.URL(value) if isinstance(value, str) else None
        except httpx.InvalidURL:
            url = None
        if (
            url is None
            or url.scheme not in {"http", "https"}
            or not url.host
            or url.userinfo
            or url.path not in {"", "/"}
            or url.query
            or url.fragment
        ):
            # Never echo what may be a password in `user:password@host`.
            shown = "one with a user name or password" if "@" in str(value) else repr(value)
            raise InvalidInputError(
                "allowed_origins must list origins such as 'https://ai.example.com' or "
                f"'http://127.0.0.1:8001' (scheme, host, port; no path, no credentials), "
                f"got {shown}."
            )
        found.add(_origin(url))
    return frozenset(found)
