"""Read openapi.yaml once, for tests that take their data from the contract."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

SPEC_PATH = Path(__file__).resolve().parent.parent / "openapi.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "patch")


@functools.cache
def spec() -> dict[str, Any]:
    with SPEC_PATH.open(encoding="utf-8") as f:
        loaded: dict[str, Any] = yaml.safe_load(f)
    return loaded


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    """Follow a local `$ref` (possibly several) to the node it names."""
    while "$ref" in node:
        target: Any = spec()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every (method, path, operation) of the contract."""
    for path, item in spec()["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def body_examples() -> Iterator[tuple[str, str, dict[str, Any], Any]]:
    """Every request and response body example: (where, schema name, schema, value)."""
    for method, path, op in operations():
        bodies = []
        if "requestBody" in op:
            bodies.append(("request", resolve(op["requestBody"])))
        for status, response in op["responses"].items():
            bodies.append((status, resolve(response)))
        for label, body in bodies:
            media = body.get("content", {}).get("application/json")
            if media is None:
                continue
            schema_ref = media["schema"]["$ref"]
            for name, example in media["examples"].items():
                where = f"{method} {path} {label} {name}"
                yield (
                    where,
                    schema_ref.rsplit("/", 1)[1],
                    resolve(media["schema"]),
                    resolve(example)["value"],
                )


def python_name(name: str) -> str:
    """A contract name as the generator spells it in Python: ``createUser`` ->
    ``create_user``, ``Idempotency-Key`` -> ``idempotency_key``."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"[^0-9A-Za-z]+", "_", words).strip("_").lower()
