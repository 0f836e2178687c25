"""Hooks: your functions, called as each call to the service goes: for metrics, logs,
alerts or tracing (`syftbox_accounting.otel` builds OpenTelemetry spans from them).

>>> def log_it(event: CallEvent) -> None:
...     print(event.kind, event.operation, event.method, event.path, event.status)
>>> client = AccountingClient(hooks=[log_it])  # every event
>>> client = AccountingClient(hooks={"error": [alert], "retry": [count_retry]})

Each call to the service (one HTTP request, with its retries) gives, in order:
``request`` before each attempt; ``retry`` when an attempt failed and another will
follow (after ``wait`` seconds); then exactly one of ``response`` (the call succeeded)
or ``error`` (it failed: an error status, no answer, or an answer that breaks the
contract). Sync and async calls give the same events.

A hook is a plain function called on the caller's thread (or event loop): keep it
quick, and do not make it async. One that raises is logged once and ignored: a hook
never changes what a call does, so money never moves twice because of one. An event
holds no secret (no header, body, password, token or key).
"""

from __future__ import annotations

import dataclasses
import inspect
import itertools
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Literal, TypeAlias, get_args

from syftbox_accounting.errors import InvalidInputError

__all__ = ["EVENT_KINDS", "CallEvent", "EventKind", "Hook", "Hooks", "HooksArg", "hooks_of"]

log = logging.getLogger("syftbox_accounting")

EventKind: TypeAlias = Literal["request", "response", "retry", "error"]
EVENT_KINDS: tuple[EventKind, ...] = get_args(EventKind)


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


Hook: TypeAlias = Callable[[CallEvent], object]
# What `hooks=` takes: hooks for every event, or hooks by the events they want.
HooksArg: TypeAlias = Sequence[Hook] | Mapping[EventKind, Hook | Sequence[Hook]]
Hooks: TypeAlias = Mapping[EventKind, tuple[Hook, ...]]

_call_ids = itertools.count(1)


def next_call_id() -> int:
    return next(_call_ids)


def hooks_of(value: object, name: str = "hooks") -> Hooks:
    """`value` (a `hooks=` argument) checked, as the hooks of each event kind.

    Raises:
        InvalidInputError: not a list of functions or a mapping of event kinds to
            functions; an unknown event kind; an async function.
    """
    if value is None:
        return {}
    if isinstance(value, Mapping):
        found: dict[EventKind, tuple[Hook, ...]] = {}
        for kind, hooks in value.items():
            if kind not in EVENT_KINDS:
                raise InvalidInputError(
                    f"{name} has an unknown event kind {kind!r}: the kinds are "
                    f"{', '.join(EVENT_KINDS)}."
                )
            found[kind] = _functions(hooks if _is_list(hooks) else [hooks], f"{name}[{kind!r}]")
        return found
    if not _is_list(value):
        raise InvalidInputError(
            f"{name} must be a list of functions, or a mapping of event kinds "
            f"({', '.join(EVENT_KINDS)}) to functions, not {type(value).__name__}."
        )
    every = _functions(value, name)  # type: ignore[arg-type]  # checked just above
    return dict.fromkeys(EVENT_KINDS, every) if every else {}


def _is_list(value: object) -> bool:
    return isinstance(value, Iterable) and not isinstance(value, str | bytes | Mapping)


def _functions(values: Iterable[object], name: str) -> tuple[Hook, ...]:
    found = tuple(values)
    for hook in found:
        if not callable(hook):
            raise InvalidInputError(f"{name} must hold functions, not {type(hook).__name__}.")
        if inspect.iscoroutinefunction(hook) or inspect.iscoroutinefunction(
            getattr(hook, "__call__", None)  # noqa: B004  # an object with an async __call__
        ):
            raise InvalidInputError(
                f"{name} holds an async function ({getattr(hook, '__name__', hook)!r}): hooks "
                "are plain functions, called for sync and async calls alike; start your own "
                "task from one if it must await."
            )
    return found  # type: ignore[return-value]  # each is callable, checked above


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
