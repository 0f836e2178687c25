"""The configured user that every area of `AccountingClient` builds on: the service's
URL, the email and password, and where they are saved and found. No network."""

from __future__ import annotations

import logging
import os
from decimal import Decimal
from typing import TYPE_CHECKING, Self

import httpx

# For `syftbox_accounting.Budget` in the signature: resolved on first use, so that
# loading the client never loads the budget module (see payments.py).
import syftbox_accounting
from syftbox_accounting import credentials as creds
from syftbox_accounting import errors, settings, validation
from syftbox_accounting.defaults import ENV_EMAIL, ENV_PASSWORD, ENV_URL
from syftbox_accounting.errors import AuthenticationError, InvalidInputError
from syftbox_accounting.hooks import HooksArg
from syftbox_accounting.service_client import UNCHANGED, ServiceClient, Unchanged
from syftbox_accounting.transport import DEFAULT_MAX_RESPONSE_BYTES, RetryPolicy
from syftbox_accounting.validation import hides

if TYPE_CHECKING:
    from syftbox_accounting.http402.budget import Budget, Reservation

log = logging.getLogger("syftbox_accounting")


class UserBase(ServiceClient):
    """A client of the accounting service that acts as one user: holds the URL and
    the credentials, saves them and finds them again. The areas (account, payments,
    history) add the operations; `AccountingClient` is all of them."""

    @hides("password")
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
        secret = validation.Hidden(password)
        if email is not None or secret.value is not None:
            self._configure(None, email, secret)

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
        this client's value; None gives an option its default.

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

    def _reserve_budget(self, recipient: str, limit: Decimal | None) -> Reservation | None:
        """Count a token to `recipient` against the client's budget, if it has one.

        Raises:
            BudgetExceededError: it would break a limit.
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
        return budget.reserve(recipient, limit, reference="token")

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

    @hides("password")
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
        self._configure(accounting_url, email, password)

    connect_accounting = configure

    def _configure(self, accounting_url: str | None, email: str | None, secret: object) -> None:
        url = (
            validation.url(accounting_url, allow_insecure_http=self._allow_insecure_http)
            if accounting_url is not None
            else self._transport.base_url
        )
        email = validation.email(email)
        checked = validation.Hidden(validation.password(secret))
        del secret
        self._transport.base_url = url
        self._set_credentials(email, checked)

    def _set_credentials(self, email: str, password: object) -> None:
        secret = validation.Hidden(password)
        del password
        self._email, self._password = email, str(secret.value)
        self._transport.set_basic(email, self._password)

    # -- saved credentials and discovery (no network)

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
        return cls._from(where, found.url, found.email, found.password, found.allow_insecure_http)

    @classmethod
    def from_environment(cls, *, allow_insecure_http: bool | None = None) -> Self:
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
    ) -> tuple[Self, bool]:
        """Find credentials: the config file first, then the environment. Returns the
        client and whether it is configured. A corrupt config file is skipped with a
        warning that names it. `allow_insecure_http` as in `from_environment()`.

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
        client = cls._from(source, found.url, found.email, found.password, insecure)
        return client, client.is_configured()

    @classmethod
    @hides("password")
    def _from(
        cls,
        source: str,
        url: str | None,
        email: str | None = None,
        password: str | None = None,
        allow_insecure_http: bool | None = None,
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
                allow_insecure_http=allow_insecure_http,
            )
        except InvalidInputError as exc:
            if exc.hint_key == errors.BAD_SETTING:
                raise  # a setting, not the credentials: its message names the variable
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
        if email is None:
            log.info(
                "No accounting credentials found (no saved file, and %s and %s are not set): "
                "configure() or register_accounting() to use %s",
                ENV_EMAIL,
                ENV_PASSWORD,
                client.accounting_url,
            )
        else:
            log.info(
                "Using the accounting credentials of %s from the %s, for %s",
                email,
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
