"""The operations of the contract, each declared once, under its `operationId`.

A function here (``create_user`` for ``createUser``...) turns checked arguments
into a `Call` (`calls`): the request, built by the generated client's own request
builder (the facade never writes URLs or JSON), the authentication it needs, and
the reader of its success body (`answers`). The transport sends a `Call` (sync or
async, with retries) for the library method that yielded it; `errors` reads its
failures.

Every POST and PUT carries an `Idempotency-Key`: the caller's, or a fresh UUID4 made
here, once per logical call, so that all retries of the call send the same key.

Money goes both ways in the contract's two forms (openapi.yaml, Money): a call that
carries an amount is built twice, with the number (what the public service knows) and
with the decimal string, which the transport sends to a service that announced
``exact-money``.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from syftbox_accounting import _generated as gen
from syftbox_accounting import types
from syftbox_accounting._lazy import lazy_module
from syftbox_accounting.answers import (
    read_api_key,
    read_api_keys,
    read_new_account,
    read_new_api_key,
    read_page,
    read_token,
    read_transaction,
    read_usage,
    read_user,
    read_users,
)
from syftbox_accounting.calls import FEATURES_PROBE, Auth, Call
from syftbox_accounting.types import ApiKeyScope, User

if TYPE_CHECKING:
    from syftbox_accounting import records
else:
    # A history's filters: loaded on the first history call.
    records = lazy_module("syftbox_accounting.records")


def _wire_amount(amount: Decimal) -> int | float:
    # JSON carries the number as given: whole amounts as integers. Amounts are at most
    # 1e9 with 6 decimals (16 significant digits at 1e9 itself, a whole number; 15 below
    # it), which a float's shortest repr holds exactly.
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _wire_decimal(amount: Decimal) -> str:
    """The decimal string of an amount, in its shortest form: ``"150.1"``, ``"100"``."""
    return f"{amount.normalize():f}"


def _forms(amount: Decimal | None, exact: bool) -> tuple[Any, Any]:
    """(number, decimal string) of an optional amount: one of them set, the other left
    out, as `exact` says; both left out without an amount."""
    if amount is None:
        return gen.UNSET, gen.UNSET
    return (gen.UNSET, _wire_decimal(amount)) if exact else (_wire_amount(amount), gen.UNSET)


def _opt(value: str | None) -> str | gen.Unset:
    return gen.UNSET if value is None else value


def new_key() -> str:
    """A fresh idempotency key."""
    import uuid  # on first use: it loads `platform`, which a read never needs

    return str(uuid.uuid4())


def step_key(key: str, step: str) -> str:
    """The key of one step of a multi-step call made with `key` (a transfer's
    confirmation...): derived, so that repeating the call repeats each step's key."""
    derived = f"{key}:{step}"
    if len(derived) <= 255:
        return derived
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, derived))


def _keyed(make: Callable[[str], dict[str, Any]], key: str | None) -> tuple[dict[str, Any], str]:
    key = new_key() if key is None else key
    return make(key), key


def _keyed_money(
    make: Callable[[str, bool], dict[str, Any]], key: str | None
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """`_keyed` for a call that carries money: the request with numbers, the same with
    decimal strings (``make(key, exact)``), and their key."""
    key = new_key() if key is None else key
    return make(key, False), make(key, True), key


# -- the operations, named as in the contract


def create_user(
    email: str,
    password: str | None,
    organization: str | None,
    idempotency_key: str | None = None,
) -> Call[tuple[User, str]]:
    body = gen.models.CreateUserRequest(
        email=email, password=_opt(password), organization=_opt(organization)
    )
    request, key = _keyed(
        lambda k: gen.create_user._get_kwargs(body=body, idempotency_key=k), idempotency_key
    )
    return Call(
        request,
        "none",
        read_new_account,
        (password,) if password else (),
        conflict="account_exists",
        answer_has_secret=True,
        idempotency_key=key,
    )


@functools.cache  # one request, with nothing of its own: built once (a Call is frozen)
def get_my_info() -> Call[User]:
    return Call(gen.get_my_info._get_kwargs(), "basic", read_user)


@functools.cache
def learn_features() -> Call[None]:
    """The cheapest answer of a service, whatever it says (`getMyInfo` without
    credentials: a 401 costs it no password hash), to read its Accounting-Features
    before a call that needs one (at most once per client). The request is marked
    with the `FEATURES_PROBE` extension, which nothing sends on the wire."""
    request = {**gen.get_my_info._get_kwargs(), "extensions": {FEATURES_PROBE: True}}
    return Call(request, "none", lambda _: None, probe=True)


def update_password(old: str, new: str, idempotency_key: str | None = None) -> Call[User]:
    body = gen.models.UpdatePasswordRequest(old_password=old, new_password=new)
    request, key = _keyed(
        lambda k: gen.update_password._get_kwargs(body=body, idempotency_key=k), idempotency_key
    )
    return Call(request, "basic", read_user, (old, new), idempotency_key=key)


def update_organization(organization: str | None, idempotency_key: str | None = None) -> Call[User]:
    body = gen.models.UpdateOrganizationRequest(organization=organization)
    request, key = _keyed(
        lambda k: gen.update_organization._get_kwargs(body=body, idempotency_key=k),
        idempotency_key,
    )
    return Call(request, "basic", read_user, idempotency_key=key)


def create_token(
    recipient_email: str,
    *,
    max_amount: Decimal | None = None,
    expires_in: int | None = None,
    idempotency_key: str | None = None,
) -> Call[str]:
    def make(key: str, exact: bool) -> dict[str, Any]:
        number, text = _forms(max_amount, exact)
        body = gen.models.CreateTokenRequest(
            recipient_email=recipient_email,
            # Left out when not set: the public service knows none of these fields.
            max_amount=number,
            max_amount_decimal=text,
            expires_in=gen.UNSET if expires_in is None else expires_in,
        )
        return gen.create_token._get_kwargs(body=body, idempotency_key=key)

    request, exact_request, key = _keyed_money(make, idempotency_key)
    return Call(
        request,
        "basic",
        read_token,
        idempotency_key=key,
        exact_request=None if max_amount is None else exact_request,
    )


def create_transaction(
    *,
    sender_email: str,
    recipient_email: str,
    amount: Decimal,
    token: str | None = None,
    app_name: str | None = None,
    endpoint: str | None = None,
    hold_for: int | None = None,
    idempotency_key: str | None = None,
) -> Call[types.Transaction]:
    def make(key: str, exact: bool) -> dict[str, Any]:
        number, text = _forms(amount, exact)
        body = gen.models.CreateTransactionRequest(
            sender_email=sender_email,
            recipient_email=recipient_email,
            amount=number,
            amount_decimal=text,
            token=_opt(token),
            app_name=_opt(app_name),
            app_ep_path=_opt(endpoint),
            # Left out when not set: a service without holds does not know it.
            hold_for=gen.UNSET if hold_for is None else hold_for,
        )
        return gen.create_transaction._get_kwargs(body=body, idempotency_key=key)

    request, exact_request, key = _keyed_money(make, idempotency_key)
    return Call(
        request,
        "basic",
        read_transaction,
        (token,) if token else (),
        conflict="insufficient_funds",  # the only 409 /transaction/create documents
        idempotency_key=key,
        feature=None if hold_for is None else "holds",
        exact_request=exact_request,
    )


def confirm_transaction(
    transaction_id: str, idempotency_key: str | None = None, *, amount: Decimal | None = None
) -> Call[types.Transaction]:
    def make(key: str, exact: bool) -> dict[str, Any]:
        # Left out to capture the whole hold: the public service knows no amount here.
        number, text = _forms(amount, exact)
        body = gen.models.ConfirmTransactionRequest(
            transaction_id=transaction_id, amount=number, amount_decimal=text
        )
        return gen.confirm_transaction._get_kwargs(body=body, idempotency_key=key)

    request, exact_request, key = _keyed_money(make, idempotency_key)
    return Call(
        request,
        "basic",
        read_transaction,
        idempotency_key=key,
        feature=None if amount is None else "capture",
        about="transaction",
        exact_request=None if amount is None else exact_request,
    )


def cancel_transaction(
    transaction_id: str, idempotency_key: str | None = None
) -> Call[types.Transaction]:
    body = gen.models.TransactionIdRequest(transaction_id=transaction_id)
    request, key = _keyed(
        lambda k: gen.cancel_transaction._get_kwargs(body=body, idempotency_key=k),
        idempotency_key,
    )
    return Call(request, "basic", read_transaction, idempotency_key=key, about="transaction")


def refund_transaction(
    transaction_id: str,
    *,
    amount: Decimal | None = None,
    reason: str | None = None,
    idempotency_key: str | None = None,
    auth: Auth = "basic",
) -> Call[types.Transaction]:
    """A refund, by the payment's recipient (Basic) or the admin (``auth="bearer"``)."""

    def make(key: str, exact: bool) -> dict[str, Any]:
        number, text = _forms(amount, exact)
        body = gen.models.RefundTransactionRequest(
            transaction_id=transaction_id, amount=number, amount_decimal=text, reason=_opt(reason)
        )
        return gen.refund_transaction._get_kwargs(body=body, idempotency_key=key)

    request, exact_request, key = _keyed_money(make, idempotency_key)
    return Call(
        request,
        auth,
        read_transaction,
        conflict="not_refundable",
        idempotency_key=key,
        feature="refunds",
        about="transaction",
        exact_request=None if amount is None else exact_request,
    )


def list_transactions(
    filters: records.HistoryFilter | None = None,
    *,
    limit: int | None = None,
    cursor: str | None = None,
) -> Call[records.Page]:
    where = filters or records.HistoryFilter()
    request = gen.list_transactions._get_kwargs(
        limit=gen.UNSET if limit is None else limit,
        cursor=_opt(cursor),
        status=gen.UNSET if where.status is None else where.status.value,
        created_after=gen.UNSET if where.created_after is None else where.created_after,
        created_before=gen.UNSET if where.created_before is None else where.created_before,
        counterparty=_opt(where.counterparty),
    )
    return Call(request, "basic", read_page)


def get_transaction(transaction_id: str) -> Call[types.Transaction]:
    return Call(
        gen.get_transaction._get_kwargs(transaction_id),
        "basic",
        read_transaction,
        about="transaction",
    )


def get_usage(
    created_after: datetime.datetime | None = None,
    created_before: datetime.datetime | None = None,
) -> Call[types.Usage]:
    request = gen.get_usage._get_kwargs(
        created_after=gen.UNSET if created_after is None else created_after,
        created_before=gen.UNSET if created_before is None else created_before,
    )
    return Call(request, "basic", read_usage)


def create_api_key(
    name: str,
    scopes: frozenset[ApiKeyScope],
    *,
    expires_in: int | None = None,
    max_spend: Decimal | None = None,
    idempotency_key: str | None = None,
) -> Call[types.NewApiKey]:
    """A new API key; its answer holds the key's secret (kept out of every error)."""

    def make(key: str, exact: bool) -> dict[str, Any]:
        number, text = _forms(max_spend, exact)
        body = gen.models.CreateApiKeyRequest(
            name=name,
            # In the contract's order, so that the same scopes make the same request.
            scopes=[s.value for s in ApiKeyScope if s in scopes],
            expires_in=gen.UNSET if expires_in is None else expires_in,
            max_spend=number,
            max_spend_decimal=text,
        )
        return gen.create_api_key._get_kwargs(body=body, idempotency_key=key)

    request, exact_request, key = _keyed_money(make, idempotency_key)
    return Call(
        request,
        "basic",
        read_new_api_key,
        answer_has_secret=True,
        idempotency_key=key,
        feature="api-keys",
        exact_request=None if max_spend is None else exact_request,
    )


def list_api_keys() -> Call[list[types.ApiKey]]:
    return Call(gen.list_api_keys._get_kwargs(), "basic", read_api_keys, feature="api-keys")


def revoke_api_key(key_id: str, idempotency_key: str | None = None) -> Call[types.ApiKey]:
    body = gen.models.RevokeApiKeyRequest(key_id=key_id)
    request, key = _keyed(
        lambda k: gen.revoke_api_key._get_kwargs(body=body, idempotency_key=k), idempotency_key
    )
    return Call(
        request, "basic", read_api_key, idempotency_key=key, feature="api-keys", about="key"
    )


def add_balance(email: str, amount: Decimal, idempotency_key: str | None = None) -> Call[User]:
    def make(key: str, exact: bool) -> dict[str, Any]:
        number, text = _forms(amount, exact)
        body = gen.models.AddBalanceRequest(
            recipient_email=email, amount=number, amount_decimal=text
        )
        return gen.add_balance._get_kwargs(body=body, idempotency_key=key)

    request, exact_request, key = _keyed_money(make, idempotency_key)
    return Call(request, "bearer", read_user, idempotency_key=key, exact_request=exact_request)


def get_user(email: str) -> Call[User]:
    return Call(gen.get_user._get_kwargs(email), "bearer", read_user)


def list_users() -> Call[list[User]]:
    return Call(gen.list_users._get_kwargs(), "bearer", read_users)
