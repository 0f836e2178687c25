"""Hostile clients and hostile input: the service refuses cleanly and keeps serving."""

from __future__ import annotations

import hashlib
import logging
import re
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import h11
import httpx
import pytest

from syftbox_accounting.server import BackgroundService, connections, passwords
from tests.server.conftest import Api, User
from tests.server.contract import assert_error

HUGE_NUMBERS = [
    "1e999999999",
    "-1e999999999",
    "1e-999999999",
    "1e9999999999999999999",  # does not fit a Decimal's exponent at all
    "1E+" + "9" * 5000,
    "0e99999999999999999999",
    "1" + "0" * 5000,
]


@pytest.fixture
def pair(api: Api) -> tuple[User, User]:
    return api.register(), api.register()


@pytest.mark.parametrize("number", HUGE_NUMBERS)
def test_a_huge_number_anywhere_is_a_422_never_a_500(
    api: Api, pair: tuple[User, User], number: str, caplog: pytest.LogCaptureFixture
) -> None:
    payer, payee = pair
    admin = {"Content-Type": "application/json"} | api.admin
    cases = [
        # Unauthenticated: any client on the network can send these.
        ("/user/create", "createUser", f'{{"email": {number}}}', {}, "email"),
        (
            "/user/create",
            "createUser",
            f'{{"email": "n@example.com", "organization": {number}}}',
            {},
            "organization",
        ),
        ("/user/create", "createUser", f'{{"email": "n@example.com", "x": {number}}}', {}, "x"),
        (
            "/transaction/create",
            "createTransaction",
            f'{{"senderEmail": "{payer.email}", "recipientEmail": "{payee.email}",'
            f' "amount": {number}}}',
            {"auth": payer.auth},
            "amount",
        ),
        (
            "/user/add-balance",
            "addBalance",
            f'{{"recipientEmail": "{payer.email}", "amount": {number}}}',
            {"headers": {**admin, "Content-Type": "application/json"}},
            "amount",
        ),
    ]
    with caplog.at_level(logging.WARNING, logger="syftbox_accounting.server"):
        for path, operation, content, extra, field in cases:
            headers = extra.pop("headers", {"Content-Type": "application/json"})
            response = api.http.post(path, content=content.encode(), headers=headers, **extra)
            error = assert_error(response, operation, 422, "validation_error")
            assert [d["field"] for d in error["details"]] == [field], content[:80]
            assert len(response.content) < 1000  # no echo of the number's digits
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert api.balance(payer) == 100


# --- sockets that send nothing, or half a request ---------------------------------------

STALLS = [
    b"",  # connects and says nothing
    b"GET /users HTTP/1.1\r\nHost: x\r\n",  # headers never end
    b"POST /user/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    b"Content-Length: 100\r\n\r\n{",  # the body never ends
]


def stall(url: str, count: int, kinds: list[bytes] = STALLS) -> list[socket.socket]:
    """`count` loopback sockets that send the `kinds` of stalls in turn, then wait."""
    port = int(url.rsplit(":", 1)[1])
    sockets = []
    for i in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(kinds[i % len(kinds)])
        sockets.append(sock)
    return sockets


def closed_by_the_service(sock: socket.socket, within: float) -> bool:
    sock.settimeout(within)
    try:
        while sock.recv(4096):
            pass  # an answer (the body's handler may answer), then the close
    except TimeoutError:
        return False
    except OSError:
        return True  # reset
    return True


def test_idle_and_half_sent_requests_cannot_lock_others_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with (
        BackgroundService(max_connections=50, request_timeout=1.5) as service,
        httpx.Client(base_url=service.url, timeout=5) as http,
        caplog.at_level(logging.INFO, logger="syftbox_accounting.server"),
    ):
        sockets = stall(service.url, 300)
        try:
            start = time.monotonic()
            # 300 stalled sockets, six times the connection limit: still answered.
            for _ in range(3):
                response = http.get(
                    "/users", headers={"Authorization": f"Bearer {service.admin_key}"}
                )
                assert response.status_code == 200
            assert time.monotonic() - start < 5  # loose: the machine may be busy
            # And each stalled socket is closed: by the limit, or by the deadline.
            assert all(closed_by_the_service(sock, within=5) for sock in sockets)
        finally:
            for sock in sockets:
                sock.close()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "50 connections open, the limit (--max-connections): closing the ones "
        "that waited longest on their client"
    ]


def test_a_client_that_hangs_up_mid_body_is_a_normal_event(
    running_service: BackgroundService, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="syftbox_accounting.server"):
        [sock] = stall(running_service.url, 1, kinds=STALLS[2:])  # half a body
        time.sleep(0.2)  # let the handler start reading the body
        sock.close()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any(
            "POST /user/create" in r.getMessage() and r.name.endswith("server")
            for r in caplog.records
            if re.search(r" \d{3} ", r.getMessage())
        ):
            time.sleep(0.05)
    lines = [r for r in caplog.records if r.name == "syftbox_accounting.server"]
    assert not [r for r in lines if r.levelno >= logging.WARNING or r.exc_info]
    logged = [r.getMessage() for r in lines if r.levelno == logging.INFO]
    assert [line for line in logged if line.startswith("POST /user/create 499 ")], logged
    assert not [line for line in logged if " 500 " in line]


# --- a flood of logins that each cost a password hash ------------------------------------


class CountingScrypt:
    """hashlib.scrypt, slowed to a production-like cost, counting the calls at once."""

    def __init__(self, real: Callable[..., bytes], seconds: float) -> None:
        self.real, self.seconds = real, seconds
        self.running = self.most = 0
        self.lock = threading.Lock()

    def __call__(self, *args: Any, **kwargs: Any) -> bytes:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(self.seconds)
            return self.real(*args, **kwargs)
        finally:
            with self.lock:
                self.running -= 1


def bad_logins(url: str, count: int) -> list[httpx.Response]:
    def attempt(n: int) -> httpx.Response:
        auth = (f"nobody{n}@example.com", f"guess-{n}")
        return httpx.get(f"{url}/user/my-info", auth=auth, timeout=30)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(attempt, range(count)))


def test_a_flood_of_bad_logins_hashes_a_few_at_once_and_others_are_answered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 60 hashes of 0.1 s, a few at a time: the flood lasts seconds.
    scrypt = CountingScrypt(hashlib.scrypt, seconds=0.1)
    # On a file, where every request needs a worker thread: the flood must not take them.
    with BackgroundService(database=tmp_path / "books.sqlite3") as service:
        api = Api(service)
        try:
            user = api.register()
            assert api.balance(user) == 100  # verified once: cached from now on
            monkeypatch.setattr(hashlib, "scrypt", scrypt)
            with ThreadPoolExecutor(1) as flood:
                outcome = flood.submit(bad_logins, service.url, 60)
                while scrypt.most < passwords.MAX_CONCURRENT_HASHES:
                    time.sleep(0.01)  # the flood is on
                start = time.monotonic()
                assert api.balance(user) == 100
                users = api.http.get("/users", headers=api.admin)
                assert users.status_code == 200
                # Answered while the flood goes on (a loose bound: the machine may be busy).
                assert time.monotonic() - start < 2.5
                assert not outcome.done()
                responses = outcome.result(timeout=60)
        finally:
            api.close()
    # Refused, or told at once to come back later when the wait would be long.
    assert {r.status_code for r in responses} <= {401, 503}
    assert 401 in {r.status_code for r in responses}
    assert scrypt.most <= passwords.MAX_CONCURRENT_HASHES


def test_a_login_that_would_wait_long_is_a_503_with_retry_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Slow hashes, so that the queue is long while the 20 logins arrive, however busy the
    # machine is; any wait at all is too long for this service.
    monkeypatch.setattr(hashlib, "scrypt", CountingScrypt(hashlib.scrypt, seconds=0.3))
    with BackgroundService(max_login_wait=0.001) as service:
        responses = bad_logins(service.url, 20)
    busy = [r for r in responses if r.status_code == 503]
    assert busy, [r.status_code for r in responses]
    for response in busy:
        assert_error(response, "getMyInfo", 503, "unavailable")
        assert int(response.headers["retry-after"]) >= 1
    assert {r.status_code for r in responses} == {401, 503}


def test_the_h11_states_the_connection_limits_name_exist() -> None:
    # Matched by name (h11 is uvicorn's dependency): a rename would disable the timeouts.
    assert {h11.IDLE.__name__, h11.SEND_BODY.__name__} == connections._WAITING_FOR_CLIENT


@pytest.mark.parametrize(
    "garbage",
    [
        b"GARBAGE\r\n\r\n",
        b"GET /users HTTP/1.1\r\nHost: x\r\nContent-Length: many\r\n\r\n",
        b"GET /users HTTP/1.1\r\nX: " + b"a" * (connections.MAX_HEADER_BYTES + 1) + b"\r\n\r\n",
    ],
    ids=["not-http", "bad-length", "huge-header"],
)
def test_bytes_that_are_not_http_get_a_json_error_with_nosniff(api: Api, garbage: bytes) -> None:
    port = int(api.service.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(garbage)
        answer = b""
        while chunk := sock.recv(65536):  # the service closes the connection after it
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode().lower().split("\r\n")
    assert lines[0] == "http/1.1 400 bad request"
    assert "x-content-type-options: nosniff" in lines
    assert "content-type: application/json" in lines
    assert httpx.Response(400, content=body).json()["code"] == "bad_request"
