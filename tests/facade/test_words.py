"""The words of the errors a user meets first, against the reference service: each
says what happened once and what to do once, the advice fits the call (a payer is
not told about admin keys, a missing transaction is not told to register), amounts
carry their `$`, and `summary` (what a service shows its payer) has no request line,
which `str(exc)` keeps for developers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from syftbox_accounting import (
    AccountingClient,
    AccountingError,
    AuthenticationError,
    InsufficientFundsError,
    InvalidInputError,
    NotFoundError,
    PaymentError,
)
from tests.words import REQUEST_LINE, assert_no_repeated_sentence, assert_plain_summary

pytestmark = pytest.mark.accounting_service(mode="in-process")
MISSING_TX = "5b1e7c9a-2d3f-4e5a-8b6c-7d8e9f0a1b2c"


def _failure(call: Callable[[], Any]) -> AccountingError:
    with pytest.raises(AccountingError) as caught:
        call()
    exc = caught.value
    assert_plain_summary(exc)
    assert_no_repeated_sentence(exc.message)
    assert exc.request_line is not None
    assert REQUEST_LINE.fullmatch(exc.request_line)
    assert exc.request_line in str(exc)
    return exc


def test_the_first_errors_a_user_meets(accounting_service: Any) -> None:
    payer: AccountingClient = accounting_service.create_account(balance=10)
    service: AccountingClient = accounting_service.create_account(balance=0)

    payer.transfer(service.get_email(), 1, idempotency_key="rent-11")
    reused = _failure(lambda: payer.transfer(service.get_email(), 2, idempotency_key="rent-11"))
    assert isinstance(reused, InvalidInputError)
    assert reused.message.lower().count("used for another request") == 1

    wrong = accounting_service.client(payer.get_email(), "not-the-password")
    refused = _failure(wrong.get_account_balance)
    assert isinstance(refused, AuthenticationError)
    assert "admin key" not in refused.message

    missing = _failure(lambda: payer.get_transaction(MISSING_TX))
    assert isinstance(missing, NotFoundError)
    assert "registered" not in missing.message
    assert "transaction id" in missing.message
    nobody = _failure(lambda: payer.transfer("nobody@example.com", 1))
    assert "registered first" in nobody.message

    overdraft = _failure(lambda: payer.transfer(service.get_email(), 1000))
    assert isinstance(overdraft, InsufficientFundsError)
    assert "$1000" in overdraft.summary

    token = payer.create_transaction_token_sync(service.get_email())
    service.charge(payer.get_email(), 1, token, confirm=True)
    spent = _failure(lambda: service.charge(payer.get_email(), 1, token))
    assert isinstance(spent, PaymentError)
    assert spent.summary == "charge failed: This transaction token was already used."
    assert str(spent).startswith(
        "charge failed: This transaction token was already used "
        "[POST /transaction/create -> HTTP 403 token_used]. "
    )
