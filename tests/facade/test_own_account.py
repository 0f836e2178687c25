"""A payment between an account and itself is refused before anything is sent, naming
the account the client acts for: a transfer or a direct transaction to oneself, a charge
of oneself (the service's own credentials forgotten), with any case of the address."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pytest_httpx import HTTPXMock

from syftbox_accounting import InvalidInputError
from tests.facade.helpers import EMAIL, KINDS, call, run, user_client

TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJpZCI6IngifQ.c2lnbmF0dXJl"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("who", [EMAIL, EMAIL.upper(), EMAIL.capitalize()])
@pytest.mark.parametrize(
    ("method", "argument"),
    [
        ("transfer", "recipient_email"),
        ("create_transaction", "recipient_email"),
        ("charge", "sender_email"),
    ],
)
def test_a_payment_to_oneself_is_refused_before_sending(
    httpx_mock: HTTPXMock, kind: str, who: str, method: str, argument: str
) -> None:
    args: tuple[object, ...] = (who, Decimal("0.25"))
    if method == "charge":
        args = (*args, TOKEN)
    with pytest.raises(InvalidInputError) as caught:
        run(kind, user_client(), call(method, *args))
    assert caught.value.message.startswith(f"{argument} {who} is the account this client")
    assert "--email" in caught.value.hint
    assert httpx_mock.get_requests() == []
