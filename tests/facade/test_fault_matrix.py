"""The fault matrix: each call shape x sync, asyncio and trio x each transport fault.

The transport handles a fault the same way whatever the operation: what differs is
the shape of the call (`Op.shape`: a plain GET, a keyed POST/PUT, several steps, GETs
gathered at once, an iterator, a check that never raises, an admin call). So one
operation of each shape meets every fault, and a second where a shape has two forms
(a POST and a PUT, a function and a context manager, a check that reports a status
and one that answers a bool).

Each case asserts four things: the documented exception (or status, for the calls
that report instead of raising), a message naming the operation and status and
saying what to do, no secret in it (nor in the logs), and how many requests the
server really saw: GETs retried, a POST or PUT that reached the server seen exactly
once. What is each operation's own runs for every operation elsewhere: the requests
it sends (test_operations.py), its documented errors, with whether it is retried and
how it is named (test_errors.py), and its bad input (test_bad_input.py).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from syftbox_accounting import (
    AccountingClient,
    AccountingError,
    AdminClient,
    AuthenticationError,
    CredentialStatus,
    RetryPolicy,
    ServiceException,
)
from tests.facade.faulty_server import LIMIT, FaultyServer, refused_url
from tests.facade.helpers import OPS, OPS_BY_ID, PASSWORD, SECRETS, Op, user_client
from tests.facade.test_errors import ROWS

URL = "http://127.0.0.1:8000"
RETRIES = 2
RETRY = RetryPolicy(max_retries=RETRIES, backoff=0.001, max_backoff=0.001)
# Short only where the timeout is the fault, and only on the read, against a server
# that never answers (`_only_the_read_times_out`): a slow machine can neither make an
# answer arrive in time nor time out a connection. Elsewhere a loaded machine must not
# turn a reset into a timeout, nor the read timeouts of three attempts into the
# call's deadline.
HANG_TIMEOUT, TIMEOUT, DEADLINE = 0.1, 30.0, 300.0

# The operations that meet every fault: one of each shape, and a second where the
# shape has two forms.
MATRIX = tuple(
    OPS_BY_ID[name]
    for name in (
        "get_account_balance",
        "create_transaction_token_sync",  # keyed: a POST
        "update_password",  # keyed: a PUT, with two secrets in its body
        "transfer",  # multi-step: a function
        "charging",  # multi-step: a context manager around the caller's work
        "get_account_info_sync",
        "iter_transactions",
        "check_credentials",  # check: reports a CredentialStatus
        "validate_credentials_sync",  # check: answers a bool
        "add_balance",
    )
)


def _shape_id(op: Op) -> str:
    return f"{op.shape}-{op.id}"


def test_every_call_shape_meets_the_faults() -> None:
    # A new operation of a new shape must join the matrix.
    assert {op.shape for op in OPS} == {op.shape for op in MATRIX}


def test_every_operation_meets_its_own_retry_decision_in_test_errors() -> None:
    # What the matrix leaves to test_errors: for every operation, sync and async, the
    # retryable statuses, with the request count that says whether the operation was
    # retried, its name in the message, and no secret although the answer echoes them.
    statuses: dict[str, set[object]] = {op.id: set() for op in OPS}
    for row in ROWS:
        op, status = row.values[:2]
        assert isinstance(op, Op)
        statuses[op.id].add(status)
    missing = {op: {429, 500, 503} - seen for op, seen in statuses.items()}
    assert missing == {op.id: set() for op in OPS}


@dataclass(frozen=True)
class Fault:
    name: str
    status: int | None  # None when no answer arrives
    retried: bool  # does a GET get sent again after it?
    error: type[AccountingError]
    says: tuple[str, ...]  # words the message must hold (besides the operation)
    respond: Callable[[HTTPXMock, Op], None] | None = None
    code: str | None = None  # the exception's code, where the fault implies one
    body_has: str = ""  # what the exception's body keeps of the answer
    broken: bool = False  # a success answer that breaks the contract
    # The request count is a ceiling: the call's deadline bounds its connection too, so
    # on a stalled machine it may end the call before the request is sent.
    at_most: bool = False


def _reply(**kwargs: Any) -> Callable[[HTTPXMock, Op], None]:
    return lambda mock, op: mock.add_response(is_reusable=True, **kwargs)


def _unauthorized(mock: HTTPXMock, op: Op) -> None:
    # The service echoes the request's secrets: they must still never show.
    mock.add_response(
        is_reusable=True, status_code=401, text=f"Unauthorized {' '.join(op.secrets)}"
    )


def _broken(name: str, *says: str, **answer: Any) -> Fault:
    """A success answer (status 200) that breaks the contract."""
    return Fault(
        name,
        200,
        False,
        ServiceException,
        ("HTTP 200", "does not match the contract", "accounting_url", *says),
        _reply(status_code=200, **answer),
        broken=True,
    )


STATUS_FAULTS = [
    Fault(
        "500-json",
        500,
        True,
        ServiceException,
        ("HTTP 500", "try again"),
        _reply(status_code=500, json={"message": "boom", "code": "internal_error"}),
    ),
    Fault(
        "502-html",
        502,
        True,
        ServiceException,
        ("HTTP 502", "Bad Gateway", "try again"),
        _reply(status_code=502, html="<html><body><h1>502 Bad Gateway</h1></body></html>"),
        code="internal_error",
        body_has="Bad Gateway",
    ),
    Fault(
        "503-retry-after",
        503,
        True,
        ServiceException,
        ("HTTP 503", "try again later"),
        _reply(
            status_code=503,
            headers={"Retry-After": "0"},
            json={"message": "down", "code": "unavailable"},
        ),
    ),
    Fault(
        "429",
        429,
        True,
        ServiceException,
        ("HTTP 429", "Wait a moment"),
        _reply(status_code=429, json={"message": "slow down", "code": "rate_limited"}),
    ),
    _broken("200-empty", "empty body", content=b""),
    _broken("200-truncated", content=b'{"user": {"id": "u1", "ema'),
    _broken("200-wrong-shape", json={"unexpected": [1, 2, 3]}),
    Fault(
        "401-text",
        401,
        False,
        AuthenticationError,
        ("HTTP 401", "Check the"),  # the email and password, or the admin key
        _unauthorized,
        code="invalid_credentials",
    ),
]
SOCKET_FAULTS = [
    Fault("refused", None, True, ServiceException, ("could not connect", "reachable")),
    Fault("reset", None, True, ServiceException, ("dropped",)),
    Fault("read-timeout", None, True, ServiceException, ("no answer within",)),
    # Hostile peers: never retried (a second attempt would cost as much again).
    Fault("drip", None, False, ServiceException, ("deadline",), at_most=True),
    Fault("oversize", None, False, ServiceException, ("too large", "max_response_bytes")),
    Fault("gzip-bomb", None, False, ServiceException, ("too large", "max_response_bytes")),
]
_SERVER_FAULT = {"reset": "reset", "drip": "drip", "oversize": "huge", "gzip-bomb": "bomb"}
# The options of the client that meets each hostile peer: a short deadline for the
# drip, a small size limit for the big answers.
_OPTIONS: dict[str, dict[str, Any]] = {
    "read-timeout": {"timeout": HANG_TIMEOUT},
    "drip": {"deadline": 0.25},
    "oversize": {"max_response_bytes": LIMIT},
    "gzip-bomb": {"max_response_bytes": LIMIT},
}


def expected_requests(op: Op, fault: Fault, *, concurrent: bool) -> int:
    """How many requests the server must see when every answer is `fault`. The
    async form of a multi-GET operation sends its GETs at once; the sync form
    stops at the first that fails."""
    if fault.name == "refused":
        return 0
    attempts = 1 + RETRIES if op.first.method == "GET" and fault.retried else 1
    return attempts * (len(op.steps) if concurrent and op.concurrent else 1)


def _client(op: Op, url: str, **options: Any) -> AccountingClient | AdminClient:
    options = {"timeout": TIMEOUT, "deadline": DEADLINE, **options}
    return op.client(url, retry_policy=RETRY, **options)


def _assert_reported(op: Op, fault: Fault, outcome: Any, *, concurrent: bool = False) -> None:
    """The operation's documented report of `fault`, with nothing secret in it.
    `concurrent`: the async form, which sends a multi-GET operation's GETs at once
    (any of them may be the one reported)."""
    if isinstance(outcome, bool):  # validate_credentials: False for any failure
        assert not op.raises
        assert outcome is False
        return
    if not op.raises:  # check_credentials: a status and its reason
        expected = (
            CredentialStatus.INVALID
            if fault.error is AuthenticationError
            else CredentialStatus.UNREACHABLE
        )
        assert outcome.status is expected
        assert not outcome.ok
        text = outcome.reason
        for secret in SECRETS:
            assert secret not in repr(outcome)
    else:
        exc = outcome
        assert type(exc) is fault.error, f"{type(exc).__name__}: {exc}"
        assert exc.status_code == fault.status
        assert exc.operation == op.operation
        text = str(exc)
        for secret in SECRETS:
            assert secret not in repr(exc)
            assert secret not in (exc.body or "")
        if fault.code:
            assert exc.code == fault.code
        if fault.body_has:
            assert exc.body is not None
            assert fault.body_has in exc.body
        if fault.broken:
            sent_at_once = concurrent and op.concurrent
            assert exc.path in ({s.path for s in op.steps} if sent_at_once else {op.first.path})
            assert text.startswith(f"{op.operation} failed")
            assert exc.__cause__ is None or isinstance(exc.__cause__, AccountingError)
            assert exc.__suppress_context__ or exc.__context__ is None
    assert op.operation in text
    for words in fault.says:
        assert words in text, f"{words!r} not in {text!r}"
    for secret in SECRETS:
        assert secret not in text


def _run_sync(op: Op, url: str, **options: Any) -> Any:
    with _client(op, url, **options) as client:
        try:
            return op.sync(client)
        except AccountingError as exc:
            return exc


async def _run_async(op: Op, url: str, **options: Any) -> Any:
    async with _client(op, url, **options) as client:
        try:
            return await op.aio(client)
        except AccountingError as exc:
            return exc


@pytest.fixture(autouse=True)
def _secrets_stay_out_of_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    # Every case runs with DEBUG logging on, httpx's own loggers included.
    caplog.set_level(logging.DEBUG)
    yield
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in SECRETS:
        assert secret not in logged


@pytest.mark.parametrize("fault", STATUS_FAULTS, ids=lambda f: f.name)
@pytest.mark.parametrize("op", MATRIX, ids=_shape_id)
def test_status_fault_sync(httpx_mock: HTTPXMock, op: Op, fault: Fault) -> None:
    assert fault.respond is not None
    fault.respond(httpx_mock, op)
    _assert_reported(op, fault, _run_sync(op, URL))
    _assert_seen(httpx_mock, op, fault, concurrent=False)


@pytest.mark.anyio
@pytest.mark.parametrize("fault", STATUS_FAULTS, ids=lambda f: f.name)
@pytest.mark.parametrize("op", MATRIX, ids=_shape_id)
async def test_status_fault_async(httpx_mock: HTTPXMock, op: Op, fault: Fault) -> None:
    assert fault.respond is not None
    fault.respond(httpx_mock, op)
    _assert_reported(op, fault, await _run_async(op, URL), concurrent=True)
    _assert_seen(httpx_mock, op, fault, concurrent=True)


def _assert_seen(httpx_mock: HTTPXMock, op: Op, fault: Fault, *, concurrent: bool) -> None:
    """The requests sent: in all, and to the operation's first step."""
    assert len(httpx_mock.get_requests()) == expected_requests(op, fault, concurrent=concurrent)
    first = len(httpx_mock.get_requests(url=URL + op.first.target))
    assert first == expected_requests(op, fault, concurrent=False)


@pytest.fixture
def faulty(request: pytest.FixtureRequest) -> Iterator[tuple[str, FaultyServer | None]]:
    fault: Fault = request.param
    if fault.name == "refused":
        with refused_url() as url:
            yield url, None
        return
    with (
        FaultyServer(_SERVER_FAULT.get(fault.name, "hang")) as server,  # type: ignore[arg-type]
        _only_the_read_times_out() if fault.name == "read-timeout" else contextlib.nullcontext(),
    ):
        yield server.url, server


@contextlib.contextmanager
def _only_the_read_times_out() -> Iterator[None]:
    """The client's short timeout stays on reading the answer, which never comes; its
    connection, its request and its wait for a pooled connection get a generous one:
    a busy event loop cannot turn them into a timeout (httpx reads each request's
    timeouts from its extensions, which this sets just before sending)."""

    def widen(request: httpx.Request) -> None:
        timeouts = request.extensions.get("timeout", {})
        generous = dict.fromkeys(("connect", "write", "pool"), TIMEOUT)
        request.extensions = {**request.extensions, "timeout": {**timeouts, **generous}}

    sync_send = httpx.HTTPTransport.handle_request
    async_send = httpx.AsyncHTTPTransport.handle_async_request

    def handle(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        widen(request)
        return sync_send(self, request)

    async def handle_async(
        self: httpx.AsyncHTTPTransport, request: httpx.Request
    ) -> httpx.Response:
        widen(request)
        return await async_send(self, request)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(httpx.HTTPTransport, "handle_request", handle)
        patch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", handle_async)
        yield


def _assert_count(server: FaultyServer | None, expected: int, fault: Fault) -> None:
    seen = server.seen() if server else 0
    assert seen <= expected if fault.at_most else seen == expected


@pytest.mark.parametrize(
    ("fault", "faulty"), [(f, f) for f in SOCKET_FAULTS], ids=lambda f: f.name, indirect=["faulty"]
)
@pytest.mark.parametrize("op", MATRIX, ids=_shape_id)
def test_socket_fault_sync(op: Op, fault: Fault, faulty: tuple[str, FaultyServer | None]) -> None:
    url, server = faulty
    _assert_reported(op, fault, _run_sync(op, url, **_OPTIONS.get(fault.name, {})))
    _assert_count(server, expected_requests(op, fault, concurrent=False), fault)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("fault", "faulty"), [(f, f) for f in SOCKET_FAULTS], ids=lambda f: f.name, indirect=["faulty"]
)
@pytest.mark.parametrize("op", MATRIX, ids=_shape_id)
async def test_socket_fault_async(
    op: Op, fault: Fault, faulty: tuple[str, FaultyServer | None]
) -> None:
    url, server = faulty
    outcome = await _run_async(op, url, **_OPTIONS.get(fault.name, {}))
    _assert_reported(op, fault, outcome)
    _assert_count(server, expected_requests(op, fault, concurrent=True), fault)


def test_a_post_that_may_have_landed_says_to_check_history() -> None:
    with FaultyServer("reset") as server:
        exc = _run_sync(OPS_BY_ID["transfer"], server.url)
        assert server.seen() == 1
    assert isinstance(exc, ServiceException)
    assert "may have reached the service" in str(exc)
    assert "get_transaction_history()" in str(exc)


def test_connect_failure_is_retried_even_for_a_post(httpx_mock: HTTPXMock) -> None:
    # Nothing was sent, so sending the POST again cannot move money twice.
    httpx_mock.add_exception(httpx.ConnectError("refused"))
    httpx_mock.add_response(json={"token": "t.o.k"})
    with user_client(URL, timeout=TIMEOUT, retry_policy=RETRY) as client:
        assert client.create_transaction_token_sync("ai-service@example.com") == "t.o.k"
    assert len(httpx_mock.get_requests()) == 2


def test_the_retry_count_and_cause_are_on_the_exception(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_exception(httpx.ReadTimeout("slow"), is_reusable=True)
    client = user_client(URL, timeout=TIMEOUT, retry_policy=RETRY)
    with client, pytest.raises(ServiceException) as caught:
        client.get_account_balance()
    assert caught.value.retries == RETRIES
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    assert f"after {RETRIES + 1} attempts" in str(caught.value)


def test_show_never_raises_and_says_unavailable(
    httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str]
) -> None:
    httpx_mock.add_response(status_code=502, html="<html>bad gateway</html>")
    with user_client(URL, timeout=TIMEOUT, retry_policy=RETRY) as client:
        client.show()
    out = capsys.readouterr().out
    assert "unavailable" in out
    assert PASSWORD not in out
    assert len(httpx_mock.get_requests()) == 1  # a short check: no retries
