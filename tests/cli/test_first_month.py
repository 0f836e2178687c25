"""The command line as a person meets it in a terminal: --timeout, logout, a question
before money moves (never in a script or with --json), the request id in every error
line, a spinner that never shares a line with a log line, colour that honours
NO_COLOR, and --url saying whose password it asks for."""

from __future__ import annotations

import getpass
import io
import json
import socket
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from syftbox_accounting import AccountingClient
from syftbox_accounting.cli import _output
from tests.cli.conftest import Runner
from tests.cli.test_flow import PASSWORD, as_user, new_email, register


def _payer_and_service(cli: Runner, service: Any) -> tuple[str, str]:
    payer, shop = new_email("payer"), new_email("shop")
    register(cli, service, payer)
    register(cli, service, shop)
    return payer, shop


def _balance(cli: Runner, service: Any, email: str) -> str:
    return json.loads(cli.main("--json", "balance", env=as_user(service, email)).out)["balance"]


# -- a question before money moves


@pytest.mark.parametrize(("answer", "paid"), [("y\n", True), ("n\n", False), ("", False)])
def test_transfer_asks_in_a_terminal(cli: Runner, service: Any, answer: str, paid: bool) -> None:
    payer, shop = _payer_and_service(cli, service)
    result = cli.main("transfer", shop, "2.5", env=as_user(service, payer), stdin=answer, tty=True)
    assert f"Pay $2.50 to {shop} from {payer}? [y/N]" in result.err
    if paid:
        result.assert_ok()
        assert _balance(cli, service, payer) == 97.5
    else:  # (a terminal echoes the answer and its newline; this fake one does not)
        assert result.code == 1
        assert "error: not confirmed: nothing was sent" in result.err
        assert _balance(cli, service, payer) == 100


@pytest.mark.parametrize(
    "how",
    [["--yes"], ["-y"], ["--json"]],
    ids=["--yes", "-y", "--json"],
)
def test_yes_and_json_never_ask(cli: Runner, service: Any, how: list[str]) -> None:
    payer, shop = _payer_and_service(cli, service)
    result = cli.main("transfer", shop, "1", *how, env=as_user(service, payer), tty=True)
    result.assert_ok()
    assert "[y/N]" not in result.err
    assert _balance(cli, service, payer) == 99


def test_a_script_is_never_asked(cli: Runner, service: Any) -> None:
    payer, shop = _payer_and_service(cli, service)
    result = cli.main("transfer", shop, "1", env=as_user(service, payer), stdin="n\n")
    result.assert_ok()  # standard input is no terminal: no question, and "n" is not read
    assert "[y/N]" not in result.err
    assert _balance(cli, service, payer) == 99


def test_charge_asks_only_with_confirm(cli: Runner, service: Any) -> None:
    payer, shop = _payer_and_service(cli, service)
    token = cli.main("token", shop, env=as_user(service, payer)).assert_ok().out.strip()
    env = {**as_user(service, shop), "SYFTBOX_ACCOUNTING_TOKEN": token}
    refused = cli.main("charge", payer, "1", "--confirm", env=env, stdin="n\n", tty=True)
    assert refused.code == 1
    assert f"Charge {payer} $1.00 and confirm it now" in refused.err
    pending = cli.main("charge", payer, "1", env=env, tty=True).assert_ok()
    assert "[y/N]" not in pending.err  # a pending charge moves nothing yet
    assert "PENDING" in pending.out


def test_refund_asks(cli: Runner, service: Any) -> None:
    _payer, shop = _payer_and_service(cli, service)
    tx = "5b1e7c9a-2d3f-4e5a-8b6c-7d8e9f0a1b2c"
    result = cli.main("refund", tx, "--amount", "3", env=as_user(service, shop), tty=True)
    assert f"Refund $3.00 of payment {tx} to its payer? [y/N]" in result.err
    assert "not confirmed" in result.err


# -- the request id, --timeout


def test_the_request_id_is_in_every_error_line(cli: Runner, service: Any) -> None:
    payer, shop = _payer_and_service(cli, service)
    env = as_user(service, payer)
    for args in (
        ["transfer", shop, "1000", "--yes"],
        ["show", "5b1e7c9a-2d3f-4e5a-8b6c-7d8e9f0a1b2c"],
    ):
        error, hint = cli.main(*args, env=env).assert_error(1)
        assert "(request id req_" in error
        assert "()" not in hint  # words for a shell, not a library call
        document = json.loads(cli.main("--json", *args, env=env).out)
        assert document["error"]["request_id"].startswith("req_")
    wrong = {**env, "SYFTBOX_ACCOUNTING_PASSWORD": "not-the-password"}
    error, _ = cli.main("balance", env=wrong).assert_error(3)
    assert "(request id req_" in error


@pytest.fixture
def hung() -> Iterator[str]:
    """A service that accepts connections and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        held: list[socket.socket] = []
        stop = threading.Event()

        def accept() -> None:
            server.settimeout(0.1)
            while not stop.is_set():
                try:
                    held.append(server.accept()[0])
                except OSError:
                    continue

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
        stop.set()
        thread.join()
        for conn in held:
            conn.close()


def test_timeout_bounds_each_call(cli: Runner, hung: str) -> None:
    env = {"SYFTBOX_ACCOUNTING_EMAIL": "a@example.com", "SYFTBOX_ACCOUNTING_PASSWORD": PASSWORD}
    result = cli.main("balance", "--url", hung, "--timeout", "0.3", env=env)
    error, _hint = result.assert_error(1)
    assert "0.3 s" in error  # the deadline it gave up at, retries included


@pytest.mark.parametrize("value", ["abc", "0", "-1"])
def test_a_bad_timeout_is_a_usage_error(cli: Runner, value: str) -> None:
    error, _ = cli.main("balance", "--timeout", value).assert_error(2)
    assert "number of seconds" in error


# -- logout


def test_logout_removes_what_login_saved_and_says_so(cli: Runner, service: Any) -> None:
    email = new_email("saved")
    register(cli, service, email)
    login = cli.main(
        "login", email, "--url", service.url, "--password-stdin", "--save", stdin=PASSWORD + "\n"
    )
    login.assert_ok()
    saved = cli.home / ".syftbox" / "accounting.json"
    key = saved.with_suffix(".key")
    assert saved.exists()
    assert key.exists()
    out = cli.main("logout").assert_ok().out
    assert f"Removed the saved credentials of {email} for {service.url}:" in out
    assert str(saved) in out
    assert str(key) in out
    # login saved an API key (the service has keys): logout revoked it first.
    (made,) = AccountingClient(service.url, email, PASSWORD).list_api_keys()
    assert made.revoked_at is not None
    assert f"Revoked the saved API key {made.id} ({made.hint}) at the service" in out
    assert not saved.exists()
    assert not key.exists()
    again = cli.main("--json", "logout", env={"SYFTBOX_ACCOUNTING_EMAIL": email}).assert_ok()
    document = json.loads(again.out)
    assert document["removed"] == []
    assert document["environment"] == ["SYFTBOX_ACCOUNTING_EMAIL"]
    human = cli.main("logout", env={"SYFTBOX_ACCOUNTING_EMAIL": email}).assert_ok().out
    assert "nothing to remove" in human
    assert "SYFTBOX_ACCOUNTING_EMAIL is still set in the environment" in human
    assert "commands use it until you unset it" in human  # one variable: not "them"


def _login_and_save(cli: Runner, service: Any) -> tuple[str, Any]:
    email = new_email("saved")
    register(cli, service, email)
    cli.main(
        "login", email, "--url", service.url, "--password-stdin", "--save", stdin=PASSWORD + "\n"
    ).assert_ok()
    return email, cli.home / ".syftbox" / "accounting.json"


def test_logout_keep_key_removes_the_copy_and_leaves_the_key_valid(
    cli: Runner, service: Any
) -> None:
    email, saved = _login_and_save(cli, service)
    document = json.loads(cli.main("--json", "logout", "--keep-key").assert_ok().out)
    assert document["revoked_key"] is None
    assert str(saved) in document["removed"]
    (made,) = AccountingClient(service.url, email, PASSWORD).list_api_keys()
    assert made.is_active()


def test_logout_after_the_key_was_revoked_elsewhere_still_removes_it(
    cli: Runner, service: Any
) -> None:
    email, saved = _login_and_save(cli, service)
    owner = AccountingClient(service.url, email, PASSWORD)
    (made,) = owner.list_api_keys()
    owner.revoke_api_key(made.id)
    out = cli.main("logout").assert_ok().out
    assert "The service already refused the saved API key (revoked or expired)." in out
    assert not saved.exists()


def test_logout_keeps_everything_when_the_key_cannot_be_revoked(cli: Runner) -> None:
    # A key saved for a service that does not answer (nothing listens on the port).
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    saved = cli.home / ".syftbox" / "accounting.json"
    saved.parent.mkdir(parents=True, exist_ok=True)
    secret = "sbk_" + "q" * 43
    AccountingClient(dead, "gone@example.com", api_key=secret).save_credentials(str(saved))
    result = cli.main("logout", "--timeout", "30")
    error, hint = result.assert_error(1)
    assert "could not revoke the saved API key, so nothing was removed" in error
    assert "logout --keep-key" in hint
    assert secret not in result.out + result.err
    assert saved.exists()
    assert saved.with_suffix(".key").exists()
    cli.main("logout", "--keep-key").assert_ok()
    assert not saved.exists()


def test_logout_with_the_key_file_lost_says_what_to_do_about_the_file(
    cli: Runner, service: Any
) -> None:
    # Tried as a new user would: the key file beside the credentials went missing. The
    # saved API key cannot be read, so it is not revoked and nothing is removed; the
    # advice was to wait for the service, and the error quoted a Python call.
    _, saved = _login_and_save(cli, service)
    saved.with_suffix(".key").unlink()
    result = cli.main("logout")
    error, hint = result.assert_error(3)
    assert "nothing was removed" in error
    assert "save_credentials()" not in error
    assert "saved password" not in error  # it is an API key
    assert "when the service answers" not in hint
    assert "SYFTBOX_ACCOUNTING_KEY" in hint
    assert "logout --keep-key" in hint
    assert saved.exists()


# -- --url and the saved credentials


def test_url_without_saved_credentials_says_whose_password_it_asks_for(
    cli: Runner, service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    email = new_email("saved")
    register(cli, service, email)
    cli.main(
        "login", email, "--url", service.url, "--password-stdin", "--save", stdin=PASSWORD + "\n"
    ).assert_ok()
    prompts: list[str] = []
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": prompts.append(prompt) or PASSWORD)
    other = service.url.replace("127.0.0.1", "localhost")
    result = cli.main("balance", "--url", other, tty=True).assert_ok()
    assert f"No saved credentials for {email} at {other}" in result.err
    assert f"asking for the password of {email}" in result.err
    assert prompts == [f"Password for {email} at {other}: "]


def test_url_in_a_script_names_what_is_saved_and_for_which_service(
    cli: Runner, service: Any
) -> None:
    email = new_email("elsewhere")
    register(cli, service, email)
    cli.main(
        "login", email, "--url", service.url, "--password-stdin", "--save", stdin=PASSWORD + "\n"
    ).assert_ok()  # at this service, login saves an API key, not the password
    other = service.url.replace("127.0.0.1", "localhost")
    error, _ = cli.main("balance", "--url", other).assert_error(3)
    assert f"no password for {email}" in error
    assert f"the API key in the config file {cli.home}" in error
    assert f"is for {service.url}" in error
    assert "saved password" not in error  # no password was saved


# -- the screen: a spinner and log lines, colour


class _Screen(io.StringIO):
    """A terminal's screen, as far as the spinner uses one: \\r, ESC[K and newlines."""

    def isatty(self) -> bool:
        return True

    def lines(self) -> list[str]:
        shown: list[str] = []
        line = ""
        text = self.getvalue().replace("\033[K", "\x00")
        for char in text:
            if char == "\r":
                line = ""  # the next characters overwrite from the start...
            elif char == "\x00":
                pass  # ...and ESC[K clears what was left of the old ones
            elif char == "\n":
                shown.append(line)
                line = ""
            else:
                line += char
        return [*shown, line] if line else shown


def test_a_log_line_never_shares_the_spinner_line(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = _Screen()
    monkeypatch.setattr(sys, "stderr", screen)
    monkeypatch.delenv("TERM", raising=False)
    with _output.Spinner("Paying bob@example.com", delay=0, interval=0.001) as spinner:
        for number in range(20):
            spinner.drawn.clear()
            assert spinner.drawn.wait(60)  # a frame is on screen now
            _output.say(f"debug: GET /user/my-info -> 200 (attempt {number})")
    lines = screen.lines()
    logged = [line for line in lines if "debug:" in line]
    assert len(logged) == 20
    assert all(line.startswith("debug: ") for line in logged), logged
    assert not any("Paying" in line for line in logged)
    assert lines == logged  # the spinner's own line is cleared at the end


def test_colour_on_a_terminal_and_no_colour_with_no_color(
    cli: Runner, service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    payer, shop = _payer_and_service(cli, service)
    env = as_user(service, payer)
    cli.main("transfer", shop, "1", env=env).assert_ok()
    coloured = cli.main("history", env={**env, "FORCE_COLOR": "1"}).assert_ok()
    assert coloured.out.startswith("\033[1mCREATED (UTC)")
    assert "\033[32mCOMPLETED" in coloured.out
    plain = cli.main("history", env={**env, "FORCE_COLOR": "1", "NO_COLOR": "1"}).assert_ok()
    assert "\033[" not in plain.out
    error = cli.main("show", "nope", env={**env, "FORCE_COLOR": "1"})
    assert error.err.startswith("\033[1;31merror:\033[0m ")
    assert "\n\033[36mhint:\033[0m " in error.err
    assert "\033[" not in cli.main("show", "nope", env={**env, "NO_COLOR": "1"}).err
    # Not a terminal, nothing forced: no colour.
    assert "\033[" not in cli.main("history", env=env).out


def test_environment_the_saved_credentials_shadow_is_named(cli: Runner, service: Any) -> None:
    # Tried as a new user would: logged in once, then SYFTBOX_ACCOUNTING_URL (or a key,
    # or another account) set for a test service; the saved credentials come first, and
    # the command went to the saved service without a word.
    email, _ = _login_and_save(cli, service)
    shadowed = {
        "SYFTBOX_ACCOUNTING_URL": "http://127.0.0.1:9",
        "SYFTBOX_ACCOUNTING_EMAIL": "other@example.com",
        "SYFTBOX_ACCOUNTING_PASSWORD": "env-password-not-shown",
    }
    result = cli.main("balance", env=shadowed).assert_ok()
    assert result.out.strip() == "$100.00"  # the saved account, as documented
    warning = [line for line in result.err.splitlines() if line.startswith("warning:")]
    assert len(warning) == 1, result.err
    for name in shadowed:
        assert name in warning[0]
    assert "--config" in warning[0] or "logout" in warning[0]
    assert "env-password-not-shown" not in result.output
    # The same account and service in the environment: nothing to say.
    same = {"SYFTBOX_ACCOUNTING_URL": service.url, "SYFTBOX_ACCOUNTING_EMAIL": email}
    assert "warning" not in cli.main("balance", env=same).assert_ok().err
