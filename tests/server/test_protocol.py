"""Routing, error bodies, logging and failures, in process (on asyncio and trio)."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from syftbox_accounting.server import create_app
from syftbox_accounting.server.app import ENDPOINTS
from syftbox_accounting.server.bodies import MAX_BODY_BYTES
from tests.server.contract import assert_error
from tests.spec import operations

ADMIN_KEY = "admin-key-that-must-never-be-logged"
PASSWORD = "password-that-must-never-be-logged"


@pytest.fixture
def app() -> Iterator[Starlette]:
    app = create_app(admin_key=ADMIN_KEY)
    yield app
    app.state.service.close()


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        yield client


async def register(client: httpx.AsyncClient, email: str) -> tuple[str, str]:
    response = await client.post("/user/create", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    return (email, PASSWORD)


@pytest.mark.anyio
async def test_the_payment_flow_in_process(client: httpx.AsyncClient) -> None:
    payer = await register(client, "payer@example.com")
    service = await register(client, "ai-service@example.com")
    token = await client.post("/token/create", json={"recipientEmail": service[0]}, auth=payer)
    created = await client.post(
        "/transaction/create",
        json={
            "senderEmail": payer[0],
            "recipientEmail": service[0],
            "amount": 1.5,
            "token": token.json()["token"],
            "appName": None,
            "appEpPath": None,
        },
        auth=service,
    )
    transaction_id = created.json()["transaction"]["id"]
    confirmed = await client.post(
        "/transaction/confirm", json={"transactionId": transaction_id}, auth=service
    )
    assert confirmed.json()["transaction"]["status"] == "COMPLETED"
    me = await client.get("/user/my-info", auth=payer)
    assert me.json()["user"]["balance"] == 98.5


def test_the_endpoint_table_is_the_contract() -> None:
    served = {(e.operation_id, e.method, e.path.replace(":path}", "}")) for e in ENDPOINTS}
    documented = {(op["operationId"], method, path) for method, path, op in operations()}
    assert served == documented
    assert len(served) == len(ENDPOINTS)


@pytest.mark.anyio
async def test_an_unknown_path_is_a_json_404(client: httpx.AsyncClient) -> None:
    for path in ("/", "/nope", "/users/", "/transaction", "/transactions/x/y", "/user"):
        response = await client.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/json"
        assert response.json()["code"] == "not_found"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("method", "path"),
    # An id may end in a newline (`[^/]+` takes it): it names no transaction then.
    [(method, path) for method, path, _ in operations() if "{transactionId}" not in path],
)
async def test_a_path_with_a_final_newline_is_no_path_of_the_contract(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    # A route pattern ending in `$` also matches before a final newline: /users%0A
    # was served as /users, and /user/alice@example.com%0A looked up alice.
    await register(client, "alice@example.com")
    path = path.replace("{email}", "alice@example.com")
    headers = {"Authorization": f"Bearer {ADMIN_KEY}", "Content-Type": "application/json"}
    response = await client.request(method, path + "%0A", content=b"{}", headers=headers)
    assert response.status_code == 404, response.text
    assert response.json()["code"] == "not_found"


@pytest.mark.anyio
@pytest.mark.parametrize(("method", "path"), [(method, path) for method, path, _ in operations()])
async def test_an_undocumented_method_is_a_json_405_with_allow(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    # Every path of the contract has one method; GET /user/create must not be taken for
    # an admin lookup of the account "create".
    path = path.replace("{email}", "alice@example.com")
    for other in {"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"} - {method}:
        response = await client.request(other, path)
        assert response.status_code == 405, (other, path, response.text)
        assert method in response.headers["allow"]
        assert response.json()["code"] == "method_not_allowed"
        assert other in response.json()["message"]


@pytest.mark.anyio
async def test_routes_added_later_are_routed_as_starlette_routes_them(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    # The fixed paths are found in a table: it must follow the route list, first match
    # first, as Starlette's scan does (the benchmarks insert a route at the front).
    async def first(request: Request) -> Response:
        return JSONResponse({"first": request.method})

    async def second(request: Request) -> Response:
        return JSONResponse({"second": request.method})

    await register(client, "payer@example.com")
    assert (await client.get("/user/my-info", auth=("payer@example.com", PASSWORD))).is_success
    app.router.routes.insert(0, Route("/user/my-info", first, methods=["GET"]))
    app.router.routes.insert(0, Route("/extra", first, methods=["PUT"]))
    assert (await client.get("/user/my-info")).json() == {"first": "GET"}
    assert (await client.head("/user/my-info")).status_code == 200
    assert (await client.put("/extra")).json() == {"first": "PUT"}
    assert (await client.get("/extra")).json()["code"] == "method_not_allowed"
    del app.router.routes[:2]
    assert (await client.get("/user/my-info")).json()["code"] == "invalid_credentials"
    assert (await client.put("/extra")).json()["code"] == "not_found"
    # A route replaced in place, or a new list of the same length, changes it too.
    routes = app.router.routes
    mine = next(i for i, r in enumerate(routes) if getattr(r, "path", "") == "/user/my-info")
    routes[mine] = Route("/user/my-info", first, methods=["GET"])
    assert (await client.get("/user/my-info")).json() == {"first": "GET"}
    app.router.routes = [Route("/user/my-info", second, methods=["GET"]), *routes[1:]]
    assert (await client.get("/user/my-info")).json() == {"second": "GET"}


@pytest.mark.anyio
async def test_a_route_replaced_by_an_equal_one_is_the_one_routed(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    # Starlette's routes compare equal by path, endpoint and methods alone: a route
    # replaced by one that differs only in its middleware (or its pattern) is "equal",
    # yet the scan takes the new one, and so must the table of fixed paths.
    class Tagged:
        def __init__(self, app: ASGIApp) -> None:  # Starlette passes it by name
            self.inner = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            async def tagged(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message = {**message, "headers": [*message["headers"], (b"x-tag", b"new")]}
                await send(message)

            await self.inner(scope, receive, tagged)

    async def mine(request: Request) -> Response:
        return JSONResponse({"mine": request.method})

    routes = app.router.routes
    index = next(i for i, r in enumerate(routes) if getattr(r, "path", "") == "/user/my-info")
    routes[index] = Route("/user/my-info", mine, methods=["GET"])
    assert (await client.get("/user/my-info")).json() == {"mine": "GET"}
    routes[index] = Route("/user/my-info", mine, methods=["GET"], middleware=[Middleware(Tagged)])
    assert routes[index] == Route("/user/my-info", mine, methods=["GET"])  # Starlette's equality
    response = await client.get("/user/my-info")
    assert response.headers.get("x-tag") == "new"


@pytest.mark.anyio
async def test_a_get_route_answers_head(client: httpx.AsyncClient) -> None:
    await register(client, "payer@example.com")
    got = await client.get("/user/my-info", auth=("payer@example.com", PASSWORD))
    head = await client.head("/user/my-info", auth=("payer@example.com", PASSWORD))
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-length"] == got.headers["content-length"]


@pytest.mark.anyio
async def test_a_body_in_several_pieces_is_read_whole_and_a_long_one_refused(
    client: httpx.AsyncClient,
) -> None:
    async def pieces(*chunks: bytes) -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    body = b'{"email": "alice@example.com", "password": "' + PASSWORD.encode() + b'"}'
    headers = {"Content-Type": "application/json"}
    made = await client.post(
        "/user/create", content=pieces(body[:5], b"", body[5:20], body[20:]), headers=headers
    )
    assert made.status_code == 201, made.text
    padding = b" " * (MAX_BODY_BYTES // 3)
    long = await client.post(
        "/user/create", content=pieces(body, padding, padding, padding, padding), headers=headers
    )
    assert long.status_code == 400, long.text
    assert "larger than" in long.json()["message"]


@pytest.mark.anyio
async def test_an_unexpected_failure_is_a_json_500_that_leaks_nothing(
    app: Starlette, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    user = await register(client, "payer@example.com")

    def fail(*args: object) -> None:
        raise RuntimeError("internal detail: /var/lib/secret.db")

    app.state.service.store.transactions = fail
    with caplog.at_level(logging.ERROR, logger="syftbox_accounting.server"):
        response = await client.get("/transactions", auth=user)
    body = assert_error(response, "listTransactions", 500, "internal_error")
    assert "secret" not in response.text
    assert "try again" in body["message"].lower()
    assert "RuntimeError" in caplog.text  # the operator gets the traceback
    assert PASSWORD not in caplog.text


@pytest.mark.anyio
async def test_one_log_line_per_request_and_no_secret(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="syftbox_accounting.server")
    payer = await register(client, "payer@example.com")
    service = await register(client, "ai-service@example.com")
    token = await client.post("/token/create", json={"recipientEmail": service[0]}, auth=payer)
    token_text = token.json()["token"]
    await client.post(
        "/transaction/create",
        json={
            "senderEmail": payer[0],
            "recipientEmail": service[0],
            "amount": 1,
            "token": token_text,
        },
        auth=service,
    )
    await client.get("/users", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    await client.get("/users", headers={"Authorization": "Bearer wrong-admin-key-guess"})
    await client.get("/user/my-info", auth=("payer@example.com", "wrong-password-guess"))
    # A client cannot forge a log line with a newline in the path.
    await client.get("/user/my-info%0AINFO:forged")
    lines = [r.getMessage() for r in caplog.records if r.name == "syftbox_accounting.server"]
    assert len(lines) == 8
    for line in lines:
        assert re.fullmatch(r"(GET|POST|PUT) /\S* \d{3} \d+\.\dms req_[0-9a-f]{16}", line), line
    assert lines[-1].startswith("GET /user/my-info\\nINFO:forged 404 ")
    for secret in (PASSWORD, ADMIN_KEY, token_text, "wrong-admin-key-guess", "guess"):
        assert secret not in caplog.text


@pytest.mark.anyio
async def test_explicit_nulls_and_absent_fields_mean_the_same(client: httpx.AsyncClient) -> None:
    payer = await register(client, "payer@example.com")
    await register(client, "ai-service@example.com")
    base = {"senderEmail": payer[0], "recipientEmail": "ai-service@example.com", "amount": 1}
    with_nulls = base | {"token": None, "appName": None, "appEpPath": None}
    for body in (base, with_nulls):
        response = await client.post("/transaction/create", json=body, auth=payer)
        transaction = response.json()["transaction"]
        assert (transaction["createdBy"], transaction["appName"]) == ("SENDER", None)
