"""`history --all --json` streams one JSON document page by page: a failure or Ctrl-C
after it began still leaves one valid document on stdout, the error inside it (tried as
a new user would: the error's own document followed the half-written one)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from syftbox_accounting.accounting import AccountingClient
from syftbox_accounting.errors import ServiceException
from syftbox_accounting.types import Transaction
from tests.cli.conftest import Runner
from tests.cli.test_flow import as_user, new_email, register


def _failing_after_one(monkeypatch: pytest.MonkeyPatch, failure: BaseException) -> None:
    """Every history stream gives its first transaction, then `failure` (a page that
    did not come)."""
    original = AccountingClient.iter_transactions

    def first_then_fail(self: AccountingClient, *args: Any, **kwargs: Any) -> Iterator[Transaction]:
        for tx in original(self, *args, **kwargs):
            yield tx
            raise failure

    monkeypatch.setattr(AccountingClient, "iter_transactions", first_then_fail)


def _payer(cli: Runner, service: Any) -> dict[str, str]:
    payer, shop = new_email("stream-payer"), new_email("stream-shop")
    register(cli, service, payer)
    register(cli, service, shop)
    env = as_user(service, payer)
    cli.main("transfer", shop, "1", "--yes", env=env).assert_ok()
    cli.main("transfer", shop, "2", "--yes", env=env).assert_ok()
    return env


@pytest.mark.parametrize(
    ("failure", "code", "kind"),
    [
        (ServiceException("list_transactions failed: the service answered 500."), 1,
         "ServiceException"),
        (KeyboardInterrupt(), 130, "KeyboardInterrupt"),
    ],
)  # fmt: skip
def test_a_stream_cut_short_is_still_one_json_document(
    cli: Runner,
    service: Any,
    monkeypatch: pytest.MonkeyPatch,
    failure: BaseException,
    code: int,
    kind: str,
) -> None:
    env = _payer(cli, service)
    _failing_after_one(monkeypatch, failure)
    result = cli.main("--json", "history", "--all", env=env)
    assert result.code == code, result
    document = json.loads(result.out)  # one document, not two
    assert len(document["transactions"]) == 1
    assert document["error"]["type"] == kind
    assert document["error"]["exit_code"] == code
    assert "Traceback" not in result.output


def test_a_stream_that_fails_before_its_first_page_is_the_usual_error(
    cli: Runner, service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = _payer(cli, service)

    def fail(self: AccountingClient, *args: Any, **kwargs: Any) -> Iterator[Transaction]:
        raise ServiceException("list_transactions failed: the service answered 500.")
        yield  # a generator, as the real one

    monkeypatch.setattr(AccountingClient, "iter_transactions", fail)
    result = cli.main("--json", "history", "--all", env=env)
    assert result.code == 1
    document = json.loads(result.out)
    assert document["error"]["type"] == "ServiceException"
