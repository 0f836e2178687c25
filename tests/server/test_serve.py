"""`python -m syftbox_accounting.server`, `run_from_args` and `BackgroundService`."""

from __future__ import annotations

import argparse
import io
import os
import re
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from syftbox_accounting.server import BackgroundService, add_serve_arguments, run_from_args
from syftbox_accounting.server import serve as serve_module
from syftbox_accounting.server.idempotency_records import RecordLimits

ADMIN_KEY = "serve-admin-key-not-for-the-logs"
PASSWORD = "serve-password-not-for-the-logs"


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="syftbox-accounting serve")
    add_serve_arguments(parser)
    return parser.parse_args(argv)


def test_help_shows_the_options_and_an_example() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "syftbox_accounting.server", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    for option in (
        "--host",
        "--port",
        "--db",
        "--admin-key",
        "--initial-credit",
        "--token-lifetime",
        "SYFTBOX_ACCOUNTING_ADMIN_KEY",
        "examples:",
    ):
        assert option in result.stdout


def test_defaults_bind_to_loopback() -> None:
    args = parse()
    assert (args.host, args.port, args.database) == ("127.0.0.1", 8000, ":memory:")
    assert (args.initial_credit, args.token_lifetime) == (Decimal(100), 86400.0)


@pytest.mark.parametrize(
    "argv",
    [
        ["--port", "70000"],
        ["--port", "x"],
        ["--initial-credit", "-1"],
        ["--initial-credit", "NaN"],
        ["--initial-credit", "1e999999999"],
        ["--initial-credit", "0.0000001"],
        ["--token-lifetime", "0"],
        ["--log-level", "loud"],
        ["--max-connections", "0"],
        ["--request-timeout", "-1"],
        ["--max-pending-per-recipient", "0"],
        ["--max-login-wait", "0"],
        ["--max-login-wait", "inf"],
        ["--idempotency-ttl", "-5"],
        ["--idempotency-anonymous-ttl", "nan"],
        ["--idempotency-records-per-caller", "0"],
        ["--idempotency-records", "many"],
    ],
)
def test_bad_options_are_refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse(*argv)
    assert "error" in capsys.readouterr().err


def test_run_from_args_takes_the_admin_key_from_the_environment_a_file_or_stdin(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(serve_module, "run", lambda **kwargs: calls.append(kwargs))
    monkeypatch.setenv("SYFTBOX_ACCOUNTING_ADMIN_KEY", "from-env")
    run_from_args(parse("--port", "9000", "--initial-credit", "0.5"))
    key_file = private_file(tmp_path / "admin.key", "from-file\n")
    run_from_args(parse("--admin-key-file", str(key_file)))
    monkeypatch.setattr("sys.stdin", io.StringIO("from-stdin\nnot this line\n"))
    run_from_args(parse("--admin-key-stdin"))
    monkeypatch.setenv("SYFTBOX_ACCOUNTING_ADMIN_KEY", "")
    run_from_args(parse())
    assert [c["admin_key"] for c in calls] == ["from-env", "from-file", "from-stdin", None]
    assert (calls[0]["port"], calls[0]["initial_credit"]) == (9000, Decimal("0.5"))


def test_the_hardening_limits_are_options_that_reach_the_service(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(serve_module, "run", lambda **kwargs: calls.append(kwargs))
    monkeypatch.delenv("SYFTBOX_ACCOUNTING_ADMIN_KEY", raising=False)
    run_from_args(parse())
    run_from_args(
        parse(
            "--max-pending-per-recipient",
            "7",
            "--max-login-wait",
            "2.5",
            "--idempotency-ttl",
            "600",
            "--idempotency-anonymous-ttl",
            "60",
            "--idempotency-records-per-caller",
            "50",
            "--idempotency-records",
            "5000",
        )
    )
    default, chosen = calls
    assert default["idempotency_limits"] == RecordLimits()
    assert (default["max_pending_per_recipient"], default["max_login_wait"]) == (100, 1.0)
    assert (chosen["max_pending_per_recipient"], chosen["max_login_wait"]) == (7, 2.5)
    assert chosen["idempotency_limits"] == RecordLimits(
        ttl=600, anonymous_ttl=60, per_scope=50, total=5000
    )


def test_the_limits_reach_a_running_service() -> None:
    limits = RecordLimits(ttl=600, anonymous_ttl=60, per_scope=50, total=5000)
    with BackgroundService(
        max_pending_per_recipient=7, max_login_wait=2.5, idempotency_limits=limits
    ) as running:
        service = running.service
        assert service.max_pending_per_recipient == 7
        assert service.keys.limits == limits


@pytest.mark.parametrize("argv", [["--admin-key", "key-typed-in-argv"], ["--admin-key"]])
def test_the_admin_key_is_refused_on_the_command_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # argv is readable by every user of the machine (`ps`, /proc/PID/cmdline).
    with pytest.raises(SystemExit) as exit_info:
        parse(*argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    for way in ("SYFTBOX_ACCOUNTING_ADMIN_KEY", "--admin-key-file", "--admin-key-stdin", "ps"):
        assert way in err
    assert "key-typed-in-argv" not in err


def private_file(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        (["--admin-key-file", "{tmp}/loose.key"], "chmod 600"),
        (["--admin-key-file", "{tmp}/missing.key"], "cannot read the admin key"),
        (["--admin-key-file", "{tmp}/empty.key"], "is empty"),
        (["--admin-key-file", "{tmp}/crlf.key"], "control character"),
        (["--admin-key-stdin"], "read no admin key"),
        (["--token-key-file", "{tmp}/loose.key"], "chmod 600"),
        (["--token-key-file", "{tmp}/short.key"], "at least 32 bytes"),
        (["--db", "{tmp}/loose.sqlite3"], "chmod 600"),
        (["--db", "{tmp}/books.sqlite3"], "chmod 600"),  # its -wal file is loose
    ],
)
def test_serve_refuses_keys_and_databases_others_can_read(
    argv: list[str],
    problem: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    private_file(tmp_path / "loose.key", "a-key-that-others-can-read-0123456789", 0o644)
    private_file(tmp_path / "empty.key", "\n")
    private_file(tmp_path / "crlf.key", "two\r\nlines")
    private_file(tmp_path / "short.key", "too-short")
    private_file(tmp_path / "loose.sqlite3", "", 0o644)
    private_file(tmp_path / "books.sqlite3", "")
    private_file(tmp_path / "books.sqlite3-wal", "", 0o640)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("the service started"))
    with pytest.raises(SystemExit) as exit_info:
        run_from_args(parse(*(a.format(tmp=tmp_path) for a in argv)))
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("error: "), err
    assert problem in err, err
    assert "a-key-that-others-can-read" not in err


def test_a_new_database_is_private_from_the_start(tmp_path: Path) -> None:
    database = tmp_path / "new" / "folder" / "books.sqlite3"
    previous = os.umask(0o022)  # the usual umask, which makes files 0644
    try:
        with BackgroundService(database=database) as running:
            with httpx.Client(base_url=running.url) as client:
                body = {"email": "a@example.com", "password": PASSWORD}
                assert client.post("/user/create", json=body).status_code == 201
            files = {p.name: stat.S_IMODE(p.stat().st_mode) for p in database.parent.iterdir()}
    finally:
        os.umask(previous)
    assert files == dict.fromkeys(("books.sqlite3", "books.sqlite3-wal", "books.sqlite3-shm"), 384)
    for folder in (database.parent, database.parent.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_a_token_key_file_keeps_the_signing_key_out_of_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(serve_module, "run", lambda **kwargs: calls.append(kwargs))
    key = "k" * 43
    run_from_args(parse("--token-key-file", str(private_file(tmp_path / "t.key", key + "\n"))))
    assert calls[0]["token_secret"] == key.encode()
    database = tmp_path / "books.sqlite3"
    with BackgroundService(database=database, token_secret=key.encode()):
        pass
    with sqlite3.connect(database) as db:
        # The API keys' HMAC key is there (it signs nothing: see server/api_keys.py),
        # beside two facts about the data.
        stored = {key for (key,) in db.execute("SELECT key FROM meta")}
    assert stored == {"schema_version", "api_key_secret", "history_in_time_order"}


def start(database: Path) -> tuple[subprocess.Popen[str], str]:
    env = os.environ | {"SYFTBOX_ACCOUNTING_ADMIN_KEY": ADMIN_KEY}
    process = subprocess.Popen(
        [sys.executable, "-m", "syftbox_accounting.server", "--port", "0", "--db", str(database)],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    deadline = time.monotonic() + 120  # a ceiling for a busy machine
    log = ""
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        log += line
        found = re.search(r"Uvicorn running on (http://127\.0\.0\.1:\d+)", line)
        if found:
            return process, found.group(1)
        if not line and process.poll() is not None:
            break
    process.kill()
    pytest.fail(f"the service did not start:\n{log}")


def stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    _, log = process.communicate(timeout=30)
    assert process.returncode == 0, log
    return log


def test_serve_keeps_the_books_in_a_file_and_logs_no_secret(tmp_path: Path) -> None:
    database = tmp_path / "accounting.sqlite3"
    process, url = start(database)
    try:
        with httpx.Client(base_url=url) as client:
            for email in ("payer@example.com", "svc@example.com"):
                body = {"email": email, "password": PASSWORD}
                client.post("/user/create", json=body).raise_for_status()
            admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
            credit = {"recipientEmail": "payer@example.com", "amount": 0.5}
            client.post("/user/add-balance", json=credit, headers=admin).raise_for_status()
            token = client.post(
                "/token/create",
                json={"recipientEmail": "svc@example.com"},
                auth=("payer@example.com", PASSWORD),
            ).json()["token"]
    finally:
        log = stop(process)
    lines = [line for line in log.splitlines() if "syftbox_accounting.server:" in line]
    requests = [line for line in lines if re.search(r" (GET|POST|PUT) /", line)]
    assert len(requests) == 4, log
    for secret in (PASSWORD, ADMIN_KEY, token):
        assert secret not in log

    # Restarted on the same file: the accounts, balances and token key are all there.
    process, url = start(database)
    try:
        with httpx.Client(base_url=url) as client:
            me = client.get("/user/my-info", auth=("payer@example.com", PASSWORD))
            assert me.json()["user"]["balance"] == 100.5
            charged = client.post(
                "/transaction/create",
                json={
                    "senderEmail": "payer@example.com",
                    "recipientEmail": "svc@example.com",
                    "amount": 1,
                    "token": token,
                },
                auth=("svc@example.com", PASSWORD),
            )
            assert charged.status_code == 200, charged.text
    finally:
        stop(process)


def test_background_service_can_be_entered_many_times() -> None:
    urls = []
    for _ in range(5):
        with BackgroundService() as running:
            urls.append(running.url)
            assert httpx.get(
                f"{running.url}/users", headers={"Authorization": f"Bearer {running.admin_key}"}
            ).json() == {"users": []}
        with pytest.raises(RuntimeError, match="not running"):
            _ = running.url
    with BackgroundService() as first, BackgroundService() as second:
        assert first.url != second.url
        assert first.admin_key != second.admin_key
        assert first.admin_key not in repr(first)


def test_background_service_reset_wipes_everything(tmp_path: Path) -> None:
    with BackgroundService(admin_key="fixed-admin-key", initial_credit=Decimal(0)) as running:
        admin = {"Authorization": "Bearer fixed-admin-key"}
        with httpx.Client(base_url=running.url, headers=admin) as client:
            body = {"email": "a@example.com", "password": PASSWORD}
            created = client.post("/user/create", json=body)
            assert created.json()["user"]["balance"] == 0
            running.reset()
            assert client.get("/users").json() == {"users": []}
            # The old credentials are gone with the account.
            me = client.get("/user/my-info", auth=("a@example.com", PASSWORD))
            assert me.status_code == 401
            assert client.post("/user/create", json=body).status_code == 201


def test_background_service_on_a_file_survives_a_restart(tmp_path: Path) -> None:
    database = tmp_path / "books.sqlite3"
    with BackgroundService(database=database) as running, httpx.Client(base_url=running.url) as c:
        c.post("/user/create", json={"email": "a@example.com", "password": PASSWORD})
    with BackgroundService(database=database) as running, httpx.Client(base_url=running.url) as c:
        me = c.get("/user/my-info", auth=("a@example.com", PASSWORD))
        assert me.json()["user"]["email"] == "a@example.com"
