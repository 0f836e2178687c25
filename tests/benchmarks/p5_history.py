"""P5: calls whose cost does not grow with the history.

One reference service holds two accounts: `rich`, with N completed transactions
seeded straight into its database, and `fresh`, with none. Rounds alternate the two,
so both figures see the same machine:

- P5-info: `get_account_info()` (account, usage summary, 10 newest) for rich vs fresh;
- P5-limit: `get_transaction_history(limit=10)` for rich vs fresh;
- P5-walk-time: `iter_transactions(page_size=1000)` over all N vs one full download
  (`get_transaction_history()` without a limit, what `get_account_info()` did before);
- P5-walk-memory: the walk's peak traced memory (tracemalloc) vs that of holding one
  page of 1,000 transactions.
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


def seed(database: Path, transactions: int) -> None:
    """Accounts, and `transactions` completed payments from RICH to PEER, written in
    one database transaction; the service computes the usage counters when it opens
    the file (as it does for a database from before the counters)."""
    store = Store(database)
    hashed = passwords.hash_password(PASSWORD)
    for email in (RICH, FRESH, PEER):
        store.create_account(email, hashed, None, 100 * 10**6)
    store.close()
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    rows = []
    for n in range(transactions):
        at = (start + datetime.timedelta(seconds=n)).isoformat(timespec="milliseconds")
        rows.append(
            (
                str(uuid.uuid4()),
                RICH,
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


def run(*, rounds: int, calls: int, transactions: int) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bench-p5-") as tmp:
        database = Path(tmp) / "p5.db"
        begun = time.perf_counter()
        seed(database, transactions)
        log(f"P5: seeded {transactions:,} transactions in {time.perf_counter() - begun:.1f} s")
        with (
            ServerProcess("reference", "--db", str(database)) as server,
            AccountingClient(server.url, RICH, PASSWORD, timeout=120) as rich,
            AccountingClient(server.url, FRESH, PASSWORD, timeout=120) as fresh,
        ):
            # Warm both: connections, the password cache, SQLite's pages.
            for client in (rich, fresh):
                for _ in range(5):
                    client.get_account_info_sync()
                    client.get_transaction_history(limit=10)
            info = {"rich": [], "fresh": []}  # type: dict[str, list[float]]
            limit = {"rich": [], "fresh": []}  # type: dict[str, list[float]]
            for _ in range(rounds):
                for name, client in (("rich", rich), ("fresh", fresh)):
                    info[name].append(_timed(client.get_account_info_sync, calls))
                    limit[name].append(
                        _timed(lambda c=client: c.get_transaction_history(limit=10), calls)
                    )
            walk, download = [], []
            for _ in range(max(1, rounds // 3)):
                start = time.perf_counter()
                walked = sum(1 for _ in rich.iter_transactions(page_size=PAGE))
                walk.append(time.perf_counter() - start)
                start = time.perf_counter()
                downloaded = len(rich.get_transaction_history())
                download.append(time.perf_counter() - start)
            if walked != downloaded or walked < transactions:
                raise RuntimeError(f"P5: walked {walked}, downloaded {downloaded}")

            def hold_one_page() -> None:
                page = rich.get_transaction_history(limit=PAGE)
                assert len(page) == PAGE

            def walk_all() -> None:
                for _ in rich.iter_transactions(page_size=PAGE):
                    pass

            page_peak = median([_peak(hold_one_page) for _ in range(3)])
            walk_peak = median([_peak(walk_all) for _ in range(2)])
    figures = {
        "info": (median(info["rich"]), median(info["fresh"])),
        "limit": (median(limit["rich"]), median(limit["fresh"])),
        "walk": (median(walk), median(download)),
    }
    log(
        "P5: get_account_info {:.1f} ms vs {:.1f} ms; limit=10 {:.1f} ms vs {:.1f} ms; walk "
        "{:.2f} s vs full download {:.2f} s; walk peak {:.1f} MiB vs one page {:.1f} MiB".format(
            figures["info"][0] * 1e3,
            figures["info"][1] * 1e3,
            figures["limit"][0] * 1e3,
            figures["limit"][1] * 1e3,
            *figures["walk"],
            walk_peak / 2**20,
            page_peak / 2**20,
        )
    )
    n = f"{transactions:,}"
    return [
        Row(
            id="P5-info",
            what=f"get_account_info(): {n} transactions in the history vs none",
            unit="ms",
            subject=figures["info"][0] * 1e3,
            baseline=figures["info"][1] * 1e3,
            target=1.5,
            direction="<=",
            details={
                "rich_ms": spread([v * 1e3 for v in info["rich"]]),
                "fresh_ms": spread([v * 1e3 for v in info["fresh"]]),
            },
        ),
        Row(
            id="P5-limit",
            what=f"get_transaction_history(limit=10): {n} transactions vs none",
            unit="ms",
            subject=figures["limit"][0] * 1e3,
            baseline=figures["limit"][1] * 1e3,
            target=1.5,
            direction="<=",
            details={
                "rich_ms": spread([v * 1e3 for v in limit["rich"]]),
                "fresh_ms": spread([v * 1e3 for v in limit["fresh"]]),
            },
        ),
        Row(
            id="P5-walk-time",
            what=f"iter_transactions(page_size={PAGE}) over {n} vs one full download",
            unit="s",
            subject=figures["walk"][0],
            baseline=figures["walk"][1],
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
