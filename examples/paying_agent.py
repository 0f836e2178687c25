"""An agent that pays AI services over plain HTTP within a budget, sync and async: a
service that answers 402 with a `syftbox` challenge gets a token bounded to its price,
and the agent's `Budget` refuses what it does not allow before any token exists.
Needs `pip install 'syftbox-accounting[server,http402]'`.

It pays the service of examples/paid_service.py at PAID_SERVICE_URL, or, when that is
not set, one it starts in the background:
    SYFTBOX_ACCOUNTING_URL=http://127.0.0.1:8000 python examples/paying_agent.py
"""

import contextlib
import os
import uuid
from collections.abc import Iterator

import anyio

from syftbox_accounting import (
    AccountingClient,
    Budget,
    BudgetExceededError,
    format_money,  # dollars as the library shows them
    receipt_of,
)


@contextlib.contextmanager
def paid_service() -> Iterator[str]:
    """The URL of a paid service: PAID_SERVICE_URL, or paid_service.py's, started here."""
    if "PAID_SERVICE_URL" in os.environ:
        yield os.environ["PAID_SERVICE_URL"]
        return
    import paid_service  # the example beside this one

    from syftbox_accounting.server import BackgroundService

    app = paid_service.create_app(paid_service.service_account())
    with BackgroundService(app=app) as running:
        yield running.url


def pay_sync(agent: AccountingClient, url: str, budget: Budget) -> None:
    with agent.paying_http_client(budget=budget, allowed_origins=[url], base_url=url) as http:
        answer = http.post("/summarize", json={"text": "Quarterly results, in detail."})
        if answer.status_code == 402:  # still unpaid: the agent's funds, a bad token
            print("sync: refused:", answer.json()["detail"])
            return
        receipt = receipt_of(answer)
        print(
            "sync:",
            answer.json()["summary"],
            f"paid {format_money(receipt.amount)}, {receipt.intent}",
        )


async def pay_async(agent: AccountingClient, url: str, budget: Budget) -> None:
    async with agent.paying_http_client_async(
        budget=budget, allowed_origins=[url], base_url=url, timeout=30
    ) as http:
        answer = await http.post("/generate", json={"prompt": "Write me a poem"})
        if answer.status_code == 402:
            print("async: refused:", answer.json()["detail"])
            return
        receipt = receipt_of(answer)
        print(f"async: {answer.json()['tokens']} tokens, paid {format_money(receipt.amount)}")


with paid_service() as url:
    agent = AccountingClient()
    agent.register_accounting(f"agent-{uuid.uuid4().hex[:8]}@example.com")
    budget = Budget(per_call="0.50", per_day="2.00")  # in memory; ledger_file= to keep it
    pay_sync(agent, url, budget)
    anyio.run(pay_async, agent, url, budget)

    # A tighter budget: the $0.25 summary is refused before any token is made.
    try:
        with agent.paying_http_client(budget=Budget(per_call="0.10"), base_url=url) as http:
            http.post("/summarize", json={"text": "Too dear for this budget."})
    except BudgetExceededError as refused:
        print(f"refused by the budget ({refused.limit}): nothing was paid")

    print(f"Spent today: {format_money(budget.spent())}")
    print(f"Agent balance: {format_money(agent.get_account_balance())}")
