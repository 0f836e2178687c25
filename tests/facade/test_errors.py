"""Every documented error of every operation, sync and async, maps to the right
exception with what a user needs to act on it; and answers that break the contract
(empty, truncated, wrong shape, HTML, plain text) are exceptions of ours too, never
a raw httpx / json / KeyError / TypeError."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from syftbox_accounting import (
    AccountExistsError,
    AccountingError,
    AuthenticationError,
    CredentialCheck,
    CredentialStatus,
    HoldExpiredError,
    InsufficientFundsError,
    InvalidInputError,
    NotFoundError,
    PaymentError,
    ServiceException,
    errors,
)
from tests.facade.helpers import (
    KINDS,
    OPS,
    OPS_BY_ID,
    PASSWORD,
    SECRETS,
    USER,
    Op,
    run,
    tx_json,
    user_json,
)
from tests.spec import operations, resolve
from tests.words import assert_no_repeated_sentence, assert_plain_summary

# The codes each of the contract's error responses may carry.
CODES_BY_RESPONSE = {
    "BadRequest": ("bad_request",),
    "Unauthorized": ("invalid_credentials",),
    "AdminUnauthorized": ("invalid_credentials",),
    "Forbidden": ("forbidden", "insufficient_scope"),
    "AdminDisabled": ("forbidden",),
    "TokenRejected": (
        "token_invalid",
        "token_expired",
        "token_used",
        "token_limit_exceeded",
        "forbidden",
        "insufficient_scope",
    ),
    "InsufficientScope": ("insufficient_scope",),
    "TokenConflict": ("request_in_progress", "spend_cap_exceeded"),
    "NotFound": ("not_found",),
    "AccountExists": ("account_exists",),
    "InsufficientFunds": ("insufficient_funds", "too_many_pending", "spend_cap_exceeded"),
    "ResolveConflict": (
        "already_resolved",
        "insufficient_funds",
        "hold_expired",
        "capture_exceeds_hold",
    ),
    "AlreadyResolved": ("already_resolved", "hold_expired"),
    "RefundConflict": (
        "refund_exceeds_payment",
        "not_refundable",
        "insufficient_funds",
        "spend_cap_exceeded",
    ),
    "InvalidQuery": ("validation_error", "cursor_invalid"),
    "ValidationError": ("validation_error", "idempotency_key_reused"),
    "RequestInProgress": ("request_in_progress",),
    "RateLimited": ("rate_limited",),
    "UnsupportedMediaType": ("unsupported_media_type",),
    "InternalError": ("internal_error",),
    "Unavailable": ("unavailable",),
}

EXPECTED_CLASS: dict[str, type[AccountingError]] = {
    "bad_request": InvalidInputError,
    "validation_error": InvalidInputError,
    "invalid_credentials": AuthenticationError,
    "forbidden": AuthenticationError,
    "not_found": NotFoundError,
    "account_exists": AccountExistsError,
    "insufficient_funds": InsufficientFundsError,
    "token_invalid": PaymentError,
    "token_expired": PaymentError,
    "token_used": PaymentError,
    "already_resolved": PaymentError,
    "too_many_pending": PaymentError,
    "cursor_invalid": InvalidInputError,
    "token_limit_exceeded": PaymentError,
    "hold_expired": HoldExpiredError,
    "capture_exceeds_hold": PaymentError,
    "not_refundable": PaymentError,
    "refund_exceeds_payment": PaymentError,
    "idempotency_key_reused": InvalidInputError,
    "request_in_progress": ServiceException,
    "rate_limited": ServiceException,
    "unsupported_media_type": InvalidInputError,
    "internal_error": ServiceException,
    "unavailable": ServiceException,
    "insufficient_scope": AuthenticationError,
    "spend_cap_exceeded": PaymentError,
}

# Words of the advice each error must give: what to do next.
ADVICE = {
    "bad_request": "report it",
    "validation_error": "Correct the value",
    "invalid_credentials": (
        "Check the email and password",
        "Check the admin key",
        "Check the API key",
    ),
    "forbidden": ("Use the account that created", "admin key", "an account allowed"),
    "not_found": ("Check the email", "Check the transaction id", "Check the key id"),
    "account_exists": "configure",
    "insufficient_funds": ("Add funds", "add funds"),  # a refund: "...: add funds to it"
    "token_invalid": "new token",
    "token_expired": "new token",
    "token_used": "new one",
    "already_resolved": "Nothing to do",
    "too_many_pending": "Confirm or cancel some",
    "cursor_invalid": "without a cursor",
    "token_limit_exceeded": "maxAmount",
    "hold_expired": ("Charge again", "Nothing to do"),  # a confirm, a cancel
    "capture_exceeds_hold": "Capture at most",
    "not_refundable": "Only a completed payment",
    "refund_exceeds_payment": "Refund at most",
    "idempotency_key_reused": "new key",
    "request_in_progress": "same key",
    "rate_limited": "try again",
    "unsupported_media_type": "report it",
    "internal_error": "try again",
    "unavailable": "try again",
    "insufficient_scope": "with that scope",
    "spend_cap_exceeded": "max_spend",
}
RETRYABLE = {429, 500, 502, 503, 504}


def _spec_errors(op: Op) -> list[tuple[int, str, str]]:
    """(status, code, the contract's message) for each documented error of the op's
    first request."""
    step = op.first
    found = [o for m, p, o in operations() if m == step.method and p == step.template]
    assert len(found) == 1, f"{step.method} {step.template} is not in openapi.yaml"
    rows = []
    for status, response in found[0]["responses"].items():
        if int(status) < 400:
            continue
        name = response["$ref"].rsplit("/", 1)[1]
        examples = resolve(response)["content"]["application/json"]["examples"]
        said = {
            resolve(e)["value"]["code"]: resolve(e)["value"]["message"] for e in examples.values()
        }
        for code in CODES_BY_RESPONSE[name]:
            rows.append((int(status), code, said.get(code, f"Problem: {code}.")))
    return rows


ROWS = [
    pytest.param(op, status, code, said, id=f"{op.id}-{status}-{code}")
    for op in OPS
    for status, code, said in _spec_errors(op)
]


def test_every_documented_error_response_has_codes() -> None:
    names = {
        r["$ref"].rsplit("/", 1)[1]
        for _, _, o in operations()
        for s, r in o["responses"].items()
        if int(s) >= 400
    }
    assert names == set(CODES_BY_RESPONSE)
    # Every op has its 401/5xx rows; the POSTs have their 409s where documented.
    assert len(ROWS) > 130


def _mock_error(
    httpx_mock: HTTPXMock,
    op: Op,
    status: int,
    *,
    headers: dict[str, str] | None = None,
    **answer: Any,
) -> bool:
    """Answer the op's first request with an error; returns whether it is retried."""
    step = op.first
    retried = step.method == "GET" and status in RETRYABLE
    httpx_mock.add_response(
        method=step.method,
        url=step.url,
        status_code=status,
        headers=headers,
        is_reusable=retried,
        **answer,
    )
    for other in op.steps[1:]:
        if op.concurrent:  # the async twin sends it at the same time
            httpx_mock.add_response(
                method=other.method,
                url=other.url,
                json=other.answer,
                is_optional=True,
                is_reusable=True,
            )
    return retried


def _no_secret(*texts: Any) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in str(text)


def _sent_to(httpx_mock: HTTPXMock, op: Op) -> int:
    return len(httpx_mock.get_requests(url=op.first.url))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("op", "status", "code", "said"), ROWS)
def test_documented_error(
    httpx_mock: HTTPXMock, op: Op, status: int, code: str, said: str, kind: str
) -> None:
    # The service echoes the secrets of the request: they must still never show.
    echoed = f"{said} (echo: {' '.join(op.secrets)})"
    body = {"message": echoed, "code": code}
    retried = _mock_error(httpx_mock, op, status, json=body)
    if not op.raises:
        check = _outcome(kind, op)
        refused = status in (401, 403)  # wrong credentials, or a key without the scope
        status_seen = CredentialStatus.INVALID if refused else CredentialStatus.UNREACHABLE
        assert _status(check) in (status_seen, None)
        assert _sent_to(httpx_mock, op) == (3 if retried else 1)
        return
    with pytest.raises(AccountingError) as caught:
        run(kind, op.client(), op)
    exc = caught.value
    assert type(exc) is EXPECTED_CLASS[code]
    assert exc.status_code == status
    assert exc.code == code
    assert exc.operation == op.operation
    assert exc.method == op.first.method
    assert exc.path == op.first.path
    assert exc.retries == (2 if retried else 0)
    assert exc.body is not None
    assert json.loads(exc.body)["code"] == code
    assert "***" in exc.body or not op.secrets
    message = str(exc)
    assert message == exc.message
    assert message.startswith(f"{op.operation} failed")
    assert f"HTTP {status}" in message
    # The service's statement of what happened, and our advice, each said once.
    assert errors._statement(said) in message
    advice = ADVICE[code]
    assert any(a in message for a in ((advice,) if isinstance(advice, str) else advice))
    # The request line is for developers: in the message, never in the summary.
    assert exc.request_line is not None
    assert exc.request_line in message
    assert_plain_summary(exc)
    assert_no_repeated_sentence(message)
    if ". " in said:
        assert said.split(". ", 1)[1].rstrip(".") not in exc.summary
    if status >= 500 and op.first.method != "GET":
        # It may have been applied: what to check first (the operator has no history).
        check = "get_user(email)" if op.admin else "get_transaction_history()"
        assert check in message
    _no_secret(message, repr(exc), exc.body)
    assert repr(exc).startswith(f"{type(exc).__name__}(")
    assert f"status_code={status}" in repr(exc)
    assert _sent_to(httpx_mock, op) == (3 if retried else 1)


def _outcome(kind: str, op: Op) -> Any:
    """Run a check operation; return what it returned."""
    result = run(kind, op.client(), op)
    if isinstance(result, CredentialCheck):
        _no_secret(result.reason, repr(result))
        assert not result.ok
        assert result.reason
    else:
        assert result is False
    return result


def _status(result: Any) -> CredentialStatus | None:
    return result.status if isinstance(result, CredentialCheck) else None


# -- answers that break the contract


def _expect_broken(
    httpx_mock: HTTPXMock, kind: str, op: Op, status: int = 200, **answer: Any
) -> AccountingError | None:
    _mock_error(httpx_mock, op, status, **answer)
    if not op.raises:
        result = _outcome(kind, op)
        assert _status(result) in (CredentialStatus.UNREACHABLE, None)
        return None
    with pytest.raises(ServiceException) as caught:
        run(kind, op.client(), op)
    exc = caught.value
    assert type(exc) is ServiceException
    assert exc.operation == op.operation
    assert exc.status_code == status
    assert exc.path == op.first.path
    message = str(exc)
    assert message.startswith(f"{op.operation} failed")
    assert f"HTTP {status}" in message
    assert "accounting_url" in message  # what to do: check where it points
    assert exc.__cause__ is None or isinstance(exc.__cause__, AccountingError)
    assert exc.__suppress_context__ or exc.__context__ is None
    _no_secret(message, repr(exc))
    return exc


BROKEN_BODIES = {
    "null": b"null",
    "list": b"[]",
    "text": b'"ok"',
    "number": b"42",
    "html": b"<html><body>Welcome to nginx!</body></html>",
    "not-utf8": b'{"user": "\xff\xfe"}',
    "deeply-nested": b"[" * 100_000,
    "object-without-fields": b"{}",
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("what", BROKEN_BODIES)
@pytest.mark.parametrize("op", OPS, ids=lambda op: op.id)
def test_a_broken_success_answer_is_a_service_exception(
    httpx_mock: HTTPXMock, op: Op, what: str, kind: str
) -> None:
    exc = _expect_broken(httpx_mock, kind, op, content=BROKEN_BODIES[what])
    if exc is not None:
        assert "does not match the contract" in str(exc)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "content", [b"", b'{"user": {"id": "u1", "email": "alice@exa'], ids=["empty", "truncated"]
)
def test_a_broken_answer_to_one_of_concurrent_requests_names_that_request(
    httpx_mock: HTTPXMock, content: bytes, kind: str
) -> None:
    # The fault matrix breaks every answer of every operation (empty, truncated);
    # here only the first of the requests sent at once gets a broken answer.
    op = OPS_BY_ID["get_account_info_sync"]
    assert op.concurrent
    exc = _expect_broken(httpx_mock, kind, op, content=content)
    assert exc is not None
    assert exc.path == op.first.path
    assert "does not match the contract" in str(exc)
    if content == b"":
        assert "empty body" in str(exc)


WRONG_SHAPES = [
    ("get_account_balance", {"user": user_json(balance="10")}),
    ("get_account_balance", {"user": user_json(balance=-1)}),
    ("get_account_balance", {"user": user_json(balance=True)}),
    ("get_account_balance", {"user": user_json(balance=None)}),
    ("get_account_balance", {"user": {"id": "u1", "email": "alice@example.com"}}),
    ("get_account_balance", {"user": None}),
    ("get_account_balance", {"user": "alice"}),
    ("get_account_balance", {"user": {**USER, "id": 7}}),
    ("get_account_balance", {"user": {**USER, "organization": 5}}),
    ("get_user", {"user": user_json(balance=[1])}),
    ("list_users", {"users": {"a": 1}}),
    ("list_users", {"users": [USER, "bob"]}),
    ("list_users", {"users": None}),
    # Unknown values are no wrong shape (the enums of answers are open: see
    # test_open_enums.py); values that are not text are.
    ("confirm_transaction", {"transaction": tx_json(status=7)}),
    ("confirm_transaction", {"transaction": tx_json(created_by=None)}),
    ("confirm_transaction", {"transaction": tx_json(resolved_by=["SENDER"])}),
    # A decimal string that is not one, or not a string (the exact form wins over the
    # number beside it, so it is read and must be right).
    ("confirm_transaction", {"transaction": tx_json(amountDecimal="1e3")}),
    ("confirm_transaction", {"transaction": tx_json(amountDecimal=0.25)}),
    ("confirm_transaction", {"transaction": tx_json(amountDecimal="0")}),
    ("get_account_balance", {"user": {**user_json(), "balanceDecimal": "-1"}}),
    ("get_account_balance", {"user": {**user_json(), "balanceDecimal": "1.0000001"}}),
    ("confirm_transaction", {"transaction": tx_json(amount=0)}),
    ("confirm_transaction", {"transaction": tx_json(amount=-0.25)}),
    ("confirm_transaction", {"transaction": tx_json(amount="0.25")}),
    ("confirm_transaction", {"transaction": tx_json(created_at="yesterday")}),
    ("confirm_transaction", {"transaction": tx_json(created_at="2026-11-27T14:51:17")}),
    ("confirm_transaction", {"transaction": {**tx_json(), "createdAt": 1700000000}}),
    ("cancel_transaction", {"transaction": tx_json(resolved_at="later")}),
    ("cancel_transaction", {"transaction": {**tx_json(), "senderEmail": None}}),
    ("create_transaction", {"transaction": tx_json(app_name=12)}),
    ("get_transaction_history", {"transactions": "none"}),
    ("get_transaction_history", {"transactions": [tx_json(status=None)]}),
    (
        "get_transaction_history",
        {
            "transactions": [
                tx_json("a", created_at="2026-11-27T14:51:17+00:00"),
                tx_json("b", created_at="2026-11-27T14:51:18"),
            ]
        },
    ),
    ("create_transaction_token_sync", {"token": ""}),
    ("create_transaction_token_sync", {"token": 12345}),
    ("create_transaction_token_sync", {"token": None}),
    ("create_transaction_token_sync", {"jwt": "abc"}),
    ("register_accounting", {"user": user_json(), "password": None}),
    ("register_accounting", {"user": user_json()}),
    ("update_password", {"user": user_json(balance=float("inf"))}),
    ("get_account_info_sync", {"user": user_json(balance="NaN")}),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("op_id", "doc"),
    WRONG_SHAPES,
    ids=[f"{o}-{i}" for i, (o, _) in enumerate(WRONG_SHAPES)],
)
def test_a_wrongly_shaped_answer_is_a_service_exception(
    httpx_mock: HTTPXMock, op_id: str, doc: Any, kind: str
) -> None:
    op = OPS_BY_ID[op_id]
    _expect_broken(httpx_mock, kind, op, content=json.dumps(doc).encode())


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity", b"1e400"])
def test_non_finite_json_numbers_are_rejected(
    httpx_mock: HTTPXMock, literal: bytes, kind: str
) -> None:
    op = OPS_BY_ID["get_user"]
    doc = (
        b'{"user": {"id": "u", "email": "alice@example.com", "organization": null, "balance": '
        + literal
        + b"}}"
    )
    # 1e400 is finite as a Decimal, but no balance: out of range, not `inf`.
    _expect_broken(httpx_mock, kind, op, content=doc)


# -- error answers that are not JSON (a proxy's 502 page and a 401 in plain text
# for every operation are in the fault matrix)


CONFLICT_WITHOUT_CODE = {
    "register_accounting": AccountExistsError,
    "charge": InsufficientFundsError,
    "charging": InsufficientFundsError,
    "create_transaction": InsufficientFundsError,
    "transfer": InsufficientFundsError,
    "confirm_transaction": PaymentError,
    "cancel_transaction": PaymentError,
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("op_id", CONFLICT_WITHOUT_CODE)
@pytest.mark.parametrize("body", [b"", b"<html>409 Conflict</html>", b'{"code": 5}'])
def test_a_409_without_a_code_means_the_operations_documented_conflict(
    httpx_mock: HTTPXMock, op_id: str, body: bytes, kind: str
) -> None:
    op = OPS_BY_ID[op_id]
    _mock_error(httpx_mock, op, 409, content=body)
    with pytest.raises(AccountingError) as caught:
        run(kind, op.client(), op)
    assert type(caught.value) is CONFLICT_WITHOUT_CODE[op_id]
    assert "HTTP 409" in str(caught.value)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, InvalidInputError),
        (403, AuthenticationError),
        (404, NotFoundError),
        (418, ServiceException),
        (302, ServiceException),
        (501, ServiceException),
    ],
)
def test_an_unknown_code_falls_back_to_the_status(
    httpx_mock: HTTPXMock, status: int, expected: type[AccountingError], kind: str
) -> None:
    op = OPS_BY_ID["create_transaction"]
    _mock_error(
        httpx_mock, op, status, json={"message": "Something new happened.", "code": "brand_new"}
    )
    with pytest.raises(AccountingError) as caught:
        run(kind, op.client(), op)
    exc = caught.value
    assert type(exc) is expected
    assert f"HTTP {status} brand_new" in str(exc)
    assert "Something new happened" in str(exc)


# A 403 `forbidden` means different refusals; the advice about who created a
# transaction fits only the calls about one.
FORBIDDEN = {
    "update_password": "oldPassword is not the account's current password.",
    "create_api_key": "This API key cannot create a key with scopes it lacks.",
    "create_transaction": "A direct payment is sent by its sender.",
    "confirm_transaction": "Only the creator of a transaction may confirm or cancel it.",
    "cancel_transaction": "Only the creator of a transaction may confirm or cancel it.",
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("op_id", "said"), FORBIDDEN.items())
def test_the_advice_for_a_403_fits_the_call(
    httpx_mock: HTTPXMock, op_id: str, said: str, kind: str
) -> None:
    op = OPS_BY_ID[op_id]
    _mock_error(httpx_mock, op, 403, json={"message": said, "code": "forbidden"})
    with pytest.raises(AuthenticationError) as caught:
        run(kind, op.client(), op)
    about_a_transaction = op_id in ("confirm_transaction", "cancel_transaction")
    assert ("created the transaction" in caught.value.hint) is about_a_transaction
    assert said.rstrip(".") in str(caught.value)


@pytest.mark.parametrize("kind", KINDS)
def test_a_404_on_revoking_a_key_advises_about_the_key(httpx_mock: HTTPXMock, kind: str) -> None:
    op = OPS_BY_ID["revoke_api_key"]
    said = "No API key key_7Hq2Vd9sKx3LmN4pR8tZ among yours."
    _mock_error(httpx_mock, op, 404, json={"message": said, "code": "not_found"})
    with pytest.raises(NotFoundError) as caught:
        run(kind, op.client(), op)
    assert "Check the email" not in caught.value.hint
    assert "list_api_keys()" in caught.value.hint


def test_a_5xx_is_a_service_exception_whatever_code_it_claims(httpx_mock: HTTPXMock) -> None:
    op = OPS_BY_ID["create_transaction"]
    _mock_error(httpx_mock, op, 500, json={"message": "Oops.", "code": "not_found"})
    with pytest.raises(ServiceException):
        run("sync", op.client(), op)


def test_secrets_are_redacted_from_every_part_of_an_error(httpx_mock: HTTPXMock) -> None:
    op = OPS_BY_ID["charge"]
    long_message = "x" * 5000 + PASSWORD
    _mock_error(
        httpx_mock,
        op,
        403,
        json={"message": long_message, "code": f"weird-{PASSWORD}", "token": op.secrets[1]},
    )
    with pytest.raises(AccountingError) as caught:
        run("sync", op.client(), op)
    exc = caught.value
    _no_secret(
        str(exc), repr(exc), exc.body, exc.code, exc.__notes__ if hasattr(exc, "__notes__") else ""
    )
    assert len(str(exc)) < 2000


def test_an_error_body_is_kept_short(httpx_mock: HTTPXMock) -> None:
    op = OPS_BY_ID["get_account_balance"]
    _mock_error(httpx_mock, op, 401, content=b"y" * 100_000)
    with pytest.raises(AuthenticationError) as caught:
        run("sync", op.client(), op)
    assert caught.value.body is not None
    assert len(caught.value.body) <= 500


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("op_id", ["get_account_balance", "create_transaction"])
def test_an_undecodable_body_is_a_service_exception(
    httpx_mock: HTTPXMock, op_id: str, kind: str
) -> None:
    op = OPS_BY_ID[op_id]
    retried = op.first.method == "GET"
    httpx_mock.add_response(
        method=op.first.method,
        url=op.first.url,
        headers={"Content-Encoding": "gzip"},
        content=b"this is not gzip",
        is_reusable=retried,
    )
    with pytest.raises(ServiceException) as caught:
        run(kind, op.client(), op)
    assert caught.value.operation == op.operation
    assert "DecodingError" in str(caught.value)
    assert _sent_to(httpx_mock, op) == (3 if retried else 1)
