"""P5: calls whose cost does not grow with the history.

One reference service (on a database file) holds three accounts: `rich`, with N
completed payments to `peer` seeded straight into its database, one a second, and
`fresh`, with one. Rounds alternate the two, so both figures see the same machine:

- P5-info: `get_account_info()` (account, usage summary, 10 newest) for rich vs fresh;
- P5-limit: `get_transaction_history(limit=10)`;
- P5-status, P5-counterparty: the same page filtered by status, by counterparty;
- P5-window-old, P5-window-mid, P5-window-new: the same page over a ten-minute window
  at the old end of the history (`created_before` set), in its middle, and at its new
  end (`created_after` set);
- P5-usage-window: `get_usage()` over a window that spans all but the ends of the history;
- P5-lookup: `get_transaction(id)` of one of the account's transactions;
- P5-walk-time: `iter_transactions(page_size=1000)` over all N vs one full download
  (`get_transaction_history()` without a limit, what `get_account_info()` did before);
- P5-walk-memory: the walk's peak traced memory (tracemalloc) vs that of holding one
  page of 1,000 transactions.

Run: ``make bench BENCH_ARGS="--only P5"``.
"""

from __future__ import annotations

import datetime
import sqlite3
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable
from pathlib import Path

from syftbox_accounting import AccountingClient
from syftbox_accounting.server import passwords
from syftbox_accounting.server.store import Store
from tests.benchmarks.common import Row, ServerProcess, log, median, spread

RICH, FRESH, PEER = "p5-rich@example.com", "p5-fresh@example.com", "p5-peer@example.com"
PASSWORD = "p5-bench-password"
PAGE = 1000


START = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
WINDOW = datetime.timedelta(minutes=10)


def seed(database: Path, transactions: int) -> None:
    """Accounts, `transactions` completed payments from RICH to PEER one second apart,
    and one from FRESH to PEER in the middle, written in one database transaction; the
    service computes the usage counters when it opens the file (as it does for a
    database from before the counters)."""
    store = Store(database)
    hashed = passwords.hash_password(PASSWORD)
    for email in (RICH, FRESH, PEER):
        store.create_account(email, hashed, None, 100 * 10**6)
    store.close()
    rows = []
    for n in range(transactions):
        at = (START + datetime.timedelta(seconds=n)).isoformat(timespec="milliseconds")
        rows.append(
            (
                str(uuid.uuid4()),
                FRESH if n == transactions // 2 else RICH,
                PEER,
                250_000,
                250_000,
                "COMPLETED",
                "SENDER",
                "SENDER",
                at,
                at,
            )
        )
    with sqlite3.connect(database) as db:
        db.executemany(
            "INSERT INTO transactions (id, sender_email, recipient_email, amount, authorized,"
            " status, created_by, resolved_by, created_at, resolved_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        db.execute("DELETE FROM meta WHERE key = 'schema_version'")


def _timed(call: Callable[[], object], calls: int) -> float:
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return median(times)


def _peak(call: Callable[[], object]) -> int:
    """Peak traced memory of `call()` above what was traced when it began."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - before


def _queries(
    client: AccountingClient, transaction_id: str, transactions: int
) -> dict[str, Callable[[], object]]:
    """The history queries, by row id, for one account."""
    end = START + datetime.timedelta(seconds=transactions)
    middle = START + (end - START) / 2
    return {
        "info": client.get_account_info_sync,
        "limit": lambda: client.get_transaction_history(limit=10),
        "status": lambda: client.get_transaction_history(limit=10, status="COMPLETED"),
        "counterparty": lambda: client.get_transaction_history(limit=10, counterparty=PEER),
        "window-old": lambda: client.get_transaction_history(
            limit=10, created_before=START + WINDOW
        ),
        "window-mid": lambda: client.get_transaction_history(
            limit=10, created_after=middle, created_before=middle + WINDOW
        ),
        "window-new": lambda: client.get_transaction_history(limit=10, created_after=end - WINDOW),
        "usage-window": lambda: client.get_usage(
            created_after=START + WINDOW, created_before=end - WINDOW
        ),
        "lookup": lambda: client.get_transaction(transaction_id),
    }


WHAT = {
    "info": "get_account_info()",
    "limit": "get_transaction_history(limit=10)",
    "status": "the same, status=COMPLETED",
    "counterparty": "the same, counterparty=peer",
    "window-old": "the same, created_before 10 min after the oldest",
    "window-mid": "the same, a 10-min window in the middle",
    "window-new": "the same, created_after 10 min before the newest",
    "usage-window": "get_usage() over all but 10 min at each end",
    "lookup": "get_transaction(id)",
}


def run(*, rounds: int, calls: int, transactions: int) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bench-p5-") as tmp:
        database = Path(tmp) / "p5.db"
        begun = time.perf_counter()
        seed(database, transactions)
        log(f"P5: seeded {transactions:,} transactions in {time.perf_counter() - begun:.1f} s")
        with (
            ServerProcess("reference", "--db", str(database)) as server,
            AccountingClient(
                server.url, RICH, PASSWORD, timeout=120, max_response_bytes=2**30
            ) as rich,
            AccountingClient(server.url, FRESH, PASSWORD, timeout=120) as fresh,
        ):
            queries = {
                name: _queries(client, client.get_transaction_history(limit=1)[0].id, transactions)
                for name, client in (("rich", rich), ("fresh", fresh))
            }
            # Warm both: connections, the password cache, SQLite's pages.
            for each in queries.values():
                for call in each.values():
                    for _ in range(3):
                        call()
            timed: dict[str, dict[str, list[float]]] = {
                query: {"rich": [], "fresh": []} for query in WHAT
            }
            for _ in range(rounds):
                for query in WHAT:
                    for name in ("rich", "fresh"):
                        timed[query][name].append(_timed(queries[name][query], calls))
            walk, download = [], []
            for _ in range(max(1, rounds // 3)):
                start = time.perf_counter()
                walked = sum(1 for _ in rich.iter_transactions(page_size=PAGE))
                walk.append(time.perf_counter() - start)
                start = time.perf_counter()
                downloaded = len(rich.get_transaction_history())
                download.append(time.perf_counter() - start)
            if walked != downloaded or walked < transactions - 1:
                raise RuntimeError(f"P5: walked {walked}, downloaded {downloaded}")

            def hold_one_page() -> None:
                page = rich.get_transaction_history(limit=PAGE)
                assert len(page) == PAGE

            def walk_all() -> None:
                for _ in rich.iter_transactions(page_size=PAGE):
                    pass

            page_peak = median([_peak(hold_one_page) for _ in range(3)])
            walk_peak = median([_peak(walk_all) for _ in range(2)])
    n = f"{transactions:,}"
    rows = []
    for query, what in WHAT.items():
        subject, baseline = median(timed[query]["rich"]), median(timed[query]["fresh"])
        log(f"P5-{query}: {subject * 1e3:.2f} ms vs {baseline * 1e3:.2f} ms")
        rows.append(
            Row(
                id=f"P5-{query}",
                what=f"{what}: {n} transactions in the history vs one",
                unit="ms",
                subject=subject * 1e3,
                baseline=baseline * 1e3,
                target=1.5,
                direction="<=",
                details={
                    "rich_ms": spread([v * 1e3 for v in timed[query]["rich"]]),
                    "fresh_ms": spread([v * 1e3 for v in timed[query]["fresh"]]),
                },
            )
        )
    log(
        f"P5: walk {median(walk):.2f} s vs full download {median(download):.2f} s; walk peak"
        f" {walk_peak / 2**20:.1f} MiB vs one page {page_peak / 2**20:.1f} MiB"
    )
    return [
        *rows,
        Row(
            id="P5-walk-time",
            what=f"iter_transactions(page_size={PAGE}) over {n} vs one full download",
            unit="s",
            subject=median(walk),
            baseline=median(download),
            target=3.0,
            direction="<=",
        ),
        Row(
            id="P5-walk-memory",
            what=f"iter_transactions() peak traced memory over {n} vs holding one page",
            unit="MiB",
            subject=walk_peak / 2**20,
            baseline=page_peak / 2**20,
            target=2.0,
            direction="<=",
        ),
    ]
