"""`AccountingClient`, built from one room per area of the user-facing API.

Each operation is written once, as a *flow*: a generator that checks its input,
yields the calls it needs and returns the result. The public methods are one-line
shims that run the flow blocking (`transport.run`) or on the event loop
(`transport.run_async`). Naming: the async twin of a sync ``x`` is ``x_async``; the
sync twin of a seed-async ``x`` is ``x_sync``.

- `base`: the configured user (URL, credentials, saving and discovery), no network;
- `account`: register, balance, the account, credential checks, password, `show()`;
- `payments`: as a payer, tokens, payments and transfers;
- `charges`: as a service, charges, `charging()`, confirming and cancelling;
- `settlement`: the steps the multi-step payments share (confirm-or-cancel...);
- `history`: the account summary, history pages and iterators, lookup, usage;
- `keys`: API keys: create, list, revoke;
- `accounting_client`: `AccountingClient`, all of them.
"""

from syftbox_accounting.accounting.accounting_client import AccountingClient
from syftbox_accounting.accounting.charges import Payment

__all__ = ["AccountingClient", "Payment"]
