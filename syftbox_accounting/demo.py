"""The main job, end to end: ``make demo`` or ``python -m syftbox_accounting.demo``.

Starts the reference accounting service on a free loopback port with a throwaway
database, then runs the seed's complete transaction workflow: a payer and an AI
service register, the payer checks its balance and creates a token for the
service, the service charges with it and confirms once its work is done, and the
payer sees the cost and the history. Nothing is read from or written to
``~/.syftbox``.
"""

from __future__ import annotations

import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import anyio

from syftbox_accounting import AccountingClient, Client, Transaction

PRICE = Decimal("0.25")


def _step(number: int, text: str) -> None:
    print(f"\n[{number}] {text}")


def _history_table(transactions: list[Transaction]) -> str:
    lines = [f"    {'when (UTC)':<19}  {'from':<24} {'to':<24} {'amount':>8}  status"]
    for tx in transactions:
        lines.append(
            f"    {tx.created_at:%Y-%m-%d %H:%M:%S}  {tx.sender_email:<24} "
            f"{tx.recipient_email:<24} {tx.amount:>8}  {tx.status.value}"
            + (f" ({tx.app_name})" if tx.app_name else "")
        )
    return "\n".join(lines)


async def summarize(text: str) -> str:
    """The AI service's work, paid per call."""
    await anyio.sleep(0)
    return f"summary of {len(text.split())} words"


async def workflow(url: str) -> None:
    # 1. A payer and an AI service register; each is configured with its account.
    _step(1, "Register a payer and an AI service")
    payer = Client(accounting_client=AccountingClient(url)).accounting_client
    service = Client(accounting_client=AccountingClient(url)).accounting_client
    account = payer.register_accounting(email="alice@example.com", organization="OpenMined")
    await service.register_accounting_async(email="ai-service@example.com")
    print(f"    Account created: {account.email} (balance ${account.balance})")
    print(f"    {account!r}")
    print(f"    Service account: {service.get_email()}")

    # 2. The status widget (text here, HTML in Jupyter).
    _step(2, "show()")
    payer.show()

    # 3. Check the balance before paying.
    _step(3, "Check the balance")
    initial_balance = payer.get_account_balance()
    print(f"    Current Balance: ${initial_balance}")

    # 4. The payer creates a token that lets only this service charge it, once.
    _step(4, "The payer creates a transaction token for the service")
    transaction_token = await payer.create_transaction_token(recipient_email=service.get_email())
    print(f"    Token created ({len(transaction_token)} characters; it is a secret, not shown)")

    # 5. The service charges with the token, does the work, and confirms.
    _step(5, f"The service charges ${PRICE} with the token and confirms after its work")
    async with service.charging_async(
        payer.get_email(), PRICE, transaction_token, app_name="summarizer", endpoint="/summarize"
    ) as payment:
        result = await summarize("Your query here, about paying for AI services")
        print(f"    Work done: {result}")
    print(f"    Transaction {payment.id}: {payment.transaction.status.value}")

    # 6. The cost, as the payer sees it.
    _step(6, "Final balance and transaction cost")
    final_balance = await payer.get_account_balance_async()
    print(f"    Remaining Balance: ${final_balance}")
    print(f"    Transaction Cost: ${Decimal(str(initial_balance)) - Decimal(str(final_balance))}")

    # 7. The history, newest first, and the account summary.
    _step(7, "History")
    print(_history_table(await payer.get_transaction_history_async()))
    info = await payer.get_account_info()
    print(f"    Account ID: {info['account_id']}; total spent: ${info['usage']['total_spent']}")
    await payer.aclose()
    await service.aclose()


def main() -> int:
    from syftbox_accounting.server import BackgroundService

    with tempfile.TemporaryDirectory(prefix="syftbox-accounting-demo-") as tmp:
        database = Path(tmp) / "accounting.sqlite3"
        with BackgroundService(database=database) as running:
            print(f"Reference accounting service at {running.url} (database {database.name})")
            anyio.run(workflow, running.url)
    print("\nDone: the service is stopped and its database deleted.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
