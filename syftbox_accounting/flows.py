"""Flows: one library operation written once, as a generator of calls.

A flow (see `accounting/`) yields `Call`s, a `Gather` of calls, or `Local` work (a
budget's ledger), and receives their results; `Transport.run` and `Transport.run_async`
drive it. A flow is named after the
public method it serves, with a leading underscore (``_get_account_balance``), which is
how errors name the operation that failed.
"""

from __future__ import annotations

import contextlib
import types
from collections.abc import Callable, Generator
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


class Local:
    """A flow step done on this computer, not at the service: `call()`, whose result
    the flow receives (what it raises is thrown into the flow). `blocking` when it
    waits on the disk (a budget's ledger file, written with fsync): the async drivers
    then run it in a worker thread (`done_async`), so that the event loop never waits
    on the disk. Every driver, the HTTP 402 paying transports' too, runs it so."""

    __slots__ = ("blocking", "call")

    def __init__(self, call: Callable[[], Any], blocking: bool) -> None:
        self.call = call
        self.blocking = blocking

    def __repr__(self) -> str:
        return f"Local({self.call!r}, blocking={self.blocking})"


async def done_async(step: Local) -> Any:
    """`step` done by an async driver: in a worker thread when it blocks."""
    if not step.blocking:
        return step.call()
    import anyio  # only async programs pay for loading it

    # Shielded: what was counted must not be lost to a deadline meanwhile, nor a
    # release skipped while a cancellation goes by.
    with anyio.CancelScope(shield=True):
        return await anyio.to_thread.run_sync(step.call)


Step = Call[Any] | Gather | Local
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
    behind, e.g. a pending transaction, as a note or attribute on `exc`, and take its
    `Local` steps (releasing what it counted in a budget); the interrupt itself goes
    on."""
    with contextlib.suppress(BaseException):
        step = flow.throw(exc)
        while isinstance(step, Local):
            step = flow.send(step.call())
    flow.close()


async def interrupted_async(flow: Flow[Any], exc: BaseException) -> None:
    """`interrupted` for the async driver: its `Local` steps off the event loop."""
    with contextlib.suppress(BaseException):
        step = flow.throw(exc)
        while isinstance(step, Local):
            step = flow.send(await done_async(step))
    flow.close()
