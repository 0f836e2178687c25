"""Shared test setup: every async test runs on asyncio and on trio; `isolated_env`
keeps a test away from the real home folder and environment; `dist` and `wheel` are
the project's packages, built once per run as a release is (`make dist`)."""

from __future__ import annotations

import functools
import os
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx._transports.default as httpx_transports
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


@functools.cache
def _shared_ssl_context(verify: bool, trust_env: bool, where: tuple[str, str]) -> ssl.SSLContext:
    return _create_ssl_context(verify=verify, trust_env=trust_env)


_create_ssl_context = httpx_transports.create_ssl_context


def _ssl_context(verify: Any = True, cert: Any = None, trust_env: bool = True) -> ssl.SSLContext:
    if isinstance(verify, bool) and cert is None:
        where = (os.environ.get("SSL_CERT_FILE", ""), os.environ.get("SSL_CERT_DIR", ""))
        return _shared_ssl_context(verify, trust_env, where)
    return _create_ssl_context(verify=verify, cert=cert, trust_env=trust_env)


@pytest.fixture(autouse=True, scope="session")
def _one_ssl_context_per_setting() -> Iterator[None]:
    """httpx builds an SSL context for every client it makes, loading the CA bundle
    (tens of milliseconds); the tests make thousands of clients and speak no TLS, so
    clients with the same settings share one context. Nothing asserted depends on it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(httpx_transports, "create_ssl_context", _ssl_context)
        yield


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
