"""The service package's imports form no cycle: each module can be read, and loaded,
after the ones it builds on."""

from __future__ import annotations

import ast
import concurrent.futures
from pathlib import Path

import syftbox_accounting.server

PACKAGE = Path(syftbox_accounting.server.__file__).parent
NAME = "syftbox_accounting.server"


def _parse(source: str) -> ast.Module:
    # In a fresh thread, as tests/test_layers.py does: after a RecursionError elsewhere
    # in the run, CPython 3.11's AST constructor can fail in the thread that saw it.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(ast.parse, source).result()


def _modules(package: Path) -> dict[str, Path]:
    """The package's modules by dotted name below it: `errors`, `store` (a
    subpackage's __init__), `store.rows`; the package's own __init__ is `__init__`."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package).with_suffix("").parts
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _module_of(name: str, modules: set[str]) -> str:
    """The package's module a dotted import names (a name inside a module: that module)."""
    inside = name.removeprefix(NAME + ".")
    while inside not in modules and "." in inside:
        inside = inside.rsplit(".", 1)[0]
    return inside


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The package's modules that `path` imports, anywhere in it (also under
    TYPE_CHECKING or inside a function: a cycle there is still a tangle)."""
    found: set[str] = set()
    for node in ast.walk(_parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            inside = node.module.removeprefix(NAME + ".")
            if node.module == NAME or inside in modules:
                # `from syftbox_accounting.server import errors`: the module errors, or
                # a name of the package's __init__ (so for a subpackage's).
                prefix = "" if node.module == NAME else inside + "."
                names = [
                    f"{NAME}.{prefix}{a.name}"
                    if prefix + a.name in modules
                    else (f"{NAME}.__init__" if node.module == NAME else node.module)
                    for a in node.names
                ]
            else:
                names = [node.module]
        else:
            continue
        for name in names:
            if name == NAME:
                found.add("__init__")
            elif name.startswith(NAME + "."):
                found.add(_module_of(name, modules))
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle's modules (strongly connected components of two or more, or one
    that imports itself), by Tarjan's algorithm."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def graph_of(package: Path) -> dict[str, set[str]]:
    modules = _modules(package)
    # The package's __init__ only re-exports; a module importing a sibling through the
    # package (`from syftbox_accounting.server import errors`) does not import it.
    return {name: imports_of(path, set(modules)) for name, path in modules.items()}


def test_the_service_package_has_no_import_cycle() -> None:
    graph = graph_of(PACKAGE)
    assert "store" in graph
    assert not cycles(graph), (
        f"import cycles in {NAME}: {cycles(graph)}; move what both sides need into a "
        "module of its own that neither imports back"
    )


def test_the_check_finds_a_planted_cycle(tmp_path: Path) -> None:
    # It must be able to fail: a store that imports the service that imports it back,
    # one of them only for type checking.
    (tmp_path / "store.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        f"    from {NAME}.service import Service\n"
    )
    (tmp_path / "service.py").write_text(f"from {NAME} import store\n")
    (tmp_path / "errors.py").write_text("import json\n")
    assert cycles(graph_of(tmp_path)) == [["service", "store"]]
