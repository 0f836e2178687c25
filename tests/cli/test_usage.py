"""The command line without a service: help, version, usage errors, exit codes,
JSON writing and the spinner."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
from decimal import Decimal

import pytest

from syftbox_accounting import __version__
from syftbox_accounting.cli import _output
from syftbox_accounting.cli._parser import build_parser
from tests.cli.conftest import NO_SERVICE, Runner, assert_no_secret, clean_environ

COMMANDS = [
    ["register"],
    ["login"],
    ["logout"],
    ["status"],
    ["balance"],
    ["token"],
    ["transfer"],
    ["charge"],
    ["confirm"],
    ["cancel"],
    ["refund"],
    ["history"],
    ["show"],
    ["usage"],
    ["keys"],
    ["keys", "create"],
    ["keys", "list"],
    ["keys", "revoke"],
    ["admin"],
    ["admin", "add-balance"],
    ["admin", "get-user"],
    ["admin", "list-users"],
    ["contract"],
]


def test_every_command_is_covered() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) == {c[0] for c in COMMANDS} | {"serve"}  # type: ignore[arg-type]


def test_version_through_the_entry_point(cli: Runner) -> None:
    result = cli.subprocess("--version").assert_ok()
    assert result.out.strip() == f"syftbox-accounting {__version__}"


@pytest.mark.parametrize("args", [["--version", "--json"], ["--json", "--version"]])
def test_version_as_json_wherever_json_stands(cli: Runner, args: list[str]) -> None:
    result = cli.main(*args).assert_ok()
    assert json.loads(result.out) == {"name": "syftbox-accounting", "version": __version__}


def test_the_contract_as_json_is_the_shipped_yaml(cli: Runner) -> None:
    yaml = pytest.importorskip("yaml")
    from syftbox_accounting.cli._contract import contract_text

    shipped = yaml.safe_load(contract_text())
    for args in (["contract", "--json"], ["--json", "contract"]):
        assert json.loads(cli.main(*args).assert_ok().out) == shipped
    assert cli.main("contract").assert_ok().out == contract_text()


def test_the_contract_as_json_without_pyyaml_says_how_to_get_it(
    cli: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)  # `import yaml` raises ImportError
    result = cli.main("contract", "--json")
    error, hint = result.assert_error(2)
    assert "PyYAML" in error
    assert "pip install pyyaml" in hint
    assert json.loads(result.out)["error"]["type"] == "UsageError"


@pytest.mark.parametrize(
    ("args", "code", "type_"),
    [
        (["--json", "balance"], 3, "AuthenticationError"),  # no account configured
        (["--json", "login", "a@example.com", "--email", "b@example.com"], 2, "UsageError"),
    ],
)
def test_json_errors_of_the_command_line_name_no_internal_class(
    cli: Runner, args: list[str], code: int, type_: str
) -> None:
    result = cli.main(*args, env={"SYFTBOX_ACCOUNTING_URL": NO_SERVICE["SYFTBOX_ACCOUNTING_URL"]})
    result.assert_error(code)
    assert json.loads(result.out)["error"]["type"] == type_


def test_every_exit_code_of_the_command_lines_own_errors_has_a_public_type() -> None:
    from syftbox_accounting.cli._errors import AUTH, FAILURE, USAGE, CliError, json_type

    types = {code: json_type(CliError("m", "h", code)) for code in (FAILURE, USAGE, AUTH)}
    assert types == {1: "CommandError", 2: "UsageError", 3: "AuthenticationError"}
    assert json_type(FileNotFoundError("x")) == "FileNotFoundError"


def test_python_dash_m_runs_the_same_command(cli: Runner) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "syftbox_accounting", "--version"],
        capture_output=True,
        text=True,
        env=clean_environ(cli.home),
        check=False,
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"syftbox-accounting {__version__}"


def test_main_help_has_examples_and_exit_codes(cli: Runner) -> None:
    result = cli.main("--help").assert_ok()
    assert "examples:" in result.out
    assert "exit codes:" in result.out
    assert "SYFTBOX_ACCOUNTING_ADMIN_KEY" in result.out


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_help_has_an_example(cli: Runner, command: list[str]) -> None:
    result = cli.main(*command, "--help").assert_ok()
    assert "example" in result.out
    assert f"syftbox-accounting {' '.join(command)}" in result.out


def test_serve_help_comes_from_the_service(cli: Runner) -> None:
    pytest.importorskip("syftbox_accounting.server")
    result = cli.main("serve", "--help").assert_ok()
    assert "usage: syftbox-accounting serve" in result.out
    assert "--port" in result.out
    assert "example" in result.out


def test_no_command_prints_usage_and_exits_2(cli: Runner) -> None:
    result = cli.main()
    assert result.code == 2
    assert "usage:" in result.err


def test_unknown_option_is_one_error_line_and_a_hint(cli: Runner) -> None:
    error, hint = cli.subprocess("balance", "--bogus").assert_error(2)
    assert "--bogus" in error
    assert "--help" in hint


@pytest.mark.parametrize(
    "args",
    [
        ["--json", "history", "--limit", "-1"],
        ["history", "--json", "--bogus"],
        ["--json", "nosuchcommand"],
        ["token", "--json"],  # a missing argument
    ],
)
def test_a_usage_error_with_json_is_a_json_document_too(cli: Runner, args: list[str]) -> None:
    result = cli.main(*args)
    error, hint = result.assert_error(2)
    document = json.loads(result.out)["error"]
    assert document["exit_code"] == 2
    assert f"error: {document['message']}" == error
    assert f"hint: {document['hint']}" == hint


@pytest.mark.parametrize(
    "args",
    [
        ["history", "--json", "--jsonl"],
        ["--json", "history", "--jsonl"],
        ["history", "--jsonl", "--all", "--json"],
    ],
)
def test_two_output_formats_are_refused_before_any_request(cli: Runner, args: list[str]) -> None:
    # `history --json --jsonl` printed JSON Lines, silently dropping --json.
    result = cli.main(*args, env=NO_SERVICE)
    error, hint = result.assert_error(2)  # not a connection error: nothing was sent
    assert "--json and --jsonl cannot be given together" in error
    assert "history --help" in hint
    assert json.loads(result.out)["error"]["type"] == "UsageError"


def test_an_extra_argument_is_not_echoed(cli: Runner) -> None:
    """`login alice@example.com hunter2`: the stray value may be a password."""
    result = cli.main("login", "alice@example.com", "hunter2-secret")
    result.assert_error(2)
    assert_no_secret(result, "hunter2-secret")


def test_there_is_no_password_option(cli: Runner) -> None:
    cli.main("balance", "--password", "x").assert_error(2)


@pytest.mark.parametrize("before", [True, False])
def test_json_goes_before_or_after_the_command(cli: Runner, before: bool) -> None:
    args = ["--json", "transfer", "bob@example.com", "abc"]
    if not before:
        args = ["transfer", "bob@example.com", "abc", "--json"]
    result = cli.main(*args)
    result.assert_error(2)
    document = json.loads(result.out)
    assert document["error"]["exit_code"] == 2
    assert document["error"]["type"] == "InvalidInputError"


@pytest.mark.parametrize(
    ("amount", "says"),
    [
        ("abc", "not a number"),
        ("0", "greater than 0"),
        ("-1", "greater than 0"),
        ("0.0000001", "0.0000001 is too precise"),
        ("1000000000.000001", "at most 1000000000"),
        ("1e10", "at most 1000000000"),
        ("NaN", "finite"),
        ("1,5", "not a number"),
        # Other scripts' digits and digit separators: Decimal reads them, a person
        # reading the command line may not (and no other CLI option takes them).
        ("\uff11\uff12", "not a number"),  # full-width 12
        ("١٢", "not a number"),
        ("1_000", "not a number"),
    ],
)
def test_a_bad_amount_is_a_usage_error_before_any_request(
    cli: Runner, amount: str, says: str
) -> None:
    # No credentials and no service: the amount is checked first.
    error, _ = cli.main("transfer", "bob@example.com", amount).assert_error(2)
    assert says in error


# Addresses no mail system delivers: a dot-atom before the @ (letters of other scripts
# allowed, see `validation.email`), at most 64 characters there.
BAD_EMAILS = [
    "not-an-email",
    "b\u00f3b\u00a0x@example.com",  # a no-break space
    "b\u00f3b\u0085@example.com",  # a C1 control
    "a..b@example.com",
    ".a@example.com",
    "a.@example.com",
    "a(b)@example.com",
    "x" * 65 + "@example.com",
]


@pytest.mark.parametrize("email", BAD_EMAILS)
@pytest.mark.parametrize(
    "command", [["token", "{}"], ["register", "{}"], ["history", "--with", "{}"]]
)
def test_a_bad_email_is_a_usage_error(cli: Runner, command: list[str], email: str) -> None:
    # No service at that URL: the email is checked before any request.
    env = NO_SERVICE
    error, _ = cli.main(*(part.format(email) for part in command), env=env).assert_error(2)
    # A control character (the C1 one) is named as such; any other fault as the form.
    assert "not a valid email" in error or "must not contain control characters" in error


@pytest.mark.parametrize(
    "command",
    [
        ["token", "ALICE@example.com"],
        ["transfer", "alice@example.com", "1", "--yes"],
    ],
)
def test_paying_yourself_is_a_usage_error(cli: Runner, command: list[str]) -> None:
    # No service at that URL: the recipient is checked before any request.
    env = NO_SERVICE
    error, _ = cli.main(*command, env=env).assert_error(2)
    assert "is the account in use" in error


LONG_LABEL = "a" * 2000


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["charge", "bob@example.com", "1", "--hold-for", "25h"], "--hold-for"),
        (["charge", "bob@example.com", "1", "--app-name", LONG_LABEL], "--app-name"),
        (["transfer", "bob@example.com", "1", "--yes", "--app-name", "a\tb"], "--app-name"),
        (["transfer", "bob@example.com", "1", "--yes", "--endpoint", LONG_LABEL], "--endpoint"),
        (["history", "--with", "bob@"], "--with"),
        (["usage", "--since", "9999-12-31T23:00:00-05:00"], "--since"),
        (["history", "--until", "0001-01-01T00:00:00+01:00"], "--until"),
    ]
    + [(args, "TX_ID") for args in (["show", "a\tb"], ["confirm", "x" * 65], ["cancel", " "])]
    + [(["refund", "x" * 65, "--yes"], "TX_ID")],
)
def test_a_bad_value_is_named_by_its_option_not_the_librarys_parameter(
    cli: Runner, args: list[str], option: str
) -> None:
    # No service at that URL: the value is checked before any request (and before the
    # token is read), and named as typed, not as hold_for, app_name or created_after.
    env = {**NO_SERVICE, "SYFTBOX_ACCOUNTING_TOKEN": "t.o.k"}
    error, _ = cli.main(*args, env=env).assert_error(2)
    assert error.startswith(f"error: {option} ")


def test_login_with_two_different_emails_is_a_usage_error(cli: Runner) -> None:
    # Which account to log in to is not guessed; nothing is sent.
    args = ["login", "alice@example.com", "--email", "bob@example.com", "--password-stdin"]
    env = {"SYFTBOX_ACCOUNTING_URL": "http://127.0.0.1:9"}  # no service there
    error, hint = cli.main(*args, env=env, stdin="pw\n").assert_error(2)
    assert "alice@example.com" in error
    assert "bob@example.com" in error
    assert "one" in hint


def test_no_credentials_is_an_authentication_error(cli: Runner) -> None:
    error, hint = cli.subprocess("balance").assert_error(3)
    assert "no accounting account" in error
    assert "login" in hint


def test_an_email_without_a_password_is_an_authentication_error(cli: Runner) -> None:
    error, hint = cli.main("balance", "--email", "alice@example.com").assert_error(3)
    assert "no password for alice@example.com" in error
    assert "--password-stdin" in hint


def test_an_empty_password_stdin_is_a_usage_error(cli: Runner) -> None:
    error, _ = cli.main("balance", "--email", "a@example.com", "--password-stdin").assert_error(2)
    assert "standard input" in error


def test_charge_without_a_token_is_a_usage_error(cli: Runner) -> None:
    env = {"SYFTBOX_ACCOUNTING_PASSWORD": "pw-not-shown-123"}
    result = cli.main("charge", "a@example.com", "1", "--email", "svc@example.com", env=env)
    error, hint = result.assert_error(2)
    assert "no transaction token" in error
    assert "--token-stdin" in hint
    assert_no_secret(result, "pw-not-shown-123")


def test_admin_without_a_key_is_an_authentication_error(cli: Runner) -> None:
    error, hint = cli.main("admin", "list-users").assert_error(3)
    assert "no admin key" in error
    assert "SYFTBOX_ACCOUNTING_ADMIN_KEY" in hint


def test_plain_http_to_a_remote_host_is_refused(cli: Runner) -> None:
    env = {"SYFTBOX_ACCOUNTING_PASSWORD": "pw-not-shown-123"}
    args = ["balance", "--email", "a@example.com", "--url", "http://example.com"]
    error, hint = cli.main(*args, env=env).assert_error(2)
    assert "--url uses plain http:// to example.com" in error
    assert "--allow-insecure-http" in hint


def test_an_unreachable_service_is_a_failure(cli: Runner) -> None:
    # Port 9 on loopback (discard) refuses connections on any test machine.
    env = {"SYFTBOX_ACCOUNTING_PASSWORD": "pw-not-shown-123"}
    result = cli.main("balance", "--email", "a@example.com", "--url", "http://127.0.0.1:9", env=env)
    error, _ = result.assert_error(1)
    assert "could not connect" in error
    assert_no_secret(result, "pw-not-shown-123")


def test_status_not_configured(cli: Runner) -> None:
    result = cli.main("status", "--json")
    assert result.code == 3
    document = json.loads(result.out)
    assert document["configured"] is False
    assert document["credentials"] == "not_configured"


def test_a_corrupt_credentials_file_is_a_warning_not_a_traceback(cli: Runner) -> None:
    path = cli.home / ".syftbox" / "accounting.json"
    path.parent.mkdir()
    path.write_text("{not json")
    result = cli.subprocess("balance")
    assert result.code == 3
    assert "Traceback" not in result.output
    assert "warning: Skipping the credentials file" in result.err
    # The advice is a command, not the library's Python call.
    assert "save_credentials()" not in result.err
    assert "Delete it, then run 'syftbox-accounting login EMAIL --save'" in result.err


def test_a_library_warning_is_a_warning_line_not_python_output(cli: Runner) -> None:
    path = cli.home / ".syftbox" / "accounting.json"
    path.parent.mkdir()
    path.write_text("{not json")
    path.chmod(0o644)  # others may read it: the library warns
    result = cli.subprocess("balance")
    assert result.code == 3
    assert "warning: The credentials file" in result.err
    assert "readable or writable by others" in result.err
    assert "UserWarning" not in result.err  # Python's own format, with a source line
    assert "sys.exit(main())" not in result.err


# -- JSON and text helpers


def test_json_numbers_are_exact() -> None:
    text = _output.to_json(
        {"a": Decimal("0.1"), "b": Decimal("100.000000"), "c": Decimal("1E+3"), "d": 0.1}
    )
    assert json.loads(text, parse_float=Decimal) == {
        "a": Decimal("0.1"),
        "b": 100,
        "c": 1000,
        "d": Decimal("0.1"),
    }
    assert '"a": 0.1,' in text
    assert '"b": 100,' in text


def test_json_rejects_what_it_cannot_write() -> None:
    with pytest.raises(ValueError, match="JSON number"):
        _output.to_json(Decimal("NaN"))
    with pytest.raises(TypeError):
        _output.to_json(object())


def test_money_text() -> None:
    assert _output.money(Decimal("1234.5")) == "$1,234.50"
    assert _output.money(Decimal("-0.000125")) == "-$0.000125"


# -- the spinner


class _Terminal(io.StringIO):
    """A terminal in memory; `drawn` is set once "Waiting" is written to it."""

    def __init__(self) -> None:
        super().__init__()
        self.drawn = threading.Event()

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        written = super().write(text)
        if "Waiting" in self.getvalue():
            self.drawn.set()
        return written


def test_spinner_is_silent_when_stderr_is_not_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    with _output.Spinner("Waiting", delay=0):
        pass
    assert stream.getvalue() == ""


def test_spinner_draws_on_a_terminal_and_clears_its_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream = _Terminal()
    monkeypatch.setattr(sys, "stderr", stream)
    monkeypatch.delenv("TERM", raising=False)
    with _output.Spinner("Waiting", delay=0, interval=0.01):
        # The first frame, however long the spinner's thread takes to draw it.
        assert stream.drawn.wait(60)
    assert stream.getvalue().endswith("\r\033[K")


def test_a_fast_call_shows_no_spinner(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = _Terminal()
    monkeypatch.setattr(sys, "stderr", stream)
    with _output.Spinner("Waiting", delay=60):
        pass
    assert stream.getvalue() == ""


def test_serve_without_the_server_extra(cli: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "syftbox_accounting.server", None)  # not importable
    error, hint = cli.main("serve").assert_error(1)
    assert "not installed" in error
    assert "syftbox-accounting[server]" in hint


def test_the_cli_words_only_advice_the_library_gives() -> None:
    # Every key the CLI rewords is a service code (`errors.CODES`) or one of the
    # library's own hint keys: a renamed key cannot leave a dead CLI hint behind.
    from syftbox_accounting import errors
    from syftbox_accounting.cli import _errors

    assert set(_errors._HINTS) <= set(errors.CODES) | errors.HINT_KEYS
    assert not set(errors.CODES) & errors.HINT_KEYS


def test_exit_code_3_is_documented_for_a_refusal_of_the_right_credentials() -> None:
    # Tried as a new user would: refunding a payment one did not receive, with working
    # credentials, exits 3 (the service's 403); the table said 3 was only for missing or
    # wrong credentials.
    from pathlib import Path

    from syftbox_accounting.cli import _errors, _help_texts
    from syftbox_accounting.errors import AuthenticationError

    refused = AuthenticationError("x failed: no.", hint_key="forbidden", status_code=403)
    assert _errors.exit_code_of(refused) == 3
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    (row,) = [line for line in readme.splitlines() if line.startswith("| 3 |")]
    for text in (row, _help_texts.EXIT_CODES, _cli_doc()):
        assert "not allowed" in " ".join(text.split()), text


def _cli_doc() -> str:
    import syftbox_accounting.cli

    return str(syftbox_accounting.cli.__doc__)
