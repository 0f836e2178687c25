"""The checklist of an operation: every `operationId` of openapi.yaml, walked from the
contract to the last file that must know it.

For the first thing missing, the test fails with the file and the name to add next, in
this order: the door (`_generated.<name>`, written by `make generate`), the builder
(`operations.<name>`), a flow of `AccountingClient` or `AdminClient` that uses it, the
public method and its `@twin`, a row in the facade tests' `OPS`, the service's route
(`ENDPOINTS`), the scopes an API key needs for it (`NEEDS`), an in-process
scenario (`SCENARIOS`), a CLI command that calls the public method (or a `NO_COMMAND` entry
saying why there is none), and a mention of the public method in README.md. So
``make generate && pytest -x`` leads a contributor from the contract to the last file
(CONTRIBUTING.md, "Adding an operation").

Everything is found by introspection, not by file paths: a flow is a method ``_<public>``
of a client class whose source uses ``operations.<name>``, directly or through helpers
it calls, wherever the class and its helpers live.
"""

from __future__ import annotations

import ast
import concurrent.futures
import dataclasses
import functools
import inspect
import re
import textwrap
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from syftbox_accounting import AccountingClient, AdminClient, _generated, operations
from syftbox_accounting.cli import _commands
from syftbox_accounting.server import api_keys, endpoints
from tests import spec
from tests.facade import helpers
from tests.testing import test_in_process

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
CLIENTS = (AccountingClient, AdminClient)
PACKAGE = "syftbox_accounting"


def _file(obj: Any) -> str:
    """Where `obj` is defined, relative to the repository."""
    source = inspect.getsourcefile(obj)
    assert source is not None, obj
    path = Path(source).resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


@functools.cache
def _parse(func: Any) -> tuple[ast.Module, frozenset[int]]:
    """`func`'s syntax tree, and the ids of the nodes it calls."""
    source = textwrap.dedent(inspect.getsource(func))
    # In a fresh thread: after a RecursionError elsewhere in the run, CPython 3.11's AST
    # constructor can fail in the thread that saw it (see tests/test_layers.py).
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        tree = pool.submit(ast.parse, source).result()
    return tree, frozenset(id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call))


# -- what the code uses, found by reading it


def _in(obj: Any, prefix: str) -> bool:
    module = getattr(obj, "__module__", None) or ""
    return module == prefix or module.startswith(f"{prefix}.")


@dataclasses.dataclass(frozen=True)
class Reference:
    """``owner.name`` in the source (`owner` None when it is not a module or class
    the code names), or a bare ``name``; `value` is what it resolves to, if known."""

    owner: Any
    name: str
    value: Any
    attribute: bool
    called: bool


def _references(
    func: Any, cls: type | None, within: str, seen: set[Any] | None = None
) -> Iterator[Reference]:
    """Every reference in `func`'s source, and in the functions and methods of modules
    under `within` that it refers to (helpers, ``self._x``), each read once."""
    seen = set() if seen is None else seen
    func = inspect.unwrap(func)
    if not inspect.isfunction(func) or func in seen or not _in(func, within):
        return
    seen.add(func)
    scope = func.__globals__
    tree, calls = _parse(func)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            base = node.value.id
            owner = cls if base in {"self", "cls"} else scope.get(base)
            value = inspect.getattr_static(owner, node.attr, None) if owner else None
            if isinstance(value, staticmethod | classmethod):
                value = value.__func__
            yield Reference(owner, node.attr, value, attribute=True, called=id(node) in calls)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            value = scope.get(node.id)
            yield Reference(None, node.id, value, attribute=False, called=id(node) in calls)
        else:
            continue
        yield from _references(value, cls, within, seen)


def _builders(func: Any, cls: type) -> frozenset[str]:
    """The builders of `operations` that `func` uses: ``operations.x``, or ``x`` imported
    from it, directly or through the helpers it calls (never through other builders)."""
    # Unwrapped: a builder made once is behind `functools.cache`.
    found = (inspect.unwrap(f) for f in vars(operations).values() if callable(f))
    builders = {f for f in found if inspect.isfunction(f)}
    return frozenset(
        ref.name
        for ref in _references(func, cls, PACKAGE, seen=builders)
        if ref.owner is operations
        or (
            not ref.attribute
            and inspect.isfunction(ref.value)
            and _in(ref.value, operations.__name__)
        )
    )


@dataclasses.dataclass(frozen=True)
class Flow:
    """A method ``_<public>`` of a client class: the shared logic of `public`'s twins."""

    cls: type
    public: str
    builders: frozenset[str]


@functools.cache
def _flows() -> list[Flow]:
    found = []
    for cls in CLIENTS:
        for name in sorted(dir(cls)):
            public = name.removeprefix("_")
            method = inspect.getattr_static(cls, name, None)
            if (
                not name.startswith("_")
                or public.startswith("_")
                or not hasattr(cls, public)
                or not inspect.isfunction(method)
                or method.__name__ != name  # an alias, e.g. _get_account_balance_async
            ):
                continue
            found.append(Flow(cls, public, _builders(method, cls)))
    return found


def _home(cls: type, name: str) -> type:
    """The class in `cls`'s MRO that defines `name`."""
    return next(c for c in cls.__mro__ if name in vars(c))


def _areas(cls: type) -> list[str]:
    """The files that hold `cls`'s flows: its own, or those of the areas it is composed of."""
    return sorted({_file(_home(f.cls, f"_{f.public}")) for f in _flows() if f.cls is cls})


# Public methods that use an operation but have no twin, on purpose, and why.
SYNC_ONLY = {
    "show": "a display: it shows a widget or prints, in a notebook or a terminal, with a "
    "short timeout and no exception; the seed makes it sync, and nothing awaits a display",
}


def _twins(cls: type, public: str) -> helpers.Twins | None:
    return next(
        (t for t in helpers.TWINS.values() if t.cls is cls and public in (t.sync, t.aio)),
        None,
    )


@functools.cache
def _cli_calls() -> frozenset[str]:
    """Every method name the CLI's commands call on an object (a client), through the
    helpers of the CLI they use."""
    return frozenset(
        ref.name
        for command in _commands.COMMANDS.values()
        for ref in _references(command, None, _commands.__name__.rpartition(".")[0])
        if ref.attribute and ref.called and not isinstance(ref.owner, types.ModuleType)
    )


def _in_readme(name: str, text: str) -> bool:
    """`name` written as code: ``name``, `.name` or `name(`."""
    return re.search(rf"(`|\.){name}\b|\b{name}\(", text) is not None


SCENARIOS = test_in_process.SCENARIOS


def _schemes(operation_id: str) -> set[str]:
    """The security schemes the contract lets `operation_id` use (none if it has none)."""
    for _, _, op in spec.operations():
        if op["operationId"] == operation_id:
            return {name for requirement in op.get("security", []) for name in requirement}
    return set()


# -- the checklist


def first_gap(operation_id: str, method: str, path: str) -> str | None:
    """What to add next for `operation_id`, naming the file; None when nothing is missing."""
    name = spec.python_name(operation_id)
    if name not in _generated.__all__:
        return (
            f"{operation_id}: {_file(_generated)} has no `{name}`: run `make generate` (it "
            "regenerates generated/ and writes the door to it from openapi.yaml)"
        )
    if not inspect.isfunction(inspect.unwrap(getattr(operations, name, None))):
        return (
            f"{operation_id}: add the builder `def {name}(...) -> Call[...]` to "
            f"{_file(operations)}: it builds the request with gen.{name}._get_kwargs(...) "
            "and says how to read the answer into our types"
        )
    flows = [flow for flow in _flows() if name in flow.builders]
    if not flows:
        places = "; ".join(f"{cls.__name__}: {', '.join(_areas(cls))}" for cls in CLIENTS)
        return (
            f"{operation_id}: no flow uses operations.{name}: add a flow `_{name}` (a "
            f"generator that yields operations.{name}(...)) and the public method `{name}` "
            f"that runs it, to the area of the client it belongs to ({places})"
        )
    for flow in flows:
        where = _file(_home(flow.cls, flow.public))
        if _twins(flow.cls, flow.public) is None and flow.public not in SYNC_ONLY:
            other = f"async def {flow.public}_async"
            if helpers.is_async(getattr(flow.cls, flow.public)):
                other = f"def {flow.public}_sync"
            return (
                f"{operation_id}: {flow.cls.__name__}.{flow.public} has no twin: add "
                f"`@twin({flow.public}) {other}(...)` beside it in {where}, a one-line "
                f"shim over `_{flow.public}`"
            )
    pairs = [_twins(flow.cls, flow.public) for flow in flows]
    names = {name for pair in pairs if pair for name in (pair.sync, pair.aio)}
    tested = {op.call.method for op in helpers.OPS}
    for pair in pairs:
        if pair is not None and pair.sync not in tested:
            return (
                f"{operation_id}: add an `Op` row for `{pair.sync}` to OPS in "
                f"{_file(helpers)}: the requests it sends and what it returns (the facade "
                "tests run it sync, on asyncio and on trio)"
            )
    scenarios = sorted(
        op.id for op in helpers.OPS if op.call.method in names and op.id not in SCENARIOS
    )
    if scenarios:
        return (
            f"{operation_id}: add a scenario for `{scenarios[0]}` to SCENARIOS in "
            f"{_file(test_in_process)}: the client it runs as, the call, and what its answer "
            "must be (it runs in process, with no socket and no thread)"
        )
    routes = {e.operation_id: e for e in endpoints.ENDPOINTS}
    route = routes.get(operation_id)
    if route is None:
        return (
            f'{operation_id}: add `Endpoint("{operation_id}", "{method}", "{path}", handler)` '
            f"to ENDPOINTS in {_file(endpoints)}, with the service's logic behind it"
        )
    routed = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
    if (route.method, routed) != (method, path):
        return (
            f"{operation_id}: ENDPOINTS in {_file(endpoints)} routes it as {route.method} "
            f"{route.path}; openapi.yaml says {method} {path}"
        )
    if "apiKeyBearer" in _schemes(operation_id) and operation_id not in api_keys.NEEDS:
        return (
            f'{operation_id}: the contract lets an API key call it: add `"{operation_id}": '
            f'("read",)` (the scopes that allow it) to NEEDS in {_file(api_keys)}, and name '
            "it under its scope in the 'API keys' section of openapi.yaml"
        )
    publics = sorted(names)
    if not (names & _cli_calls()) and not (names & set(_commands.NO_COMMAND)):
        return (
            f"{operation_id}: no command of the CLI calls {' or '.join(publics)}: add one to "
            f"COMMANDS in {_file(_commands)} (its options in the parser), or say why there "
            "is none in NO_COMMAND there"
        )
    readme = README.read_text(encoding="utf-8")
    if not any(_in_readme(public, readme) for public in names):
        return (
            f"{operation_id}: README.md does not mention {' or '.join(publics)}: say what it "
            "does where users look for it"
        )
    return None


def test_every_operation_of_the_contract_is_wired_end_to_end() -> None:
    for method, path, op in spec.operations():
        gap = first_gap(op["operationId"], method, path)
        if gap is not None:
            pytest.fail(gap, pytrace=False)


def test_the_checklist_names_the_next_file_for_a_new_operation(monkeypatch: Any) -> None:
    # The first three steps of a contract operation that nothing implements yet.
    new = ("getNothingYet", "GET", "/nothing-yet")  # in no contract
    gap = first_gap(*new)
    assert gap is not None
    assert "syftbox_accounting/_generated.py has no `get_nothing_yet`" in gap
    assert "run `make generate`" in gap

    monkeypatch.setattr(_generated, "__all__", [*_generated.__all__, "get_nothing_yet"])
    gap = first_gap(*new)
    assert gap is not None
    assert "add the builder `def get_nothing_yet(...)" in gap
    assert "syftbox_accounting/operations.py" in gap

    def get_nothing_yet() -> None:
        """Stands in for the builder."""

    monkeypatch.setattr(operations, "get_nothing_yet", get_nothing_yet, raising=False)
    gap = first_gap(*new)
    assert gap is not None
    assert "no flow uses operations.get_nothing_yet: add a flow `_get_nothing_yet`" in gap
    # Every room of AccountingClient where a flow may go, and AdminClient's file.
    for area in AccountingClient.__mro__:
        if (
            area.__module__.startswith("syftbox_accounting.accounting.")
            and "_" not in (area.__module__.rsplit(".", 1)[1])
        ):
            assert _file(area) in gap, area
    assert _file(AdminClient) in gap


def test_the_checklist_asks_for_the_key_scopes_and_the_in_process_scenario(
    monkeypatch: Any,
) -> None:
    # The two tables nothing else would name: a key calling an operation without a NEEDS
    # row gets a 500, and an operation without a scenario never runs in process.
    monkeypatch.delitem(SCENARIOS, "get_usage")
    gap = first_gap("getUsage", "GET", "/user/usage")
    assert gap is not None
    assert "add a scenario for `get_usage` to SCENARIOS in tests/testing/test_in_process.py" in gap
    monkeypatch.undo()
    monkeypatch.delitem(api_keys.NEEDS, "getUsage")
    gap = first_gap("getUsage", "GET", "/user/usage")
    assert gap is not None
    assert '"getUsage": ("read",)` (the scopes that allow it) to NEEDS in' in gap
    assert "syftbox_accounting/server/api_keys.py" in gap
