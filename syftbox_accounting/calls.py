"""`Call`: one request to the service and how to read its answer.

The builders of `operations` make them; the transport sends them (sync or async, with
retries), `flows` yields them, and `errors` reads their failures.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Generic, Literal, TypeVar

T = TypeVar("T")
Auth = Literal["basic", "bearer", "none"]
# The feature under which a service reads and writes money as decimal strings.
EXACT_MONEY = "exact-money"


@dataclasses.dataclass(frozen=True, slots=True)
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
    Nothing changes a Call once made (the transport copies `request`), so a call with
    nothing of its own is made once and shared.
    """

    # Out of reprs: the body may hold a password (tracebacks capture locals).
    request: dict[str, Any] = dataclasses.field(repr=False)
    auth: Auth
    parse: Callable[[Any], T]
    secrets: tuple[str, ...] = dataclasses.field(default=(), repr=False)
    conflict: str = "already_resolved"
    answer_has_secret: bool = False
    idempotency_key: str | None = None
    feature: str | None = None
    probe: bool = False
    about: Literal["account", "transaction"] = "account"
    exact_request: dict[str, Any] | None = dataclasses.field(default=None, repr=False)
    # Read from `request` once: every attempt, log line and error names them.
    method: str = dataclasses.field(init=False, repr=False, compare=False)
    path: str = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", str(self.request["method"]).upper())
        object.__setattr__(self, "path", str(self.request["url"]))

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
