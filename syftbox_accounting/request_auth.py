"""The credentials a transport sends: the password (Basic), the API key or the admin
key (Bearer), and the secrets it must never show.

`Credentials` is the part of `Transport` that holds them and picks one per call: a
user call of a client with an API key is sent with the key at a service that
announces ``api-keys``, with the password elsewhere; a key alone is never sent to a
service that does not know keys.
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import httpx

from syftbox_accounting import errors
from syftbox_accounting.errors import AuthenticationError

if TYPE_CHECKING:
    from syftbox_accounting.calls import Call
    from syftbox_accounting.transport import Transport

log = logging.getLogger("syftbox_accounting")


class BearerAuth(httpx.Auth):
    """`Authorization: Bearer <key>`, with a repr that hides the key."""

    def __init__(self, key: str) -> None:
        self._header = f"Bearer {key}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request

    def __repr__(self) -> str:
        return "_BearerAuth(***)"


class _ByFeatures(httpx.Auth):
    """Stands for "the API key or the password, as the service's features say"."""


BY_FEATURES = _ByFeatures()


class Credentials:
    """What a `Transport` authenticates with (a mixin: it needs `features`,
    `base_url` and `_home`)."""

    _basic: httpx.BasicAuth | None
    _bearer: BearerAuth | None
    # The user's API key: used instead of `_basic` at a service that announces keys.
    _api_key: BearerAuth | None
    # Every secret this transport has held: an old password or a token pasted where an
    # id belongs must not come back in an error message either.
    _secrets: tuple[str, ...]

    if TYPE_CHECKING:

        @property
        def features(self) -> frozenset[str] | None: ...
        @property
        def base_url(self) -> str: ...
        @property
        def _home(self) -> Transport: ...

    def _init_credentials(self) -> None:
        self._basic = None
        self._bearer = None
        self._api_key = None
        self._secrets = ()

    def set_basic(self, email: str | None, password: str | None) -> None:
        """Use `email:password` for user calls (None to forget them)."""
        if email is None or password is None:
            self._basic = None
        else:
            self._basic = httpx.BasicAuth(email, password)
            self.remember_secret(password)
            # The header's value, as a proxy or a debugging service may echo it.
            self.remember_secret(self._basic._auth_header.removeprefix("Basic "))

    def set_api_key(self, key: str | None) -> None:
        """Use the API `key` for user calls at a service that announces ``api-keys``
        (None to forget it)."""
        if key is None:
            self._api_key = None
            return
        self._api_key = BearerAuth(key)
        self.remember_secret(key)
        self.remember_secret(f"Bearer {key}")

    @property
    def has_api_key(self) -> bool:
        return self._api_key is not None

    def set_bearer(self, key: str) -> None:
        """Use `key` for admin calls."""
        self._bearer = BearerAuth(key)
        self.remember_secret(key)
        self.remember_secret(f"Bearer {key}")

    def remember_secret(self, secret: str) -> None:
        """Keep `secret` out of every message from now on (the latest 64 kept)."""
        if secret and secret not in self._secrets:
            self._secrets = (secret, *self._secrets)[:64]

    def share_credentials(self, other: Credentials) -> None:
        self._basic, self._bearer, self._secrets = other._basic, other._bearer, other._secrets
        self._api_key = other._api_key

    def _auth_for(self, call: Call[Any], operation: str) -> httpx.Auth | None:
        """The call's credentials; `BY_FEATURES` for a user call of a client with an API
        key: the key or the password, once the service's features are known."""
        if call.auth == "none":
            return None
        if call.auth == "basic" and self._api_key is not None:
            return BY_FEATURES
        auth = self._basic if call.auth == "basic" else self._bearer
        if auth is None:
            raise AuthenticationError(
                f"{operation} needs credentials, and none are configured.",
                hint=errors.CONFIGURE_HINT,
                hint_key=errors.NOT_CONFIGURED,
                operation=operation,
                method=call.method,
                path=call.path,
            )
        return auth

    def _user_auth(self, operation: str) -> httpx.Auth:
        """The API key at a service that announces ``api-keys``; elsewhere the password
        (said once at INFO), or, with a key alone, an error: a key is never sent to a
        service that does not know keys."""
        assert self._api_key is not None
        if "api-keys" in (self.features or ()):
            return self._api_key
        if self._basic is not None:
            if not self._home._said_no_keys:
                self._home._said_no_keys = True
                log.info(
                    "The service at %s does not support API keys (it does not announce "
                    "'api-keys'): using the email and password instead of the API key.",
                    self.base_url,
                )
            return self._basic
        raise AuthenticationError(
            f"{operation} failed: the service at {self.base_url} does not support API keys "
            "(it does not announce 'api-keys' in its Accounting-Features header), so the "
            "API key cannot be used there. Nothing was sent.",
            hint="Configure the account's email and password for this service: "
            "configure(email=..., password=...), or SYFTBOX_ACCOUNTING_EMAIL and "
            "SYFTBOX_ACCOUNTING_PASSWORD.",
            hint_key=errors.UNSUPPORTED,
            operation=operation,
            reason=f"the service at {self.base_url} does not support API keys (it does not "
            "announce 'api-keys'), so the API key cannot be used there. Nothing was sent",
        )
