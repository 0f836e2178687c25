"""Every body example in openapi.yaml fits its schema and round-trips through the
generated model: what a mock server serves is what our client can read."""

from __future__ import annotations

import json
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
