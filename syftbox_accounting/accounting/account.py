"""The account area of `AccountingClient`: register, balance, the account itself,
credential checks, password and organization, and `show()`."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import TYPE_CHECKING

from syftbox_accounting import errors, operations, types, validation
from syftbox_accounting._lazy import lazy_module
from syftbox_accounting.accounting.base import UserBase
from syftbox_accounting.errors import AccountingError, AuthenticationError
from syftbox_accounting.service_client import twin
from syftbox_accounting.transport import Flow, Gather, result_of
from syftbox_accounting.types import CredentialStatus, TransactionStatus, User
from syftbox_accounting.validation import hides

SHOW_TIMEOUT = 2.0
# The transactions show() fetches: the newest few in a table, all of them in its sparkline.
SHOW_HISTORY = 30

if TYPE_CHECKING:
    from syftbox_accounting import display
    from syftbox_accounting.calls import Call
else:
    # Loaded on first use: importing the client does not pay for it.
    display = lazy_module("syftbox_accounting.display")


def registration(
    email: str, password: object, organization: str | None, idempotency_key: str | None
) -> Call[tuple[User, str]]:
    """The `createUser` call of `register_accounting`, its arguments checked as it checks
    them (InvalidInputError before any request). The test harness's setup builds its
    registrations here too."""
    key = validation.idempotency_key(idempotency_key)
    secret = validation.Hidden(password)
    del password  # a traceback that shows locals must not show it
    email = validation.email(email)
    if secret.value is not None:
        secret = validation.Hidden(validation.password(secret, new=True))
    organization = validation.optional_text(
        "organization", organization, max_length=validation.MAX_ORGANIZATION_LENGTH
    )
    return operations.create_user(email, secret.value, organization, key)


class AccountMethods(UserBase):
    """Your account: register it, read its balance, check and change its credentials."""

    def _register_accounting(
        self,
        email: str,
        password: object,
        organization: str | None,
        idempotency_key: str | None,
    ) -> Flow[types.UserAccount]:
        call = registration(email, password, organization, idempotency_key)
        del password  # a traceback that shows locals must not show it
        answer = yield from result_of(call)
        user, issued = answer[0], validation.Hidden(answer[1])
        del answer
        self._set_credentials(user.email, issued.value)
        return types.UserAccount(
            email=user.email,
            password=str(issued.value),
            balance=float(user.balance),
            organization=user.organization,
            user=user,
        )

    @hides("password")
    def register_accounting(
        self,
        email: str,
        password: str | None = None,
        organization: str | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> types.UserAccount:
        """Create an account and configure this client with it. Without a password,
        the service generates one: save it, it cannot be recovered.

        >>> account = client.register_accounting("alice@example.com")
        >>> account.password

        `idempotency_key` makes a repeat of this call (after a lost answer) get the
        same account and password instead of `AccountExistsError`, when you chose the
        password: one the service generated is shown in the first answer only, so a
        repeat of a registration without a password is `AccountExistsError`.

        Raises:
            AccountExistsError: the email is registered already.
            InvalidInputError: a malformed email, or a password under 8 characters.
            ServiceException: the service is unreachable or failing.
        """
        return self._run(self._register_accounting(email, password, organization, idempotency_key))

    @twin(register_accounting)
    @hides("password")
    async def register_accounting_async(
        self,
        email: str,
        password: str | None = None,
        organization: str | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> types.UserAccount:
        return await self._run_async(
            self._register_accounting(email, password, organization, idempotency_key)
        )

    def _get_account_balance(self) -> Flow[float]:
        user = yield from result_of(operations.get_my_info())
        self._learned(user)
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
        return self._learned((yield from result_of(operations.get_my_info())))

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

    def _check_credentials(self) -> Flow[types.CredentialCheck]:
        if not self.is_configured():
            return types.CredentialCheck(
                CredentialStatus.NOT_CONFIGURED,
                "No credentials are configured: call configure() or register_accounting().",
            )
        try:
            user = self._learned((yield from result_of(operations.get_my_info())))
        except AuthenticationError as exc:
            if exc.code == "insufficient_scope" and self._api_key is not None:
                return types.CredentialCheck(
                    CredentialStatus.VALID,
                    "The API key works, but may not read the account (it has no read scope).",
                    error=exc,
                )
            return types.CredentialCheck(CredentialStatus.INVALID, exc.message, error=exc)
        except AccountingError as exc:
            return types.CredentialCheck(CredentialStatus.UNREACHABLE, exc.message, error=exc)
        return types.CredentialCheck(
            CredentialStatus.VALID, f"Authenticated as {user.email}.", account=user
        )

    def check_credentials(self) -> types.CredentialCheck:
        """Ask the service whether the credentials work. The status is `VALID`,
        `INVALID`, `NOT_CONFIGURED` or `UNREACHABLE`, with the reason, so an outage
        never looks like a wrong password. A valid check carries the `account` (with
        its exact balance), a failed one the `error`. Never raises for a failed check.

        >>> check = client.check_credentials()
        >>> check.status, check.reason
        """
        return self._run(self._check_credentials())

    @twin(check_credentials)
    async def check_credentials_async(self) -> types.CredentialCheck:
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

    @hides("old_password", "new_password")
    def update_password(
        self, old_password: str, new_password: str, *, idempotency_key: str | None = None
    ) -> User:
        """Change the password; this client uses the new one from then on. Saved
        credentials are not rewritten: call `save_credentials()` again.

        Raises:
            AuthenticationError: `old_password` or the configured password is wrong.
            InvalidInputError: a new password under 8 characters.
        """
        return self._run(self._update_password(old_password, new_password, idempotency_key))

    @twin(update_password)
    @hides("old_password", "new_password")
    async def update_password_async(
        self, old_password: str, new_password: str, *, idempotency_key: str | None = None
    ) -> User:
        return await self._run_async(
            self._update_password(old_password, new_password, idempotency_key)
        )

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

    # -- display (the account is fetched only by show())

    def _snapshot(self, balance: str, name: str) -> display.Snapshot:
        return display.Snapshot(
            url=self.accounting_url,
            email=self._email,
            configured=self.is_configured(),
            balance=balance,
            name=name,
        )

    def _show(self) -> Flow[tuple[User, types.Usage | None, list[types.Transaction]]]:
        """The account, its usage (None from a service without it) and its newest
        transactions, fetched at once."""
        recent = operations.list_transactions(limit=SHOW_HISTORY)
        try:
            user, usage, page = yield Gather(
                (operations.get_my_info(), operations.get_usage(), recent)
            )
        except AccountingError as exc:
            if exc.status_code != 404 or exc.path != operations.get_usage().path:
                raise
            user, page = yield Gather((operations.get_my_info(), recent))
            usage = None
        self._learned(user)
        # A service without pages sent its whole history, unsorted.
        newest = sorted(page.transactions, key=lambda tx: tx.created_at, reverse=True)
        return user, usage, newest[:SHOW_HISTORY]

    def show(self) -> None:
        """Show the account: status, email, balance (with a sparkline of its recent
        history), what pending transactions hold, the service, the usage (spent, received,
        pending), the five newest transactions and snippets for common operations; as
        HTML in Jupyter, as text elsewhere. Fetches with a short timeout (2 s, no
        retries) and shows "unavailable" if that fails; never raises, never shows the
        password."""
        name = display.caller_name(self)
        snapshot = self._snapshot("not configured", name)
        if self.is_configured():
            snapshot = self._fetched(snapshot)
        display.show(snapshot)

    def _fetched(self, snapshot: display.Snapshot) -> display.Snapshot:
        quick = self.with_options(timeout=SHOW_TIMEOUT, max_retries=0, deadline=SHOW_TIMEOUT)
        try:
            user, usage, recent = quick._run(self._show())
        except AuthenticationError as exc:
            status, hint = _refusal_words(exc)
            return dataclasses.replace(snapshot, balance="unavailable", status=status, hint=hint)
        except AccountingError as exc:
            return dataclasses.replace(
                snapshot,
                balance=f"unavailable ({exc.status_code or 'no answer'})",
                status="service unavailable",
                hint=exc.hint,
            )
        rows = types.TransactionList(recent[: display.RECENT_SHOWN], owner=user.email)
        return dataclasses.replace(
            snapshot,
            email=self._email,
            balance=display.money(user.balance),
            available=display.available(user.balance, user.held_balance)
            or display.money(user.available_balance),
            # Every figure, refunds too (they come after the first four), not the times.
            usage=tuple(usage.rows(times=False)) if usage is not None else (),
            recent=tuple(row[:4] for row in rows.rows()),
            series=tuple(balance_history(user.balance, recent, user.email)),
        )

    def __repr__(self) -> str:
        try:
            who = f"{self._email} at " if self._email else ""
            state = "configured" if self.is_configured() else "not configured"
            return f"<{type(self).__name__} {who}{self.accounting_url} ({state})>"
        except AttributeError:  # the `self` of a failed __init__, in a traceback's locals
            return f"<{type(self).__name__} (not made)>"

    def _repr_html_(self) -> str:
        name = display.caller_name(self)
        return display.html(self._snapshot("not fetched: call show()", name))


def balance_history(
    balance: Decimal, newest_first: list[types.Transaction], me: str
) -> list[Decimal]:
    """The balance after each of `newest_first` (completed ones moved it), oldest first,
    ending with `balance`: the recent history a sparkline draws."""
    mine = me.casefold()
    series = [balance]
    for tx in newest_first:
        if tx.status is not TransactionStatus.COMPLETED:
            continue  # pending ones hold money, cancelled ones moved none
        into = tx.recipient_email.casefold() == mine
        out = tx.sender_email.casefold() == mine and not into
        moved = tx.amount if into else -tx.amount if out else Decimal(0)
        series.append(series[-1] - moved)
    return series[::-1]


def _refusal_words(exc: AuthenticationError) -> tuple[str, str]:
    """`show()`'s status and advice for a refusal: an API key's (one that lacks the
    read scope, is refused, or is another account's) in the library's own words, a
    password's as such."""
    if exc.code == "insufficient_scope":
        return (
            "API key cannot read",
            "This API key works but has no read scope, so the account cannot be shown: use "
            "a key with read (create_api_key(name, ['read', ...])), or the password.",
        )
    if exc.hint_key in {errors.KEY_REFUSED, errors.KEY_OF_ANOTHER_ACCOUNT}:
        return "API key refused", exc.message
    return (
        "credentials refused",
        "The service refused this email and password: configure the right ones "
        'with configure(email="...", password="..."), or register_accounting(...).',
    )
