"""The fixture stays isolated: each pytest-xdist worker gets its own service, and a
test that forgets to close a client (of the library or its own httpx one, in either
mode) cannot break the next."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

PARALLEL = """
import json, os

import pytest


@pytest.mark.parametrize("n", range(8))
@pytest.mark.parametrize("accounting_service", ["loopback", "in-process"], indirect=True)
def test_in_parallel(accounting_service, n):
    # The same email in every test: only a service of one's own makes this safe.
    payer = accounting_service.create_account("same@example.com", balance=5)
    accounting_service.faults.status("getUsage", 503, times=None)  # must stay in this worker
    payer.transfer(accounting_service.create_account("shop@example.com").get_email(), 1)
    assert [u.email for u in accounting_service.admin.list_users()] == [
        "same@example.com", "shop@example.com"
    ]
    with pytest.raises(Exception):
        payer.with_options(max_retries=0).get_usage()
    record = {
        "worker": os.environ["PYTEST_XDIST_WORKER"],
        "pid": os.getpid(),
        "mode": accounting_service.mode,
        "url": accounting_service.url,
    }
    with open(os.environ["RECORDS"], "a") as out:
        out.write(json.dumps(record) + "\\n")
"""


def test_each_xdist_worker_gets_its_own_service(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    records = tmp_path / "records.jsonl"
    monkeypatch.setenv("RECORDS", str(records))
    pytester.makepyfile(test_parallel=PARALLEL)
    result = pytester.runpytest_subprocess("-q", "-n", "2", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=16)
    seen = [json.loads(line) for line in records.read_text().splitlines()]
    workers = {r["worker"] for r in seen}
    assert workers == {"gw0", "gw1"}
    loopback = {r["worker"]: set() for r in seen}
    for r in seen:
        if r["mode"] == "loopback":
            loopback[r["worker"]].add(r["url"])
    # One loopback service per worker, all its tests on it, none shared.
    assert all(len(urls) == 1 for urls in loopback.values())
    assert loopback["gw0"].isdisjoint(loopback["gw1"])
    assert len({r["pid"] for r in seen}) == 2


FORGETFUL = """
import pytest

both_modes = pytest.mark.parametrize(
    "accounting_service", ["loopback", "in-process"], indirect=True
)


@both_modes
@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_forgets_every_aclose(accounting_service, anyio_backend):
    client = accounting_service.create_account(balance=5)
    assert await client.get_account_balance_async() == 5.0
    own = accounting_service.async_http_client()
    assert (await own.get("/user/my-info")).status_code == 401
    other = accounting_service.client(client.get_email(), "wrong-password")
    assert not (await other.check_credentials_async()).ok


@both_modes
def test_forgets_every_close(accounting_service):
    client = accounting_service.create_account(balance=5)
    assert client.get_account_balance() == 5.0
    own = accounting_service.http_client()
    assert own.get("/user/my-info").status_code == 401


@both_modes
def test_next(accounting_service):
    assert accounting_service.create_account(balance=1).get_account_balance() == 1.0
"""


def test_a_forgotten_close_in_either_mode_does_not_fail_the_next_test(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini("[pytest]\nfilterwarnings = error\n")
    pytester.makepyfile(test_forgetful=FORGETFUL)
    result = pytester.runpytest_subprocess("-q", "-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=8)
