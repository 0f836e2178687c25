"""`Call`: one request to the service and how to read its answer.

The builders of `operations` make them; the transport sends them (sync or async, with
retries), `flows` yields them, and `errors` reads their failures.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, Literal, TypeVar

T = TypeVar("T")
Auth = Literal["basic", "bearer", "none"]
# The feature under which a service reads and writes money as decimal strings.
EXACT_MONEY = "exact-money"
# The httpx request extension that marks the request learning a service's features
# (see `operations.learn_features`): mocks of the service answer it as the service
# does, without taking it for a user's call missing its credentials.
FEATURES_PROBE = "syftbox_accounting.features_probe"


class Call(Generic[T]):
    """One request to the service and how to read its answer.

    `secrets` are values in the request that must never be shown (tokens, new
    passwords); `conflict` is the error code a 409 without a readable body stands
    for; `answer_has_secret` keeps a broken success body out of the exception (it
    may hold a password); `idempotency_key` is the key in the request's header
    (every POST and PUT has one); `feature` is what the service must announce in
    ``Accounting-Features`` before the call may be sent (the transport checks);
    `probe` marks the call that learns those features, whatever its answer;
    `about` is what a 404 means was not found (the advice differs).
    `exact_request` is `request` with its amounts as decimal strings (see `request_for`).
    Nothing changes a Call once made (the transport copies `request`; setting an
    attribute raises), so a call with nothing of its own is made once and shared.

    A slotted class rather than a frozen dataclass: one is made for every call, and
    the dataclass would cost ~0.8 ms at import for methods nothing uses (eq, hash).
    """

    __slots__ = (
        "about",
        "answer_has_secret",
        "auth",
        "conflict",
        "exact_request",
        "feature",
        "idempotency_key",
        "method",
        "parse",
        "path",
        "probe",
        "request",
        "secrets",
    )
    request: dict[str, Any]
    auth: Auth
    parse: Callable[[Any], T]
    secrets: tuple[str, ...]
    conflict: str
    answer_has_secret: bool
    idempotency_key: str | None
    feature: str | None
    probe: bool
    about: Literal["account", "transaction", "key"]
    exact_request: dict[str, Any] | None
    # Read from `request` once: every attempt, log line and error names them.
    method: str
    path: str

    def __init__(
        self,
        request: dict[str, Any],
        auth: Auth,
        parse: Callable[[Any], T],
        secrets: tuple[str, ...] = (),
        conflict: str = "already_resolved",
        answer_has_secret: bool = False,
        idempotency_key: str | None = None,
        feature: str | None = None,
        probe: bool = False,
        about: Literal["account", "transaction", "key"] = "account",
        exact_request: dict[str, Any] | None = None,
    ) -> None:
        put = object.__setattr__
        put(self, "request", request)
        put(self, "auth", auth)
        put(self, "parse", parse)
        put(self, "secrets", secrets)
        put(self, "conflict", conflict)
        put(self, "answer_has_secret", answer_has_secret)
        put(self, "idempotency_key", idempotency_key)
        put(self, "feature", feature)
        put(self, "probe", probe)
        put(self, "about", about)
        put(self, "exact_request", exact_request)
        put(self, "method", str(request["method"]).upper())
        put(self, "path", str(request["url"]))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"a Call is not changed once made (tried to set {name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"a Call is not changed once made (tried to delete {name!r})")

    def __repr__(self) -> str:
        # No request, secrets or exact_request: the body may hold a password
        # (tracebacks capture locals).
        return f"<Call {self.method} {self.path} auth={self.auth}>"

    def request_for(self, features: frozenset[str] | None) -> dict[str, Any]:
        """The request to send to a service that announced `features`: amounts as
        decimal strings where it announced ``exact-money``, else as JSON numbers, the
        only form the public service knows (both are exact)."""
        if self.exact_request is not None and features and EXACT_MONEY in features:
            return self.exact_request
        return self.request

    @property
    def idempotent(self) -> bool:
        """GETs change nothing, so sending one again is always safe."""
        return self.method == "GET"
