"""docs/http402-syftbox.md, the method for other languages, checked: its worked
exchange is what this library and pympp make and accept, byte for byte."""

from __future__ import annotations

import base64
import datetime
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import mpp
import pytest

from syftbox_accounting import InvalidInputError
from syftbox_accounting.http402 import method

DOC = (Path(__file__).resolve().parents[2] / "docs" / "http402-syftbox.md").read_text()
SECRET = "example-secret"


def _header(name: str, scheme: str = "") -> str:
    """The value of the only `name` header of the exchange (of `scheme`, when given)."""
    (value,) = re.findall(rf"^{name}: ({scheme}.+)$", DOC, flags=re.M)
    return value


def _json_blocks() -> list[Any]:
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", DOC, flags=re.S)]


def _decoded(encoded: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))


def test_the_worked_challenge_is_bound_and_readable() -> None:
    challenge = mpp.parse_www_authenticate(_header("WWW-Authenticate"))
    assert challenge.verify(SECRET, challenge.realm)  # its id binds its parameters
    offer = method.read_offer(challenge)
    assert (offer.amount, offer.recipient, offer.accounting_url) == (
        Decimal("0.25"),
        "ai-service@example.com",
        "https://accounting.example.com",
    )
    blocks = _json_blocks()
    assert challenge.request in blocks  # the decoded request shown
    assert method.request("charge", "0.25", offer.recipient, offer.accounting_url) == (
        challenge.request
    )
    (body,) = re.findall(r"HTTP/1.1 402 Payment Required\n.*?\n\n(\{.*?\})\n```", DOC, re.S)
    problem = json.loads(body)
    assert (problem["type"], problem["challengeId"]) == (
        mpp.PaymentRequiredError.type,
        challenge.id,
    )


def test_the_worked_credential_is_what_a_payer_sends_and_a_service_accepts() -> None:
    challenge = mpp.parse_www_authenticate(_header("WWW-Authenticate"))
    value = _header("Authorization", "Payment ")
    decoded = _decoded(value.removeprefix("Payment "))
    assert decoded in _json_blocks()
    token = decoded["payload"]["token"]
    assert method.credential(method.read_offer(challenge), token, "alice@example.com") == value
    credential, payload = method.authenticate(
        value,
        secret_key=SECRET,
        realm=challenge.realm,
        intent="charge",
        wire_request=challenge.request,
    )
    assert payload.payer == "alice@example.com"
    # Sent at 12:05 for a challenge expiring at 12:10: unexpired then, not at 12:10.
    method.check_unexpired(credential, datetime.datetime(2026, 12, 4, 12, 5, tzinfo=datetime.UTC))
    with pytest.raises(method.Refused):
        method.check_unexpired(
            credential, datetime.datetime(2026, 12, 4, 12, 10, tzinfo=datetime.UTC)
        )


def test_the_worked_receipt_is_what_a_service_sends_and_a_payer_reads() -> None:
    challenge = mpp.parse_www_authenticate(_header("WWW-Authenticate"))
    value = _header("Payment-Receipt")
    assert _decoded(value) in _json_blocks()
    made = method.receipt_header(
        transaction_id="7f3e2a1c-4b5d-4e6f-8a9b-0c1d2e3f4a5b",
        charged=Decimal("0.25"),
        max_amount=Decimal("0.25"),
        challenge_id=challenge.id,
        timestamp=datetime.datetime(2026, 12, 4, 12, 5, 3, tzinfo=datetime.UTC),
    )
    assert made == value
    receipt = method.read_receipt(value, method.read_offer(challenge))
    assert (receipt.amount, receipt.transaction_id) == (
        Decimal("0.25"),
        "7f3e2a1c-4b5d-4e6f-8a9b-0c1d2e3f4a5b",
    )


def test_the_upto_figures_are_the_librarys() -> None:
    request = method.request("upto", "0.50", "ai-service@example.com", "https://a.example.com")
    assert request["max_amount"] == "0.5"
    made = method.receipt_header(
        transaction_id="tx",
        charged=68_500 * Decimal("0.000002"),
        max_amount=Decimal("0.50"),
        challenge_id="c",
        timestamp=datetime.datetime(2026, 12, 4, tzinfo=datetime.UTC),
    )
    fields = _decoded(made)
    shown = ('"charged_amount":"0.137"', '"max_amount":"0.5"', '"remaining":"0.363"')
    for field in shown:
        assert field in DOC
        name, amount = field.replace('"', "").split(":")
        assert fields[name] == amount


def test_the_largest_amount_is_what_the_doc_says() -> None:
    # "at most 1,000,000,000": what one accounting transaction moves (openapi.yaml, Amount).
    assert "at most\n1,000,000,000" in DOC
    assert method.amount_text("1000000000") == "1000000000"
    with pytest.raises(InvalidInputError, match="at most 1000000000"):
        method.amount_text("1000000000.000001")
