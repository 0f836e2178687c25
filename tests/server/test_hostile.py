"""Hostile clients and hostile input: the service refuses cleanly and keeps serving."""

from __future__ import annotations

import hashlib
import logging
import re
import socket
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

import h11
import httpx
import pytest

from syftbox_accounting.server import BackgroundService, connections, passwords
from syftbox_accounting.server import endpoints as endpoints_module
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


# A ceiling for every wait below: generous, reached only when something is broken.
PATIENCE = 60.0


def stall(url: str, count: int, kinds: list[bytes] = STALLS) -> list[socket.socket]:
    """`count` loopback sockets that send the `kinds` of stalls in turn, then wait."""
    port = int(url.rsplit(":", 1)[1])
    sockets = []
    for i in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=PATIENCE)
        sock.sendall(kinds[i % len(kinds)])
        sockets.append(sock)
    return sockets


def closed_by_the_service(sock: socket.socket, within: float = PATIENCE) -> bool:
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
        httpx.Client(base_url=service.url, timeout=PATIENCE) as http,
        caplog.at_level(logging.INFO, logger="syftbox_accounting.server"),
    ):
        sockets = stall(service.url, 300)
        try:
            # 300 stalled sockets, six times the connection limit: still answered.
            for _ in range(3):
                response = http.get(
                    "/users", headers={"Authorization": f"Bearer {service.admin_key}"}
                )
                assert response.status_code == 200
            # And each stalled socket is closed: by the limit, or by the deadline.
            assert all(closed_by_the_service(sock) for sock in sockets)
        finally:
            for sock in sockets:
                sock.close()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "50 connections open, the limit (--max-connections): closing the ones "
        "that waited longest on their client"
    ]


class _Seen(logging.Handler):
    """Sets `event` once a record whose message matches `pattern` is logged."""

    def __init__(self, pattern: str) -> None:
        super().__init__(logging.DEBUG)
        self.pattern, self.event = re.compile(pattern), threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.pattern.search(record.getMessage()):
            self.event.set()


def test_a_client_that_hangs_up_mid_body_is_a_normal_event(
    running_service: BackgroundService,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reading = threading.Event()
    read_body = endpoints_module._read_body

    async def reading_body(request: Any) -> bytes:
        reading.set()
        return await read_body(request)

    monkeypatch.setattr(endpoints_module, "_read_body", reading_body)
    logged = _Seen(r"^POST /user/create \d{3} ")
    # On the root logger, after caplog's handler: the line is in caplog once it is seen.
    server_log = logging.getLogger()
    server_log.addHandler(logged)
    try:
        with caplog.at_level(logging.DEBUG, logger="syftbox_accounting.server"):
            [sock] = stall(running_service.url, 1, kinds=STALLS[2:])  # half a body
            # Hang up once the handler reads the body, and wait for the request's line.
            assert reading.wait(PATIENCE), "the service did not start reading the body"
            sock.close()
            assert logged.event.wait(PATIENCE), "the service logged no line for the request"
    finally:
        server_log.removeHandler(logged)
    lines = [r for r in caplog.records if r.name == "syftbox_accounting.server"]
    assert not [r for r in lines if r.levelno >= logging.WARNING or r.exc_info]
    logged_lines = [r.getMessage() for r in lines if r.levelno == logging.INFO]
    assert [line for line in logged_lines if line.startswith("POST /user/create 499 ")], (
        logged_lines
    )
    assert not [line for line in logged_lines if " 500 " in line]


# --- a flood of logins that each cost a password hash ------------------------------------


class GatedScrypt:
    """hashlib.scrypt held at a gate until the test opens it (`gate.set()`), counting
    the calls at once: the flood lasts as long as the test needs, on any machine."""

    def __init__(self, real: Callable[..., bytes]) -> None:
        self.real = real
        self.running = self.most = 0
        self.changed = threading.Condition()
        self.gate = threading.Event()

    def __call__(self, *args: Any, **kwargs: Any) -> bytes:
        with self.changed:
            self.running += 1
            self.most = max(self.most, self.running)
            self.changed.notify_all()
        try:
            self.gate.wait(PATIENCE)
            return self.real(*args, **kwargs)
        finally:
            with self.changed:
                self.running -= 1

    def wait_for(self, running: int) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: self.running >= running, PATIENCE)


def bad_logins(pool: ThreadPoolExecutor, url: str, count: int) -> list[Future[httpx.Response]]:
    def attempt(n: int) -> httpx.Response:
        auth = (f"nobody{n}@example.com", f"guess-{n}")
        return httpx.get(f"{url}/user/my-info", auth=auth, timeout=PATIENCE)

    return [pool.submit(attempt, n) for n in range(count)]


def test_a_flood_of_bad_logins_hashes_a_few_at_once_and_others_are_answered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scrypt = GatedScrypt(hashlib.scrypt)
    # On a file, where every request needs a worker thread: the flood must not take them.
    with BackgroundService(database=tmp_path / "books.sqlite3") as service:
        api = Api(service)
        try:
            user = api.register()
            assert api.balance(user) == 100  # verified once: cached from now on
            monkeypatch.setattr(hashlib, "scrypt", scrypt)
            with ThreadPoolExecutor(60) as flood:
                try:
                    logins = bad_logins(flood, service.url, 60)
                    scrypt.wait_for(passwords.MAX_CONCURRENT_HASHES)  # the flood is on
                    # Answered while every hash of the flood is held.
                    assert api.balance(user) == 100
                    users = api.http.get("/users", headers=api.admin)
                    assert users.status_code == 200
                    # None was refused while the hashes were held; a login told at
                    # once to come back later (503) is allowed on a busy machine.
                    early = [login.result() for login in logins if login.done()]
                    assert all(r.status_code == 503 for r in early), early
                finally:
                    scrypt.gate.set()
                responses = [login.result(PATIENCE) for login in logins]
        finally:
            api.close()
    # Refused, or told at once to come back later when the wait would be long.
    assert {r.status_code for r in responses} <= {401, 503}
    assert 401 in {r.status_code for r in responses}
    assert scrypt.most <= passwords.MAX_CONCURRENT_HASHES


def test_a_login_that_would_wait_long_is_a_503_with_retry_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Hashes held until a login was turned away, so that the queue is long while the 20
    # logins arrive, however busy the machine is; any wait at all is too long here.
    scrypt = GatedScrypt(hashlib.scrypt)
    monkeypatch.setattr(hashlib, "scrypt", scrypt)
    with BackgroundService(max_login_wait=0.001) as service, ThreadPoolExecutor(20) as pool:
        try:
            logins = bad_logins(pool, service.url, 20)
            wait(logins, PATIENCE, return_when=FIRST_COMPLETED)
        finally:
            scrypt.gate.set()
        responses = [login.result(PATIENCE) for login in logins]
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
