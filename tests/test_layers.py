"""The architecture, checked: imports point one way, the generated client has one
door, and every public annotation resolves."""

from __future__ import annotations

import ast
import concurrent.futures
import inspect
import typing
from pathlib import Path

import pytest

import syftbox_accounting
from syftbox_accounting import AccountingClient, AdminClient, Client, _generated

PACKAGE = Path(syftbox_accounting.__file__).parent
GENERATED = "syftbox_accounting_client"

# The intended layers, lowest first: a module may import its own layer and the ones
# below, never one above. The generated client is below them all.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset(
        {
            "_version",
            "_generated",
            "defaults",
            "errors",
            "types",
            "validation",
            "operations",
            "transport",
            "settings",
        }
    ),
    frozenset({"credentials", "display"}),
    frozenset({"service_client"}),
    frozenset({"accounting", "admin"}),
    frozenset({"client"}),
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


# The private request builders of the generated client that the facade relies on:
# a generator upgrade that changes one fails here first, with a clear message.
GET_KWARGS = {
    "create_user": (["body", "idempotency_key"], "post", "/user/create"),
    "get_my_info": ([], "get", "/user/my-info"),
    "update_password": (["body", "idempotency_key"], "put", "/user/update-password"),
    "update_organization": (["body", "idempotency_key"], "put", "/user/update-organization"),
    "create_token": (["body", "idempotency_key"], "post", "/token/create"),
    "create_transaction": (["body", "idempotency_key"], "post", "/transaction/create"),
    "confirm_transaction": (["body", "idempotency_key"], "post", "/transaction/confirm"),
    "cancel_transaction": (["body", "idempotency_key"], "post", "/transaction/cancel"),
    "refund_transaction": (["body", "idempotency_key"], "post", "/transaction/refund"),
    "list_transactions": (
        ["limit", "cursor", "status", "created_after", "created_before", "counterparty"],
        "get",
        "/transactions",
    ),
    "get_transaction": (["transaction_id"], "get", "/transactions/a%40example.com"),
    "get_usage": (["created_after", "created_before"], "get", "/user/usage"),
    "add_balance": (["body", "idempotency_key"], "post", "/user/add-balance"),
    "get_user": (["email"], "get", "/user/a%40example.com"),
    "list_users": ([], "get", "/users"),
}


@pytest.mark.parametrize("operation", sorted(GET_KWARGS))
def test_the_generated_request_builders_we_rely_on(operation: str) -> None:
    module = getattr(_generated, operation)
    builder = getattr(module, "_get_kwargs", None)
    assert builder is not None, (
        f"syftbox_accounting_client.api...{operation}._get_kwargs is gone: the generator "
        "changed its private request builder; adapt syftbox_accounting/operations.py"
    )
    params, method, url = GET_KWARGS[operation]
    assert list(inspect.signature(builder).parameters) == params, (
        f"{operation}._get_kwargs now takes {list(inspect.signature(builder).parameters)}, "
        f"not {params}: adapt syftbox_accounting/operations.py"
    )
    body = getattr(
        _generated.models,
        {
            "create_user": "CreateUserRequest",
            "update_password": "UpdatePasswordRequest",
            "update_organization": "UpdateOrganizationRequest",
            "create_token": "CreateTokenRequest",
            "create_transaction": "CreateTransactionRequest",
            "confirm_transaction": "ConfirmTransactionRequest",
            "cancel_transaction": "TransactionIdRequest",
            "refund_transaction": "RefundTransactionRequest",
            "add_balance": "AddBalanceRequest",
        }.get(operation, "CreateTokenRequest"),
    )
    args = {"body": body.from_dict(_SAMPLE_BODIES.get(operation, {}))} if "body" in params else {}
    positional = ["a@example.com"] if params in (["email"], ["transaction_id"]) else []
    request = builder(*positional, **args)
    assert (request["method"], request["url"]) == (method, url)
    assert set(request) <= {"method", "url", "json", "headers", "params"}


_SAMPLE_BODIES = {
    "create_user": {"email": "a@example.com"},
    "update_password": {"oldPassword": "old-password", "newPassword": "new-password"},
    "update_organization": {"organization": None},
    "create_token": {"recipientEmail": "b@example.com"},
    "create_transaction": {
        "senderEmail": "a@example.com",
        "recipientEmail": "b@example.com",
        "amount": 1,
    },
    "confirm_transaction": {"transactionId": "tx-1"},
    "cancel_transaction": {"transactionId": "tx-1"},
    "refund_transaction": {"transactionId": "tx-1"},
    "add_balance": {"recipientEmail": "a@example.com", "amount": 1},
}


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
ACCOUNTING_AREAS = ("account", "payments", "charges", "history")
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
