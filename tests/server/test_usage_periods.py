"""Usage per period and time windows over a history, against plain recomputations.

Random histories (credits, payments held for a while, full and partial captures,
cancels, lapsed holds, refunds) spread over minutes to months by a manual clock; then,
for windows that start and end anywhere (inside a minute, on a period's edge, open at
either end), the usage summed from the per-period counters must equal the sum over the
transactions themselves, and a page of the history must equal the transactions of the
window filtered one by one.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syftbox_accounting.server import ManualClock
from syftbox_accounting.server.clock import stamp
from syftbox_accounting.server.errors import ApiError
from syftbox_accounting.server.history import HistoryQuery, Window
from syftbox_accounting.server.store import SCHEMA_VERSION, Store

EMAILS = ("ann@example.com", "bob@example.com", "cy@example.com")
START = datetime(2026, 1, 30, 23, 58, tzinfo=UTC).timestamp()

# Steps of a history: (kind, who, whom, amount or share, a number for the rest).
steps = st.lists(
    st.tuples(
        st.sampled_from(["credit", "pay", "confirm", "cancel", "refund", "wait"]),
        st.integers(0, len(EMAILS) - 1),
        st.integers(0, len(EMAILS) - 1),
        st.integers(1, 3_000_000),
        # Waits from a millisecond to two months, so periods of every length fill.
        st.sampled_from([0.001, 0.5, 7, 59, 61, 3599, 3601, 86399, 86401, 40 * 86400]),
    ),
    min_size=1,
    max_size=40,
)
# Where a window's ends fall: a transaction's own time, just after it, a period's edge.
nudges = st.sampled_from([None, 0, 0.001, -0.001, 30, -61, 3600, -86400, 45 * 86400])


def play(store: Store, clock: ManualClock, history: list[tuple[str, int, int, int, float]]) -> None:
    for email in EMAILS:
        store.create_account(email, "hash", None, 50 * 10**6)
    made: list[str] = []
    for kind, who, whom, amount, wait in history:
        me, other = EMAILS[who], EMAILS[whom]
        try:
            if kind == "credit":
                store.add_balance(me, amount)
            elif kind == "pay" and me != other:
                made.append(
                    store.create_transaction(
                        sender_email=me,
                        recipient_email=other,
                        amount=amount,
                        created_by="SENDER",
                        token=None,
                        app_name=None,
                        app_ep_path=None,
                        hold_for=int(wait) + 1,
                    ).id
                )
            elif kind in ("confirm", "cancel", "refund") and made:
                found = store.transaction(me, made[amount % len(made)]) if made else None
                if found is None:
                    continue
                if kind == "refund":
                    store.refund_transaction(
                        found.id, None, amount=None if amount % 2 else 1, reason=None
                    )
                else:
                    captured = max(1, found.authorized * (amount % 100) // 100)
                    store.resolve_transaction(
                        found.id,
                        found.sender_email,
                        confirm=kind == "confirm",
                        amount=captured if amount % 3 else None,
                    )
            elif kind == "wait":
                clock.advance(wait)
        except ApiError:
            pass  # refused (not enough money, not pending any more, ...): still a history


def check_windows(store: Store, moments: list[float]) -> None:
    for email in EMAILS:
        assert store.usage(email) == store.recomputed_usage(email)
        everything = store.transactions_page(email, HistoryQuery())
        for after in moments:
            for before in moments:
                window = Window(
                    None if after is None else stamp(after),
                    None if before is None else stamp(before),
                )
                assert store.usage(email, window) == store.recomputed_usage(email, window)
                inside = [
                    (seq, t)
                    for seq, t in everything
                    if (window.after is None or t.created_at >= window.after)
                    and (window.before is None or t.created_at < window.before)
                ]
                for limit in (None, 1, 3):
                    page = store.transactions_page(email, HistoryQuery(limit=limit, window=window))
                    assert page == inside[:limit], (window, limit)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=steps, ends=st.lists(st.tuples(st.integers(0, 1000), nudges), max_size=4))
def test_windowed_usage_and_pages_equal_a_recomputation(
    history: list[tuple[str, int, int, int, float]], ends: list[tuple[int, float | None]]
) -> None:
    clock = ManualClock(START)
    store = Store(clock=clock)
    play(store, clock, history)
    clock.advance(100 * 86400)  # every hold lapses: the reads release them first
    times = sorted(
        datetime.fromisoformat(t.created_at).timestamp()
        for email in EMAILS
        for t in store.transactions(email)
    )
    moments: list[float | None] = [None, START, START + 86400 * 31]
    for index, nudge in ends:
        if times and nudge is not None:
            moments.append(times[index % len(times)] + nudge)
    check_windows(store, moments)  # type: ignore[arg-type]
    store.close()


def test_a_clock_that_went_back_keeps_pages_exact(tmp_path: Path) -> None:
    # Created out of time order, the history can no longer map a window to a range of
    # sequence numbers: the pages filter row by row instead, and stay exact.
    clock = ManualClock(START + 3600)
    store = Store(tmp_path / "books.sqlite3", clock=clock)
    play(store, clock, [("credit", 0, 0, 5, 61.0), ("wait", 0, 0, 0, 61.0)] * 3)
    late = ManualClock(START)
    store.clock = late
    play_more = [("credit", 0, 0, 7, 0.0), ("wait", 0, 0, 0, 30.0), ("credit", 1, 0, 9, 0.0)]
    for kind, who, _, amount, wait in play_more:
        if kind == "credit":
            store.add_balance(EMAILS[who], amount)
        else:
            late.advance(wait)
    with store.read() as db:
        (flag,) = db.execute(
            "SELECT value FROM meta WHERE key = 'history_in_time_order'"
        ).fetchone()
    assert bytes(flag) == b"0"
    check_windows(store, [None, START, START + 10, START + 3600, START + 3700, START + 9000])
    store.close()


def test_a_version_3_file_gets_its_usage_per_period(tmp_path: Path) -> None:
    database = tmp_path / "books.sqlite3"
    clock = ManualClock(START)
    store = Store(database, clock=clock)
    history = [
        ("pay", 0, 1, 2_000_000, 0.0),
        ("wait", 0, 0, 0, 3601.0),
        ("confirm", 0, 0, 0, 0.0),
        ("pay", 1, 2, 1_000_000, 0.0),
        ("wait", 0, 0, 0, 86401.0),
        ("refund", 1, 0, 1, 0.0),
        ("credit", 2, 0, 4, 0.0),
        ("wait", 0, 0, 0, 40 * 86400.0),
    ]
    play(store, clock, history)
    expected = {email: store.usage(email, Window(after=stamp(START + 60))) for email in EMAILS}
    store.close()
    # What version 3 had: no counters per period, no note of the time order.
    with sqlite3.connect(database) as db:
        db.execute("DROP TABLE usage_periods")
        db.execute("DELETE FROM meta WHERE key = 'history_in_time_order'")
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (b"3",))
    upgraded = Store(database, clock=clock)
    for email in EMAILS:
        window = Window(after=stamp(START + 60))
        assert upgraded.usage(email, window) == expected[email]
        assert upgraded.usage(email, window) == upgraded.recomputed_usage(email, window)
    check_windows(upgraded, [None, START, START + 3600, START + 86400, START + 50 * 86400])
    with upgraded.read() as db:
        (version,) = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        (flag,) = db.execute(
            "SELECT value FROM meta WHERE key = 'history_in_time_order'"
        ).fetchone()
    assert (int(version), bytes(flag)) == (SCHEMA_VERSION, b"1")
    upgraded.close()


# Version 4's all-time counters, a table of their own.
VERSION_4_USAGE = """CREATE TABLE usage (
    email TEXT PRIMARY KEY COLLATE NOCASE,
    transaction_count INTEGER NOT NULL DEFAULT 0,
    spent INTEGER NOT NULL DEFAULT 0,
    received INTEGER NOT NULL DEFAULT 0,
    pending_count INTEGER NOT NULL DEFAULT 0,
    pending_amount INTEGER NOT NULL DEFAULT 0,
    refunds_received INTEGER NOT NULL DEFAULT 0,
    refunds_given INTEGER NOT NULL DEFAULT 0,
    first_at TEXT,
    last_at TEXT
)"""


def test_a_version_4_file_keeps_its_all_time_counters_as_periods(tmp_path: Path) -> None:
    database = tmp_path / "books.sqlite3"
    clock = ManualClock(START)
    store = Store(database, clock=clock)
    history = [
        ("pay", 0, 1, 2_000_000, 0.0),
        ("wait", 0, 0, 0, 3601.0),
        ("confirm", 0, 0, 0, 0.0),
        ("pay", 1, 2, 1_000_000, 0.0),
        ("refund", 1, 0, 1, 0.0),
        ("credit", 2, 0, 4, 0.0),
    ]
    play(store, clock, history)
    expected = {email: store.usage(email) for email in EMAILS}
    store.create_account("idle@example.com", "hash", None, 0)
    store.close()
    # What version 4 had: the all-time counters in `usage` (stale on purpose: the
    # upgrade computes them anew), none of length 0.
    with sqlite3.connect(database) as db:
        db.execute(VERSION_4_USAGE)
        db.execute("INSERT INTO usage (email, transaction_count) VALUES (?, 99)", (EMAILS[0],))
        db.execute("DELETE FROM usage_periods WHERE length = 0")
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (b"4",))
    upgraded = Store(database, clock=clock)
    for email in EMAILS:
        assert upgraded.usage(email) == expected[email] == upgraded.recomputed_usage(email)
    assert upgraded.usage("idle@example.com").transaction_count == 0
    check_windows(upgraded, [None, START, START + 60, START + 3600, START + 7200])
    with upgraded.read() as db:
        (version,) = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
    assert int(version) == SCHEMA_VERSION
    assert "usage" not in tables
    upgraded.close()
