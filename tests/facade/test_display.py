"""show(), repr() and _repr_html_: what they say, what they never say (the password),
and when they touch the network (only show(), for the balance)."""

from __future__ import annotations

import sys
import types
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from syftbox_accounting import AccountingClient, AccountingError, AdminClient, Client, UserAccount
from syftbox_accounting.credentials import DEFAULT_URL
from tests.facade.helpers import (
    ADMIN_KEY,
    BASE,
    EMAIL,
    PASSWORD,
    mock_show,
    user_client,
    user_json,
)

MY_INFO = f"{BASE}/user/my-info"


def test_show_prints_the_account(httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str]) -> None:
    mock_show(httpx_mock, user=user_json(balance=1234.5))
    user_client().show()
    out = capsys.readouterr().out
    assert EMAIL in out
    assert "$1,234.50" in out
    assert BASE in out
    assert "configured" in out
    assert "get_account_balance()" in out  # common operations
    assert "create_transaction_token" in out
    assert PASSWORD not in out
    for request in httpx_mock.get_requests():
        assert request.extensions["timeout"]["read"] <= 2.0  # a short wait, not the default


def test_show_prints_micro_dollars(
    httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str]
) -> None:
    mock_show(httpx_mock, user=user_json(balance=0.000125))
    user_client().show()
    assert "$0.000125" in capsys.readouterr().out


@pytest.mark.parametrize(
    "failure",
    [
        {
            "status_code": 401,
            "json": {"message": "Invalid email or password.", "code": "invalid_credentials"},
        },
        {"status_code": 503},
        {"status_code": 200, "content": b"<html>"},
        {"exception": httpx.ConnectError("refused")},
        {"exception": httpx.ReadTimeout("slow")},
    ],
    ids=["401", "503", "broken", "refused", "timeout"],
)
def test_show_never_raises_and_says_unavailable(
    httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str], failure: dict[str, Any]
) -> None:
    if "exception" in failure:
        httpx_mock.add_exception(failure["exception"], url=MY_INFO)
    else:
        httpx_mock.add_response(method="GET", url=MY_INFO, **failure)
    user_client().show()
    out = capsys.readouterr().out
    assert "unavailable" in out
    assert EMAIL in out
    assert PASSWORD not in out
    assert len(httpx_mock.get_requests()) == 1  # show() does not retry


def test_show_when_not_configured_sends_nothing(
    httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str]
) -> None:
    AccountingClient().show()
    out = capsys.readouterr().out
    assert "not configured" in out
    assert DEFAULT_URL in out
    assert "configure(" in out
    assert httpx_mock.get_requests() == []


def test_repr_and_html_make_no_request(httpx_mock: HTTPXMock) -> None:
    client = user_client()
    text = repr(client)
    page = client._repr_html_()
    for shown in (text, page, str(client), repr(Client(accounting_client=client))):
        assert PASSWORD not in shown
    assert text == f"<AccountingClient {EMAIL} at {BASE} (configured)>"  # one line
    assert "not fetched" in page
    assert EMAIL in page
    assert page.startswith("<div")
    assert httpx_mock.get_requests() == []


def test_html_escapes_every_value(httpx_mock: HTTPXMock) -> None:
    # `<` is no email's character; `&` and `'` are (RFC 5321), and HTML escapes them too.
    client = AccountingClient(BASE, "o'neil&sons@example.com", PASSWORD)
    page = client._repr_html_()
    assert "o'neil&sons" not in page
    assert "o&#x27;neil&amp;sons" in page


def test_other_reprs_hide_secrets() -> None:
    admin = AdminClient(BASE, ADMIN_KEY)
    account = UserAccount(email=EMAIL, password=PASSWORD, balance=1.0)
    for shown in (repr(admin), str(admin), repr(account), str(account), repr(admin._transport)):
        assert ADMIN_KEY not in shown
        assert PASSWORD not in shown
    assert account.password == PASSWORD


BAD_TIMEOUT = "SYFTBOX_ACCOUNTING_TIMEOUT"


@pytest.mark.usefixtures("isolated_env")
@pytest.mark.parametrize(
    ("env", "make", "named"),
    [
        ({"SYFTBOX_ACCOUNTING_PASSWORD": PASSWORD}, lambda: Client(), "SYFTBOX_ACCOUNTING_EMAIL"),
        ({BAD_TIMEOUT: "abc"}, lambda: Client(), BAD_TIMEOUT),
        ({BAD_TIMEOUT: "abc"}, lambda: AccountingClient(BASE, EMAIL, PASSWORD), BAD_TIMEOUT),
        ({BAD_TIMEOUT: "abc"}, lambda: AdminClient(BASE, ADMIN_KEY), BAD_TIMEOUT),
        ({}, lambda: AccountingClient("ftp://accounting.example.com"), "accounting_url"),
        ({}, lambda: AdminClient("ftp://accounting.example.com", ADMIN_KEY), "url"),
    ],
)
def test_a_client_whose_construction_failed_still_has_a_repr(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], make: Any, named: str
) -> None:
    """A traceback that captures locals (``traceback.TracebackException(...,
    capture_locals=True)``, a logging framework) shows the half-made `self` of each
    failed ``__init__``: its repr must not raise in place of the error that matters."""
    import traceback

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(AccountingError) as caught:
        make()
    shown = "".join(
        traceback.TracebackException.from_exception(caught.value, capture_locals=True).format()
    )
    assert named in str(caught.value)
    assert "    self = " in shown


class ZMQInteractiveShell:
    """Named like the Jupyter kernel's shell."""


class TerminalInteractiveShell:
    """Named like IPython in a terminal."""


def _fake_ipython(monkeypatch: pytest.MonkeyPatch, shell: object) -> list[Any]:
    shown: list[Any] = []
    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: shell  # type: ignore[attr-defined]
    display = types.ModuleType("IPython.display")

    class HTML:
        def __init__(self, data: str) -> None:
            self.data = data

    display.HTML = HTML  # type: ignore[attr-defined]
    display.display = lambda obj, raw=False: shown.append(obj)  # type: ignore[attr-defined]
    ipython.display = display  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "IPython.display", display)
    return shown


def _show_under(shell: object, monkeypatch: pytest.MonkeyPatch, httpx_mock: HTTPXMock) -> Any:
    """What `show()` hands IPython's display, with `shell` running and a $12 account."""
    shown = _fake_ipython(monkeypatch, shell)
    mock_show(httpx_mock, user=user_json(balance=12))
    user_client().show()
    return shown


def test_show_in_jupyter_displays_html(
    httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shown = _show_under(ZMQInteractiveShell(), monkeypatch, httpx_mock)
    assert capsys.readouterr().out == ""
    assert len(shown) == 1
    page = shown[0]["text/html"]
    # A front end that shows no HTML gets the text, not "<IPython...HTML object>".
    assert "Balance" in shown[0]["text/plain"]
    assert "<table" in page
    assert EMAIL in page
    assert "$12.00" in page
    assert BASE in page
    assert PASSWORD not in page


class Shell(ZMQInteractiveShell):
    """Named like Colab's shell, a subclass of the kernel's."""


def test_show_in_a_notebook_whose_shell_subclasses_the_kernels(
    httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shown = _show_under(Shell(), monkeypatch, httpx_mock)
    assert capsys.readouterr().out == ""
    assert "<table" in shown[0]["text/html"]


def test_show_in_a_terminal_ipython_prints_text(
    httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _show_under(TerminalInteractiveShell(), monkeypatch, httpx_mock) == []
    assert "$12.00" in capsys.readouterr().out


def test_show_with_ipython_imported_but_no_shell(
    httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shown = _fake_ipython(monkeypatch, None)
    AccountingClient().show()
    assert shown == []
    assert "not configured" in capsys.readouterr().out
