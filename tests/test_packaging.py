"""Every third-party module the package imports is a declared dependency: the
runtime ones for the library, the `server` extra for the service and the demo, the
`testing` extra for the pytest plugin, the `http402` extra for paying over HTTP."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from importlib.metadata import requires
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {"syftbox_accounting", "syftbox_accounting_client"}
# Import names of distributions whose names differ.
IMPORT_NAMES = {
    "pyjwt": {"jwt"},
    "attrs": {"attrs", "attr"},
    "pyyaml": {"yaml"},
    "pympp": {"mpp"},
    "opentelemetry-api": {"opentelemetry"},
    "opentelemetry-sdk": {"opentelemetry"},
}
# Imported only when the user's process already has them (never a dependency).
OPTIONAL = {"IPython", "pandas"}


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
    if relative.startswith("syftbox_accounting/http402/"):
        # The paywall loads starlette only to wrap a Starlette endpoint: the user's own.
        allowed |= declared["http402"] | {"starlette"}
    if relative == "syftbox_accounting/cli/_contract.py":
        # `contract --json` reads the YAML with PyYAML (the `testing` extra's) when it is
        # installed, and says how to install it when not.
        allowed |= {"yaml"}
    if relative == "syftbox_accounting/otel.py":
        allowed |= declared["otel"]
    if relative.startswith("syftbox_accounting/testing/"):
        # Loaded by pytest, as its plugin; pytest-httpx and respx are the user's own.
        allowed |= declared["testing"] | declared["server"] | {"pytest"}
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


def test_a_plain_install_works(tmp_path: Path, wheel: Path) -> None:
    # The wheel `make dist` built, installed with its runtime dependencies only, in a new
    # virtualenv.
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


def test_make_dist_ships_the_contract_and_the_docs_page(dist: Path) -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import check_dist
    finally:
        sys.path.remove(str(ROOT / "tools"))
    assert check_dist.problems(dist) == []
    (wheel,) = dist.glob("*.whl")
    page = zipfile.ZipFile(wheel).read("syftbox_accounting/server/api-reference.html")
    assert b"<html" in page[:2000].lower()
    # Self-contained: no script or stylesheet fetched from elsewhere.
    assert not re.search(rb"<script[^>]*\ssrc=|<link[^>]*\shref=[\"']?https?:", page)


def _clone(folder: Path) -> Path:
    """The checkout's tracked files, as a fresh `git clone` has them (no build output)."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source, target = ROOT / name, folder / name
        if not source.exists() and not source.is_symlink():
            continue  # deleted in the working tree
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, target)
    return folder


def test_pip_install_from_a_clone(tmp_path: Path) -> None:
    # The README's "from a clone": pip install ".[server]" with Python alone (no node).
    clone = _clone(tmp_path / "clone")
    assert not (clone / "syftbox_accounting/server/api-reference.html").exists()
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    done = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", ".[server]"],
        cwd=clone,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    command = venv / "bin" / "syftbox-accounting"
    version = subprocess.run([str(command), "--version"], capture_output=True, text=True)
    assert version.stdout.startswith("syftbox-accounting "), version.stderr
    contract = subprocess.run([str(command), "contract"], capture_output=True, text=True)
    assert contract.stdout.startswith("openapi:"), contract.stderr
    served = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import syftbox_accounting.server"],
        capture_output=True,
        text=True,
    )
    assert served.returncode == 0, served.stderr


def test_the_metadata_says_where_to_read_and_report(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = archive.read(name).decode()
    urls = dict(
        line.removeprefix("Project-URL: ").split(", ", 1)
        for line in metadata.splitlines()
        if line.startswith("Project-URL: ")
    )
    assert {"Homepage", "Documentation", "Changelog", "Issues"} <= set(urls)
    assert all(url.startswith("https://") for url in urls.values())
    (keywords,) = [line for line in metadata.splitlines() if line.startswith("Keywords: ")]
    assert {"syftbox", "payments", "accounting"} <= set(keywords[10:].split(","))


def test_the_changelog_covers_both_waves_and_marks_what_breaks() -> None:
    text = (ROOT / "CHANGELOG.md").read_text()
    unreleased = text.split("## [Unreleased]")[1].split("## [0.1.0]")[0]
    for topic in (
        "Idempotency keys",
        "Histories at any size",
        "Other languages",
        "Hardening",
        "one room per area",
        "Holds, capture and refunds",
        "faults",
        "in-process",
        "Contract-checked mocks",
        "make dist",
        "Hooks",
        "OpenTelemetry",
        "TransactionList",
        "logout",
    ):
        assert topic in unreleased, topic
    breaking = [p for p in unreleased.split("\n- ") if p.startswith("**Breaking")]
    assert any("`ErrorResponse`" in p and "generated" in p for p in breaking)
    assert any("`ConfirmTransactionRequest`" in p and "generated" in p for p in breaking)


def test_every_python_block_of_the_readme_parses() -> None:
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) > 10
    for block in blocks:  # (a block inside a list item is indented; notebooks await)
        flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
        compile(textwrap.dedent(block), "README.md", "exec", flags=flags)
