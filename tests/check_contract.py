"""Check the rules of openapi.yaml that a generator needs and no linter knows.

    python tests/check_contract.py [openapi.yaml]      (`make check-contract`)

Prints each problem and exits 1 when there is one:
- money: every number field (the contract's numbers are all money) has a decimal-string
  sibling named ``<field>Decimal`` (a `DecimalAmount` or `DecimalTotal`), and every
  ``...Decimal`` field has its number; a request's number says that a 32-bit float
  rounds it and names its ``...Decimal`` field (a generated client shows only that);
- open enums: no closed `enum` where an answer carries it (a string listing its known
  values in ``x-extensible-enum`` is open; so is an `anyOf` with a plain string beside
  the enum, which not every generator reads), and none open where a request carries it;
  no two enums give a constant the same name (Go puts them all in one namespace);
- headers: every response declares ``X-Request-Id`` and ``Accounting-Features``; every
  response of an operation that takes an ``Idempotency-Key`` declares it (the echo),
  and ``Idempotent-Replayed`` where a stored answer can be replayed (2xx: only
  successes are recorded), and nowhere else; ``Retry-After`` on every 429 and 503, and
  on the 409s of such operations (``request_in_progress``);
- required fields: a field of an answer is `required`, or says when it is absent
  (``x-absent-when``).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

DEFAULT = Path(__file__).resolve().parent.parent / "openapi.yaml"
METHODS = ("get", "put", "post", "delete", "patch")
EXACT_FORMS = {"#/components/schemas/DecimalAmount", "#/components/schemas/DecimalTotal"}
EVERY_ANSWER = ("X-Request-Id", "Accounting-Features")
KEY = "Idempotency-Key"


class Contract:
    """openapi.yaml, with `$ref`s followed on request."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc

    def resolve(self, node: Any) -> Any:
        seen = set()
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if ref in seen:
                raise ValueError(f"$ref cycle at {ref}")
            seen.add(ref)
            target: Any = self.doc
            for part in ref.removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    def operations(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for path, item in self.doc.get("paths", {}).items():
            for method in METHODS:
                if method in item:
                    yield f"{method.upper()} {path}", item[method]

    def bodies(self, operation: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
        """("request" or the status, where, schema) of each JSON body."""
        if "requestBody" in operation:
            body = self.resolve(operation["requestBody"])
            media = body.get("content", {}).get("application/json")
            if media:
                yield "request", "request body", media["schema"]
        for status, response in operation.get("responses", {}).items():
            media = self.resolve(response).get("content", {}).get("application/json")
            if media:
                yield str(status), f"{status} body", media["schema"]


def _schemas(
    contract: Contract, schema: Any, where: str, seen: set[int]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema reachable from `schema` (refs followed once), with where it is."""
    node = contract.resolve(schema)
    if not isinstance(node, dict) or id(node) in seen:
        return
    seen.add(id(node))
    yield where, node
    for name, prop in node.get("properties", {}).items():
        yield from _schemas(contract, prop, f"{where}.{name}", seen)
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            yield from _schemas(contract, node[key], f"{where}[]", seen)
    for key in ("anyOf", "oneOf", "allOf"):
        for option in node.get(key, []):
            yield from _schemas(contract, option, where, seen)


def _is_number(contract: Contract, schema: Any) -> bool:
    node = contract.resolve(schema)
    kinds = node.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "number" in kinds:
        return True
    return any(_is_number(contract, o) for o in node.get("oneOf", []) + node.get("anyOf", []))


def _exact_form(schema: Any) -> bool:
    if not isinstance(schema, dict):
        return False
    if schema.get("$ref") in EXACT_FORMS:
        return True
    options = schema.get("oneOf", []) + schema.get("anyOf", [])
    return any(o.get("$ref") in EXACT_FORMS for o in options) and all(
        o.get("$ref") in EXACT_FORMS or o.get("type") == "null" for o in options
    )


def money_problems(contract: Contract) -> list[str]:
    problems = []
    for name, schema in contract.doc["components"]["schemas"].items():
        properties = schema.get("properties", {})
        for field, prop in properties.items():
            if field.endswith("Decimal"):
                number = field.removesuffix("Decimal")
                if not _exact_form(prop):
                    problems.append(
                        f"{name}.{field}: a decimal string must be a DecimalAmount or DecimalTotal"
                    )
                if number not in properties:
                    problems.append(f"{name}.{field}: no number field {number} beside it")
            elif _is_number(contract, prop) and f"{field}Decimal" not in properties:
                problems.append(f"{name}.{field}: money without its exact form {field}Decimal")
    return problems


def _request_schemas(contract: Contract) -> dict[str, dict[str, Any]]:
    """The named schemas of request bodies."""
    found = {}
    for _, operation in contract.operations():
        for kind, _, schema in contract.bodies(operation):
            ref = schema.get("$ref", "") if isinstance(schema, dict) else ""
            if kind == "request" and ref.startswith("#/components/schemas/"):
                found[ref.rsplit("/", 1)[1]] = contract.resolve(schema)
    return found


def sending_problems(contract: Contract) -> list[str]:
    """A request's money number says that a 32-bit float rounds it on the way (Go's
    default) and names the exact form to send instead: a generated client shows the
    field's description, not the Money section."""
    problems = []
    for name, schema in _request_schemas(contract).items():
        for field, prop in schema.get("properties", {}).items():
            if field.endswith("Decimal") or not _is_number(contract, prop):
                continue
            text = " ".join(str(prop.get("description", "")).split())
            if "32-bit float" not in text or f"`{field}Decimal`" not in text:
                problems.append(
                    f"{name}.{field}: its description must say that a 32-bit float rounds "
                    f"it and that `{field}Decimal` sends it exactly"
                )
    return problems


def _plain_string(contract: Contract, schema: Any) -> bool:
    node = contract.resolve(schema)
    return node.get("type") == "string" and "enum" not in node and "const" not in node


def _enums(
    contract: Contract, schema: Any, where: str, opened: bool, seen: set[int]
) -> Iterator[tuple[str, bool]]:
    """(where, open) of every enum reachable from `schema`."""
    node = contract.resolve(schema)
    if not isinstance(node, dict) or (id(node), opened) in seen:
        return
    seen.add((id(node), opened))  # type: ignore[arg-type]
    if "enum" in node and node.get("type") != "null":
        yield where, opened
    if "x-extensible-enum" in node:
        yield where, True
    for name, prop in node.get("properties", {}).items():
        yield from _enums(contract, prop, f"{where}.{name}", False, seen)
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            yield from _enums(contract, node[key], f"{where}[]", False, seen)
    for key in ("anyOf", "oneOf"):
        options = node.get(key, [])
        widened = any(_plain_string(contract, o) for o in options)
        for option in options:
            yield from _enums(contract, option, where, opened or widened, seen)
    for option in node.get("allOf", []):
        yield from _enums(contract, option, where, opened, seen)


def enum_problems(contract: Contract) -> list[str]:
    problems = []
    for op_name, operation in contract.operations():
        for kind, where, schema in contract.bodies(operation):
            for at, opened in _enums(contract, schema, where, False, set()):
                if kind == "request" and opened:
                    problems.append(f"{op_name} {at}: a request enum must stay closed")
                if kind != "request" and not opened:
                    problems.append(
                        f"{op_name} {at}: closed enum in an answer (open it: a string with"
                        " x-extensible-enum)"
                    )
        for parameter in operation.get("parameters", []):
            param = contract.resolve(parameter)
            for at, opened in _enums(
                contract, param.get("schema", {}), param["name"], False, set()
            ):
                if opened:
                    problems.append(f"{op_name} parameter {at}: a request enum must stay closed")
    return problems


def enum_name_problems(contract: Contract) -> list[str]:
    """Go (openapi-generator) puts every enum's constants in one namespace, named by their
    values in capitals: two enums must not share one (`x-enum-varnames` renames them)."""
    owners: dict[str, str] = {}
    problems = []
    for name, schema in contract.doc["components"]["schemas"].items():
        if "enum" not in schema:
            continue
        names = schema.get("x-enum-varnames") or [
            re.sub(r"\W", "_", str(value)).upper() for value in schema["enum"]
        ]
        for constant in names:
            if constant in owners:
                problems.append(
                    f"{name}: its constant {constant} is also {owners[constant]}'s"
                    " (give one of them x-enum-varnames)"
                )
            owners[constant] = name
    return problems


def _keyed(contract: Contract, operation: dict[str, Any]) -> bool:
    return any(
        contract.resolve(p).get("in") == "header" and contract.resolve(p).get("name") == KEY
        for p in operation.get("parameters", [])
    )


def header_problems(contract: Contract) -> list[str]:
    problems = []
    for op_name, operation in contract.operations():
        keyed = _keyed(contract, operation)
        for status, response in operation.get("responses", {}).items():
            declared = {name.lower() for name in contract.resolve(response).get("headers", {})}
            status = str(status)
            wanted = list(EVERY_ANSWER)
            if keyed:
                wanted.append(KEY)
                if status[0] == "2":
                    wanted.append("Idempotent-Replayed")
                elif "idempotent-replayed" in declared:
                    # Only successes are recorded, so only a success is ever replayed.
                    problems.append(
                        f"{op_name} {status}: the response declares Idempotent-Replayed, "
                        "but only a success is ever replayed"
                    )
            if status in ("429", "503") or (keyed and status == "409"):
                wanted.append("Retry-After")
            for header in wanted:
                if header.lower() not in declared:
                    problems.append(f"{op_name} {status}: the response does not declare {header}")
    return problems


def required_problems(contract: Contract) -> list[str]:
    problems = []
    seen_objects: set[int] = set()
    for op_name, operation in contract.operations():
        for kind, where, schema in contract.bodies(operation):
            if kind == "request":
                continue
            for at, node in _schemas(contract, schema, where, set()):
                if "properties" not in node or id(node) in seen_objects:
                    continue
                seen_objects.add(id(node))
                required = set(node.get("required", []))
                for name, prop in node["properties"].items():
                    if name not in required and "x-absent-when" not in prop:
                        problems.append(
                            f"{op_name} {at}.{name}: neither required nor saying when it is"
                            " absent (x-absent-when)"
                        )
                    if name in required and "x-absent-when" in prop:
                        problems.append(f"{op_name} {at}.{name}: required, yet x-absent-when")
    return problems


def problems(doc: dict[str, Any]) -> list[str]:
    contract = Contract(doc)
    return [
        *money_problems(contract),
        *sending_problems(contract),
        *enum_problems(contract),
        *enum_name_problems(contract),
        *header_problems(contract),
        *required_problems(contract),
    ]


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT
    found = problems(yaml.safe_load(path.read_text(encoding="utf-8")))
    for problem in found:
        print(f"{path.name}: {problem}")
    if found:
        print(f"{len(found)} problem(s): see the rules in tests/check_contract.py")
        return 1
    print(f"{path.name}: money, enums, headers and required fields as the rules say")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
