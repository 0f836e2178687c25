"""Client side of the contract: every facade operation, sync and async, against a
Prism mock server generated from openapi.yaml.

Prism validates each request against the contract (body schema, formats, bounds,
unknown fields, security) and answers with the contract's examples. So this proves
that what the facade sends is what the contract accepts, and that the facade reads
every success example the contract documents.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from syftbox_accounting import AccountingClient, AdminClient
from tests.operations_table import BY_NAME, EMAIL, OP_IDS, OPS, PASSWORD, Op, Sync
from tests.spec import SPEC_PATH, operations, resolve

ROOT = Path(__file__).resolve().parent.parent
PRISM = ROOT / "node_modules" / ".bin" / "prism"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def prism_url() -> Iterator[str]:
    if not PRISM.exists() or shutil.which("node") is None:
        pytest.fail("Prism is not installed: run `make install` (npm ci) first.", pytrace=False)
    port = _free_port()
    proc = subprocess.Popen(
        [str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), str(SPEC_PATH)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/users", timeout=1)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = proc.stdout.read().decode() if proc.stdout else ""
                    pytest.fail(f"Prism did not start:\n{out}", pytrace=False)
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout:
            proc.stdout.close()


class Recorder:
    """Every response Prism gave, to check that it accepted every request."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, int, str | None]] = []

    def __call__(self, response: httpx.Response) -> None:
        request = response.request
        self.seen.append(
            (
                request.method,
                request.url.path,
                response.status_code,
                response.headers.get("sl-violations"),
            )
        )

    async def async_hook(self, response: httpx.Response) -> None:
        self(response)

    def rejected(self) -> list[tuple[str, str, int, str | None]]:
        return [s for s in self.seen if s[2] >= 400 or s[3]]


def _sync_clients(url: str, http: httpx.Client) -> tuple[AccountingClient, AdminClient]:
    # Our own httpx client, to see every response; the facade leaves it open for us.
    return (
        AccountingClient(url, EMAIL, PASSWORD, http_client=http, max_retries=0),
        AdminClient(url, "admin-key", http_client=http, max_retries=0),
    )


def _async_clients(url: str, http: httpx.AsyncClient) -> tuple[AccountingClient, AdminClient]:
    return (
        AccountingClient(url, EMAIL, PASSWORD, async_http_client=http, max_retries=0),
        AdminClient(url, "admin-key", async_http_client=http, max_retries=0),
    )


@pytest.mark.parametrize("op", OPS, ids=OP_IDS)
def test_sync_operation_is_accepted_by_the_contract(prism_url: str, op: Op) -> None:
    recorder = Recorder()
    with httpx.Client(event_hooks={"response": [recorder]}) as http:
        client, admin = _sync_clients(prism_url, http)
        result = op.sync(client, admin)
    assert result is not None
    assert recorder.seen, f"{op.name} sent no request"
    assert recorder.rejected() == []


@pytest.mark.anyio
@pytest.mark.parametrize("op", OPS, ids=OP_IDS)
async def test_async_operation_is_accepted_by_the_contract(prism_url: str, op: Op) -> None:
    recorder = Recorder()
    async with httpx.AsyncClient(event_hooks={"response": [recorder.async_hook]}) as http:
        client, admin = _async_clients(prism_url, http)
        result = await op.run_async(client, admin)
    assert result is not None
    assert recorder.seen, f"{op.name} sent no request"
    assert recorder.rejected() == []


def test_prism_does_reject_a_request_that_breaks_the_contract(prism_url: str) -> None:
    # The check above can fail: Prism flags a body the contract forbids.
    response = httpx.post(
        f"{prism_url}/transaction/create",
        auth=(EMAIL, PASSWORD),
        json={"senderEmail": EMAIL, "recipientEmail": "bob@example.com", "amount": 0, "extra": 1},
    )
    assert response.status_code == 422
    assert response.headers.get("sl-violations")


def _success_examples() -> list[tuple[str, str]]:
    found = []
    for method, path, op in operations():
        media = resolve(op["responses"]["200"]).get("content", {}).get("application/json", {})
        for name in media.get("examples", {}):
            found.append((f"{method} {path}", name))
    return found


# Which facade call reads each operation's success body.
READERS: dict[str, Sync] = {
    "POST /user/create": BY_NAME["register_accounting"].sync,
    "GET /user/my-info": BY_NAME["get_account_balance"].sync,
    "PUT /user/update-password": BY_NAME["update_password"].sync,
    "PUT /user/update-organization": BY_NAME["update_organization"].sync,
    "POST /token/create": BY_NAME["create_transaction_token"].sync,
    "POST /transaction/create": BY_NAME["create_transaction"].sync,
    "POST /transaction/confirm": BY_NAME["confirm_transaction"].sync,
    "POST /transaction/cancel": BY_NAME["cancel_transaction"].sync,
    "GET /transactions": BY_NAME["get_transaction_history"].sync,
    "POST /user/add-balance": BY_NAME["add_balance"].sync,
    "GET /user/{email}": BY_NAME["get_user"].sync,
    "GET /users": BY_NAME["list_users"].sync,
}


@pytest.mark.parametrize(("operation", "example"), _success_examples())
def test_facade_reads_every_success_example(prism_url: str, operation: str, example: str) -> None:
    recorder = Recorder()
    prefer = {"Prefer": f"example={example}"}
    with httpx.Client(headers=prefer, event_hooks={"response": [recorder]}) as http:
        client, admin = _sync_clients(prism_url, http)
        assert READERS[operation](client, admin) is not None
    assert recorder.rejected() == []
    assert set(READERS) == {f"{m} {p}" for m, p, _ in operations()}
