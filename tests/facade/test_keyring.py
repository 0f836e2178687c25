"""Saved credentials in the OS keyring, tested with an in-process keyring backend (the
machine's own keyring is never touched: tests/conftest.py makes keyring's `fail`
backend the default, and each test here sets, then resets, an in-memory one).

The secret goes to the keyring when one is present, and only a pointer to it into the
file; an explicit path, or SYFTBOX_ACCOUNTING_CREDENTIAL_STORE=file, keeps the encrypted
file; an edited pointer or a missing entry is refused with a message naming the file."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from pytest_httpx import HTTPXMock

from syftbox_accounting import (
    AccountingClient,
    AuthenticationError,
    Client,
    InvalidInputError,
    keyring_store,
)
from syftbox_accounting import credentials as creds
from tests.facade.helpers import BASE, EMAIL, PASSWORD

KEY = "sbk_" + "KeyringK3y" * 4 + "abc"

pytestmark = pytest.mark.usefixtures("isolated_env")


@pytest.fixture(autouse=True)
def no_network(httpx_mock: HTTPXMock) -> None:
    """Nothing here may send a request (pytest-httpx fails on any)."""


class MemoryKeyring(KeyringBackend):
    """A keyring that lives in this process only."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.entries[(service, username)]


class LockedKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError(f"locked; was given {password}")


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(fail.Keyring())


def _everything(backend: MemoryKeyring) -> str:
    return "\n".join(backend.entries.values())


@pytest.mark.parametrize("secret", ["password", "api_key"])
def test_saved_to_the_keyring_when_one_is_present(
    memory: MemoryKeyring, secret: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="syftbox_accounting")
    if secret == "password":
        client = AccountingClient(BASE, EMAIL, PASSWORD)
        value = PASSWORD
    else:
        client = AccountingClient(BASE, EMAIL, api_key=KEY)
        value = KEY
    client.save_credentials()
    path = creds.config_path()
    document = json.loads(path.read_text())
    assert document["version"] == 2
    assert document["secret"]["store"] == "keyring"
    assert value not in path.read_text()
    assert not path.with_suffix(".key").exists()  # no file key: nothing encrypted here
    assert value in _everything(memory)
    assert any("OS keyring" in r.getMessage() for r in caplog.records)
    assert value not in caplog.text
    found = creds.load()
    assert found.saved_in == "keyring"
    assert (found.password if secret == "password" else found.api_key) == value
    loaded = AccountingClient.load_from_config()
    assert loaded.is_configured()
    assert loaded.get_email() == EMAIL
    assert Client().accounting_client.is_configured()


def test_a_folder_where_the_file_would_go_leaves_nothing_in_the_keyring(
    memory: MemoryKeyring,
) -> None:
    """The secret would go to the keyring first, then the file that points at it: a
    folder there is refused before either, so no entry is left without its file."""
    creds.config_path().mkdir(parents=True)
    with pytest.raises(AuthenticationError) as caught:
        AccountingClient(BASE, EMAIL, PASSWORD).save_credentials()
    assert f"{creds.config_path()} is a folder" in str(caught.value)
    assert memory.entries == {}


def test_an_explicit_path_still_writes_the_encrypted_file(
    memory: MemoryKeyring, tmp_path: Path
) -> None:
    path = tmp_path / "mine.json"
    AccountingClient(BASE, EMAIL, PASSWORD).save_credentials(str(path))
    assert json.loads(path.read_text())["version"] == 1  # what every version reads
    assert memory.entries == {}
    assert creds.load(path).password == PASSWORD


def test_an_api_key_in_the_file_without_a_keyring(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="syftbox_accounting")
    AccountingClient(BASE, api_key=KEY).save_credentials()
    path = creds.config_path()
    assert KEY not in path.read_text()
    document = json.loads(path.read_text())
    assert (document["kind"], document["secret"]["store"], document["email"]) == (
        "api_key",
        "file",
        None,
    )
    assert any("encrypted file" in r.getMessage() for r in caplog.records)
    found = creds.load()
    assert (found.api_key, found.saved_in, found.email) == (KEY, "file", None)
    # Editing what is in clear is detected, as for a password.
    document["url"] = "https://evil.example.com"
    path.write_text(json.dumps(document))
    with pytest.raises(AuthenticationError, match="cannot be decrypted"):
        creds.load()


@pytest.mark.parametrize(
    ("forced", "expected"), [("file", "file"), ("keyring", "keyring"), ("auto", "keyring")]
)
def test_the_store_can_be_forced(
    memory: MemoryKeyring, monkeypatch: pytest.MonkeyPatch, forced: str, expected: str
) -> None:
    monkeypatch.setenv(creds.ENV_CREDENTIAL_STORE, forced)
    AccountingClient(BASE, EMAIL, PASSWORD).save_credentials()
    assert creds.load().saved_in == expected
    assert (PASSWORD in _everything(memory)) is (expected == "keyring")


def test_forcing_the_keyring_without_one_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(creds.ENV_CREDENTIAL_STORE, "keyring")
    with pytest.raises(AuthenticationError) as caught:
        AccountingClient(BASE, EMAIL, PASSWORD).save_credentials()
    assert "no OS keyring" in caught.value.message
    assert "=file" in caught.value.message
    assert not creds.config_path().exists()


def test_a_bad_store_name_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # A setting: refused when the client is made, naming the variable and its forms, and
    # again by save_credentials() for a client made before the variable was set.
    client = AccountingClient(BASE, EMAIL, PASSWORD)
    monkeypatch.setenv(creds.ENV_CREDENTIAL_STORE, "vault")
    with pytest.raises(InvalidInputError, match="must be keyring, file or auto"):
        AccountingClient(BASE, EMAIL, PASSWORD)
    with pytest.raises(InvalidInputError, match="CREDENTIAL_STORE='vault' is not valid"):
        client.save_credentials()
    assert not creds.config_path().exists()


def test_a_locked_keyring_saves_nothing_and_never_shows_the_secret() -> None:
    keyring.set_keyring(LockedKeyring())
    try:
        with pytest.raises(AuthenticationError) as caught:
            AccountingClient(BASE, EMAIL, PASSWORD).save_credentials()
    finally:
        keyring.set_keyring(fail.Keyring())
    assert PASSWORD not in caught.value.message
    assert "PasswordSetError" in caught.value.message
    assert not creds.config_path().exists()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(url="https://evil.example.com"), "does not match"),
        (lambda d: d.update(email="mallory@example.com"), "does not match"),
        (lambda d: d["secret"].update(username="elsewhere"), "no entry"),
        (lambda d: d.update(kind="api_key"), "does not match"),
    ],
    ids=["url", "email", "entry", "kind"],
)
def test_an_edited_pointer_is_refused(memory: MemoryKeyring, change: Any, expected: str) -> None:
    AccountingClient(BASE, EMAIL, PASSWORD).save_credentials()
    path = creds.config_path()
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))
    with pytest.raises(AuthenticationError) as caught:
        creds.load()
    assert expected in caught.value.message
    assert str(path) in caught.value.message
    assert PASSWORD not in caught.value.message


def test_a_keyring_that_is_gone_is_explained(memory: MemoryKeyring) -> None:
    AccountingClient(BASE, EMAIL, PASSWORD).save_credentials()
    keyring.set_keyring(fail.Keyring())
    with pytest.raises(AuthenticationError) as caught:
        AccountingClient.load_from_config()
    assert "no OS keyring" in caught.value.message
    assert str(creds.config_path()) in caught.value.message


def test_forget_removes_the_file_and_the_entry(memory: MemoryKeyring) -> None:
    AccountingClient(BASE, EMAIL, PASSWORD).save_credentials()
    assert memory.entries
    path = creds.config_path()
    ((service, username),) = memory.entries
    removed = creds.forget()
    assert removed[0] == str(path)
    assert removed[-1] == f"OS keyring entry {service}/{username}"
    assert memory.entries == {}
    assert not path.exists()
    assert creds.forget() == []


def test_no_real_backend_means_no_keyring(memory: MemoryKeyring) -> None:
    assert keyring_store.backend() is memory
    keyring.set_keyring(fail.Keyring())
    assert keyring_store.backend() is None
    assert creds.store_for(None) == "file"


def test_keyring_is_not_loaded_to_import_or_to_read_a_file(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    AccountingClient(BASE, EMAIL, PASSWORD).save_credentials(str(path))
    code = (
        "import sys\n"
        "import syftbox_accounting\n"
        "from syftbox_accounting import AccountingClient, Client\n"
        "assert 'keyring' not in sys.modules, 'import'\n"
        f"AccountingClient.load_from_config({str(path)!r})\n"
        "Client()\n"
        "assert 'keyring' not in sys.modules, 'a file'\n"
        "print('ok')\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.stdout.strip() == "ok", run.stderr
