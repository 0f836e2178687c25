"""The enums of answers are open (openapi.yaml, Conventions): a status, an actor, a cancel
reason or an error code this version does not know never breaks a page or empties an
error. Statuses and actors come as an ``UNKNOWN`` member keeping the service's text; a
cancel reason is text; an error is raised by its HTTP status, with the service's code and
message shown."""

from __future__ import annotations

import copy
import pickle

import pytest
from pytest_httpx import HTTPXMock

from syftbox_accounting import (
    InvalidInputError,
    PaymentError,
    ServiceException,
    TransactionActor,
    TransactionStatus,
)
from tests.facade.helpers import KINDS, SERVICE, call, run, tx_json, user_client

LATER = tx_json(
    "tx-later",
    status="DISPUTED",
    created_by="ARBITER",
    resolved_by="ARBITER",
    resolved_at="2026-11-28T09:30:00+00:00",
    cancelReason="fraud_suspected",
)


def test_an_unknown_value_is_an_unknown_member_keeping_its_text() -> None:
    status = TransactionStatus("DISPUTED")
    assert (status.name, status.value, str(status), status.known) == (
        "UNKNOWN",
        "DISPUTED",
        "DISPUTED",
        False,
    )
    assert status == "DISPUTED"
    assert status not in list(TransactionStatus)
    assert all(member.known for member in (*TransactionStatus, *TransactionActor))
    assert TransactionStatus("PENDING") is TransactionStatus.PENDING
    assert repr(TransactionActor("ARBITER")) == "<TransactionActor.UNKNOWN: 'ARBITER'>"
    for again in (copy.deepcopy(status), pickle.loads(pickle.dumps(status))):
        assert (again.name, again.value) == ("UNKNOWN", "DISPUTED")
    with pytest.raises(ValueError, match="is not a valid TransactionStatus"):
        TransactionStatus(7)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", KINDS)
def test_a_page_with_values_of_a_later_service_is_read_whole(
    httpx_mock: HTTPXMock, kind: str
) -> None:
    page = {"transactions": [LATER, tx_json("tx-1")], "nextCursor": None}
    httpx_mock.add_response(json=page)
    later, known = run(kind, user_client(), call("get_transaction_history", 10))
    assert (later.status.value, later.status.known) == ("DISPUTED", False)
    assert later.created_by == later.resolved_by == "ARBITER"
    assert later.created_by.name == "UNKNOWN"
    assert later.cancel_reason == "fraud_suspected"
    assert not later.is_pending
    assert not later.expired
    assert later.as_dict()["status"] == "DISPUTED"
    assert later.as_dict()["resolved_by"] == "ARBITER"
    assert known.status is TransactionStatus.PENDING


def test_a_filter_takes_known_statuses_only(httpx_mock: HTTPXMock) -> None:
    # The filter is a request enum: closed. An UNKNOWN status read from an answer is no
    # value the service's filter takes; nothing is sent.
    client = user_client()
    for status in (TransactionStatus("DISPUTED"), "DISPUTED"):
        with pytest.raises(InvalidInputError, match="PENDING, COMPLETED or CANCELLED"):
            client.get_transaction_history(10, status=status)
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("status", "error"), [(409, PaymentError), (422, InvalidInputError), (503, ServiceException)]
)
def test_an_unknown_error_code_keeps_the_message_and_is_raised_by_its_status(
    httpx_mock: HTTPXMock, kind: str, status: int, error: type[Exception]
) -> None:
    body = {"message": "The payer's daily limit is reached. Try tomorrow.", "code": "daily_limit"}
    httpx_mock.add_response(status_code=status, json=body, is_reusable=True)
    client = user_client(retry_policy=None) if status == 503 else user_client()
    with pytest.raises(error) as caught:
        run(kind, client, call("create_transaction", SERVICE, 1))
    assert "The payer's daily limit is reached" in str(caught.value)
    assert "daily_limit" in str(caught.value)
    assert caught.value.status_code == status  # type: ignore[attr-defined]
