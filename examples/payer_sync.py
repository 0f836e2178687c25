"""A payer, sync: register, check the balance, pay a service, read the history.

Run it against a local service:
    syftbox-accounting serve &
    SYFTBOX_ACCOUNTING_URL=http://127.0.0.1:8000 python examples/payer_sync.py
"""

import uuid

from syftbox_accounting import AccountingClient

run = uuid.uuid4().hex[:8]  # fresh emails, so the script runs again and again
payer = AccountingClient()  # the service from SYFTBOX_ACCOUNTING_URL
account = payer.register_accounting(f"payer-{run}@example.com")
print("registered", account.email, "- keep the generated password safe")

service = AccountingClient()
service.register_accounting(f"ai-service-{run}@example.com")

print(f"Balance: ${payer.get_account_balance()}")
payment = payer.transfer(service.get_email(), 1.25, app_name="example")
print("paid", payment.amount, "->", payment.status.value)
for tx in payer.get_transaction_history(limit=5):
    print(tx.created_at, tx.amount, tx.recipient_email)
payer.show()  # text here, HTML in a notebook
