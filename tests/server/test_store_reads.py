"""Reads of a store on a file where they must not wait (the event loop): through the
store's connection when its lock is free, else a connection of the thread's own,
without the write lock, seeing every committed write; one that must release a lapsed
hold first says so, and the service then reads in a thread."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest

from syftbox_accounting.server import BackgroundService, ManualClock
from syftbox_accounting.server.store import Store
from syftbox_accounting.server.store.database import WouldWait

# A ceiling for the waits below: generous, reached only when something is broken.
PATIENCE = 60.0
START = 1_800_000_000.0


def pay(store: Store, sender: str, recipient: str, amount: int, hold_for: int = 3600) -> str:
    return store.create_transaction(
        sender_email=sender,
        recipient_email=recipient,
        amount=amount,
        created_by="SENDER",
        token=None,
        app_name=None,
        app_ep_path=None,
        hold_for=hold_for,
    ).id


def balance_not_waiting(store: Store) -> int:
    with store.not_waiting():
        account = store.account("ann@example.com")
    assert account is not None
    return account.balance


def test_a_read_sees_committed_writes_and_never_an_open_unit(tmp_path: Path) -> None:
    store = Store(tmp_path / "books.sqlite3")
    store.create_account("ann@example.com", "hash", None, 100)
    inside, release = threading.Event(), threading.Event()

    def write_and_hold_the_unit() -> None:
        with store.unit():
            store.add_balance("ann@example.com", 5)
            inside.set()
            release.wait(PATIENCE)

    writer = threading.Thread(target=write_and_hold_the_unit)
    writer.start()
    try:
        assert inside.wait(PATIENCE)
        seen: list[int] = []
        # With the write lock held by the unit, a read still answers: the committed
        # balance, not the unit's.
        reader = threading.Thread(target=lambda: seen.append(balance_not_waiting(store)))
        reader.start()
        reader.join(PATIENCE)
        assert seen == [100]
    finally:
        release.set()
        writer.join(PATIENCE)
    account = store.account("ann@example.com")
    assert account is not None
    assert account.balance == 105  # committed: every thread's next read sees it
    seen_elsewhere: list[int] = []
    other = threading.Thread(target=lambda: seen_elsewhere.append(balance_not_waiting(store)))
    other.start()
    other.join(PATIENCE)
    assert seen_elsewhere == [105]
    store.close()


@pytest.mark.parametrize("database", ["file", "memory"])
def test_a_read_that_must_release_a_lapsed_hold_says_so_where_it_must_not_wait(
    tmp_path: Path, database: str
) -> None:
    clock = ManualClock(START)
    store = Store(tmp_path / "books.sqlite3" if database == "file" else ":memory:", clock)
    for email in ("ann@example.com", "bob@example.com"):
        store.create_account(email, "hash", None, 100)
    pay(store, "ann@example.com", "bob@example.com", 30, hold_for=10)
    clock.advance(11)
    if database == "file":
        with store.not_waiting(), pytest.raises(WouldWait):
            store.account("ann@example.com")
    account = store.account("ann@example.com")
    assert account is not None
    assert (account.balance, account.held) == (100, 0)
    with store.not_waiting():
        # Released now: nothing to wait for.
        assert store.account("ann@example.com") == account
    store.close()


def test_a_balance_read_on_a_file_shows_a_lapsed_hold_released(tmp_path: Path) -> None:
    clock = ManualClock(START)
    with BackgroundService(
        database=tmp_path / "books.sqlite3", clock=clock, admin_key="k" * 32
    ) as running:
        http = httpx.Client(base_url=running.url, timeout=PATIENCE)
        for email in ("ann@example.com", "bob@example.com"):
            created = http.post("/user/create", json={"email": email, "password": "pw-" * 4})
            assert created.status_code == 201, created.text
        ann = ("ann@example.com", "pw-" * 4)
        paid = http.post(
            "/transaction/create",
            json={
                "senderEmail": "ann@example.com",
                "recipientEmail": "bob@example.com",
                "amount": 30,
                "holdFor": 10,
            },
            auth=ann,
        )
        assert paid.status_code == 200, paid.text
        assert http.get("/user/my-info", auth=ann).json()["user"]["heldBalance"] == 30
        clock.advance(11)
        me = http.get("/user/my-info", auth=ann).json()["user"]
        assert (me["heldBalance"], me["availableBalance"]) == (0, me["balance"])
        listed = http.get("/transactions", params={"limit": 5}, auth=ann).json()
        assert listed["transactions"][0]["cancelReason"] == "expired"
        http.close()
