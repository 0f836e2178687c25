"""The architecture, checked: imports point one way, the generated client has one
door, and every public annotation resolves."""

from __future__ import annotations

import ast
import concurrent.futures
import dataclasses
import inspect
import typing
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

import syftbox_accounting
from syftbox_accounting import AccountingClient, AdminClient, Client, _generated
from tests import spec

PACKAGE = Path(syftbox_accounting.__file__).parent
GENERATED = "syftbox_accounting_client"

# The intended layers, lowest first: a module may import its own layer and the ones
# below, never one above. The generated client is below them all.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset(
        {
            "_version",
            "_generated",
            "_lazy",
            "defaults",
            "errors",
            "error_codes",
            "failures",
            "redaction",
            "answer_json",
            "types",
            "records",
            "validation",
            "calls",
            "answers",
            "operations",
            "flows",
            "retry",
            "limits",
            "deadline_sockets",
            "deadline_watch",
            "idle_checks",
            "pool_backends",
            "fetching",
            "request_auth",
            "http_clients",
            "call_events",
            "response_info",
            "transport",
            "settings",
            "hooks",
            "render",
        }
    ),
    frozenset({"credential_files", "credentials", "display", "keyring_store"}),
    frozenset({"service_client"}),
    # http402 beside accounting: the client makes paying clients, the paywall charges.
    frozenset({"accounting", "admin", "http402"}),
    frozenset({"client", "otel"}),
    frozenset({"cli", "testing", "demo", "__main__", "__init__"}),
)


def _layer(module: str) -> int:
    top = module.split(".")[0]
    for level, names in enumerate(LAYERS):
        if top in names:
            return level
    raise AssertionError(f"syftbox_accounting.{module} is in no layer: add it to LAYERS")


def _modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        found.append((".".join(parts), path))
    return found


def _home(name: str) -> str:
    """The module behind ``from syftbox_accounting import name``: a module itself,
    or the home of a public name (the package loads it from there on first use)."""
    if (PACKAGE / f"{name}.py").exists() or (PACKAGE / name).is_dir():
        return name
    if name == "__version__":
        return "_version"
    return str(syftbox_accounting._HOMES[name])


def _parse(source: str) -> ast.Module:
    # In a fresh thread: after a test elsewhere in the run hit a RecursionError, CPython
    # 3.11's AST constructor can fail in the thread that saw it ("recursion depth
    # mismatch"); a new thread starts with clean recursion counters.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(ast.parse, source).result()


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(_parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            if node.module == "syftbox_accounting":
                names.update(f"syftbox_accounting.{_home(alias.name)}" for alias in node.names)
    return names


def _ours(name: str) -> str | None:
    if name == "syftbox_accounting" or not name.startswith("syftbox_accounting."):
        return None
    return name.removeprefix("syftbox_accounting.")


CLIENT_MODULES = [(m, p) for m, p in _modules() if not m.startswith("server")]


@pytest.mark.parametrize(("module", "path"), CLIENT_MODULES, ids=[m for m, _ in CLIENT_MODULES])
def test_no_module_imports_one_above_it(module: str, path: Path) -> None:
    mine = _layer(module)
    for name in sorted(_imports(path)):
        other = _ours(name)
        if other is None or other.startswith("server"):
            continue  # the optional service is started, never built upon
        assert _layer(other) <= mine, (
            f"syftbox_accounting.{module} (layer {mine}) imports syftbox_accounting.{other} "
            f"(layer {_layer(other)}): an arrow that points up; move what it needs down"
        )


def test_the_layer_rule_catches_an_arrow_that_points_up(tmp_path: Path) -> None:
    # The check above must be able to fail: credentials importing service_client.
    planted = tmp_path / "credentials.py"
    planted.write_text("from syftbox_accounting.service_client import twin\n")
    imported = {_ours(n) for n in _imports(planted)} - {None}
    assert imported == {"service_client"}
    assert _layer("service_client") > _layer("credentials")


@pytest.mark.parametrize(("module", "path"), _modules(), ids=[m for m, _ in _modules()])
def test_the_service_shares_the_contract_not_code(module: str, path: Path) -> None:
    if not module.startswith("server"):
        return
    for name in _imports(path):
        other = _ours(name)
        assert other is None or other.startswith("server") or other == "_version", (
            f"syftbox_accounting.{module} imports syftbox_accounting.{other}: the service "
            "must not depend on the client"
        )
        assert not name.startswith(GENERATED), f"syftbox_accounting.{module} imports {name}"


def test_only_the_door_imports_the_generated_client() -> None:
    importers = sorted(
        module
        for module, path in _modules()
        if any(name.startswith(GENERATED) for name in _imports(path))
    )
    assert importers == ["_generated"]


def test_the_door_names_exist_in_the_generated_client() -> None:
    for name in _generated.__all__:
        assert getattr(_generated, name) is not None, name


# The private request builders of the generated client that the facade relies on
# (`operations.py` calls each `_get_kwargs`), as the contract says they must be: a
# generator upgrade or a contract change that alters one fails here first, with a clear
# message. Derived from openapi.yaml in the generator's order of parameters: path (in
# URL order), the body, query, header (the Idempotency-Key), cookie.
SAMPLE_PATH_VALUE = "a@example.com"  # needs quoting: the URL must carry it escaped


@dataclasses.dataclass(frozen=True)
class RequestBuilder:
    """What the contract says of one operation's generated `_get_kwargs`."""

    params: list[str]
    in_path: int  # how many of `params` are path parameters (positional, first)
    method: str
    url: str  # with every path parameter set to SAMPLE_PATH_VALUE
    body_model: str | None  # the request body's schema, a name in `models`
    sample_body: dict[str, Any] | None  # the first example of the request body


def _request_builder(method: str, path: str, op: dict[str, Any]) -> RequestBuilder:
    path_level = spec.spec()["paths"][path].get("parameters", [])
    by_location: dict[str, list[str]] = {}
    seen: set[tuple[str, str]] = set()
    for parameter in [spec.resolve(p) for p in [*op.get("parameters", []), *path_level]]:
        where = (parameter["name"], parameter["in"])
        if where not in seen:  # the operation's own overrides the path item's
            seen.add(where)
            by_location.setdefault(parameter["in"], []).append(parameter["name"])
    in_path = sorted(by_location.get("path", []), key=lambda name: path.index(f"{{{name}}}"))
    body_model = sample_body = None
    if "requestBody" in op:
        media = spec.resolve(op["requestBody"])["content"]["application/json"]
        body_model = media["schema"]["$ref"].rsplit("/", 1)[1]
        sample_body = spec.resolve(next(iter(media["examples"].values())))["value"]
    url = path
    for name in in_path:
        url = url.replace(f"{{{name}}}", quote(SAMPLE_PATH_VALUE, safe=""))
    return RequestBuilder(
        params=[
            *map(spec.python_name, in_path),
            *(["body"] if body_model else []),
            *(
                spec.python_name(n)
                for where in ("query", "header", "cookie")
                for n in by_location.get(where, [])
            ),
        ],
        in_path=len(in_path),
        method=method.lower(),
        url=url,
        body_model=body_model,
        sample_body=sample_body,
    )


GET_KWARGS = {
    spec.python_name(op["operationId"]): _request_builder(method, path, op)
    for method, path, op in spec.operations()
}


@pytest.mark.parametrize("operation", sorted(GET_KWARGS))
def test_the_generated_request_builders_we_rely_on(operation: str) -> None:
    module = getattr(_generated, operation, None)
    assert module is not None, (
        f"syftbox_accounting/_generated.py has no {operation}: run `make generate`"
    )
    builder = getattr(module, "_get_kwargs", None)
    assert builder is not None, (
        f"syftbox_accounting_client.api...{operation}._get_kwargs is gone: the generator "
        "changed its private request builder; adapt syftbox_accounting/operations.py"
    )
    expected = GET_KWARGS[operation]
    params = list(inspect.signature(builder).parameters)
    assert params == expected.params, (
        f"{operation}._get_kwargs now takes {params}, not {expected.params} as openapi.yaml "
        "says: adapt syftbox_accounting/operations.py (or this test, if the generator's "
        "order of parameters changed)"
    )
    args: dict[str, Any] = {}
    if expected.body_model is not None:
        model = getattr(_generated.models, expected.body_model)
        args["body"] = model.from_dict(expected.sample_body)
    request = builder(*[SAMPLE_PATH_VALUE] * expected.in_path, **args)
    assert (request["method"], request["url"]) == (expected.method, expected.url)
    assert set(request) <= {"method", "url", "json", "headers", "params"}
    if expected.sample_body is not None:
        assert request["json"] == expected.sample_body


def _public_methods() -> list[tuple[str, object]]:
    found = []
    for cls in (AccountingClient, AdminClient, Client):
        for name, member in inspect.getmembers(cls):
            if (callable(member) and not name.startswith("_")) or name in {
                "_get_account_balance_async"
            }:
                found.append((f"{cls.__name__}.{name}", member))
    return found


@pytest.mark.parametrize(
    ("name", "method"), _public_methods(), ids=[n for n, _ in _public_methods()]
)
def test_type_hints_of_public_methods_resolve(name: str, method: object) -> None:
    target = getattr(method, "__func__", method)
    if isinstance(target, type):
        return
    hints = typing.get_type_hints(target)
    assert "return" in hints or name.endswith("__init__"), name


def test_flows_are_named_after_the_public_method_they_serve() -> None:
    # Errors name the failed operation after the flow that ran (see transport.operation_of).
    areas = [c for c in AccountingClient.__mro__ if c.__module__.startswith(PACKAGE.name)]
    for cls in (*areas, AdminClient):
        source = inspect.getsource(cls)
        for node in ast.walk(_parse(source)):
            if not isinstance(node, ast.FunctionDef) or not node.name.startswith("_"):
                continue
            returns = ast.unparse(node.returns) if node.returns else ""
            if returns.startswith("Flow["):
                public = node.name.removeprefix("_")
                assert hasattr(cls, public) or hasattr(AccountingClient, public), (
                    f"{cls.__name__}.{node.name} is a flow, but there is no public "
                    f"{cls.__name__}.{public}: name flows after the method they serve"
                )


# Inside the accounting package: each area builds on the configured user (`base`) and the
# shared payment steps (`settlement`) alone, and only `accounting_client` composes them.
ACCOUNTING_AREAS = ("account", "payments", "charges", "history", "keys")
BELOW_THE_AREAS = {"accounting.base", "accounting.settlement"}


@pytest.mark.parametrize("area", ACCOUNTING_AREAS)
def test_an_area_builds_on_the_base_alone(area: str) -> None:
    imported = {_ours(n) for n in _imports(PACKAGE / "accounting" / f"{area}.py")} - {None}
    siblings = {n for n in imported if n is not None and n.startswith("accounting.")}
    assert siblings <= BELOW_THE_AREAS, (
        f"syftbox_accounting.accounting.{area} imports {sorted(siblings)}: an area may build "
        "on accounting.base and accounting.settlement only; move what two areas share there"
    )


def test_every_area_is_part_of_the_client() -> None:
    composed = {c.__module__.rsplit(".", 1)[-1] for c in AccountingClient.__mro__}
    assert set(ACCOUNTING_AREAS) <= composed
    modules = {p.stem for p in (PACKAGE / "accounting").glob("*.py")} - {"__init__"}
    below = {name.removeprefix("accounting.") for name in BELOW_THE_AREAS}
    assert modules == {*ACCOUNTING_AREAS, *below, "accounting_client"}, (
        "a new module in syftbox_accounting/accounting/: add it to ACCOUNTING_AREAS "
        "(and to AccountingClient's bases) or move it out of the package"
    )
