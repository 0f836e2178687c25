"""The command line's --idempotency-key, and token limits (--max, --expires)."""

from __future__ import annotations

import base64
import json
import re
from decimal import Decimal
from typing import Any

import pytest

from syftbox_accounting import AccountingClient
from tests.cli.conftest import Runner
from tests.cli.test_flow import admin_env, as_user, new_email, register
from tests.fault_proxy import FaultProxy


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


def _balance(cli: Runner, service: Any, email: str) -> str:
    return cli.main("balance", env=as_user(service, email)).assert_ok().out.strip()


def test_a_transfer_repeated_with_its_key_pays_once(cli: Runner, service: Any) -> None:
    payer, payee = new_email("payer"), new_email("payee")
    register(cli, service, payer)
    register(cli, service, payee)
    for _ in range(2):
        cli.main(
            "transfer", payee, "3", "--idempotency-key", "rent-2026-12", env=as_user(service, payer)
        ).assert_ok()
    assert _balance(cli, service, payer) == "$97.00"
    assert _balance(cli, service, payee) == "$103.00"


def test_confirm_and_cancel_take_a_key(cli: Runner, service: Any) -> None:
    payer, payee = new_email("payer"), new_email("payee")
    register(cli, service, payer)
    register(cli, service, payee)
    token = cli.main("token", payee, env=as_user(service, payer)).assert_ok().out.strip()
    env = as_user(service, payee) | {"SYFTBOX_ACCOUNTING_TOKEN": token}
    charged = cli.main("--json", "charge", payer, "2", "--idempotency-key", "job-1", env=env)
    tx_id = json.loads(charged.assert_ok().out)["id"]
    again = cli.main("--json", "charge", payer, "2", "--idempotency-key", "job-1", env=env)
    assert json.loads(again.assert_ok().out)["id"] == tx_id  # the same charge, replayed
    for _ in range(2):
        confirmed = cli.main(
            "--json",
            "confirm",
            tx_id,
            "--idempotency-key",
            "job-1-done",
            env=as_user(service, payee),
        )
        assert json.loads(confirmed.assert_ok().out)["status"] == "COMPLETED"
    assert _balance(cli, service, payer) == "$98.00"


def test_a_token_with_limits(cli: Runner, service: Any) -> None:
    payer, payee = new_email("payer"), new_email("payee")
    register(cli, service, payer)
    register(cli, service, payee)
    token = (
        cli.main("token", payee, "--max", "0.50", "--expires", "10m", env=as_user(service, payer))
        .assert_ok()
        .out.strip()
    )
    claims = _claims(token)
    assert claims["maxAmount"] == 0.5
    assert claims["exp"] - claims["iat"] == 600
    env = as_user(service, payee) | {"SYFTBOX_ACCOUNTING_TOKEN": token}
    error, hint = cli.main("charge", payer, "0.75", env=env).assert_error(1)
    assert "above" in error
    assert "maxAmount" in hint
    cli.main("charge", payer, "0.50", "--confirm", env=env).assert_ok()
    assert _balance(cli, service, payer) == "$99.50"


def test_bad_keys_and_limits_are_usage_errors(cli: Runner, service: Any) -> None:
    env = as_user(service, "nobody@example.com")
    for args in (
        ["token", "a@example.com", "--expires", "10x"],
        ["token", "a@example.com", "--expires", "25h"],
        ["token", "a@example.com", "--max", "0"],
        ["transfer", "a@example.com", "1", "--idempotency-key", "with space"],
        ["confirm", "tx", "--idempotency-key", "x" * 256],
    ):
        result = cli.main(*args, env=env)
        assert result.code == 2, (args, result)


def test_a_failure_shows_the_key_to_repeat_with(cli: Runner, service: Any) -> None:
    payer, payee = new_email("payer"), new_email("payee")
    register(cli, service, payer)
    register(cli, service, payee)
    cli.main("admin", "add-balance", payer, "1", env=admin_env(service)).assert_ok()
    with FaultProxy(service.url) as proxy:
        env = as_user(service, payer) | {"SYFTBOX_ACCOUNTING_URL": proxy.url}
        proxy.arm("drop", "POST", "/transaction/create")
        # A fresh client has seen no echo yet, so it does not resend: it says which key
        # this attempt had, and the operator repeats the command with it.
        _, hint = cli.main("transfer", payee, "4", env=env).assert_error(1)
        found = re.search(r"key was (\S+?)\)", hint)
        assert found, hint
        cli.main("transfer", payee, "4", "--idempotency-key", found.group(1), env=env).assert_ok()
        assert proxy.count("POST", "/transaction/create") == 2
    assert _balance(cli, service, payer) == "$97.00"
    assert _balance(cli, service, payee) == "$104.00"


def test_an_interrupted_payment_names_its_key(
    cli: Runner, service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    payer = new_email("payer")
    register(cli, service, payer)

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(AccountingClient, "transfer", interrupted)
    result = cli.main(
        "transfer", "bob@example.com", "1", "--idempotency-key", "k-1", env=as_user(service, payer)
    )
    assert result.code == 130
    assert "--idempotency-key k-1" in result.err


@pytest.mark.parametrize("as_json", [False, True])
def test_a_caller_past_its_records_cap_is_told_how_long_to_wait(cli: Runner, as_json: bool) -> None:
    # One transfer makes two keyed requests (create, confirm): the cap of 2 is reached,
    # and the next transfer is refused until the oldest record expires, a day later.
    from syftbox_accounting.server import BackgroundService
    from syftbox_accounting.server.idempotency_records import RecordLimits

    limits = RecordLimits(per_scope=2)
    with BackgroundService(initial_credit=Decimal("100"), idempotency_limits=limits) as service:
        payer, payee = new_email("payer"), new_email("payee")
        register(cli, service, payer)
        register(cli, service, payee)
        env = as_user(service, payer)
        cli.main("transfer", payee, "1", env=env).assert_ok()
        json_flag = ["--json"] if as_json else []
        refused = cli.main(*json_flag, "transfer", payee, "1", "--idempotency-key", "k-2", env=env)
    assert refused.code == 1
    hint = re.search(r"hint: (.*)", refused.err)
    assert hint is not None
    # Wait a day, never "a moment": then the same key is applied at most once.
    assert re.fullmatch(
        r"the service is busy: wait 2[34] h( \d+ min)?, then repeat the command with "
        r"--idempotency-key k-2, and it is applied at most once",
        hint.group(1),
    ), hint.group(1)
    assert "moment" not in refused.err
    if as_json:
        error = json.loads(refused.out)["error"]
        assert error["code"] == "rate_limited"
        assert 23 * 3600 <= error["retry_after"] <= 24 * 3600
