"""Hostile peers: numbers out of range, answers that never end or weigh too much,
redirects to another host, and a client used from several event loops."""

from __future__ import annotations

import asyncio
import gc
import json
import threading
import time
import warnings
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import anyio
import httpx
import pytest
from pytest_httpx import HTTPXMock

from syftbox_accounting import (
    AccountingError,
    CredentialStatus,
    InvalidInputError,
    ServiceException,
)
from syftbox_accounting.accounting.account import SHOW_TIMEOUT
from syftbox_accounting.transport import Transport, keep_deadlines, parse_retry_after
from tests.facade.faulty_server import Fault, FaultyServer
from tests.facade.helpers import (
    BASE,
    FAST,
    OPS,
    OPS_BY_ID,
    PASSWORD,
    USAGE,
    USER,
    Op,
    run,
    user_client,
)

HUGE = b"1e999999999"
# What a call that must end may take at most: generous, so a busy machine cannot fail
# it; what ends it (a deadline, a check before any work) is asserted on its own.
CEILING = 30.0


def _user_with_balance(literal: bytes) -> bytes:
    return (
        b'{"user": {"id": "u", "email": "alice@example.com", "organization": null, "balance": '
        + literal
        + b"}}"
    )


@pytest.mark.parametrize("literal", [HUGE, b"-1e999999999", b"1e400", b"1" * 5000])
def test_a_number_out_of_range_in_an_answer_is_a_service_exception(
    httpx_mock: HTTPXMock, literal: bytes
) -> None:
    httpx_mock.add_response(url=f"{BASE}/user/my-info", content=_user_with_balance(literal))
    with pytest.raises(ServiceException) as caught:
        user_client().get_account_balance()
    assert "does not match the contract" in caught.value.message
    assert len(caught.value.message) < 600


def test_a_huge_number_in_an_error_answer_is_still_the_mapped_error(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(
        url=f"{BASE}/user/my-info",
        status_code=401,
        content=b'{"code": "invalid_credentials", "message": "no", "retry": ' + HUGE + b"}",
    )
    check = user_client().check_credentials()
    assert check.status is CredentialStatus.INVALID


def test_show_and_check_credentials_never_raise_on_a_huge_number(
    httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str]
) -> None:
    httpx_mock.add_response(
        url=f"{BASE}/user/my-info", content=_user_with_balance(HUGE), is_reusable=True
    )
    client = user_client()
    client.show()
    assert "unavailable" in capsys.readouterr().out
    assert client.check_credentials().status is CredentialStatus.UNREACHABLE


@pytest.mark.parametrize(
    "amount", [Decimal("1e999999999"), Decimal("1e-999999999"), Decimal("-1e999999999")]
)
def test_extreme_amounts_are_rejected_quickly_with_a_short_message(amount: Decimal) -> None:
    started = time.perf_counter()
    with pytest.raises(InvalidInputError) as caught:
        user_client().create_transaction("bob@example.com", amount)
    # A ceiling, not a speed: computing with such a number would take hours.
    assert time.perf_counter() - started < CEILING
    assert len(caught.value.message) < 200


# A generous ceiling: the point is that the call ends (by its deadline, as its message
# says), where a dripping server would otherwise hold it for as long as it drips.
CEILING = 30.0


def _ends(call: Callable[[], Any]) -> BaseException | None:
    """Run `call` in a thread; its exception (None if it returned). Fails the test if
    it is still running after CEILING seconds."""
    outcome: list[BaseException | None] = []

    def target() -> None:
        try:
            call()
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(CEILING)
    assert not thread.is_alive(), f"still waiting after {CEILING:g} s"
    return outcome[0]


@pytest.mark.parametrize("fault", ["drip", "drip-headers"])
def test_show_keeps_its_two_seconds_against_a_dripping_service(
    fault: Fault, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The dripping service never finishes its answer: show() returns only because its
    # call has a deadline, and that deadline is SHOW_TIMEOUT (the wall clock gets only a
    # generous ceiling, so a busy machine cannot fail this). show() calls through a
    # copy of the client (with_options), so every transport's sends are recorded.
    with FaultyServer(fault) as server:
        client = user_client(server.url)
        sent: list[tuple[float | None, float, int]] = []
        send = Transport.send

        def recorded(self: Transport, *args: Any, **kwargs: Any) -> Any:
            sent.append((self.deadline, self.timeout, self.retry.max_retries))
            return send(self, *args, **kwargs)

        monkeypatch.setattr(Transport, "send", recorded)
        started = time.perf_counter()
        assert _ends(client.show) is None
        took = time.perf_counter() - started
    assert "unavailable" in capsys.readouterr().out
    assert sent == [(SHOW_TIMEOUT, SHOW_TIMEOUT, 0)]
    assert took < CEILING


@pytest.mark.parametrize("kind", ["sync", "asyncio", "trio"])
@pytest.mark.parametrize("fault", ["drip", "drip-headers"])
def test_the_deadline_holds_for_the_whole_exchange(fault: Fault, kind: str) -> None:
    # The status line and headers dripped one byte at a time count too: no single read
    # waits long, so only a deadline over the whole exchange ends the call.
    with FaultyServer(fault) as server:
        client = user_client(server.url, deadline=0.5)
        caught = _ends(lambda: run(kind, client, OPS_BY_ID["get_account_balance"].call))
    assert isinstance(caught, ServiceException), caught
    assert "within the 0.5 s deadline" in caught.message


def test_the_default_deadline_holds_for_dripped_headers_too() -> None:
    # As a user would call it: one second per read, no retries: three seconds in all.
    with FaultyServer("drip-headers") as server:
        client = user_client(server.url, timeout=1, max_retries=0, retry_policy=None)
        caught = _ends(client.get_account_balance)
        assert server.seen() == 1
    assert isinstance(caught, ServiceException), caught
    assert "within the 3 s deadline" in caught.message


def test_a_client_of_yours_keeps_the_deadline_too() -> None:
    with FaultyServer("drip-headers") as server, httpx.Client() as http:
        client = user_client(server.url, deadline=0.5, http_client=http)
        caught = _ends(client.get_account_balance)
    assert isinstance(caught, ServiceException), caught
    assert "deadline" in caught.message


def test_the_sync_pools_are_bounded_by_the_deadline() -> None:
    # httpx's internals this relies on are there (a version that moved them fails here).
    with httpx.Client(proxy="http://127.0.0.1:9") as http:
        assert keep_deadlines(http)
    custom = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    assert not keep_deadlines(custom)


@pytest.mark.parametrize("status", [307, 308])
def test_a_redirect_to_another_host_is_not_followed_even_if_the_client_would(
    httpx_mock: HTTPXMock, status: int
) -> None:
    httpx_mock.add_response(
        url=f"{BASE}/user/my-info",
        status_code=status,
        headers={"Location": "https://attacker.example.net/steal"},
    )
    with httpx.Client(follow_redirects=True) as http:
        client = user_client(http_client=http)
        with pytest.raises(ServiceException):
            client.get_account_balance()
    assert [r.url.host for r in httpx_mock.get_requests()] == ["accounting.example.com"]


@pytest.mark.anyio
async def test_an_async_client_follows_no_redirect_either(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url=f"{BASE}/user/my-info",
        status_code=307,
        headers={"Location": "https://attacker.example.net/steal"},
    )
    async with httpx.AsyncClient(follow_redirects=True) as http:
        client = user_client(async_http_client=http)
        with pytest.raises(ServiceException):
            await client.get_account_balance_async()
    assert [r.url.host for r in httpx_mock.get_requests()] == ["accounting.example.com"]
    assert all(PASSWORD not in str(r.headers) for r in httpx_mock.get_requests())


def test_a_client_used_from_several_event_loops_leaves_no_client_open(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(url=f"{BASE}/user/my-info", json={"user": USER}, is_reusable=True)
    client = user_client()
    made: list[httpx.AsyncClient] = []

    async def one() -> Any:
        balance = await client.get_account_balance_async()
        made.append(client._transport._async_http())
        return balance

    for _ in range(3):
        asyncio.run(one())
    assert len({id(c) for c in made}) == 3
    asyncio.run(client.aclose())
    assert all(c.is_closed for c in made)


@pytest.mark.accounting_service(mode="loopback")
@pytest.mark.parametrize(
    ("used_on", "closed_on"),
    [("asyncio", "asyncio"), ("trio", "trio"), ("asyncio", "trio"), ("trio", "asyncio")],
)
def test_a_client_closed_in_another_event_loop_than_it_was_used_in_closes_cleanly(
    accounting_service: Any, used_on: str, closed_on: str
) -> None:
    """`asyncio.run(client.get_account_balance_async())`, then later
    `asyncio.run(client.aclose())`: the first loop is gone with the connection it
    opened, which must be released, not closed through that loop."""
    client = accounting_service.create_account()
    anyio.run(client.get_account_balance_async, backend=used_on)
    anyio.run(client.get_account_balance_async, backend=used_on)  # a second, stale client
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        anyio.run(client.aclose, backend=closed_on)
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
    assert anyio.run(client.get_account_balance_async, backend=closed_on) == 100.0
    anyio.run(client.aclose, backend=closed_on)


# -- every numeric form, in every field of every answer

# Forms a JSON number (or what a careless service sends for one) can take: exponents
# beyond Decimal's context either way, zero with one, NaN and the infinities, digit
# strings far too long, and plain numbers out of the contract's ranges.
NUMERIC_FORMS = [
    b"1E+999999999999999999999",
    b"-1E+999999999999999999999",
    b"1e-999999999999999999999",
    b"0E+999999999999999999999",
    b"0e-99999999999999999999999999999999999999",
    b"1.5e99999",
    b"1e400",
    b"-1e400",
    b"1e-400",
    b"NaN",
    b"Infinity",
    b"-Infinity",
    b"1" * 5000,
    b"0." + b"0" * 5000 + b"1",
    b"-" + b"9" * 400,
    b"123456789012345678901234567890.5",
    b"-1",
    b"-0",
    b"1e40",
]
# The same through the async drivers: the reading is shared, the driver is not.
ASYNC_FORMS = [b"1E+999999999999999999999", b"NaN", b"1" * 5000]
_HOLE = "\x00number\x00"


def _leaves(doc: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path of every value in a JSON document (objects' and arrays' members)."""
    if isinstance(doc, dict):
        return [p for k, v in doc.items() for p in _leaves(v, (*path, k))] or [path]
    if isinstance(doc, list):
        return [p for i, v in enumerate(doc) for p in _leaves(v, (*path, i))] or [path]
    return [path]


def _with_literal(doc: Any, path: tuple[Any, ...], literal: bytes) -> bytes:
    copy = json.loads(json.dumps(doc))
    if not path:
        return literal
    target = copy
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = _HOLE
    return json.dumps(copy).encode().replace(json.dumps(_HOLE).encode(), literal)


def _answering(op: Op, broken: int, content: bytes) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        for index, step in enumerate(op.steps):
            if request.method == step.method and str(request.url) == step.url:
                body = content if index == broken else json.dumps(step.answer).encode()
                return httpx.Response(
                    200, content=body, headers={"Content-Type": "application/json"}
                )
        return httpx.Response(404, json={"message": "no such step", "code": "not_found"})

    return handler


def _outcome(op: Op, kind: str, broken: int, content: bytes) -> BaseException | None:
    handler = _answering(op, broken, content)
    options: dict[str, Any] = {"retry_policy": FAST}
    if kind == "sync":
        options["http_client"] = httpx.Client(transport=httpx.MockTransport(handler))
    else:
        options["async_http_client"] = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    try:
        run(kind, op.client(**options), op.call)
    except AccountingError as exc:
        return exc
    return None


def _cases(op: Op, forms: list[bytes]) -> list[tuple[int, tuple[Any, ...], bytes]]:
    return [
        (index, path, form)
        for index, step in enumerate(op.steps)
        for path in _leaves(step.answer)
        for form in forms
    ]


@pytest.mark.parametrize("op", OPS, ids=[op.id for op in OPS])
def test_every_numeric_form_in_every_field_of_every_answer(op: Op) -> None:
    for index, path, form in _cases(op, NUMERIC_FORMS):
        content = _with_literal(op.steps[index].answer, path, form)
        try:
            outcome = _outcome(op, "sync", index, content)
        except Exception as exc:  # the point: none may escape but ours
            raise AssertionError(f"{op.id}: {path} = {form[:30]!r} raised {exc!r}") from exc
        if outcome is not None:
            assert op.raises, f"{op.id} must never raise, but raised {outcome!r}"
            assert len(outcome.message) < 1000


@pytest.mark.parametrize("kind", ["asyncio", "trio"])
@pytest.mark.parametrize("op", OPS, ids=[op.id for op in OPS])
def test_every_numeric_form_through_the_async_twins(op: Op, kind: str) -> None:
    for index, path, form in _cases(op, ASYNC_FORMS):
        content = _with_literal(op.steps[index].answer, path, form)
        try:
            outcome = _outcome(op, kind, index, content)
        except Exception as exc:
            raise AssertionError(f"{op.id}: {path} = {form[:30]!r} raised {exc!r}") from exc
        assert outcome is None or op.raises, outcome


@pytest.mark.parametrize("form", NUMERIC_FORMS, ids=lambda f: f[:16].decode())
def test_show_never_raises_on_any_numeric_form(
    form: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        # show() also asks for the usage and the newest transactions: plain answers.
        if request.url.path == "/user/usage":
            return httpx.Response(200, json=USAGE)
        if request.url.path == "/transactions":
            return httpx.Response(200, json={"transactions": [], "nextCursor": None})
        return httpx.Response(200, content=_user_with_balance(form))

    client = user_client(http_client=httpx.Client(transport=httpx.MockTransport(handler)))
    client.show()
    shown = capsys.readouterr().out
    status = client.check_credentials().status
    if form == b"-0":  # a balance of zero, written oddly: fine
        assert "$0.00" in shown
        assert status is CredentialStatus.VALID
    else:
        assert "unavailable" in shown
        assert status is CredentialStatus.UNREACHABLE


@pytest.mark.parametrize("field", ["message", "code", "details", "retry"])
@pytest.mark.parametrize("form", NUMERIC_FORMS[:12], ids=lambda f: f[:16].decode())
def test_a_numeric_form_anywhere_in_an_error_answer_keeps_the_mapped_error(
    field: str, form: bytes
) -> None:
    body = {"message": "No.", "code": "invalid_credentials", field: _HOLE}
    content = json.dumps(body).encode().replace(json.dumps(_HOLE).encode(), form)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, content=content)

    client = user_client(http_client=httpx.Client(transport=httpx.MockTransport(handler)))
    with pytest.raises(AccountingError) as caught:
        client.get_account_balance()
    assert caught.value.status_code == 401
    assert client.check_credentials().status is CredentialStatus.INVALID


# -- header values that are not ASCII, or not advice anyone can follow

ODD_HEADER_VALUES = [
    "é".encode(),  # UTF-8
    b"\xb2",  # latin-1 superscript two
    "²".encode(),  # a digit to str.isdigit, not to float()
    "٣".encode(),  # an Arabic-Indic three
    b"\xff\xfe\x00",
    b"9" * 5000,
    b"Fri, 31 Dec 9999 23:59:59 GMT",
    b"Sat, 01 Jan 0001 00:00:00 +1400",
    b"Mon, 99 Foo 2026 99:99:99 GMT",
    b"-5",
    b"1e3",
]


@pytest.mark.parametrize("kind", ["sync", "asyncio", "trio"])
@pytest.mark.parametrize("value", ODD_HEADER_VALUES, ids=lambda v: repr(v[:12]))
def test_an_odd_retry_after_or_request_id_is_never_a_raw_error(kind: str, value: bytes) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            503,
            headers=[(b"Retry-After", value), (b"X-Request-Id", value), (b"Server", value)],
            content=b'{"message": "Busy.", "code": "unavailable"}',
        )

    transport = httpx.MockTransport(handler)
    options: dict[str, Any] = {"retry_policy": FAST}
    if kind == "sync":
        options["http_client"] = httpx.Client(transport=transport)
    else:
        options["async_http_client"] = httpx.AsyncClient(transport=transport)
    with pytest.raises(ServiceException) as caught:
        run(kind, user_client(**options), OPS_BY_ID["get_account_balance"].call)
    assert caught.value.status_code == 503
    assert caught.value.message.isprintable()


@pytest.mark.parametrize("value", ODD_HEADER_VALUES, ids=lambda v: repr(v[:12]))
def test_show_never_raises_on_an_odd_header(
    value: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers=[(b"Retry-After", value)], content=b"{}")

    client = user_client(http_client=httpx.Client(transport=httpx.MockTransport(handler)))
    client.show()
    assert "unavailable" in capsys.readouterr().out


def test_retry_after_reads_only_what_it_can_follow() -> None:
    assert parse_retry_after(" 7 ") == 7.0
    assert parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT") == 0.0
    for value in ["²", "٣", "é", "9" * 11, "-5", "1e3", "Mon, 99 Foo 2026 99:99:99 GMT", ""]:
        assert parse_retry_after(value) is None, value
