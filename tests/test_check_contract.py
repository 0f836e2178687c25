"""`tests/check_contract.py` (`make check-contract`): openapi.yaml passes it, and each kind
of gap it exists for, made in a copy of the contract, fails it with the place named."""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests import check_contract
from tests.spec import SPEC_PATH, spec


def _schemas(doc: dict[str, Any]) -> dict[str, Any]:
    schemas: dict[str, Any] = doc["components"]["schemas"]
    return schemas


def _no_exact_amount(doc: dict[str, Any]) -> None:
    del _schemas(doc)["Transaction"]["properties"]["amountDecimal"]


def _money_beyond_the_contract(doc: dict[str, Any]) -> None:
    _schemas(doc)["Usage"]["properties"]["averageAmount"] = {"type": "number"}
    _schemas(doc)["Usage"]["required"].append("averageAmount")


def _a_decimal_string_as_a_number(doc: dict[str, Any]) -> None:
    _schemas(doc)["User"]["properties"]["heldBalanceDecimal"] = {"type": "number"}


def _a_request_number_silent_on_floats(doc: dict[str, Any]) -> None:
    prop = _schemas(doc)["AddBalanceRequest"]["properties"]["amount"]
    prop["description"] = "What to credit, in US dollars."


def _closed_status(doc: dict[str, Any]) -> None:
    _schemas(doc)["Transaction"]["properties"]["status"] = {
        "$ref": "#/components/schemas/TransactionStatus"
    }


def _closed_error_code(doc: dict[str, Any]) -> None:
    code = _schemas(doc)["ErrorCode"]
    code["enum"] = code.pop("x-extensible-enum")


def _closed_inline_enum(doc: dict[str, Any]) -> None:
    _schemas(doc)["User"]["properties"]["tier"] = {
        "type": "string",
        "enum": ["free", "paid"],
        "x-absent-when": "never",
    }


def _open_request_enum(doc: dict[str, Any]) -> None:
    parameters = doc["paths"]["/transactions"]["get"]["parameters"]
    status = next(p for p in parameters if p.get("name") == "status")
    status["schema"] = {"$ref": "#/components/schemas/OpenTransactionStatus"}


def _clashing_enum_constants(doc: dict[str, Any]) -> None:
    # A second closed enum with a value of TransactionStatus's: Go would declare PENDING twice.
    _schemas(doc)["HoldState"] = {"type": "string", "enum": ["PENDING", "RELEASED"]}


def _no_request_id(doc: dict[str, Any]) -> None:
    del doc["components"]["responses"]["NotFound"]["headers"]["X-Request-Id"]


def _no_features(doc: dict[str, Any]) -> None:
    del doc["paths"]["/users"]["get"]["responses"]["200"]["headers"]["Accounting-Features"]


def _no_replay_header(doc: dict[str, Any]) -> None:
    response = doc["paths"]["/transaction/refund"]["post"]["responses"]["200"]
    del response["headers"]["Idempotent-Replayed"]


def _no_key_echo_on_an_error(doc: dict[str, Any]) -> None:
    del doc["components"]["responses"]["InternalError"]["headers"]["Idempotency-Key"]


def _no_retry_after(doc: dict[str, Any]) -> None:
    del doc["components"]["responses"]["InsufficientFunds"]["headers"]["Retry-After"]


def _always_sent_not_required(doc: dict[str, Any]) -> None:
    _schemas(doc)["Transaction"]["required"].remove("appName")


def _optional_without_a_reason(doc: dict[str, Any]) -> None:
    del _schemas(doc)["User"]["properties"]["heldBalance"]["x-absent-when"]


def _a_new_optional_answer_field(doc: dict[str, Any]) -> None:
    _schemas(doc)["ErrorDetail"]["properties"]["hint"] = {"type": "string"}


GAPS: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "money without its exact form": (_no_exact_amount, "Transaction.amount: money without"),
    "a new money field": (_money_beyond_the_contract, "Usage.averageAmount: money without"),
    "a decimal string that is no string": (
        _a_decimal_string_as_a_number,
        "User.heldBalanceDecimal: a decimal string must be",
    ),
    "a request number silent on floats": (
        _a_request_number_silent_on_floats,
        "AddBalanceRequest.amount: its description must say",
    ),
    "a closed status": (_closed_status, "GET /transactions 200 body.transactions[].status: closed"),
    "a closed error code": (_closed_error_code, "POST /user/create 400 body.code: closed"),
    "a closed enum inline": (_closed_inline_enum, "GET /user/my-info 200 body.user.tier: closed"),
    "an open request enum": (_open_request_enum, "parameter status: a request enum must stay"),
    "enum constants that clash": (_clashing_enum_constants, "HoldState: its constant PENDING"),
    "no X-Request-Id": (_no_request_id, "does not declare X-Request-Id"),
    "no Accounting-Features": (_no_features, "GET /users 200: the response does not declare Acc"),
    "no Idempotent-Replayed": (_no_replay_header, "POST /transaction/refund 200: the response"),
    "no echoed key on a 500": (_no_key_echo_on_an_error, "500: the response does not declare Id"),
    "no Retry-After on a 409": (_no_retry_after, "409: the response does not declare Retry-After"),
    "an always-sent field not required": (_always_sent_not_required, ".appName: neither required"),
    "optional without a reason": (_optional_without_a_reason, ".heldBalance: neither required"),
    "a new optional field": (_a_new_optional_answer_field, ".details[].hint: neither required"),
}


def test_the_contract_passes() -> None:
    assert check_contract.problems(spec()) == []


@pytest.mark.parametrize("gap", GAPS)
def test_each_kind_of_gap_is_caught(gap: str) -> None:
    make, expected = GAPS[gap]
    doc = copy.deepcopy(spec())
    make(doc)
    found = check_contract.problems(doc)
    assert any(expected in problem for problem in found), found


def test_the_script_exits_1_and_names_each_problem(tmp_path: Path) -> None:
    doc = copy.deepcopy(spec())
    _no_exact_amount(doc)
    _no_request_id(doc)
    broken = tmp_path / "openapi.yaml"
    broken.write_text(yaml.safe_dump(doc), encoding="utf-8")
    script = Path(check_contract.__file__)
    done = subprocess.run(
        [sys.executable, str(script), str(broken)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert "Transaction.amount: money without its exact form amountDecimal" in done.stdout
    assert "does not declare X-Request-Id" in done.stdout
    ok = subprocess.run(
        [sys.executable, str(script), str(SPEC_PATH)], capture_output=True, text=True, check=False
    )
    assert ok.returncode == 0, ok.stdout
