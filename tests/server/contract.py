"""Check a response against openapi.yaml: a documented status and a body that fits."""

from __future__ import annotations

import functools
from typing import Any

import httpx
import jsonschema

from tests.spec import operations, resolve, spec


@functools.cache
def _operations() -> dict[str, dict[str, Any]]:
    return {op["operationId"]: op for _, _, op in operations()}


def assert_conforms(response: httpx.Response, operation_id: str) -> Any:
    """The response's status is one the operation documents and its JSON body fits the
    documented schema; returns the body."""
    documented = _operations()[operation_id]["responses"]
    status = str(response.status_code)
    assert status in documented, f"{operation_id} answered undocumented {status}: {response.text}"
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    schema = resolve(documented[status])["content"]["application/json"]["schema"]
    root = {**schema, "components": spec()["components"]}
    validator = jsonschema.Draft202012Validator(
        root, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    problems = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(body)]
    assert problems == [], f"{operation_id} {status} body breaks the contract: {problems}"
    return body


def assert_error(
    response: httpx.Response, operation_id: str, status: int, code: str
) -> dict[str, Any]:
    """A documented error with this status and code, and a message that says something."""
    body: dict[str, Any] = assert_conforms(response, operation_id)
    assert (response.status_code, body["code"]) == (status, code), response.text
    assert len(body["message"]) > 20
    return body
