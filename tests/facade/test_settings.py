"""Configuration is checked once, when a client is made: a bad SYFTBOX_ACCOUNTING_*
value or argument is an `InvalidInputError` that names the variable (or argument),
the value and the accepted form, from every way of making a client, before any
request. With ``SYFTBOX_ACCOUNTING_LOG=info``, one line says where the credentials
came from."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from syftbox_accounting import (
    AccountingClient,
    AdminClient,
    AuthenticationError,
    Client,
    InvalidInputError,
    settings,
)
from tests.facade.helpers import ADMIN_KEY, BASE, EMAIL, PASSWORD

# variable, a bad value, words of the accepted form
BAD = [
    ("SYFTBOX_ACCOUNTING_TIMEOUT", "abc", "positive number of seconds"),
    ("SYFTBOX_ACCOUNTING_TIMEOUT", "-1", "positive number of seconds"),
    ("SYFTBOX_ACCOUNTING_TIMEOUT", "nan", "positive number of seconds"),
    ("SYFTBOX_ACCOUNTING_TIMEOUT", "1e999", "positive number of seconds"),
    ("SYFTBOX_ACCOUNTING_MAX_RETRIES", "two", "whole number from 0 to 10"),
    ("SYFTBOX_ACCOUNTING_MAX_RETRIES", "11", "whole number from 0 to 10"),
    ("SYFTBOX_ACCOUNTING_MAX_RETRIES", "1.5", "whole number from 0 to 10"),
    ("SYFTBOX_ACCOUNTING_MAX_RETRIES", "\u0661", "whole number from 0 to 10"),  # Arabic 1
    ("SYFTBOX_ACCOUNTING_LOG", "verbose", "debug or info"),
    ("SYFTBOX_ACCOUNTING_ALLOW_INSECURE_HTTP", "maybe", "1 or 0"),
    ("SYFTBOX_ACCOUNTING_CREDENTIAL_STORE", "vault", "keyring, file or auto"),
    ("SYFTBOX_ACCOUNTING_URL", "ftp://accounting.example.com", "absolute http(s) URL"),
    ("SYFTBOX_ACCOUNTING_URL", "accounting.example.com", "absolute http(s) URL"),
    ("SYFTBOX_ACCOUNTING_URL", "https://accounting.example.com/?x=1", "query or fragment"),
]


def _save(home: Path) -> None:
    AccountingClient(BASE, EMAIL, PASSWORD).save_credentials(str(home / "saved.json"))


MAKERS: dict[str, Callable[[Path], Any]] = {
    "AccountingClient()": lambda home: AccountingClient(),
    "AccountingClient(email, password)": lambda home: AccountingClient(
        email=EMAIL, password=PASSWORD
    ),
    "Client()": lambda home: Client(),
    "from_environment": lambda home: AccountingClient.from_environment(),
    "setup_accounting_discovery": lambda home: AccountingClient.setup_accounting_discovery(),
    "load_from_config": lambda home: AccountingClient.load_from_config(str(home / "saved.json")),
}


@pytest.fixture
def home(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    logger = logging.getLogger("syftbox_accounting")
    level = logger.level
    yield isolated_env
    logger.setLevel(level)
    if settings._handler is not None:
        logger.removeHandler(settings._handler)
        settings._handler = None


@pytest.mark.parametrize("maker", list(MAKERS))
@pytest.mark.parametrize(("variable", "value", "form"), BAD)
def test_a_bad_variable_is_named_with_its_value_and_form(
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    httpx_mock: HTTPXMock,
    maker: str,
    variable: str,
    value: str,
    form: str,
) -> None:
    _save(home)
    monkeypatch.setenv("SYFTBOX_ACCOUNTING_EMAIL", EMAIL)
    monkeypatch.setenv("SYFTBOX_ACCOUNTING_PASSWORD", PASSWORD)
    monkeypatch.setenv(variable, value)
    if maker == "load_from_config" and variable in {
        "SYFTBOX_ACCOUNTING_URL",
        "SYFTBOX_ACCOUNTING_ALLOW_INSECURE_HTTP",
    }:
        pytest.skip("the saved file holds its own URL and permission: the variable is not read")
    with pytest.raises(InvalidInputError) as caught:
        MAKERS[maker](home)
    exc = caught.value
    assert not isinstance(exc, AuthenticationError)
    assert variable in exc.message
    assert repr(value) in exc.message
    assert form in exc.message
    assert "credentials" not in exc.message
    assert not httpx_mock.get_requests()  # nothing was sent


@pytest.mark.parametrize(("variable", "value", "form"), BAD[:10])
def test_the_admin_client_checks_them_too(
    home: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, form: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(InvalidInputError, match=variable) as caught:
        AdminClient(BASE, ADMIN_KEY)
    assert form in caught.value.message


@pytest.mark.parametrize(
    ("option", "value", "form"),
    [
        ("timeout", "abc", "positive number of seconds"),
        ("timeout", 0, "positive number of seconds"),
        ("timeout", float("inf"), "positive number of seconds"),
        ("max_retries", "2", "int from 0 to 10"),
        ("max_retries", 11, "int from 0 to 10"),
        ("deadline", -1, "positive number of seconds"),
        ("allow_insecure_http", "yes", "True or False"),
        ("max_response_bytes", 10, "int from 1024"),
    ],
)
def test_a_bad_argument_is_named_with_its_value_and_form(
    home: Path, option: str, value: object, form: str
) -> None:
    for make in (
        lambda: AccountingClient(BASE, **{option: value}),
        lambda: AdminClient(BASE, ADMIN_KEY, **{option: value}),
    ):
        with pytest.raises(InvalidInputError) as caught:
            make()
        assert option in caught.value.message
        assert repr(value) in caught.value.message
        assert form in caught.value.message


def test_the_argument_wins_over_a_bad_variable(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYFTBOX_ACCOUNTING_TIMEOUT", "abc")
    monkeypatch.setenv("SYFTBOX_ACCOUNTING_MAX_RETRIES", "abc")
    client = AccountingClient(BASE, timeout=3, max_retries=1)
    assert (client._transport.timeout, client._transport.retry.max_retries) == (3.0, 1)


@pytest.mark.parametrize("source", ["environment", "file"])
def test_log_info_says_once_where_the_credentials_came_from(
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    source: str,
) -> None:
    if source == "file":
        AccountingClient(BASE, EMAIL, PASSWORD).save_credentials()
    else:
        monkeypatch.setenv("SYFTBOX_ACCOUNTING_EMAIL", EMAIL)
        monkeypatch.setenv("SYFTBOX_ACCOUNTING_PASSWORD", PASSWORD)
        monkeypatch.setenv("SYFTBOX_ACCOUNTING_URL", BASE)
    capfd.readouterr()
    monkeypatch.setenv("SYFTBOX_ACCOUNTING_LOG", "info")
    client = Client().accounting_client
    assert client.get_email() == EMAIL
    lines = [line for line in capfd.readouterr().err.splitlines() if "credentials" in line]
    where = "the environment" if source == "environment" else "the config file"
    assert len(lines) == 1, lines
    assert f"credentials of {EMAIL} from {where}" in lines[0]
    assert BASE in lines[0]
    assert PASSWORD not in lines[0]


def test_log_info_says_when_none_were_found(
    home: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SYFTBOX_ACCOUNTING_LOG", "info")
    assert not Client().accounting_client.is_configured()
    lines = [line for line in capfd.readouterr().err.splitlines() if "credentials" in line]
    assert len(lines) == 1, lines
    assert "No accounting credentials found" in lines[0]
