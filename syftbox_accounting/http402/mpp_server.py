"""The ``syftbox`` method plugged into pympp's own server engine (`mpp.server.Mpp`), for
a service that offers it beside other payment methods in one 402.

>>> from mpp.server import Mpp, pay
>>> engine = Mpp(methods=[server_method(accounting)], realm="ai.example.com", secret_key=KEY)
>>> @pay(engine["syftbox/charge"](amount="0.25"))
... async def summarize(request, credential, receipt): ...

Only the fixed-price ``charge`` intent, charged (created and confirmed) when the
credential is verified, before the endpoint runs: pympp's method contract has one
settling hook (``verify``, or ``validate`` then ``broadcast``), which must return the
receipt before the endpoint is called, and no hook after it. So neither a price set
after the work (``upto``: the receipt would be fixed at the hold) nor cancelling when
the endpoint fails can be expressed there. `require_payment` does both: prefer it
when the syftbox method is the only one offered.
"""

from __future__ import annotations

import datetime
import hashlib
from decimal import Decimal
from typing import TYPE_CHECKING

from syftbox_accounting.errors import (
    AccountingError,
    InsufficientFundsError,
    InvalidInputError,
    PaymentError,
)
from syftbox_accounting.http402 import method

if TYPE_CHECKING:
    from mpp.server import ServerMethod, VerifyContext

    from syftbox_accounting.accounting import AccountingClient

__all__ = ["server_method"]


def server_method(accounting: AccountingClient, *, app_name: str | None = None) -> ServerMethod:
    """The ``syftbox``/``charge`` method for `mpp.server.Mpp`, paid to `accounting`'s
    account. A route gives the price: ``engine["syftbox/charge"](amount="0.25")``.
    A credential sent again charges once (the charge's idempotency key derives from
    its challenge), but pympp runs the endpoint again.

    Raises:
        AuthenticationError: `accounting` is not configured with an account.
    """
    # After `method`, whose import says how to install pympp when it is missing.
    from mpp.server import ServerMethod

    defaults = {
        "currency": method.CURRENCY,
        "recipient": accounting.get_email(),
        "methodDetails": {"accountingUrl": accounting.accounting_url},
    }

    async def verify(context: VerifyContext) -> method.Receipt:
        payload = context.credential.payload
        assert isinstance(payload, method.Payload)  # parsed by the method's payload model
        challenge = context.challenge
        amount = Decimal(str(challenge.request["amount"]))
        key = "http402-" + hashlib.sha256(f"{challenge.realm}|{challenge.id}".encode()).hexdigest()
        try:
            transaction = await accounting.charge_async(
                payload.payer,
                amount,
                payload.token,
                app_name=app_name,
                confirm=True,
                idempotency_key=key,
            )
        except InsufficientFundsError as exc:
            detail = method.refusal_detail(exc.summary, funds=True)
            raise method.problems.PaymentInsufficientError(detail) from None
        except (PaymentError, InvalidInputError) as exc:
            detail = method.refusal_detail(exc.summary, funds=False)
            raise method.problems.VerificationFailedError(detail) from None
        except AccountingError as exc:
            raise method.problems.InternalPaymentError() from exc
        return method.Receipt.from_payment_receipt(
            method.receipt_header(
                transaction_id=transaction.id,
                charged=transaction.amount,
                max_amount=amount,
                challenge_id=challenge.id,
                timestamp=datetime.datetime.now(datetime.UTC),
            )
        )

    return ServerMethod(method=method.CHARGE_METHOD, verify=verify, defaults=defaults)
