"""Shared test setup: every async test runs on asyncio and on trio; `isolated_env`
keeps a test away from the real home folder and environment."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from syftbox_accounting import credentials as creds

pytest_plugins = ["pytester"]

ENV_VARS = (creds.ENV_EMAIL, creds.ENV_PASSWORD, creds.ENV_URL, creds.ENV_KEY)
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder where `make dist` built the sdist and the wheel, once per session (the
    wheel tests share it): built as a release is, /docs page and contract inside."""
    folder = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "dist", f"DIST={folder}"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return folder


@pytest.fixture(scope="session")
def wheel(dist: Path) -> Path:
    (found,) = dist.glob("*.whl")
    return found


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
