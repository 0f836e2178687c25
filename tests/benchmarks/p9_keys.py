"""P9: one sync `get_account_balance()` authenticated with an API key, against the same
call with a password the service verified recently (its cached login).

Both clients are the facade, against the same reference service in another process
(a database file, production password hashing), one call at a time on keep-alive
connections. The password's scrypt runs once, in the warm-up; after it each request
costs the service an HMAC of the credentials and one read, as the key's does (an HMAC
of the key, one read): the key must not be slower. Rounds alternate key and password;
the figure is the median of the round medians.
"""

from __future__ import annotations

import tempfile

import httpx

from syftbox_accounting import AccountingClient
from tests.benchmarks.common import Row, ServerProcess, log, median, spread
from tests.benchmarks.p1_sync import WARMUP_CALLS, _round

ADMIN_KEY = "bench-admin-key-p7"
EMAIL = "p7-bench@example.com"
PASSWORD = "p7-bench-password"


def run(*, rounds: int, calls: int) -> list[Row]:
    with (
        tempfile.TemporaryDirectory(prefix="bench-p7-") as tmp,
        ServerProcess("reference", "--db", f"{tmp}/p7.db", "--admin-key", ADMIN_KEY) as server,
    ):
        created = httpx.post(
            server.url + "/user/create", json={"email": EMAIL, "password": PASSWORD}, timeout=30
        )
        created.raise_for_status()
        with AccountingClient(server.url, EMAIL, PASSWORD) as with_password:
            secret = with_password.create_api_key("p7", ["read"]).secret
            with AccountingClient(server.url, EMAIL, api_key=secret) as with_key:
                # Warm both: connections, the password's cached login, the key's probe.
                for _ in range(WARMUP_CALLS):
                    by_key, by_password = (
                        with_key.get_account_balance(),
                        with_password.get_account_balance(),
                    )
                if by_key != by_password:
                    raise RuntimeError(f"P9: the key says {by_key}, the password {by_password}")
                key_rounds: list[tuple[float, float]] = []
                password_rounds: list[tuple[float, float]] = []
                for _ in range(rounds):
                    key_rounds.append(_round(with_key.get_account_balance, calls))
                    password_rounds.append(_round(with_password.get_account_balance, calls))
    subject = median([r[0] for r in key_rounds])
    baseline = median([r[0] for r in password_rounds])
    log(
        f"P9: API key {subject * 1e3:.3f} ms/call, cached password {baseline * 1e3:.3f} ms/call "
        f"({(subject - baseline) * 1e6:+.0f} us/call)"
    )
    return [
        Row(
            id="P9",
            what="sync get_account_balance() with an API key vs a cached password",
            unit="ms",
            subject=subject * 1e3,
            baseline=baseline * 1e3,
            target=1.05,
            direction="<=",
            details={
                "rounds": rounds,
                "calls_per_round": calls,
                "difference_us_per_call": (subject - baseline) * 1e6,
                "key_round_ms": spread([r[0] * 1e3 for r in key_rounds]),
                "password_round_ms": spread([r[0] * 1e3 for r in password_rounds]),
            },
        )
    ]
