"""`examples/` and the README's quickstart, run as a user would: each in its own
Python process, against the reference service, so that they can never rot."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from syftbox_accounting.server import BackgroundService

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))

# Runs a notebook's code cells in order, in one namespace, without Jupyter.
_RUN_NOTEBOOK = """
import json, sys
namespace = {"__name__": "__main__"}
for cell in json.load(open(sys.argv[1]))["cells"]:
    if cell["cell_type"] == "code":
        exec(compile("".join(cell["source"]), sys.argv[1], "exec"), namespace)
"""


@pytest.fixture(scope="module")
def service() -> Iterator[BackgroundService]:
    with BackgroundService(fast_password_hash=True) as running:
        yield running


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
    return done.stdout


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_example_script_runs(service: BackgroundService, script: Path, tmp_path: Path) -> None:
    out = _run(service, str(script), tmp_path=tmp_path)
    assert "balance: $" in out.lower()


def test_example_notebook_runs(service: BackgroundService, tmp_path: Path) -> None:
    notebook = EXAMPLES / "notebook.ipynb"
    assert json.loads(notebook.read_text())["nbformat"] == 4
    out = _run(service, "-c", _RUN_NOTEBOOK, str(notebook), tmp_path=tmp_path)
    assert "Balance" in out  # show()'s text in a process without IPython


def readme_quickstart() -> list[str]:
    """The README's Python blocks marked ``<!-- quickstart -->``."""
    text = (ROOT / "README.md").read_text()
    return re.findall(r"<!-- quickstart -->\n```python\n(.*?)```", text, flags=re.S)


def test_the_readme_has_a_quickstart_that_runs(service: BackgroundService, tmp_path: Path) -> None:
    blocks = readme_quickstart()
    assert len(blocks) >= 2  # sync and async
    for block in blocks:
        _run(service, "-c", block, tmp_path=tmp_path)
