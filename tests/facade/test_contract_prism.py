"""Client side of the contract: every facade operation, sync and async, against a
Prism mock server generated from openapi.yaml.

Prism validates each request against the contract (body schema, formats, bounds,
unknown fields, security) and answers with the contract's examples. So this proves
that what the facade sends is what the contract accepts, and that the facade reads
every success example the contract documents.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import httpx
import pytest

from syftbox_accounting import RetryPolicy
from tests.facade.helpers import EMAIL, OPS, PASSWORD, Op
from tests.serving import prism
from tests.spec import SPEC_PATH, operations, resolve

ROOT = SPEC_PATH.parent
PRISM = ROOT / "node_modules" / ".bin" / "prism"


@pytest.fixture(scope="module")
def prism_url() -> Iterator[str]:
    if not PRISM.exists() or shutil.which("node") is None:
        pytest.fail("Prism is not installed: run `make install` (npm ci) first.", pytrace=False)
    with prism(PRISM, "mock", str(SPEC_PATH), cwd=ROOT) as mock:
        yield mock.url


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


# Our own httpx clients, to see every response (the facade leaves them open for us).
NO_RETRY = RetryPolicy(max_retries=0)


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.id)
def test_sync_operation_is_accepted_by_the_contract(prism_url: str, op: Op) -> None:
    recorder = Recorder()
    with httpx.Client(event_hooks={"response": [recorder]}) as http:
        result = op.sync(op.client(prism_url, http_client=http, retry_policy=NO_RETRY))
    assert result is not None
    assert len(recorder.seen) == len(op.steps)
    assert recorder.rejected() == []


@pytest.mark.anyio
@pytest.mark.parametrize("op", OPS, ids=lambda op: op.id)
async def test_async_operation_is_accepted_by_the_contract(prism_url: str, op: Op) -> None:
    recorder = Recorder()
    async with httpx.AsyncClient(event_hooks={"response": [recorder.async_hook]}) as http:
        client = op.client(prism_url, async_http_client=http, retry_policy=NO_RETRY)
        result = await op.aio(client)
    assert result is not None
    assert len(recorder.seen) == len(op.steps)
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


# Which facade call reads each operation's success body: the first that sends it alone.
READERS: dict[str, Op] = {}
for _op in OPS:
    if len(_op.steps) == 1:
        READERS.setdefault(f"{_op.first.method} {_op.first.template}", _op)


@pytest.mark.parametrize(("operation", "example"), _success_examples())
def test_facade_reads_every_success_example(prism_url: str, operation: str, example: str) -> None:
    recorder = Recorder()
    prefer = {"Prefer": f"example={example}"}
    with httpx.Client(headers=prefer, event_hooks={"response": [recorder]}) as http:
        reader = READERS[operation]
        assert reader.sync(reader.client(prism_url, http_client=http, retry_policy=NO_RETRY))
    assert recorder.rejected() == []
    assert set(READERS) == {f"{m} {p}" for m, p, _ in operations()}
