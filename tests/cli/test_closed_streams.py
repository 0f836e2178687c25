"""Standard streams a script closed (`<&-`, `>&-`, `2>&-`), tried as a new user would:
a secret is never printed to nowhere, an error never lands in the JSON on stdout, and a
closed standard input is a usage error that names the option, not a bug."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from tests.cli.conftest import NO_SERVICE, Result, Runner, clean_environ, command_line

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
