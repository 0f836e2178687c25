"""Async calls' deadlines on asyncio: one timer per event loop for every call in flight.

`asyncio.timeout_at` per request builds a `Timeout`, pushes a timer on the loop's heap
and cancels it again: a third of what the facade adds to an async call beyond httpx.
A call's deadline is seconds away and its exchange lasts milliseconds, so a `Watch`
holds the calls in flight and keeps one timer armed at the earliest deadline it has
seen; a call that ends only leaves the watch. When the timer fires, the calls past
their deadline have their task cancelled, and the timer is armed for the next one.
The cancellation is told apart from any other as `asyncio.timeout` does it: by the
task's count of cancel requests (`Task.uncancel`).

Example (inside a task)::

    watch = watch_for(loop)
    watched = watch.enter(asyncio.current_task(), seconds)
    try:
        answer = await exchange()
    except asyncio.CancelledError:
        if watch.leave(watched):
            raise Overdue(seconds) from None  # this watch cancelled it
        raise
    except BaseException:
        watch.leave(watched)
        raise
    watch.leave(watched)
"""

from __future__ import annotations

import asyncio
import math
import threading
import weakref
from typing import Any


class Watched:
    """One call in flight: its task, its deadline (loop time), whether the watch
    cancelled it, and `too_large` once its answer went past the size limit (it then
    asks `stop` to end the exchange from outside, as the deadline would)."""

    __slots__ = ("cancelling", "expired", "task", "too_large", "watch", "when")

    def __init__(self, watch: Watch, task: asyncio.Task[Any], when: float) -> None:
        self.watch = watch
        self.task = task
        self.when = when
        self.cancelling = task.cancelling()
        self.expired = False
        self.too_large = False

    def stop(self) -> None:
        """End the exchange at the loop's next turn: its next read is cancelled, which
        closes httpx's nested generators from the inside."""
        self.watch.loop.call_soon(self.watch.cancel, self)


class Watch:
    """The calls in flight on one event loop and the one timer that ends them."""

    __slots__ = ("__weakref__", "armed", "calls", "handle", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        # An ordered set: the calls in flight.
        self.calls: dict[Watched, None] = {}
        self.armed = math.inf  # when the timer fires (inf: no timer)
        self.handle: asyncio.TimerHandle | None = None

    def enter(self, task: asyncio.Task[Any], seconds: float) -> Watched:
        """Watch `task`, the running one, for `seconds` from now."""
        watched = Watched(self, task, self.loop.time() + seconds)
        self.calls[watched] = None
        if watched.when < self.armed:
            self._arm(watched.when)
        return watched

    def leave(self, watched: Watched) -> bool:
        """The call ended; True when this watch cancelled its task and nothing else
        asked to (a `CancelledError` then means its deadline or size limit)."""
        del self.calls[watched]
        return watched.expired and watched.task.uncancel() <= watched.cancelling

    def cancel(self, watched: Watched) -> None:
        """Cancel the call's task, once, while the call is in flight."""
        if not watched.expired and watched in self.calls:
            watched.expired = True
            watched.task.cancel()

    def _arm(self, when: float) -> None:
        if self.handle is not None:
            self.handle.cancel()
        self.armed = when
        self.handle = self.loop.call_at(when, self._fire)

    def _fire(self) -> None:
        self.handle, self.armed = None, math.inf
        now = self.loop.time()
        later = math.inf
        for watched in list(self.calls):
            if watched.when <= now:
                self.cancel(watched)
            elif watched.when < later and not watched.expired:
                later = watched.when
        if later < math.inf:
            self._arm(later)


# The watch of the loop this thread runs (a thread runs one loop at a time), held
# weakly: its armed timer and its calls in flight keep it, and through it its loop.
# A loop that ended (closed with a timer armed, or with calls never finished) then
# leaves with what it ran, as it would without the library.
_local = threading.local()


def watch_for(loop: asyncio.AbstractEventLoop) -> Watch:
    """The watch of `loop`, the running loop of this thread."""
    ref: weakref.ref[Watch] | None = getattr(_local, "watch", None)
    watch = None if ref is None else ref()
    if watch is None or watch.loop is not loop:
        watch = Watch(loop)
        _local.watch = weakref.ref(watch)
    return watch
