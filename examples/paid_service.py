"""An AI service that charges per query over plain HTTP (the HTTP 402 Payment scheme,
with the `syftbox` method): a summary at a fixed $0.25, and a text generation priced
per token, held up to $0.50 and captured once the tokens are counted. Needs
`pip install 'syftbox-accounting[server,http402]'`.

Serve it on http://127.0.0.1:8001, with the service's account from the saved
credentials or SYFTBOX_ACCOUNTING_EMAIL / SYFTBOX_ACCOUNTING_PASSWORD (else a new one):
    SYFTBOX_ACCOUNTING_URL=http://127.0.0.1:8000 python examples/paid_service.py --serve

Without --serve it starts in the background on a free port, a new payer pays each
endpoint once, and it stops; examples/paying_agent.py pays it within a budget.
"""

import sys
import uuid
from decimal import Decimal

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from syftbox_accounting import (
    AccountingClient,
    format_money,  # dollars as the library shows them
    payment_of,
    receipt_of,
    require_payment,
)

PRICE_PER_TOKEN = Decimal("0.000002")  # $2 per million tokens


def run_the_model(prompt: str) -> list[str]:
    """A stand-in for your model: the tokens it generates."""
    return (prompt.split() * 20_000)[:68_500]


def create_app(accounting: AccountingClient) -> Starlette:
    """The service's routes, each behind a paywall paid to `accounting`'s account."""

    @require_payment(accounting, price="0.25", app_name="summarizer")
    async def summarize(request: Request) -> JSONResponse:
        text = (await request.json())["text"]
        return JSONResponse({"summary": text[:40] + "..."})

    @require_payment(accounting, max_price="0.50", app_name="writer")
    async def generate(request: Request) -> JSONResponse:
        tokens = run_the_model((await request.json())["prompt"])
        # The real price, at most the $0.50 held; an exception instead cancels the
        # charge, and the payer pays nothing.
        payment_of(request).capture(len(tokens) * PRICE_PER_TOKEN)
        return JSONResponse({"text": " ".join(tokens[:8]) + "...", "tokens": len(tokens)})

    return Starlette(
        routes=[
            Route("/summarize", summarize, methods=["POST"]),
            Route("/generate", generate, methods=["POST"]),
        ]
    )


def service_account() -> AccountingClient:
    """The service's account: saved or from the environment, else a new one."""
    accounting, configured = AccountingClient.setup_accounting_discovery()
    if not configured:
        accounting.register_accounting(f"ai-service-{uuid.uuid4().hex[:8]}@example.com")
    return accounting


if __name__ == "__main__":
    accounting = service_account()
    app = create_app(accounting)
    if "--serve" in sys.argv:
        import uvicorn

        print(f"Charging to {accounting.get_email()} on http://127.0.0.1:8001")
        uvicorn.run(app, host="127.0.0.1", port=8001)
        sys.exit()

    from syftbox_accounting.server import BackgroundService  # serves any ASGI app

    with BackgroundService(app=app) as running:
        payer = AccountingClient()
        payer.register_accounting(f"payer-{uuid.uuid4().hex[:8]}@example.com")
        with payer.paying_http_client(base_url=running.url, timeout=30) as http:
            summary = http.post("/summarize", json={"text": "A long report on accounting."})
            if summary.status_code == 402:  # still unpaid: the payer's funds, a bad token
                print("summary refused:", summary.json()["detail"])
            else:
                paid = format_money(receipt_of(summary).amount)
                print(summary.json()["summary"], f"(paid {paid})")
            text = http.post("/generate", json={"prompt": "Once upon a time"})
            if text.status_code == 402:
                print("generation refused:", text.json()["detail"])
            else:
                receipt = receipt_of(text)
                print(
                    f"{text.json()['tokens']} tokens: paid {format_money(receipt.amount)} of the "
                    f"{format_money(receipt.max_amount)} held"
                )
    print(f"Service balance: {format_money(accounting.get_account_balance())}")
