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
