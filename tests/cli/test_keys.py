"""`keys create|list|revoke`, and `login` saving an API key instead of the password
(in the OS keyring when there is one: an in-process backend here, never the machine's),
and `status` saying where the secret is kept."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import keyring
import pytest
from keyring.backends import fail

from syftbox_accounting import credentials as creds
from syftbox_accounting.accounting import AccountingClient
from syftbox_accounting.server import request_log
from tests.cli.conftest import Runner, assert_no_secret
from tests.facade.test_keyring import MemoryKeyring

_numbers = itertools.count()
PASSWORD = "keys-password-1"


def _account(cli: Runner, service: Any) -> tuple[str, dict[str, str]]:
    email = f"keys-{next(_numbers)}@example.com"
    cli.main("register", email, "--url", service.url, "--password-stdin", "--no-save",
             stdin=PASSWORD + "\n").assert_ok()  # fmt: skip
    env = {
        "SYFTBOX_ACCOUNTING_EMAIL": email,
        "SYFTBOX_ACCOUNTING_PASSWORD": PASSWORD,
        "SYFTBOX_ACCOUNTING_URL": service.url,
    }
    return email, env


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(fail.Keyring())


def test_a_key_name_with_control_characters_is_listed_escaped(cli: Runner, service: Any) -> None:
    # The service keeps a name as given (the contract does not restrict it): a key made
    # by another client may be named to rewrite the terminal. `keys list` shows it escaped.
    email, env = _account(cli, service)
    name = "\x1b[31mred\x00 x\u202eevil \x9b31m"
    made = httpx.post(
        f"{service.url}/api-key/create",
        json={"name": name, "scopes": ["read"]},
        auth=(email, PASSWORD),
    )
    assert made.status_code == 200, made.text
    raw = ("\x1b", "\x00", "\u202e", "\x9b")
    for args, shown in (
        (("keys", "list"), "\\x1b[31mred\\x00 x\\u202eevil \\x9b31m"),
        (("--json", "keys", "list"), "\\u001b[31mred\\u0000 x\\u202eevil \\u009b31m"),
    ):
        listed = cli.main(*args, env=env).assert_ok()
        assert not any(c in listed.output for c in raw), listed
        assert shown in listed.out
    # The JSON is escaped, not altered: it reads back as given.
    document = json.loads(cli.main("--json", "keys", "list", env=env).assert_ok().out)
    assert [k["name"] for k in document["api_keys"]] == [name]


def test_create_list_revoke(cli: Runner, service: Any) -> None:
    _, env = _account(cli, service)
    made = cli.main(
        "--json", "keys", "create", "ci", "--scope", "read,pay", "--max-spend", "5",
        "--expires", "7d", env=env,
    ).assert_ok()  # fmt: skip
    document = json.loads(made.out)
    secret, key = document["secret"], document["api_key"]
    assert secret.startswith("sbk_")
    assert key["scopes"] == ["read", "pay"]
    assert key["max_spend"] == 5
    listed = cli.main("keys", "list", env=env).assert_ok()
    assert key["id"] in listed.out
    assert "read,pay" in listed.out
    assert "$0.00 of $5.00" in listed.out
    assert_no_secret(listed, secret, PASSWORD)
    # The key works as SYFTBOX_ACCOUNTING_API_KEY, within its scopes.
    keyed = {"SYFTBOX_ACCOUNTING_API_KEY": secret, "SYFTBOX_ACCOUNTING_URL": service.url}
    assert cli.main("balance", env=keyed).assert_ok().out.strip() == "$100.00"
    refused = cli.main("keys", "list", env=keyed)
    error, _hint = refused.assert_error(3)
    assert "'keys'" in error
    assert_no_secret(refused, secret)
    revoked = cli.main("keys", "revoke", key["id"], env=env).assert_ok()
    assert f"Revoked {key['id']}" in revoked.out
    error, _ = cli.main("balance", env=keyed).assert_error(3)
    assert "revoked" in error


def test_a_key_of_another_account_than_the_email_is_refused(cli: Runner, service: Any) -> None:
    # Tried as a new user would: one account's email beside another account's key.
    _, env = _account(cli, service)
    other, _ = _account(cli, service)
    payee, _ = _account(cli, service)
    cli.main("transfer", payee, "1", "--yes", env=env).assert_ok()
    made = cli.main("--json", "keys", "create", "ci", "--scope", "read", env=env).assert_ok()
    secret = json.loads(made.out)["secret"]
    mixed = {
        "SYFTBOX_ACCOUNTING_API_KEY": secret,
        "SYFTBOX_ACCOUNTING_EMAIL": other,
        "SYFTBOX_ACCOUNTING_URL": service.url,
    }
    for command in (["balance"], ["--json", "history", "--limit", "1"]):
        refused = cli.main(*command, env=mixed)
        assert refused.code == 3, refused
        assert other in refused.output
        assert "leave the email out" in refused.output
        assert_no_secret(refused, secret)


def test_list_shows_what_a_key_without_a_cap_spent(cli: Runner, service: Any) -> None:
    _, env = _account(cli, service)
    payee, _ = _account(cli, service)
    made = cli.main("--json", "keys", "create", "ci", "--scope", "read,pay", env=env)
    document = json.loads(made.assert_ok().out)
    keyed = {
        "SYFTBOX_ACCOUNTING_API_KEY": document["secret"],
        "SYFTBOX_ACCOUNTING_URL": service.url,
    }
    cli.main("transfer", payee, "1.25", "--yes", env=keyed).assert_ok()
    listed = cli.main("keys", "list", env=env).assert_ok()
    (row,) = [line for line in listed.out.splitlines() if document["api_key"]["id"] in line]
    assert row.rstrip().endswith("$1.25")  # not "-", as if it had spent nothing


def test_list_shows_when_each_key_was_last_used(cli: Runner, service: Any) -> None:
    # Tried as a new user would: which of my keys are still in use? The service lists
    # lastUsedAt; the table showed it only with --json.
    _, env = _account(cli, service)
    made = [json.loads(cli.main("--json", "keys", "create", name, "--scope", "read",
                                env=env).assert_ok().out) for name in ("used", "idle")]  # fmt: skip
    keyed = {"SYFTBOX_ACCOUNTING_API_KEY": made[0]["secret"], "SYFTBOX_ACCOUNTING_URL": service.url}
    cli.main("balance", env=keyed).assert_ok()
    listed = cli.main("keys", "list", env=env).assert_ok()
    header = listed.out.splitlines()[0]
    assert "LAST USED" in header
    rows = {d["api_key"]["id"]: next(line for line in listed.out.splitlines()
                                     if d["api_key"]["id"] in line) for d in made}  # fmt: skip
    used, idle = (rows[d["api_key"]["id"]] for d in made)
    column = header.index("LAST USED")
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", used[column:]), used
    assert idle[column:].startswith("never")


@pytest.mark.parametrize("value", ["sbk_short", "correct-horse-battery"])
def test_a_malformed_key_in_the_environment_names_the_variable(cli: Runner, value: str) -> None:
    env = {"SYFTBOX_ACCOUNTING_API_KEY": value, "SYFTBOX_ACCOUNTING_URL": "http://127.0.0.1:9"}
    result = cli.main("balance", env=env)
    error, hint = result.assert_error(3)  # wrong credentials, before any request
    assert "SYFTBOX_ACCOUNTING_API_KEY" in error
    assert "api_key" not in error  # the library's parameter
    assert "password=" not in error
    assert "keys create" in hint
    assert_no_secret(result, value)


def test_revoking_an_unknown_key_points_at_the_key_list(cli: Runner, service: Any) -> None:
    _, env = _account(cli, service)
    error, hint = cli.main("keys", "revoke", "key_nosuchkey", env=env).assert_error(1)
    assert "key_nosuchkey" in error
    assert "keys list" in hint  # not advice about an email
    assert "email" not in hint


def test_revoking_by_a_keys_secret_says_so_without_echoing_it(cli: Runner, service: Any) -> None:
    _, env = _account(cli, service)
    made = json.loads(cli.main("--json", "keys", "create", "x", "--scope", "read", env=env).out)
    secret = made["secret"]
    refused = cli.main("keys", "revoke", secret, env=env)
    error, hint = refused.assert_error(2)
    assert "secret" in error
    assert made["api_key"]["hint"] in error + hint
    assert_no_secret(refused, secret)
    listed = json.loads(cli.main("--json", "keys", "list", env=env).out)["api_keys"]
    assert [k["active"] for k in listed] == [True]
    for command in ("show", "confirm", "cancel"):  # nor where a transaction id belongs
        pasted = cli.main(command, secret, env=env)
        _, hint = pasted.assert_error(2)
        assert "keys list" in hint
        assert_no_secret(pasted, secret)


def test_a_key_given_as_the_password_is_refused_before_sending(cli: Runner, service: Any) -> None:
    email, env = _account(cli, service)
    secret = json.loads(cli.main("--json", "keys", "create", "x", "--scope", "read", env=env).out)[
        "secret"
    ]
    refused = cli.main("login", email, "--url", service.url, "--password-stdin",
                       stdin=secret + "\n")  # fmt: skip
    error, hint = refused.assert_error(2)
    assert "is an API key" in error
    assert "SYFTBOX_ACCOUNTING_API_KEY" in hint
    assert "api_key=" not in refused.output
    assert_no_secret(refused, secret)


def test_create_asks_for_real_scopes(cli: Runner, service: Any) -> None:
    _, env = _account(cli, service)
    result = cli.main("keys", "create", "x", "--scope", "everything", env=env)
    result.assert_error(2)


def test_login_saves_a_key_in_the_keyring_and_status_says_so(
    cli: Runner, service: Any, memory: MemoryKeyring
) -> None:
    email, _ = _account(cli, service)
    saved = cli.main(
        "--json", "login", email, "--url", service.url, "--password-stdin", "--save",
        stdin=PASSWORD + "\n",
    ).assert_ok()  # fmt: skip
    document = json.loads(saved.out)
    assert document["saved_credential"] == "api_key"
    stored = "\n".join(memory.entries.values())
    assert "sbk_" in stored
    assert PASSWORD not in stored
    assert PASSWORD not in creds.config_path().read_text()
    assert "sbk_" not in creds.config_path().read_text()
    text = cli.main("login", email, "--url", service.url, "--password-stdin", "--save",
                    stdin=PASSWORD + "\n").assert_ok()  # fmt: skip
    assert "Saved a new API key" in text.out
    assert "OS keyring" in text.out
    assert "not the password" in text.out
    status = cli.main("status").assert_ok()
    assert "an API key, saved in the OS keyring" in status.out
    assert json.loads(cli.main("--json", "status").out)["saved_in"] == "keyring"
    assert cli.main("balance").assert_ok().out.strip() == "$100.00"
    assert_no_secret(status, PASSWORD, *list(memory.entries.values()))


def test_login_without_a_keyring_saves_the_key_encrypted(cli: Runner, service: Any) -> None:
    email, _ = _account(cli, service)
    cli.main("login", email, "--url", service.url, "--password-stdin", "--save",
             stdin=PASSWORD + "\n").assert_ok()  # fmt: skip
    found = creds.load()
    assert (found.saved_in, found.password) == ("file", None)
    assert found.api_key is not None
    status = cli.main("status").assert_ok()
    assert "saved in the encrypted file" in status.out


def test_revoking_the_key_in_use_says_so_and_what_to_do_next(cli: Runner, service: Any) -> None:
    # Tried as a new user would: `login --save`, then `keys revoke` of the key it saved.
    email, env = _account(cli, service)
    cli.main("login", email, "--url", service.url, "--password-stdin", "--save",
             stdin=PASSWORD + "\n").assert_ok()  # fmt: skip
    (saved,) = json.loads(cli.main("--json", "keys", "list").assert_ok().out)["api_keys"]
    revoked = cli.main("keys", "revoke", saved["id"]).assert_ok()
    assert f"Revoked {saved['id']}" in revoked.out
    assert "the API key these commands use" in revoked.err
    assert "login" in revoked.err
    assert "logout" in revoked.err
    # The next command's hint is about the saved key, not about the environment.
    refused = cli.main("balance")
    error, hint = refused.assert_error(3)
    assert "revoked" in error
    assert "SYFTBOX_ACCOUNTING_API_KEY" not in hint
    assert "login" in hint
    assert "logout" in hint
    cli.main("logout").assert_ok()  # a key the service refuses is removed at once
    # A key from the environment: its hint is about the variable.
    made = cli.main("--json", "keys", "create", "ci", "--scope", "read,keys", env=env)
    document = json.loads(made.assert_ok().out)
    keyed = {"SYFTBOX_ACCOUNTING_API_KEY": document["secret"],
             "SYFTBOX_ACCOUNTING_URL": service.url}  # fmt: skip
    own = cli.main("keys", "revoke", document["api_key"]["id"], env=keyed).assert_ok()
    assert "SYFTBOX_ACCOUNTING_API_KEY" in own.err
    _, hint = cli.main("balance", env=keyed).assert_error(3)
    assert "SYFTBOX_ACCOUNTING_API_KEY" in hint
    assert "logout" not in hint
    # Revoking another key says nothing of the kind.
    other = json.loads(cli.main("--json", "keys", "create", "x", "--scope", "read", env=env).out)
    quiet = cli.main("keys", "revoke", other["api_key"]["id"], env=env).assert_ok()
    assert "these commands use" not in quiet.err


@pytest.mark.parametrize("command", ["login", "register"])
def test_the_save_option_says_what_it_saves(cli: Runner, command: str) -> None:
    # Tried as a new user would: --help said "(password encrypted)", but at a service
    # with keys --save saves a new API key, not the password.
    shown = " ".join(cli.main(command, "--help").assert_ok().out.split())
    described = shown[shown.index("--save save ") :].split("--no-save")[0]
    assert "API key" in described


def test_login_at_a_service_without_keys_saves_the_password(
    cli: Runner, service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    email, _ = _account(cli, service)
    monkeypatch.setattr(request_log, "_FEATURES_HEADER", (b"accounting-features", b"holds"))
    result = cli.main("--json", "login", email, "--url", service.url, "--password-stdin",
                      "--save", stdin=PASSWORD + "\n").assert_ok()  # fmt: skip
    assert json.loads(result.out)["saved_credential"] == "password"
    found = creds.load()
    assert (found.password, found.api_key) == (PASSWORD, None)


@pytest.mark.parametrize("store", ["keyring", "folder"])
def test_a_login_that_cannot_save_its_key_leaves_no_live_key(
    cli: Runner, service: Any, store: str
) -> None:
    # Tried as a new user would: the key is made, then saving it fails (no OS keyring
    # although one was asked for; the credentials file's place is a folder). A key nobody
    # holds, with every scope, must not stay valid at the service.
    email, env = _account(cli, service)
    forced = {"SYFTBOX_ACCOUNTING_CREDENTIAL_STORE": "keyring"} if store == "keyring" else {}
    if store == "folder":
        creds.config_path().mkdir(parents=True)
    result = cli.main("login", email, "--url", service.url, "--password-stdin", "--save",
                      stdin=PASSWORD + "\n", env=forced)  # fmt: skip
    assert result.code == 3, result
    # (A folder there is also skipped, with a warning, when credentials are looked for.)
    error, hint = result.err.strip().splitlines()[-2:]
    assert "nothing was saved" in error
    assert "revoked" in error  # says what became of the key it made
    assert "()" not in hint  # the command line's words, not the library's calls
    if store == "keyring":
        assert "SYFTBOX_ACCOUNTING_CREDENTIAL_STORE=file" in hint
    listed = json.loads(cli.main("--json", "keys", "list", env=env).assert_ok().out)
    assert [k["id"] for k in listed["api_keys"] if k["active"]] == []
    assert_no_secret(result, PASSWORD)


def test_status_with_a_key_that_cannot_read_succeeds_and_says_why_no_balance(
    cli: Runner, service: Any
) -> None:
    # Tried as a new user would: a service's charge-only key, checked with `status` in a
    # health check. The key works; only the balance cannot be read with it.
    _, env = _account(cli, service)
    made = json.loads(cli.main("--json", "keys", "create", "c", "--scope", "charge", env=env).out)
    keyed = {"SYFTBOX_ACCOUNTING_API_KEY": made["secret"], "SYFTBOX_ACCOUNTING_URL": service.url}
    shown = cli.main("status", env=keyed).assert_ok()
    assert "read scope" in shown.output
    assert "error:" not in shown.err
    document = json.loads(cli.main("--json", "status", env=keyed).assert_ok().out)
    assert document["credentials"] == "valid"
    assert document["balance"] is None


def test_status_with_a_key_alone_names_its_account(cli: Runner, service: Any) -> None:
    # Tried as a new user would: with SYFTBOX_ACCOUNTING_API_KEY alone, `status` showed
    # "Email -" although the service had just said whose account it is.
    email, env = _account(cli, service)
    made = cli.main("--json", "keys", "create", "ci", "--scope", "read", env=env).assert_ok()
    keyed = {"SYFTBOX_ACCOUNTING_API_KEY": json.loads(made.out)["secret"],
             "SYFTBOX_ACCOUNTING_URL": service.url}  # fmt: skip
    assert email in cli.main("status", env=keyed).assert_ok().out
    assert json.loads(cli.main("--json", "status", env=keyed).assert_ok().out)["email"] == email


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["keys", "create", "", "--scope", "read"], "NAME"),
        (["keys", "create", "ci", "--scope", ""], "--scope"),
        (["keys", "create", "ci", "--scope", "read,everything"], "--scope"),
    ],
)
def test_a_bad_key_name_or_scope_is_named_as_the_argument(
    cli: Runner, args: list[str], named: str
) -> None:
    # Tried as a new user would: the errors named the library's `name` and `scopes`, and
    # showed a Python list (['read', 'pay']).
    env = {"SYFTBOX_ACCOUNTING_URL": "http://127.0.0.1:9", "SYFTBOX_ACCOUNTING_EMAIL":
           "a@example.com", "SYFTBOX_ACCOUNTING_PASSWORD": PASSWORD}  # fmt: skip
    error, _ = cli.main(*args, env=env).assert_error(2)
    assert error.startswith(f"error: {named} "), error
    assert "[" not in error


def test_logging_in_again_revokes_the_key_it_replaces(cli: Runner, service: Any) -> None:
    # Tried as a new user would: a second `login --save` (the same account, or another)
    # replaced the saved API key in the file and left it valid at the service, with
    # every scope and no copy anyone holds.
    email, env = _account(cli, service)
    other, _ = _account(cli, service)
    login = ("login", "--url", service.url, "--password-stdin", "--save")
    unsaved = str(cli.home / "none.json")  # the password in `env`, not the saved key
    cli.main(*login, email, stdin=PASSWORD + "\n").assert_ok()
    again = cli.main(*login, email, stdin=PASSWORD + "\n").assert_ok()
    assert "Revoked the API key it replaced" in again.out
    listed = json.loads(
        cli.main("--json", "--config", unsaved, "keys", "list", env=env).assert_ok().out
    )
    assert len([k for k in listed["api_keys"] if k["active"]]) == 1
    document = json.loads(cli.main("--json", *login, other, stdin=PASSWORD + "\n").out)
    assert document["replaced_key"] is not None
    listed = json.loads(
        cli.main("--json", "--config", unsaved, "keys", "list", env=env).assert_ok().out
    )
    assert [k for k in listed["api_keys"] if k["active"]] == []
    assert cli.main("balance").assert_ok().out.strip() == "$100.00"  # the new one works


def test_registering_with_save_revokes_the_key_it_replaces(cli: Runner, service: Any) -> None:
    email, env = _account(cli, service)
    cli.main("login", email, "--url", service.url, "--password-stdin", "--save",
             stdin=PASSWORD + "\n").assert_ok()  # fmt: skip
    newcomer = f"keys-new-{next(_numbers)}@example.com"
    made = cli.main("register", newcomer, "--url", service.url, "--password-stdin", "--save",
                    stdin=PASSWORD + "\n").assert_ok()  # fmt: skip
    assert "Revoked the API key it replaced" in made.out
    unsaved = str(cli.home / "none.json")
    listed = json.loads(cli.main("--json", "--config", unsaved, "keys", "list", env=env).out)
    assert [k for k in listed["api_keys"] if k["active"]] == []


class _LockedOnDelete(MemoryKeyring):
    """A keyring that keeps what it holds: deleting is refused (locked, denied)."""

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.PasswordDeleteError("locked")


def test_logout_says_when_the_keyring_entry_stays(cli: Runner, service: Any) -> None:
    # Tried as a new user would: with a keyring that refuses to delete, logout listed
    # the file as removed, said nothing of the secret left in the keyring, and left
    # nothing pointing at it.
    backend = _LockedOnDelete()
    keyring.set_keyring(backend)
    try:
        email, _ = _account(cli, service)
        cli.main("login", email, "--url", service.url, "--password-stdin", "--save",
                 stdin=PASSWORD + "\n").assert_ok()  # fmt: skip
        result = cli.main("logout")
    finally:
        keyring.set_keyring(fail.Keyring())
    assert backend.entries  # still there, and so is the file that points at it
    error, hint = result.assert_error(3)
    assert "Could not remove the saved secret from the OS keyring" in error
    assert "log out again" in hint
    assert creds.config_path().exists()
    assert "sbk_" not in result.output.replace("sbk_...", "")


def test_logout_without_the_keyring_says_the_entry_stays(
    cli: Runner, service: Any, memory: MemoryKeyring
) -> None:
    # Tried as a new user would: saved on a desktop (its keyring), logged out where no
    # keyring is reachable (ssh, a container): the file went, the entry stayed, unsaid.
    email, _ = _account(cli, service)
    cli.main("login", email, "--url", service.url, "--password-stdin", "--save",
             stdin=PASSWORD + "\n").assert_ok()  # fmt: skip
    keyring.set_keyring(fail.Keyring())
    result = cli.main("logout", "--keep-key").assert_ok()
    assert memory.entries  # out of reach from here
    assert "OS keyring" in result.out
    assert "still holds" in result.out


@pytest.mark.parametrize("generated", [False, True])
def test_register_with_save_saves_a_key_as_login_does(
    cli: Runner, service: Any, generated: bool
) -> None:
    # Tried as a new user would: `register --save` saved the password where `login
    # --save` saves a new API key; the password stays in no file either way.
    email = f"keys-reg-{next(_numbers)}@example.com"
    stdin = "" if generated else PASSWORD + "\n"
    given = () if generated else ("--password-stdin",)
    made = cli.main("--json", "register", email, "--url", service.url, *given, "--save",
                    stdin=stdin).assert_ok()  # fmt: skip
    document = json.loads(made.out)
    password = document["password"] if generated else PASSWORD
    assert (document["saved"], document["saved_credential"]) == (True, "api_key")
    assert document["replaced_key"] is None
    found = creds.load()
    assert (found.password, found.email) == (None, email)
    assert found.api_key is not None
    assert password not in creds.config_path().read_text()
    assert ("keep the password safe" in made.err) is generated
    assert cli.main("balance").assert_ok().out.strip() == "$100.00"  # with the key
    text = cli.main("register", f"x{email}", "--url", service.url, "--password-stdin",
                    "--save", stdin=PASSWORD + "\n").assert_ok()  # fmt: skip
    assert "Saved a new API key" in text.out
    assert "not the password" in text.out
    assert "Revoked the API key it replaced" in text.out


def test_register_at_a_service_without_keys_saves_the_password(
    cli: Runner, service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(request_log, "_FEATURES_HEADER", (b"accounting-features", b"holds"))
    email = f"keys-reg-{next(_numbers)}@example.com"
    made = cli.main("--json", "register", email, "--url", service.url, "--password-stdin",
                    "--save", stdin=PASSWORD + "\n").assert_ok()  # fmt: skip
    document = json.loads(made.out)
    assert (document["saved"], document["saved_credential"]) == (True, "password")
    found = creds.load()
    assert (found.password, found.api_key) == (PASSWORD, None)
    text = cli.main("register", f"x{email}", "--url", service.url, "--password-stdin",
                    "--save", stdin=PASSWORD + "\n").assert_ok()  # fmt: skip
    assert "Saved the password to" in text.out
    assert "no API keys" in text.out
    unsaved = cli.main("--json", "register", f"y{email}", "--url", service.url,
                       "--password-stdin", "--no-save", stdin=PASSWORD + "\n")  # fmt: skip
    assert json.loads(unsaved.assert_ok().out)["saved_credential"] is None


@pytest.mark.parametrize("command", ["login", "register"])
@pytest.mark.parametrize("failure", [KeyboardInterrupt, OSError])
def test_an_interrupted_or_failed_save_revokes_the_new_key(
    cli: Runner,
    service: Any,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    failure: type[BaseException],
) -> None:
    # Ctrl-C (or a failure) after the key is made and before it is saved left a key with
    # every scope whose secret no one holds, valid at the service.
    if command == "login":
        email, env = _account(cli, service)
    else:
        email = f"keys-reg-{next(_numbers)}@example.com"
        env = {"SYFTBOX_ACCOUNTING_EMAIL": email, "SYFTBOX_ACCOUNTING_PASSWORD": PASSWORD,
               "SYFTBOX_ACCOUNTING_URL": service.url}  # fmt: skip

    def refuse(self: AccountingClient, filepath: str | None = None) -> None:
        raise failure(28, "No space left on device") if failure is OSError else failure()

    monkeypatch.setattr(AccountingClient, "save_credentials", refuse)
    result = cli.main("--json", command, email, "--url", service.url, "--password-stdin",
                      "--save", stdin=PASSWORD + "\n")  # fmt: skip
    monkeypatch.undo()
    assert result.code == (130 if failure is KeyboardInterrupt else 1), result
    last = result.err.strip().splitlines()
    assert any(re.search(r"the new API key key_\w+ was revoked", line) for line in last), last
    if failure is KeyboardInterrupt:
        assert any(line.startswith("interrupted; the new API key") for line in last), last
    if command == "register":  # the account exists: its document says nothing was saved
        document = json.loads(result.out)  # one document: the error is on stderr
        assert (document["email"], document["saved"]) == (email, False)
    assert not creds.config_path().exists()
    unsaved = str(cli.home / "none.json")
    listed = cli.main("--json", "--config", unsaved, "keys", "list", env=env).assert_ok()
    keys = json.loads(listed.out)["api_keys"]
    assert len(keys) == 1
    assert [k["id"] for k in keys if k["active"]] == []
    assert_no_secret(result, PASSWORD)


@pytest.mark.parametrize("command", ["login", "register"])
def test_an_interrupt_while_making_the_key_says_how_to_find_it(
    cli: Runner, service: Any, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    # Ctrl-C while the key is being made: the service may have made it, and its id is
    # unknown here, so the command says where to find it.
    email = f"keys-int-{next(_numbers)}@example.com"
    if command == "login":
        email, _ = _account(cli, service)

    def interrupted(self: AccountingClient, *args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(AccountingClient, "create_api_key", interrupted)
    result = cli.main(command, email, "--url", service.url, "--password-stdin", "--save",
                      stdin=PASSWORD + "\n")  # fmt: skip
    assert result.code == 130, result
    (said,) = [line for line in result.err.splitlines() if line.startswith("interrupted")]
    assert f"named 'syftbox-accounting {command} on " in said
    assert "keys list" in said
    assert "keys revoke KEY_ID" in said
    assert not creds.config_path().exists()
