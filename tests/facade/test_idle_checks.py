"""The async clients made here check their kept-alive connections with each socket
found once (`idle_checks`): a connection the service closed is still never reused."""

from __future__ import annotations

import datetime
import ipaddress
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from syftbox_accounting.idle_checks import SocketFoundOnce, check_idle_cheaply
from tests.facade.faulty_server import read_message
from tests.facade.helpers import USER, user_client

BODY = json.dumps({"user": USER}).encode()
ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: keep-alive\r\n"
    b"Content-Length: " + str(len(BODY)).encode() + b"\r\n\r\n" + BODY
)
_PATIENCE = 60.0  # a ceiling reached only when something is broken


class _OneAnswerEach:
    """Answers one request per connection, keep-alive said, then closes it (once
    `release` is set, when it is given); `closed` is released each time a connection
    has been closed."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        scheme = "http" if tls is None else "https"
        self.url = f"{scheme}://127.0.0.1:{self.listener.getsockname()[1]}"
        self.tls = tls
        self.connections = 0
        self.closed = threading.Semaphore(0)
        self.release: threading.Event | None = None
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
            with conn:
                conn.settimeout(_PATIENCE)
                if read_message(conn) is not None:
                    conn.sendall(ANSWER)
                    if self.release is not None:
                        self.release.wait(_PATIENCE)
            self.closed.release()

    def close(self) -> None:
        if self.release is not None:
            self.release.set()
        self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept()
        self.listener.close()
        self.thread.join(_PATIENCE)


@pytest.fixture
def server() -> Iterator[_OneAnswerEach]:
    serving = _OneAnswerEach()
    yield serving
    serving.close()


@pytest.mark.anyio
async def test_a_connection_the_service_closed_is_not_reused(server: _OneAnswerEach) -> None:
    # No retries: a closed connection reused would fail the second call.
    async with user_client(server.url, max_retries=0, retry_policy=None) as client:
        for _ in range(3):
            assert await client.get_account_balance_async() == USER["balance"]
            assert await anyio.to_thread.run_sync(server.closed.acquire, True, _PATIENCE)
    assert server.connections == 3


@pytest.mark.anyio
async def test_the_own_async_client_checks_idle_connections_cheaply(
    server: _OneAnswerEach, anyio_backend: str
) -> None:
    server.release = threading.Event()
    async with user_client(server.url) as client:
        await client.get_account_balance_async()
        http: Any = client._transport._async_http()  # type: ignore[attr-defined]
        pool = http._transport._pool
        assert type(pool._network_backend).__name__ == "_IdleChecks"
        (connection,) = pool._connections
        stream = connection._connection._network_stream
        # The check is the stream's own on trio, the one made here on asyncio.
        assert isinstance(stream, SocketFoundOnce) == (anyio_backend == "asyncio")
        assert stream.get_extra_info("is_readable") is False
        assert not connection.has_expired()
        server.release.set()
        assert await anyio.to_thread.run_sync(server.closed.acquire, True, _PATIENCE)
        assert stream.get_extra_info("is_readable") is True
        assert connection.has_expired()


def _self_signed(folder: Path) -> tuple[ssl.SSLContext, Path]:
    """A server context for 127.0.0.1 and the file of its certificate, to trust."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context, cert_file


@pytest.mark.anyio
async def test_a_tls_connection_is_checked_the_same_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, anyio_backend: str
) -> None:
    context, cert_file = _self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))  # the client trusts it alone
    server = _OneAnswerEach(tls=context)
    server.release = threading.Event()
    try:
        async with user_client(server.url, max_retries=0, retry_policy=None) as client:
            assert await client.get_account_balance_async() == USER["balance"]
            http: Any = client._transport._async_http()  # type: ignore[attr-defined]
            (connection,) = http._transport._pool._connections
            stream = connection._connection._network_stream
            assert isinstance(stream, SocketFoundOnce) == (anyio_backend == "asyncio")
            assert stream.get_extra_info("ssl_object") is not None
            assert not connection.has_expired()
            server.release.set()
            assert await anyio.to_thread.run_sync(server.closed.acquire, True, _PATIENCE)
            assert connection.has_expired()
            server.release = None
            assert await client.get_account_balance_async() == USER["balance"]
        assert server.connections == 2
    finally:
        server.close()


def test_only_httpx_own_pools_are_changed() -> None:
    # httpx's internals this relies on are there (a version that moved them fails here).
    assert check_idle_cheaply(httpx.AsyncClient(proxy="http://127.0.0.1:9"))
    custom = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    assert not check_idle_cheaply(custom)
