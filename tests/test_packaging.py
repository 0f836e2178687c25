"""Every third-party module the package imports is a declared dependency: the
runtime ones for the library, the `server` extra for the service and the demo."""

from __future__ import annotations

import ast
import sys
from importlib.metadata import requires
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {"syftbox_accounting", "syftbox_accounting_client"}
# Import names of distributions whose names differ.
IMPORT_NAMES = {"pyjwt": {"jwt"}, "attrs": {"attrs", "attr"}}
# Imported only when the user's process already has them (never a dependency).
OPTIONAL = {"IPython"}


def _declared() -> dict[str | None, set[str]]:
    by_extra: dict[str | None, set[str]] = {}
    for line in requires("syftbox-accounting") or []:
        name = line.split(";")[0].split("[")[0]
        for sep in "<>=!~ ":
            name = name.split(sep)[0]
        extra = line.split("extra ==")[1].strip().strip("'\"") if "extra ==" in line else None
        names = IMPORT_NAMES.get(name.lower(), {name.lower().replace("-", "_")})
        by_extra.setdefault(extra, set()).update(names)
    return by_extra


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - OURS - OPTIONAL


FILES = sorted([*(ROOT / "syftbox_accounting").rglob("*.py"), *(ROOT / "generated").rglob("*.py")])


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_are_declared(path: Path) -> None:
    declared = _declared()
    allowed = set(declared[None])
    relative = path.relative_to(ROOT).as_posix()
    if relative.startswith(("syftbox_accounting/server/", "syftbox_accounting/demo.py")):
        allowed |= declared["server"]
    if relative.startswith("syftbox_accounting/testing/"):
        allowed |= declared["server"] | {"pytest"}  # loaded by pytest, as its plugin
    assert _imports(path) <= allowed, f"{relative} imports undeclared modules"


def test_runtime_dependencies_are_only_what_the_code_imports() -> None:
    runtime = _declared()[None]
    used = set().union(
        *(
            _imports(p)
            for p in FILES
            if not p.relative_to(ROOT).as_posix().startswith(("syftbox_accounting/server/",))
        )
    )
    assert runtime <= used | {"attr"}


SMOKE = """
import asyncio, sys, httpx
from syftbox_accounting import AccountingClient, ServiceException
user = {"user": {"id": "u", "email": "a@example.com", "balance": 1.5, "organization": None}}
mock = httpx.MockTransport(lambda request: httpx.Response(200, json=user))
client = AccountingClient(
    "http://127.0.0.1:1", "a@example.com", "pw",
    http_client=httpx.Client(transport=mock),
    async_http_client=httpx.AsyncClient(transport=mock),
)
assert client.get_account_balance() == 1.5
assert asyncio.run(client.get_account_balance_async()) == 1.5
loaded = ("sniffio", "trio", "starlette", "uvicorn", "pytest")
extras = sorted(m for m in loaded if m in sys.modules)
print("ok", extras)
"""


def test_a_plain_install_works(tmp_path: Path, built_wheel: Path) -> None:
    # The wheel, installed with its runtime dependencies only, in a new virtualenv.
    import subprocess
    import zipfile

    wheel = built_wheel
    tops = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert {"syftbox_accounting", "syftbox_accounting_client"} <= tops
    venv = tmp_path / "venv"
    # No pip of its own: ours installs into it (`--python`), which saves bootstrapping one.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", str(wheel)],
        check=True,
        capture_output=True,
    )
    run = subprocess.run([str(python), "-c", SMOKE], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "ok []"
