"""The store's database: one SQLite connection, its units of work, and the release
of lapsed holds that comes before every answer.

One connection guarded by a lock serves every thread: each call is a few microseconds
of SQLite work, and a single writer makes every money movement trivially serial. Each
movement also runs in one `BEGIN IMMEDIATE` transaction, so it stays atomic when
several processes share a database file.

A PENDING transaction holds its amount from its sender (`accounts.held`, never above the
balance) until it is confirmed, cancelled, or its hold lapses at `expires_at`. Lapsed
holds are released without anyone calling: every write releases them first, and every
read first checks (through a partial index) whether one is due, so no answer given after
`expires_at` shows the hold.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from syftbox_accounting.server.clock import Clock, stamp
from syftbox_accounting.server.files import prepare_database
from syftbox_accounting.server.store import schema, usage
from syftbox_accounting.server.store.rows import EXPIRED, set_time_order


class WouldWait(Exception):
    """Work run where it must not wait (`not_waiting`: the event loop) would have to:
    a read found a lapsed hold to release first, or a write found the store's lock or
    the file's write lock taken. Raised before anything was written: run it again where
    it may wait."""


# The busy timeout of the write connection, in milliseconds: how long a write waits for
# another process's write lock on the same file.
_BUSY_TIMEOUT_MS = 30_000
# A file's write-ahead log is copied back into it (a checkpoint, which syncs the file)
# after this many committed writes: about SQLite's automatic 1,000 pages, at the 10 to
# 20 pages a money movement changes. Ours, not SQLite's, so that it never runs inside a
# write made on the event loop (see `checkpoint_due`).
CHECKPOINT_EVERY = 64


class Database:
    """The service's data, kept in one SQLite database (a file, or memory); the rooms
    of `Store` (accounts, payments, history) build on it.

    `clock` (seconds since the epoch) dates everything and decides when holds lapse.
    """

    def __init__(
        self, database: str | os.PathLike[str] = ":memory:", clock: Clock = time.time
    ) -> None:
        # Created 0600 before SQLite opens it (its -wal and -shm files take its mode), or
        # refused when other users can read it: it holds the password hashes.
        prepare_database(database)
        self.clock = clock
        # Reentrant, so that a caller's unit of work (`unit`) can hold it around the
        # store's own writes, which then join that unit.
        self._lock = threading.RLock()
        self._savepoints = 0
        # The time of the write in progress (under the lock): what it stamps and what
        # decided which holds had lapsed.
        self._time = 0.0
        # Tables kept beside the store's own (the idempotency keys), wiped by `reset`.
        self.reset_hooks: list[Callable[[sqlite3.Connection], None]] = []
        self._connection = sqlite3.connect(
            database, isolation_level=None, check_same_thread=False, timeout=_BUSY_TIMEOUT_MS / 1000
        )
        self._database = database
        # Per thread: its read connection (a file), how deep it is in write units, and
        # whether it must not wait (see `not_waiting`).
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        # In memory, a call is microseconds of CPU and never waits on a disk.
        self.in_memory = os.fspath(database) == ":memory:"
        # Where tables that only grow with traffic (the idempotency records) live: in
        # the file, or for an in-memory store in a private temporary file of SQLite's
        # (deleted when the connection closes), so that the process holds only its
        # bounded page cache of them, not every record.
        self.side_schema = "main"
        if self.in_memory:
            self._connection.execute("ATTACH DATABASE '' AS side")
            # Its rollback journal in memory, as the main database's: a journal file made
            # and deleted at every commit cost more than the write it guarded, and an
            # in-memory service keeps nothing across a crash anyway.
            self._connection.execute("PRAGMA side.journal_mode = MEMORY")
            self.side_schema = "side"
        if not self.in_memory:
            # WAL lets readers in other processes work while we write; NORMAL is durable
            # across application crashes, which is what a reference service needs.
            self._connection.execute("PRAGMA journal_mode = WAL")
            self._connection.execute("PRAGMA synchronous = NORMAL")
            self._connection.execute("PRAGMA wal_autocheckpoint = 0")
        # Writes committed since the last checkpoint (a file only), and what checkpoints.
        self._commits = 0
        self._checkpointing = threading.Lock()
        self._checkpointer: sqlite3.Connection | None = None
        schema.create_tables(self._connection)
        with self._write(release=False) as db:
            schema.migrate(db, self.clock())
        # From now on a statement never waits for a lock by itself: `_begin` waits for
        # another process's write lock where waiting is allowed, so that work on the
        # event loop needs no statement to turn the wait off and on again. Once a write
        # transaction holds the write lock, nothing in it waits in WAL mode (no
        # automatic checkpoint); a read outside one takes no lock that a writer holds.
        self._connection.execute("PRAGMA busy_timeout = 0")

    def close(self) -> None:
        with self._lock:
            self._connection.close()
        with self._readers_lock:
            for reader in self._readers:
                reader.close()
            self._readers.clear()
        with self._checkpointing:
            if self._checkpointer is not None:
                self._checkpointer.close()
                self._checkpointer = None

    @contextmanager
    def _write(self, *, release: bool = True) -> Iterator[sqlite3.Connection]:
        """One atomic unit of work: all of it is committed, or none of it. The holds that
        lapsed by now are released first, and stay released whatever the work does."""
        db, local = self._connection, self._local
        may_wait = not getattr(local, "no_wait", False)
        # The lock and the depth in write units taken here, not through `_locked`: a
        # charge makes two writes, and each context manager layer costs a microsecond.
        self._acquire()
        local.writing = getattr(local, "writing", 0) + 1
        try:
            self._time = self.clock()
            if db.in_transaction:
                # Inside a `unit` of this thread: a savepoint, committed with that unit.
                with self._savepoint(db):
                    if release:
                        self._release_lapsed(db)
                    yield db
                return
            # IMMEDIATE takes the write lock up front, so that two processes sharing a
            # file cannot both read a balance and then both spend it.
            self._begin(db)
            released = False
            try:
                released = release and self._release_lapsed(db) > 0
                if released:
                    # A refused operation must not bring the released holds back.
                    with self._savepoint(db):
                        yield db
                else:
                    yield db
            except BaseException:
                finish(db, commit=released)
                if released:
                    self._committed()
                raise
            finish(db, commit=True)
            self._committed()
        finally:
            local.writing -= 1
            self._lock.release()
        if may_wait and self.checkpoint_due:
            self.checkpoint()  # outside the lock: writes go on meanwhile

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """The store's lock; where work must not wait, taken only if free (else
        `WouldWait`)."""
        self._acquire()
        try:
            yield
        finally:
            self._lock.release()

    def _acquire(self) -> None:
        """Take the store's lock; where work must not wait, only if it is free (else
        `WouldWait`)."""
        if self.in_memory or not getattr(self._local, "no_wait", False):
            self._lock.acquire()
        elif not self._lock.acquire(blocking=False):
            raise WouldWait

    def _begin(self, db: sqlite3.Connection) -> None:
        """BEGIN IMMEDIATE: where work must not wait, `WouldWait` at once when another
        process holds the file's write lock; elsewhere it waits for that lock, up to
        `_BUSY_TIMEOUT_MS`. The connection's own busy timeout stays 0 (see `__init__`):
        only a write lock found taken pays for setting it."""
        try:
            db.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            if not error.sqlite_errorname.startswith("SQLITE_BUSY"):
                raise
        if getattr(self._local, "no_wait", False):
            raise WouldWait from None
        db.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        try:
            db.execute("BEGIN IMMEDIATE")
        finally:
            db.execute("PRAGMA busy_timeout = 0")

    def _committed(self) -> None:
        """Count a write of a file towards the next checkpoint. Work that must not wait
        waits like any other once it wrote: running it again would write twice."""
        if self.in_memory:
            return
        self._commits += 1
        self._local.no_wait = False

    @property
    def checkpoint_due(self) -> bool:
        """Whether enough writes went into the write-ahead log to copy it back into the
        file (`checkpoint`, which syncs it: in a thread)."""
        return self._commits >= CHECKPOINT_EVERY

    def checkpoint(self) -> None:
        """Copy the write-ahead log back into the file, as far as no reader or writer
        prevents it (SQLite's automatic checkpoint, PASSIVE), through a connection of its
        own: writes go on meanwhile. Skipped while another thread checkpoints."""
        if not self._checkpointing.acquire(blocking=False):
            return
        try:
            self._commits = 0
            if self._checkpointer is None:
                self._checkpointer = sqlite3.connect(
                    self._database, isolation_level=None, check_same_thread=False
                )
            self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            self._checkpointing.release()

    @contextmanager
    def _savepoint(self, db: sqlite3.Connection) -> Iterator[None]:
        self._savepoints += 1
        name = f"sp{self._savepoints}"
        db.execute(f"SAVEPOINT {name}")
        try:
            yield
            db.execute(f"RELEASE {name}")
        except BaseException:
            db.execute(f"ROLLBACK TO {name}")
            db.execute(f"RELEASE {name}")
            raise
        finally:
            self._savepoints -= 1

    def unit(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """One atomic unit of work for code beside the store (the idempotency keys): the
        store's writes made inside it, in this thread, commit or roll back with it."""
        return self._write()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """The connection, for reads by code beside the store (the API keys), under the
        store's lock; releases no lapsed hold (no balance is read)."""
        with self._locked():
            yield self._connection

    @contextmanager
    def not_waiting(self) -> Iterator[None]:
        """Work in this block raises `WouldWait` rather than wait for a lock: for work
        run on the event loop, which must never wait. Until its first write commits:
        work that wrote waits like any other, since running it again would write twice."""
        self._local.no_wait = True
        try:
            yield
        finally:
            self._local.no_wait = False

    @contextmanager
    def _read(self, *, release: bool = True) -> Iterator[sqlite3.Connection]:
        """A connection to read from, once no lapsed hold is left to release.

        The one connection under the lock: inside a write unit it sees the unit's own
        writes, and its page cache is warm (a read connection's is emptied by every
        write of the other: that costs a login read about 6 us on a file). Where
        reads must not wait (`not_waiting`: the event loop) on a file, it is used only
        if the lock is free, else a connection of this thread's own, without the
        lock; in WAL mode either sees every committed write and waits for none."""
        writing: int = getattr(self._local, "writing", 0)
        if self.in_memory or writing or not getattr(self._local, "no_wait", False):
            with self._lock:
                db = self._connection
                if release and lapsed(db, stamp(self.clock()), limit=1):
                    with self._write():
                        pass  # the write releases them
                yield db
            return
        if self._lock.acquire(blocking=False):
            try:
                db = self._connection
                if release and lapsed(db, stamp(self.clock()), limit=1):
                    raise WouldWait
                yield db
            finally:
                self._lock.release()
            return
        reader = self._reader()
        if release and lapsed(reader, stamp(self.clock()), limit=1):
            raise WouldWait
        yield reader

    def _reader(self) -> sqlite3.Connection:
        reader: sqlite3.Connection | None = getattr(self._local, "reader", None)
        if reader is None:
            # Autocommit: each statement reads the newest committed state, and a read
            # connection never holds a snapshot between statements.
            reader = sqlite3.connect(
                self._database, isolation_level=None, check_same_thread=False, timeout=30.0
            )
            reader.execute("PRAGMA query_only = ON")
            with self._readers_lock:
                self._readers.append(reader)
            self._local.reader = reader
        return reader

    def _release_lapsed(self, db: sqlite3.Connection) -> int:
        """Release every hold whose time is up: CANCELLED by the SYSTEM at its
        `expires_at`, reason `expired`. Returns how many."""
        due = lapsed(db, stamp(self._time))
        for transaction_id, sender, recipient, held, expires_at, created_at in due:
            db.execute(
                "UPDATE transactions SET status = 'CANCELLED', resolved_by = 'SYSTEM',"
                " resolved_at = ?, cancel_reason = ? WHERE id = ? AND status = 'PENDING'",
                (expires_at, EXPIRED, transaction_id),
            )
            db.execute("UPDATE accounts SET held = held - ? WHERE email = ?", (held, sender))
            usage.bump(
                db,
                created_at,
                usage.Change(sender, pending_count=-1, pending_amount=-held),
                usage.Change(recipient, pending_count=-1),
            )
        return len(due)

    # --- administration -------------------------------------------------------------

    def reset(self) -> None:
        """Delete every account, transaction and spent token (the token key stays)."""
        with self._write() as db:
            db.execute("DELETE FROM spent_tokens")
            db.execute("DELETE FROM transactions")
            db.execute("DELETE FROM usage_periods")
            set_time_order(db, in_order=True)
            db.execute("DELETE FROM accounts")
            for hook in self.reset_hooks:
                hook(db)

    def secret(self, key: str, size: int = 32) -> bytes:
        """A random secret kept in the database, created on first use."""
        with self._write() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            if row is not None:
                return bytes(row[0])
            value = secrets.token_bytes(size)
            db.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, value))
            return value


def finish(db: sqlite3.Connection, *, commit: bool) -> None:
    """End the transaction: commit it (rolled back if that fails), or roll it back."""
    if not db.in_transaction:
        return
    if commit:
        try:
            db.execute("COMMIT")
            return
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
    db.execute("ROLLBACK")


def lapsed(
    db: sqlite3.Connection, now: str, limit: int = -1
) -> list[tuple[str, str, str, int, str, str]]:
    """The pending transactions whose hold lapsed by `now` (stored-time text): id,
    sender, recipient, held amount, expiry, creation. Read through the partial index."""
    rows: list[tuple[str, str, str, int, str, str]] = db.execute(
        "SELECT id, sender_email, recipient_email, authorized, expires_at, created_at"
        " FROM transactions WHERE status = 'PENDING' AND expires_at <= ?"
        " ORDER BY expires_at LIMIT ?",
        (now, limit),
    ).fetchall()
    return rows
