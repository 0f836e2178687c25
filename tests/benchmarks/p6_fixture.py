"""P6: the pytest plugin's speed.

- P6-create: `accounting_service.create_account()` median, in ms (target <= 10 ms),
  against the same call on a service hashing at production strength (the baseline,
  what the fixture did before).
- P6-test: a minimal test using the fixture (create a funded account, read its
  balance) against the same test written with pytest-httpx (a mocked answer),
  per test (setup + call + teardown), median over many tests in one pytest run each
  (target: within 3x).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from tests.benchmarks.common import ROOT, Row, log, median, spread

_CONFTEST = """
import json, os
_times = {}
def pytest_runtest_logreport(report):
    _times[report.nodeid] = _times.get(report.nodeid, 0.0) + report.duration
def pytest_sessionfinish(session):
    with open(os.environ["P6_OUT"], "w") as f:
        json.dump(_times, f)
"""
_FIXTURE_TEST = """
import pytest
@pytest.mark.parametrize("n", range({n}))
def test_fixture(accounting_service, n):
    payer = accounting_service.create_account(balance=5)
    assert payer.get_account_balance() == 5.0
"""
_HTTPX_TEST = """
import pytest
from syftbox_accounting import AccountingClient
@pytest.mark.parametrize("n", range({n}))
def test_httpx(httpx_mock, n):
    httpx_mock.add_response(
        url="https://accounting.example.com/user/my-info",
        json={{"user": {{"id": "u1", "email": "a@example.com", "balance": 5.0,
                        "organization": None}}}},
    )
    payer = AccountingClient("https://accounting.example.com", "a@example.com", "pw-123456")
    assert payer.get_account_balance() == 5.0
"""


def _create_ms(fast: bool, calls: int) -> list[float]:
    from syftbox_accounting.server import BackgroundService
    from syftbox_accounting.testing.harness import AccountingTestService

    figures = []
    with BackgroundService(initial_credit=Decimal(0), fast_password_hash=fast) as service:
        harness = AccountingTestService(service)
        harness.create_account(balance=5)  # warm: connections, first-use costs
        for _ in range(calls):
            started = time.perf_counter()
            harness.create_account(balance=5)
            figures.append((time.perf_counter() - started) * 1000)
        harness.close()
    return figures


def _per_test_ms(source: str, tests: int) -> list[float]:
    with tempfile.TemporaryDirectory() as folder:
        where = Path(folder)
        (where / "conftest.py").write_text(_CONFTEST)
        (where / "test_p6.py").write_text(source.format(n=tests))
        out = where / "times.json"
        subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(where)],
            cwd=where,
            env={"P6_OUT": str(out), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
            check=True,
            capture_output=True,
        )
        times = json.loads(out.read_text())
    # The first test starts the session's service: a one-off, not a per-test cost.
    return [seconds * 1000 for _, seconds in sorted(times.items())[1:]]


def run(calls: int, tests: int) -> list[Row]:
    fast = _create_ms(True, calls)
    slow = _create_ms(False, max(5, calls // 5))
    log(f"P6: create_account {median(fast):.1f} ms (production hash {median(slow):.1f} ms)")
    fixture = _per_test_ms(_FIXTURE_TEST, tests)
    mocked = _per_test_ms(_HTTPX_TEST, tests)
    return [
        Row(
            "P6-create",
            "accounting_service.create_account() (baseline: production-strength hash)",
            "ms",
            median(fast),
            median(slow),
            10.0,
            "<=",
            absolute=True,
            details={"subject": spread(fast), "baseline": spread(slow)},
        ),
        Row(
            "P6-test",
            "a minimal accounting_service test vs the same with pytest-httpx",
            "ms",
            median(fixture),
            median(mocked),
            3.0,
            "<=",
            details={"subject": spread(fixture), "baseline": spread(mocked)},
        ),
    ]
