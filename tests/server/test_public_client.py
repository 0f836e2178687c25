"""The unmodified public client (`syft-accounting-sdk` 0.1.1) against the reference
service: what we add to the contract must never break it (it sends no idempotency
key, no page parameters, knows no token limit, and reads `201 Created` as success)."""

from __future__ import annotations

import secrets

import pytest
from syft_accounting_sdk import AdminClient, ServiceException, UserClient

from syftbox_accounting.server import BackgroundService


def _email(name: str) -> str:
    return f"{name}-{secrets.token_hex(4)}@example.com"


@pytest.fixture
def service(running_service: BackgroundService) -> BackgroundService:
    running_service.reset()
    return running_service


def test_the_public_clients_payment_flow(service: BackgroundService) -> None:
    admin = AdminClient(url=service.url, key=service.admin_key)
    payer_user, payer_password = admin.create_user(
        email=_email("payer"), organization="OpenMined", password="payer-password-1"
    )
    ai_user, ai_password = UserClient.create_user(
        url=service.url, email=_email("service"), organization=None
    )
    assert payer_user.organization == "OpenMined"
    admin.add_balance(email=payer_user.email, amount=10)

    payer = UserClient(service.url, payer_user.email, payer_password)
    ai = UserClient(service.url, ai_user.email, ai_password)
    token = payer.create_transaction_token(recipientEmail=ai_user.email)
    with ai.delegated_transfer(payer_user.email, 0.25, token, app_name="summarizer") as charge:
        charge.confirm()
    with payer.transfer(ai_user.email, 1.5):
        pass  # not confirmed: the context manager cancels it

    assert payer.get_user_info().balance == pytest.approx(100 + 10 - 0.25)
    # GET /transactions without parameters: the full history, newest first.
    history = payer.get_transaction_history()
    assert [(t.amount, t.status.value) for t in history] == [
        (1.5, "CANCELLED"),
        (0.25, "COMPLETED"),
        (10.0, "COMPLETED"),
    ]
    assert [t.appName for t in ai.get_transaction_history()] == [None, "summarizer"]

    with pytest.raises(ServiceException) as reused:
        ai.create_delegated_transaction(senderEmail=payer_user.email, amount=0.25, token=token)
    assert reused.value.status_code == 403
    assert payer.update_organization(organization="Elsewhere").organization == "Elsewhere"
    payer.update_password(old_password=payer_password, new_password="payer-password-2")
    assert admin.get_user(email=payer_user.email).balance == pytest.approx(109.75)
    # An error is still a JSON body it can read.
    with pytest.raises(ServiceException) as refused:
        UserClient(service.url, payer_user.email, "wrong-password").get_user_info()
    assert refused.value.status_code == 401
