"""P1: one sync `get_account_balance()` against a raw keep-alive `httpx.Client`.

Both make the same request (GET /user/my-info, same Basic auth) to the reference
service in another process, one call at a time, and both return the balance as a
float (the raw side: ``float(response.json()["user"]["balance"])`` after checking the
status), so the difference is what the facade adds: building the call, the retry and
error machinery, reading the answer through the generated models.

A round times `calls` consecutive calls one by one and keeps their median; rounds
alternate facade and raw, and the figure is the median of the round medians. The
client's CPU time per call (the server runs elsewhere) is reported too: on a shared
machine it shows the facade's own cost with less noise than wall time.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable

import httpx

from syftbox_accounting import AccountingClient
from tests.benchmarks import cpu_per_call
from tests.benchmarks.common import Row, ServerProcess, log, median, spread

ADMIN_KEY = "bench-admin-key-p1"
EMAIL = "p1-bench@example.com"
PASSWORD = "p1-bench-password"
WARMUP_CALLS = 30


def _round(call: Callable[[], float], calls: int) -> tuple[float, float]:
    """(median wall seconds per call, mean client CPU seconds per call) over `calls`
    consecutive calls. The server is another process: CPU time here is the client's."""
    times: list[float] = []
    clock = time.perf_counter
    cpu_start = time.process_time()
    for _ in range(calls):
        start = clock()
        call()
        times.append(clock() - start)
    return median(times), (time.process_time() - cpu_start) / calls


def run(*, rounds: int, calls: int) -> list[Row]:
    with (
        tempfile.TemporaryDirectory(prefix="bench-p1-") as tmp,
        ServerProcess("reference", "--db", f"{tmp}/p1.db", "--admin-key", ADMIN_KEY) as server,
    ):
        created = httpx.post(
            server.url + "/user/create", json={"email": EMAIL, "password": PASSWORD}, timeout=30
        )
        created.raise_for_status()
        url = server.url + "/user/my-info"
        with (
            AccountingClient(server.url, EMAIL, PASSWORD) as facade,
            httpx.Client(auth=httpx.BasicAuth(EMAIL, PASSWORD)) as raw,
        ):

            def raw_balance() -> float:
                response = raw.get(url)
                response.raise_for_status()
                return float(response.json()["user"]["balance"])

            # Warm both: connections, the server's password cache, code paths.
            for _ in range(WARMUP_CALLS):
                facade_value, raw_value = facade.get_account_balance(), raw_balance()
            if facade_value != raw_value:
                raise RuntimeError(f"P1: facade says {facade_value}, raw says {raw_value}")

            facade_rounds: list[tuple[float, float]] = []
            raw_rounds: list[tuple[float, float]] = []
            for _ in range(rounds):
                facade_rounds.append(_round(facade.get_account_balance, calls))
                raw_rounds.append(_round(raw_balance, calls))
    subject, baseline = median([r[0] for r in facade_rounds]), median([r[0] for r in raw_rounds])
    cpu = {
        "facade": median([r[1] * 1e6 for r in facade_rounds]),
        "raw": median([r[1] * 1e6 for r in raw_rounds]),
    }
    log(
        f"P1: facade {subject * 1e3:.3f} ms/call, raw {baseline * 1e3:.3f} ms/call "
        f"({(subject - baseline) * 1e6:+.0f} us/call); client CPU per call: facade "
        f"{cpu['facade']:.0f} us, raw {cpu['raw']:.0f} us ({cpu['facade'] - cpu['raw']:+.0f} us)"
    )
    return [
        Row(
            id="P1",
            what="sync get_account_balance() per call vs raw httpx.Client (keep-alive)",
            unit="ms",
            subject=subject * 1e3,
            baseline=baseline * 1e3,
            target=1.00,
            direction="<=",
            details={
                "rounds": rounds,
                "calls_per_round": calls,
                "overhead_us_per_call": (subject - baseline) * 1e6,
                "facade_round_ms": spread([r[0] * 1e3 for r in facade_rounds]),
                "raw_round_ms": spread([r[0] * 1e3 for r in raw_rounds]),
                "client_cpu_us_per_call": cpu,
            },
        ),
        cpu_per_call.sync_row(rounds, max(calls * 10, 500)),
    ]
