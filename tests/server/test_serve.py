"""`python -m syftbox_accounting.server`, `run_from_args` and `BackgroundService`."""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from syftbox_accounting.server import BackgroundService, add_serve_arguments, run_from_args
from syftbox_accounting.server import serve as serve_module

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
        ["--token-lifetime", "0"],
        ["--log-level", "loud"],
    ],
)
def test_bad_options_are_refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse(*argv)
    assert "error" in capsys.readouterr().err


def test_run_from_args_takes_the_admin_key_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(serve_module, "run", lambda **kwargs: calls.append(kwargs))
    monkeypatch.setenv("SYFTBOX_ACCOUNTING_ADMIN_KEY", "from-env")
    run_from_args(parse("--port", "9000", "--initial-credit", "0.5"))
    run_from_args(parse("--admin-key", "from-flag"))
    monkeypatch.setenv("SYFTBOX_ACCOUNTING_ADMIN_KEY", "")
    run_from_args(parse())
    assert [c["admin_key"] for c in calls] == ["from-env", "from-flag", None]
    assert (calls[0]["port"], calls[0]["initial_credit"]) == (9000, Decimal("0.5"))


def start(database: Path) -> tuple[subprocess.Popen[str], str]:
    env = os.environ | {"SYFTBOX_ACCOUNTING_ADMIN_KEY": ADMIN_KEY}
    process = subprocess.Popen(
        [sys.executable, "-m", "syftbox_accounting.server", "--port", "0", "--db", str(database)],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    deadline = time.monotonic() + 30
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
