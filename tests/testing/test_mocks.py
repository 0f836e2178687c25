"""Contract-checked mocks: answers built from openapi.yaml and checked against it when
registered, and every request the library sends to them checked too, with pytest-httpx
and respx."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx
from pytest_httpx import HTTPXMock

from syftbox_accounting import (
    AccountingClient,
    FeatureNotSupportedError,
    InsufficientFundsError,
    ServiceException,
)
from syftbox_accounting.testing import Contract, ContractMock, ContractViolation
from tests.facade.helpers import BASE, KINDS, OPS, Call, Op, announced, run

CONTRACT = Contract.shipped()
# What the reference service announces (the contract's example of the header).
CONTRACT_FEATURES = "holds, capture, refunds, exact-money, api-keys"
EXAMPLES = [
    (op_id, status, name)
    for op_id in CONTRACT.operations
    for status in CONTRACT.statuses(op_id)
    for name in CONTRACT.examples(op_id, status)
]


@pytest.mark.parametrize(("operation", "status", "name"), EXAMPLES)
def test_every_example_of_the_contract_is_an_answer_the_contract_allows(
    operation: str, status: int, name: str
) -> None:
    CONTRACT.check_answer(operation, status, CONTRACT.example(operation, status, name))


# -- a wrong answer fails where it is registered, naming the field and the rule


def test_a_wrong_type_is_refused_when_registered(httpx_mock: HTTPXMock) -> None:
    mock = ContractMock(httpx_mock)
    user = mock.example("getMyInfo")
    user["user"]["balance"] = "89.75"
    with pytest.raises(ContractViolation) as caught:
        mock.add("getMyInfo", json=user)
    assert str(caught.value) == (
        "The getMyInfo answer 200 body breaks openapi.yaml at user.balance: '89.75' is not "
        "of type 'number' (rule: type: \"number\")."
    )


def test_a_missing_required_field_is_refused_when_registered(httpx_mock: HTTPXMock) -> None:
    mock = ContractMock(httpx_mock)
    transaction = mock.example("confirmTransaction")
    del transaction["transaction"]["createdBy"]
    with pytest.raises(
        ContractViolation, match=r"at transaction\.createdBy: .* \(rule: required\)"
    ):
        mock.add("confirmTransaction", json=transaction)


A_USER = {"id": "u", "email": "a@example.com", "balance": 1, "organization": None}


@pytest.mark.parametrize(
    ("answer", "field", "rule"),
    [
        ({"user": {**A_USER, "balance": -1}}, "user.balance", "minimum"),
        ({"user": {**A_USER, "email": "not-an-email"}}, "user.email", "format"),
        ({"user": {**A_USER, "id": 7}}, "user.id", "type"),
        ({"user": {**A_USER, "balanceDecimal": "1e3"}}, "user.balanceDecimal", "pattern"),
        ({"user": None}, "user", "type"),
        ({}, "user", "required"),
        (
            {"user": {"id": "u", "email": "a@example.com", "balance": 1, "organization": 3}},
            "user.organization",
            "type",
        ),
    ],
)
def test_each_broken_field_is_named_with_its_rule(
    httpx_mock: HTTPXMock, answer: dict[str, Any], field: str, rule: str
) -> None:
    with pytest.raises(ContractViolation, match=rf"at {field}: .*\(rule: {rule}\b"):
        ContractMock(httpx_mock).add("getMyInfo", json=answer)


def test_an_undocumented_status_or_header_is_refused(httpx_mock: HTTPXMock) -> None:
    mock = ContractMock(httpx_mock)
    with pytest.raises(ContractViolation, match=r"answer 418 is not in openapi\.yaml.*200, 401"):
        mock.add("getMyInfo", json={}, status=418)
    with pytest.raises(ContractViolation, match=r"at header Retry-After: 'soon' .*type"):
        mock.add(
            "getMyInfo",
            json=mock.example("getMyInfo", 429),
            status=429,
            headers={"Retry-After": "soon"},
        )
    with pytest.raises(ValueError, match="Did you mean 'getMyInfo'"):
        mock.add("get_my_info")


# -- every request the library sends while mocked fits the contract


def _operation_of(method: str, path: str) -> str:
    found = CONTRACT.operation_for(method, httpx.URL(BASE + path).path)
    assert found is not None, f"{method} {path} is in no operation of the contract"
    return found[0].id


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("op", OPS, ids=[op.id for op in OPS])
def test_every_facade_operation_sends_what_the_contract_allows(
    httpx_mock: HTTPXMock, op: Op, kind: str
) -> None:
    # The facade's own table of answers, registered through the contract's checks:
    # they are answers the contract allows, and the requests are ones it allows.
    mock = ContractMock(httpx_mock, BASE)
    for step in op.steps:
        mock.add(
            _operation_of(step.method, step.target),
            json=step.answer,
            headers=announced(op.features) or None,
        )
    op.check(run(kind, op.client(), op))
    sent = list(mock.requests())
    assert len(sent) == len(op.steps)
    mock.check_requests()


def test_a_request_that_breaks_the_contract_fails_when_sent(httpx_mock: HTTPXMock) -> None:
    mock = ContractMock(httpx_mock)
    mock.add("createTransaction")
    with httpx.Client(base_url=mock.url) as http, pytest.raises(ContractViolation) as caught:
        http.post(
            "/transaction/create",
            json={"senderEmail": "a@example.com", "recipientEmail": "b", "amountDecimal": "1e3"},
            auth=("a@example.com", "pw"),
        )
    assert "createTransaction request body breaks openapi.yaml at amountDecimal" in str(
        caught.value
    )
    assert "(rule: pattern" in str(caught.value)
    with pytest.raises(ContractViolation):
        mock.check_requests()  # again at the end, though the code under test caught it
    httpx_mock.reset()  # this test's answer was consumed by a request the contract refused


def test_a_request_without_the_operations_credentials_is_refused(httpx_mock: HTTPXMock) -> None:
    mock = ContractMock(httpx_mock)
    mock.add("listUsers")
    with pytest.raises(ContractViolation, match="needs HTTP Bearer credentials"):
        httpx.get(mock.url + "/users", auth=("a@example.com", "pw"))


# -- answers as the service gives them


def test_answers_echo_the_idempotency_key_and_carry_a_request_id(httpx_mock: HTTPXMock) -> None:
    mock = ContractMock(httpx_mock)
    mock.add("createToken", json={"token": "t.o.k"})
    client = AccountingClient(mock.url, "alice@example.com", "correct-horse")
    assert client.create_transaction_token_sync("ai-service@example.com") == "t.o.k"
    sent = next(mock.requests())
    assert client.last_response is not None
    assert client.last_response.headers["idempotency-key"] == sent.headers["Idempotency-Key"]
    assert client.last_response.request_id == "req_mock_1"


def test_the_contracts_errors_become_the_librarys_exceptions(httpx_mock: HTTPXMock) -> None:
    mock = ContractMock(httpx_mock)
    mock.error("createTransaction", "insufficient_funds", message="Balance too low.")
    client = AccountingClient(mock.url, "alice@example.com", "correct-horse", max_retries=0)
    with pytest.raises(InsufficientFundsError, match="Balance too low"):
        client.transfer("bob@example.com", 500)
    mock.add("getMyInfo", json=mock.example("getMyInfo", 503), status=503)
    with pytest.raises(ServiceException):
        client.get_account_balance()


def test_respx_gets_the_same_checked_answers() -> None:
    with respx.mock(assert_all_called=True) as router:
        mock = ContractMock(router)
        user = mock.example("getUser")
        mock.add("getUser", json=user)
        mock.add("getMyInfo")
        answer = httpx.get(
            mock.url + "/user/alice%40example.com", headers={"Authorization": "Bearer k"}
        )
        assert answer.json() == user
        with pytest.raises(ContractViolation, match="getMyInfo request sends no Authorization"):
            httpx.get(mock.url + "/user/my-info")  # the fixed path, not /user/{email}
        with pytest.raises(ContractViolation, match=r"at user\.balance"):
            mock.add("getMyInfo", json={"user": {**user["user"], "balance": "a lot"}})


# -- as a user's suite uses it


USER_TESTS = """
import pytest
from syftbox_accounting import AccountingClient


def low_balance_warning(client):
    balance = client.get_account_balance()
    return f"Balance low: ${balance:.2f}" if balance < 5 else None


def test_a_warning_below_five_dollars(accounting_mock):
    answer = accounting_mock.example("getMyInfo")
    answer["user"]["balance"] = 1.5
    accounting_mock.add("getMyInfo", json=answer)
    client = AccountingClient(accounting_mock.url, "alice@example.com", "correct-horse")
    assert low_balance_warning(client) == "Balance low: $1.50"


def test_a_mock_with_a_wrong_type(accounting_mock):
    accounting_mock.add("getMyInfo", json={"user": {"id": "u1", "email": "a@example.com",
                                                    "balance": "1.50", "organization": None}})


def test_a_mock_missing_a_field(accounting_mock):
    accounting_mock.add("getMyInfo", json={"user": {"id": "u1", "balance": 1.5,
                                                    "organization": None}})
"""


def test_the_accounting_mock_fixture_fails_the_test_that_registered_a_wrong_answer(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_user_mocks=USER_TESTS)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*test_a_mock_with_a_wrong_type*",
            "*ContractViolation: The getMyInfo answer 200 body breaks openapi.yaml at "
            "user.balance: '1.50' is not of type 'number' (rule: type*",
            "*test_a_mock_missing_a_field*",
            "*at user.email: 'email' is a required property (rule: required)*",
        ]
    )


# -- holds, capture and refunds: the features a client learns before it sends them


def _refund(mock: ContractMock, kind: str) -> Any:
    client = AccountingClient(mock.url, "ai-service@example.com", "correct-horse")
    return run(kind, client, Call("refund_transaction", ("tx-1",), {"amount": Decimal("1")}))


@pytest.mark.parametrize("kind", KINDS)
def test_a_mocked_service_announces_the_contracts_features(
    httpx_mock: HTTPXMock, kind: str
) -> None:
    # Tried as a new user would: a refund, a capture and a hold against the mock,
    # with nothing but the answers registered. The client asks an unauthenticated
    # getMyInfo what the service supports first; the mock answers it as the service
    # does (401, with Accounting-Features), and that request breaks no contract rule.
    mock = ContractMock(httpx_mock)
    mock.add("refundTransaction")
    assert _refund(mock, kind).refund_of is not None
    probe, refund = mock.requests()
    assert (probe.method, probe.url.path, probe.headers.get("Authorization")) == (
        "GET",
        "/user/my-info",
        None,
    )
    assert refund.url.path == "/transaction/refund"
    mock.check_requests()


def test_every_answer_of_the_mock_carries_its_features(httpx_mock: HTTPXMock) -> None:
    mock = ContractMock(httpx_mock)
    mock.add("getMyInfo")
    mock.add("confirmTransaction")
    mock.add("createTransaction")
    client = AccountingClient(mock.url, "ai-service@example.com", "correct-horse")
    client.get_account()
    # Learnt from that answer: no request asks for the features.
    client.confirm_transaction("tx-1", amount=Decimal("0.5"))
    client.charge("alice@example.com", 1, "t.o.k", hold_for=60)
    assert [r.url.path for r in mock.requests()] == [
        "/user/my-info",
        "/transaction/confirm",
        "/transaction/create",
    ]
    assert client.last_response is not None
    assert client.last_response.headers["accounting-features"] == CONTRACT_FEATURES
    mock.check_requests()


def test_a_mock_of_the_public_service_announces_nothing(httpx_mock: HTTPXMock) -> None:
    mock = ContractMock(httpx_mock, features=())
    with pytest.raises(FeatureNotSupportedError, match="refund"):
        _refund(mock, "sync")
    assert [r.url.path for r in mock.requests()] == ["/user/my-info"]  # the probe only
    mock.check_requests()


def test_with_respx_a_getmyinfo_answer_tells_the_features() -> None:
    with respx.mock(assert_all_called=True) as router:
        mock = ContractMock(router)
        mock.add("getMyInfo")  # answers the unauthenticated probe: no violation
        mock.add("refundTransaction")
        assert _refund(mock, "sync").refund_of is not None
        mock.check_requests()
