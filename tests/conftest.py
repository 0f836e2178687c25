"""Shared test setup: every async test runs on asyncio and on trio; `isolated_env`
keeps a test away from the real home folder and environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from syftbox_accounting import credentials as creds

pytest_plugins = ["pytester"]

ENV_VARS = (
    creds.ENV_EMAIL,
    creds.ENV_PASSWORD,
    creds.ENV_URL,
    creds.ENV_KEY,
    creds.ENV_API_KEY,
    creds.ENV_CREDENTIAL_STORE,
)
# No test touches the keyring of the machine it runs on: keyring's `fail` backend (no
# keyring at all), in this process and in every process it starts. The keyring's own
# tests (tests/facade/test_keyring.py) set an in-process backend, and reset it.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    # anyio's own fixture drops trio silently when it is missing; ours fails instead.
    return str(request.param)


@pytest.fixture
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No test sees the real home folder or SYFTBOX_ACCOUNTING_* variables."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(creds, "DEFAULT_CONFIG_PATH", home / ".syftbox" / "accounting.json")
    return home


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The operation checklist first: after a contract change, `pytest -x` then names the
    # next file to write (tests/test_checklist.py), not whichever table noticed first.
    items.sort(key=lambda item: item.path.name != "test_checklist.py")
