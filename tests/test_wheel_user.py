"""The first hour of a user, from the built wheel in a fresh virtualenv: their type
checkers (mypy --strict, pyright) see precise types and catch their mistakes; the
README's quickstart runs against `syftbox-accounting serve`; the pytest plugin works."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.serving import served
from tests.test_examples import readme_quickstart

ROOT = Path(__file__).resolve().parent.parent
PYRIGHT = ROOT / "node_modules" / ".bin" / "pyright"
MYPY = "mypy==2.4.1"  # as pinned in the dev extra
PYTEST = "pytest==9.2.0"  # likewise

TYPED = """
import anyio
from typing import reveal_type
from syftbox_accounting import AccountingClient

client = AccountingClient("http://127.0.0.1:8000")
reveal_type(client.get_account_balance())  # L7
reveal_type(client.last_response)  # L8
reveal_type(client.with_options(timeout=2, hooks=[print]))  # L9


async def main() -> None:
    info = await client.get_account_info()
    reveal_type(info)  # L14
    reveal_type(info["balance"])  # L15
    reveal_type(info["usage"]["pending_count"])  # L16
    reveal_type(await client.create_transaction_token("ai@example.com"))  # L17


anyio.run(main)
"""
# (line, what mypy says, what pyright says)
REVEALED = [
    (7, 'is "float"', 'is "float"'),
    (8, '"syftbox_accounting.response_info.ResponseInfo | None"', 'is "ResponseInfo | None"'),
    (
        9,
        '"syftbox_accounting.accounting.accounting_client.AccountingClient"',
        'is "AccountingClient"',
    ),
    (14, '"TypedDict(syftbox_accounting.records.AccountInfo, {', 'is "AccountInfo"'),
    (15, 'is "float"', 'is "float"'),
    (16, 'is "int"', 'is "int"'),
    (17, 'is "str"', 'is "str"'),
]
MISTAKES = """
from syftbox_accounting import AccountingClient

client = AccountingClient("http://127.0.0.1:8000")


async def forgot() -> None:
    client.get_account_info()  # L8: a missing await


client.transfer("bob@example.com", "1.25")  # L11: a str where an amount goes
client.with_options(timout=2)  # L12: a misspelt option
client.with_options(timeout="2")  # L13: a str where seconds go
"""
PLUGIN_TEST = """
def test_pay(accounting_service):
    payer = accounting_service.create_account(balance=5)
    service = accounting_service.create_account()
    payer.transfer(service.get_email(), 1.25)
    assert payer.get_account_balance() == 3.75
"""


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    where = tmp_path_factory.mktemp("user")
    names = zipfile.ZipFile(wheel).namelist()
    assert "syftbox_accounting/py.typed" in names
    assert "syftbox_accounting_client/py.typed" in names
    env = where / "venv"
    # No pip of its own: ours installs into it (`--python`), which saves bootstrapping one.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "--python", str(env / "bin" / "python")),
            "install",
            "-q",
            "--disable-pip-version-check",
            f"{wheel}[server]",
            MYPY,
            PYTEST,
        ],
        check=True,
        capture_output=True,
    )
    return env


def _check(tool: list[str], source: str, folder: Path) -> str:
    script = folder / "user.py"
    script.write_text(source)
    done = subprocess.run([*tool, str(script)], cwd=folder, capture_output=True, text=True)
    return done.stdout + done.stderr


def _mypy(venv: Path, source: str, folder: Path) -> str:
    return _check([str(venv / "bin" / "mypy"), "--strict", "--no-incremental"], source, folder)


def _pyright(venv: Path, source: str, folder: Path) -> str:
    if not PYRIGHT.exists():
        pytest.skip("pyright is not installed: run `make install` (npm ci)")
    return _check([str(PYRIGHT), "--pythonpath", str(venv / "bin" / "python")], source, folder)


def _line(output: str, number: int) -> str:
    return "\n".join(x for x in output.splitlines() if re.search(rf"user\.py:{number}:", x))


def test_mypy_strict_sees_precise_types(venv: Path, tmp_path: Path) -> None:
    out = _mypy(venv, TYPED, tmp_path)
    assert "error" not in out.replace("0 errors", ""), out
    for line, mypy_says, _ in REVEALED:
        assert mypy_says in _line(out, line), (line, out)


def test_pyright_sees_precise_types(venv: Path, tmp_path: Path) -> None:
    out = _pyright(venv, TYPED, tmp_path)
    assert "0 errors" in out, out
    for line, _, pyright_says in REVEALED:
        assert pyright_says in _line(out, line), (line, out)


@pytest.mark.parametrize("checker", ["mypy", "pyright"])
def test_type_checkers_catch_planted_mistakes(venv: Path, tmp_path: Path, checker: str) -> None:
    out = (_mypy if checker == "mypy" else _pyright)(venv, MISTAKES, tmp_path)
    assert re.search(r"(unused-coroutine|reportUnusedCoroutine|must be used)", _line(out, 8)), out
    assert re.search(r"(arg-type|reportArgumentType|cannot be assigned)", _line(out, 11)), out
    assert re.search(r"(call-arg|reportCallIssue|No parameter named)", _line(out, 12)), out
    assert "timout" in _line(out, 12), out
    assert re.search(r"(arg-type|reportArgumentType|cannot be assigned)", _line(out, 13)), out


def test_readme_quickstart_against_serve_from_the_wheel(venv: Path, tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "SYFTBOX_ACCOUNTING_ADMIN_KEY": "k" * 32}
    with served([str(venv / "bin" / "syftbox-accounting"), "serve"], env) as service:
        url = service.url
        # The API reference `make dist` put in the wheel, served as the README says.
        docs = httpx.get(url + "/docs", timeout=10)
        assert docs.status_code == 200, docs.text[:300]
        assert docs.headers["content-type"].startswith("text/html")
        assert "SyftBox" in docs.text
        assert httpx.get(url + "/openapi.yaml", timeout=10).text.startswith("openapi:")
        env["SYFTBOX_ACCOUNTING_URL"] = url
        for block in readme_quickstart():
            done = subprocess.run(
                [str(venv / "bin" / "python"), "-c", block],
                env=env,
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert done.returncode == 0, done.stderr
        demo = subprocess.run(
            [str(venv / "bin" / "python"), "-m", "syftbox_accounting.demo"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert demo.returncode == 0, demo.stderr


def test_the_plugin_from_the_wheel(venv: Path, tmp_path: Path) -> None:
    pytest_bin = venv / "bin" / "pytest"
    (tmp_path / "test_user.py").write_text(PLUGIN_TEST)
    done = subprocess.run(
        [str(pytest_bin), "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
