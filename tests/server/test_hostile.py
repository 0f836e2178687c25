"""Hostile clients and hostile input: the service refuses cleanly and keeps serving."""

from __future__ import annotations

import logging
import re
import socket
import time

import httpx
import pytest

from syftbox_accounting.server import BackgroundService
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
            {"headers": admin},
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
            assert time.monotonic() - start < 3
            # And each stalled socket is closed: by the limit, or by the deadline.
            assert all(closed_by_the_service(sock, within=5) for sock in sockets)
        finally:
            for sock in sockets:
                sock.close()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


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
