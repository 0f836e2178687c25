"""The account area of `AccountingClient`: register, balance, the account itself,
credential checks, password and organization, and `show()`."""

from __future__ import annotations

import dataclasses

from syftbox_accounting import display, operations, validation
from syftbox_accounting.accounting.base import UserBase
from syftbox_accounting.errors import AccountingError, AuthenticationError
from syftbox_accounting.service_client import twin
from syftbox_accounting.transport import Flow, result_of
from syftbox_accounting.types import CredentialCheck, CredentialStatus, User, UserAccount
from syftbox_accounting.validation import hides

SHOW_TIMEOUT = 2.0


class AccountMethods(UserBase):
    """Your account: register it, read its balance, check and change its credentials."""

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

    @hides("password")
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
    ) -> UserAccount:
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

    def _check_credentials(self) -> Flow[CredentialCheck]:
        if not self.is_configured():
            return CredentialCheck(
                CredentialStatus.NOT_CONFIGURED,
                "No credentials are configured: call configure() or register_accounting().",
            )
        try:
            user = self._learned((yield from result_of(operations.get_my_info())))
        except AuthenticationError as exc:
            if exc.code == "insufficient_scope" and self._api_key is not None:
                return CredentialCheck(
                    CredentialStatus.VALID,
                    "The API key works, but may not read the account (it has no read scope).",
                    error=exc,
                )
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
        status = hint = held = None
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
                held = display.available(value.balance, value.held_balance)
            except AuthenticationError:
                balance, status = "unavailable", "credentials refused"
                hint = (
                    "The service refused this email and password: configure the right ones "
                    'with configure(email="...", password="..."), or register_accounting(...).'
                )
            except AccountingError as exc:
                balance = f"unavailable ({exc.status_code or 'no answer'})"
                status, hint = "service unavailable", exc.hint
        snapshot = self._snapshot(balance)
        display.show(dataclasses.replace(snapshot, status=status, hint=hint, available=held))

    def __repr__(self) -> str:
        return display.text(self._snapshot("not fetched: call show()"))

    def _repr_html_(self) -> str:
        return display.html(self._snapshot("not fetched: call show()"))
