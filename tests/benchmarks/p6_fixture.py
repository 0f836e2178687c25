"""P6: the pytest plugin's speed.

- P6-create: `accounting_service.create_account()` median, in ms (target <= 10 ms),
  against the same call on a service hashing at production strength (the baseline,
  what the fixture did before).
- P6-test: a minimal test using the fixture (create a funded account, read its
  balance) against the same test written with pytest-httpx (a mocked answer),
  per test (setup + call + teardown), median over many tests in one pytest run each
  (target: within 3x).
- P6-pay: a test that makes two accounts and pays, with the fixture in process (no
  socket, no thread) against the same test over loopback, per test, median over many
  tests in one pytest run each (target: in process at most as slow).
- P6-async-pay: the same test written async (the clients' async calls make their own
  httpx.AsyncClient, one per client and event loop) over loopback, against the same
  test where each of those clients builds its own SSL context, as every client did
  before they shared one (target: at most half the time).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from tests.benchmarks.common import ROOT, Row, log, median, spread

if TYPE_CHECKING:
    from syftbox_accounting.testing.harness import Mode

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


_PAY_TEST = """
import pytest
pytestmark = pytest.mark.accounting_service(mode="{mode}")
@pytest.mark.parametrize("n", range({n}))
def test_pay(accounting_service, n):
    payer = accounting_service.create_account(balance=5)
    shop = accounting_service.create_account(balance=0)
    payer.transfer(shop.get_email(), 1)
    assert shop.get_account_balance() == 1.0
"""


_ASYNC_PAY_TEST = """
import pytest
pytestmark = [pytest.mark.anyio, pytest.mark.accounting_service(mode="loopback")]
{patch}
@pytest.fixture
def anyio_backend():
    return "asyncio"
@pytest.mark.parametrize("n", range({n}))
async def test_pay_async(accounting_service, n):
    payer = accounting_service.create_account(balance=5)
    shop = accounting_service.create_account(balance=0)
    await payer.transfer_async(shop.get_email(), 1)
    assert await shop.get_account_balance_async() == 1.0
"""
# The baseline: each client builds its own SSL context (certifi's bundle), as before.
_OWN_SSL = """
import httpx
from syftbox_accounting import http_clients
http_clients.shared_ssl_context = httpx.create_ssl_context
"""


def _create_ms(fast: bool, calls: int, mode: Mode = "loopback") -> list[float]:
    from syftbox_accounting.testing.harness import AccountingTestService, SessionService

    figures = []
    session = SessionService(fast_password_hash=fast)
    try:
        harness = AccountingTestService(session, mode)
        harness.create_account(balance=5)  # warm: connections, first-use costs
        for _ in range(calls):
            started = time.perf_counter()
            harness.create_account(balance=5)
            figures.append((time.perf_counter() - started) * 1000)
        harness.close()
    finally:
        session.close()
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
    in_process = _create_ms(True, calls, "in-process")
    log(
        f"P6: create_account {median(fast):.1f} ms (production hash {median(slow):.1f} ms, "
        f"in process {median(in_process):.1f} ms)"
    )
    fixture = _per_test_ms(_FIXTURE_TEST, tests)
    mocked = _per_test_ms(_HTTPX_TEST, tests)
    # Interleaved, so that a busy spell of the machine hits both modes alike.
    paid: dict[str, list[float]] = {"loopback": [], "in-process": []}
    for _ in range(2):
        for mode, figures in paid.items():
            figures += _per_test_ms(_PAY_TEST.replace("{mode}", mode), tests // 2)
    log(
        f"P6: a test that makes two accounts and pays: in process "
        f"{median(paid['in-process']):.1f} ms, loopback {median(paid['loopback']):.1f} ms"
    )
    paid_async: dict[str, list[float]] = {"shared": [], "own": []}
    for _ in range(2):
        for kind, figures in paid_async.items():
            patch = _OWN_SSL if kind == "own" else ""
            source = _ASYNC_PAY_TEST.replace("{patch}", patch)
            figures += _per_test_ms(source, tests // 2)
    log(
        f"P6: the same test async over loopback: {median(paid_async['shared']):.1f} ms, "
        f"with an SSL context per client {median(paid_async['own']):.1f} ms"
    )
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
            details={
                "subject": spread(fast),
                "baseline": spread(slow),
                "in_process": spread(in_process),
            },
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
        Row(
            "P6-pay",
            "a test that makes two accounts and pays: in process vs the same over loopback",
            "ms",
            median(paid["in-process"]),
            median(paid["loopback"]),
            1.0,
            "<=",
            details={"subject": spread(paid["in-process"]), "baseline": spread(paid["loopback"])},
        ),
        Row(
            "P6-async-pay",
            "the same test async over loopback vs the same with an SSL context per client",
            "ms",
            median(paid_async["shared"]),
            median(paid_async["own"]),
            0.5,
            "<=",
            details={
                "subject": spread(paid_async["shared"]),
                "baseline": spread(paid_async["own"]),
            },
        ),
    ]
