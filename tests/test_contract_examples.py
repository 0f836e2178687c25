"""Every body example in openapi.yaml fits its schema and round-trips through the
generated model: what a mock server serves is what our client can read."""

from __future__ import annotations

import ast
import functools
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import syftbox_accounting_client.models as models

from tests.spec import body_examples, operations, spec

EXAMPLES = list(body_examples())


def test_the_contract_has_examples_for_every_body() -> None:
    # Every operation has a request or success example, and error examples.
    assert len({where.rsplit(" ", 2)[0] for where, *_ in EXAMPLES}) == len(list(operations()))
    assert len(EXAMPLES) > 100


@pytest.mark.parametrize(
    ("schema_name", "value"),
    [pytest.param(name, value, id=where) for where, name, _, value in EXAMPLES],
)
def test_example_round_trips_through_the_generated_model(schema_name: str, value: Any) -> None:
    model = getattr(models, schema_name)
    loaded = model.from_dict(value)
    assert loaded.to_dict() == value
    # The generated to_dict output must still be plain JSON.
    assert json.loads(json.dumps(loaded.to_dict())) == value


@pytest.mark.parametrize(
    ("schema_name", "value"),
    [pytest.param(name, value, id=where) for where, name, _, value in EXAMPLES],
)
def test_example_matches_its_schema(schema_name: str, value: Any) -> None:
    root = {"$ref": f"#/components/schemas/{schema_name}", "components": spec()["components"]}
    validator = jsonschema.Draft202012Validator(
        root, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = [e.message for e in validator.iter_errors(value)]
    assert errors == []


def test_a_wrong_example_is_caught() -> None:
    # The two checks above must be able to fail.
    bad = {"user": {"id": "1", "email": "not-an-email", "balance": -1, "organization": None}}
    root = {"$ref": "#/components/schemas/UserResponse", "components": spec()["components"]}
    validator = jsonschema.Draft202012Validator(
        root, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    assert len(list(validator.iter_errors(bad))) == 2
    with pytest.raises(KeyError):
        models.UserResponse.from_dict({"user": {"id": "1"}})


def test_every_error_code_of_the_contract_has_an_exception_and_a_hint() -> None:
    from syftbox_accounting import errors

    codes = set(spec()["components"]["schemas"]["ErrorCode"]["x-extensible-enum"])
    assert codes == set(errors.CODES)
    assert all(code.hint for code in errors.CODES.values())


# What the reference service says, as patterns: every message it builds in a call that
# makes an error answer (`ApiError(status, code, message)` or a helper naming the code),
# read from its source so that a new or reworded message is known at once; the parts
# computed at run time (an email, `dollars(amount)`) match any text.
_HELPERS = {
    "forbidden": "forbidden",
    "not_found": "not_found",
    "bad_request": "bad_request",
    "_refused": "invalid_credentials",
}


def _pattern(node: ast.expr, names: dict[str, list[ast.expr]]) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return re.escape(node.value)
    if isinstance(node, ast.JoinedStr):
        return "".join(_pattern(part, names) for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _pattern(node.left, names) + _pattern(node.right, names)
    if isinstance(node, ast.IfExp):
        return f"(?:{_pattern(node.body, names)}|{_pattern(node.orelse, names)})"
    if isinstance(node, ast.Name) and names.get(node.id):
        return "(?:" + "|".join(_pattern(value, names) for value in names[node.id]) + ")"
    return ".*?"  # computed when the error is made (and maybe empty)


@functools.cache
def service_messages() -> dict[str, list[re.Pattern[str]]]:
    """The service's error messages by code, as patterns."""
    import syftbox_accounting.server as server

    found: dict[str, list[re.Pattern[str]]] = {}
    for path in Path(server.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            names: dict[str, list[ast.expr]] = {}
            for node in ast.walk(function):
                if isinstance(node, ast.Assign) and len(node.targets) == 1:
                    target = node.targets[0]
                    if isinstance(target, ast.Name):
                        names.setdefault(target.id, []).append(node.value)
            for call in ast.walk(function):
                if not isinstance(call, ast.Call):
                    continue
                func = call.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name == "ApiError" and len(call.args) >= 3:
                    code_node, message = call.args[1], call.args[2]
                    if not isinstance(code_node, ast.Constant):
                        continue
                    code = str(code_node.value)
                elif name in _HELPERS and call.args:
                    code, message = _HELPERS[name], call.args[0]
                else:
                    continue
                pattern = _pattern(message, names)
                # A message made wholly at run time (a helper's parameter) says nothing.
                if len(re.sub(r"\(\?:|\.\*\?|[|)\\]", "", pattern)) >= 12:
                    found.setdefault(code, []).append(re.compile(pattern, re.S))
    return found


# The examples of codes the contract lists (one shows a code a later service may add).
ERROR_EXAMPLES = [
    pytest.param(value["code"], value["message"], id=where)
    for where, name, _, value in EXAMPLES
    if name == "ErrorResponse"
    and value["code"] in spec()["components"]["schemas"]["ErrorCode"]["x-extensible-enum"]
]


def test_the_service_messages_are_read() -> None:
    messages = service_messages()
    assert len(messages) >= 20
    said = "This charge of $2.00 is above the $0.50 its token allows: charge at most $0.50, "
    said += "or ask the payer for a token that covers it."
    assert any(p.fullmatch(said) for p in messages["token_limit_exceeded"])
    assert not any(
        p.fullmatch("This charge of 2 is above the 0.5 its token allows.")
        for p in messages["token_limit_exceeded"]
    )


@pytest.mark.parametrize(("code", "message"), ERROR_EXAMPLES)
def test_an_error_example_says_what_the_service_says(code: str, message: str) -> None:
    patterns = service_messages().get(code, [])
    assert any(p.fullmatch(message) for p in patterns), (
        f"The service never says this for {code}: {message!r}"
    )
