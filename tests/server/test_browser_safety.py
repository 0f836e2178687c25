"""What a browser may do with the service: no JSON body in any other type (a browser
sends those to another origin without asking), no answer sniffed into a script or a
page, and an API reference that runs only its own scripts and is never framed."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from syftbox_accounting.server import create_app, docs
from tests.server.contract import assert_error
from tests.spec import operations

ADMIN_KEY = "an-admin-key-for-these-tests"
WITH_BODY = [
    (method, path, op["operationId"]) for method, path, op in operations() if "requestBody" in op
]
REFUSED_TYPES: list[dict[str, str] | list[tuple[str, str]]] = [
    {"Content-Type": "text/plain"},
    {"Content-Type": "text/plain;charset=UTF-8"},
    {"Content-Type": "application/x-www-form-urlencoded"},
    {"Content-Type": "multipart/form-data; boundary=x"},
    {"Content-Type": "text/json"},
    {"Content-Type": "application/json-patch+json"},
    {"Content-Type": "application/jsonx"},
    {"Content-Type": ""},
    {},  # none at all
    [("Content-Type", "application/json"), ("Content-Type", "text/plain")],  # two
]
ACCEPTED_TYPES = ["application/json", "Application/JSON", "application/json; charset=utf-8"]


@pytest.fixture
def app() -> Iterator[Starlette]:
    app = create_app(admin_key=ADMIN_KEY)
    yield app
    app.state.service.close()


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        yield client


def _path(path: str) -> str:
    return path.replace("{email}", "someone@example.com")


@pytest.mark.anyio
@pytest.mark.parametrize(("method", "path", "operation_id"), WITH_BODY)
async def test_a_body_not_declared_json_is_a_415_before_anything_else(
    client: httpx.AsyncClient, method: str, path: str, operation_id: str
) -> None:
    body = b'{"email": "x@example.com", "password": "a-password-1"}'
    for headers in REFUSED_TYPES:
        answer = await client.request(
            method,
            _path(path),
            content=body,
            headers=headers,
            # Credentials a browser may hold: they change nothing.
            auth=("x@example.com", "a-password-1"),
        )
        assert_error(answer, operation_id, 415, "unsupported_media_type")
        assert "application/json" in answer.json()["message"]
    # The same without credentials, with a bad admin key or a bad idempotency key: 415
    # first, so a flood of them costs neither a password check nor a record.
    answer = await client.request(
        method,
        _path(path),
        content=body,
        headers={"Content-Type": "text/plain", "Idempotency-Key": "bad key"},
    )
    assert answer.status_code == 415


@pytest.mark.anyio
async def test_json_with_parameters_or_in_any_case_is_accepted(client: httpx.AsyncClient) -> None:
    for n, media_type in enumerate(ACCEPTED_TYPES):
        answer = await client.post(
            "/user/create",
            content=f'{{"email": "ok{n}@example.com", "password": "a-password-1"}}'.encode(),
            headers={"Content-Type": media_type},
        )
        assert answer.status_code == 201, (media_type, answer.text)


async def _every_kind_of_answer(client: httpx.AsyncClient, app: Starlette) -> list[Any]:
    auth = ("a@example.com", "a-password-1")
    created = await client.post("/user/create", json={"email": auth[0], "password": auth[1]})
    answers = [
        created,
        await client.get("/user/my-info", auth=auth),
        await client.get("/user/my-info", auth=("a@example.com", "wrong")),
        await client.post("/user/create", json={"email": "nope"}),
        await client.post("/user/create", content=b"{}", headers={"Content-Type": "text/plain"}),
        await client.get("/no/such/path"),
        await client.delete("/user/my-info"),
        await client.get("/openapi.yaml"),
        await client.get("/docs"),
        await client.get("/docs/users"),
        await client.get("/users", headers={"Authorization": f"Bearer {ADMIN_KEY}"}),
        await client.put(
            "/user/update-organization",
            json={"organization": "x"},
            auth=auth,
            headers={"Idempotency-Key": "k-1"},
        ),
    ]
    service = app.state.service

    def broken(*args: Any) -> Any:
        raise RuntimeError("a bug")

    service.users = broken
    answers.append(await client.get("/users", headers={"Authorization": f"Bearer {ADMIN_KEY}"}))
    return answers


@pytest.mark.anyio
async def test_every_answer_says_nosniff(client: httpx.AsyncClient, app: Starlette) -> None:
    answers = await _every_kind_of_answer(client, app)
    assert {a.status_code for a in answers} >= {200, 201, 401, 404, 405, 415, 422, 500}
    for answer in answers:
        assert answer.headers["X-Content-Type-Options"] == "nosniff", answer.request.url


def test_the_reference_policy_allows_the_pages_scripts_and_nothing_else() -> None:
    page = (
        b"<html><head><style>p{}</style><script>one()</script></head>"
        b'<body><script type="module">\ntwo()\n</script><SCRIPT>one()</SCRIPT></body></html>'
    )
    policy = dict(
        directive.split(" ", 1) for directive in docs.content_security_policy(page).split("; ")
    )
    hashes = sorted(
        "'sha256-" + base64.b64encode(hashlib.sha256(s).digest()).decode() + "'"
        for s in (b"one()", b"\ntwo()\n")
    )
    assert sorted(policy["script-src"].split()) == hashes
    assert policy["default-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["base-uri"] == policy["form-action"] == "'none'"
    assert "unsafe-eval" not in docs.content_security_policy(page)
    assert policy["connect-src"] == "'self'"
    assert docs.content_security_policy(b"<p>no script</p>").count("script-src 'none'") == 1


@pytest.mark.anyio
async def test_the_api_reference_is_served_with_its_policy(client: httpx.AsyncClient) -> None:
    answer = await client.get("/docs")
    if answer.status_code == 404:
        pytest.skip("the API reference is not built here: `make docs` builds it")
    policy = answer.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert answer.headers["X-Frame-Options"] == "DENY"
    scripts = re.findall(rb"<script\b[^>]*>(.*?)</script\s*>", answer.content, re.S | re.I)
    assert scripts
    for script in scripts:
        digest = base64.b64encode(hashlib.sha256(script).digest()).decode()
        assert f"'sha256-{digest}'" in policy
    assert (await client.get("/docs/transactions")).headers["Content-Security-Policy"] == policy
