"""Writes of a store on a file where they must not wait (the event loop): made at once
when nothing holds a lock; `WouldWait`, with nothing written, when the store's lock or
another connection's write lock is taken; at most once in a block (a write done, the
next ones wait); and the write-ahead log checkpointed in a thread when due."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from syftbox_accounting.server import ManualClock
from syftbox_accounting.server.store import Store
from syftbox_accounting.server.store.database import CHECKPOINT_EVERY, WouldWait

PATIENCE = 60.0  # a ceiling, reached only when something is broken
ANN, BOB = "ann@example.com", "bob@example.com"
START = 1_800_000_000.0


def books(tmp_path: Path) -> Store:
    store = Store(tmp_path / "books.sqlite3")
    store.create_account(ANN, "hash", None, 100)
    store.create_account(BOB, "hash", None, 0)
    return store


def balance(store: Store, email: str) -> int:
    account = store.account(email)
    assert account is not None
    return account.balance


def test_a_write_that_need_not_wait_is_made_in_place(tmp_path: Path) -> None:
    store = books(tmp_path)
    with store.not_waiting():
        store.add_balance(ANN, 5)
    assert balance(store, ANN) == 105
    store.close()


def test_a_write_says_would_wait_while_another_thread_holds_the_store(tmp_path: Path) -> None:
    store = books(tmp_path)
    inside, release = threading.Event(), threading.Event()

    def hold_the_store() -> None:
        with store.unit():
            inside.set()
            release.wait(PATIENCE)

    holder = threading.Thread(target=hold_the_store)
    holder.start()
    try:
        assert inside.wait(PATIENCE)
        with store.not_waiting(), pytest.raises(WouldWait):
            store.add_balance(ANN, 5)
    finally:
        release.set()
        holder.join(PATIENCE)
    assert balance(store, ANN) == 100  # nothing written: it may run again
    store.close()


def test_a_write_says_would_wait_while_another_process_writes_the_file(tmp_path: Path) -> None:
    store = books(tmp_path)
    other = sqlite3.connect(tmp_path / "books.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process's write lock on the file
    try:
        with store.not_waiting(), pytest.raises(WouldWait):
            store.add_balance(ANN, 5)
    finally:
        other.execute("ROLLBACK")
        other.close()
    # The store waits as before where it may, and wrote nothing the first time.
    store.add_balance(ANN, 5)
    assert balance(store, ANN) == 105
    store.close()


def test_a_write_where_it_may_wait_waits_for_another_process(tmp_path: Path) -> None:
    # Its connection never waits by itself (no busy timeout to switch off on the event
    # loop): the write waits for the file's write lock on its own, and reads meanwhile
    # see the committed state without waiting.
    started = threading.Event()
    clock = ManualClock(START)

    def dating() -> float:  # the store reads its clock as a write starts
        started.set()
        return clock()

    store = Store(tmp_path / "books.sqlite3", dating)
    store.create_account(ANN, "hash", None, 100)
    other = sqlite3.connect(tmp_path / "books.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE accounts SET balance = 1 WHERE email = ?", (ANN,))
    failed: list[BaseException] = []

    def credit() -> None:
        try:
            store.add_balance(ANN, 5)
        except BaseException as error:  # reported below, in the test's thread
            failed.append(error)

    started.clear()
    writer = threading.Thread(target=credit)
    writer.start()
    try:
        assert started.wait(PATIENCE)
    finally:
        other.execute("ROLLBACK")
        other.close()
        writer.join(PATIENCE)
    assert not failed
    assert balance(store, ANN) == 105
    store.close()


def test_a_read_does_not_wait_for_another_process_that_writes(tmp_path: Path) -> None:
    store = books(tmp_path)
    other = sqlite3.connect(tmp_path / "books.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE accounts SET balance = 1 WHERE email = ?", (ANN,))
    try:
        assert balance(store, ANN) == 100  # the committed balance, read at once
        with store.not_waiting():
            assert balance(store, ANN) == 100
    finally:
        other.execute("ROLLBACK")
        other.close()
    store.close()


def test_after_one_write_the_block_waits_rather_than_run_again(tmp_path: Path) -> None:
    # A block that wrote would write twice if run again: what comes next in it waits
    # (here, a read that must release a lapsed hold first) instead of `WouldWait`.
    clock = ManualClock(START)
    store = Store(tmp_path / "books.sqlite3", clock)
    store.create_account(ANN, "hash", None, 100)
    store.create_account(BOB, "hash", None, 0)
    store.create_transaction(
        sender_email=ANN,
        recipient_email=BOB,
        amount=40,
        created_by="SENDER",
        token=None,
        app_name=None,
        app_ep_path=None,
        hold_for=10,
    )
    with store.not_waiting():
        store.add_balance(BOB, 1)
        clock.advance(11)  # the hold lapses after the write
        account = store.account(ANN)
    assert account is not None
    assert account.held == 0
    with store.not_waiting():  # a new block must not wait again
        assert store.account(BOB) is not None
    store.close()


def test_writes_where_they_must_not_wait_leave_the_checkpoint_to_the_caller(
    tmp_path: Path,
) -> None:
    store = books(tmp_path)
    store.checkpoint()
    for _ in range(CHECKPOINT_EVERY):
        assert not store.checkpoint_due
        with store.not_waiting():
            store.add_balance(ANN, 1)
    assert store.checkpoint_due
    store.checkpoint()
    assert not store.checkpoint_due
    # Elsewhere the store checkpoints by itself.
    for _ in range(CHECKPOINT_EVERY):
        store.add_balance(ANN, 1)
    assert not store.checkpoint_due
    assert balance(store, ANN) == 100 + 2 * CHECKPOINT_EVERY
    store.close()
