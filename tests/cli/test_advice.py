"""The command line's advice is worded as commands and options, tried as a new user
would: never the library's Python calls (`create_api_key(...)`, `hold_for=`,
`transfer()`), and never password advice for a refused API key."""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

import pytest

from syftbox_accounting import errors
from syftbox_accounting.cli import _errors
from syftbox_accounting.error_codes import CODES
from syftbox_accounting.server import request_log
from tests.cli.conftest import Runner

_numbers = itertools.count()
PASSWORD = "advice-password-1"
# A Python call or keyword argument, as the library's own advice names them.
_PYTHON = re.compile(r"\w\(|\w=\W|\w=$|\(\.\.\.")


def _python_in(text: str) -> list[str]:
    return _PYTHON.findall(text)


def _account(cli: Runner, service: Any) -> dict[str, str]:
    email = f"advice-{next(_numbers)}@example.com"
    cli.main("register", email, "--url", service.url, "--password-stdin", "--no-save",
             stdin=PASSWORD + "\n").assert_ok()  # fmt: skip
    return {
        "SYFTBOX_ACCOUNTING_EMAIL": email,
        "SYFTBOX_ACCOUNTING_PASSWORD": PASSWORD,
        "SYFTBOX_ACCOUNTING_URL": service.url,
    }


@pytest.mark.parametrize("code", sorted(CODES))
def test_no_service_code_is_explained_with_a_python_call(code: str) -> None:
    refused = CODES[code].error("x failed: no.", hint=CODES[code].hint, hint_key=code)
    _, hint, _ = _errors.explain(refused, "transfer")
    assert _python_in(hint) == [], hint


def _key(cli: Runner, env: dict[str, str], *scopes: str, cap: str | None = None) -> str:
    extra = ["--max-spend", cap] if cap else []
    made = cli.main("--json", "keys", "create", "k", "--scope", ",".join(scopes), *extra, env=env)
    return str(json.loads(made.assert_ok().out)["secret"])


def test_a_refused_api_key_is_not_told_to_check_a_password(cli: Runner, service: Any) -> None:
    env = _account(cli, service)
    made = json.loads(cli.main("--json", "keys", "create", "k", "--scope", "read", env=env).out)
    cli.main("keys", "revoke", made["api_key"]["id"], env=env).assert_ok()
    keyed = {"SYFTBOX_ACCOUNTING_API_KEY": made["secret"], "SYFTBOX_ACCOUNTING_URL": service.url}
    error, hint = cli.main("balance", env=keyed).assert_error(3)
    assert "revoked" in error
    assert "password" not in hint.split("or ")[0]  # not "check the email and password"
    assert "register" not in hint
    assert "SYFTBOX_ACCOUNTING_API_KEY" in hint
    assert _python_in(hint) == []


def test_a_key_without_the_scope_or_past_its_cap_is_told_the_options(
    cli: Runner, service: Any
) -> None:
    env = _account(cli, service)
    payee = _account(cli, service)["SYFTBOX_ACCOUNTING_EMAIL"]
    reader = {"SYFTBOX_ACCOUNTING_API_KEY": _key(cli, env, "read"), "SYFTBOX_ACCOUNTING_URL":
              service.url}  # fmt: skip
    _, hint = cli.main("transfer", payee, "1", env=reader).assert_error(3)
    assert "keys create" in hint
    assert "--scope" in hint
    assert _python_in(hint) == []
    capped = {"SYFTBOX_ACCOUNTING_API_KEY": _key(cli, env, "pay", "read", cap="1"),
              "SYFTBOX_ACCOUNTING_URL": service.url}  # fmt: skip
    _, hint = cli.main("transfer", payee, "2", env=capped).assert_error(1)
    assert "--max-spend" in hint
    assert "max_spend" not in hint


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["charge", "bob@example.com", "1", "--hold-for", "1h", "--yes"], "--hold-for"),
        (["confirm", "0b7c3c7e-1111-4111-8111-111111111111", "--amount", "1"], "--amount"),
        (["refund", "0b7c3c7e-1111-4111-8111-111111111111", "--yes"], "transfer"),
    ],
)
def test_a_feature_the_service_lacks_is_explained_as_options(
    cli: Runner, service: Any, monkeypatch: pytest.MonkeyPatch, args: list[str], option: str
) -> None:
    # As at the public service, which announces none of holds, capture and refunds.
    env = _account(cli, service) | {"SYFTBOX_ACCOUNTING_TOKEN": "t" * 40}
    monkeypatch.setattr(request_log, "_FEATURES_HEADER", (b"accounting-features", b"exact-money"))
    error, hint = cli.main(*args, env=env).assert_error(1)
    assert "Nothing was sent" in error or "nothing was sent" in error
    assert option in hint
    assert _python_in(error) == [], error
    assert _python_in(hint) == [], hint
    assert "_transaction" not in error  # the library's call


def test_every_hint_key_the_library_has_is_known_here() -> None:
    assert errors.KEY_REFUSED in errors.HINT_KEYS


def test_a_value_the_service_refuses_is_named_as_the_option(cli: Runner, service: Any) -> None:
    # Tried as a new user would: a key with a cap makes a token without --max; the
    # service says "maxAmount is required", and the hint said to correct "the value
    # named above", which no option is called.
    env = _account(cli, service)
    payee = _account(cli, service)["SYFTBOX_ACCOUNTING_EMAIL"]
    capped = {"SYFTBOX_ACCOUNTING_API_KEY": _key(cli, env, "pay", "read", cap="1"),
              "SYFTBOX_ACCOUNTING_URL": service.url}  # fmt: skip
    error, hint = cli.main("token", payee, env=capped).assert_error(1)
    assert "maxAmount" in error
    assert "--max" in hint
    assert "token --help" in hint


@pytest.mark.parametrize(
    ("args", "name"),
    [(["transfer", "{me}", "1", "--yes"], "RECIPIENT"), (["token", "{me}"], "RECIPIENT")],
)
def test_paying_oneself_is_named_as_the_argument(
    cli: Runner, service: Any, args: list[str], name: str
) -> None:
    # Tried as a new user would: the error named the library's recipient_email and "this
    # client".
    env = _account(cli, service)
    me = env["SYFTBOX_ACCOUNTING_EMAIL"].upper()
    error, hint = cli.main(*[a.format(me=me) for a in args], env=env).assert_error(2)
    assert error.startswith(f"error: {name} {me} is")
    assert "_email" not in error
    assert "client" not in error + hint
    assert "--email" in hint


@pytest.mark.parametrize(
    ("command", "check"),
    [
        ("transfer", "syftbox-accounting history"),
        ("admin add-balance", "syftbox-accounting admin get-user EMAIL"),
    ],
)
def test_a_payment_that_may_have_landed_names_what_to_check_for_who_sent_it(
    command: str, check: str
) -> None:
    # The operator has no history: a credit that may have landed shows in the
    # account's balance (tried as a new user would, with a lost answer to add-balance).
    lost = errors.ServiceException(
        "x failed: the connection was dropped.",
        hint="may have reached",
        hint_key=errors.MAY_HAVE_REACHED,
        idempotency_key="k-1",
    )
    _, hint, _ = _errors.explain(lost, command)
    assert check in hint
    assert "k-1" in hint
    assert command.startswith("admin") is ("history" not in hint)


@pytest.mark.parametrize(
    ("command", "advice"),
    [("cancel", "nothing to do"), ("confirm", "a longer --hold-for")],
)
def test_a_lapsed_hold_is_advised_in_the_command_lines_words(command: str, advice: str) -> None:
    # Tried as a new user would: `confirm` after the hold lapsed said "a longer
    # hold_for" (the library's argument), and `cancel` to charge again.
    lapsed = errors.HoldExpiredError(
        "x failed: the hold lapsed.", hint=CODES["hold_expired"].hint, hint_key="hold_expired"
    )
    _, hint, _ = _errors.explain(lapsed, command)
    assert advice in hint
    assert "hold_for" not in hint
    assert ("charge again" in hint) is (command == "confirm")
