"""The command line against a real reference service: register, credit, token,
charge, confirm, cancel, transfer, history; exit codes, JSON, and no secret shown."""

from __future__ import annotations

import getpass
import itertools
import json
from decimal import Decimal
from typing import Any

import pytest

from tests.cli.conftest import Runner, assert_no_secret

_numbers = itertools.count()
PASSWORD = "service-password-1"


def new_email(name: str) -> str:
    """A fresh address per test: the service is shared by the module."""
    return f"{name}-{next(_numbers)}@example.com"


def register(cli: Runner, service: Any, email: str, password: str = PASSWORD) -> None:
    cli.main("register", email, "--url", service.url, "--password-stdin", stdin=password + "\n")
    # a second run would fail; the first must have worked
    assert cli.main("register", email, "--url", service.url, "--no-save").code == 1


def as_user(service: Any, email: str, password: str = PASSWORD) -> dict[str, str]:
    """The environment of a command run as `email`."""
    return {
        "SYFTBOX_ACCOUNTING_EMAIL": email,
        "SYFTBOX_ACCOUNTING_PASSWORD": password,
        "SYFTBOX_ACCOUNTING_URL": service.url,
    }


def admin_env(service: Any) -> dict[str, str]:
    return {
        "SYFTBOX_ACCOUNTING_ADMIN_KEY": service.admin_key,
        "SYFTBOX_ACCOUNTING_URL": service.url,
    }


def test_register_with_a_generated_password(cli: Runner, service: Any) -> None:
    email = new_email("payer")
    result = cli.subprocess(
        "register", email, "--url", service.url, "--organization", "OpenMined", "--json"
    ).assert_ok()
    document = json.loads(result.out)
    assert document["email"] == email
    assert document["password_generated"] is True
    assert document["organization"] == "OpenMined"
    assert document["saved"] is False
    password = document["password"]
    assert len(password) >= 8
    # not saved without consent; the hint says how
    assert not (cli.home / ".syftbox" / "accounting.json").exists()
    assert "login" in result.err
    # the generated password works
    cli.main("balance", env=as_user(service, email, password)).assert_ok()


def test_register_shows_the_generated_password_once_and_saves_with_save(
    cli: Runner, service: Any
) -> None:
    email = new_email("payer")
    result = cli.subprocess("register", email, "--url", service.url, "--save").assert_ok()
    assert "Generated password (shown only this once" in result.out
    password = result.out.split("recovered):")[1].split()[0]
    assert result.out.count(password) == 1
    assert (cli.home / ".syftbox" / "accounting.json").exists()
    saved = (cli.home / ".syftbox" / "accounting.json").read_text()
    assert password not in saved
    # the saved credentials are found by the next command
    balance = cli.subprocess("--json", "balance").assert_ok()
    assert json.loads(balance.out) == {
        "email": email,
        "balance": 100,
        "available_balance": 100,
        "held_balance": 0,
        "currency": "USD",
    }
    assert_no_secret(balance, password)


def test_register_an_existing_account_is_a_service_failure(cli: Runner, service: Any) -> None:
    email = new_email("dup")
    register(cli, service, email)
    result = cli.main(
        "register", email, "--url", service.url, "--password-stdin", stdin=PASSWORD + "\n"
    )
    error, hint = result.assert_error(1)
    assert "already exists" in error
    assert "login" in hint
    assert_no_secret(result, PASSWORD)


def test_register_with_a_short_password_is_a_usage_error(cli: Runner, service: Any) -> None:
    result = cli.main(
        "register", new_email("x"), "--url", service.url, "--password-stdin", stdin="k9#Zq\n"
    )
    error, _ = result.assert_error(2)
    assert "too short" in error
    assert_no_secret(result, "k9#Zq")


def test_the_payment_flow_through_the_entry_point(cli: Runner, service: Any) -> None:
    payer, svc = new_email("payer"), new_email("svc")
    register(cli, service, payer)
    register(cli, service, svc)

    credit = cli.subprocess(
        "admin", "add-balance", payer, "0.1", "--json", env=admin_env(service)
    ).assert_ok()
    assert json.loads(credit.out, parse_float=Decimal)["user"]["balance"] == Decimal("100.1")
    assert '"balance": 100.1' in credit.out  # exact, no float noise
    assert_no_secret(credit, service.admin_key)

    made = cli.subprocess("--json", "token", svc, env=as_user(service, payer)).assert_ok()
    token = json.loads(made.out)["token"]
    assert_no_secret(made, PASSWORD)

    charged = cli.subprocess(
        "charge",
        payer,
        "1.25",
        "--email",
        svc,
        "--password-stdin",
        "--token-stdin",
        "--app-name",
        "summarizer",
        "--json",
        env={"SYFTBOX_ACCOUNTING_URL": service.url},
        stdin=f"{PASSWORD}\n{token}\n",
    ).assert_ok()
    tx = json.loads(charged.out)
    assert tx["status"] == "PENDING"
    assert tx["app_name"] == "summarizer"
    assert '"amount": 1.25' in charged.out
    assert_no_secret(charged, PASSWORD, token)

    confirmed = cli.subprocess("confirm", tx["id"], env=as_user(service, svc)).assert_ok()
    assert "Confirmed" in confirmed.out
    assert "COMPLETED" in confirmed.out

    again = cli.subprocess("confirm", tx["id"], env=as_user(service, svc))
    error, _ = again.assert_error(1)
    assert "already" in error

    # the spent token is refused, and never echoed
    reused = cli.main(
        "charge", payer, "1", env=as_user(service, svc) | {"SYFTBOX_ACCOUNTING_TOKEN": token}
    )
    error, _ = reused.assert_error(1)
    assert "already used" in error
    assert_no_secret(reused, token, PASSWORD)

    balance = cli.subprocess("--json", "balance", env=as_user(service, payer)).assert_ok()
    assert json.loads(balance.out, parse_float=Decimal)["balance"] == Decimal("98.85")


def test_charge_then_cancel(cli: Runner, service: Any) -> None:
    payer, svc = new_email("payer"), new_email("svc")
    register(cli, service, payer)
    register(cli, service, svc)
    token = cli.main("token", svc, env=as_user(service, payer)).assert_ok().out.strip()
    charged = cli.main(
        "charge", payer, "2", "--token-stdin", env=as_user(service, svc), stdin=token + "\n"
    ).assert_ok()
    assert "PENDING" in charged.out
    assert "syftbox-accounting confirm" in charged.out
    tx_id = charged.out.split("  id")[1].split()[0]
    cancelled = cli.main("--json", "cancel", tx_id, env=as_user(service, svc)).assert_ok()
    assert json.loads(cancelled.out)["status"] == "CANCELLED"
    balance = cli.main("balance", env=as_user(service, payer)).assert_ok()
    assert balance.out.strip() == "$100.00"


def test_charge_and_confirm_at_once(cli: Runner, service: Any) -> None:
    payer, svc = new_email("payer"), new_email("svc")
    register(cli, service, payer)
    register(cli, service, svc)
    token = json.loads(cli.main("token", svc, "--json", env=as_user(service, payer)).out)["token"]
    env = as_user(service, svc) | {"SYFTBOX_ACCOUNTING_TOKEN": token}
    done = cli.main("charge", payer, "0.000001", "--confirm", "--json", env=env).assert_ok()
    assert json.loads(done.out)["status"] == "COMPLETED"
    assert '"amount": 0.000001' in done.out


def test_charge_more_than_the_balance_is_a_service_failure(cli: Runner, service: Any) -> None:
    payer, svc = new_email("payer"), new_email("svc")
    register(cli, service, payer)
    register(cli, service, svc)
    token = cli.main("token", svc, env=as_user(service, payer)).out.strip()
    env = as_user(service, svc) | {"SYFTBOX_ACCOUNTING_TOKEN": token}
    result = cli.main("charge", payer, "500", env=env)
    error, hint = result.assert_error(1)
    assert "Insufficient funds" in error
    assert "Add funds" in hint
    assert_no_secret(result, token, PASSWORD)


def test_transfer_history_and_insufficient_funds(cli: Runner, service: Any) -> None:
    payer, friend = new_email("payer"), new_email("friend")
    register(cli, service, payer)
    register(cli, service, friend)
    env = as_user(service, payer)
    paid = cli.subprocess("transfer", friend, "2.50", "--json", env=env).assert_ok()
    assert json.loads(paid.out)["status"] == "COMPLETED"
    cli.main("transfer", friend, "0.25", env=env).assert_ok()

    broke = cli.subprocess("transfer", friend, "1000", env=env)
    error, _ = broke.assert_error(1)
    assert "Insufficient funds" in error

    bad = cli.subprocess("transfer", friend, "ten", env=env)
    bad.assert_error(2)

    history = cli.subprocess("--json", "history", env=env).assert_ok()
    document = json.loads(history.out, parse_float=Decimal)
    assert document["more"] is False
    assert [t["amount"] for t in document["transactions"]] == [Decimal("0.25"), Decimal("2.5")]

    table = cli.main("history", "--limit", "1", env=env).assert_ok()
    lines = table.out.strip().splitlines()
    assert lines[0].split() == ["CREATED", "(UTC)", "STATUS", "AMOUNT", "WITH", "ID"]
    assert "-$0.25" in lines[1]
    assert f"to {friend}" in lines[1]
    assert "the newest 1" in lines[2]
    assert "--all" in lines[2]

    received = cli.main("history", env=as_user(service, friend)).assert_ok()
    assert "+$2.50" in received.out
    assert f"from {payer}" in received.out


def test_a_wrong_password_is_an_authentication_error(cli: Runner, service: Any) -> None:
    email = new_email("payer")
    register(cli, service, email)
    result = cli.subprocess(
        "balance",
        "--email",
        email,
        "--url",
        service.url,
        "--password-stdin",
        stdin="wrong-password-xyz\n",
    )
    error, hint = result.assert_error(3)
    assert "Invalid email or password" in error
    assert "login" in hint
    assert_no_secret(result, "wrong-password-xyz")

    status = cli.main("status", "--json", env=as_user(service, email, "wrong-password-xyz"))
    assert status.code == 3
    assert json.loads(status.out)["credentials"] == "invalid"
    assert_no_secret(status, "wrong-password-xyz")


def test_status(cli: Runner, service: Any) -> None:
    email = new_email("payer")
    register(cli, service, email)
    text = cli.main("status", env=as_user(service, email)).assert_ok()
    assert "SyftBox accounting" in text.out
    assert email in text.out
    assert "$100.00" in text.out
    document = json.loads(cli.main("status", "--json", env=as_user(service, email)).out)
    assert document == {
        "configured": True,
        "email": email,
        "url": service.url,
        "source": "environment",
        "credential": "password",
        "saved_in": None,
        "credentials": "valid",
        "balance": 100,
        "available_balance": 100,
    }
    assert_no_secret(text, PASSWORD)


def test_admin_commands(cli: Runner, service: Any) -> None:
    email = new_email("looked-up")
    register(cli, service, email)
    user = cli.main("admin", "get-user", email, "--json", env=admin_env(service)).assert_ok()
    assert json.loads(user.out)["user"]["email"] == email
    listed = cli.subprocess(
        "admin",
        "list-users",
        "--url",
        service.url,
        "--admin-key-stdin",
        stdin=service.admin_key + "\n",
    ).assert_ok()
    assert email in listed.out
    assert listed.out.splitlines()[0].split() == ["EMAIL", "BALANCE", "ORGANIZATION", "ID"]
    assert_no_secret(listed, service.admin_key)

    missing = cli.main("admin", "get-user", "nobody@example.com", env=admin_env(service))
    missing.assert_error(1)

    wrong = cli.subprocess(
        "admin",
        "list-users",
        env={
            "SYFTBOX_ACCOUNTING_ADMIN_KEY": "not-the-key-123",
            "SYFTBOX_ACCOUNTING_URL": service.url,
        },
    )
    _, hint = wrong.assert_error(3)
    assert "admin key" in hint
    assert_no_secret(wrong, "not-the-key-123")

    bad = cli.main("admin", "add-balance", email, "-5", env=admin_env(service))
    bad.assert_error(2)


def test_json_errors_are_a_document_on_stdout(cli: Runner, service: Any) -> None:
    result = cli.main(
        "--json", "confirm", "no-such-transaction", env=as_user(service, "x@example.com")
    )
    result.assert_error(3)
    document = json.loads(result.out)["error"]
    assert document["exit_code"] == 3
    assert document["code"] == "invalid_credentials"
    assert document["status_code"] == 401


# -- login: saving only with consent


def test_login_without_consent_verifies_and_does_not_save(cli: Runner, service: Any) -> None:
    email = new_email("login")
    register(cli, service, email)
    result = cli.subprocess(
        "login", email, "--url", service.url, "--password-stdin", stdin=PASSWORD + "\n"
    ).assert_ok()
    assert "Logged in" in result.out
    assert "not saved" in result.out
    assert "--save" in result.err
    assert not (cli.home / ".syftbox" / "accounting.json").exists()
    assert_no_secret(result, PASSWORD)


def test_login_with_save_then_commands_use_the_saved_credentials(cli: Runner, service: Any) -> None:
    email = new_email("login")
    register(cli, service, email)
    saved = cli.subprocess(
        "login",
        email,
        "--url",
        service.url,
        "--password-stdin",
        "--save",
        "--json",
        stdin=PASSWORD + "\n",
    ).assert_ok()
    document = json.loads(saved.out)
    assert document["saved"] is True
    assert PASSWORD not in (cli.home / ".syftbox" / "accounting.json").read_text()
    status = cli.subprocess("--json", "status").assert_ok()
    assert json.loads(status.out)["email"] == email
    assert_no_secret(status, PASSWORD)


def test_login_with_a_wrong_password_is_3_and_saves_nothing(cli: Runner, service: Any) -> None:
    email = new_email("login")
    register(cli, service, email)
    result = cli.main(
        "login", email, "--url", service.url, "--password-stdin", "--save", stdin="nope-nope-1\n"
    )
    result.assert_error(3)
    assert not (cli.home / ".syftbox" / "accounting.json").exists()


@pytest.mark.parametrize(("answer", "saved"), [("y\n", True), ("n\n", False), ("", False)])
def test_login_in_a_terminal_asks_before_saving(
    cli: Runner, service: Any, monkeypatch: pytest.MonkeyPatch, answer: str, saved: bool
) -> None:
    email = new_email("tty")
    register(cli, service, email)
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": PASSWORD)
    result = cli.main("login", email, "--url", service.url, stdin=answer, tty=True).assert_ok()
    assert "[y/N]" in result.err
    assert (cli.home / ".syftbox" / "accounting.json").exists() is saved
    assert_no_secret(result, PASSWORD)


def test_register_in_a_terminal_lets_the_service_generate(
    cli: Runner, service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": "")
    email = new_email("tty")
    result = cli.main("register", email, "--url", service.url, stdin="n\n", tty=True).assert_ok()
    assert "Generated password" in result.out
    assert "[y/N]" in result.err
    assert not (cli.home / ".syftbox" / "accounting.json").exists()


def test_register_in_a_terminal_with_a_chosen_password(
    cli: Runner, service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": "chosen-password-1")
    email = new_email("tty")
    result = cli.main("register", email, "--url", service.url, stdin="y\n", tty=True).assert_ok()
    assert "Generated password" not in result.out
    assert (cli.home / ".syftbox" / "accounting.json").exists()
    assert_no_secret(result, "chosen-password-1")
    cli.main("balance").assert_ok()


def test_a_prompted_password(cli: Runner, service: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    email = new_email("tty")
    register(cli, service, email)
    prompts: list[str] = []

    def answer(prompt: str = "") -> str:
        prompts.append(prompt)
        return PASSWORD

    monkeypatch.setattr(getpass, "getpass", answer)
    result = cli.main("balance", "--email", email, "--url", service.url, tty=True).assert_ok()
    assert prompts == [f"Password for {email} at {service.url}: "]
    assert result.out.strip() == "$100.00"


def test_register_with_json_never_asks_before_printing_the_password(
    cli: Runner, service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": "")
    email = new_email("tty")
    result = cli.main("register", email, "--url", service.url, "--json", stdin="y\n", tty=True)
    result.assert_ok()
    assert "[y/N]" not in result.err
    assert json.loads(result.out)["saved"] is False
    assert not (cli.home / ".syftbox" / "accounting.json").exists()


def test_history_filters_streaming_lookup_and_usage(cli: Runner, service: Any) -> None:
    payer, friend, other = new_email("payer"), new_email("friend"), new_email("other")
    for email in (payer, friend, other):
        register(cli, service, email)
    env = as_user(service, payer)
    for amount in ("1", "2", "3"):
        cli.main("transfer", friend, amount, env=env).assert_ok()
    cli.main("transfer", other, "4", env=env).assert_ok()

    # --with and --status are asked of the service
    with_friend = cli.main("--json", "history", "--with", friend, "--limit", "2", env=env)
    document = json.loads(with_friend.assert_ok().out, parse_float=Decimal)
    assert [t["amount"] for t in document["transactions"]] == [Decimal(3), Decimal(2)]
    assert document["more"] is True
    pending = cli.main("--json", "history", "--status", "pending", env=env).assert_ok()
    assert json.loads(pending.out)["transactions"] == []

    # --all streams: one JSON document, or one line per transaction
    everything = cli.main("--json", "history", "--all", env=env).assert_ok()
    streamed = json.loads(everything.out, parse_float=Decimal)
    assert [t["amount"] for t in streamed["transactions"]] == [
        Decimal(4),
        Decimal(3),
        Decimal(2),
        Decimal(1),
    ]
    assert streamed["email"] == payer
    lines = cli.main("history", "--all", "--jsonl", env=env).assert_ok().out.splitlines()
    assert [json.loads(line)["amount"] for line in lines] == [4, 3, 2, 1]
    text = cli.main("history", "--all", env=env).assert_ok().out.splitlines()
    assert text[0].split()[:3] == ["CREATED", "(UTC)", "STATUS"]
    assert text[-1] == "(4 transactions)"
    future = cli.main("history", "--all", "--since", "2999-01-01", env=env).assert_ok()
    assert future.out.strip() == "No transactions."

    # show TX_ID
    newest = streamed["transactions"][0]["id"]
    shown = cli.main("--json", "show", newest, env=env).assert_ok()
    assert json.loads(shown.out)["id"] == newest
    missing = cli.main("show", "no-such-transaction", env=env)
    error, _ = missing.assert_error(1)
    assert "no-such-transaction" in error

    # usage: counted by the service, exactly
    summary = json.loads(cli.main("--json", "usage", env=env).assert_ok().out, parse_float=Decimal)[
        "usage"
    ]
    assert summary["transaction_count"] == 4
    assert summary["total_spent"] == Decimal(10)
    assert summary["pending_count"] == 0
    words = cli.main("usage", "--since", "2000-01-01", env=env).assert_ok().out
    assert "spent" in words
    assert "$10.00" in words
    bad = cli.main("usage", "--since", "yesterday", env=env)
    error, _ = bad.assert_error(2)
    assert "yesterday" in error


def test_errors_speak_of_commands_and_details_wait_for_verbose(cli: Runner, service: Any) -> None:
    email = new_email("payer")
    register(cli, service, email)
    wrong = as_user(service, email, "wrong-password-xyz")
    error, hint = cli.main("balance", env=wrong).assert_error(3)
    assert "get_account_balance" not in error
    assert "[GET" not in error
    assert "HTTP 401" not in error
    assert "login" in hint
    verbose = cli.main("-v", "balance", env=wrong)
    assert verbose.code == 3
    assert "GET /user/my-info -> HTTP 401" in verbose.err
    assert "request id req_" in verbose.err
    status = cli.main("status", env=wrong)
    assert "credentials refused" in status.out
    assert "client.accounting_client" not in status.out  # no Python in a terminal command
    assert_no_secret(status, "wrong-password-xyz")
