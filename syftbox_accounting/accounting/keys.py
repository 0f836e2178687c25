"""The API keys area of `AccountingClient`: create scoped, revocable keys that stand in
for the password, list them, revoke them (at a service that announces ``api-keys``)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from syftbox_accounting import operations, types, validation
from syftbox_accounting.accounting.base import UserBase
from syftbox_accounting.errors import InvalidInputError, NotFoundError
from syftbox_accounting.service_client import twin
from syftbox_accounting.transport import Flow, result_of
from syftbox_accounting.types import ApiKeyScope

__all__ = ["KeyMethods"]


class KeyMethods(UserBase):
    """API keys: scoped, revocable credentials to use instead of the password."""

    def _create_api_key(
        self,
        name: str,
        scopes: Any,
        expires_in: Any,
        max_spend: Any,
        idempotency_key: str | None,
    ) -> Flow[types.NewApiKey]:
        if name is None:
            raise InvalidInputError("name must be a string saying what the key is for.")
        call = operations.create_api_key(
            validation.optional_text("name", name, max_length=validation.MAX_KEY_NAME_LENGTH) or "",
            validation.scopes(scopes),
            expires_in=validation.key_lifetime(expires_in),
            max_spend=validation.optional_amount(max_spend, "max_spend"),
            idempotency_key=validation.idempotency_key(idempotency_key),
        )
        made = yield from result_of(call)
        self._transport.remember_secret(made.secret)
        return made

    def create_api_key(
        self,
        name: str,
        scopes: Iterable[ApiKeyScope | str],
        *,
        expires_in: int | float | datetime.timedelta | None = None,
        max_spend: int | float | Decimal | None = None,
        idempotency_key: str | None = None,
    ) -> types.NewApiKey:
        """Create an API key for this account, to use instead of the password:
        ``AccountingClient(url, api_key=made.secret)``, or the
        ``SYFTBOX_ACCOUNTING_API_KEY`` variable. `scopes` say what it may do: ``read``
        (balance, account, history, usage), ``pay`` (tokens, transfers), ``charge``
        (charges, confirming and cancelling them, refunds), ``account`` (organization,
        password), ``keys`` (manage keys). `expires_in` (seconds or a timedelta, 60 s to
        365 days) ends it; `max_spend` (US dollars) caps what it may commit over its
        life (payments at their amount, tokens at their `max_amount`, refunds).

        The result's `secret` is shown this once (its repr hides it): save it.

        >>> made = client.create_api_key("nightly-batch", ["read", "pay"], max_spend=20)
        >>> made.secret  # sbk_...: store it, e.g. in a secrets manager

        Raises:
            FeatureNotSupportedError: the service has no API keys (the public one).
            AuthenticationError: no or wrong credentials, or a key without ``keys``.
            InvalidInputError: a malformed name, scope, lifetime or cap.
        """
        return self._run(self._create_api_key(name, scopes, expires_in, max_spend, idempotency_key))

    @twin(create_api_key)
    async def create_api_key_async(
        self,
        name: str,
        scopes: Iterable[ApiKeyScope | str],
        *,
        expires_in: int | float | datetime.timedelta | None = None,
        max_spend: int | float | Decimal | None = None,
        idempotency_key: str | None = None,
    ) -> types.NewApiKey:
        return await self._run_async(
            self._create_api_key(name, scopes, expires_in, max_spend, idempotency_key)
        )

    def _list_api_keys(self) -> Flow[list[types.ApiKey]]:
        return (yield from result_of(operations.list_api_keys()))

    def list_api_keys(self) -> list[types.ApiKey]:
        """This account's API keys, oldest first, revoked and expired ones included (for
        a while: the reference service forgets them 30 days after they ended); never
        their secrets (each has a `hint` such as ``sbk_...x9Qa``).

        >>> [k.name for k in client.list_api_keys() if k.is_active()]

        Raises:
            FeatureNotSupportedError: the service has no API keys (the public one).
            AuthenticationError: no or wrong credentials, or a key without ``keys``.
        """
        return self._run(self._list_api_keys())

    @twin(list_api_keys)
    async def list_api_keys_async(self) -> list[types.ApiKey]:
        return await self._run_async(self._list_api_keys())

    def _revoke_api_key(self, key_id: str, idempotency_key: str | None) -> Flow[types.ApiKey]:
        if key_id is None:
            raise InvalidInputError("key_id must be the id of a key (key_...), as listed.")
        call = operations.revoke_api_key(
            validation.key_id(key_id), validation.idempotency_key(idempotency_key)
        )
        return (yield from result_of(call))

    def revoke_api_key(self, key_id: str, *, idempotency_key: str | None = None) -> types.ApiKey:
        """Revoke one of this account's API keys (its `id`, ``key_...``): the service
        refuses it from the next request on. Revoking a revoked key changes nothing.

        >>> client.revoke_api_key("key_7Hq2Vd9sKx3LmN4pR8tZ").revoked_at

        Raises:
            NotFoundError: no key with this id among this account's.
            FeatureNotSupportedError: the service has no API keys (the public one).
            AuthenticationError: no or wrong credentials, or a key without ``keys``.
        """
        return self._run(self._revoke_api_key(key_id, idempotency_key))

    @twin(revoke_api_key)
    async def revoke_api_key_async(
        self, key_id: str, *, idempotency_key: str | None = None
    ) -> types.ApiKey:
        return await self._run_async(self._revoke_api_key(key_id, idempotency_key))

    def _revoke_own_api_key(self, idempotency_key: str | None) -> Flow[types.ApiKey]:
        secret = self._api_key
        if secret is None:
            raise InvalidInputError(
                "This client authenticates with a password, not an API key: to revoke one "
                "of the account's keys, pass its id to revoke_api_key(key_id)."
            )
        key = validation.idempotency_key(idempotency_key)
        listed = yield from result_of(operations.list_api_keys())
        # The contract's hint is the prefix and the last 4 characters: among the keys
        # still valid, the caller's own is the one that shows the end of its secret.
        hint = validation.api_key_hint(secret)
        mine = [k for k in listed if k.hint == hint and k.revoked_at is None]
        if len(mine) != 1:
            found = "No key" if not mine else f"{len(mine)} keys ({', '.join(k.id for k in mine)})"
            raise NotFoundError(
                f"{found} of this account still valid shows this client's key ({hint}):",
                hint="list them with list_api_keys() and revoke the right one by its id "
                "with revoke_api_key(key_id).",
                code="not_found",
            )
        return (yield from self._revoke_api_key(mine[0].id, key))

    def revoke_own_api_key(self, *, idempotency_key: str | None = None) -> types.ApiKey:
        """Revoke the API key this client authenticates with, as
        ``syftbox-accounting logout`` does for the key ``login`` saved: found among the
        account's keys by its hint (``sbk_...`` and its last 4 characters), then
        revoked. The key needs the ``keys`` scope. Returns the key as revoked; this
        client cannot use it again.

        >>> AccountingClient(url, api_key=secret).revoke_own_api_key().revoked_at

        Raises:
            InvalidInputError: the client has a password, not an API key.
            NotFoundError: no valid key of the account, or more than one, shows this
                key's hint (the message lists them: revoke one by its id).
            FeatureNotSupportedError: the service has no API keys (the public one).
            AuthenticationError: the key was refused, or lacks the ``keys`` scope.
        """
        return self._run(self._revoke_own_api_key(idempotency_key))

    @twin(revoke_own_api_key)
    async def revoke_own_api_key_async(self, *, idempotency_key: str | None = None) -> types.ApiKey:
        return await self._run_async(self._revoke_own_api_key(idempotency_key))
