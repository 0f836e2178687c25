"""The unmodified public client, `syft-accounting-sdk` 0.1.1, against the reference
service: its whole payment flow still works (it sends no idempotency key, knows no
token limit, and reads `201 Created` as success)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import syft_accounting_sdk as sdk

from syftbox_accounting.server import BackgroundService, passwords


@pytest.fixture
def service() -> Iterator[BackgroundService]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "SCRYPT_N", 2**10)
        with BackgroundService() as running:
            yield running


def test_the_public_clients_payment_flow(service: BackgroundService) -> None:
    admin = sdk.AdminClient(url=service.url, key=service.admin_key)
    _, payer_password = admin.create_user(email="payer@example.com", organization="OpenMined")
    user, shop_password = sdk.UserClient.create_user(
        url=service.url, email="shop@example.com", organization="Shop", password="shop-password"
    )
    assert user.email == "shop@example.com"
    admin.add_balance(email="payer@example.com", amount=10)

    payer = sdk.UserClient(service.url, "payer@example.com", payer_password)
    shop = sdk.UserClient(service.url, "shop@example.com", shop_password)
    token = payer.create_transaction_token(recipientEmail="shop@example.com")
    with shop.delegated_transfer("payer@example.com", 2.5, token, app_name="summarizer") as ctx:
        ctx.confirm()
    with payer.transfer("shop@example.com", 1) as direct:
        pass  # not confirmed: cancelled on exit
    assert direct.transaction is not None
    assert direct.transaction.status == "CANCELLED"
    assert payer.get_user_info().balance == 107.5
    assert shop.get_user_info().balance == 102.5
    history = payer.get_transaction_history()
    assert sorted(t.status for t in history if t.createdBy != "SYSTEM") == [
        "CANCELLED",
        "COMPLETED",
    ]
    updated = payer.update_password(old_password=payer_password, new_password="payer-new-pw")
    assert updated.email == "payer@example.com"

    # An error is still a JSON body it can read.
    with pytest.raises(sdk.ServiceException):
        sdk.UserClient(service.url, "payer@example.com", "wrong").get_user_info()
