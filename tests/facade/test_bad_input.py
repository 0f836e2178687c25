"""The bad-input matrix: every public method that takes input rejects bad values
with `InvalidInputError` (a ValueError) before any request, sync and async; the
message names the parameter and never echoes a password or token."""

from __future__ import annotations

import datetime
import numbers
import struct
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from syftbox_accounting import (
    AccountingClient,
    AdminClient,
    Client,
    InvalidInputError,
    RetryPolicy,
    validation,
)
from tests.facade.helpers import (
    ADMIN_KEY,
    BAD,
    BASE,
    BOB,
    EMAIL,
    KINDS,
    NEW_PASSWORD,
    PASSWORD,
    SECRETS,
    TOKEN,
    TWINS,
    Call,
    admin_client,
    body_of,
    call,
    run,
    user_client,
)

BAD_EMAILS = [
    "",
    "   ",
    "no-at-sign",
    "a@b",
    "a..b@example.com",
    ".a@example.com",
    "x" * 65 + "@example.com",  # over 64 before the @
    "a @example.com",
    "a@@example.com",
    "alice@example.com\n",
    "x" * 250 + "@example.com",
    5,
    None,
    b"alice@example.com",
]
BAD_AMOUNTS = [
    # Extreme Decimals: rejected before any arithmetic (no MemoryError, no huge message)
    Decimal("1e999999999"),
    Decimal("-1e999999999"),
    Decimal("1e-999999999"),
    Decimal("9" * 5000),
    10**5000,
    0,
    -1,
    0.0,
    -0.0,
    float("nan"),
    float("inf"),
    float("-inf"),
    True,
    False,
    "10",
    None,
    [1],
    0.0000001,
    1.0000001,
    Decimal("1e-7"),
    Decimal("NaN"),
    Decimal("sNaN"),
    Decimal("Infinity"),
    Decimal("-0"),
    1e12,
    # Just above the contract's maximum (openapi.yaml, Amount: 1000000000, inclusive).
    10**9 + 1,
    1000000000.000001,
    Decimal("1000000000.000001"),
    Decimal("1E+10"),
]
BAD_URLS = [
    "",
    "   ",
    "example.com",
    "accounting.example.com/path",
    "https://u:p@host.example.com",
    "https://user@host.example.com",
    "ftp://x",
    "ftp://user:pw-SECRET-x@host",
    "file:///etc/passwd",
    "https://",
    "https://example.com?x=1",
    "https://example.com#top",
    "http://example.com",
    "http://10.0.0.8:8000",
    5,
    # A host or port no request can go to: checked here, not met at the first request
    # as a raw httpx.InvalidURL, ValueError or UnicodeError, or as "could not connect".
    "https://accounting.example.com:99999",
    "https://accounting.example.com:65536",
    "https://accounting.example.com:0",
    "https://accounting.example.com:-1",
    "https://accounting.example.com:abc",
    "https://accounting.example.com:",
    "https://[::1",
    "https://[::1]x:443",
    "https://account ing.example.com",
    "https://accounting..example.com",
    "https://" + "a" * 64 + ".example.com",
    "https://.example.com",
]
BAD_PASSWORDS = ["", "   ", 5, None]
# Beyond printable Latin-1 (other scripts, emoji, controls, other spaces): a new password
# no generated client could send in HTTP Basic (openapi.yaml, Passwords).
BEYOND_LATIN1 = ["密码-Zq9-k81-x", "Zq9-🔑-k81-x", "Zq9\tk81-x", "Zq9\u2003k81-x", "Zq9\x85k81-x"]
BAD_NEW_PASSWORDS = ["", "Zq9#k", 5, None, "x" * 257, *BEYOND_LATIN1]
BAD_TOKENS = ["", "   ", 5, None, "t" * 4097]
BAD_TX_IDS = ["", "   ", 5, None, "x" * 65, "tx\n1"]
BAD_ORGS = [5, "", "x" * 129, "Open\x00Mined", "Open\x7fMined", "Open\x9b31mMined"]
BAD_LABELS = [5, "", "x" * 2000]
BAD_DURATIONS = [
    0,
    -1,
    86401,
    10**400,  # beyond floats: refused, not an OverflowError
    1.5,
    "1h",
    True,
    float("nan"),
    float("inf"),
    datetime.timedelta(0),
    datetime.timedelta(days=2),
    [1],
]
BAD_OPTIONAL_AMOUNTS = [v for v in BAD_AMOUNTS if v is not None]
BAD_REASONS = [5, "", "x" * 513, "partial\x00outage", "partial\x85outage"]
BAD_FILEPATHS = [5, "", "   ", b"/tmp/c.json", "folder/", ".", "..", 1.5]

# What each network method is given: BAD marks where the bad value goes.
CHARGE_ARGS = {  # the short name: (the parameter, its bad values, the call's arguments)
    "sender": ("sender_email", BAD_EMAILS, (BAD, 1, TOKEN), {}),
    "amount": ("amount", BAD_AMOUNTS, (BOB, BAD, TOKEN), {}),
    "token": ("token", BAD_TOKENS, (BOB, 1, BAD), {}),
    "app": ("app_name", BAD_LABELS, (BOB, 1, TOKEN), {"app_name": BAD}),
    "endpoint": ("endpoint", BAD_LABELS, (BOB, 1, TOKEN), {"endpoint": BAD}),
    "hold": ("hold_for", BAD_DURATIONS, (BOB, 1, TOKEN), {"hold_for": BAD}),
}
DIRECT_ARGS = {
    "recipient": ("recipient_email", BAD_EMAILS, (BAD, 1), {}),
    "amount": ("amount", BAD_AMOUNTS, (BOB, BAD), {}),
    "app": ("app_name", BAD_LABELS, (BOB, 1), {"app_name": BAD}),
    "endpoint": ("endpoint", BAD_LABELS, (BOB, 1), {"endpoint": BAD}),
}
NETWORK_CASES: list[tuple[str, str, list[Any], Call]] = [
    ("register-email", "email", BAD_EMAILS, call("register_accounting", BAD, NEW_PASSWORD)),
    (
        "register-password",
        "password",
        ["", "   ", "Zq9#k", 5, "x" * 257, *BEYOND_LATIN1],
        call("register_accounting", BOB, BAD),
    ),
    (
        "register-organization",
        "organization",
        BAD_ORGS,
        call("register_accounting", BOB, NEW_PASSWORD, BAD),
    ),
    ("token-recipient", "recipient_email", BAD_EMAILS, call("create_transaction_token_sync", BAD)),
    *(
        (f"{method}-{short}", param, values, Call(method, args, kwargs))
        for short, (param, values, args, kwargs) in CHARGE_ARGS.items()
        for method in ("charge", "charging")
    ),
    ("confirm", "transaction_id", BAD_TX_IDS, call("confirm_transaction", BAD)),
    (
        "confirm-amount",
        "amount",
        BAD_OPTIONAL_AMOUNTS,
        call("confirm_transaction", "tx-1", amount=BAD),
    ),
    *(
        row
        for method in ("refund_transaction", "AdminClient.refund_transaction")
        for row in (
            (f"{method}-id", "transaction_id", BAD_TX_IDS, call(method, BAD)),
            (f"{method}-amount", "amount", BAD_OPTIONAL_AMOUNTS, call(method, "t", amount=BAD)),
            (f"{method}-reason", "reason", BAD_REASONS, call(method, "tx-1", reason=BAD)),
        )
    ),
    (
        "create-hold",
        "hold_for",
        BAD_DURATIONS,
        call("create_transaction", BOB, 1, hold_for=BAD),
    ),
    ("cancel", "transaction_id", BAD_TX_IDS, call("cancel_transaction", BAD)),
    *(
        (f"{method}-{short}", param, values, Call(method, args, kwargs))
        for method in ("transfer", "create_transaction")
        for short, (param, values, args, kwargs) in DIRECT_ARGS.items()
    ),
    (
        "update-password-old",
        "old_password",
        BAD_PASSWORDS,
        call("update_password", BAD, NEW_PASSWORD),
    ),
    (
        "update-password-new",
        "new_password",
        BAD_NEW_PASSWORDS,
        call("update_password", PASSWORD, BAD),
    ),
    ("update-organization", "organization", BAD_ORGS, call("update_organization", BAD)),
    ("add-balance-email", "email", BAD_EMAILS, call("add_balance", BAD, 1)),
    ("add-balance-amount", "amount", BAD_AMOUNTS, call("add_balance", EMAIL, BAD)),
    ("get-user", "email", BAD_EMAILS, call("get_user", BAD)),
]


def _block_must_not_run(value: Any) -> None:
    raise AssertionError("the block must not run")


def _network_cases() -> list[Any]:
    return [
        pytest.param(
            param,
            value,
            replace(template.given(value), block=_block_must_not_run),
            id=f"{name}-{i}",
        )
        for name, param, values, template in NETWORK_CASES
        for i, value in enumerate(values)
    ]


def _check(exc: InvalidInputError, param: str, value: Any) -> None:
    assert isinstance(exc, ValueError)
    message = str(exc)
    assert param in message, f"{message!r} does not name {param}"
    assert len(message) < 1000, "a message never echoes a huge value whole"
    for shown in (message, repr(exc)):
        for secret in SECRETS:
            assert secret not in shown
    secret_param = any(word in param for word in ("password", "token", "admin_key"))
    if secret_param and isinstance(value, str) and value.strip():
        assert value not in message
        assert value[:8] not in message
    if param.endswith("url") and isinstance(value, str) and "pw-SECRET" in value:
        assert "pw-SECRET" not in message


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("param", "value", "bad_call"), _network_cases())
def test_bad_input_to_a_network_method(
    httpx_mock: HTTPXMock, kind: str, param: str, value: Any, bad_call: Call
) -> None:
    client = admin_client() if TWINS[bad_call.method].cls is AdminClient else user_client()
    with pytest.raises(InvalidInputError) as caught:
        run(kind, client, bad_call)
    _check(caught.value, param, value)
    assert httpx_mock.get_requests() == []


# -- constructors and the other methods (sync only: they send nothing at all)


def _local_cases() -> list[Any]:
    c: list[Any] = []

    def add(name: str, param: str, values: list[Any], call: Callable[[Any], Any]) -> None:
        for i, value in enumerate(values):
            c.append(pytest.param(param, value, call, id=f"{name}-{i}"))

    add("AccountingClient-url", "accounting_url", BAD_URLS, lambda v: AccountingClient(v))
    add(
        "AccountingClient-email",
        "email",
        [e for e in BAD_EMAILS if e is not None],
        lambda v: AccountingClient(BASE, v, PASSWORD),
    )
    add(
        "AccountingClient-password",
        "password",
        BAD_PASSWORDS,
        lambda v: AccountingClient(BASE, EMAIL, v),
    )
    add(
        "AccountingClient-timeout",
        "timeout",
        [0, -1, float("nan"), float("inf"), "5", True, 10**400, -(10**5000)],
        lambda v: AccountingClient(BASE, timeout=v),
    )
    add(
        "AccountingClient-retries",
        "max_retries",
        [-1, 11, 1.5, "2", True, 10**5000],
        lambda v: AccountingClient(BASE, max_retries=v),
    )
    add(
        "AccountingClient-insecure",
        "allow_insecure_http",
        [1, "yes"],
        lambda v: AccountingClient(BASE, allow_insecure_http=v),
    )
    add(
        "AccountingClient-http-client",
        "http_client",
        [httpx.AsyncClient(), object(), "x"],
        lambda v: AccountingClient(BASE, http_client=v),
    )
    add(
        "AccountingClient-async-client",
        "async_http_client",
        [httpx.Client(), object()],
        lambda v: AccountingClient(BASE, async_http_client=v),
    )
    add(
        "AccountingClient-retry-policy",
        "retry_policy",
        [5, {"max_retries": 1}],
        lambda v: AccountingClient(BASE, retry_policy=v),
    )
    # A policy checks itself when it is made, before any client holds it.
    add(
        "RetryPolicy-max-retries",
        "retry_policy.max_retries",
        [-1, 99],
        lambda v: RetryPolicy(max_retries=v),
    )
    for field in ("backoff", "max_backoff", "max_retry_after"):
        add(
            f"RetryPolicy-{field}",
            f"retry_policy.{field}",
            [-1, float("nan"), float("inf"), "1"],
            lambda v, f=field: RetryPolicy(**{f: v}),
        )
    add(
        "AccountingClient-policy-and-retries",
        "retry_policy",
        [RetryPolicy()],
        lambda v: AccountingClient(BASE, max_retries=5, retry_policy=v),
    )
    add("AdminClient-url", "url", [*BAD_URLS, None], lambda v: AdminClient(v, ADMIN_KEY))
    add(
        "AdminClient-key",
        "admin_key",
        [
            "",
            "   ",
            None,
            5,
            "k" * 257,
            # what no HTTP header can carry, or carries changed
            "admin-Key-m42\r\nX-Injected: 1",
            "admin-Key-m42\n",
            "admin-Key-m42\x00tail",
            "admin\tKey-m42",
            "admin-Key-m42\x7f",
            "admin-Key-m42\x85",
            " admin-Key-m42",
            "admin-Key-m42 ",
        ],
        lambda v: AdminClient(BASE, v),
    )
    for name, values in {
        "max_response_bytes": [0, 1023, 2**41, -1, 1.5, "64", None, True],
        "deadline": [0, -1, float("nan"), float("inf"), "5", True],
    }.items():
        add(
            f"AccountingClient-{name}",
            name,
            values,
            lambda v, n=name: AccountingClient(BASE, **{n: v}),
        )
        add(
            f"AdminClient-{name}",
            name,
            values,
            lambda v, n=name: AdminClient(BASE, ADMIN_KEY, **{n: v}),
        )
    add(
        "AdminClient-timeout",
        "timeout",
        [0, "5"],
        lambda v: AdminClient(BASE, ADMIN_KEY, timeout=v),
    )
    add(
        "AdminClient-retry-policy",
        "retry_policy",
        [5, "policy"],
        lambda v: AdminClient(BASE, ADMIN_KEY, retry_policy=v),
    )
    add(
        "Client",
        "accounting_client",
        [5, "client", AdminClient(BASE, ADMIN_KEY)],
        lambda v: Client(accounting_client=v),
    )
    for method in ("configure", "connect_accounting"):
        add(
            f"{method}-url",
            "accounting_url",
            BAD_URLS,
            lambda v, m=method: getattr(user_client(), m)(v, EMAIL, PASSWORD),
        )
        add(
            f"{method}-email",
            "email",
            BAD_EMAILS,
            lambda v, m=method: getattr(user_client(), m)(email=v, password=PASSWORD),
        )
        add(
            f"{method}-password",
            "password",
            BAD_PASSWORDS,
            lambda v, m=method: getattr(user_client(), m)(email=EMAIL, password=v),
        )
    add("save_credentials", "filepath", BAD_FILEPATHS, lambda v: user_client().save_credentials(v))
    add(
        "load_from_config",
        "filepath",
        BAD_FILEPATHS,
        lambda v: AccountingClient.load_from_config(v),
    )
    return c


@pytest.mark.parametrize(("param", "value", "call"), _local_cases())
def test_bad_input_to_a_local_method(
    httpx_mock: HTTPXMock, tmp_path: Any, param: str, value: Any, call: Callable[[Any], Any]
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        call(value)
    _check(caught.value, param, value)
    assert httpx_mock.get_requests() == []
    assert [p.name for p in tmp_path.iterdir()] == ["home"]  # nothing saved anywhere
    assert not (tmp_path / "home" / ".syftbox").exists()


def test_a_rejected_configure_changes_nothing() -> None:
    client = user_client()
    for bad in (
        {"accounting_url": "ftp://x", "email": BOB, "password": NEW_PASSWORD},
        {"email": "bad", "password": NEW_PASSWORD},
        {"email": BOB, "password": ""},
    ):
        with pytest.raises(InvalidInputError):
            client.configure(**bad)
    assert client.get_email() == EMAIL
    assert client.accounting_url == BASE
    assert client._transport._basic is not None
    assert client._transport._basic._auth_header == httpx.BasicAuth(EMAIL, PASSWORD)._auth_header


# -- what is accepted


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000",
        "http://127.0.0.1",
        "http://localhost:8000",
        "http://localhost",
        "http://LOCALHOST:1",
        "http://[::1]:8000",
        "http://127.5.6.7",
        "http://api.localhost",
        "https://accounting.example.com/prefix/",
        "HTTPS://Example.COM",
        "  https://example.com  ",
    ],
)
def test_loopback_http_and_https_are_accepted(url: str) -> None:
    client = AccountingClient(url, EMAIL, PASSWORD)
    assert client.accounting_url == url.strip().rstrip("/")
    AdminClient(url, ADMIN_KEY)


@pytest.mark.parametrize("url", ["http://example.com", "http://10.0.0.8:8000"])
def test_plain_http_to_a_remote_host_needs_the_explicit_flag(
    httpx_mock: HTTPXMock, url: str
) -> None:
    with pytest.raises(InvalidInputError, match="allow_insecure_http=True"):
        AccountingClient(url)
    with pytest.raises(InvalidInputError, match="allow_insecure_http=True"):
        user_client().configure(url, EMAIL, PASSWORD)
    client = AccountingClient(url, EMAIL, PASSWORD, allow_insecure_http=True)
    assert client.accounting_url == url
    client.configure(url, BOB, NEW_PASSWORD)
    assert AdminClient(url, ADMIN_KEY, allow_insecure_http=True)
    httpx_mock.add_response(
        method="GET",
        url=f"{url}/user/my-info",
        json={"user": {"id": "u", "email": BOB, "balance": 1, "organization": None}},
    )
    assert client.get_account_balance() == 1.0


class _NumpyLikeFloat(float):
    """A float subclass whose repr is not a number, as numpy's float64 (the values of a
    pandas column) has since numpy 2: `np.float64(0.1)`."""

    def __repr__(self) -> str:
        return f"np.float64({float(self)!r})"


@pytest.mark.parametrize(
    ("amount", "sent"),
    [
        (1, "1"),
        (0.1, "0.1"),
        (0.000001, "0.000001"),
        (Decimal("0.000001"), "0.000001"),
        (Decimal("999999999.999999"), "999999999.999999"),
        (999999999, "999999999"),
        (1.5e-5, "0.000015"),
        # The contract's maximum is inclusive (openapi.yaml, Amount), and the service
        # takes it: the largest amount, in each numeric form.
        (10**9, "1000000000"),
        (1e9, "1000000000"),
        (Decimal("1000000000"), "1000000000"),
        (Decimal("1E+9"), "1000000000"),
        (Decimal("1000000000.000000"), "1000000000"),
        # A float is read by its shortest decimal form, whatever its class's repr says.
        (_NumpyLikeFloat(0.1), "0.1"),
        (_NumpyLikeFloat(1e9), "1000000000"),
    ],
)
def test_valid_amounts_are_accepted(httpx_mock: HTTPXMock, amount: Any, sent: str) -> None:
    httpx_mock.add_response(
        method="POST",
        url=f"{BASE}/user/add-balance",
        json={"user": {"id": "u", "email": EMAIL, "balance": 1, "organization": None}},
    )
    admin_client().add_balance(EMAIL, amount)
    (request,) = httpx_mock.get_requests()
    assert body_of(request)["amount"] == Decimal(sent)


class _NumpyLikeInt64:
    """An integer that is `numbers.Integral` but not an int, as numpy's int64 is (what
    `df["cents"].sum()` returns); its repr is not a number."""

    def __init__(self, value: int) -> None:
        self._value = value

    def __int__(self) -> int:
        return self._value

    def __index__(self) -> int:
        return self._value

    def __eq__(self, other: object) -> bool:
        return self._value == other

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return f"np.int64({self._value})"


class _NumpyLikeFloat32:
    """A real number of single precision, as numpy's float32 is: not a float subclass;
    its value as a float is noisy (0.1 is 0.10000000149011612), its text the shortest
    that reads back as the same float32 ('0.1'). `text` may be given wrong, for a type
    whose text is not its value."""

    def __init__(self, value: str | float, text: str | None = None) -> None:
        self._value = struct.unpack("f", struct.pack("f", float(value)))[0]
        self._text = text if text is not None else str(value)

    def __float__(self) -> float:
        return self._value

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _NumpyLikeFloat32):
            return self._value == other._value
        return self._value == other

    def __hash__(self) -> int:
        return hash(self._value)

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"np.float32({self._text})"


numbers.Integral.register(_NumpyLikeInt64)
numbers.Real.register(_NumpyLikeFloat32)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("amount", "sent"),
    [
        (_NumpyLikeInt64(5), "5"),
        (_NumpyLikeInt64(10**9), "1000000000"),
        (_NumpyLikeFloat32("0.1"), "0.1"),  # as it prints, not 0.10000000149011612
        (_NumpyLikeFloat32("0.25"), "0.25"),
        (_NumpyLikeFloat32("1e-06"), "0.000001"),
    ],
    ids=repr,
)
def test_other_number_types_are_read_as_they_print(
    httpx_mock: HTTPXMock, kind: str, amount: Any, sent: str
) -> None:
    httpx_mock.add_response(
        method="POST",
        url=f"{BASE}/user/add-balance",
        json={"user": {"id": "u", "email": EMAIL, "balance": 1, "organization": None}},
    )
    run(kind, admin_client(), call("add_balance", EMAIL, amount))
    (request,) = httpx_mock.get_requests()
    assert body_of(request)["amount"] == Decimal(sent)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("amount", "said"),
    [
        (_NumpyLikeInt64(0), r"amount must be greater than 0, got 0\."),
        (_NumpyLikeInt64(-3), r"amount must be greater than 0, got -3\."),
        (_NumpyLikeInt64(10**9 + 1), r"amount must be at most 1000000000"),
        (_NumpyLikeFloat32("1e-07"), r"too precise: use at most 6 decimal places"),
        (_NumpyLikeFloat32("nan"), r"amount must be a finite number, not nan\."),
        # A type whose text is not its value is not guessed at: how to convert it.
        (
            _NumpyLikeFloat32("0.1", text="about a dime"),
            r"amount is a _NumpyLikeFloat32 whose text does not read back as its value: "
            r"convert it to a Decimal .*Decimal\(str\(x\)\).*float64",
        ),
    ],
    ids=repr,
)
def test_other_number_types_are_checked_as_the_numbers_they_are(
    kind: str, amount: Any, said: str
) -> None:
    with pytest.raises(InvalidInputError, match=said):
        run(kind, admin_client(), call("add_balance", EMAIL, amount))


def test_a_bool_is_still_no_amount_though_it_is_integral() -> None:
    assert isinstance(True, numbers.Integral)
    with pytest.raises(
        InvalidInputError, match=r"must be a number \(int, float or Decimal\), not bool"
    ):
        validation.amount(True)


def test_a_capture_of_another_number_type_knows_zero_and_negative() -> None:
    # The checks before `amount` (0 cancels, a negative price is refused) read it too.
    assert validation.capture(_NumpyLikeInt64(0), Decimal(1)) == 0
    assert validation.capture(_NumpyLikeFloat32("0.0"), Decimal(1)) == 0
    assert validation.capture(_NumpyLikeFloat32("0.1"), Decimal(1)) == Decimal("0.1")
    with pytest.raises(InvalidInputError, match=r"cannot be negative"):
        validation.capture(_NumpyLikeInt64(-1), Decimal(1))
    with pytest.raises(InvalidInputError, match=r"captures nothing"):
        validation.captured(_NumpyLikeFloat32("0.0"))
    with pytest.raises(InvalidInputError, match=r"must be more than 0, got -0\.5"):
        validation.captured(_NumpyLikeFloat32("-0.5"))


@pytest.mark.parametrize("kind", KINDS)
def test_a_float_subclass_is_checked_as_the_float_it_is(kind: str) -> None:
    # numpy's float64 with rounding noise gets the float's advice, not "is not a number".
    noisy = _NumpyLikeFloat(0.1 + 0.2)
    with pytest.raises(InvalidInputError, match=r"0\.30000000000000004 is too precise.*round\("):
        run(kind, admin_client(), call("add_balance", EMAIL, noisy))


@pytest.mark.parametrize("kind", KINDS)
def test_an_amount_above_the_maximum_says_the_maximum_is_allowed(kind: str) -> None:
    with pytest.raises(InvalidInputError, match=r"must be at most 1000000000, got 1000000000\.5"):
        run(kind, admin_client(), call("add_balance", EMAIL, Decimal("1000000000.5")))


@pytest.mark.parametrize(
    "email", ["o'neil&sons@example.com", "b\u00f3b@example.com", "\u7528\u6237@example.com"]
)
def test_valid_emails_are_sent(httpx_mock: HTTPXMock, email: str) -> None:
    # Letters of other scripts before the @ too (RFC 6531): an account may have them.
    httpx_mock.add_response(
        method="GET",
        json={"user": {"id": "u", "email": email, "balance": 1, "organization": None}},
    )
    assert admin_client().get_user(email).email == email
    (sent,) = httpx_mock.get_requests()
    assert sent.url.path == f"/user/{email}"


def test_none_means_the_default_where_documented(httpx_mock: HTTPXMock) -> None:
    assert AccountingClient(None).accounting_url.startswith("https://")
    client = user_client()
    client.configure(None, BOB, NEW_PASSWORD)
    assert client.accounting_url == BASE
    httpx_mock.add_response(
        method="POST",
        url=f"{BASE}/user/create",
        json={
            "user": {"id": "u", "email": BOB, "balance": 1, "organization": None},
            "password": "generated-pw",
        },
    )
    client.register_accounting(BOB, None, None)
