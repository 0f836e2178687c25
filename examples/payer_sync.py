"""A payer, sync: register, check the balance, pay a service, read the history.

Run it against a local service:
    syftbox-accounting serve &
    SYFTBOX_ACCOUNTING_URL=http://127.0.0.1:8000 python examples/payer_sync.py
"""

import uuid

from syftbox_accounting import (
    AccountingClient,
    PaymentError,
    format_money,  # dollars as the library shows them
)

run = uuid.uuid4().hex[:8]  # fresh emails, so the script runs again and again
payer = AccountingClient()  # the service from SYFTBOX_ACCOUNTING_URL
account = payer.register_accounting(f"payer-{run}@example.com")
print("registered", account.email, "- keep the generated password safe")

service = AccountingClient()
service.register_accounting(f"ai-service-{run}@example.com")

print(f"Balance: {format_money(payer.get_account_balance())}")
try:
    payment = payer.transfer(service.get_email(), 1.25, app_name="example")
    print("paid", format_money(payment.amount), "->", payment.status.value)
except PaymentError as exc:  # e.g. a service that gives new accounts no credit
    print(f"payment refused: {exc.summary}")
for tx in payer.get_transaction_history(limit=5):
    print(f"{tx.created_at:%Y-%m-%d %H:%M}", format_money(tx.amount), "to", tx.recipient_email)
payer.show()  # text here, HTML in a notebook
