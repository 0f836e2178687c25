"""Telling the user's hooks how one call goes: the `CallEvent` they receive, made here
and not in the drivers, so that sync and async calls tell the same. Loaded with the
first event (see `hooks`), so a client without hooks never builds this dataclass."""

from __future__ import annotations

import dataclasses
import itertools
import logging
import time
from typing import Any

from syftbox_accounting import errors
from syftbox_accounting.calls import Call
from syftbox_accounting.errors import AccountingError
from syftbox_accounting.fetching import Answer, Outcome
from syftbox_accounting.hooks import EventKind, Hooks

log = logging.getLogger("syftbox_accounting")

REQUEST_ID_HEADER = "x-request-id"  # as `fetching.Answer` names it


@dataclasses.dataclass(frozen=True, slots=True)
class CallEvent:
    """One moment of one call to the service, as hooks receive it.

    Attributes:
        kind: ``"request"``, ``"response"``, ``"retry"`` or ``"error"``.
        operation: the library method the call serves, e.g. ``"transfer"`` (which
            makes two calls: create, then confirm).
        method, path: the HTTP request, e.g. ``POST /transaction/create``.
        attempt: 1 for the first attempt, 2 for the first retry...
        status: the HTTP status of the answer, when one arrived.
        elapsed_ms: milliseconds since the call's first attempt began.
        request_id: the service's ``X-Request-Id`` for the answer, when one arrived.
        idempotency_key: the key of a POST or PUT (the same on every retry).
        error: what went wrong, for ``retry`` and ``error``: the exception's type
            (``"InsufficientFundsError"``, ``"ReadTimeout"``) or ``"HTTP 503"``.
        error_code: the service's error code (``"insufficient_funds"``), when known.
        wait: for ``retry``, the seconds before the next attempt.
        call_id: the same for every event of one call, unique in the process: ties
            the events of concurrent calls together.
    """

    kind: EventKind
    operation: str
    method: str
    path: str
    attempt: int
    status: int | None
    elapsed_ms: float
    request_id: str | None
    idempotency_key: str | None
    error: str | None = None
    error_code: str | None = None
    wait: float | None = None
    call_id: int = 0


_call_ids = itertools.count(1)


def next_call_id() -> int:
    return next(_call_ids)


_failed: set[int] = set()


def emit(hooks: Hooks, event: CallEvent) -> None:
    """Call the hooks of `event.kind` with `event`; a hook that raises is logged (once
    per hook) and ignored."""
    for hook in hooks.get(event.kind, ()):
        try:
            hook(event)
        except Exception as exc:
            if id(hook) not in _failed:
                _failed.add(id(hook))
                log.warning(
                    "A hook (%s) raised %s on a %r event; it is ignored, and the call goes "
                    "on unchanged",
                    getattr(hook, "__qualname__", type(hook).__name__),
                    type(exc).__name__,
                    event.kind,
                )


class Teller:
    """Tells the hooks about one call: its request, retries, answer or error."""

    def __init__(
        self, hooks: Hooks, call: Call[Any], operation: str, secrets: tuple[str, ...]
    ) -> None:
        self.hooks, self.call, self.operation = hooks, call, operation
        self.secrets = call.secrets + secrets
        self.call_id = next_call_id()
        self.started = time.perf_counter()

    def __call__(
        self,
        kind: EventKind,
        attempt: int,
        outcome: Outcome | None = None,
        *,
        failure: AccountingError | None = None,
        wait: float | None = None,
    ) -> None:
        answer = outcome if isinstance(outcome, Answer) else None
        what: str | None = None
        if failure is not None:
            what = type(failure).__name__
        elif answer is not None and kind == "retry":
            what = f"HTTP {answer.status_code}"
        elif outcome is not None and answer is None:
            what = type(outcome).__name__
        request_id = answer.headers.get(REQUEST_ID_HEADER) if answer is not None else None
        if request_id is not None:  # the service's echo, as an error keeps it
            request_id = errors.redact(request_id, self.secrets)[:128]
        emit(
            self.hooks,
            CallEvent(
                kind=kind,
                operation=self.operation,
                method=self.call.method,
                path=self.call.path,
                attempt=attempt + 1,
                status=answer.status_code if answer is not None else None,
                elapsed_ms=(time.perf_counter() - self.started) * 1000,
                request_id=failure.request_id if failure is not None else request_id,
                idempotency_key=self.call.idempotency_key,
                error=what,
                error_code=failure.code if failure is not None else None,
                wait=wait,
                call_id=self.call_id,
            ),
        )
