"""The pytest plugin users get with the library, run as a user's test suite would."""

from __future__ import annotations

import pytest

USER_TESTS = """
from decimal import Decimal

import pytest

from syftbox_accounting import AccountingClient, InsufficientFundsError

URLS = set()


@pytest.fixture(autouse=True)
def _record_url(accounting_service):
    URLS.add(accounting_service.url)


def test_funded_accounts_and_a_paid_call(accounting_service):
    payer = accounting_service.create_account(balance=10)
    provider = accounting_service.create_account()
    assert payer.get_account_balance() == 10.0
    token = payer.create_transaction_token_sync(provider.get_email())
    with provider.charging(payer.get_email(), Decimal("0.25"), token, app_name="echo") as payment:
        assert payment.transaction.is_pending
    assert payer.get_account_balance() == 9.75
    assert provider.get_account_balance() == 100.25


def test_each_test_starts_empty(accounting_service):
    assert accounting_service.admin.list_users() == []


def test_exact_balances_and_admin_access(accounting_service):
    client = accounting_service.create_account("shop@example.com", balance=Decimal("0.000001"))
    assert accounting_service.admin.get_user("shop@example.com").balance == Decimal("0.000001")
    with pytest.raises(InsufficientFundsError):
        client.transfer(accounting_service.create_account(balance=0).get_email(), 1)


def test_url_and_own_clients(accounting_service):
    assert accounting_service.url.startswith("http://127.0.0.1:")
    accounting_service.create_account("me@example.com", password="pw-12345678", balance=3)
    mine = AccountingClient(accounting_service.url, "me@example.com", "pw-12345678")
    assert mine.get_account_balance() == 3.0
    mine.close()


@pytest.mark.anyio
async def test_async_code(accounting_service, anyio_backend):
    payer = accounting_service.create_account(balance=1)
    assert await payer.get_account_balance_async() == 1.0
    await payer.aclose()


def test_one_service_for_the_whole_session():
    assert len(URLS) == 1
"""

CONFTEST = """
import pytest

@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request):
    return request.param
"""


def test_plugin_serves_a_fresh_service_per_test(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_user=USER_TESTS)
    # In a subprocess, as a user's suite: the plugin comes from the installed entry point.
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=7)


def test_plugin_is_registered_through_its_entry_point(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_fixture_exists="def test_it(accounting_service):\n"
        "    assert accounting_service.url.startswith('http://127.0.0.1:')\n"
    )
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=1)
    disabled = pytester.runpytest_subprocess("-q", "-p", "no:syftbox_accounting")
    disabled.stdout.fnmatch_lines(["*fixture 'accounting_service' not found*"])


def test_plugin_fixture_is_documented(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--fixtures", "-q")
    result.stdout.fnmatch_lines(["*accounting_service*", "*reference accounting service*"])


FORGETFUL = """
import pytest

@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_forgets_aclose(accounting_service, anyio_backend):
    client = accounting_service.create_account(balance=5)
    assert await client.get_account_balance_async() == 5.0

def test_next(accounting_service):
    assert accounting_service.create_account(balance=1).get_account_balance() == 1.0
"""


def test_a_forgotten_aclose_does_not_fail_the_next_test(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nfilterwarnings = error\n")
    pytester.makepyfile(test_forgetful=FORGETFUL)
    result = pytester.runpytest_subprocess("-q", "-p", "no:randomly")
    result.assert_outcomes(passed=3)


def test_the_fixture_hashes_fast_and_serve_cannot() -> None:
    from syftbox_accounting.server import passwords
    from syftbox_accounting.server.app import create_app

    app = create_app()
    assert app.state.service.password_cost is None  # production strength by default
    app.state.service.close()
    assert passwords.hash_password("pw", passwords.TEST_ONLY_SCRYPT_N).split("$")[1] == "16"
    import inspect

    from syftbox_accounting.server import serve

    assert "fast_password_hash" not in inspect.getsource(serve)


MODES = """
import pytest

def test_default(accounting_service):
    assert accounting_service.mode == "in-process"  # from the ini option
    assert accounting_service.transport is not None

@pytest.mark.accounting_service(mode="loopback")
def test_marker_wins(accounting_service):
    assert accounting_service.mode == "loopback"
    assert accounting_service.transport is None
    assert accounting_service.url.startswith("http://127.0.0.1:")

@pytest.mark.accounting_service("sockets please")
def test_a_bad_mode(accounting_service):
    pass
"""


def test_the_mode_comes_from_the_marker_or_the_ini_option(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\naccounting_service_mode = in-process\n")
    pytester.makepyfile(test_modes=MODES)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", "--strict-markers")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        ["*accounting_service marker says mode 'sockets please': use one of loopback, in-process*"]
    )


def test_the_mock_fixture_is_documented_and_says_what_it_needs(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--fixtures", "-q")
    result.stdout.fnmatch_lines(["*accounting_mock*", "*pytest-httpx answers*"])
    pytester.makepyfile(test_mock="def test_it(accounting_mock):\n    pass\n")
    without = pytester.runpytest_subprocess("-q", "-p", "no:pytest_httpx")
    without.assert_outcomes(errors=1)
    without.stdout.fnmatch_lines(["*accounting_mock answers through pytest-httpx*"])


def test_a_harness_around_your_own_service_works_over_loopback_without_faults() -> None:
    from syftbox_accounting.server import BackgroundService
    from syftbox_accounting.testing import AccountingTestService

    with BackgroundService(fast_password_hash=True) as running:
        harness = AccountingTestService(running)
        assert harness.create_account(balance=150).get_account_balance() == 150.0
        with pytest.raises(RuntimeError, match="no fault injector"):
            harness.faults.lose_answer("confirmTransaction")
        with pytest.raises(ValueError, match="over loopback only"):
            AccountingTestService(running, "in-process")
        harness.close()


NOT_PASSED = """
import pytest

def test_skipped_after_arming(accounting_service):
    accounting_service.faults.status("createToken", 503)
    pytest.skip("the code under test is not configured here")

@pytest.mark.xfail(reason="a known bug of the code under test", strict=True)
def test_xfailed_after_arming(accounting_service):
    accounting_service.faults.status("createToken", 503)
    assert False

def test_passed_without_firing(accounting_service):
    accounting_service.faults.status("createToken", 503)
"""


def test_a_fault_left_unfired_fails_only_a_test_that_passed(pytester: pytest.Pytester) -> None:
    # Tried as a new user would: a test that armed a fault and then skipped itself
    # was reported as an error, "fault(s) never fired".
    pytester.makepyfile(test_not_passed=NOT_PASSED)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", "-rA")
    result.assert_outcomes(skipped=1, xfailed=1, passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*ERROR at teardown of test_passed_without_firing*", "*1 fault(s) never fired*"]
    )


MARKERS = """
import pytest

@pytest.mark.accounting_service(mod="in-process")
def test_a_misspelt_keyword(accounting_service):
    pass

@pytest.mark.accounting_service("in-process", "loopback")
def test_two_modes(accounting_service):
    pass
"""


def test_a_marker_with_an_unknown_argument_is_refused(pytester: pytest.Pytester) -> None:
    # Tried as a new user would: mod="in-process" was ignored, and the test ran over
    # loopback.
    pytester.makepyfile(test_markers=MARKERS)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        [
            "*the accounting_service marker takes one argument, mode*: "
            "@pytest.mark.accounting_service(mode='in-process'), not (mod='in-process')*",
            "*the accounting_service marker takes one argument, mode*: "
            "@pytest.mark.accounting_service(mode='in-process'), not ('in-process', 'loopback')*",
        ]
    )
