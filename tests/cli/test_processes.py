"""Whole processes: `serve` runs a service the other commands can use, and Ctrl-C
ends a command with one line and exit code 130."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess

import pytest

from tests.cli.conftest import Runner, clean_environ, command_line
from tests.facade.faulty_server import read_message
from tests.serving import served


def test_serve_runs_a_service_until_ctrl_c(cli: Runner) -> None:
    pytest.importorskip("syftbox_accounting.server")
    env = clean_environ(cli.home) | {"SYFTBOX_ACCOUNTING_ADMIN_KEY": "serve-admin-key-123"}
    with served([*command_line(), "serve"], env) as service:
        registered = cli.subprocess("register", "alice@example.com", "--url", service.url, "--json")
        assert json.loads(registered.assert_ok().out)["balance"] == 100
        listed = cli.subprocess(
            "admin",
            "list-users",
            "--url",
            service.url,
            env={"SYFTBOX_ACCOUNTING_ADMIN_KEY": "serve-admin-key-123"},
        ).assert_ok()
        assert "alice@example.com" in listed.out
    assert service.returncode == 0, service.log
    assert "Traceback" not in service.log
    assert "serve-admin-key-123" not in service.log


def test_ctrl_c_while_waiting_for_the_service(cli: Runner) -> None:
    """A service that accepts the connection and never answers; Ctrl-C ends the wait."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        env = clean_environ(cli.home) | {
            "SYFTBOX_ACCOUNTING_EMAIL": "alice@example.com",
            "SYFTBOX_ACCOUNTING_PASSWORD": "password-not-shown-1",
            "SYFTBOX_ACCOUNTING_URL": url,
        }
        process = subprocess.Popen(
            [*command_line(), "transfer", "bob@example.com", "1"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            listener.settimeout(30)
            connection, _ = listener.accept()
            with connection:
                # Only once the whole request has arrived is the command surely waiting
                # for the answer (a connection alone may come while it is still
                # sending, or from elsewhere): then Ctrl-C.
                connection.settimeout(30)
                request = read_message(connection)
                assert request is not None, "the command hung up before its request"
                os.kill(process.pid, signal.SIGINT)
                out, err = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert process.returncode == 130
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("interrupted")
    assert "history" in lines[0]  # money may have been in flight
    assert "password-not-shown-1" not in err


def test_ctrl_c_at_a_prompt(cli: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    import getpass

    def interrupted(prompt: str = "") -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(getpass, "getpass", interrupted)
    result = cli.main("balance", "--email", "alice@example.com", tty=True)
    assert result.code == 130
    assert result.err.strip() == "interrupted"
    assert "Traceback" not in result.output


def test_end_of_input_at_a_prompt(cli: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    import getpass

    def closed(prompt: str = "") -> str:
        raise EOFError

    monkeypatch.setattr(getpass, "getpass", closed)
    error, _ = cli.main("balance", "--email", "alice@example.com", tty=True).assert_error(2)
    assert "standard input ended" in error


def test_a_closed_stdout_is_not_a_traceback(cli: Runner) -> None:
    """`syftbox-accounting --help | head -0`: the reader is gone before the output."""
    process = subprocess.Popen(
        [*command_line(), "--help"],
        env=clean_environ(cli.home),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    process.stdout.close()
    with process.stderr:
        err = process.stderr.read()
    process.wait(timeout=30)
    assert "Traceback" not in err
    assert "Exception ignored" not in err
