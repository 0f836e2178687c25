"""How a request's work runs: on the event loop, in a worker thread, or in the turn of
password hashing, with the caller authenticated first (Basic credentials or an API
key), and at most once per `Idempotency-Key`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from anyio import to_thread
from starlette.requests import Request
from starlette.responses import Response

from syftbox_accounting.server import idempotency
from syftbox_accounting.server.api_keys import is_api_key
from syftbox_accounting.server.auth import (
    BasicCredentials,
    authorization_of,
    check_admin,
    parse_basic,
)
from syftbox_accounting.server.hashing import REGISTRATIONS, HashingQueue
from syftbox_accounting.server.idempotency import Keyed
from syftbox_accounting.server.service import AccountingService, Caller, Write
from syftbox_accounting.server.store.database import WouldWait

T = TypeVar("T")


# Where a request's operationId is kept: set by the route from its `ENDPOINTS` row,
# read where an API key's scopes are checked.
OPERATION = "syftbox_accounting.operation"


def operation_of(request: Request) -> str:
    """The operationId of the route that took `request`."""
    operation: str = request.scope[OPERATION]
    return operation


class Runner:
    """Where blocking work runs: never on the event loop when it can wait or take long.

    scrypt always goes to a worker thread (it releases the GIL for tens of
    milliseconds), a few at once (`hashing`: each takes 16 MiB), shared fairly between
    clients and accounts: the others wait there, holding no thread, so that the worker
    threads stay free for the database and cached logins keep being answered. SQLite on
    a file goes to a thread too when it may wait (a lock, a checkpoint's sync); reads,
    and a signed-in user's writes whose locks are free, run on the loop (`read`,
    `write`). An in-memory database
    answers in microseconds of pure CPU, which would hold the GIL in a thread just the
    same: it runs inline, sparing each request a thread hop (about as long as the work
    itself) and keeping the service fast under load.
    """

    def __init__(
        self, service: AccountingService, hashing: HashingQueue, everything_inline: bool = False
    ) -> None:
        self.service = service
        # Nothing awaits a thread or a limiter: see `create_app(run_inline=True)`.
        self.everything_inline = everything_inline
        self.inline = everything_inline or service.store.in_memory
        self.keys = service.keys
        self._hashing = hashing

    async def slow(self, func: Callable[..., T], *args: Any) -> T:
        if self.everything_inline:
            return func(*args)
        return await to_thread.run_sync(functools.partial(func, *args))

    async def hashing(
        self, request: Request, func: Callable[..., T], *args: Any, account: str
    ) -> T:
        """Run `func`, which may hash a password, in the hashing turn of the request's
        host and `account` (503 at once when that wait would be long)."""
        if self.everything_inline:
            return func(*args)
        host = request.client.host if request.client is not None else ""
        return await self._hashing.run(func, *args, host=host, account=account)

    async def db(self, func: Callable[..., T], *args: Any) -> T:
        if self.inline:
            return func(*args)
        return await self.slow(func, *args)

    async def read(self, func: Callable[..., T], *args: Any) -> T:
        """Run `func`, which only reads, on the event loop even on a file: its reads
        never wait for a lock (the store's connection when its lock is free, else the
        thread's own read connection) nor for a write. One that would have to wait (a
        lapsed hold to release first) runs again in a thread."""
        if self.inline:
            return func(*args)
        try:
            with self.service.store.not_waiting():
                return func(*args)
        except WouldWait:
            return await self.slow(func, *args)

    async def write(self, func: Callable[..., T], *args: Any) -> T:
        """Run `func`, which may write once, on the event loop even on a file, when
        nothing makes it wait: its writes append to the write-ahead log without syncing
        it (synchronous=NORMAL), which costs less than the hop to a thread and back. One
        that would wait (the store's lock or the file's write lock taken, a lapsed hold
        to release before a read) runs again in a thread: nothing was written yet. The
        checkpoint that syncs the file runs in a thread."""
        if self.inline:
            return func(*args)
        store = self.service.store
        try:
            with store.not_waiting():
                done = func(*args)
        except WouldWait:
            return await self.slow(func, *args)
        if store.checkpoint_due:
            await self.slow(store.checkpoint)
        return done

    async def as_caller(
        self,
        request: Request,
        func: Callable[..., T],
        *args: Any,
        slow: bool = False,
        heavy: bool = False,
        reads: bool = False,
        current: bool = False,
    ) -> T:
        """Authenticate the request's Basic credentials or API key (whose scopes must
        cover the request's operation, `operation_of`), then run `func(caller, *args)`;
        `slow` when `func` hashes a password, `heavy` when it may read much (a whole
        history): then it runs in a thread even on an in-memory database; `reads` when
        it only reads (then, with a password verified recently, it runs on the event
        loop: see `read`); `current` when `func` wants the caller's account as it is
        now: a cached Basic login then reads it so, and `func` runs on that read at once
        (`Caller.current`)."""
        if slow:
            caller = await self.login(request)
            return await self.hashing(request, func, caller, *args, account=caller.account.id)
        authorization = authorization_of(request)
        run_db = self.slow if heavy else self.db
        # The caller's check and the operation in one step: on the event loop when it
        # only reads (`read`) or need not wait (`write`), else one thread hop on a file.
        first = self.slow if heavy else self.read if reads else self.write
        if is_api_key(authorization):
            assert authorization is not None
            op = operation_of(request)
            # A key's login may note when it was last used (one write at most, once a
            # minute): a write that need not wait, on the event loop, even for a read.
            keyed = self.slow if heavy else self.write
            return await keyed(self._with_key, authorization, op, func, args)
        credentials = parse_basic(authorization)
        if reads and not heavy:
            run_db = self.read
        done: tuple[T] | str = await first(self._if_cached, credentials, func, args, current)
        if isinstance(done, tuple):
            return done[0]
        caller = await self.hashing(request, self.service.login, credentials, account=done)
        return await run_db(func, caller, *args)

    def _with_key(
        self, authorization: str, op: str, func: Callable[..., T], args: tuple[Any, ...]
    ) -> T:
        # A body, when the operation has one, says which scope a refusal names.
        raw = args[0] if args and isinstance(args[0], bytes) else b""
        return func(self.service.key_login(authorization, op, raw), *args)

    def _if_cached(
        self,
        credentials: BasicCredentials,
        func: Callable[..., T],
        args: tuple[Any, ...],
        current: bool = False,
    ) -> tuple[T] | str:
        found = self.service.cached_login(credentials, current=current)
        return found if isinstance(found, str) else (func(found, *args),)

    async def answer(
        self,
        request: Request,
        raw: bytes,
        func: Callable[..., T],
        render: Callable[[T], Response],
        keyed: Keyed,
    ) -> Response:
        """Run `func` (with the caller, for user auth: Basic or an API key allowed the
        request's operation)
        on the body and `render` its answer; with an `Idempotency-Key`, at most once per
        key (see `idempotency`)."""
        key = idempotency.key_of(request)
        if key is not None:
            return await idempotency.answer(self, request, raw, key, func, render, keyed)
        if keyed.auth == "basic":
            return render(await self.as_caller(request, func, raw))
        if keyed.auth == "admin":
            check_admin(authorization_of(request), self.service.admin_key)
            return render(await self.db(func, raw))
        return render(await self.slow(func, raw))

    async def answer_hashing(
        self,
        request: Request,
        raw: bytes,
        prepare: Callable[..., Write[T]],
        render: Callable[[T], Response],
        keyed: Keyed,
    ) -> Response:
        """`answer`, for an operation that hashes a password: `prepare` hashes in the
        hashing turn of the request's host and account (`hashing`), holding no lock,
        and returns its write (`service.Write`), whose result `render` renders."""
        key = idempotency.key_of(request)
        if key is not None:
            return await idempotency.answer(
                self, request, raw, key, prepare, render, keyed, hashes=True
            )
        whole = functools.partial(_written, prepare)
        if keyed.auth == "basic":
            return render(await self.as_caller(request, whole, raw, slow=True))
        return render(await self.hashing(request, whole, raw, account=REGISTRATIONS))

    async def login(self, request: Request, raw: bytes = b"") -> Caller:
        """The caller of a user request: Basic credentials, or an API key allowed the
        request's operation (a refusal names the scope its body `raw` needs)."""
        authorization = authorization_of(request)
        if is_api_key(authorization):
            assert authorization is not None
            # It may note the key's last use: a write that need not wait (see `as_caller`).
            return await self.write(
                self.service.key_login, authorization, operation_of(request), raw
            )
        credentials = parse_basic(authorization)
        found = await self.read(self.service.cached_login, credentials)
        if isinstance(found, Caller):
            return found
        return await self.hashing(request, self.service.login, credentials, account=found)


def _written(prepare: Callable[..., Write[T]], *args: Any) -> T:
    """`prepare(*args)`'s write, run at once: a request without a key has no record to
    write with it."""
    return prepare(*args)()
