"""Hostile clients and hostile input: the service refuses cleanly and keeps serving."""

from __future__ import annotations

import logging

import pytest

from tests.server.conftest import Api, User
from tests.server.contract import assert_error

HUGE_NUMBERS = [
    "1e999999999",
    "-1e999999999",
    "1e-999999999",
    "1e9999999999999999999",  # does not fit a Decimal's exponent at all
    "1E+" + "9" * 5000,
    "0e99999999999999999999",
    "1" + "0" * 5000,
]


@pytest.fixture
def pair(api: Api) -> tuple[User, User]:
    return api.register(), api.register()


@pytest.mark.parametrize("number", HUGE_NUMBERS)
def test_a_huge_number_anywhere_is_a_422_never_a_500(
    api: Api, pair: tuple[User, User], number: str, caplog: pytest.LogCaptureFixture
) -> None:
    payer, payee = pair
    admin = {"Content-Type": "application/json"} | api.admin
    cases = [
        # Unauthenticated: any client on the network can send these.
        ("/user/create", "createUser", f'{{"email": {number}}}', {}, "email"),
        (
            "/user/create",
            "createUser",
            f'{{"email": "n@example.com", "organization": {number}}}',
            {},
            "organization",
        ),
        ("/user/create", "createUser", f'{{"email": "n@example.com", "x": {number}}}', {}, "x"),
        (
            "/transaction/create",
            "createTransaction",
            f'{{"senderEmail": "{payer.email}", "recipientEmail": "{payee.email}",'
            f' "amount": {number}}}',
            {"auth": payer.auth},
            "amount",
        ),
        (
            "/user/add-balance",
            "addBalance",
            f'{{"recipientEmail": "{payer.email}", "amount": {number}}}',
            {"headers": admin},
            "amount",
        ),
    ]
    with caplog.at_level(logging.WARNING, logger="syftbox_accounting.server"):
        for path, operation, content, extra, field in cases:
            headers = extra.pop("headers", {"Content-Type": "application/json"})
            response = api.http.post(path, content=content.encode(), headers=headers, **extra)
            error = assert_error(response, operation, 422, "validation_error")
            assert [d["field"] for d in error["details"]] == [field], content[:80]
            assert len(response.content) < 1000  # no echo of the number's digits
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert api.balance(payer) == 100
