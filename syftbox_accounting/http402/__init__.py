"""Paying and charging over plain HTTP: the HTTP 402 Payment scheme with a ``syftbox``
payment method (docs/http402-syftbox.md).

- `budget`: `Budget`, the limits an agent sets on what it pays, and its ledger (no
  extra needed);
- `receipt`: `PaymentReceipt`, what a paid answer says was paid (no extra needed);
- `method`: the ``syftbox`` method's wire formats, on pympp (the ``[http402]`` extra);
- `paying`: the paying httpx clients (`AccountingClient.paying_http_client`);
- `paywall`: `require_payment`, for ASGI services (Starlette, FastAPI);
- `mpp_server`: the method plugged into pympp's own server engine.

Nothing here is imported by ``import syftbox_accounting``: each module loads when used.
"""
