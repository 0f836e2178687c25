"""Hostile files: every state of the filesystem the credentials store can meet is a
clear `AuthenticationError` naming the path and the fix, or a warning (once) and
then the work goes on; never a raw error, a hang, or a success that kept nothing."""

from __future__ import annotations

import multiprocessing
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from syftbox_accounting import AccountingClient, AuthenticationError, Client, credential_files
from syftbox_accounting import credentials as creds
from tests.facade.helpers import BASE, EMAIL, PASSWORD

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file semantics")


def _client() -> AccountingClient:
    return AccountingClient(BASE, EMAIL, PASSWORD)


def _save_in_child(path: str, ready: Any) -> None:  # pragma: no cover - in a child
    ready.wait(60)  # every child is up: they save at once, however slow they started
    AccountingClient(BASE, EMAIL, PASSWORD).save_credentials(path)


def test_two_first_saves_at_once_leave_a_file_that_decrypts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both processes create a key; one key wins the link: both must encrypt with it."""
    path = tmp_path / "accounting.json"
    # The race, made certain: our key is written only after another one won.
    real_write_new = credential_files.write_new

    def lose_the_race(target: Path, data: bytes) -> None:
        real_write_new(target, b"A" * 43 + b"=\n")  # the other process's key, first
        real_write_new(target, data)

    monkeypatch.setattr(credential_files, "write_new", lose_the_race)
    _client().save_credentials(str(path))
    monkeypatch.undo()
    assert AccountingClient.load_from_config(str(path)).is_configured()


def test_many_processes_saving_first_at_once(tmp_path: Path) -> None:
    path = str(tmp_path / "accounting.json")
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(4)
    children = [context.Process(target=_save_in_child, args=(path, ready)) for _ in range(4)]
    for child in children:
        child.start()
    for child in children:
        child.join(60)
    assert all(c.exitcode == 0 for c in children)
    assert AccountingClient.load_from_config(path).is_configured()


@posix_only
def test_a_dangling_symlink_at_the_key_path_is_no_reported_success(tmp_path: Path) -> None:
    path = tmp_path / "accounting.json"
    (tmp_path / "accounting.key").symlink_to(tmp_path / "nowhere")
    with pytest.raises(AuthenticationError) as caught:
        _client().save_credentials(str(path))
    assert "accounting.key" in caught.value.message
    assert "symbolic link" in caught.value.message


@posix_only
def test_a_key_that_is_a_symlink_is_not_followed(tmp_path: Path) -> None:
    path = tmp_path / "accounting.json"
    _client().save_credentials(str(path))
    key = tmp_path / "accounting.key"
    elsewhere = tmp_path / "someone-elses.key"
    key.rename(elsewhere)
    key.symlink_to(elsewhere)
    with pytest.raises(AuthenticationError) as caught:
        AccountingClient.load_from_config(str(path))
    assert str(key) in caught.value.message
    assert "symbolic link" in caught.value.message


@posix_only
@pytest.mark.parametrize("which", ["accounting.json", "accounting.key"])
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o666])
def test_a_file_others_can_read_is_warned_about_once_where_the_user_sees_it(
    tmp_path: Path, which: str, mode: int
) -> None:
    path = tmp_path / "accounting.json"
    _client().save_credentials(str(path))
    loose = tmp_path / which
    loose.chmod(mode)
    with pytest.warns(UserWarning, match="readable or writable by others") as caught:  # noqa: PT031
        AccountingClient.load_from_config(str(path))
        AccountingClient.load_from_config(str(path))
    shown = [w for w in caught if str(loose) in str(w.message)]
    assert len(shown) == 1
    assert f"chmod 600 {loose}" in str(shown[0].message)
    # It points at the user's own line, not at the library's.
    assert shown[0].filename == __file__


@posix_only
def test_a_world_writable_folder_is_warned_about_once(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o777)
    path = folder / "accounting.json"
    with pytest.warns(UserWarning, match="writable by others") as caught:  # noqa: PT031
        _client().save_credentials(str(path))
        AccountingClient.load_from_config(str(path))
    shown = [w for w in caught if "writable by others" in str(w.message)]
    assert len(shown) == 1
    assert f"chmod 700 {folder}" in str(shown[0].message)


@posix_only
def test_a_fifo_at_the_config_path_does_not_hang(tmp_path: Path) -> None:
    path = tmp_path / "accounting.json"
    os.mkfifo(path)
    outcome: list[BaseException | None] = []

    def load() -> None:
        try:
            AccountingClient.load_from_config(str(path))
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    thread.join(10)
    if thread.is_alive():  # unblock the reader before failing
        os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        pytest.fail("loading a FIFO hangs")
    assert isinstance(outcome[0], AuthenticationError)
    assert "not a regular file" in outcome[0].message


@posix_only
def test_a_fifo_at_the_default_path_does_not_hang_client(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = Path(os.environ["HOME"]) / ".syftbox"
    folder.mkdir(mode=0o700)
    os.mkfifo(folder / "accounting.json")
    monkeypatch.setenv(creds.ENV_EMAIL, EMAIL)
    monkeypatch.setenv(creds.ENV_PASSWORD, PASSWORD)
    assert Client().accounting_client.is_configured()  # the environment, after a warning


@posix_only
@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads all")
def test_an_unsearchable_folder_is_no_raw_permission_error(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = Path(os.environ["HOME"]) / ".syftbox"
    folder.mkdir(mode=0o700)
    folder.chmod(0o000)
    try:
        monkeypatch.setenv(creds.ENV_EMAIL, EMAIL)
        monkeypatch.setenv(creds.ENV_PASSWORD, PASSWORD)
        assert Client().accounting_client.is_configured()
        with pytest.raises(AuthenticationError) as caught:
            AccountingClient.load_from_config()
        assert str(folder) in caught.value.message
    finally:
        folder.chmod(0o700)


def test_no_home_directory_with_credentials_in_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_home(self: Path) -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "expanduser", no_home)
    monkeypatch.setenv(creds.ENV_EMAIL, EMAIL)
    monkeypatch.setenv(creds.ENV_PASSWORD, PASSWORD)
    assert Client().accounting_client.is_configured()
    with pytest.raises(AuthenticationError) as caught:
        _client().save_credentials()
    assert "HOME" in caught.value.message


@posix_only
@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes all")
def test_a_read_only_folder_is_a_clear_error_not_a_success(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(AuthenticationError) as caught:
            _client().save_credentials(str(folder / "accounting.json"))
        assert str(folder) in caught.value.message
        assert "nothing was saved" in caught.value.message
    finally:
        folder.chmod(0o700)


def test_a_full_disk_is_a_clear_error_not_a_success(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    real_fsync = os.fsync
    calls = 0

    def full(fd: int) -> None:
        nonlocal calls
        calls += 1
        if calls > 1:  # the key is kept; the credentials file finds the disk full
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full)
    path = tmp_path / "accounting.json"
    with pytest.raises(AuthenticationError) as caught:
        _client().save_credentials(str(path))
    assert "No space left" in caught.value.message
    assert not path.exists()
