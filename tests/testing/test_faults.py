"""`accounting_service.faults`, used as a user would: each fault kind in a user's test
suite, through the public fixture only, over loopback and in process, sync and async.

The user's suite runs in its own pytest process (pytester), as the plugin comes from
the installed entry point; every one of its tests must pass."""

from __future__ import annotations

import pytest

CONFTEST = """
import pytest

@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request):
    return request.param
"""

# Each test runs over loopback and in process (the fixture, parametrized indirectly).
USER_TESTS = """
from decimal import Decimal

import httpx
import pytest

from syftbox_accounting import (
    InsufficientFundsError,
    PaymentError,
    RetryPolicy,
    ServiceException,
)

both_modes = pytest.mark.parametrize(
    "accounting_service", ["loopback", "in-process"], indirect=True
)
FAST = RetryPolicy(max_retries=2, backoff=0.001, max_backoff=0.001)


def funded_pair(svc, **options):
    payer = svc.create_account(balance=10, **options)
    shop = svc.create_account(balance=0, **options)
    return payer, shop


# -- lose_answer: committed, then the connection closes


@both_modes
def test_a_charge_survives_a_lost_confirm_answer_and_moves_money_once(accounting_service):
    payer, shop = funded_pair(accounting_service)
    token = payer.create_transaction_token_sync(shop.get_email())
    lost = accounting_service.faults.lose_answer("confirmTransaction")

    with shop.charging(payer.get_email(), Decimal("0.25"), token, app_name="echo") as payment:
        assert payment.transaction.is_pending

    assert lost.hits == 1
    assert payer.get_account_balance() == 9.75
    assert shop.get_account_balance() == 0.25
    history = shop.get_transaction_history()
    assert [t.status.value for t in history] == ["COMPLETED"]


@both_modes
@pytest.mark.anyio
async def test_async_charging_survives_a_lost_confirm_answer(accounting_service, anyio_backend):
    payer, shop = funded_pair(accounting_service)
    token = await payer.create_transaction_token(shop.get_email())
    accounting_service.faults.lose_answer("confirmTransaction", account=shop.get_email())

    async with shop.charging_async(payer.get_email(), 1, token):
        pass

    assert await payer.get_account_balance_async() == 9.0
    await payer.aclose()
    await shop.aclose()


@both_modes
def test_a_lost_answer_is_a_dropped_connection_to_a_plain_httpx_client(accounting_service):
    accounting_service.faults.lose_answer("createUser")
    http = accounting_service.http_client()
    with pytest.raises(httpx.RemoteProtocolError):
        http.post("/user/create", json={"email": "new@example.com"})
    # ... but the account was made.
    assert accounting_service.admin.get_user("new@example.com").email == "new@example.com"


# -- lose_request: the connection closes before the service acts


@both_modes
def test_a_transfer_whose_request_was_lost_is_made_once(accounting_service):
    payer, shop = funded_pair(accounting_service)
    accounting_service.faults.lose_request("createTransaction")

    payer.transfer(shop.get_email(), 2)

    assert payer.get_account_balance() == 8.0
    assert len(shop.get_transaction_history()) == 1  # the lost request made nothing


@both_modes
def test_a_lost_request_changes_nothing(accounting_service):
    accounting_service.faults.lose_request("createUser")
    with pytest.raises(httpx.RemoteProtocolError):
        accounting_service.http_client().post("/user/create", json={"email": "x@example.com"})
    assert accounting_service.admin.list_users() == []


# -- reset: a TCP reset before the service acts


@both_modes
def test_a_read_is_retried_after_a_reset(accounting_service):
    payer = accounting_service.create_account(balance=3, retry_policy=FAST)
    reset = accounting_service.faults.reset("getMyInfo")
    assert payer.get_account_balance() == 3.0
    assert reset.hits == 1


@both_modes
def test_a_reset_is_a_read_error_to_a_plain_httpx_client(accounting_service):
    accounting_service.faults.reset("createUser")
    with pytest.raises(httpx.ReadError):
        accounting_service.http_client().post("/user/create", json={"email": "x@example.com"})
    assert accounting_service.admin.list_users() == []


# -- status: a 503 storm, with Retry-After; a gateway's 502


@both_modes
def test_a_short_503_storm_is_ridden_out_by_the_library(accounting_service):
    payer = accounting_service.create_account(balance=3)
    storm = accounting_service.faults.status("getMyInfo", 503, retry_after=0, times=2)
    assert payer.get_account_balance() == 3.0
    assert storm.hits == 2


@both_modes
def test_a_503_storm_that_lasts_is_a_service_exception(accounting_service):
    payer = accounting_service.create_account(balance=3, retry_policy=FAST)
    storm = accounting_service.faults.status("getMyInfo", 503, retry_after=1, times=None)
    with pytest.raises(ServiceException) as caught:
        payer.get_account_balance()
    assert caught.value.status_code == 503
    assert caught.value.code == "unavailable"
    assert storm.hits == 3  # the first try and two retries


@both_modes
def test_a_status_answer_is_the_contracts_with_retry_after(accounting_service):
    accounting_service.faults.status("createUser", 429, retry_after=7)
    answer = accounting_service.http_client().post("/user/create", json={"email": "x@example.com"})
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "7"
    assert answer.json()["code"] == "rate_limited"
    assert answer.headers["X-Request-Id"]


@both_modes
def test_a_gateway_502_is_not_json(accounting_service):
    payer = accounting_service.create_account(balance=3, retry_policy=FAST)
    accounting_service.faults.status("getMyInfo", 502, times=None)
    with pytest.raises(ServiceException) as caught:
        payer.get_account_balance()
    assert caught.value.status_code == 502


# -- delay: answered late


@both_modes
def test_a_slow_answer_within_the_timeout_arrives(accounting_service):
    payer = accounting_service.create_account(balance=3)
    accounting_service.faults.delay("getMyInfo", 0.01)
    assert payer.get_account_balance() == 3.0


@both_modes
def test_an_answer_later_than_the_timeout_is_a_service_exception(accounting_service):
    payer = accounting_service.create_account(balance=3, timeout=0.2, max_retries=0)
    accounting_service.faults.delay("getMyInfo", 30)
    with pytest.raises(ServiceException, match="no answer within 0.2 s"):
        payer.get_account_balance()


@both_modes
def test_a_payment_answered_too_late_is_sent_again_and_made_once(accounting_service):
    payer, shop = funded_pair(accounting_service, timeout=0.2, retry_policy=FAST)
    slow = accounting_service.faults.delay("createTransaction", 30)
    payer.transfer(shop.get_email(), 1)  # the first answer is late; the retry is replayed
    assert slow.hits == 1
    assert payer.get_account_balance() == 9.0
    assert len(shop.get_transaction_history()) == 1


# -- error: the contract's business errors


@both_modes
def test_insufficient_funds_on_demand(accounting_service):
    payer, shop = funded_pair(accounting_service)
    token = payer.create_transaction_token_sync(shop.get_email())
    accounting_service.faults.error("createTransaction", "insufficient_funds")
    with pytest.raises(InsufficientFundsError):
        with shop.charging(payer.get_email(), 1, token):
            raise AssertionError("the work must not run when the charge is refused")
    assert payer.get_account_balance() == 10.0


@both_modes
def test_an_expired_token_on_demand(accounting_service):
    payer, shop = funded_pair(accounting_service)
    token = payer.create_transaction_token_sync(shop.get_email())
    accounting_service.faults.error("createTransaction", "token_expired")
    with pytest.raises(PaymentError) as caught:
        shop.charge(payer.get_email(), 1, token)
    assert caught.value.status_code == 403
    assert caught.value.code == "token_expired"


@both_modes
def test_a_code_without_an_example_takes_its_status(accounting_service):
    payer, shop = funded_pair(accounting_service)
    token = payer.create_transaction_token_sync(shop.get_email())
    accounting_service.faults.error(
        "createTransaction", "token_invalid", status=403, message="Forged by the test"
    )
    with pytest.raises(PaymentError) as caught:
        shop.charge(payer.get_email(), 1, token)
    assert caught.value.code == "token_invalid"
    assert "Forged by the test" in str(caught.value)


@both_modes
def test_a_fault_for_one_account_leaves_the_others_alone(accounting_service):
    alice = accounting_service.create_account("alice@example.com", balance=5)
    bob = accounting_service.create_account("bob@example.com", balance=5)
    accounting_service.faults.error(
        "getMyInfo", "invalid_credentials", account="bob@example.com", times=None
    )
    assert alice.get_account_balance() == 5.0
    assert bob.check_credentials().ok is False


@both_modes
def test_a_fault_for_one_account_knows_its_api_key(accounting_service):
    # Tried as a new user would: a request with an API key was taken for the account
    # its body named (the token's recipient), never for the key's own account.
    payer = accounting_service.create_account(
        "Payer@example.com", balance=5, api_key=True, retry_policy=FAST
    )
    accounting_service.create_account("shop@example.com", balance=0)
    storm = accounting_service.faults.status(
        "createToken", 503, account="payer@example.com", times=None
    )
    shop = accounting_service.faults.status("createToken", 503, account="shop@example.com")
    with pytest.raises(ServiceException):
        payer.create_transaction_token_sync("shop@example.com")
    assert (storm.hits, shop.hits) == (3, 0)
    accounting_service.faults.clear()


# -- scope


def test_faults_are_gone_in_the_next_test_part_1(accounting_service):
    client = accounting_service.create_account(balance=1, max_retries=0)
    accounting_service.faults.status("getMyInfo", 503, times=None)
    with pytest.raises(ServiceException):
        client.get_account()


def test_faults_are_gone_in_the_next_test_part_2(accounting_service):
    assert accounting_service.faults.armed == []
    assert accounting_service.create_account(balance=1).get_account_balance() == 1.0
"""


def test_each_fault_kind_as_a_user_writes_it(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_user_faults=USER_TESTS)
    result = pytester.runpytest_subprocess("-q", "-p", "no:randomly", "-p", "no:cacheprovider")
    # 19 tests in both modes, the async one on two backends too, and the two scope tests.
    result.assert_outcomes(passed=2 * 19 + 2 + 2)


NEVER_FIRED = """
def test_a_fault_on_the_wrong_account(accounting_service):
    accounting_service.create_account("alice@example.com", balance=5).get_account_balance()
    accounting_service.faults.status("getMyInfo", 503, account="bob@example.com")

def test_a_test_that_failed_is_not_blamed_twice(accounting_service):
    accounting_service.faults.lose_answer("confirmTransaction")
    assert False, "the test's own failure"

def test_clear_disarms(accounting_service):
    accounting_service.faults.lose_answer("confirmTransaction")
    assert len(accounting_service.faults.clear()) == 1
"""


def test_a_fault_that_never_fired_fails_its_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_never=NEVER_FIRED)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    # One error, at the teardown of the test whose fault never fired: the test that
    # failed on its own is not blamed a second time (that would be a second error).
    # Whether a short summary repeats the message depends on the caller's -r options.
    result.assert_outcomes(passed=2, failed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_a_fault_on_the_wrong_account*",
            "*1 fault(s) never fired*<Fault status 503 on getMyInfo from bob@example.com*",
        ]
    )
    assert "the test's own failure" in result.stdout.str()


def test_wrong_arguments_say_what_is_allowed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_bad="""
import pytest

def test_bad_arguments(accounting_service):
    faults = accounting_service.faults
    with pytest.raises(ValueError, match="Did you mean 'confirmTransaction'"):
        faults.lose_answer("confirm_transaction")
    with pytest.raises(ValueError, match="Did you mean 'insufficient_funds'"):
        faults.error("createTransaction", "insuficient_funds")
    with pytest.raises(ValueError, match="pass the status it should come with"):
        faults.error("createTransaction", "token_invalid")
    with pytest.raises(ValueError, match="getMyInfo documents no 409 error"):
        faults.error("getMyInfo", "insufficient_funds", status=409)
    with pytest.raises(ValueError, match="400 to 599"):
        faults.status("getMyInfo", 200)
    with pytest.raises(ValueError, match="whole number of seconds"):
        faults.status("getMyInfo", 503, retry_after=1.5)
    with pytest.raises(ValueError, match="positive"):
        faults.delay("getMyInfo", 0)
    with pytest.raises(ValueError, match="positive"):
        faults.delay("getMyInfo", 10**400)  # beyond floats: no OverflowError
    with pytest.raises(ValueError, match="at least 1"):
        faults.reset("getMyInfo", times=0)
    with pytest.raises(ValueError, match="email address"):
        faults.reset("getMyInfo", account="bob")
    assert faults.armed == []
"""
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_a_delayed_answer_whose_client_left_holds_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Over loopback the delay waits on the server; once the client has given up, it
    # ends, so the server's shutdown has no request left to cancel (and log).
    from syftbox_accounting import ServiceException
    from syftbox_accounting.testing.harness import AccountingTestService, SessionService

    session = SessionService()
    try:
        svc = AccountingTestService(session, "loopback")
        client = svc.create_account(balance=1, timeout=0.2, max_retries=0)
        svc.faults.delay("getMyInfo", 600)
        with pytest.raises(ServiceException, match=r"no answer within 0\.2 s"):
            client.get_account_balance()
        svc.close()
    finally:
        session.close()
    assert [r for r in caplog.records if r.levelname == "ERROR"] == []


SETUP_FIRST = """
import pytest

from syftbox_accounting import AccountExistsError, ServiceException

both_modes = pytest.mark.parametrize(
    "accounting_service", ["loopback", "in-process"], indirect=True
)


@both_modes
def test_faults_armed_first_are_left_to_the_code_under_test(accounting_service):
    faults = accounting_service.faults
    faults.status("createUser", 503, times=None)
    faults.status("addBalance", 503, times=None)
    faults.error("createApiKey", "rate_limited", times=None)
    faults.status("getMyInfo", 503, times=1)
    payer = accounting_service.create_account(balance=7, api_key=["read"])
    shop = accounting_service.create_account(balance=3, max_retries=0)
    with pytest.raises(ServiceException):
        shop.get_account_balance()  # the code under test meets the fault
    assert payer.get_account_balance() == 7.0
    with pytest.raises(ServiceException):
        accounting_service.client().register_accounting("new@example.com", "pw-123456789")
    faults.clear()
    with pytest.raises(AccountExistsError):
        accounting_service.create_account(shop.get_email())


def test_a_client_from_create_account_knows_what_registering_taught(accounting_service):
    # It may send a payment again after a lost request (the service echoed a key) and
    # asks nothing before its first call that needs a feature.
    payer = accounting_service.create_account(balance=10)
    shop = accounting_service.create_account()
    accounting_service.faults.lose_request("createTransaction")
    payer.transfer(shop.get_email(), 2)
    assert payer.get_account_balance() == 8.0
    assert payer.service_features is not None
"""


def test_the_harness_setup_takes_no_fault_armed_for_the_code_under_test(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_setup_first=SETUP_FIRST)
    result = pytester.runpytest_subprocess("-q", "-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
