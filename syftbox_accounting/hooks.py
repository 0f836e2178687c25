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

import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ForwardRef, Literal, TypeAlias, get_args

from syftbox_accounting._lazy import lazy_module
from syftbox_accounting.errors import InvalidInputError

__all__ = ["EVENT_KINDS", "CallEvent", "EventKind", "Hook", "Hooks", "HooksArg", "hooks_of"]

EventKind: TypeAlias = Literal["request", "response", "retry", "error"]
EVENT_KINDS: tuple[EventKind, ...] = get_args(EventKind)


# `CallEvent` lives in `call_events`, loaded with the first event: a client without
# hooks never builds its dataclass (~0.5 ms at import). `hooks.CallEvent` still works.
if TYPE_CHECKING:
    from syftbox_accounting.call_events import CallEvent

    Hook: TypeAlias = Callable[[CallEvent], object]
else:
    _events = lazy_module("syftbox_accounting.call_events")
    # Named through `_events`, so that typing.get_type_hints resolves it (in this
    # module, wherever Hook appears) by loading `call_events` then.
    Hook = Callable[[ForwardRef("_events.CallEvent", module=__name__)], object]

    def __getattr__(name: str) -> Any:
        if name != "CallEvent":
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        globals()[name] = found = _events.CallEvent  # later reads skip this function
        return found


# What `hooks=` takes: hooks for every event, or hooks by the events they want.
HooksArg: TypeAlias = Sequence[Hook] | Mapping[EventKind, Hook | Sequence[Hook]]
Hooks: TypeAlias = Mapping[EventKind, tuple[Hook, ...]]


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
