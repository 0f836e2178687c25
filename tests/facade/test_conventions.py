"""The conventions users bring from openai-python and stripe-python: a User-Agent,
request ids on errors, `with_options()`, `last_response`; and the configuration that
reaches deployments: environment variables for http://, timeout, retries and logging."""

from __future__ import annotations

import inspect
import logging
import typing
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from syftbox_accounting import (
    AccountingClient,
    AdminClient,
    AuthenticationError,
    Client,
    InvalidInputError,
    __version__,
    settings,
)
from syftbox_accounting.service_client import UNCHANGED
from tests.facade.helpers import BASE, EMAIL, PASSWORD, SECRETS, user_client, user_json

ME = f"{BASE}/user/my-info"


def test_every_request_names_the_library_and_its_version(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=ME, json={"user": user_json()})
    user_client().get_account_balance()
    agent = httpx_mock.get_request().headers["User-Agent"]  # type: ignore[union-attr]
    assert agent.startswith(f"syftbox-accounting/{__version__} python/3.")


OWN_HEADERS = {"User-Agent": "theirs/1.0", "X-Team": "ml"}


def _answering(seen: list[httpx.Request]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"user": user_json()})

    return httpx.MockTransport(answer)


def _sent_our_agent_and_kept_theirs(seen: list[httpx.Request]) -> None:
    assert [r.method for r in seen] == ["GET", "PUT"]
    for request in seen:
        assert len(request.headers.get_list("User-Agent")) == 1
        assert request.headers["User-Agent"].startswith(f"syftbox-accounting/{__version__} ")
        assert request.headers["X-Team"] == "ml"
    assert seen[1].headers["Idempotency-Key"]


def test_a_users_own_client_sends_our_user_agent_and_keeps_its_headers() -> None:
    """A client of the user's (``http_client=``) sends our User-Agent instead of its own;
    its other headers and each request's own (the Idempotency-Key) stay."""
    seen: list[httpx.Request] = []
    with httpx.Client(transport=_answering(seen), headers=OWN_HEADERS) as mine:
        client = AccountingClient(BASE, EMAIL, PASSWORD, http_client=mine)
        client.get_account_balance()
        client.update_organization("Lab")
    _sent_our_agent_and_kept_theirs(seen)


@pytest.mark.anyio
async def test_a_users_own_async_client_sends_our_user_agent_and_keeps_its_headers() -> None:
    seen: list[httpx.Request] = []
    async with httpx.AsyncClient(transport=_answering(seen), headers=OWN_HEADERS) as mine:
        client = AccountingClient(BASE, EMAIL, PASSWORD, async_http_client=mine)
        await client.get_account_balance_async()
        await client.update_organization_async("Lab")
    _sent_our_agent_and_kept_theirs(seen)


def test_an_error_carries_the_request_id_and_says_it(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url=ME,
        status_code=401,
        headers={"X-Request-Id": "req_abc123"},
        json={"message": "Invalid credentials", "code": "invalid_credentials"},
    )
    with pytest.raises(AuthenticationError) as caught:
        user_client().get_account_balance()
    assert caught.value.request_id == "req_abc123"
    assert "(request id req_abc123)" in str(caught.value)
    assert "request_id='req_abc123'" in repr(caught.value)


def test_last_response_shows_status_headers_and_request_id(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=ME, json={"user": user_json()}, headers={"X-Request-Id": "r1"})
    client = user_client()
    assert client.last_response is None
    client.get_account_balance()
    last = client.last_response
    assert last is not None
    assert (last.status_code, last.request_id, last.method, last.path) == (
        200,
        "r1",
        "GET",
        "/user/my-info",
    )
    assert last.headers["x-request-id"] == "r1"


def test_with_options_is_a_cheap_copy_sharing_credentials_and_pool(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(url=ME, json={"user": user_json()}, is_reusable=True)
    client = user_client(timeout=30)
    quick = client.with_options(timeout=2, max_retries=0)
    assert quick is not client
    assert (quick._transport.timeout, quick._transport.retry.max_retries) == (2.0, 0)
    assert client._transport.timeout == 30.0
    quick.get_account_balance()
    client.get_account_balance()
    assert quick._transport._sync_client() is client._transport._sync_client()
    assert quick.get_email() == EMAIL
    request = httpx_mock.get_requests()[0]
    assert request.extensions["timeout"]["read"] == 2.0
    quick.close()  # the copy leaves the shared pool open
    assert not client._transport._sync_client().is_closed
    client.close()


def test_with_options_refuses_what_it_cannot_change() -> None:
    client = user_client()
    with pytest.raises(TypeError, match="colour"):
        client.with_options(colour="blue")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="http_client"):
        client.with_options(http_client=httpx.Client())  # type: ignore[call-arg]
    with pytest.raises(InvalidInputError, match="timeout"):
        client.with_options(timeout="2")  # type: ignore[arg-type]


@pytest.mark.parametrize("cls", [AccountingClient, AdminClient])
def test_with_options_takes_each_option_of_the_constructor(cls: type) -> None:
    # Explicit parameters (type checkers catch a misspelt one), one per constructor
    # option that a copy sharing the pool can change, each UNCHANGED by default.
    # The credentials (the API key among them) and the pool are the copy's too.
    fixed = {"http_client", "async_http_client", "allow_insecure_http", "api_key"}
    made = inspect.signature(cls.__init__).parameters.values()
    options = {p.name for p in made if p.kind is p.KEYWORD_ONLY} - fixed
    taken = inspect.signature(cls.with_options).parameters.values()
    assert {p.name for p in taken if p.name != "self"} == options
    assert all(
        p.kind is p.KEYWORD_ONLY and p.default is UNCHANGED for p in taken if p.name != "self"
    )
    assert typing.get_type_hints(cls.with_options)["return"]  # resolves


def test_with_options_keeps_what_it_is_not_given(httpx_mock: HTTPXMock) -> None:
    client = user_client(timeout=7, deadline=50)
    copy = client.with_options(max_retries=0)
    assert (copy._transport.timeout, copy._transport.deadline) == (7.0, 50.0)
    assert copy._transport.retry.max_retries == 0
    assert client.with_options(timeout=None)._transport.timeout == 10.0  # the default


def test_timeout_and_retries_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYFTBOX_ACCOUNTING_TIMEOUT", "3.5")
    monkeypatch.setenv("SYFTBOX_ACCOUNTING_MAX_RETRIES", "0")
    client = AccountingClient(BASE)
    assert (client._transport.timeout, client._transport.retry.max_retries) == (3.5, 0)
    # An argument wins over the variable.
    assert AccountingClient(BASE, timeout=1)._transport.timeout == 1.0
    monkeypatch.setenv("SYFTBOX_ACCOUNTING_TIMEOUT", "soon")
    with pytest.raises(InvalidInputError, match="SYFTBOX_ACCOUNTING_TIMEOUT"):
        AccountingClient(BASE)


@pytest.mark.parametrize(
    "build",
    [
        lambda **kw: Client(**kw).accounting_client,
        lambda **kw: AccountingClient.from_environment(**kw),
        lambda **kw: AccountingClient.setup_accounting_discovery(**kw)[0],
    ],
    ids=["Client", "from_environment", "setup_accounting_discovery"],
)
def test_plain_http_in_a_cluster(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any, build: Any
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("SYFTBOX_ACCOUNTING_URL", "http://accounting:8000")
    monkeypatch.setenv("SYFTBOX_ACCOUNTING_EMAIL", EMAIL)
    monkeypatch.setenv("SYFTBOX_ACCOUNTING_PASSWORD", PASSWORD)
    with pytest.raises(AuthenticationError) as caught:
        build()
    assert "allow_insecure_http=True" in str(caught.value)
    assert "SYFTBOX_ACCOUNTING_ALLOW_INSECURE_HTTP=1" in str(caught.value)
    assert build(allow_insecure_http=True).accounting_url == "http://accounting:8000"
    monkeypatch.setenv("SYFTBOX_ACCOUNTING_ALLOW_INSECURE_HTTP", "1")
    assert build().accounting_url == "http://accounting:8000"


def test_the_logging_switch_shows_requests_never_secrets(
    httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    logger = logging.getLogger("syftbox_accounting")
    level = logger.level
    monkeypatch.setenv("SYFTBOX_ACCOUNTING_LOG", "debug")
    httpx_mock.add_response(url=ME, json={"user": user_json()}, headers={"X-Request-Id": "r7"})
    try:
        user_client().get_account_balance()
    finally:
        logger.setLevel(level)
        if settings._handler is not None:
            logger.removeHandler(settings._handler)
            settings._handler = None
    err = capfd.readouterr().err
    assert "GET /user/my-info -> 200" in err
    assert "request id r7" in err
    assert not any(secret in err for secret in SECRETS)
    monkeypatch.setenv("SYFTBOX_ACCOUNTING_LOG", "loud")
    with pytest.raises(InvalidInputError, match="debug or info"):
        user_client()


def test_an_uncaught_error_shows_few_of_our_frames(httpx_mock: HTTPXMock) -> None:
    import traceback

    httpx_mock.add_exception(httpx.ConnectError("refused"), url=ME)
    try:
        user_client(max_retries=0, retry_policy=None).get_account_balance()
    except Exception as exc:
        shown = traceback.format_exception(exc)
    ours = [line for line in shown if "syftbox_accounting" in line and "File" in line]
    assert len(ours) <= 2, "".join(shown)
    assert "httpx.ConnectError: refused" in "".join(shown)


def test_show_says_the_credentials_were_refused(
    httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str]
) -> None:
    httpx_mock.add_response(url=ME, status_code=401, json={"code": "invalid_credentials"})
    user_client().show()
    out = capsys.readouterr().out
    assert "credentials refused" in out
    assert "configured\n" not in out
    assert "configure(email=" in out
