"""Every network operation exists as a sync and an async twin, named by the rule,
with the same parameters, return type and docstring. The pairs are the facade's
own: its `@twin` marks (`helpers.TWINS`). Every public name is either in a pair or
in the short hand list of names that are not network calls, and every pair has its
row in the operations table the facade tests run (`helpers.OPS`), so a new public
method fails here until it is classified, marked and tested."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from syftbox_accounting import AccountingClient, AdminClient
from tests.facade.helpers import CLIENTS, OPS, TWINS, Twins, is_async

# The seed made these operations async first: their sync twin is `x_sync`; every
# other sync `x` has the async twin `x_async`.
SEED_ASYNC = {"get_account_info", "create_transaction_token", "validate_credentials"}
ALIASES = {(AccountingClient, "_get_account_balance_async"): "get_account_balance_async"}
# Other names of a twin, for users who know it by another name.
PUBLIC_ALIASES = {(AccountingClient, "paying_async_http_client"): "paying_http_client_async"}

# Public names that are not network operations (or are the sync-only display).
NOT_TWINNED = {
    AccountingClient: {
        "accounting_url",
        "is_configured",
        "get_email",
        "configure",
        "connect_accounting",
        "save_credentials",
        "load_from_config",
        "from_environment",
        "setup_accounting_discovery",
        "show",
        "close",
        "aclose",
        "with_options",
        "last_response",
        "service_features",
    },
    AdminClient: {"close", "aclose", "with_options", "last_response", "service_features"},
}
PAIRS = list(TWINS.values())


def _public(cls: type) -> set[str]:
    return {name for name in dir(cls) if not name.startswith("_")}


@pytest.mark.parametrize("cls", CLIENTS)
def test_every_public_name_is_classified(cls: type) -> None:
    twinned = {name for t in PAIRS if t.cls is cls for name in (t.sync, t.aio)}
    twinned |= {alias for (owner, alias) in PUBLIC_ALIASES if owner is cls}
    unclassified = _public(cls) - twinned - NOT_TWINNED[cls]
    assert not unclassified, (
        f"{cls.__name__}: {sorted(unclassified)} neither carry a @twin mark (network "
        "methods) nor are in NOT_TWINNED (the others)"
    )
    assert _public(cls) == twinned | NOT_TWINNED[cls]


@pytest.mark.parametrize(("owner", "alias"), list(PUBLIC_ALIASES), ids=lambda v: str(v))
def test_a_public_alias_is_its_twin(owner: type, alias: str) -> None:
    assert getattr(owner, alias) is getattr(owner, PUBLIC_ALIASES[(owner, alias)])


def test_the_operations_table_covers_every_network_method() -> None:
    """A public network method (a pair of twins) without a row in OPS fails here:
    OPS is what the facade tests (requests, results, errors, faults, bad input,
    the contract) run for every operation."""
    covered = {op.call.method for op in OPS}
    operations = {key for key, twins in TWINS.items() if not twins.factory}
    missing = operations - covered
    assert not missing, f"add a row for {sorted(missing)} to OPS in tests/facade/helpers.py"
    assert covered == operations
    aliases = {op.call.alias for op in OPS if op.call.alias}
    assert aliases == {alias for _, alias in ALIASES}
    assert len({op.id for op in OPS}) == len(OPS)
    # A context-manager pair is run with a block; a method without one.
    for op in OPS:
        assert (op.call.block is not None) is TWINS[op.call.method].context, op.id


def test_no_client_hides_another_clients_pair() -> None:
    # TWINS is keyed by name (qualified when two clients share one): no pair is lost.
    for cls in CLIENTS:
        marked = {n for n in dir(cls) if getattr(getattr(cls, n), "__twin_of__", None)}
        aliases = {n for _, n in ALIASES} | {n for _, n in PUBLIC_ALIASES}
        assert {t.marked for t in PAIRS if t.cls is cls} == marked - aliases


@pytest.mark.parametrize("twins", PAIRS, ids=[t.key for t in PAIRS])
def test_twins_match(twins: Twins) -> None:
    cls, sync, aio = twins.cls, twins.sync, twins.aio
    sync_fn: Any = getattr(cls, sync)
    aio_fn: Any = getattr(cls, aio)
    # The naming rule; the mark is on the twin the rule names, the original has none.
    if aio in SEED_ASYNC:
        assert sync == f"{aio}_sync"
        assert twins.original == aio
    else:
        assert aio == f"{sync}_async"
        assert twins.original == sync
    assert not hasattr(getattr(cls, twins.original), "__twin_of__")
    assert not is_async(sync_fn)
    assert is_async(aio_fn)
    # The same parameters, defaults and kinds, in the same order.
    sync_sig, aio_sig = inspect.signature(sync_fn), inspect.signature(aio_fn)
    assert list(sync_sig.parameters.values()) == list(aio_sig.parameters.values())
    # The same docstring, and a real one.
    assert sync_fn.__doc__ == aio_fn.__doc__
    assert sync_fn.__doc__
    assert len(sync_fn.__doc__.strip()) > 20
    # The right kind of callable, and the same return type.
    if twins.iterator:
        assert not inspect.iscoroutinefunction(aio_fn)
        assert sync_sig.return_annotation.startswith("Iterator[")
        assert aio_sig.return_annotation == "Async" + sync_sig.return_annotation
    elif twins.factory:  # the paying httpx clients: made without a request
        assert not inspect.iscoroutinefunction(aio_fn)
        assert (sync_sig.return_annotation, aio_sig.return_annotation) == (
            "httpx.Client",
            "httpx.AsyncClient",
        )
    elif not twins.context:
        assert not inspect.iscoroutinefunction(sync_fn)
        assert not inspect.isasyncgenfunction(sync_fn)
        assert inspect.iscoroutinefunction(aio_fn)
        assert sync_sig.return_annotation == aio_sig.return_annotation
    else:
        assert inspect.isgeneratorfunction(inspect.unwrap(sync_fn))
        assert inspect.isasyncgenfunction(inspect.unwrap(aio_fn))
        assert sync_sig.return_annotation == "Iterator[Payment]"
        assert aio_sig.return_annotation == "AsyncIterator[Payment]"
    assert sync_sig.return_annotation not in (inspect.Signature.empty, "None")


@pytest.mark.parametrize("cls", CLIENTS)
def test_every_coroutine_method_has_a_sync_twin(cls: type) -> None:
    for name in _public(cls):
        fn = getattr(cls, name)
        if not inspect.iscoroutinefunction(fn) or name == "aclose":
            continue
        twin = name.removesuffix("_async") if name.endswith("_async") else f"{name}_sync"
        assert hasattr(cls, twin), f"{cls.__name__}.{name} has no sync twin {twin}"


def test_the_seed_alias() -> None:
    for (cls, alias), target in ALIASES.items():
        assert getattr(cls, alias) is getattr(cls, target)
        assert inspect.iscoroutinefunction(getattr(cls, alias))


def test_connect_accounting_is_configure() -> None:
    assert AccountingClient.connect_accounting is AccountingClient.configure


def test_seed_signatures() -> None:
    """The seed's names, parameters, defaults and kinds (keyword-only additions, such
    as ``idempotency_key``, keep every seed call working)."""
    sig = inspect.signature

    def seed_params(method: Any) -> list[str]:
        return [n for n, p in sig(method).parameters.items() if p.kind is not p.KEYWORD_ONLY]

    assert seed_params(AccountingClient.register_accounting) == [
        "self",
        "email",
        "password",
        "organization",
    ]
    assert sig(AccountingClient.register_accounting).parameters["password"].default is None
    assert seed_params(AccountingClient.configure) == [
        "self",
        "accounting_url",
        "email",
        "password",
    ]
    assert seed_params(AccountingClient.create_transaction_token) == [
        "self",
        "recipient_email",
    ]
    assert list(sig(AccountingClient.save_credentials).parameters) == ["self", "filepath"]
    assert sig(AccountingClient.save_credentials).parameters["filepath"].default is None
    assert list(sig(AccountingClient.load_from_config).parameters) == ["filepath"]
    for name in SEED_ASYNC:
        assert inspect.iscoroutinefunction(getattr(AccountingClient, name))
    for name in ("get_account_balance", "is_configured", "get_email", "show", "configure"):
        assert not inspect.iscoroutinefunction(getattr(AccountingClient, name))
    assert inspect.iscoroutinefunction(AccountingClient._get_account_balance_async)
    assert isinstance(inspect.getattr_static(AccountingClient, "load_from_config"), classmethod)
    assert isinstance(inspect.getattr_static(AccountingClient, "from_environment"), classmethod)
    assert isinstance(
        inspect.getattr_static(AccountingClient, "setup_accounting_discovery"), classmethod
    )


@pytest.mark.parametrize("cls", CLIENTS)
def test_both_clients_take_the_same_options(cls: type) -> None:
    options = {
        name: p
        for name, p in inspect.signature(cls).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    }
    # The transport's options; a user (who pays) has a budget and may have an API key
    # (a credential, keyword-only), an operator does not.
    own = {"budget", "api_key"} if cls is AccountingClient else set()
    assert set(options) == own | {
        "timeout",
        "max_retries",
        "allow_insecure_http",
        "http_client",
        "async_http_client",
        "retry_policy",
        "max_response_bytes",
        "deadline",
        "hooks",
    }
