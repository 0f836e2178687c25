"""A service charging for its work with `charging()`: confirmed when the work is
delivered, cancelled (nothing moves) when it raises.

    SYFTBOX_ACCOUNTING_URL=http://127.0.0.1:8000 python examples/service_charging.py
"""

import uuid

from syftbox_accounting import (
    AccountingClient,
    PaymentError,
    format_money,  # dollars as the library shows them
)

run = uuid.uuid4().hex[:8]
service = AccountingClient()
service.register_accounting(f"summarizer-{run}@example.com")
payer = AccountingClient()
payer.register_accounting(f"payer-{run}@example.com")


def summarize(text: str) -> str:
    return text[:20] + "..."


def handle(query: str, payer_email: str, token: str) -> str:
    """One paid request: the payer sent its email and a token made for this service."""
    try:
        with service.charging(payer_email, 0.25, token, app_name="summarizer") as payment:
            answer = summarize(query)  # raises? the charge is cancelled
    except PaymentError as exc:  # a bad, expired or spent token; a payer who can't pay
        return f"payment refused: {exc.summary}"
    return f"{answer} (charged {format_money(payment.amount)}, {payment.transaction.status.value})"


token = payer.create_transaction_token_sync(service.get_email())
print(handle("A long document about accounting on SyftBox.", payer.get_email(), token))
print(handle("The same token again.", payer.get_email(), token))  # spent: refused
print(f"Payer balance: {format_money(payer.get_account_balance())}")
