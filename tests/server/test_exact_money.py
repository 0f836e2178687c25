"""Money in the contract's two forms (openapi.yaml, Money): every amount an answer carries
also comes as a decimal string, and a request may send either form, or both when they
agree."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.server.conftest import Api, User
from tests.server.contract import assert_conforms, assert_error

# The smallest amount, one with a tenth that binary floats cannot hold, and the largest
# with every decimal place.
EXACT = ["150.1", "0.000001", "999999999.999999"]
MONEY_FIELDS = {
    "user": ["balance", "availableBalance", "heldBalance"],
    "transaction": ["amount", "authorizedAmount", "refundedAmount"],
    "usage": [
        "totalSpent",
        "totalReceived",
        "pendingAmount",
        "totalRefundsReceived",
        "totalRefundsGiven",
    ],
}


def both_forms(kind: str, doc: dict[str, Any]) -> dict[str, str]:
    """Each money field's decimal string, checked to be the number beside it."""
    texts = {}
    for name in MONEY_FIELDS[kind]:
        text = doc[f"{name}Decimal"]
        assert isinstance(text, str)
        assert Decimal(text) == Decimal(repr(doc[name])), (name, doc)
        # The shortest form: no trailing zeros, no exponent.
        assert text == f"{Decimal(text).normalize():f}", text
        texts[name] = text
    return texts


def credit(api: Api, user: User, **amount: Any) -> dict[str, Any]:
    response = api.http.post(
        "/user/add-balance", json={"recipientEmail": user.email, **amount}, headers=api.admin
    )
    return dict(assert_conforms(response, "addBalance")["user"])


@pytest.mark.parametrize("text", EXACT)
def test_an_amount_sent_as_a_decimal_string_comes_back_exactly(api: Api, text: str) -> None:
    payer, service = api.register(), api.register()
    credit(api, payer, amountDecimal="999999999.999999")
    created = api.http.post(
        "/transaction/create",
        json={"senderEmail": payer.email, "recipientEmail": service.email, "amountDecimal": text},
        auth=payer.auth,
    )
    pending = assert_conforms(created, "createTransaction")["transaction"]
    assert both_forms("transaction", pending)["amount"] == text
    confirmed = api.resolve("confirm", pending["id"], payer)
    assert both_forms(
        "transaction", assert_conforms(confirmed, "confirmTransaction")["transaction"]
    )
    got = api.http.get(f"/transactions/{pending['id']}", auth=service.auth)
    assert assert_conforms(got, "getTransaction")["transaction"]["amountDecimal"] == text
    received = both_forms("user", api.me(service))
    assert Decimal(received["balance"]) == 100 + Decimal(text)
    usage = assert_conforms(api.http.get("/user/usage", auth=payer.auth), "getUsage")["usage"]
    assert both_forms("usage", usage)["totalSpent"] == text


def test_a_balance_beyond_any_float_is_exact_in_its_decimal_string(api: Api) -> None:
    # 1000000099.999999 has 16 significant digits: a double cannot hold it.
    user = api.register()
    account = credit(api, user, amountDecimal="999999999.999999")
    assert both_forms("user", account)["balance"] == "1000000099.999999"
    assert both_forms("user", api.me(user))["availableBalance"] == "1000000099.999999"


def test_holds_captures_and_refunds_carry_both_forms(api: Api) -> None:
    payer, service = api.register(), api.register()
    token = api.token(payer, service)
    created = api.http.post(
        "/transaction/create",
        json={
            "senderEmail": payer.email,
            "recipientEmail": service.email,
            "amountDecimal": "5",
            "token": token,
        },
        auth=service.auth,
    )
    held = assert_conforms(created, "createTransaction")["transaction"]
    assert both_forms("user", api.me(payer))["heldBalance"] == "5"
    captured = api.resolve("confirm", held["id"], service, amountDecimal="1.234567")
    assert both_forms(
        "transaction", assert_conforms(captured, "confirmTransaction")["transaction"]
    ) == {
        "amount": "1.234567",
        "authorizedAmount": "5",
        "refundedAmount": "0",
    }
    refund = api.refund(held["id"], service, amountDecimal="0.000001", amount=0.000001)
    assert (
        both_forms("transaction", assert_conforms(refund, "refundTransaction")["transaction"])[
            "amount"
        ]
        == "0.000001"
    )
    got = api.http.get(f"/transactions/{held['id']}", auth=payer.auth)
    original = assert_conforms(got, "getTransaction")["transaction"]
    assert both_forms("transaction", original)["refundedAmount"] == "0.000001"


def test_a_token_limit_may_come_as_a_decimal_string(api: Api) -> None:
    payer, service = api.register(), api.register()
    made = api.http.post(
        "/token/create",
        json={"recipientEmail": service.email, "maxAmountDecimal": "0.25"},
        auth=payer.auth,
    )
    token = assert_conforms(made, "createToken")["token"]
    over = api.charge(token, payer, service, 0.250001)
    body = assert_error(over, "createTransaction", 403, "token_limit_exceeded")
    # In dollars, as every other amount the service's messages name (it read "This
    # charge of 0.250001 is above the 0.25 its token allows").
    assert body["message"].startswith(
        "This charge of $0.250001 is above the $0.25 its token allows: charge at most $0.25"
    )


@pytest.mark.parametrize(
    ("number", "text"), [(1.5, "1.50"), (10, "10"), (0.000001, "0.000001"), (150.1, "150.1")]
)
def test_both_forms_at_once_are_taken_when_they_agree(api: Api, number: float, text: str) -> None:
    user = api.register()
    before = Decimal(api.me(user)["balanceDecimal"])
    account = credit(api, user, amount=number, amountDecimal=text)
    assert Decimal(account["balanceDecimal"]) == before + Decimal(text)


PAYMENT = {"senderEmail": "x@example.com", "recipientEmail": "y@example.com"}


@pytest.mark.parametrize(
    ("operation", "path", "fields"),
    [
        ("addBalance", "/user/add-balance", {"recipientEmail": "x@example.com"}),
        ("createTransaction", "/transaction/create", PAYMENT),
        ("confirmTransaction", "/transaction/confirm", {"transactionId": "t"}),
        ("refundTransaction", "/transaction/refund", {"transactionId": "t"}),
    ],
)  # fmt: skip
def test_forms_that_disagree_are_a_422_naming_both(
    api: Api, operation: str, path: str, fields: dict[str, Any]
) -> None:
    user = api.register()
    response = api.http.post(
        path,
        json={**fields, "amount": 1.5, "amountDecimal": "1.25"},
        auth=None if operation == "addBalance" else user.auth,
        headers=api.admin if operation == "addBalance" else None,
    )
    body = assert_error(response, operation, 422, "validation_error")
    assert [d["field"] for d in body["details"]] == ["amount", "amountDecimal"]
    assert "amountDecimal" in body["details"][0]["problem"]


def test_a_token_limit_in_two_forms_that_disagree_is_a_422(api: Api) -> None:
    payer, service = api.register(), api.register()
    response = api.http.post(
        "/token/create",
        json={"recipientEmail": service.email, "maxAmount": 1, "maxAmountDecimal": "2"},
        auth=payer.auth,
    )
    body = assert_error(response, "createToken", 422, "validation_error")
    assert [d["field"] for d in body["details"]] == ["maxAmount", "maxAmountDecimal"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("0.0000001", "at most 6 decimal places"),
        ("1e3", "no sign, exponent"),
        ("-1", "no sign, exponent"),
        ("01.5", "leading zeros"),
        (" 1", "no sign, exponent"),
        ("٣", "no sign, exponent"),  # an Arabic-Indic three: digits are ASCII only
        ("0", "greater than 0"),
        ("1000000000.000001", "at most 1000000000"),
        (1.5, "string of decimal digits"),
    ],
)
def test_a_malformed_decimal_string_is_a_422_saying_what_it_must_be(
    api: Api, text: Any, problem: str
) -> None:
    user = api.register()
    response = api.pay(user, api.register(), 1)  # a valid request first: nothing is wrong
    assert response.status_code == 200
    refused = api.http.post(
        "/transaction/create",
        json={"senderEmail": user.email, "recipientEmail": "y@example.com", "amountDecimal": text},
        auth=user.auth,
    )
    body = assert_error(refused, "createTransaction", 422, "validation_error")
    assert body["details"][0]["field"] == "amountDecimal"
    assert problem in body["details"][0]["problem"]


def test_an_amount_is_required_in_one_form_or_the_other(api: Api) -> None:
    user = api.register()
    response = api.http.post(
        "/transaction/create",
        json={"senderEmail": user.email, "recipientEmail": "y@example.com", "amountDecimal": None},
        auth=user.auth,
    )
    body = assert_error(response, "createTransaction", 422, "validation_error")
    assert body["details"] == [
        {
            "field": "amount",
            "problem": "is required (or amountDecimal, the amount as a decimal string)",
        }
    ]


def test_the_service_announces_exact_money(api: Api) -> None:
    response = api.http.get("/user/my-info")
    assert "exact-money" in [
        name.strip() for name in response.headers["accounting-features"].split(",")
    ]


def test_one_key_is_one_request_whichever_form_the_amount_takes(api: Api) -> None:
    # A client that learned exact-money between two tries sends the other form.
    payer, service = api.register(), api.register()
    headers = {"Idempotency-Key": "pay-once-0001"}
    sent = []
    for amount in (
        {"amount": 1.5},
        {"amountDecimal": "1.50"},
        {"amount": 1.50, "amountDecimal": "1.5"},
    ):
        body = {"senderEmail": payer.email, "recipientEmail": service.email, **amount}
        sent.append(
            api.http.post("/transaction/create", json=body, auth=payer.auth, headers=headers)
        )
    first = assert_conforms(sent[0], "createTransaction")["transaction"]
    for again in sent[1:]:
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json()["transaction"]["id"] == first["id"]
    other = {"senderEmail": payer.email, "recipientEmail": service.email, "amountDecimal": "1.51"}
    reused = api.http.post("/transaction/create", json=other, auth=payer.auth, headers=headers)
    assert_error(reused, "createTransaction", 422, "idempotency_key_reused")
    assert Decimal(api.me(payer)["heldBalanceDecimal"]) == Decimal("1.5")


# Every money field of a request, as (operation, path, other fields, the number's name).
MONEY_REQUESTS = [
    ("addBalance", "/user/add-balance", {"recipientEmail": "x@example.com"}, "amount"),
    ("createTransaction", "/transaction/create", PAYMENT, "amount"),
    ("confirmTransaction", "/transaction/confirm", {"transactionId": "t"}, "amount"),
    ("refundTransaction", "/transaction/refund", {"transactionId": "t"}, "amount"),
    ("createToken", "/token/create", {"recipientEmail": "x@example.com"}, "maxAmount"),
    ("createApiKey", "/api-key/create", {"name": "k", "scopes": ["pay"]}, "maxSpend"),
]


def _post(api: Api, operation: str, path: str, body: dict[str, Any]) -> httpx.Response:
    user = api.register()
    admin = operation == "addBalance"
    return api.http.post(
        path, json=body, auth=None if admin else user.auth, headers=api.admin if admin else None
    )


@pytest.mark.parametrize(("operation", "path", "fields", "name"), MONEY_REQUESTS)
def test_a_decimal_string_in_the_number_field_says_where_it_goes(
    api: Api, operation: str, path: str, fields: dict[str, Any], name: str
) -> None:
    # "amount": "0.25" is the exact form sent under the number's name: say which field
    # takes it, rather than only that a number is expected.
    response = _post(api, operation, path, {**fields, name: "0.25"})
    body = assert_error(response, operation, 422, "validation_error")
    (detail,) = body["details"]
    assert detail["field"] == name
    assert f"{name}Decimal" in detail["problem"]
    assert f"{name}Decimal" in body["message"]


@pytest.mark.parametrize(("operation", "path", "fields", "name"), MONEY_REQUESTS)
def test_a_number_in_the_decimal_string_field_says_where_it_goes(
    api: Api, operation: str, path: str, fields: dict[str, Any], name: str
) -> None:
    response = _post(api, operation, path, {**fields, f"{name}Decimal": 0.25})
    body = assert_error(response, operation, 422, "validation_error")
    (detail,) = body["details"]
    assert detail["field"] == f"{name}Decimal"
    assert '"0.25"' in detail["problem"]  # the same value, written as the field takes it
    assert f"or send the number as {name}" in detail["problem"]


@pytest.mark.parametrize(("operation", "path", "fields", "name"), MONEY_REQUESTS)
def test_forms_that_disagree_say_what_each_one_read(
    api: Api, operation: str, path: str, fields: dict[str, Any], name: str
) -> None:
    # A float on the way (Go's float32 sends 999999999.999999 as 1e+09) shows as two
    # values side by side, not as two fields that merely differ.
    body = {**fields, name: 1e9, f"{name}Decimal": "999999999.999999"}
    refused = assert_error(_post(api, operation, path, body), operation, 422, "validation_error")
    number, text = refused["details"]
    assert (number["field"], text["field"]) == (name, f"{name}Decimal")
    assert "1000000000" in number["problem"]
    assert "999999999.999999" in number["problem"]
    assert "999999999.999999" in text["problem"]


@pytest.mark.parametrize(("operation", "path", "fields", "name"), MONEY_REQUESTS)
def test_a_number_with_float_noise_says_to_round_it(
    api: Api, operation: str, path: str, fields: dict[str, Any], name: str
) -> None:
    # 0.1 + 0.2 in any language's binary floats: the digits past the sixth place are
    # the float's, so say to round (or send the exact string), not only the rule.
    response = _post(api, operation, path, {**fields, name: 0.1 + 0.2})
    body = assert_error(response, operation, 422, "validation_error")
    (detail,) = body["details"]
    assert detail["field"] == name
    assert "at most 6 decimal places" in detail["problem"]
    assert "round it" in detail["problem"]
    assert f"{name}Decimal" in detail["problem"]
