"""The public names: all exported, all importable, cheap to import."""

from __future__ import annotations

import subprocess
import sys

import pytest

import syftbox_accounting


def test_every_public_name_resolves() -> None:
    for name in syftbox_accounting.__all__:
        assert getattr(syftbox_accounting, name) is not None
    assert set(syftbox_accounting._HOMES) == set(syftbox_accounting.__all__) - {"__version__"}


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchThing"):
        syftbox_accounting.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018


def test_importing_the_package_loads_nothing_heavy() -> None:
    code = (
        "import sys, syftbox_accounting; "
        "print(sorted(m for m in ('httpx', 'cryptography', 'anyio', 'starlette', 'IPython') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_using_the_client_does_not_load_the_server_or_crypto() -> None:
    code = (
        "import sys; from syftbox_accounting import Client, AccountingClient; "
        "AccountingClient('http://127.0.0.1:1', 'a@example.com', 'pw'); "
        "print(sorted(m for m in ('cryptography', 'starlette', 'uvicorn', 'IPython') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_what_a_client_does_not_use_is_not_built() -> None:
    # Each costs ~0.5 ms or more at import: hooks' events, `last_response`, the records
    # of histories. They load when first used, and their names resolve then.
    code = (
        "import sys, typing; from syftbox_accounting import AccountingClient; "
        "client = AccountingClient('http://127.0.0.1:1', 'a@example.com', 'pw'); "
        "lazy = ('call_events', 'response_info', 'records'); "
        "print(sorted(m for m in lazy if 'syftbox_accounting.' + m in sys.modules)); "
        "typing.get_type_hints(AccountingClient.with_options); "
        "from syftbox_accounting import hooks, transport, CallEvent, ResponseInfo; "
        "print(hooks.CallEvent is CallEvent, 'syftbox_accounting.call_events' in sys.modules, "
        "transport.ResponseInfo is ResponseInfo)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "True True True"]
