"""The operations of the contract, each declared once, under its `operationId`.

A function here (``create_user`` for ``createUser``...) turns checked arguments
into a `Call`: the request, built by the generated client's own request builder
(the facade never writes URLs or JSON), the authentication it needs, and how to
read its success body into our types. The transport sends a `Call` (sync or
async, with retries) for the library method that yielded it; `errors` reads its
failures.

Every POST and PUT carries an `Idempotency-Key`: the caller's, or a fresh UUID4 made
here, once per logical call, so that all retries of the call send the same key.

Money goes both ways in the contract's two forms (openapi.yaml, Money): answers are read
by their decimal strings (``amountDecimal``...) when present, else by their numbers; a
call that carries an amount is built twice, with the number (what the public service
knows) and with the decimal string, which the transport sends to a service that
announced ``exact-money``.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from syftbox_accounting import _generated as gen
from syftbox_accounting import types
from syftbox_accounting._lazy import lazy_module
from syftbox_accounting.types import ApiKeyScope, TransactionActor, TransactionStatus, User

if TYPE_CHECKING:
    from syftbox_accounting import records
else:
    # A history's filters and pages, with its records: built on the first history call.
    records = lazy_module("syftbox_accounting.records")

T = TypeVar("T")
Auth = Literal["basic", "bearer", "none"]
# The feature under which a service reads and writes money as decimal strings.
EXACT_MONEY = "exact-money"


@dataclasses.dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """One request to the service and how to read its answer.

    `secrets` are values in the request that must never be shown (tokens, new
    passwords); `conflict` is the error code a 409 without a readable body stands
    for; `answer_has_secret` keeps a broken success body out of the exception (it
    may hold a password); `idempotency_key` is the key in the request's header
    (every POST and PUT has one); `feature` is what the service must announce in
    ``Accounting-Features`` before the call may be sent (the transport checks);
    `probe` marks the call that learns those features, whatever its answer;
    `about` is what a 404 means was not found (the advice differs).
    `exact_request` is `request` with its amounts as decimal strings (see `request_for`).
    Nothing changes a Call once made (the transport copies `request`), so a call with
    nothing of its own is made once and shared.
    """

    # Out of reprs: the body may hold a password (tracebacks capture locals).
    request: dict[str, Any] = dataclasses.field(repr=False)
    auth: Auth
    parse: Callable[[Any], T]
    secrets: tuple[str, ...] = dataclasses.field(default=(), repr=False)
    conflict: str = "already_resolved"
    answer_has_secret: bool = False
    idempotency_key: str | None = None
    feature: str | None = None
    probe: bool = False
    about: Literal["account", "transaction"] = "account"
    exact_request: dict[str, Any] | None = dataclasses.field(default=None, repr=False)
    # Read from `request` once: every attempt, log line and error names them.
    method: str = dataclasses.field(init=False, repr=False, compare=False)
    path: str = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", str(self.request["method"]).upper())
        object.__setattr__(self, "path", str(self.request["url"]))

    def request_for(self, features: frozenset[str] | None) -> dict[str, Any]:
        """The request to send to a service that announced `features`: amounts as
        decimal strings where it announced ``exact-money``, else as JSON numbers, the
        only form the public service knows (both are exact)."""
        if self.exact_request is not None and features and EXACT_MONEY in features:
            return self.exact_request
        return self.request

    @property
    def idempotent(self) -> bool:
        """GETs change nothing, so sending one again is always safe."""
        return self.method == "GET"


# -- reading answers: generated model -> our types, checking what the generator does not


def _str(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} is {type(value).__name__}, not a string")
    return value


def _opt_str(value: object, what: str) -> str | None:
    return None if value is None or isinstance(value, gen.Unset) else _str(value, what)


# Money in an answer is far below 1e20 dollars, and exact within the 28 digits of the
# default decimal context, so that every sum, comparison and display of it is exact and
# can never raise (`quantize` raises InvalidOperation past 28 digits).
MAX_MONEY_EXPONENT = 20
MAX_MONEY_DIGITS = 28
# A money field's decimal string (openapi.yaml, `DecimalTotal`): digits, then optionally a
# point and 1 to 6 digits. ASCII digits only (`\d` would take other scripts' digits).
_DECIMAL_TEXT = re.compile(r"(?:0|[1-9][0-9]{0,17})(?:\.[0-9]{1,6})?")
_ZERO = Decimal(0)  # immutable, so one serves every read


def _money(
    number: object, text: object, what: str, *, minimum: Decimal, inclusive: bool
) -> Decimal:
    """A money field: its decimal string `text` when the answer has one (the exact form),
    else its JSON `number` (parsed as Decimal; a float is read by its shortest text)."""
    if isinstance(text, str):
        if not _DECIMAL_TEXT.fullmatch(text):
            raise ValueError(f"{what}Decimal {text[:40]!r} is not a decimal amount")
        exact = Decimal(text)
    elif text is None or isinstance(text, gen.Unset):
        if isinstance(number, bool) or not isinstance(number, int | float | Decimal):
            raise TypeError(f"{what} is {type(number).__name__}, not a number")
        if isinstance(number, float) and not math.isfinite(number):
            raise ValueError(f"{what} is out of range")
        exact = Decimal(repr(number)) if isinstance(number, float) else Decimal(number)
        if (
            not exact.is_finite()
            or exact.adjusted() > MAX_MONEY_EXPONENT
            or len(exact.as_tuple().digits) > MAX_MONEY_DIGITS
        ):
            raise ValueError(f"{what} is out of range")
    else:
        raise TypeError(f"{what}Decimal is {type(text).__name__}, not a string")
    if exact < minimum or (exact == minimum and not inclusive):
        raise ValueError(f"{what} {exact} is out of range")
    return exact


def _time(value: object, what: str) -> datetime.datetime:
    if not isinstance(value, datetime.datetime):
        raise TypeError(f"{what} is not a date-time")
    if value.utcoffset() is None:
        # The contract's date-times carry an offset; a naive one cannot be ordered
        # against the others (sorting the history would raise TypeError).
        raise ValueError(f"{what} has no UTC offset")
    return value


def _opt_time(value: object, what: str) -> datetime.datetime | None:
    return None if value is None or isinstance(value, gen.Unset) else _time(value, what)


def to_user(user: gen.models.User) -> User:
    return _user(
        user.id,
        user.email,
        user.organization,
        (user.balance, user.balance_decimal),
        (user.held_balance, user.held_balance_decimal),
        (user.available_balance, user.available_balance_decimal),
    )


def _user(
    id: object,
    email: object,
    organization: object,
    balance: tuple[object, object],
    held: tuple[object, object],
    available: tuple[object, object],
) -> User:
    """A `User` from the contract's fields (each amount as its number and its decimal
    string), every one checked."""
    total = _total(balance[0], balance[1], "user.balance")
    # A service without holds sends neither: nothing is held there.
    held_total = _opt_total(held[0], held[1], "user.heldBalance") or _ZERO
    available_total = _opt_total(available[0], available[1], "user.availableBalance")
    if held_total > total or (
        available_total is not None and available_total != total - held_total
    ):
        raise ValueError("user.availableBalance is not balance minus heldBalance")
    return User(
        id=_str(id, "user.id"),
        email=_str(email, "user.email"),
        balance=total,
        organization=_opt_str(organization, "user.organization"),
        held_balance=held_total,
    )


def to_transaction(tx: gen.models.Transaction) -> types.Transaction:
    resolved_by = _opt_str(tx.resolved_by, "transaction.resolvedBy")
    amount = _money(
        tx.amount, tx.amount_decimal, "transaction.amount", minimum=_ZERO, inclusive=False
    )
    authorized = (
        amount  # a service without holds captures what it creates
        if isinstance(tx.authorized_amount, gen.Unset)
        and isinstance(tx.authorized_amount_decimal, gen.Unset)
        else _money(
            tx.authorized_amount,
            tx.authorized_amount_decimal,
            "transaction.authorizedAmount",
            minimum=amount,
            inclusive=True,
        )
    )
    refunded = _opt_total(
        tx.refunded_amount, tx.refunded_amount_decimal, "transaction.refundedAmount"
    )
    return types.Transaction(
        id=_str(tx.id, "transaction.id"),
        sender_email=_str(tx.sender_email, "transaction.senderEmail"),
        recipient_email=_str(tx.recipient_email, "transaction.recipientEmail"),
        amount=amount,
        # Open enums: a value this version does not know is kept as an UNKNOWN member.
        status=TransactionStatus(_str(tx.status, "transaction.status")),
        created_by=TransactionActor(_str(tx.created_by, "transaction.createdBy")),
        created_at=_time(tx.created_at, "transaction.createdAt"),
        resolved_by=None if resolved_by is None else TransactionActor(resolved_by),
        resolved_at=_opt_time(tx.resolved_at, "transaction.resolvedAt"),
        app_name=_opt_str(tx.app_name, "transaction.appName"),
        endpoint=_opt_str(tx.app_ep_path, "transaction.appEpPath"),
        authorized_amount=authorized,
        expires_at=_opt_time(tx.expires_at, "transaction.expiresAt"),
        cancel_reason=_opt_str(tx.cancel_reason, "transaction.cancelReason"),
        refund_of=_opt_str(tx.refund_of, "transaction.refundOf"),
        refunded_amount=refunded or _ZERO,
        refund_reason=_opt_str(tx.refund_reason, "transaction.refundReason"),
    )


def _read_user(doc: Any) -> User:
    """`UserResponse`, the answer of most calls (a balance read among them), read in
    one step: the fields `gen.models.User.from_dict` requires are required here too,
    the others optional, and `_user` checks each as `to_user` does."""
    if not isinstance(doc, dict):
        raise TypeError(f"the answer is {type(doc).__name__}, not an object")
    user = doc["user"]
    if not isinstance(user, dict):
        raise TypeError(f"user is {type(user).__name__}, not an object")
    unset = gen.UNSET
    return _user(
        user["id"],
        user["email"],
        user["organization"],
        (user["balance"], user.get("balanceDecimal", unset)),
        (user.get("heldBalance", unset), user.get("heldBalanceDecimal", unset)),
        (user.get("availableBalance", unset), user.get("availableBalanceDecimal", unset)),
    )


def _read_transaction(doc: Any) -> types.Transaction:
    return to_transaction(gen.models.TransactionResponse.from_dict(doc).transaction)


def _read_page(doc: Any) -> records.Page:
    answer = gen.models.TransactionListResponse.from_dict(doc)
    paged = not isinstance(answer.next_cursor, gen.Unset)
    return records.Page(
        [to_transaction(t) for t in answer.transactions],
        _opt_str(answer.next_cursor, "nextCursor"),
        paged,
    )


def _read_usage(doc: Any) -> types.Usage:
    usage = gen.models.UsageResponse.from_dict(doc).usage
    return types.Usage(
        transaction_count=_count(usage.transaction_count, "usage.transactionCount"),
        total_spent=_total(usage.total_spent, usage.total_spent_decimal, "usage.totalSpent"),
        total_received=_total(
            usage.total_received, usage.total_received_decimal, "usage.totalReceived"
        ),
        pending_count=_count(usage.pending_count, "usage.pendingCount"),
        pending_amount=_total(
            usage.pending_amount, usage.pending_amount_decimal, "usage.pendingAmount"
        ),
        first_transaction_at=_opt_time(usage.first_transaction_at, "usage.firstTransactionAt"),
        last_transaction_at=_opt_time(usage.last_transaction_at, "usage.lastTransactionAt"),
        total_refunds_received=_opt_total(
            usage.total_refunds_received,
            usage.total_refunds_received_decimal,
            "usage.totalRefundsReceived",
        )
        or _ZERO,
        total_refunds_given=_opt_total(
            usage.total_refunds_given, usage.total_refunds_given_decimal, "usage.totalRefundsGiven"
        )
        or _ZERO,
    )


def _count(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{what} is not a count")
    return value


def _total(number: object, text: object, what: str) -> Decimal:
    if type(text) is str and _DECIMAL_TEXT.fullmatch(text):
        # The common case, read here at once (every balance read has three): the
        # pattern allows no sign, so it is never below zero.
        return Decimal(text)
    return _money(number, text, what, minimum=_ZERO, inclusive=True)


def _opt_total(number: object, text: object, what: str) -> Decimal | None:
    """A total the public service does not send (None then)."""
    if type(text) is str and _DECIMAL_TEXT.fullmatch(text):
        return Decimal(text)  # as in `_total`
    if isinstance(number, gen.Unset) and isinstance(text, gen.Unset):
        return None
    return _money(number, text, what, minimum=_ZERO, inclusive=True)


def to_api_key(key: gen.models.ApiKey) -> types.ApiKey:
    no_cap = key.max_spend is None and not isinstance(key.max_spend_decimal, str)
    return types.ApiKey(
        id=_str(key.id, "apiKey.id"),
        name=_str(key.name, "apiKey.name"),
        scopes=frozenset(ApiKeyScope(_str(s, "apiKey.scopes[]")) for s in key.scopes),
        hint=_str(key.hint, "apiKey.hint"),
        created_at=_time(key.created_at, "apiKey.createdAt"),
        expires_at=_opt_time(key.expires_at, "apiKey.expiresAt"),
        revoked_at=_opt_time(key.revoked_at, "apiKey.revokedAt"),
        last_used_at=_opt_time(key.last_used_at, "apiKey.lastUsedAt"),
        max_spend=None
        if no_cap
        else _money(
            key.max_spend,
            key.max_spend_decimal,
            "apiKey.maxSpend",
            minimum=_ZERO,
            inclusive=False,
        ),
        spent=_total(key.spent, key.spent_decimal, "apiKey.spent"),
    )


def _read_new_api_key(doc: Any) -> types.NewApiKey:
    created = gen.models.CreateApiKeyResponse.from_dict(doc)
    secret = _str(created.secret, "secret")
    if not secret.startswith("sbk_"):
        raise ValueError("secret is not an API key")
    return types.NewApiKey(to_api_key(created.api_key), secret)


def _read_api_key(doc: Any) -> types.ApiKey:
    return to_api_key(gen.models.ApiKeyResponse.from_dict(doc).api_key)


def _read_api_keys(doc: Any) -> list[types.ApiKey]:
    return [to_api_key(k) for k in gen.models.ApiKeyListResponse.from_dict(doc).api_keys]


def _read_users(doc: Any) -> list[User]:
    return [to_user(u) for u in gen.models.UserListResponse.from_dict(doc).users]


def _read_new_account(doc: Any) -> tuple[User, str]:
    created = gen.models.CreateUserResponse.from_dict(doc)
    return to_user(created.user), _str(created.password, "password")


def _read_token(doc: Any) -> str:
    token = _str(gen.models.TokenResponse.from_dict(doc).token, "token")
    if not token:
        raise ValueError("token is empty")
    return token


def _wire_amount(amount: Decimal) -> int | float:
    # JSON carries the number as given: whole amounts as integers. Amounts are below
    # 1e9 with 6 decimals (15 significant digits), which a float holds exactly.
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
        _read_new_account,
        (password,) if password else (),
        conflict="account_exists",
        answer_has_secret=True,
        idempotency_key=key,
    )


@functools.cache  # one request, with nothing of its own: built once (a Call is frozen)
def get_my_info() -> Call[User]:
    return Call(gen.get_my_info._get_kwargs(), "basic", _read_user)


@functools.cache
def learn_features() -> Call[None]:
    """The cheapest answer of a service, whatever it says (`getMyInfo` without
    credentials: a 401 costs it no password hash), to read its Accounting-Features
    before a call that needs one (at most once per client)."""
    return Call(gen.get_my_info._get_kwargs(), "none", lambda _: None, probe=True)


def update_password(old: str, new: str, idempotency_key: str | None = None) -> Call[User]:
    body = gen.models.UpdatePasswordRequest(old_password=old, new_password=new)
    request, key = _keyed(
        lambda k: gen.update_password._get_kwargs(body=body, idempotency_key=k), idempotency_key
    )
    return Call(request, "basic", _read_user, (old, new), idempotency_key=key)


def update_organization(organization: str | None, idempotency_key: str | None = None) -> Call[User]:
    body = gen.models.UpdateOrganizationRequest(organization=organization)
    request, key = _keyed(
        lambda k: gen.update_organization._get_kwargs(body=body, idempotency_key=k),
        idempotency_key,
    )
    return Call(request, "basic", _read_user, idempotency_key=key)


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
        _read_token,
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
        _read_transaction,
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
        _read_transaction,
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
    return Call(request, "basic", _read_transaction, idempotency_key=key, about="transaction")


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
        _read_transaction,
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
    return Call(request, "basic", _read_page)


def get_transaction(transaction_id: str) -> Call[types.Transaction]:
    return Call(
        gen.get_transaction._get_kwargs(transaction_id),
        "basic",
        _read_transaction,
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
    return Call(request, "basic", _read_usage)


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
        _read_new_api_key,
        answer_has_secret=True,
        idempotency_key=key,
        feature="api-keys",
        exact_request=None if max_spend is None else exact_request,
    )


def list_api_keys() -> Call[list[types.ApiKey]]:
    return Call(gen.list_api_keys._get_kwargs(), "basic", _read_api_keys, feature="api-keys")


def revoke_api_key(key_id: str, idempotency_key: str | None = None) -> Call[types.ApiKey]:
    body = gen.models.RevokeApiKeyRequest(key_id=key_id)
    request, key = _keyed(
        lambda k: gen.revoke_api_key._get_kwargs(body=body, idempotency_key=k), idempotency_key
    )
    return Call(request, "basic", _read_api_key, idempotency_key=key, feature="api-keys")


def add_balance(email: str, amount: Decimal, idempotency_key: str | None = None) -> Call[User]:
    def make(key: str, exact: bool) -> dict[str, Any]:
        number, text = _forms(amount, exact)
        body = gen.models.AddBalanceRequest(
            recipient_email=email, amount=number, amount_decimal=text
        )
        return gen.add_balance._get_kwargs(body=body, idempotency_key=key)

    request, exact_request, key = _keyed_money(make, idempotency_key)
    return Call(request, "bearer", _read_user, idempotency_key=key, exact_request=exact_request)


def get_user(email: str) -> Call[User]:
    return Call(gen.get_user._get_kwargs(email), "bearer", _read_user)


def list_users() -> Call[list[User]]:
    return Call(gen.list_users._get_kwargs(), "bearer", _read_users)
