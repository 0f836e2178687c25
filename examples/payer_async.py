"""A payer, async (asyncio; trio works too after `pip install trio`): two accounts,
a transaction token for the service, and the account info.

    SYFTBOX_ACCOUNTING_URL=http://127.0.0.1:8000 python examples/payer_async.py
"""

import uuid

import anyio

from syftbox_accounting import (
    AccountingClient,
    format_money,  # dollars as the library shows them
)


async def main() -> None:
    run = uuid.uuid4().hex[:8]
    async with AccountingClient() as payer, AccountingClient() as service:
        await payer.register_accounting_async(f"payer-{run}@example.com")
        # The token names its recipient, who must have an account.
        await service.register_accounting_async(f"ai-service-{run}@example.com")
        balance = await payer.get_account_balance_async()
        token = await payer.create_transaction_token(service.get_email())
        info = await payer.get_account_info()  # account, usage and 10 newest, at once
        spent = format_money(info["usage"]["total_spent"])
        print(f"Balance: {format_money(balance)}; spent so far: {spent}")
        print("token for the service:", token[:16] + "...")


anyio.run(main)  # or anyio.run(main, backend="trio")
