"""Standard streams a script closed (`<&-`, `>&-`, `2>&-`), tried as a new user would:
a secret is never printed to nowhere, an error never lands in the JSON on stdout, and a
closed standard input is a usage error that names the option, not a bug."""

from __future__ import annotations

import errno
import io
import itertools
import json
import os
import socket
import subprocess
import sys
from typing import Any

import pytest

from tests.cli.conftest import NO_SERVICE, Result, Runner, clean_environ, command_line

_numbers = itertools.count()
# The command line, with standard input, output or error closed by the shell.
_CLOSE = {"stdin": "<&-", "stdout": ">&-", "stderr": "2>&-"}


def _closed(cli: Runner, stream: str, *args: str, env: dict[str, str] | None = None) -> Result:
    done = subprocess.run(
        ["sh", "-c", f'exec "$@" {_CLOSE[stream]}', "sh", *command_line(), *args],
        stdout=subprocess.PIPE if stream != "stdout" else None,
        stderr=subprocess.PIPE if stream != "stderr" else None,
        text=True,
        env=clean_environ(cli.home) | (env or {}),
        timeout=300,
        check=False,
    )
    return Result(done.returncode, done.stdout or "", done.stderr or "")


@pytest.mark.parametrize("option", ["--password-stdin", "--token-stdin", "--admin-key-stdin"])
def test_a_secret_from_a_closed_standard_input_is_a_usage_error(cli: Runner, option: str) -> None:
    args = {
        "--password-stdin": ["--password-stdin", "balance"],
        "--token-stdin": ["charge", "bob@example.com", "1", "--token-stdin"],
        "--admin-key-stdin": ["admin", "list-users", "--admin-key-stdin"],
    }[option]
    result = _closed(cli, "stdin", *args, env=NO_SERVICE)
    error, hint = result.assert_error(2)
    assert "standard input is closed" in error
    assert option in error
    assert "bug" not in hint


def test_a_closed_standard_output_sends_nothing(cli: Runner, service: Any) -> None:
    # `register` would print a generated password, `keys create` a key's secret: to
    # nowhere, and exit 0. Refused before anything is sent.
    result = _closed(cli, "stdout", "register", "closed-out@example.com", "--url", service.url)
    error, _ = result.assert_error(2)
    assert "standard output is closed" in error
    assert "nothing was sent" in error
    done = _closed(cli, "stdout", "--json", "register", "closed-out@example.com", "--url",
                   service.url)  # fmt: skip
    done.assert_error(2)
    # Nothing was registered: the email is free.
    cli.main("register", "closed-out@example.com", "--url", service.url, "--no-save").assert_ok()


def test_a_closed_standard_error_leaves_the_json_document_alone(cli: Runner) -> None:
    result = _closed(cli, "stderr", "--json", "balance", env=NO_SERVICE)
    assert result.code == 1
    document = json.loads(result.out)  # one document: no `error:` line after it
    assert document["error"]["exit_code"] == 1


class _Full(io.StringIO):
    """A standard output on a full disk (`> /dev/full`)."""

    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_new_keys_secret_that_cannot_be_written_is_revoked(
    cli: Runner, service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tried as a new user would (`keys create ci --scope read > /dev/full`): the error
    # spoke of a file and --config, and the key stayed valid with its secret lost.
    env = _account(cli, service)
    monkeypatch.setattr(sys, "stdout", _Full())
    result = cli.main("keys", "create", "ci", "--scope", "read", env=env)
    monkeypatch.undo()
    error, hint = result.assert_error(1)
    assert "standard output" in error
    assert "No space left on device" in error
    assert "revoked" in error
    assert "--config" not in hint
    listed = json.loads(cli.main("--json", "keys", "list", env=env).assert_ok().out)
    assert [k for k in listed["api_keys"] if k["active"]] == []


def test_a_result_that_cannot_be_written_is_not_blamed_on_a_file(
    cli: Runner, service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = _account(cli, service)
    monkeypatch.setattr(sys, "stdout", _Full())
    result = cli.main("balance", env=env)
    monkeypatch.undo()
    error, hint = result.assert_error(1)
    assert "could not write to standard output" in error
    assert "--config" not in hint


def _account(cli: Runner, service: Any) -> dict[str, str]:
    email = f"full-{next(_numbers)}@example.com"
    cli.main("register", email, "--url", service.url, "--password-stdin", "--no-save",
             stdin="full-password-1\n").assert_ok()  # fmt: skip
    return {
        "SYFTBOX_ACCOUNTING_EMAIL": email,
        "SYFTBOX_ACCOUNTING_PASSWORD": "full-password-1",
        "SYFTBOX_ACCOUNTING_URL": service.url,
    }


def test_serve_on_a_port_in_use_is_a_failure_that_says_so(cli: Runner) -> None:
    # Tried as a new user would: uvicorn's own exit status 3 came through, which the
    # command line's table calls an authentication failure.
    pytest.importorskip("syftbox_accounting.server")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = cli.main("serve", "--port", port)
    assert result.code == 1, result
    (error,) = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert port in error
    assert "--port" in error


def test_serve_admin_key_stdin_with_standard_input_closed(
    cli: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("syftbox_accounting.server")
    from syftbox_accounting.cli import main

    monkeypatch.setattr(sys, "stdin", None)
    assert main(["serve", "--admin-key-stdin"]) == 1
    assert "standard input is closed" in cli._capsys.readouterr().err
