"""`AccountingTestService`: what the `accounting_service` fixture yields, and the
session's service behind it."""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import math
import secrets
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

import httpx

from syftbox_accounting import operations, validation
from syftbox_accounting.accounting import AccountingClient
from syftbox_accounting.accounting.account import registration
from syftbox_accounting.admin import AdminClient
from syftbox_accounting.errors import AccountExistsError, InvalidInputError
from syftbox_accounting.http_clients import shared_ssl_context
from syftbox_accounting.types import ApiKeyScope
from syftbox_accounting.validation import Hidden, hides

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from syftbox_accounting.calls import Call
    from syftbox_accounting.server import BackgroundService
    from syftbox_accounting.server.service import AccountingService
    from syftbox_accounting.testing.faults import Faults
    from syftbox_accounting.testing.inprocess import AsyncServiceTransport, ServiceTransport
    from syftbox_accounting.transport import Transport

__all__ = ["IN_PROCESS_URL", "MODES", "AccountingTestService", "Mode", "SessionService"]

Mode = Literal["loopback", "in-process"]
MODES: tuple[Mode, ...] = ("loopback", "in-process")
# The base URL of the in-process service: a loopback name (so the library allows plain
# http), on which nothing listens: a client without the transport fails at once.
IN_PROCESS_URL = "http://accounting-service.localhost"


class SessionService:
    """The reference service of one test session (of one pytest-xdist worker): one app
    and its data, reached in process through httpx transports, and over a loopback
    port once a test asks for one (the server starts then, in a thread).

    New accounts get no initial credit, so `create_account(balance=...)` is exact;
    passwords are hashed with a trivial cost (fast, and fine only in tests; the
    benchmarks turn it off with `fast_password_hash=False` to compare).
    """

    def __init__(self, *, fast_password_hash: bool = True) -> None:
        from starlette.middleware import Middleware

        from syftbox_accounting.server import create_app
        from syftbox_accounting.testing.faults import FaultInjector, Faults
        from syftbox_accounting.testing.inprocess import AsyncServiceTransport, ServiceTransport

        self.admin_key = secrets.token_urlsafe(32)
        self.app: Starlette = create_app(
            admin_key=self.admin_key,
            initial_credit=Decimal(0),
            fast_password_hash=fast_password_hash,
            run_inline=True,  # drivable with no thread and no event loop
        )
        self.faults: Faults = Faults()
        # Innermost, so that its answers get the request id and the key echo too.
        self.app.user_middleware.append(Middleware(FaultInjector, faults=self.faults))
        self.transport: ServiceTransport = ServiceTransport(self.app)
        self.async_transport: AsyncServiceTransport = AsyncServiceTransport(self.app)
        self._loopback: BackgroundService | None = None
        self._pools: dict[Mode, httpx.Client] = {}
        self._setup_pool: httpx.Client | None = None
        self._async_pool: httpx.AsyncClient | None = None
        # What a setup request learnt of the service (its features, that it honours
        # keys): the same for the whole session, since the app is.
        self.learnt: Transport | None = None

    def __repr__(self) -> str:
        url = self._loopback.url if self._loopback is not None else "not started"
        return f"SessionService(loopback {url})"  # never the admin key

    @property
    def url(self) -> str:
        """The loopback URL, starting the server on first use."""
        if self._loopback is None:
            from syftbox_accounting.server import BackgroundService
            from syftbox_accounting.testing.connection import over_loopback

            loopback = BackgroundService(admin_key=self.admin_key, app=over_loopback(self.app))
            loopback.start()
            self._loopback = loopback
        return self._loopback.url

    def pool(self, mode: Mode) -> httpx.Client:
        """The sync httpx client the session's library clients share, per mode: made
        once, so no test pays for its SSL setup; never closed by a test."""
        pool = self._pools.get(mode)
        if pool is None:
            transport = self.transport if mode == "in-process" else None
            pool = self._pools[mode] = httpx.Client(
                transport=transport, follow_redirects=False, verify=shared_ssl_context()
            )
        return pool

    def setup_pool(self) -> tuple[str, httpx.Client]:
        """The URL and httpx client of the harness's own setup (`create_account`): in
        process whatever the test's mode (no socket, no thread), and marked so that no
        fault armed for the code under test takes its requests."""
        if self._setup_pool is None:
            name, value = self.faults.setup_header
            self._setup_pool = httpx.Client(
                transport=self.transport, headers={name: value}, follow_redirects=False
            )
        return IN_PROCESS_URL, self._setup_pool

    def register(self, call: Call[Any]) -> tuple[str, Hidden, Decimal] | None:
        """Register the account of `call` (built by `registration`, so checked as the
        client checks it) straight through the service: its email, password (hidden
        from tracebacks) and balance. No request: no client, no HTTP, no middleware, no
        idempotency record (the harness's setup needs none: no answer of it can be
        lost), which makes it a fraction of a request's cost. None when the service
        refuses it (nothing was written) or before any setup request learnt the
        service's features: the caller then sends the registration through the app,
        which answers or raises as a client's own request would."""
        from syftbox_accounting.server.errors import ApiError
        from syftbox_accounting.server.money import format_micros

        if self.learnt is None:
            return None
        service: AccountingService = self.app.state.service
        try:
            # It hashes the password, then returns the write that makes the account.
            account, password = service.create_user(_body(call))()
        except ApiError:
            return None
        secret = Hidden(password)
        del password  # a traceback that shows locals must not show it
        # The password was hashed here and now: the test's first call needs no second
        # hash to prove it (the service's own registrations leave it to the first login).
        service.verified.remember(account.id, secret.value, account.password_hash)
        # The balance as its answer would say it (`balanceDecimal`).
        return account.email, secret, Decimal(format_micros(account.balance))

    def fund(self, email: str, amount: Decimal) -> None:
        """Credit `email` with `amount` dollars straight through the service, as
        `register` does; a refusal (nothing was written) is sent through the app, so
        that it raises the client's own error."""
        from syftbox_accounting.server.errors import ApiError

        try:
            self.app.state.service.add_balance(_body(operations.add_balance(email, amount)))
            return
        except ApiError:
            pass  # out of this block: the client's error must not chain the service's
        _fund(*self.setup_pool(), self.admin_key, email, amount)

    def async_pool(self) -> httpx.AsyncClient:
        """The in-process async httpx client: it holds no socket, so any event loop
        (asyncio or trio) may use it."""
        if self._async_pool is None:
            self._async_pool = httpx.AsyncClient(
                transport=self.async_transport, verify=shared_ssl_context()
            )
        return self._async_pool

    def reset(self) -> None:
        """Wipe every account, transaction and spent token; disarm every fault."""
        self.faults.clear()
        self.app.state.service.reset()

    def close(self) -> None:
        for pool in self._pools.values():
            pool.close()
        if self._setup_pool is not None:
            self._setup_pool.close()
        if self._async_pool is not None:
            _close_without_loop(self._async_pool)
        if self._loopback is not None:
            self._loopback.stop()
        self.app.state.service.close()


_TAKEN = (
    "accounting_service.create_account(): this test already made {email}. Leave the "
    "email out for a fresh one (accounting_service.create_account()), or reach the "
    "account you made with accounting_service.client({email!r}, password)."
)


def _balance(balance: object) -> Decimal:
    """`create_account`'s balance: 0, or an amount as `validation.amount` takes it, up
    to the most a balance of the reference service holds (more than one credit moves)."""
    from syftbox_accounting.server.money import MAX_BALANCE_MICROS, MICROS_PER_DOLLAR

    if validation.is_zero(balance):
        return Decimal(0)
    ceiling = Decimal(MAX_BALANCE_MICROS // MICROS_PER_DOLLAR)
    try:
        return validation.amount(balance, "balance", maximum=ceiling)
    except InvalidInputError:
        number = validation.number(balance, "balance")
        if isinstance(number, bool) or not isinstance(number, int | float | Decimal):
            raise
        if isinstance(number, Decimal) and not number.is_finite():
            raise
        if isinstance(number, float) and not math.isfinite(number):
            raise
        if number < 0:
            raise InvalidInputError(
                f"balance must be 0 or more, got {balance}: it is what the account holds."
            ) from None
        if number > ceiling:
            raise InvalidInputError(
                f"balance must be at most {ceiling:,}, the most a balance of the reference "
                "service holds."
            ) from None
        raise


def _in_credits(amount: Decimal) -> Iterator[Decimal]:
    """`amount` as credits of at most what one request may move, in order."""
    while amount > 0:
        step = min(amount, validation.MAX_AMOUNT)
        yield step
        amount -= step


def _key_scopes(api_key: object) -> list[str] | None:
    """`create_account`'s api_key as the scopes of the key to make (None: no key)."""
    allowed = [scope.value for scope in ApiKeyScope]
    if api_key is False or api_key is None:
        return None
    if api_key is True:
        return allowed
    wrong = (
        f"api_key must be True or a list of scopes (some of {', '.join(allowed)}), "
        "e.g. ['read', 'pay']"
    )
    if isinstance(api_key, str):  # one scope, which the library would take as such
        raise InvalidInputError(f"{wrong}: for the one scope {api_key[:40]!r}, [{api_key[:40]!r}].")
    if not isinstance(api_key, Iterable):
        raise InvalidInputError(f"{wrong}, not {type(api_key).__name__}.")
    found = validation.scopes(api_key, "api_key", example="True, or ['read', 'pay']")
    return sorted(scope.value for scope in found)


def _body(call: Call[Any]) -> bytes:
    """The JSON body `call` sends, with amounts as decimal strings (the reference
    service reads them exactly)."""
    request = call.exact_request or call.request
    return json.dumps(request["json"]).encode()


def _fund(url: str, pool: httpx.Client, admin_key: str, email: str, amount: Decimal) -> None:
    """Credit `email` through the service's admin API."""
    with AdminClient(url, admin_key, http_client=pool) as admin:
        admin.add_balance(email, amount)


def _default_tls(kwargs: dict[str, Any]) -> None:
    """httpx's default TLS setting, from the process's shared SSL context (no test pays
    20-30 ms to build one); a `verify` or `cert` of yours is left as it is, and so is
    an HTTP/2 client (its connections set the context's ALPN to offer h2: the shared
    one offers HTTP/1.1 only)."""
    if "verify" not in kwargs and "cert" not in kwargs and not kwargs.get("http2"):
        kwargs["verify"] = shared_ssl_context()


def _close_without_loop(client: httpx.AsyncClient) -> None:
    """Close an async client with no event loop. In process its transport holds no
    socket, so closing never waits. Over loopback closing may ask for the loop it ran
    on (anyio's, gone by now): it is then left as it is, holding no socket either,
    since the clients made here keep no idle connection."""
    from syftbox_accounting.testing.inprocess import run_inline

    # NeedsEventLoop, or sniffio finding no async library: both RuntimeErrors.
    with contextlib.suppress(RuntimeError):
        run_inline(client.aclose())


class _Served:
    """A `BackgroundService` of your own (other options: a short token lifetime...) in
    the role of the session's service: over loopback only, and without faults."""

    def __init__(self, background: BackgroundService) -> None:
        from syftbox_accounting.testing.faults import Faults

        self.background = background
        self.url = background.url
        self.admin_key = background.admin_key
        self.faults = Faults(injected=False)
        self._pool: httpx.Client | None = None
        self.learnt: Transport | None = None

    def pool(self, mode: Mode) -> httpx.Client:
        if self._pool is None:
            self._pool = httpx.Client(follow_redirects=False, verify=shared_ssl_context())
        return self._pool

    def setup_pool(self) -> tuple[str, httpx.Client]:
        """Over loopback, as everything here (no fault is injected)."""
        return self.url, self.pool("loopback")

    def register(self, call: Call[Any]) -> tuple[str, Hidden, Decimal] | None:
        """Never straight through: the service may run in another process."""
        return None

    def fund(self, email: str, amount: Decimal) -> None:
        _fund(*self.setup_pool(), self.admin_key, email, amount)

    def reset(self) -> None:
        self.background.reset()

    def release(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None


class AccountingTestService:
    """A reference accounting service for one test, with helpers to make funded
    accounts and to make it fail.

    Made by the `accounting_service` fixture; made yourself around a
    `BackgroundService` of yours (``AccountingTestService(running)``) it works over
    loopback, without `faults`.

    Attributes:
        mode: ``loopback`` (a real socket, the default) or ``in-process`` (no socket,
            no thread: the same service through an httpx transport).
        url: the service's base URL (``http://127.0.0.1:PORT``; in process, a name on
            which nothing listens: clients need `transport` too).
        admin: an `AdminClient` holding the service's admin key.
        faults: `Faults`, to make the next requests of an operation fail.
        transport, async_transport: httpx transports to the service in process; None
            over loopback, where `url` is all a client needs. So
            ``httpx.Client(base_url=svc.url, transport=svc.transport)`` works in both.
    """

    def __init__(
        self, session: SessionService | BackgroundService, mode: Mode = "loopback"
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}.")
        self.mode: Mode = mode
        in_process = mode == "in-process"
        self.transport: ServiceTransport | None = None
        self.async_transport: AsyncServiceTransport | None = None
        self._async_http: httpx.AsyncClient | None = None
        self._session: SessionService | _Served
        if isinstance(session, SessionService):
            self._session = session
            self.url = IN_PROCESS_URL if in_process else session.url
            if in_process:
                self.transport, self.async_transport = session.transport, session.async_transport
                self._async_http = session.async_pool()
        elif in_process:
            raise ValueError("A BackgroundService is reached over loopback only.")
        else:
            self._session = _Served(session)
            self.url = self._session.url
        self.faults = self._session.faults
        self._http = self._session.pool(mode)
        self._clients: list[AccountingClient] = []
        self._own_http: list[httpx.Client | httpx.AsyncClient] = []
        self._numbers = itertools.count(1)

    def __repr__(self) -> str:
        return f"AccountingTestService({self.url!r}, mode={self.mode!r})"

    @functools.cached_property
    def admin(self) -> AdminClient:
        """An `AdminClient` holding the service's admin key: made on first use (most
        tests never ask), closed with the harness."""
        return AdminClient(self.url, self._session.admin_key, **self.client_options)

    @property
    def admin_key(self) -> str:
        """The service's admin key, for code under test that needs it."""
        return self._session.admin_key

    @property
    def client_options(self) -> dict[str, Any]:
        """Keyword arguments that point an `AccountingClient` or `AdminClient` of yours
        at this service, in either mode:
        ``AccountingClient(svc.url, email, password, **svc.client_options)``."""
        options: dict[str, Any] = {"http_client": self._http}
        if self._async_http is not None:
            options["async_http_client"] = self._async_http
        return options

    def http_client(self, **kwargs: Any) -> httpx.Client:
        """A new `httpx.Client` with `base_url` set to this service (and its transport
        in process), for your own code; closed after the test. Takes httpx's options."""
        kwargs.setdefault("base_url", self.url)
        if self.transport is not None:
            kwargs.setdefault("transport", self.transport)
        _default_tls(kwargs)
        client = httpx.Client(**kwargs)
        self._own_http.append(client)
        return client

    def async_http_client(self, **kwargs: Any) -> httpx.AsyncClient:
        """A new `httpx.AsyncClient` with `base_url` set to this service (and its
        transport in process), for your own code; closed after the test even if its
        event loop has ended. Over loopback it keeps no idle connection, since one
        left open at the end of a test could not be closed without its loop."""
        kwargs.setdefault("base_url", self.url)
        if self.async_transport is not None:
            kwargs.setdefault("transport", self.async_transport)
        else:
            kwargs.setdefault("limits", httpx.Limits(max_keepalive_connections=0))
        _default_tls(kwargs)
        client = httpx.AsyncClient(**kwargs)
        self._own_http.append(client)
        return client

    @hides("password", "api_key")
    def client(
        self,
        email: str | None = None,
        password: str | None = None,
        *,
        api_key: str | None = None,
        **options: Any,
    ) -> AccountingClient:
        """An `AccountingClient` for this service, configured when both are given (or
        with ``api_key=...``); `options` go to its constructor (``timeout``,
        ``retry_policy``...). No traceback that shows locals shows the secrets."""
        client = AccountingClient(
            self.url, email, password, api_key=api_key, **{**self.client_options, **options}
        )
        self._clients.append(client)
        return client

    @hides("password")
    def create_account(
        self,
        email: str | None = None,
        *,
        balance: int | float | Decimal = 100,
        password: str | None = None,
        organization: str | None = None,
        api_key: bool | Iterable[str] = False,
        **options: Any,
    ) -> AccountingClient:
        """Register an account holding exactly `balance` dollars (up to the
        1,000,000,000,000 a balance holds, credited in steps of the most one credit
        moves) and return a client configured with it (`options` go to its
        constructor). The email defaults to a fresh ``user-N@example.com``. The setup
        is the harness's own: straight through the session's service (in process, with
        no request, whatever the test's mode; the arguments are checked, and a refusal
        raised, as `register_accounting` does), and never taken by a fault armed for
        the code under test.

        With `api_key` (True for every scope, or the scopes: ``["read", "pay"]``) the
        client authenticates with a new API key of the account instead of its password
        (it knows the email, not the password), as a deployed service would:

        >>> reader = accounting_service.create_account(balance=5, api_key=["read"])
        """
        # `password` is Hidden here (`hides`), so no traceback that shows locals shows it.
        if email is None:  # only None: an empty email is refused, as the service would
            email = f"user-{next(self._numbers)}-{secrets.token_hex(3)}@example.com"
        # Every argument checked before anything is written: a bad one leaves no account.
        wanted = _balance(balance)
        scopes = _key_scopes(api_key)
        secret = Hidden(password)  # it is one already (`hides`): typed as one here
        del password
        if secret.value is None:
            secret = Hidden(secrets.token_urlsafe(16))
        call = registration(email, secret, organization, None)
        # The setup is the harness's own: straight through the session's service where
        # it can be, else in process, and never taken by a fault armed for the code
        # under test.
        url, pool = self._session.setup_pool()
        registered = self._session.register(call)
        if registered is None:
            registered = self._register_over_http(url, pool, email, secret, organization)
        del call
        email, secret, start = registered
        if wanted < start:
            raise ValueError(
                f"balance {balance} is below the service's initial credit {start}: start "
                "the service with a lower initial credit."
            )
        # One credit moves at most 1,000,000,000: a larger balance takes several.
        for credit in _in_credits(wanted - start):
            self._session.fund(email, credit)
        # What the setup learnt of the service (its features, that it honours keys), as
        # if the client had registered itself: its first call needs no probe, and a
        # payment whose answer is lost may be sent again.
        learnt = self._session.learnt
        assert learnt is not None  # the session's first registration went through the app
        if scopes is not None:
            with AccountingClient(url, email, secret.value, http_client=pool) as setup:
                setup._transport.learn_from(learnt)
                made = setup.create_api_key("accounting_service.create_account", scopes)
            client = self.client(email, api_key=made.secret, **options)
        else:
            client = self.client(email, secret.value, **options)
        client._transport.learn_from(learnt)
        return client

    def _register_over_http(
        self, url: str, pool: httpx.Client, email: str, password: Hidden, organization: str | None
    ) -> tuple[str, Hidden, Decimal]:
        """Register through the app: an answer, or the client's own error."""
        with AccountingClient(url, http_client=pool) as setup:
            try:
                account = setup.register_accounting(
                    email, password.value, organization=organization
                )
            except AccountExistsError as taken:
                taken.add_note(_TAKEN.format(email=email))
                raise
            # What it learnt, kept for the session without the account's credentials.
            learnt = AccountingClient(url, http_client=pool)._transport
            learnt.learn_from(setup._transport)
            self._session.learnt = learnt
        assert account.user is not None  # always set by a registration
        return account.email, Hidden(account.password), account.user.balance

    def reset(self) -> None:
        """Wipe every account and transaction, disarm every fault, and close the
        clients made so far."""
        self._close_clients()
        self._session.reset()

    def _close_clients(self) -> None:
        # Also what a test forgot: an async client whose event loop has ended cannot
        # be awaited, so its sockets are closed directly (else the NEXT test would
        # fail on a ResourceWarning).
        for client in self._clients:
            client.close()
            client._transport.abandon_async()
        self._clients.clear()
        for http in self._own_http:
            if isinstance(http, httpx.Client):
                http.close()
            elif not http.is_closed:
                _close_without_loop(http)
        self._own_http.clear()

    def close(self) -> None:
        """Close every client made here (sync and async); the session's pools stay."""
        self._close_clients()
        admin: AdminClient | None = self.__dict__.get("admin")  # made only if asked for
        if admin is not None:
            admin.close()
            admin._transport.abandon_async()
        if isinstance(self._session, _Served):
            self._session.release()
