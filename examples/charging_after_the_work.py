"""A service whose price is known only after the work: it holds the most a query may
cost, runs the model, and captures what the answer really cost (per generated token).
The rest of the hold goes back at once; a failed query moves nothing; a completed
payment can be refunded.

    SYFTBOX_ACCOUNTING_URL=http://127.0.0.1:8000 python examples/charging_after_the_work.py
"""

import uuid
from decimal import Decimal

from syftbox_accounting import (
    AccountingClient,
    PaymentError,
    format_money,  # dollars as the library shows them
)

PRICE_PER_TOKEN = Decimal("0.001")
MOST_A_QUERY_COSTS = Decimal("0.50")  # what one query may cost at most: the hold

run = uuid.uuid4().hex[:8]
service = AccountingClient()
service.register_accounting(f"per-token-{run}@example.com")
payer = AccountingClient()
payer.register_accounting(f"payer-{run}@example.com")


def generate(prompt: str) -> tuple[str, int]:
    """Stands in for a model: an answer and how many tokens it took."""
    if not prompt:
        raise ValueError("empty prompt")
    words = prompt.split()
    return " ".join(reversed(words)), 17 * len(words)


def handle(prompt: str, payer_email: str, token: str) -> str:
    try:
        with service.charging(payer_email, MOST_A_QUERY_COSTS, token, hold_for=600) as payment:
            # The payer's money is held now: this charge cannot fail for lack of funds.
            answer, tokens = generate(prompt)  # raises? the hold is released, nothing moves
            payment.capture(tokens * PRICE_PER_TOKEN)  # the real price, at most the hold
    except PaymentError as exc:  # a bad or spent token, a payer who cannot cover the hold
        return f"payment refused: {exc.summary}"
    except ValueError as exc:
        return f"query failed, nothing charged: {exc}"
    tx = payment.transaction
    charged, held = format_money(tx.amount), format_money(tx.authorized_amount)
    return f"{answer!r}: charged {charged} of the {held} held"


before = payer.get_account().balance
token = payer.create_transaction_token_sync(service.get_email(), max_amount=MOST_A_QUERY_COSTS)
print(handle("eight words that cost one hundred thirty six tokens", payer.get_email(), token))
token = payer.create_transaction_token_sync(service.get_email(), max_amount=MOST_A_QUERY_COSTS)
print(handle("", payer.get_email(), token))  # fails: the hold is released
after = payer.get_account()
paid, available = format_money(before - after.balance), format_money(after.available_balance)
print(f"Payer paid: {paid}; available: {available}")

# Over-charged? The service gives money back, linked to the payment.
paid = service.get_transaction_history(1, status="COMPLETED")
if paid:
    refund = service.refund_transaction(paid[0].id, amount=Decimal("0.036"), reason="goodwill")
    print(f"Refunded {format_money(refund.amount)} of payment {refund.refund_of}")
else:  # every charge was refused (a service that gives new accounts no credit)
    print("Nothing was paid, so nothing to refund.")
print(f"Payer balance: {format_money(payer.get_account_balance())}")
