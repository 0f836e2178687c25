"""Shared test setup: every async test runs on asyncio and on trio; `isolated_env`
keeps a test away from the real home folder and environment; `built_wheel` is the
project's wheel, built once per run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from syftbox_accounting import credentials as creds

pytest_plugins = ["pytester"]

ENV_VARS = (creds.ENV_EMAIL, creds.ENV_PASSWORD, creds.ENV_URL, creds.ENV_KEY)
ROOT = Path(__file__).resolve().parent.parent


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


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel (`pip wheel --no-deps`), built once for every test that
    installs or reads it."""
    where = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(where), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = where.glob("*.whl")
    return wheel
