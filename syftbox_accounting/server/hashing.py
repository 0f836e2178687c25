"""Password hashing workers, shared fairly, with an early `503` when the wait is long.

scrypt takes tens of milliseconds of CPU and 16 MiB per hash, so a few run at once
(`slots` worker threads) and the rest wait. A plain queue lets one client's flood of
logins starve everyone's: each new login waits behind the whole flood. Here the waiting
requests are queued per client host, and per account within a host; a free worker takes
the next host in turn, and within it the next account in turn, so a login for another
account waits for a few hashes, not for the flood.

A request is refused at once (`503 unavailable`, with a `Retry-After` of its estimated
wait) when others of its own host and account already wait and its wait would be over
`max_wait` seconds, or when `max_waiting` requests wait in all: a flood then mostly costs
the service one cheap answer per request, and the first request of any other account is
always let in.

The workers take the next job themselves, in their own threads, and tell the event loop
only when a job is done: under a flood the event loop is busy answering it, and hashing
must not wait for its turn there between two jobs.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import sys
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import anyio

from syftbox_accounting.server import errors

T = TypeVar("T")

DEFAULT_MAX_WAIT = 1.0
DEFAULT_MAX_WAITING = 256
# The turn of requests without a caller (registrations): one for all of them, so that a
# flood of registrations waits behind itself, not in front of logins.
REGISTRATIONS = "registrations"
# A first guess at one hash's time (scrypt n=2**14 on one core); measured hashes
# replace it at once.
_FIRST_GUESS = 0.05
_SMOOTHING = 0.2  # weight of the newest hash's time in the running estimate
_IDLE_EXIT = 30.0  # seconds a worker waits for work before its thread ends


def _wake_soon(event: anyio.Event) -> Callable[[], None]:
    """A function that any thread may call, without blocking, to set `event` in the
    event loop that made it (asyncio, or trio when it runs this loop)."""
    trio: Any = sys.modules.get("trio")
    if trio is not None:
        try:
            token = trio.lowlevel.current_trio_token()
        except RuntimeError:
            pass  # trio is loaded, but this is not a trio run
        else:
            return lambda: token.run_sync_soon(event.set)
    loop = asyncio.get_running_loop()

    def wake() -> None:
        loop.call_soon_threadsafe(event.set)

    return wake


class _Job(Generic[T]):
    __slots__ = ("args", "done", "error", "func", "result", "started", "wake")

    def __init__(self, func: Callable[..., T], args: tuple[Any, ...]) -> None:
        self.func, self.args = func, args
        self.done = anyio.Event()
        self.wake = _wake_soon(self.done)
        self.started = False
        self.result: T | None = None
        self.error: BaseException | None = None


class HashingQueue:
    """Runs blocking functions that hash passwords in `slots` worker threads, in fair
    turns between client hosts and accounts (see the module docstring).

    >>> queue = HashingQueue(slots=2)
    >>> caller = await queue.run(service.login, credentials, host="10.0.0.7", account=id)

    Raises:
        ApiError: 503 unavailable, with `Retry-After`, when the wait would be too long.
    """

    def __init__(
        self,
        slots: int,
        *,
        max_wait: float = DEFAULT_MAX_WAIT,
        max_waiting: int = DEFAULT_MAX_WAITING,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if slots < 1:
            raise ValueError("slots must be at least 1")
        if not (math.isfinite(max_wait) and max_wait > 0):
            raise ValueError(f"max_wait must be a positive number of seconds, not {max_wait!r}")
        self.slots = slots
        self.max_wait = max_wait
        self.max_waiting = max_waiting
        self._clock = clock
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)
        # host -> account -> jobs, each level in turn order (the next turn first).
        self._queues: OrderedDict[str, OrderedDict[str, deque[_Job[Any]]]] = OrderedDict()
        self.waiting = 0
        self.busy = 0
        self._workers = 0
        self.hash_seconds = _FIRST_GUESS

    # -- the event loop's side

    async def run(self, func: Callable[..., T], *args: Any, host: str, account: str) -> T:
        """`func(*args)` in a worker thread, in this host's and account's turn."""
        job: _Job[T] = _Job(func, args)
        with self._lock:
            wait = self._admit(host, account)
            if wait is not None:
                raise errors.busy(max(1, math.ceil(wait)))
            self._queues.setdefault(host, OrderedDict()).setdefault(account, deque()).append(job)
            self.waiting += 1
            if self._workers - self.busy < self.waiting and self._workers < self.slots:
                self._workers += 1
                threading.Thread(target=self._worker, name="password-hashing", daemon=True).start()
            # All: an idle worker takes the job, and whoever watches the queue sees it.
            self._work.notify_all()
        try:
            await job.done.wait()
        except BaseException:
            with self._lock:
                if not job.started:  # still queued: leave no trace
                    self._remove(job)
            raise
        if job.error is not None:
            raise job.error
        return job.result  # type: ignore[return-value]

    def _admit(self, host: str, account: str) -> float | None:
        """None to queue a request, or its estimated wait to refuse it."""
        accounts = self._queues.get(host, OrderedDict())
        ahead = len(accounts.get(account, ()))
        if self.waiting >= self.max_waiting:
            return self.estimate(host, account)
        if ahead == 0:
            return None  # the first of its account waits at most one round of turns
        wait = self.estimate(host, account)
        return wait if wait > self.max_wait else None

    def estimate(self, host: str, account: str) -> float:
        """Seconds a new request of (`host`, `account`) would wait, at most: every host
        takes a turn before its host's next one, every account of its host a turn
        before its account's next one."""
        accounts = self._queues.get(host, OrderedDict())
        hosts = len(self._queues) + (host not in self._queues)
        turns = len(accounts) + (account not in accounts)
        ahead = len(accounts.get(account, ()))
        grants = (ahead + 1) * turns * hosts
        return (grants / self.slots + 1) * self.hash_seconds

    def _remove(self, job: _Job[Any]) -> None:
        for host, accounts in list(self._queues.items()):
            for account, jobs in list(accounts.items()):
                if job in jobs:
                    jobs.remove(job)
                    self.waiting -= 1
                    if not jobs:
                        del accounts[account]
                    if not accounts:
                        del self._queues[host]
                    return

    # -- the workers' side

    def _next(self) -> _Job[Any] | None:
        if not self._queues:
            return None
        host, accounts = next(iter(self._queues.items()))
        account, jobs = next(iter(accounts.items()))
        job = jobs.popleft()
        self.waiting -= 1
        # Its account goes to the back of its host's turns, its host to the back of all.
        if jobs:
            accounts.move_to_end(account)
        else:
            del accounts[account]
        if accounts:
            self._queues.move_to_end(host)
        else:
            del self._queues[host]
        return job

    def _worker(self) -> None:
        while True:
            with self._lock:
                job = self._next()
                while job is None:
                    if not self._work.wait(_IDLE_EXIT) and not self._queues:
                        self._workers -= 1
                        return
                    job = self._next()
                job.started = True
                self.busy += 1
            started = self._clock()
            try:
                job.result = job.func(*job.args)
            except BaseException as error:  # handed to the request that asked for it
                job.error = error
            took = self._clock() - started
            with self._lock:
                self.busy -= 1
                self.hash_seconds += _SMOOTHING * (took - self.hash_seconds)
            with contextlib.suppress(RuntimeError):  # its event loop has closed
                job.wake()
