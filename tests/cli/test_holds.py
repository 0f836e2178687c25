"""The command line's side of holds: a charge that holds the payer's money for a while,
a confirmation that captures less, refunds, and the available balance."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from syftbox_accounting import AdminClient
from tests.cli.conftest import Runner, assert_no_secret
from tests.cli.test_flow import PASSWORD, as_user, new_email, register


def _held_charge(cli: Runner, service: Any, amount: str = "5") -> tuple[str, str, str]:
    """A payer, a service, and a pending charge of `amount` held for 30 minutes."""
    payer, svc = new_email("payer"), new_email("svc")
    register(cli, service, payer)
    register(cli, service, svc)
    token = cli.main("token", svc, env=as_user(service, payer)).assert_ok().out.strip()
    env = as_user(service, svc) | {"SYFTBOX_ACCOUNTING_TOKEN": token}
    charged = cli.main("--json", "charge", payer, amount, "--hold-for", "30m", env=env)
    tx = json.loads(charged.assert_ok().out, parse_float=Decimal)
    assert tx["status"] == "PENDING"
    assert tx["authorized_amount"] == Decimal(amount)
    assert_no_secret(charged, token, PASSWORD)
    return payer, svc, tx["id"]


def test_a_held_charge_shows_in_the_payers_balance_and_status(cli: Runner, service: Any) -> None:
    payer, _, _ = _held_charge(cli, service)
    text = cli.main("balance", env=as_user(service, payer)).assert_ok().out.splitlines()
    assert text == ["$100.00", "$95.00 available; $5.00 held by pending transactions"]
    doc = json.loads(cli.main("--json", "balance", env=as_user(service, payer)).out)
    assert (doc["balance"], doc["available_balance"], doc["held_balance"]) == (100, 95, 5)
    status = cli.main("status", env=as_user(service, payer)).assert_ok().out
    assert "Available" in status
    assert "$95.00 ($5.00 held by pending transactions)" in status


def test_a_balance_with_nothing_held_says_only_the_balance(cli: Runner, service: Any) -> None:
    payer = new_email("payer")
    register(cli, service, payer)
    assert cli.main("balance", env=as_user(service, payer)).out.splitlines() == ["$100.00"]
    assert "Available" not in cli.main("status", env=as_user(service, payer)).out


def test_confirm_captures_less_and_says_what_was_released(cli: Runner, service: Any) -> None:
    payer, svc, tx_id = _held_charge(cli, service)
    done = cli.main("confirm", tx_id, "--amount", "1.23", env=as_user(service, svc)).assert_ok()
    assert "Confirmed: $1.23 from" in done.out
    assert "$3.77 of the $5.00 held was released." in done.out
    assert "held" in done.out
    balance = json.loads(cli.main("--json", "balance", env=as_user(service, payer)).out)
    assert balance["balance"] == balance["available_balance"] == 98.77


def test_a_capture_above_the_hold_is_refused(cli: Runner, service: Any) -> None:
    _, svc, tx_id = _held_charge(cli, service, "0.25")
    result = cli.main("confirm", tx_id, "--amount", "0.30", env=as_user(service, svc))
    error, hint = result.assert_error(1)
    assert "it holds $0.25" in error
    assert "Capture at most" in hint


def test_refund_part_then_the_rest_then_nothing(cli: Runner, service: Any) -> None:
    payer, svc = new_email("payer"), new_email("svc")
    register(cli, service, payer)
    register(cli, service, svc)
    paid = cli.main("--json", "transfer", svc, "10", env=as_user(service, payer)).assert_ok()
    tx_id = json.loads(paid.out)["id"]
    env = as_user(service, svc)
    first = cli.main("refund", tx_id, "--amount", "3", "--reason", "partial outage", env=env)
    assert f"Refunded $3.00 to {payer} (payment {tx_id})." in first.assert_ok().out
    assert "partial outage" in first.out
    rest = json.loads(cli.main("--json", "refund", tx_id, env=env).assert_ok().out)
    assert (rest["amount"], rest["refund_of"]) == (7, tx_id)
    error, hint = cli.main("refund", tx_id, "--amount", "1", env=env).assert_error(1)
    assert "nothing is left to refund" in error
    assert "Refund at most" in hint
    balance = json.loads(cli.main("--json", "balance", env=as_user(service, payer)).out)
    assert balance["balance"] == 100  # paid 10, given back 3 + 7
    # `usage` says so in words too, as its JSON does; an account without refunds has none.
    assert "refunds received  $10.00" in cli.main("usage", env=as_user(service, payer)).out
    given = cli.main("usage", env=env).out
    assert "refunds given  $10.00" in given
    assert "refunds received" not in given


def test_only_the_recipient_refunds(cli: Runner, service: Any) -> None:
    payer, svc = new_email("payer"), new_email("svc")
    register(cli, service, payer)
    register(cli, service, svc)
    paid = cli.main("--json", "transfer", svc, "2", env=as_user(service, payer)).assert_ok()
    tx_id = json.loads(paid.out)["id"]
    error, _ = cli.main("refund", tx_id, env=as_user(service, payer)).assert_error(3)
    assert "Only the recipient" in error
    # The operator may, with the library's AdminClient (the CLI has no admin refund).
    balance = json.loads(cli.main("--json", "balance", env=as_user(service, svc)).out)
    assert balance["balance"] == 102  # nothing was given back


def test_bad_hold_and_amounts_are_refused_before_anything_is_sent(
    cli: Runner, service: Any
) -> None:
    svc = new_email("svc")
    register(cli, service, svc)
    env = as_user(service, svc) | {"SYFTBOX_ACCOUNTING_TOKEN": "t.o.k"}
    for args in (
        ("charge", "payer@example.com", "1", "--hold-for", "forever"),
        ("charge", "payer@example.com", "1", "--hold-for", "2d"),
        ("confirm", "tx-1", "--amount", "0"),
        ("confirm", "tx-1", "--amount", "1.0000001"),
        ("refund", "tx-1", "--amount", "-3"),
    ):
        result = cli.main(*args, env=env)
        assert result.code == 2, (args, result)
        assert "Traceback" not in result.output
    result = cli.main("charge", "payer@example.com", "1", "--hold-for", "25h", env=env)
    error, _ = result.assert_error(2)
    assert "hold" in error


def test_confirm_with_an_amount_of_zero_says_to_cancel(cli: Runner, service: Any) -> None:
    # Tried as a new user would: capturing nothing is cancelling, and the error says
    # so in the command line's words; the charge stays pending, holding the money.
    payer, svc, tx_id = _held_charge(cli, service)
    for zero, negative in (("0", "-1"), ("0.000", "-0.25")):
        error, _ = cli.main(
            "confirm", tx_id, "--amount", zero, env=as_user(service, svc)
        ).assert_error(2)
        assert f"--amount {zero} captures nothing" in error
        assert f"syftbox-accounting cancel {tx_id}" in error
        assert "cancel_transaction" not in error
        error, _ = cli.main(
            "confirm", tx_id, "--amount", negative, env=as_user(service, svc)
        ).assert_error(2)
        assert f"got {negative}" in error
        assert "syftbox-accounting refund" in error
        assert "refund_transaction" not in error
    doc = json.loads(cli.main("--json", "balance", env=as_user(service, payer)).out)
    assert doc["held_balance"] == 5


def test_history_shows_a_refund_as_money_out_of_who_refunded_it(cli: Runner, service: Any) -> None:
    # Tried as a new user would: the operator refunded a payment, and the service's
    # `history` read "+$3.00 credit"; the payer's did not say it was a refund.
    payer, svc, tx_id = _held_charge(cli, service)
    cli.main("confirm", tx_id, env=as_user(service, svc)).assert_ok()
    with AdminClient(service.url, service.admin_key) as admin:
        admin.refund_transaction(tx_id, amount=3)  # by SYSTEM, from svc to payer
    for who, sign, other in ((svc, "-$3.00", f"to {payer}"), (payer, "+$3.00", f"from {svc}")):
        out = cli.main("history", "--limit", "1", env=as_user(service, who)).assert_ok().out
        row = out.splitlines()[1]
        assert f"{sign}  {other} (refund)" in row, out
        streamed = cli.main("history", "--all", env=as_user(service, who)).assert_ok().out
        assert f"{sign}  {other} (refund)" in streamed.splitlines()[1], streamed
