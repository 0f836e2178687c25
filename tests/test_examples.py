"""`examples/` and the README's quickstart, run as a user would: each in its own
Python process, against the reference service, so that they can never rot."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from syftbox_accounting.render import money
from syftbox_accounting.server import BackgroundService
from tests.words import REQUEST_LINE

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))

# Runs a notebook's code cells in order, in one namespace, without Jupyter; a cell that
# ends in an expression shows its value as a notebook would: its HTML (checked to be a
# string) is counted, its text printed.
_RUN_NOTEBOOK = """
import ast, json, sys
namespace = {"__name__": "__main__"}
shown_html = 0
for cell in json.load(open(sys.argv[1]))["cells"]:
    if cell["cell_type"] != "code":
        continue
    tree = ast.parse("".join(cell["source"]))
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, sys.argv[1], "exec"), namespace)
    if last is not None:
        value = eval(compile(ast.Expression(last.value), sys.argv[1], "eval"), namespace)
        if value is not None:
            page = getattr(value, "_repr_html_", lambda: None)()
            if page is not None:
                assert isinstance(page, str) and page.startswith("<"), page
                shown_html += 1
            print(repr(value))
print("html outputs:", shown_html)
"""


# Dollars in what the examples print, e.g. "$0.5", "$1,234.50", "-$3.00".
_DOLLARS = re.compile(r"-?\$[0-9][0-9,]*(?:\.[0-9]+)?")


@pytest.fixture(scope="module", params=[Decimal(100), Decimal(0)], ids=["credit", "no-credit"])
def service(request: pytest.FixtureRequest) -> Iterator[BackgroundService]:
    """The reference service as `serve` starts it, and as `serve --initial-credit 0` does:
    every example runs against both, so that none assumes a payer has money."""
    with BackgroundService(fast_password_hash=True, initial_credit=request.param) as running:
        yield running


def _as_the_library_shows(out: str) -> None:
    """Every amount in `out` is written as the library writes dollars (`render.money`):
    cents always ("$0.50", not "$0.5"), more digits only where they count. Thousands
    separators aside: the service's own messages write none."""
    for shown in _DOLLARS.findall(out):
        value = Decimal(shown.replace("$", "").replace(",", ""))
        expected = money(value)
        assert shown.replace(",", "") == expected.replace(",", ""), (
            f"{shown!r} is not written as {expected!r}:\n{out}"
        )


def _run(service: BackgroundService, *args: str, tmp_path: Path) -> str:
    env = {
        **os.environ,
        "SYFTBOX_ACCOUNTING_URL": service.url,
        "HOME": str(tmp_path),  # no saved credentials of the machine's user
    }
    for name in ("SYFTBOX_ACCOUNTING_EMAIL", "SYFTBOX_ACCOUNTING_PASSWORD"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    _as_the_library_shows(done.stdout)
    return done.stdout


def _has_credit(service: BackgroundService) -> bool:
    return service.initial_credit > 0


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_example_script_runs(service: BackgroundService, script: Path, tmp_path: Path) -> None:
    out = _run(service, str(script), tmp_path=tmp_path)
    assert "balance: $" in out.lower()
    # What a service returns to its payer names no request of its own.
    assert not REQUEST_LINE.search(out), out
    if not _has_credit(service):
        # Every payment is refused, each with the service's reason, and the script goes on.
        if script.name != "payer_async.py":  # it makes a token and pays nothing
            assert "Insufficient funds" in out, out
        return
    assert "Insufficient funds" not in out, out
    if script.name == "service_charging.py":
        assert "payment refused: charge failed: This transaction token was already used." in out
    if script.name == "charging_after_the_work.py":
        assert "charged $0.153 of the $0.50 held" in out
        assert "Refunded $0.036 of payment" in out


def test_example_notebook_runs(service: BackgroundService, tmp_path: Path) -> None:
    notebook = EXAMPLES / "notebook.ipynb"
    assert json.loads(notebook.read_text())["nbformat"] == 4
    cells = json.loads(notebook.read_text())["cells"]
    code = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    # The whole workflow: accounts, a token, a hold captured for less, a transfer, the
    # history and usage, rows for pandas, an error, hooks.
    for step in (
        "hold_for=",
        "confirm_transaction(held.id, amount=",
        "transfer(",
        "get_transaction_history(",
        "get_usage()",
        "to_records()",
        "hooks=",
    ):
        assert step in code, step
    out = _run(service, "-c", _RUN_NOTEBOOK, str(notebook), tmp_path=tmp_path)
    assert "Balance" in out  # show()'s text in a process without IPython
    assert "payer.get_account_balance()" in out  # its snippets use the notebook's name
    assert "<AccountingClient notebook-" in out
    assert "transfer failed: Insufficient funds" in out
    if _has_credit(service):
        assert "CREATED (UTC)" in out  # the history as a table
    assert "html outputs: 0" not in out


def readme_quickstart() -> list[str]:
    """The README's Python blocks marked ``<!-- quickstart -->``."""
    text = (ROOT / "README.md").read_text()
    return re.findall(r"<!-- quickstart -->\n```python\n(.*?)```", text, flags=re.S)


def test_the_readme_has_a_quickstart_that_runs(service: BackgroundService, tmp_path: Path) -> None:
    blocks = readme_quickstart()
    assert len(blocks) >= 2  # sync and async
    for block in blocks:
        _run(service, "-c", block, tmp_path=tmp_path)


def readme_excerpts() -> list[tuple[str, str]]:
    """The README's blocks marked ``<!-- example: PATH -->``: excerpts of a script in
    examples/, which the tests run."""
    text = (ROOT / "README.md").read_text()
    return re.findall(r"<!-- example: (\S+) -->\n```python\n(.*?)```", text, flags=re.S)


@pytest.mark.parametrize(("path", "block"), readme_excerpts(), ids=lambda v: str(v)[:40])
def test_a_readme_excerpt_is_the_example_it_names(path: str, block: str) -> None:
    # Line for line (indentation aside), so the excerpt cannot drift from the code run.
    script = [line.strip() for line in (ROOT / path).read_text().splitlines()]
    for line in block.splitlines():
        assert line.strip() in script, f"{line.strip()!r} is not in {path}"


def test_the_readme_has_excerpts() -> None:
    assert readme_excerpts()
