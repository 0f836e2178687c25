"""Credentials: discovery (config file, then environment), the encrypted file (modes,
no secret in clear, atomic writes), and every way loading it can fail. No network:
pytest-httpx is active with no response registered, so any request would fail."""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import stat
from pathlib import Path
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from syftbox_accounting import (
    AccountingClient,
    AccountingError,
    AuthenticationError,
    Client,
    InvalidInputError,
)
from syftbox_accounting import credentials as creds
from tests.facade.helpers import (
    BASE,
    EMAIL,
    PASSWORD,
)

ENV_URL = "https://env-accounting.example.com"


@pytest.fixture(autouse=True)
def no_network(httpx_mock: HTTPXMock) -> None:
    """Nothing here may send a request (pytest-httpx fails on any)."""


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _saved(path: Path | None = None, **options: Any) -> Path:
    client = AccountingClient(BASE, EMAIL, PASSWORD, **options)
    client.save_credentials(None if path is None else str(path))
    return creds.config_path(path)


def _set_env(monkeypatch: pytest.MonkeyPatch, email: str | None, password: str | None) -> None:
    if email is not None:
        monkeypatch.setenv(creds.ENV_EMAIL, email)
    if password is not None:
        monkeypatch.setenv(creds.ENV_PASSWORD, password)


def _no_password(*texts: Any) -> None:
    for text in texts:
        assert PASSWORD not in str(text)


# -- discovery


def test_nothing_configured_says_why_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="syftbox_accounting")
    client, configured = AccountingClient.setup_accounting_discovery()
    assert configured is False
    assert not client.is_configured()
    assert client.accounting_url == creds.DEFAULT_URL
    debug = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert any("no config file at" in m and "accounting.json" in m for m in debug)
    assert any(creds.ENV_EMAIL in m and "not set" in m for m in debug)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_client_without_credentials_is_not_configured() -> None:
    client = Client()
    assert client.accounting_client.is_configured() is False
    assert "accounting_client" in repr(client)


def test_only_the_url_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(creds.ENV_URL, ENV_URL)
    client, configured = AccountingClient.setup_accounting_discovery()
    assert (client.accounting_url, configured) == (ENV_URL, False)


def _assert_discovered(url: str) -> None:
    """Discovery (and `Client()`) finds EMAIL's credentials, for `url`."""
    client, configured = AccountingClient.setup_accounting_discovery()
    assert configured is True
    assert client.get_email() == EMAIL
    assert client.accounting_url == url
    assert Client().accounting_client.get_email() == EMAIL


def test_the_environment_is_used_when_there_is_no_file(monkeypatch: pytest.MonkeyPatch) -> None:
    _set_env(monkeypatch, EMAIL, PASSWORD)
    monkeypatch.setenv(creds.ENV_URL, ENV_URL)
    _assert_discovered(ENV_URL)


def test_the_environment_url_is_optional(monkeypatch: pytest.MonkeyPatch) -> None:
    _set_env(monkeypatch, EMAIL, PASSWORD)
    client = AccountingClient.from_environment()
    assert client.accounting_url == creds.DEFAULT_URL
    assert client.is_configured()


def test_the_config_file_comes_before_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    _saved()
    _set_env(monkeypatch, "env-user@example.com", "env-password-1")
    monkeypatch.setenv(creds.ENV_URL, ENV_URL)
    _assert_discovered(BASE)


@pytest.mark.parametrize("garbage", [b"{not json", b"[]", b'{"format": "other"}', b""])
def test_a_corrupt_file_is_a_warning_naming_it_then_the_environment(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, garbage: bytes
) -> None:
    path = creds.config_path()
    path.parent.mkdir(mode=0o700)
    path.write_bytes(garbage)
    path.chmod(0o600)
    _set_env(monkeypatch, EMAIL, PASSWORD)
    caplog.set_level(logging.DEBUG, logger="syftbox_accounting")
    client, configured = AccountingClient.setup_accounting_discovery()
    assert configured is True
    assert client.get_email() == EMAIL
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert str(path) in warnings[0]
    assert "save_credentials()" in warnings[0]


def test_a_corrupt_file_and_no_environment_is_not_configured(
    caplog: pytest.LogCaptureFixture,
) -> None:
    path = creds.config_path()
    path.parent.mkdir(mode=0o700)
    path.write_text("{")
    path.chmod(0o600)  # corrupt, not loose: only the corruption is reported
    client = Client().accounting_client
    assert not client.is_configured()
    assert any(str(path) in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


# The entry points that discover credentials from the environment.
ENTRIES = pytest.mark.parametrize(
    "entry",
    [
        AccountingClient.setup_accounting_discovery,
        AccountingClient.from_environment,
        Client,
    ],
    ids=["setup_accounting_discovery", "from_environment", "Client"],
)


@pytest.mark.parametrize(
    ("email", "password", "missing"),
    [
        (EMAIL, None, creds.ENV_PASSWORD),
        (None, PASSWORD, creds.ENV_EMAIL),
        (EMAIL, "", creds.ENV_PASSWORD),
        ("", PASSWORD, creds.ENV_EMAIL),
    ],
)
@ENTRIES
def test_a_half_set_environment_names_what_is_missing(
    monkeypatch: pytest.MonkeyPatch,
    email: str | None,
    password: str | None,
    missing: str,
    entry: Any,
) -> None:
    _set_env(monkeypatch, email, password)
    with pytest.raises(AuthenticationError) as caught:
        entry()
    message = str(caught.value)
    assert f"{missing} is not" in message
    assert "set both" in message
    _no_password(message, repr(caught.value))


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({creds.ENV_EMAIL: "not-an-email", creds.ENV_PASSWORD: PASSWORD}, "email"),
        ({creds.ENV_EMAIL: EMAIL, creds.ENV_PASSWORD: "   "}, "password"),
        ({creds.ENV_URL: "http://remote.example.com"}, "http://"),
    ],
    ids=["email", "password", "insecure-url-alone"],
)
@ENTRIES
def test_a_malformed_environment_is_an_authentication_error_naming_it(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], named: str, entry: Any
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    if entry == AccountingClient.from_environment and creds.ENV_EMAIL not in variables:
        named = "Set "  # only a URL: from_environment asks for the credentials first
    with pytest.raises(AuthenticationError) as caught:
        entry()
    message = str(caught.value)
    assert creds.ENV_EMAIL in message
    assert creds.ENV_URL in message
    assert named in message
    _no_password(message, repr(caught.value))


@pytest.mark.parametrize("url", ["ftp://x", "no-scheme.example.com"])
@ENTRIES
def test_a_malformed_url_variable_is_a_bad_setting_naming_it(
    monkeypatch: pytest.MonkeyPatch, url: str, entry: Any
) -> None:
    # A setting, not a credential (tests/facade/test_settings.py has the others).
    monkeypatch.setenv(creds.ENV_EMAIL, EMAIL)
    monkeypatch.setenv(creds.ENV_PASSWORD, PASSWORD)
    monkeypatch.setenv(creds.ENV_URL, url)
    with pytest.raises(InvalidInputError) as caught:
        entry()
    assert not isinstance(caught.value, AuthenticationError)
    assert f"{creds.ENV_URL} {url!r}" in str(caught.value)
    _no_password(str(caught.value), repr(caught.value))


def test_a_saved_file_that_cannot_be_used_names_the_file(tmp_path: Path) -> None:
    path = creds.config_path()
    _saved(path)
    _edit_signed(path, url="http://remote.example.com")
    for entry in (Client, AccountingClient.setup_accounting_discovery):
        with pytest.raises(AuthenticationError) as caught:
            entry()
        assert str(path) in str(caught.value)
        assert "http://" in str(caught.value)
    _load_fails(path, "save_credentials()")


def _edit_signed(path: Path, **fields: str) -> None:
    """Rewrite the saved credentials with other clear fields, correctly encrypted."""
    found = creds.load(path)
    values = {"url": found.url, "email": found.email, "password": found.password, **fields}
    creds.save(creds.Credentials(**values), path)


def test_from_environment_with_nothing_set_names_the_variables() -> None:
    with pytest.raises(AuthenticationError) as caught:
        AccountingClient.from_environment()
    message = str(caught.value)
    assert creds.ENV_EMAIL in message
    assert creds.ENV_PASSWORD in message
    assert creds.ENV_URL in message


def test_client_uses_the_accounting_client_it_is_given() -> None:
    accounting = AccountingClient(BASE, EMAIL, PASSWORD)
    assert Client(accounting_client=accounting).accounting_client is accounting


# -- the file: modes, contents, round trip


@pytest.fixture(params=[0o000, 0o077, 0o022], ids=lambda m: f"umask-{m:03o}")
def umask(request: pytest.FixtureRequest) -> Any:
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def test_saved_file_is_private_and_holds_no_secret(tmp_path: Path, umask: int) -> None:
    path = tmp_path / "new" / "folder" / "creds.json"
    _saved(path)
    key = path.with_suffix(".key")
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700
    assert _mode(key) == 0o600
    for file in (path, key):
        assert PASSWORD.encode() not in file.read_bytes()
        assert PASSWORD not in file.name
    assert {p.name for p in path.parent.iterdir()} == {"creds.json", "creds.key"}
    doc = json.loads(path.read_text())
    assert doc["format"] == creds.FORMAT
    assert doc["version"] == creds.VERSION == 1
    assert doc["url"] == BASE
    assert doc["email"] == EMAIL
    assert doc["password"]["algorithm"] == "AES-256-GCM"
    assert doc["password"]["key"] == "file"


def test_saved_to_the_default_path(umask: int) -> None:
    _saved()
    path = creds.config_path()
    assert path == Path(os.environ["HOME"]) / ".syftbox" / "accounting.json"
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700
    loaded = AccountingClient.load_from_config()
    assert loaded.get_email() == EMAIL
    assert loaded.accounting_url == BASE


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    password = 'pässwörd with spaces, "quotes" and ünïcode ✓'
    client = AccountingClient(BASE, EMAIL, password)
    client.save_credentials(str(path))
    loaded = creds.load(path)
    assert (loaded.url, loaded.email, loaded.password) == (BASE, EMAIL, password)
    assert password not in repr(loaded)
    again = AccountingClient.load_from_config(str(path))
    assert again.is_configured()
    assert again.get_email() == EMAIL
    assert password not in repr(again)


def test_saving_again_replaces_the_file_and_keeps_the_key(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    _saved(path)
    key_before = path.with_suffix(".key").read_bytes()
    AccountingClient(BASE, "carol@example.com", "carol-password").save_credentials(str(path))
    assert path.with_suffix(".key").read_bytes() == key_before
    assert creds.load(path).email == "carol@example.com"
    assert _mode(path) == 0o600


def test_with_the_key_in_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    monkeypatch.setenv(creds.ENV_KEY, key)
    path = tmp_path / "c.json"
    _saved(path)
    assert not path.with_suffix(".key").exists()
    assert json.loads(path.read_text())["password"]["key"] == "environment"
    assert key not in path.read_text()
    assert AccountingClient.load_from_config(str(path)).get_email() == EMAIL
    monkeypatch.delenv(creds.ENV_KEY)
    with pytest.raises(AuthenticationError) as caught:
        AccountingClient.load_from_config(str(path))
    assert str(path) in str(caught.value)
    assert creds.ENV_KEY in str(caught.value)


@pytest.mark.parametrize(
    "bad_key", ["short", "!!!not base64!!!", base64.b64encode(b"x" * 31).decode()]
)
def test_a_malformed_key_in_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad_key: str
) -> None:
    monkeypatch.setenv(creds.ENV_KEY, bad_key)
    with pytest.raises(AuthenticationError) as caught:
        _saved(tmp_path / "c.json")
    assert creds.ENV_KEY in str(caught.value)
    assert "Make one with" in str(caught.value)
    assert not (tmp_path / "c.json").exists()


def test_saving_with_nothing_configured(tmp_path: Path) -> None:
    with pytest.raises(AuthenticationError) as caught:
        AccountingClient(BASE).save_credentials(str(tmp_path / "c.json"))
    assert "configure(" in str(caught.value)
    assert [p.name for p in tmp_path.iterdir()] == ["home"]


def _files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("where", ["the folder", "a folder named like the file"])
def test_saving_to_a_folder_is_refused_before_anything_is_written(
    tmp_path: Path, where: str
) -> None:
    """A folder where the file would go: refused with its fix, and no key file is made
    beside it (``folder.key``, or ``home.key`` one level up for a home folder)."""
    work = tmp_path / "work"
    folder = work / "creds" if where == "the folder" else work / "creds" / "c.json"
    folder.mkdir(parents=True)
    before = _files_under(tmp_path)
    with pytest.raises(InvalidInputError) as caught:
        AccountingClient(BASE, EMAIL, PASSWORD).save_credentials(str(folder))
    assert "folder" in str(caught.value)
    assert str(folder / "accounting.json") in str(caught.value)  # a path that would work
    assert _files_under(tmp_path) == before


def test_saving_where_a_folder_holds_the_default_file_writes_nothing() -> None:
    home = Path(os.environ["HOME"])
    creds.config_path().mkdir(parents=True)
    before = _files_under(home)
    with pytest.raises(AuthenticationError) as caught:
        AccountingClient(BASE, EMAIL, PASSWORD).save_credentials()
    assert f"{creds.config_path()} is a folder" in str(caught.value)
    assert "nothing was saved" in str(caught.value)
    assert _files_under(home) == before


# -- crash safety


@pytest.mark.parametrize("failing", ["replace", "fsync", "write"])
def test_a_crash_mid_save_leaves_the_old_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    path = tmp_path / "c.json"
    _saved(path)
    before = path.read_bytes()
    listing = sorted(p.name for p in tmp_path.iterdir())

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise OSError(28, "No space left on device")

    if failing == "write":
        real_fdopen = os.fdopen

        class FailingFile:
            def __init__(self, fd: int, mode: str) -> None:
                self.file = real_fdopen(fd, mode)

            def __enter__(self) -> FailingFile:
                return self

            def __exit__(self, *exc: object) -> None:
                self.file.close()

            write = crash

        monkeypatch.setattr(os, "fdopen", FailingFile)
    else:
        monkeypatch.setattr(os, failing, crash)
    with pytest.raises(AccountingError, match="No space left on device") as caught:
        AccountingClient(BASE, "carol@example.com", "carol-password").save_credentials(str(path))
    monkeypatch.undo()
    assert str(path) in str(caught.value)
    assert "carol-password" not in str(caught.value)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing
    assert creds.load(path).email == EMAIL


# -- loading failures: always an AuthenticationError naming the file and the fix


def _load_fails(path: Path, *expected: str, named: Path | None = None) -> AuthenticationError:
    with pytest.raises(AuthenticationError) as caught:
        AccountingClient.load_from_config(str(path))
    message = str(caught.value)
    assert str(named or path) in message
    for text in expected:
        assert text in message
    _no_password(message, repr(caught.value))
    assert caught.value.__cause__ is None
    return caught.value


def _edit(path: Path, change: Any) -> None:
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))
    path.chmod(0o600)


def test_load_a_missing_file(tmp_path: Path) -> None:
    _load_fails(tmp_path / "nope.json", "No credentials file", "save_credentials()")


def test_load_the_default_missing_file() -> None:
    _load_fails(creds.config_path(), "No credentials file")


@pytest.mark.parametrize(
    "content",
    [b"", b"{", b"null", b"[1]", b'{"format": "x"}', b"\xff\xfe", b"[" * 100_000],
    ids=["empty", "truncated", "null", "list", "foreign", "binary", "deep"],
)
def test_load_a_corrupt_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "c.json"
    path.write_bytes(content)
    path.chmod(0o600)  # corrupt, not loose: only the corruption is reported
    _load_fails(path, "save_credentials()")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(email="mallory@example.com"), "cannot be decrypted"),
        (lambda d: d.update(url="https://evil.example.com"), "cannot be decrypted"),
        (lambda d: d["password"].update(ciphertext=d["password"]["ciphertext"][::-1]), ""),
        (lambda d: d["password"].update(nonce="AAAA"), "cannot be decrypted"),
        (lambda d: d["password"].update(nonce="***"), "cannot be decrypted"),
        (lambda d: d["password"].update(algorithm="ROT13"), "corrupt"),
        (lambda d: d.pop("email"), "corrupt"),
        (lambda d: d.update(password="in clear"), "corrupt"),
        (lambda d: d.update(version=3), "version"),
        (lambda d: d.update(version=2), "corrupt"),  # a version 2 file says more
        (lambda d: d.update(email=5), "corrupt"),
        (lambda d: d.update(allow_insecure_http=True), "cannot be decrypted"),
        (lambda d: d.pop("allow_insecure_http"), "corrupt"),
    ],
    ids=[
        "edited-email",
        "edited-url",
        "tampered-ciphertext",
        "short-nonce",
        "bad-base64",
        "algorithm",
        "missing-email",
        "password-in-clear",
        "version",
        "version-2-fields",
        "email-type",
        "insecure-http-switched-on",
        "insecure-http-missing",
    ],
)
def test_load_a_tampered_file(tmp_path: Path, change: Any, expected: str) -> None:
    path = tmp_path / "c.json"
    _saved(path)
    _edit(path, change)
    _load_fails(path, expected)


def test_an_allowed_insecure_url_is_saved_with_its_permission(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    remote = "http://accounting.internal.example.com:8000"
    client = AccountingClient(remote, EMAIL, PASSWORD, allow_insecure_http=True)
    client.save_credentials(str(path))
    loaded = AccountingClient.load_from_config(str(path))
    assert loaded.accounting_url == remote
    assert loaded.is_configured()
    assert creds.load(path).allow_insecure_http is True
    assert creds.load(_saved(tmp_path / "d.json")).allow_insecure_http is False


def test_load_with_the_wrong_key_file(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    _saved(path)
    path.with_suffix(".key").write_text(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
    _load_fails(path, "cannot be decrypted", "another key")


def test_load_with_the_wrong_key_in_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.json"
    _saved(path)  # with a key file
    monkeypatch.setenv(creds.ENV_KEY, base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
    _load_fails(path, "cannot be decrypted", creds.ENV_KEY)


def test_load_with_the_key_file_missing(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    _saved(path)
    path.with_suffix(".key").unlink()
    _load_fails(path, "key file", "missing", creds.ENV_KEY)


def test_load_with_a_garbage_key_file(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    _saved(path)
    path.with_suffix(".key").write_bytes(b"\xff\x00garbage")
    _load_fails(path, "key", named=path.with_suffix(".key"))


def test_load_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "c.json"
    folder.mkdir()
    _load_fails(folder, "cannot be read")


def test_load_warns_about_a_file_others_can_read(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    _saved(path)
    path.chmod(0o644)
    with pytest.warns(UserWarning, match="chmod 600") as caught:
        assert AccountingClient.load_from_config(str(path)).is_configured()
    assert any(str(path) in str(w.message) and "chmod 600" in str(w.message) for w in caught)


def test_logs_never_show_the_password(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "c.json"
    _saved(path)
    AccountingClient.load_from_config(str(path))
    assert caplog.records  # the save was logged
    _no_password(caplog.text)


def test_peek_says_what_a_file_saves_without_its_secret(tmp_path: Path) -> None:
    # `logout` must name the account and revoke a saved key even when the secret cannot
    # be decrypted: the clear fields come from the library, which owns the format.
    path = tmp_path / "accounting.json"
    creds.save(
        creds.Credentials(
            "http://127.0.0.1:8000", "ann@example.com", None, api_key="sbk_" + "a" * 43
        ),
        path,
    )
    (path.with_suffix(".key")).unlink()  # the secret is out of reach; the fields are not
    seen = creds.peek(path)
    assert seen is not None
    assert (seen.url, seen.email, seen.kind, seen.store) == (
        "http://127.0.0.1:8000",
        "ann@example.com",
        "api_key",
        "file",
    )
    path.write_text("{not json")
    assert creds.peek(path) is None
    assert creds.peek(tmp_path / "missing.json") is None
