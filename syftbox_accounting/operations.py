"""The 12 operations of the contract, each declared once.

A function here turns checked arguments into a `Call`: the request, built by the
generated client's own request builder (the facade never writes URLs or JSON), the
authentication it needs, and how to read its success body into our types. The
transport sends a `Call` (sync or async, with retries); `errors.from_response` reads
its failures.
"""

from __future__ import annotations

import datetime
import functools
import importlib
from collections.abc import Callable
from decimal import Decimal
from types import ModuleType
from typing import TYPE_CHECKING, Any, Generic, Literal, NamedTuple, TypeVar

if TYPE_CHECKING:
    from syftbox_accounting_client import models as m
    from syftbox_accounting_client.types import Unset

    from syftbox_accounting.types import Transaction, User

T = TypeVar("T")
Auth = Literal["basic", "bearer", "none"]


@functools.cache
def _models() -> ModuleType:
    # The generated package imports all its models at once (~25 ms); that cost is
    # paid by the first request, not by `import syftbox_accounting`.
    from syftbox_accounting_client import models

    return models


@functools.cache
def _api(group: str, name: str) -> ModuleType:
    return importlib.import_module(f"syftbox_accounting_client.api.{group}.{name}")


@functools.cache
def _unset() -> tuple[type[Unset], Unset]:
    from syftbox_accounting_client.types import UNSET, Unset

    return Unset, UNSET


class Call(NamedTuple, Generic[T]):
    """One request to the service and how to read its answer.

    `operation` is the library call it serves, for messages; `secrets` are values
    in the request that must never be shown (tokens, new passwords); `conflict` is
    the error code a 409 without a readable body stands for; `answer_has_secret`
    keeps a broken success body out of the exception (it may hold a password).
    """

    operation: str
    request: dict[str, Any]
    auth: Auth
    parse: Callable[[Any], T]
    secrets: tuple[str, ...] = ()
    conflict: str = "already_resolved"
    answer_has_secret: bool = False

    @property
    def method(self) -> str:
        return str(self.request["method"]).upper()

    @property
    def path(self) -> str:
        return str(self.request["url"])

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
    return None if value is None or isinstance(value, _unset()[0]) else _str(value, what)


def _money(value: object, what: str, *, minimum: Decimal, inclusive: bool) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise TypeError(f"{what} is {type(value).__name__}, not a number")
    exact = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not exact.is_finite() or exact < minimum or (exact == minimum and not inclusive):
        raise ValueError(f"{what} {value} is out of range")
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
    return None if value is None or isinstance(value, _unset()[0]) else _time(value, what)


def to_user(user: m.User) -> User:
    from syftbox_accounting.types import User

    return User(
        id=_str(user.id, "user.id"),
        email=_str(user.email, "user.email"),
        balance=_money(user.balance, "user.balance", minimum=Decimal(0), inclusive=True),
        organization=_opt_str(user.organization, "user.organization"),
    )


def to_transaction(tx: m.Transaction) -> Transaction:
    from syftbox_accounting.types import Transaction, TransactionActor, TransactionStatus

    resolved_by = _opt_str(tx.resolved_by, "transaction.resolvedBy")
    return Transaction(
        id=_str(tx.id, "transaction.id"),
        sender_email=_str(tx.sender_email, "transaction.senderEmail"),
        recipient_email=_str(tx.recipient_email, "transaction.recipientEmail"),
        amount=_money(tx.amount, "transaction.amount", minimum=Decimal(0), inclusive=False),
        status=TransactionStatus(tx.status),
        created_by=TransactionActor(tx.created_by),
        created_at=_time(tx.created_at, "transaction.createdAt"),
        resolved_by=None if resolved_by is None else TransactionActor(resolved_by),
        resolved_at=_opt_time(tx.resolved_at, "transaction.resolvedAt"),
        app_name=_opt_str(tx.app_name, "transaction.appName"),
        endpoint=_opt_str(tx.app_ep_path, "transaction.appEpPath"),
    )


def _read_user(doc: Any) -> User:
    return to_user(_models().UserResponse.from_dict(doc).user)


def _read_transaction(doc: Any) -> Transaction:
    return to_transaction(_models().TransactionResponse.from_dict(doc).transaction)


def _read_transactions(doc: Any) -> list[Transaction]:
    return [
        to_transaction(t) for t in _models().TransactionListResponse.from_dict(doc).transactions
    ]


def _read_users(doc: Any) -> list[User]:
    return [to_user(u) for u in _models().UserListResponse.from_dict(doc).users]


def _read_new_account(doc: Any) -> tuple[User, str]:
    created = _models().CreateUserResponse.from_dict(doc)
    return to_user(created.user), _str(created.password, "password")


def _read_token(doc: Any) -> str:
    token = _str(_models().TokenResponse.from_dict(doc).token, "token")
    if not token:
        raise ValueError("token is empty")
    return token


def _wire_amount(amount: Decimal) -> int | float:
    # JSON carries the number as given: whole amounts as integers. Amounts are below
    # 1e9 with 6 decimals (15 significant digits), which a float holds exactly.
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _opt(value: str | None) -> str | Unset:
    return _unset()[1] if value is None else value


# -- the operations


def create_account(
    operation: str, email: str, password: str | None, organization: str | None
) -> Call[tuple[User, str]]:
    body = _models().CreateUserRequest(
        email=email, password=_opt(password), organization=_opt(organization)
    )
    secrets = (password,) if password else ()
    return Call(
        operation,
        _api("users", "create_user")._get_kwargs(body=body),
        "none",
        _read_new_account,
        secrets,
        conflict="account_exists",
        answer_has_secret=True,
    )


def my_info(operation: str) -> Call[User]:
    return Call(operation, _api("users", "get_my_info")._get_kwargs(), "basic", _read_user)


def change_password(operation: str, old: str, new: str) -> Call[User]:
    body = _models().UpdatePasswordRequest(old_password=old, new_password=new)
    return Call(
        operation,
        _api("users", "update_password")._get_kwargs(body=body),
        "basic",
        _read_user,
        (old, new),
    )


def change_organization(operation: str, organization: str | None) -> Call[User]:
    body = _models().UpdateOrganizationRequest(organization=organization)
    return Call(
        operation, _api("users", "update_organization")._get_kwargs(body=body), "basic", _read_user
    )


def new_token(operation: str, recipient_email: str) -> Call[str]:
    body = _models().CreateTokenRequest(recipient_email=recipient_email)
    return Call(
        operation, _api("tokens", "create_token")._get_kwargs(body=body), "basic", _read_token
    )


def new_transaction(
    operation: str,
    *,
    sender_email: str,
    recipient_email: str,
    amount: Decimal,
    token: str | None = None,
    app_name: str | None = None,
    endpoint: str | None = None,
) -> Call[Transaction]:
    body = _models().CreateTransactionRequest(
        sender_email=sender_email,
        recipient_email=recipient_email,
        amount=_wire_amount(amount),
        token=_opt(token),
        app_name=_opt(app_name),
        app_ep_path=_opt(endpoint),
    )
    secrets = (token,) if token else ()
    return Call(
        operation,
        _api("transactions", "create_transaction")._get_kwargs(body=body),
        "basic",
        _read_transaction,
        secrets,
        conflict="insufficient_funds",  # the only 409 /transaction/create documents
    )


def confirm(operation: str, transaction_id: str) -> Call[Transaction]:
    body = _models().TransactionIdRequest(transaction_id=transaction_id)
    return Call(
        operation,
        _api("transactions", "confirm_transaction")._get_kwargs(body=body),
        "basic",
        _read_transaction,
    )


def cancel(operation: str, transaction_id: str) -> Call[Transaction]:
    body = _models().TransactionIdRequest(transaction_id=transaction_id)
    return Call(
        operation,
        _api("transactions", "cancel_transaction")._get_kwargs(body=body),
        "basic",
        _read_transaction,
    )


def history(operation: str) -> Call[list[Transaction]]:
    return Call(
        operation,
        _api("transactions", "list_transactions")._get_kwargs(),
        "basic",
        _read_transactions,
    )


def credit(operation: str, email: str, amount: Decimal) -> Call[User]:
    body = _models().AddBalanceRequest(recipient_email=email, amount=_wire_amount(amount))
    return Call(
        operation, _api("admin", "add_balance")._get_kwargs(body=body), "bearer", _read_user
    )


def user_by_email(operation: str, email: str) -> Call[User]:
    return Call(operation, _api("admin", "get_user")._get_kwargs(email), "bearer", _read_user)


def all_users(operation: str) -> Call[list[User]]:
    return Call(operation, _api("admin", "list_users")._get_kwargs(), "bearer", _read_users)
