"""The configured user that every area of `AccountingClient` builds on: the service's
URL, the email, the password and the API key, and where they are saved and found. No
network."""

from __future__ import annotations

import logging
import os
from decimal import Decimal
from typing import TYPE_CHECKING, Self

import httpx

# For `syftbox_accounting.Budget` in the signature: resolved on first use, so that
# loading the client never loads the budget module (see payments.py).
import syftbox_accounting
from syftbox_accounting import errors, operations, settings, validation
from syftbox_accounting._lazy import lazy_module
from syftbox_accounting.defaults import ENV_API_KEY, ENV_EMAIL, ENV_PASSWORD, ENV_URL
from syftbox_accounting.errors import AuthenticationError, InvalidInputError
from syftbox_accounting.hooks import HooksArg
from syftbox_accounting.service_client import UNCHANGED, ServiceClient, Unchanged
from syftbox_accounting.transport import DEFAULT_MAX_RESPONSE_BYTES, Flow, RetryPolicy, result_of
from syftbox_accounting.types import User
from syftbox_accounting.validation import hides

if TYPE_CHECKING:
    from syftbox_accounting.flows import Local
    from syftbox_accounting.http402.budget import Budget
    from syftbox_accounting.types import Transaction

if TYPE_CHECKING:
    from syftbox_accounting import credentials as creds
else:
    # Loaded on first use: importing the client does not pay for it.
    creds = lazy_module("syftbox_accounting.credentials")

log = logging.getLogger("syftbox_accounting")


class UserBase(ServiceClient):
    """A client of the accounting service that acts as one user: holds the URL and
    the credentials, saves them and finds them again. The areas (account, payments,
    history) add the operations; `AccountingClient` is all of them."""

    @hides("password", "api_key")
    def __init__(
        self,
        accounting_url: str | None = None,
        email: str | None = None,
        password: str | None = None,
        *,
        api_key: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        allow_insecure_http: bool | None = None,
        http_client: httpx.Client | None = None,
        async_http_client: httpx.AsyncClient | None = None,
        retry_policy: RetryPolicy | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        deadline: float | None = None,
        budget: syftbox_accounting.Budget | None = None,
        hooks: HooksArg | None = None,
    ) -> None:
        from_env = accounting_url is None and bool(os.environ.get(ENV_URL))
        super().__init__(
            creds.resolve_url() if accounting_url is None else accounting_url,
            url_name=ENV_URL if from_env else None,
            timeout=timeout,
            max_retries=max_retries,
            allow_insecure_http=allow_insecure_http,
            http_client=http_client,
            async_http_client=async_http_client,
            retry_policy=retry_policy,
            max_response_bytes=max_response_bytes,
            deadline=deadline,
            hooks=hooks,
        )
        self._options["budget"] = _checked_budget(budget)
        self._email: str | None = None
        self._password: str | None = None
        self._api_key: str | None = None
        secret, key = validation.Hidden(password), validation.Hidden(api_key)
        del password, api_key  # a traceback that shows locals must not show them
        if email is not None or secret.value is not None or key.value is not None:
            self._configure(None, email, secret, key)

    def with_options(
        self,
        *,
        timeout: float | Unchanged | None = UNCHANGED,
        max_retries: int | Unchanged | None = UNCHANGED,
        retry_policy: RetryPolicy | Unchanged | None = UNCHANGED,
        max_response_bytes: int | Unchanged = UNCHANGED,
        deadline: float | Unchanged | None = UNCHANGED,
        hooks: HooksArg | Unchanged | None = UNCHANGED,
        budget: syftbox_accounting.Budget | Unchanged | None = UNCHANGED,
    ) -> Self:
        """A copy of this client with some constructor options changed, e.g.
        ``client.with_options(timeout=2, max_retries=0).check_credentials()`` or
        ``client.with_options(budget=Budget(per_call="0.10"))``. Options left out keep
        this client's value; None gives an option its default (``max_response_bytes``
        takes a number of bytes only).

        Cheap: the copy shares this client's credentials and connection pool (closing
        the copy leaves the pool open; close the original). The httpx clients and
        `allow_insecure_http` belong to the pool, so they cannot change.

        Raises:
            InvalidInputError: a value the constructor would refuse.
        """
        if budget is not UNCHANGED:
            _checked_budget(budget)
        # An option of this class only: a parameter line above, and the constructor
        # keeps its value in self._options (read from there where it is used).
        return self._with_options(locals())

    # -- the budget (no network)

    @property
    def _budget(self) -> Budget | None:
        budget: Budget | None = self._options.get("budget")
        return budget

    def _reserving(self, recipient: str, limit: Decimal | None) -> Local | None:
        """The flow step that counts a token to `recipient` against the client's budget
        (a `booking`: a ledger file is written off the event loop), None without one.
        Taken, the step raises `BudgetExceededError` when it would break a limit.

        Raises:
            InvalidInputError: the token has no limit, which no budget can bound.
        """
        budget = self._budget
        if budget is None:
            return None
        if limit is None:
            raise InvalidInputError(
                "This client has a budget, so every token it makes needs a limit: pass "
                "max_amount=... (the most the service may charge with it)."
            )
        from syftbox_accounting.http402.budget import booking  # loaded with the Budget

        return booking(lambda: budget.reserve(recipient, limit, reference="token"), (budget,))

    # -- configuration (no network)

    @property
    def accounting_url(self) -> str:
        """The accounting service's URL."""
        return self._transport.base_url

    def is_configured(self) -> bool:
        """True when the URL and credentials (an email and password, or an API key) are
        set. Never touches the network."""
        return bool(
            self._transport.base_url and ((self._email and self._password) or self._api_key)
        )

    def get_email(self) -> str:
        """The configured email (with an API key alone: once a call has learned it).

        Raises:
            AuthenticationError: no credentials are configured, or an API key alone
                whose account's email no call has learned yet.
        """
        if self._email is None and self._api_key is not None:
            raise AuthenticationError(
                "This client has an API key but does not know its account's email yet:",
                hint="pass email= with api_key= (or set SYFTBOX_ACCOUNTING_EMAIL), or call "
                "get_account() first (with a key that has the read scope).",
                hint_key=errors.NOT_CONFIGURED,
            )
        if self._email is None:
            raise AuthenticationError(
                "No accounting credentials are configured:",
                hint="call configure(email=..., password=...) or register_accounting(...).",
                hint_key=errors.NOT_CONFIGURED,
            )
        return self._email

    @hides("password", "api_key")
    def configure(
        self,
        accounting_url: str | None = None,
        email: str | None = None,
        password: str | None = None,
        *,
        api_key: str | None = None,
    ) -> None:
        """Use existing credentials: an email and password, or an API key (with its
        account's email if you know it), or both (the key is used where the service
        supports keys, the password elsewhere). Checks them and sends no request; use
        `validate_credentials()` to ask the service.

        >>> client.configure(email="alice@example.com", password="...")
        >>> client.configure(api_key=os.environ["MY_ACCOUNTING_KEY"])

        Raises:
            InvalidInputError: a malformed URL, email or API key, or an empty password.
        """
        self._configure(accounting_url, email, password, api_key)

    connect_accounting = configure

    def _configure(
        self, accounting_url: str | None, email: str | None, secret: object, key: object = None
    ) -> None:
        url = (
            validation.url(accounting_url, allow_insecure_http=self._allow_insecure_http)
            if accounting_url is not None
            else self._transport.base_url
        )
        api_key = validation.Hidden(key)
        password = validation.Hidden(secret)
        del secret, key
        if api_key.value is None:
            email = validation.email(email)
            checked = validation.Hidden(validation.password(password))
            self._transport.base_url = url
            self._set_credentials(email, checked)
            self._set_api_key(None)
            return
        checked_key = validation.Hidden(validation.api_key(api_key))
        email = None if email is None else validation.email(email)
        if password.value is not None:
            if email is None:
                raise InvalidInputError(
                    "A password needs the account's email: pass email= too (or leave the "
                    "password out and use the API key alone)."
                )
            password = validation.Hidden(validation.password(password))
        self._transport.base_url = url
        self._set_api_key(checked_key)
        if password.value is not None:
            assert email is not None
            self._set_credentials(email, password)
        else:
            self._email, self._password = email, None
            self._transport.set_basic(None, None)

    def _set_api_key(self, key: object) -> None:
        secret = validation.Hidden(key)
        del key
        self._api_key = None if secret.value is None else str(secret.value)
        self._transport.set_api_key(self._api_key)

    def _learned(self, user: User) -> User:
        """`user`, this client's account as the service answered it: a client with an
        API key alone now knows its email.

        Raises:
            AuthenticationError: the client has an email and an API key of another
                account (`_not_the_keys_account`).
        """
        if self._api_key is None:
            return user
        if self._email is None:
            self._email = user.email
        elif user.email.casefold() != self._email.casefold():
            raise self._not_the_keys_account(user.email)
        return user

    def _own_transactions(self, transactions: list[Transaction]) -> list[Transaction]:
        """`transactions`, which the service answered as this client's account's: each
        names its account as sender or recipient.

        Raises:
            AuthenticationError: one names neither, so the client's API key is of
                another account than its email (`_not_the_keys_account`).
        """
        if self._api_key is None or self._email is None:
            return transactions
        mine = self._email.casefold()
        for tx in transactions:
            if mine not in (tx.sender_email.casefold(), tx.recipient_email.casefold()):
                raise self._not_the_keys_account(None)
        return transactions

    def _not_the_keys_account(self, owner: str | None) -> AuthenticationError:
        """The service authenticates an API key, not the email beside it: a client with
        the key of another account than its email would report one account and act
        for the other."""
        whose = f"belongs to {owner}, not to" if owner else "belongs to another account than"
        return AuthenticationError(
            f"This client's API key {whose} {self._email}, the email it was configured with:",
            hint=f"use an API key of {self._email}, or leave the email out (email=, or "
            f"unset {ENV_EMAIL}) to act for the key's own account.",
            hint_key=errors.KEY_OF_ANOTHER_ACCOUNT,
        )

    def _set_credentials(self, email: str, password: object) -> None:
        secret = validation.Hidden(password)
        del password
        self._email, self._password = email, str(secret.value)
        self._transport.set_basic(email, self._password)

    # -- saved credentials and discovery (no network)

    def save_credentials(self, filepath: str | None = None) -> None:
        """Save the credentials: the API key if the client has one, else the password.
        Call it only with the user's consent.

        Without `filepath`, the secret goes to the OS keyring when the machine has a
        real one (macOS Keychain, Windows Credential Locker, a desktop's Secret
        Service), with ``~/.syftbox/accounting.json`` saying where it is; else it is
        encrypted into that file. With `filepath`, it is encrypted into that file.
        ``SYFTBOX_ACCOUNTING_CREDENTIAL_STORE=keyring|file`` forces one. A file is 0600
        from the moment it exists, written atomically; its key lives apart from it
        (``SYFTBOX_ACCOUNTING_KEY``, or ``accounting.key`` beside the file).
        ``SYFTBOX_ACCOUNTING_LOG=info`` says where they went.

        Raises:
            AuthenticationError: no credentials are configured, or they could not be
                saved (the message says why).
            InvalidInputError: `filepath` is not a path to a file.
        """
        self._save_credentials(filepath)

    def _save_credentials(
        self, filepath: str | None = None, store: str | None = None
    ) -> creds.Saved:
        path = validation.filepath(filepath)
        if self._api_key is None and (self._email is None or self._password is None):
            raise AuthenticationError(
                "There are no credentials to save:",
                hint="call configure(email=..., password=...) or register_accounting(...) first.",
                hint_key=errors.NOT_CONFIGURED,
            )
        return creds.save(
            creds.Credentials(
                self.accounting_url,
                self._email,
                None if self._api_key is not None else self._password,
                allow_insecure_http=self._allow_insecure_http,
                api_key=self._api_key,
            ),
            path,
            store=store,
        )

    @classmethod
    def load_from_config(cls, filepath: str | None = None) -> Self:
        """A client with the credentials saved by `save_credentials()`.

        Raises:
            AuthenticationError: the file is missing, corrupt or tampered with, or the
                key is wrong; the message names the file and what to do.
            InvalidInputError: `filepath` is not a path to a file.
        """
        path = validation.filepath(filepath)
        found = creds.load(path)
        where = f"the credentials file {creds.config_path(path)}"
        return cls._from(
            where,
            found.url,
            found.email,
            found.password,
            found.allow_insecure_http,
            api_key=found.api_key,
        )

    @classmethod
    def from_environment(cls, *, allow_insecure_http: bool | None = None) -> Self:
        """A client with credentials from ``SYFTBOX_ACCOUNTING_API_KEY`` (with
        ``SYFTBOX_ACCOUNTING_EMAIL`` if set), or ``SYFTBOX_ACCOUNTING_EMAIL`` and
        ``SYFTBOX_ACCOUNTING_PASSWORD`` (both: the key where the service supports keys),
        and, optionally, ``SYFTBOX_ACCOUNTING_URL``.
        `allow_insecure_http` (or ``SYFTBOX_ACCOUNTING_ALLOW_INSECURE_HTTP=1``) allows a
        plain http:// URL to a host that is not loopback, e.g. ``http://accounting:8000``.

        Raises:
            AuthenticationError: a variable is missing or malformed; the message names
                the variables.
        """
        found = creds.from_environment()
        if found is None:
            raise AuthenticationError(
                f"Set {ENV_API_KEY}, or {ENV_EMAIL} and {ENV_PASSWORD} (and optionally "
                f"{ENV_URL}), to configure accounting from the environment.",
                hint_key=errors.NOT_CONFIGURED,
            )
        return cls._from(
            "environment",
            found.url,
            found.email,
            found.password,
            allow_insecure_http,
            api_key=found.api_key,
        )

    @classmethod
    def setup_accounting_discovery(
        cls, *, allow_insecure_http: bool | None = None
    ) -> tuple[Self, bool]:
        """Find credentials, in this order: the saved credentials (the config file, its
        secret in the OS keyring or in the file), then the environment (the API key, then
        the email and password). Returns the client and whether it is configured. A
        corrupt config file is skipped with a warning that names it.
        `allow_insecure_http` as in `from_environment()`.

        Raises:
            AuthenticationError: only one of the email and password variables is set,
                or the credentials found are malformed; the message names their source.
            InvalidInputError: a malformed SYFTBOX_ACCOUNTING_* setting (named).
        """
        settings.configure_logging()  # so that discovery's own lines are logged too
        found, source = creds.discover()
        if found is None:
            url = creds.resolve_url()
            return cls._from("environment", url, allow_insecure_http=allow_insecure_http), False
        insecure = allow_insecure_http
        if insecure is None and found.allow_insecure_http:
            insecure = True  # saved with the file
        client = cls._from(
            source, found.url, found.email, found.password, insecure, api_key=found.api_key
        )
        return client, client.is_configured()

    @classmethod
    @hides("password", "api_key")
    def _from(
        cls,
        source: str,
        url: str | None,
        email: str | None = None,
        password: str | None = None,
        allow_insecure_http: bool | None = None,
        *,
        api_key: str | None = None,
    ) -> Self:
        """A client with found credentials; a malformed credential is an
        `AuthenticationError` naming where it came from (a file, or the environment), a
        malformed setting an `InvalidInputError` naming its variable. Logs (INFO) once
        where the credentials came from."""
        try:
            # From the environment, the client reads SYFTBOX_ACCOUNTING_URL itself and
            # names it if it is malformed.
            client = cls(
                None if source == "environment" else url,
                email,
                password,
                api_key=api_key,
                allow_insecure_http=allow_insecure_http,
            )
        except InvalidInputError as exc:
            if exc.hint_key == errors.BAD_SETTING:
                raise  # a setting, not the credentials: its message names the variable
            where = (
                f"the environment ({ENV_API_KEY}, {ENV_EMAIL}, {ENV_PASSWORD}, {ENV_URL})"
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
        if email is None and api_key is None:
            log.info(
                "No accounting credentials found (no saved file, and %s, or %s and %s, "
                "are not set): configure() or register_accounting() to use %s",
                ENV_API_KEY,
                ENV_EMAIL,
                ENV_PASSWORD,
                client.accounting_url,
            )
        else:
            log.info(
                "Using the accounting credentials of %s from the %s, for %s",
                email or "an API key",
                source,
                client.accounting_url,
            )
        return client


def _checked_budget(budget: object) -> Budget | None:
    """`budget`, a `Budget` or None (the class is loaded only when one is given)."""
    if budget is None:
        return None
    from syftbox_accounting.http402.budget import Budget

    if not isinstance(budget, Budget):
        raise InvalidInputError(
            f"budget must be a syftbox_accounting.Budget, not {type(budget).__name__}."
        )
    return budget


def account_email(client: UserBase) -> Flow[str]:
    """A step of a flow: `client`'s account email, the configured one or, for a client
    with an API key alone, learned once from the service (with a key that may read the
    account)."""
    if client._email is None and client._api_key is not None:
        try:
            user = yield from result_of(operations.get_my_info())
        except AuthenticationError as exc:
            if exc.code != "insufficient_scope":
                raise
            raise AuthenticationError(
                "This client has an API key without the read scope and no email, so it "
                "cannot tell which account it acts for:",
                hint="pass email= with api_key= (or set SYFTBOX_ACCOUNTING_EMAIL).",
                hint_key=errors.NOT_CONFIGURED,
            ) from None
        client._learned(user)
    return client.get_email()


def other_account(client: UserBase, email: str, argument: str) -> Flow[str]:
    """A step of a flow: this client's own email, after checking that `email` (the
    other party of a payment, given as `argument`) is another account: the service
    refuses a payment between an account and itself, and the check says which account
    the client acts for before anything is sent.

    Raises:
        InvalidInputError: `email` is this client's own account.
    """
    own = yield from account_email(client)
    if own.lower() == email.lower():  # emails are matched without case, as the service does
        raise InvalidInputError(
            f"{argument} {email} is the account this client acts for: a payment moves money "
            "between two accounts.",
            hint="Use the other party's email, or a client configured with the other "
            "account's credentials (the command line: --email).",
            hint_key=errors.SAME_ACCOUNT,
            reason=f"{email} is the account in use: a payment moves money between two accounts",
        )
    return own
