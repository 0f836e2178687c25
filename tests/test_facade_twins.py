"""Every network operation exists as a sync and an async twin, named by the rule,
with the same parameters, return type and docstring. The expected pairs are listed
here, so a missing twin (or a new public method nobody classified) fails."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from syftbox_accounting import AccountingClient, AdminClient

# (class, sync method, async method, kind): "method", or "context" for a
# context-manager pair. The seed made some operations async first: their sync twin
# is `x_sync`; every other sync `x` has the async twin `x_async`.
PAIRS: list[tuple[type, str, str, str]] = [
    (AccountingClient, "register_accounting", "register_accounting_async", "method"),
    (AccountingClient, "get_account_balance", "get_account_balance_async", "method"),
    (AccountingClient, "get_account", "get_account_async", "method"),
    (AccountingClient, "get_account_info_sync", "get_account_info", "method"),
    (AccountingClient, "create_transaction_token_sync", "create_transaction_token", "method"),
    (AccountingClient, "validate_credentials_sync", "validate_credentials", "method"),
    (AccountingClient, "check_credentials", "check_credentials_async", "method"),
    (AccountingClient, "charge", "charge_async", "method"),
    (AccountingClient, "confirm_transaction", "confirm_transaction_async", "method"),
    (AccountingClient, "cancel_transaction", "cancel_transaction_async", "method"),
    (AccountingClient, "charging", "charging_async", "context"),
    (AccountingClient, "transfer", "transfer_async", "method"),
    (AccountingClient, "create_transaction", "create_transaction_async", "method"),
    (AccountingClient, "get_transaction_history", "get_transaction_history_async", "method"),
    (AccountingClient, "update_password", "update_password_async", "method"),
    (AccountingClient, "update_organization", "update_organization_async", "method"),
    (AdminClient, "add_balance", "add_balance_async", "method"),
    (AdminClient, "get_user", "get_user_async", "method"),
    (AdminClient, "list_users", "list_users_async", "method"),
]
SEED_ASYNC = {"get_account_info", "create_transaction_token", "validate_credentials"}
ALIASES = {(AccountingClient, "_get_account_balance_async"): "get_account_balance_async"}

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
    },
    AdminClient: {"close", "aclose"},
}


def _public(cls: type) -> set[str]:
    return {name for name in dir(cls) if not name.startswith("_")}


@pytest.mark.parametrize("cls", [AccountingClient, AdminClient])
def test_every_public_name_is_classified(cls: type) -> None:
    twinned = {name for c, s, a, _ in PAIRS if c is cls for name in (s, a)}
    assert _public(cls) == twinned | NOT_TWINNED[cls]


@pytest.mark.parametrize(("cls", "sync", "aio", "kind"), PAIRS, ids=[p[1] for p in PAIRS])
def test_twins_match(cls: type, sync: str, aio: str, kind: str) -> None:
    sync_fn: Any = getattr(cls, sync)
    aio_fn: Any = getattr(cls, aio)
    # The naming rule.
    if aio in SEED_ASYNC:
        assert sync == f"{aio}_sync"
    else:
        assert aio == f"{sync}_async"
    # The same parameters, defaults and kinds, in the same order.
    sync_sig, aio_sig = inspect.signature(sync_fn), inspect.signature(aio_fn)
    assert list(sync_sig.parameters.values()) == list(aio_sig.parameters.values())
    # The same docstring, and a real one.
    assert sync_fn.__doc__ == aio_fn.__doc__
    assert sync_fn.__doc__
    assert len(sync_fn.__doc__.strip()) > 20
    # The right kind of callable, and the same return type.
    if kind == "method":
        assert not inspect.iscoroutinefunction(sync_fn)
        assert not inspect.isasyncgenfunction(sync_fn)
        assert inspect.iscoroutinefunction(aio_fn)
        assert sync_sig.return_annotation == aio_sig.return_annotation
    else:
        assert inspect.isgeneratorfunction(sync_fn.__wrapped__)
        assert inspect.isasyncgenfunction(aio_fn.__wrapped__)
        assert sync_sig.return_annotation == "Iterator[Payment]"
        assert aio_sig.return_annotation == "AsyncIterator[Payment]"
    assert sync_sig.return_annotation not in (inspect.Signature.empty, "None")


@pytest.mark.parametrize("cls", [AccountingClient, AdminClient])
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
    assert list(sig(AccountingClient.configure).parameters) == [
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
    for name in ("get_account_info", "create_transaction_token", "validate_credentials"):
        assert inspect.iscoroutinefunction(getattr(AccountingClient, name))
    for name in ("get_account_balance", "is_configured", "get_email", "show", "configure"):
        assert not inspect.iscoroutinefunction(getattr(AccountingClient, name))
    assert inspect.iscoroutinefunction(AccountingClient._get_account_balance_async)
    assert isinstance(inspect.getattr_static(AccountingClient, "load_from_config"), classmethod)
    assert isinstance(inspect.getattr_static(AccountingClient, "from_environment"), classmethod)
    assert isinstance(
        inspect.getattr_static(AccountingClient, "setup_accounting_discovery"), classmethod
    )


@pytest.mark.parametrize("cls", [AccountingClient, AdminClient])
def test_both_clients_take_the_same_options(cls: type) -> None:
    options = {
        name: p
        for name, p in inspect.signature(cls).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    }
    assert set(options) == {
        "timeout",
        "max_retries",
        "allow_insecure_http",
        "http_client",
        "async_http_client",
        "retry_policy",
    }
