"""Flows: one library operation written once, as a generator of calls.

A flow (see `accounting/`) yields `Call`s, or a `Gather` of calls, and receives their
results; `Transport.run` and `Transport.run_async` drive it. A flow is named after the
public method it serves, with a leading underscore (``_get_account_balance``), which is
how errors name the operation that failed.
"""

from __future__ import annotations

import contextlib
import types
from collections.abc import Generator
from typing import Any, TypeVar, cast

from syftbox_accounting.calls import Call

T = TypeVar("T")


class Gather:
    """A flow step: several calls at once (concurrently when async).

    A plain slotted class, not a dataclass like the records users see: it is made on
    every gathered step and read once, and a dataclass would cost ~0.5 ms at import."""

    __slots__ = ("calls",)

    def __init__(self, calls: tuple[Call[Any], ...]) -> None:
        self.calls = calls

    def __repr__(self) -> str:
        return f"Gather({self.calls!r})"


Step = Call[Any] | Gather
Flow = Generator[Step, Any, T]


def result_of(call: Call[T]) -> Flow[T]:
    """Yield one call from a flow and get its typed result: ``yield from result_of(c)``."""
    result: T = yield call
    return result


def operation_of(flow: Flow[Any]) -> str:
    """The public method a flow serves: ``_get_account_balance`` serves
    ``get_account_balance``."""
    generator = cast("types.GeneratorType[Any, Any, Any]", flow)
    return generator.__name__.removeprefix("_")


def interrupted(flow: Flow[Any], exc: BaseException) -> None:
    """Let a flow hit by an interrupt (Ctrl-C, a cancelled task) say what it leaves
    behind, e.g. a pending transaction, as a note or attribute on `exc`; the
    interrupt itself goes on."""
    with contextlib.suppress(BaseException):
        flow.throw(exc)
    flow.close()
