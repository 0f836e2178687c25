"""`AccountingClient`: every accounting operation, as a sync and an async twin.

Each operation is written once, as a *flow*: a generator that checks its input,
yields the calls it needs and returns the result. The public methods are two-line
shims that run the flow blocking (`transport.run`) or on the event loop
(`transport.run_async`). Naming: the async twin of a sync ``x`` is ``x_async``; the
sync twin of a seed-async ``x`` is ``x_sync``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from decimal import Decimal
from typing import Any

import httpx

from syftbox_accounting import credentials as creds
from syftbox_accounting import display, errors, operations, validation
from syftbox_accounting.defaults import (
    ENV_EMAIL,
    ENV_PASSWORD,
    ENV_URL,
)
from syftbox_accounting.errors import AccountingError, AuthenticationError, InvalidInputError
from syftbox_accounting.service_client import ServiceClient, twin
from syftbox_accounting.transport import (
    DEFAULT_MAX_RESPONSE_BYTES,
    Flow,
    Gather,
    RetryPolicy,
    result_of,
)
from syftbox_accounting.types import (
    AccountInfo,
    CredentialCheck,
    CredentialStatus,
    Transaction,
    TransactionStatus,
    Usage,
    User,
    UserAccount,
)

__all__ = ["AccountingClient", "Payment"]

HISTORY_IN_INFO = 10
DEFAULT_PAGE_SIZE = 100
SHOW_TIMEOUT = 2.0
_USAGE_PATH = "/user/usage"
_ALL = operations.HistoryFilter()
log = logging.getLogger("syftbox_accounting")


@dataclasses.dataclass
class Payment:
    """A charge in progress inside `charging()`: `transaction` is pending in the
    block, and completed (or cancelled) after it."""

    transaction: Transaction

    @property
    def id(self) -> str:
        return self.transaction.id

    @property
    def amount(self) -> Decimal:
        return self.transaction.amount


class AccountingClient(ServiceClient):
    """A user's connection to the accounting service: balance, tokens, payments.

    Nothing touches the network on construction. Credentials come from the
    arguments, `configure()`, `register_accounting()`, or discovery
    (`setup_accounting_discovery()`).

    >>> client = AccountingClient(email="alice@example.com", password="...")
    >>> client.get_account_balance()
    100.0
    >>> token = await client.create_transaction_token("ai-service@example.com")

    Args:
        accounting_url: the service; defaults to ``SYFTBOX_ACCOUNTING_URL``, else the
            public SyftBox service.
        email, password: the account's credentials, if known.
        timeout: seconds for each request phase (connect, read, write); default
            ``SYFTBOX_ACCOUNTING_TIMEOUT``, else 10.
        max_retries: retries of a failed request (GETs; any request when nothing was
            sent; a POST/PUT, with its idempotency key, at a service that echoed one);
            default ``SYFTBOX_ACCOUNTING_MAX_RETRIES``, else 2.
        allow_insecure_http: allow plain http:// to a host that is not loopback
            (default: ``SYFTBOX_ACCOUNTING_ALLOW_INSECURE_HTTP``, else False).
        http_client, async_http_client: httpx clients to use instead of our own.
        retry_policy: the full retry settings (`RetryPolicy`: retries and backoff),
            instead of `max_retries`.
        max_response_bytes: the most an answer may weigh once decompressed
            (default 64 MiB); a larger one is a `ServiceException`.
        deadline: seconds a whole call may take, retries included (default: three
            times `timeout` per attempt), so a service that drips its answer cannot hold it.

    Raises:
        InvalidInputError: an argument is malformed.
    """

    def __init__(
        self,
        accounting_url: str | None = None,
        email: str | None = None,
        password: str | None = None,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        allow_insecure_http: bool | None = None,
        http_client: httpx.Client | None = None,
        async_http_client: httpx.AsyncClient | None = None,
        retry_policy: RetryPolicy | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        deadline: float | None = None,
    ) -> None:
        super().__init__(
            creds.resolve_url() if accounting_url is None else accounting_url,
            timeout=timeout,
            max_retries=max_retries,
            allow_insecure_http=allow_insecure_http,
            http_client=http_client,
            async_http_client=async_http_client,
            retry_policy=retry_policy,
            max_response_bytes=max_response_bytes,
            deadline=deadline,
        )
        self._email: str | None = None
        self._password: str | None = None
        # Set once the service shows it lacks GET /user/usage (the public protocol).
        self._usage_missing = False
        secret = validation.Hidden(password)
        del password  # a traceback that shows locals must not show it
        if email is not None or secret.value is not None:
            self._configure(None, email, secret)

    # -- configuration (no network)

    @property
    def accounting_url(self) -> str:
        """The accounting service's URL."""
        return self._transport.base_url

    def is_configured(self) -> bool:
        """True when URL, email and password are all set. Never touches the network."""
        return bool(self._transport.base_url and self._email and self._password)

    def get_email(self) -> str:
        """The configured email.

        Raises:
            AuthenticationError: no credentials are configured.
        """
        if self._email is None:
            raise AuthenticationError(
                "No accounting credentials are configured:",
                hint="call configure(email=..., password=...) or register_accounting(...).",
                hint_key=errors.NOT_CONFIGURED,
            )
        return self._email

    def configure(
        self,
        accounting_url: str | None = None,
        email: str | None = None,
        password: str | None = None,
    ) -> None:
        """Use existing credentials. Checks them and sends no request; use
        `validate_credentials()` to ask the service.

        >>> client.configure(email="alice@example.com", password="...")

        Raises:
            InvalidInputError: a malformed URL or email, or an empty password.
        """
        secret = validation.Hidden(password)
        del password  # a traceback that shows locals must not show it
        self._configure(accounting_url, email, secret)

    def _configure(
        self, accounting_url: str | None, email: str | None, secret: validation.Hidden
    ) -> None:
        url = (
            validation.url(accounting_url, allow_insecure_http=self._allow_insecure_http)
            if accounting_url is not None
            else self._transport.base_url
        )
        email = validation.email(email)
        checked = validation.Hidden(validation.password(secret))
        self._transport.base_url = url
        self._set_credentials(email, checked.value)

    connect_accounting = configure

    def _set_credentials(self, email: str, password: object) -> None:
        secret = validation.Hidden(password)
        del password
        self._email, self._password = email, str(secret.value)
        self._transport.set_basic(email, self._password)

    # -- the seed's operations

    def _register_accounting(
        self,
        email: str,
        password: object,
        organization: str | None,
        idempotency_key: str | None,
    ) -> Flow[UserAccount]:
        key = validation.idempotency_key(idempotency_key)
        secret = validation.Hidden(password)
        del password  # a traceback that shows locals must not show it
        email = validation.email(email)
        if secret.value is not None:
            secret = validation.Hidden(validation.password(secret, new=True))
        organization = validation.optional_text(
            "organization", organization, max_length=validation.MAX_ORGANIZATION_LENGTH
        )
        call = operations.create_user(email, secret.value, organization, key)
        answer = yield from result_of(call)
        user, issued = answer[0], validation.Hidden(answer[1])
        del answer
        self._set_credentials(user.email, issued.value)
        return UserAccount(
            email=user.email,
            password=str(issued.value),
            balance=float(user.balance),
            organization=user.organization,
            user=user,
        )

    def register_accounting(
        self,
        email: str,
        password: str | None = None,
        organization: str | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> UserAccount:
        """Create an account and configure this client with it. Without a password,
        the service generates one: save it, it cannot be recovered.

        >>> account = client.register_accounting("alice@example.com")
        >>> account.password

        `idempotency_key` makes a repeat of this call (after a lost answer) get the
        same account and password instead of `AccountExistsError`.

        Raises:
            AccountExistsError: the email is registered already.
            InvalidInputError: a malformed email, or a password under 8 characters.
            ServiceException: the service is unreachable or failing.
        """
        secret = validation.Hidden(password)
        del password  # a traceback that shows locals must not show it
        return self._run(self._register_accounting(email, secret, organization, idempotency_key))

    @twin(register_accounting)
    async def register_accounting_async(
        self,
        email: str,
        password: str | None = None,
        organization: str | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> UserAccount:
        secret = validation.Hidden(password)
        del password  # a traceback that shows locals must not show it
        return await self._run_async(
            self._register_accounting(email, secret, organization, idempotency_key)
        )

    def _get_account_balance(self) -> Flow[float]:
        user = yield from result_of(operations.get_my_info())
        return float(user.balance)

    def get_account_balance(self) -> float:
        """The current balance in US dollars.

        >>> client.get_account_balance()
        100.0

        Raises:
            AuthenticationError: no or wrong credentials.
            ServiceException: the service is unreachable or failing.
        """
        return self._run(self._get_account_balance())

    @twin(get_account_balance)
    async def get_account_balance_async(self) -> float:
        return await self._run_async(self._get_account_balance())

    _get_account_balance_async = get_account_balance_async

    def _get_account(self) -> Flow[User]:
        return (yield from result_of(operations.get_my_info()))

    def get_account(self) -> User:
        """Your account as the service reports it: id, email, organization, and the
        balance as an exact `Decimal` (`get_account_balance()` gives a float).

        >>> client.get_account().balance
        Decimal('100.25')

        Raises:
            AuthenticationError: no or wrong credentials.
            ServiceException: the service is unreachable or failing.
        """
        return self._run(self._get_account())

    @twin(get_account)
    async def get_account_async(self) -> User:
        return await self._run_async(self._get_account())

    def _get_account_info(self) -> Flow[AccountInfo]:
        recent = operations.list_transactions(limit=HISTORY_IN_INFO)
        if not self._usage_missing:
            try:
                user, usage, page = yield Gather(
                    (operations.get_my_info(), operations.get_usage(), recent)
                )
            except AccountingError as exc:
                if not self._lacks_usage(exc):
                    raise
            else:
                latest = _newest_first(page.transactions, _ALL, user.email)
                return account_summary(user, usage, latest, self.accounting_url)
        # The service has no usage summary: compute it from the whole history.
        user, page = yield Gather((operations.get_my_info(), operations.list_transactions()))
        history = _newest_first(page.transactions, _ALL, user.email)
        return account_summary(user, summarize(history, user.email), history, self.accounting_url)

    async def get_account_info(self) -> AccountInfo:
        """Balance, account id, email, organization and currency, with the usage
        summary (`get_usage()`) and the 10 newest transactions as billing history.
        Fetches the three concurrently; the cost does not grow with the history.

        >>> info = await client.get_account_info()
        >>> info["balance"], info["account_id"], info["usage"]["total_spent"]

        Raises:
            AuthenticationError: no or wrong credentials.
            ServiceException: the service is unreachable or failing.
        """
        return await self._run_async(self._get_account_info())

    @twin(get_account_info)
    def get_account_info_sync(self) -> AccountInfo:
        return self._run(self._get_account_info())

    def _create_transaction_token(
        self,
        recipient_email: str,
        max_amount: Any,
        expires_in: Any,
        idempotency_key: str | None,
    ) -> Flow[str]:
        recipient = validation.email(recipient_email, "recipient_email")
        call = operations.create_token(
            recipient,
            max_amount=validation.optional_amount(max_amount, "max_amount"),
            expires_in=validation.expires_in(expires_in),
            idempotency_key=validation.idempotency_key(idempotency_key),
        )
        token = yield from result_of(call)
        self._transport.remember_secret(token)
        return token

    async def create_transaction_token(
        self,
        recipient_email: str,
        *,
        max_amount: int | float | Decimal | None = None,
        expires_in: int | float | datetime.timedelta | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """A single-use token that lets `recipient_email` charge this account once,
        within 24 hours. Hand it to the service with the request it pays for.
        `max_amount` caps that charge (in US dollars), `expires_in` (seconds or a
        timedelta, at most 24 hours) shortens the token's life; both are signed into
        the token, so its holder cannot change them.

        >>> token = await client.create_transaction_token("ai-service@example.com")
        >>> token = await client.create_transaction_token(
        ...     "ai-service@example.com", max_amount=Decimal("0.50"), expires_in=600)

        Raises:
            NotFoundError: the recipient has no account.
            AuthenticationError: no or wrong credentials.
            InvalidInputError: a malformed email, limit or key.
        """
        return await self._run_async(
            self._create_transaction_token(recipient_email, max_amount, expires_in, idempotency_key)
        )

    @twin(create_transaction_token)
    def create_transaction_token_sync(
        self,
        recipient_email: str,
        *,
        max_amount: int | float | Decimal | None = None,
        expires_in: int | float | datetime.timedelta | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        return self._run(
            self._create_transaction_token(recipient_email, max_amount, expires_in, idempotency_key)
        )

    def _check_credentials(self) -> Flow[CredentialCheck]:
        if not self.is_configured():
            return CredentialCheck(
                CredentialStatus.NOT_CONFIGURED,
                "No credentials are configured: call configure() or register_accounting().",
            )
        try:
            user = yield from result_of(operations.get_my_info())
        except AuthenticationError as exc:
            return CredentialCheck(CredentialStatus.INVALID, exc.message, error=exc)
        except AccountingError as exc:
            return CredentialCheck(CredentialStatus.UNREACHABLE, exc.message, error=exc)
        return CredentialCheck(
            CredentialStatus.VALID, f"Authenticated as {user.email}.", account=user
        )

    def check_credentials(self) -> CredentialCheck:
        """Ask the service whether the credentials work. The status is `VALID`,
        `INVALID`, `NOT_CONFIGURED` or `UNREACHABLE`, with the reason, so an outage
        never looks like a wrong password. A valid check carries the `account` (with
        its exact balance), a failed one the `error`. Never raises for a failed check.

        >>> check = client.check_credentials()
        >>> check.status, check.reason
        """
        return self._run(self._check_credentials())

    @twin(check_credentials)
    async def check_credentials_async(self) -> CredentialCheck:
        return await self._run_async(self._check_credentials())

    def _validate_credentials(self) -> Flow[bool]:
        check = yield from self._check_credentials()
        return check.ok

    async def validate_credentials(self) -> bool:
        """True if the service accepts the credentials; False if they are wrong, not
        configured, or the service cannot be reached (see `check_credentials()` for
        which).

        >>> await client.validate_credentials()
        True
        """
        return await self._run_async(self._validate_credentials())

    @twin(validate_credentials)
    def validate_credentials_sync(self) -> bool:
        return self._run(self._validate_credentials())

    # -- credentials storage and discovery (no network)

    def save_credentials(self, filepath: str | None = None) -> None:
        """Save the credentials, password encrypted, to ``~/.syftbox/accounting.json``
        or `filepath`. Call it only with the user's consent. The file is 0600 from
        the moment it exists, written atomically; the key lives apart from it
        (``SYFTBOX_ACCOUNTING_KEY``, or ``accounting.key`` beside the file).

        Raises:
            AuthenticationError: no credentials are configured.
            InvalidInputError: `filepath` is not a path to a file.
        """
        path = validation.filepath(filepath)
        if self._email is None or self._password is None:
            raise AuthenticationError(
                "There are no credentials to save:",
                hint="call configure(email=..., password=...) or register_accounting(...) first.",
                hint_key=errors.NOT_CONFIGURED,
            )
        creds.save(
            creds.Credentials(
                self.accounting_url,
                self._email,
                self._password,
                allow_insecure_http=self._allow_insecure_http,
            ),
            path,
        )

    @classmethod
    def load_from_config(cls, filepath: str | None = None) -> AccountingClient:
        """A client with the credentials saved by `save_credentials()`.

        Raises:
            AuthenticationError: the file is missing, corrupt or tampered with, or the
                key is wrong; the message names the file and what to do.
            InvalidInputError: `filepath` is not a path to a file.
        """
        path = validation.filepath(filepath)
        found = creds.load(path)
        where = f"the credentials file {creds.config_path(path)}"
        return cls._from(where, found.url, found.email, found.password, found.allow_insecure_http)

    @classmethod
    def from_environment(cls, *, allow_insecure_http: bool | None = None) -> AccountingClient:
        """A client with credentials from ``SYFTBOX_ACCOUNTING_EMAIL``,
        ``SYFTBOX_ACCOUNTING_PASSWORD`` and, optionally, ``SYFTBOX_ACCOUNTING_URL``.
        `allow_insecure_http` (or ``SYFTBOX_ACCOUNTING_ALLOW_INSECURE_HTTP=1``) allows a
        plain http:// URL to a host that is not loopback, e.g. ``http://accounting:8000``.

        Raises:
            AuthenticationError: a variable is missing or malformed; the message names
                the variables.
        """
        found = creds.from_environment()
        if found is None:
            raise AuthenticationError(
                f"Set {ENV_EMAIL} and {ENV_PASSWORD} (and optionally {ENV_URL}) to configure "
                "accounting from the environment.",
                hint_key=errors.NOT_CONFIGURED,
            )
        return cls._from("environment", found.url, found.email, found.password, allow_insecure_http)

    @classmethod
    def setup_accounting_discovery(
        cls, *, allow_insecure_http: bool | None = None
    ) -> tuple[AccountingClient, bool]:
        """Find credentials: the config file first, then the environment. Returns the
        client and whether it is configured. A corrupt config file is skipped with a
        warning that names it. `allow_insecure_http` as in `from_environment()`.

        Raises:
            AuthenticationError: only one of the email and password variables is set,
                or the credentials found are malformed; the message names their source.
        """
        found, source = creds.discover()
        if found is None:
            url = creds.resolve_url()
            return cls._from("environment", url, allow_insecure_http=allow_insecure_http), False
        insecure = allow_insecure_http
        if insecure is None and found.allow_insecure_http:
            insecure = True  # saved with the file
        client = cls._from(source, found.url, found.email, found.password, insecure)
        return client, client.is_configured()

    @classmethod
    def _from(
        cls,
        source: str,
        url: str | None,
        email: str | None = None,
        password: str | None = None,
        allow_insecure_http: bool | None = None,
    ) -> AccountingClient:
        """A client with found credentials; a malformed value is an
        `AuthenticationError` naming where it came from (a file, or the environment)."""
        try:
            return cls(url, email, password, allow_insecure_http=allow_insecure_http)
        except InvalidInputError as exc:
            where = (
                f"the environment ({ENV_EMAIL}, {ENV_PASSWORD}, {ENV_URL})"
                if source == "environment"
                else source
            )
            if exc.hint_key == errors.INSECURE_HTTP and source == "environment":
                raise AuthenticationError(
                    f"The URL from {where} cannot be used: {exc.summary}",
                    hint=exc.hint,
                    hint_key=errors.INSECURE_HTTP,
                ) from None
            raise AuthenticationError(
                f"The credentials from {where} cannot be used: {exc.message}",
                hint="Correct them there, or configure the client and call save_credentials() "
                "again.",
                hint_key=errors.CREDENTIALS_FILE,
            ) from None

    # -- display (the balance is fetched only by show())

    def _snapshot(self, balance: str) -> display.Snapshot:
        return display.Snapshot(
            url=self.accounting_url,
            email=self._email,
            configured=self.is_configured(),
            balance=balance,
        )

    def show(self) -> None:
        """Show account details, balance, service URL and common operations: as HTML
        in Jupyter, as text elsewhere. Fetches the balance with a short timeout and
        shows "unavailable" if that fails; never raises, never shows the password."""
        balance = "not configured"
        status = hint = None
        if self.is_configured():
            try:
                value = self._transport.send(
                    operations.get_my_info(),
                    "show",
                    timeout=SHOW_TIMEOUT,
                    max_retries=0,
                    deadline=SHOW_TIMEOUT,
                )
                balance = display.money(value.balance)
            except AuthenticationError:
                balance, status = "unavailable", "credentials refused"
                hint = (
                    "The service refused this email and password: configure the right ones "
                    'with configure(email="...", password="..."), or register_accounting(...).'
                )
            except AccountingError as exc:
                balance = f"unavailable ({exc.status_code or 'no answer'})"
                status, hint = "service unavailable", exc.hint
        display.show(dataclasses.replace(self._snapshot(balance), status=status, hint=hint))

    def __repr__(self) -> str:
        return display.text(self._snapshot("not fetched: call show()"))

    def _repr_html_(self) -> str:
        return display.html(self._snapshot("not fetched: call show()"))

    # -- both sides of a payment

    def _charge(
        self,
        sender_email: str,
        amount: Any,
        token: object,
        app_name: str | None,
        endpoint: str | None,
        confirm: bool,
        idempotency_key: str | None,
    ) -> Flow[Transaction]:
        secret = validation.Hidden(token)
        del token  # a traceback that shows locals must not show it
        confirm = validation.flag("confirm", confirm)
        key = _flow_key(idempotency_key, confirm)
        with _reported_as(key):
            pending = yield from result_of(
                operations.create_transaction(
                    sender_email=validation.email(sender_email, "sender_email"),
                    recipient_email=self.get_email(),
                    amount=validation.amount(amount),
                    token=validation.token(secret),
                    app_name=_app_name(app_name),
                    endpoint=_endpoint(endpoint),
                    idempotency_key=key,
                )
            )
            if not confirm:
                return pending
            assert key is not None
            return (yield from _confirm_or_cancel(pending, key))

    def charge(
        self,
        sender_email: str,
        amount: int | float | Decimal,
        token: str,
        *,
        app_name: str | None = None,
        endpoint: str | None = None,
        confirm: bool = False,
        idempotency_key: str | None = None,
    ) -> Transaction:
        """As a service: charge `sender_email` `amount` dollars with the token they
        gave you. Returns the PENDING transaction; call `confirm_transaction()` once
        the work is delivered, or `cancel_transaction()` if it failed (or use
        `charging()`, which does that for you). With ``confirm=True`` the charge is
        confirmed at once (and cancelled if confirming fails, as `transfer()` does).
        Pass `idempotency_key` (e.g. the id of the job you charge for) to make a
        repeat of this call, even from another process, charge only once.

        >>> tx = service.charge("alice@example.com", "0.25", token, app_name="summarizer")

        Raises:
            PaymentError: the token is invalid, expired, spent, not for you, or its
                limit is below `amount`.
            InsufficientFundsError: the payer's balance is too low.
            NotFoundError: the payer has no account.
            InvalidInputError: a malformed email, amount, token or key.
        """
        secret = validation.Hidden(token)
        del token  # a traceback that shows locals must not show it
        return self._run(
            self._charge(sender_email, amount, secret, app_name, endpoint, confirm, idempotency_key)
        )

    @twin(charge)
    async def charge_async(
        self,
        sender_email: str,
        amount: int | float | Decimal,
        token: str,
        *,
        app_name: str | None = None,
        endpoint: str | None = None,
        confirm: bool = False,
        idempotency_key: str | None = None,
    ) -> Transaction:
        secret = validation.Hidden(token)
        del token  # a traceback that shows locals must not show it
        return await self._run_async(
            self._charge(sender_email, amount, secret, app_name, endpoint, confirm, idempotency_key)
        )

    def _confirm_transaction(
        self, transaction_id: str, idempotency_key: str | None
    ) -> Flow[Transaction]:
        tx_id = validation.transaction_id(transaction_id)
        key = validation.idempotency_key(idempotency_key)
        return (yield from result_of(operations.confirm_transaction(tx_id, key)))

    def confirm_transaction(
        self, transaction_id: str, *, idempotency_key: str | None = None
    ) -> Transaction:
        """Complete a pending transaction you created: the money moves now.

        Raises:
            PaymentError: it was confirmed or cancelled before.
            InsufficientFundsError: the sender can no longer pay.
            NotFoundError: no such transaction of yours.
            AuthenticationError: you are not the one who may confirm it.
        """
        return self._run(self._confirm_transaction(transaction_id, idempotency_key))

    @twin(confirm_transaction)
    async def confirm_transaction_async(
        self, transaction_id: str, *, idempotency_key: str | None = None
    ) -> Transaction:
        return await self._run_async(self._confirm_transaction(transaction_id, idempotency_key))

    def _cancel_transaction(
        self, transaction_id: str, idempotency_key: str | None
    ) -> Flow[Transaction]:
        tx_id = validation.transaction_id(transaction_id)
        key = validation.idempotency_key(idempotency_key)
        return (yield from result_of(operations.cancel_transaction(tx_id, key)))

    def cancel_transaction(
        self, transaction_id: str, *, idempotency_key: str | None = None
    ) -> Transaction:
        """Cancel a pending transaction you created: no money moves. A token spent on
        it stays spent.

        Raises:
            PaymentError: it was confirmed or cancelled before.
            NotFoundError: no such transaction of yours.
            AuthenticationError: you are not the one who may cancel it.
        """
        return self._run(self._cancel_transaction(transaction_id, idempotency_key))

    @twin(cancel_transaction)
    async def cancel_transaction_async(
        self, transaction_id: str, *, idempotency_key: str | None = None
    ) -> Transaction:
        return await self._run_async(self._cancel_transaction(transaction_id, idempotency_key))

    @contextlib.contextmanager
    def charging(
        self,
        sender_email: str,
        amount: int | float | Decimal,
        token: str,
        *,
        app_name: str | None = None,
        endpoint: str | None = None,
        idempotency_key: str | None = None,
    ) -> Iterator[Payment]:
        """Charge for work only when it is delivered: confirms on a clean exit,
        cancels if the block raises. If cancelling fails too, the block's exception
        is raised with the cancel failure attached as a note. If confirming fails,
        the charge stays pending (the work was done) and the error says so; when the
        outcome of the confirmation is unknown and the service honours idempotency
        keys, it is confirmed again with the same key first.

        >>> with accounting.charging(payer, 0.25, token, app_name="summarizer") as payment:
        ...     result = do_the_work()
        >>> payment.transaction.status
        <TransactionStatus.COMPLETED: 'COMPLETED'>

        Raises:
            the errors of `charge()` on entry, of `confirm_transaction()` on exit.
        """
        key = validation.idempotency_key(idempotency_key) or operations.new_key()
        payment = Payment(
            self.charge(
                sender_email,
                amount,
                token,
                app_name=app_name,
                endpoint=endpoint,
                idempotency_key=key,
            )
        )
        try:
            yield payment
        except BaseException as exc:
            _settle(exc, payment, _attempt(lambda: self._run(_cancel_transaction(payment, key))))
            raise
        payment.transaction = self._run(_confirm_transaction(payment, key))

    @twin(charging)
    @contextlib.asynccontextmanager
    async def charging_async(
        self,
        sender_email: str,
        amount: int | float | Decimal,
        token: str,
        *,
        app_name: str | None = None,
        endpoint: str | None = None,
        idempotency_key: str | None = None,
    ) -> AsyncIterator[Payment]:
        key = validation.idempotency_key(idempotency_key) or operations.new_key()
        payment = Payment(
            await self.charge_async(
                sender_email,
                amount,
                token,
                app_name=app_name,
                endpoint=endpoint,
                idempotency_key=key,
            )
        )
        try:
            yield payment
        except BaseException as exc:
            import anyio  # only async programs pay for loading it

            # Even when the block was cancelled, the charge must not stay pending.
            with anyio.CancelScope(shield=True):
                outcome = await _attempt_async(self._run_async(_cancel_transaction(payment, key)))
            _settle(exc, payment, outcome)
            raise
        payment.transaction = await self._run_async(_confirm_transaction(payment, key))

    def _create_transaction(
        self,
        recipient_email: str,
        amount: Any,
        app_name: str | None,
        endpoint: str | None,
        idempotency_key: str | None,
    ) -> Flow[Transaction]:
        call = operations.create_transaction(
            sender_email=self.get_email(),
            recipient_email=validation.email(recipient_email, "recipient_email"),
            amount=validation.amount(amount),
            app_name=_app_name(app_name),
            endpoint=_endpoint(endpoint),
            idempotency_key=validation.idempotency_key(idempotency_key),
        )
        return (yield from result_of(call))

    def create_transaction(
        self,
        recipient_email: str,
        amount: int | float | Decimal,
        *,
        app_name: str | None = None,
        endpoint: str | None = None,
        idempotency_key: str | None = None,
    ) -> Transaction:
        """As a payer: create a PENDING direct payment to `recipient_email`; no money
        moves until you `confirm_transaction()` it.

        Raises:
            InsufficientFundsError: your balance does not cover `amount`.
            NotFoundError: the recipient has no account.
            InvalidInputError: a malformed email, amount or key.
        """
        return self._run(
            self._create_transaction(recipient_email, amount, app_name, endpoint, idempotency_key)
        )

    @twin(create_transaction)
    async def create_transaction_async(
        self,
        recipient_email: str,
        amount: int | float | Decimal,
        *,
        app_name: str | None = None,
        endpoint: str | None = None,
        idempotency_key: str | None = None,
    ) -> Transaction:
        return await self._run_async(
            self._create_transaction(recipient_email, amount, app_name, endpoint, idempotency_key)
        )

    def _transfer(
        self,
        recipient_email: str,
        amount: Any,
        app_name: str | None,
        endpoint: str | None,
        idempotency_key: str | None,
    ) -> Flow[Transaction]:
        key = _flow_key(idempotency_key, True)
        assert key is not None
        with _reported_as(key):
            pending = yield from self._create_transaction(
                recipient_email, amount, app_name, endpoint, key
            )
            return (yield from _confirm_or_cancel(pending, key))

    def transfer(
        self,
        recipient_email: str,
        amount: int | float | Decimal,
        *,
        app_name: str | None = None,
        endpoint: str | None = None,
        idempotency_key: str | None = None,
    ) -> Transaction:
        """As a payer: pay `recipient_email` `amount` dollars now (created and
        confirmed). Returns the COMPLETED transaction. If confirming fails, the
        pending transaction is cancelled and the error says so; when the outcome of
        the confirmation is unknown and the service honours idempotency keys, it is
        confirmed again with the same key instead. Repeating a transfer with the
        same `idempotency_key` pays once.

        >>> client.transfer("bob@example.com", 10)

        Raises:
            InsufficientFundsError: your balance does not cover `amount`.
            NotFoundError: the recipient has no account.
            InvalidInputError: a malformed email, amount or key.
        """
        return self._run(
            self._transfer(recipient_email, amount, app_name, endpoint, idempotency_key)
        )

    @twin(transfer)
    async def transfer_async(
        self,
        recipient_email: str,
        amount: int | float | Decimal,
        *,
        app_name: str | None = None,
        endpoint: str | None = None,
        idempotency_key: str | None = None,
    ) -> Transaction:
        return await self._run_async(
            self._transfer(recipient_email, amount, app_name, endpoint, idempotency_key)
        )

    def _get_transaction_history(
        self, limit: int | None, filters: operations.HistoryFilter
    ) -> Flow[list[Transaction]]:
        me = self._email or ""  # for filtering an answer the service did not filter
        found: list[Transaction] = []
        cursor: str | None = None
        while True:
            size = None if limit is None else min(validation.MAX_PAGE_SIZE, limit - len(found))
            page = yield from result_of(
                operations.list_transactions(filters, limit=size, cursor=cursor)
            )
            if not page.paged:  # a service without pages sent everything, unfiltered
                return _newest_first(page.transactions, filters, me)[:limit]
            found += page.transactions
            if limit is None:  # the answer holds them all: a cursor would mean nothing
                return _newest_first(found, filters, me)
            if len(found) >= limit or _last_page(page, cursor):
                return found
            cursor = page.next_cursor

    def get_transaction_history(
        self,
        limit: int | None = None,
        *,
        status: TransactionStatus | str | None = None,
        created_after: datetime.datetime | None = None,
        created_before: datetime.datetime | None = None,
        counterparty: str | None = None,
    ) -> list[Transaction]:
        """Your transactions, sent or received, newest first: all of them, or the
        newest `limit` (1 to 10,000, asked of the service page by page). Filters:
        `status`, created at or after `created_after` and before `created_before`
        (aware datetimes), and `counterparty` (the other party's email). For long
        histories, `iter_transactions()` walks them page by page.

        >>> client.get_transaction_history(10, status="PENDING")

        Raises:
            InvalidInputError: a limit out of range, a naive datetime, a bad email.
            AuthenticationError: no or wrong credentials.
        """
        return self._run(
            self._get_transaction_history(
                _limit(limit), _filters(status, created_after, created_before, counterparty)
            )
        )

    @twin(get_transaction_history)
    async def get_transaction_history_async(
        self,
        limit: int | None = None,
        *,
        status: TransactionStatus | str | None = None,
        created_after: datetime.datetime | None = None,
        created_before: datetime.datetime | None = None,
        counterparty: str | None = None,
    ) -> list[Transaction]:
        return await self._run_async(
            self._get_transaction_history(
                _limit(limit), _filters(status, created_after, created_before, counterparty)
            )
        )

    def _iter_transactions(
        self, filters: operations.HistoryFilter, page_size: int, cursor: str | None
    ) -> Flow[operations.Page]:
        page = yield from result_of(
            operations.list_transactions(filters, limit=page_size, cursor=cursor)
        )
        if page.paged:
            return page
        # A service without pages sent everything: one last page, filtered here.
        return operations.Page(
            _newest_first(page.transactions, filters, self._email or ""), None, False
        )

    def iter_transactions(
        self,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        status: TransactionStatus | str | None = None,
        created_after: datetime.datetime | None = None,
        created_before: datetime.datetime | None = None,
        counterparty: str | None = None,
    ) -> Iterator[Transaction]:
        """Every transaction of yours that matches the filters (as in
        `get_transaction_history()`), newest first, fetched lazily `page_size` (1 to
        1,000) at a time: memory holds one page. Transactions created during the walk
        are not included; none is skipped or repeated.

        >>> for tx in client.iter_transactions(status="COMPLETED"):
        ...     total += tx.amount

        Raises:
            InvalidInputError: at once, for a bad page size or filter.
            AccountingError: while iterating, as `get_transaction_history()`.
        """
        size = validation.count(page_size, "page_size", maximum=validation.MAX_PAGE_SIZE)
        filters = _filters(status, created_after, created_before, counterparty)

        def pages() -> Iterator[Transaction]:
            cursor: str | None = None
            while True:
                page = self._run(self._iter_transactions(filters, size, cursor))
                yield from page.transactions
                if _last_page(page, cursor):
                    return
                cursor = page.next_cursor

        return pages()

    @twin(iter_transactions)
    def iter_transactions_async(
        self,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        status: TransactionStatus | str | None = None,
        created_after: datetime.datetime | None = None,
        created_before: datetime.datetime | None = None,
        counterparty: str | None = None,
    ) -> AsyncIterator[Transaction]:
        size = validation.count(page_size, "page_size", maximum=validation.MAX_PAGE_SIZE)
        filters = _filters(status, created_after, created_before, counterparty)

        async def pages() -> AsyncIterator[Transaction]:
            cursor: str | None = None
            while True:
                page = await self._run_async(self._iter_transactions(filters, size, cursor))
                for tx in page.transactions:
                    yield tx
                if _last_page(page, cursor):
                    return
                cursor = page.next_cursor

        return pages()

    def _get_transaction(self, transaction_id: str) -> Flow[Transaction]:
        tx_id = validation.transaction_id(transaction_id)
        return (yield from result_of(operations.get_transaction(tx_id)))

    def get_transaction(self, transaction_id: str) -> Transaction:
        """One of your transactions, by the id an answer, an error or a webhook gave you.

        >>> client.get_transaction("5b1e7c9a-2d3f-4e5a-8b6c-7d8e9f0a1b2c").status

        Raises:
            NotFoundError: no such transaction of yours.
            AuthenticationError: no or wrong credentials.
        """
        return self._run(self._get_transaction(transaction_id))

    @twin(get_transaction)
    async def get_transaction_async(self, transaction_id: str) -> Transaction:
        return await self._run_async(self._get_transaction(transaction_id))

    def _get_usage(
        self, created_after: datetime.datetime | None, created_before: datetime.datetime | None
    ) -> Flow[Usage]:
        after, before = validation.window(created_after, created_before)
        if not self._usage_missing:
            try:
                return (yield from result_of(operations.get_usage(after, before)))
            except AccountingError as exc:
                if not self._lacks_usage(exc):
                    raise
        window = operations.HistoryFilter(created_after=after, created_before=before)
        page = yield from result_of(operations.list_transactions(window))
        me = self._email or ""
        return summarize(_newest_first(page.transactions, window, me), me)

    def get_usage(
        self,
        *,
        created_after: datetime.datetime | None = None,
        created_before: datetime.datetime | None = None,
    ) -> Usage:
        """Counts and totals over your transactions, computed exactly by the service,
        optionally over a window (aware datetimes). Against a service without
        ``GET /user/usage``, computed here from the full history.

        >>> client.get_usage().total_spent
        Decimal('12.75')

        Raises:
            InvalidInputError: a naive datetime, or a window that ends before it starts.
            AuthenticationError: no or wrong credentials.
        """
        return self._run(self._get_usage(created_after, created_before))

    @twin(get_usage)
    async def get_usage_async(
        self,
        *,
        created_after: datetime.datetime | None = None,
        created_before: datetime.datetime | None = None,
    ) -> Usage:
        return await self._run_async(self._get_usage(created_after, created_before))

    def _lacks_usage(self, exc: AccountingError) -> bool:
        """True (once, with a log line) when `exc` says the service has no usage path."""
        if exc.status_code != 404 or exc.path != _USAGE_PATH:
            return False
        if not self._usage_missing:
            self._usage_missing = True
            log.info(
                "%s has no GET %s: this client computes usage from the full transaction "
                "history from now on",
                self.accounting_url,
                _USAGE_PATH,
            )
        return True

    def _update_password(
        self, old_password: object, new_password: object, idempotency_key: str | None
    ) -> Flow[User]:
        old, new = validation.Hidden(old_password), validation.Hidden(new_password)
        del old_password, new_password  # a traceback that shows locals must not show them
        old = validation.Hidden(validation.password(old, "old_password"))
        new = validation.Hidden(validation.password(new, "new_password", new=True))
        key = validation.idempotency_key(idempotency_key)
        user = yield from result_of(operations.update_password(str(old.value), str(new.value), key))
        self._set_credentials(user.email, new)
        return user

    def update_password(
        self, old_password: str, new_password: str, *, idempotency_key: str | None = None
    ) -> User:
        """Change the password; this client uses the new one from then on. Saved
        credentials are not rewritten: call `save_credentials()` again.

        Raises:
            AuthenticationError: `old_password` or the configured password is wrong.
            InvalidInputError: a new password under 8 characters.
        """
        old, new = validation.Hidden(old_password), validation.Hidden(new_password)
        del old_password, new_password  # a traceback that shows locals must not show them
        return self._run(self._update_password(old, new, idempotency_key))

    @twin(update_password)
    async def update_password_async(
        self, old_password: str, new_password: str, *, idempotency_key: str | None = None
    ) -> User:
        old, new = validation.Hidden(old_password), validation.Hidden(new_password)
        del old_password, new_password  # a traceback that shows locals must not show them
        return await self._run_async(self._update_password(old, new, idempotency_key))

    def _update_organization(self, organization: str | None) -> Flow[User]:
        org = validation.optional_text(
            "organization", organization, max_length=validation.MAX_ORGANIZATION_LENGTH
        )
        return (yield from result_of(operations.update_organization(org)))

    def update_organization(self, organization: str | None) -> User:
        """Set your organization, or clear it with None."""
        return self._run(self._update_organization(organization))

    @twin(update_organization)
    async def update_organization_async(self, organization: str | None) -> User:
        return await self._run_async(self._update_organization(organization))


def _flow_key(key: str | None, steps: bool) -> str | None:
    """The key of a money-moving call: the caller's, else a fresh one when the call has
    several steps (each step's key derives from it, see `operations.step_key`)."""
    key = validation.idempotency_key(key)
    return operations.new_key() if key is None and steps else key


@contextlib.contextmanager
def _reported_as(key: str | None) -> Iterator[None]:
    """Errors of a multi-step call carry the key that repeats the whole call."""
    try:
        yield
    except AccountingError as exc:
        if key is not None:
            exc.idempotency_key = key
        raise


def _confirm_retrying(transaction_id: str, key: str) -> Flow[Transaction]:
    """Confirm with `key`; when the outcome is unknown and the service honours keys
    (the transport's retries spent), confirm once more with the same key."""
    call = operations.confirm_transaction(transaction_id, key)
    try:
        return (yield from result_of(call))
    except AccountingError as exc:
        if exc.hint_key != errors.RETRY_WITH_KEY:
            raise
    return (yield from result_of(call))


# `charging()`'s steps, named after the methods whose work they do (errors name
# the operation after the flow).


def _confirm_transaction(payment: Payment, key: str) -> Flow[Transaction]:
    """Confirm a charge made with `key` (again, with the same key, when the outcome is
    unknown and the service honours keys); on failure the charge stays pending."""
    try:
        with _reported_as(key):
            confirmed = yield from _confirm_retrying(
                payment.id, operations.step_key(key, "confirm")
            )
    except AccountingError as exc:
        _still_pending(exc, payment)
        raise
    return confirmed


def _cancel_transaction(payment: Payment, key: str) -> Flow[Transaction]:
    call = operations.cancel_transaction(payment.id, operations.step_key(key, "cancel"))
    return (yield from result_of(call))


def _confirm_or_cancel(pending: Transaction, key: str) -> Flow[Transaction]:
    """Confirm `pending` now; if that fails, cancel it, so that nothing stays pending
    (cancelling one whose confirmation did land fails harmlessly: "already resolved").
    A confirmation whose outcome stays unknown at a service that honours keys is not
    cancelled: repeating the whole call with `key` finishes it."""
    try:
        return (yield from _confirm_retrying(pending.id, operations.step_key(key, "confirm")))
    except (KeyboardInterrupt, SystemExit) as exc:
        # No request after an interrupt (the user wants it to stop, and the service
        # may be what hangs): the confirm may or may not have landed, so name the
        # transaction and let the caller resolve it (cancelling a completed one
        # fails harmlessly).
        exc.pending_transaction = pending  # type: ignore[union-attr]
        exc.add_note(
            f"Transaction {pending.id} may be left PENDING (interrupted while confirming "
            f"it): cancel_transaction({pending.id!r}) or confirm_transaction({pending.id!r})."
        )
        raise
    except AccountingError as exc:
        if exc.hint_key == errors.RETRY_WITH_KEY:
            exc.add_note(
                f"Transaction {pending.id} may be pending still; repeating the call with "
                f"idempotency_key={key!r} confirms it once."
            )
            raise
        try:
            yield operations.cancel_transaction(pending.id, operations.step_key(key, "cancel"))
        except AccountingError as cancel_exc:
            exc.add_note(f"Cancelling transaction {pending.id} failed too: {cancel_exc}")
        else:
            exc.add_note(f"Transaction {pending.id} was cancelled; no money moved.")
        raise


def _app_name(value: str | None) -> str | None:
    return validation.optional_text("app_name", value, max_length=validation.MAX_APP_NAME_LENGTH)


def _endpoint(value: str | None) -> str | None:
    return validation.optional_text("endpoint", value, max_length=validation.MAX_ENDPOINT_LENGTH)


def _attempt(cancel: Callable[[], Transaction]) -> Transaction | AccountingError:
    try:
        return cancel()
    except AccountingError as exc:
        return exc


async def _attempt_async(cancel: Awaitable[Transaction]) -> Transaction | AccountingError:
    try:
        return await cancel
    except AccountingError as exc:
        return exc


def _settle(exc: BaseException, payment: Payment, cancelled: Transaction | AccountingError) -> None:
    """Record the cancel that followed `exc`; if it failed, keep both errors visible."""
    if isinstance(cancelled, AccountingError):
        exc.add_note(f"Cancelling transaction {payment.id} failed too: {cancelled}")
    else:
        payment.transaction = cancelled


def _still_pending(exc: AccountingError, payment: Payment) -> None:
    """Say what became of a charge whose confirmation failed after the work was done."""
    exc.add_note(
        f"The charge {payment.id} stays pending, since the work was delivered: retry "
        f"confirm_transaction({payment.id!r}) later, or cancel_transaction() it; do not "
        "charge again."
    )


def _limit(value: object) -> int | None:
    if value is None:
        return None
    return validation.count(value, "limit", maximum=validation.MAX_HISTORY_LIMIT)


def _filters(
    status: object, created_after: object, created_before: object, counterparty: object
) -> operations.HistoryFilter:
    after, before = validation.window(created_after, created_before)
    return operations.HistoryFilter(
        status=validation.status(status),
        created_after=after,
        created_before=before,
        counterparty=None
        if counterparty is None
        else validation.email(counterparty, "counterparty"),
    )


def _last_page(page: operations.Page, cursor: str | None) -> bool:
    """True when there is no next page to ask for. A service that answers an empty
    page, or the very cursor it was given, with a next cursor would keep a walk going
    forever: that is the end too."""
    return page.next_cursor is None or not page.transactions or page.next_cursor == cursor


def _newest_first(
    transactions: list[Transaction], filters: operations.HistoryFilter, me: str
) -> list[Transaction]:
    """`transactions` that match `filters`, newest first (what the service does, for
    an answer from a service that does not)."""
    kept = [tx for tx in transactions if filters.matches(tx, me)]
    return sorted(kept, key=lambda t: t.created_at, reverse=True)


def summarize(history: list[Transaction], me: str) -> Usage:
    """The usage summary of `history`, by the contract's rules (`GET /user/usage`):
    for a service that does not compute it."""
    mine = me.casefold()
    spent = received = pending = Decimal(0)
    pending_count = 0
    for tx in history:
        sent = tx.sender_email.casefold() == mine
        to_me = tx.recipient_email.casefold() == mine
        if tx.status is TransactionStatus.PENDING:
            pending_count += 1
            if sent:
                pending += tx.amount
        elif tx.status is TransactionStatus.COMPLETED:
            if sent and not to_me:
                spent += tx.amount
            elif to_me:
                received += tx.amount
    times = [tx.created_at for tx in history]
    return Usage(
        transaction_count=len(history),
        total_spent=spent,
        total_received=received,
        pending_count=pending_count,
        pending_amount=pending,
        first_transaction_at=min(times, default=None),
        last_transaction_at=max(times, default=None),
    )


def account_summary(user: User, usage: Usage, recent: list[Transaction], url: str) -> AccountInfo:
    """The `get_account_info()` dict: the account, the usage summary and the billing
    history (newest first), reported as floats."""
    return {
        "balance": float(user.balance),
        "account_id": user.id,
        "email": user.email,
        "organization": user.organization,
        "currency": "USD",
        "service_url": url,
        "usage": usage.as_dict(),
        "billing_history": [tx.as_dict() for tx in recent[:HISTORY_IN_INFO]],
    }
