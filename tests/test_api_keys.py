"""API keys through the library, against the reference service (in process): what each
scope lets a client do, spend caps, revocation, key-only clients, the choice between a
key and a password at a service with and without keys, and the environment. Every
check runs sync and on asyncio and trio where the twins differ."""

from __future__ import annotations

import datetime
import json
import logging
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from syftbox_accounting import (
    AccountingClient,
    ApiKey,
    ApiKeyScope,
    AuthenticationError,
    Client,
    FeatureNotSupportedError,
    InvalidInputError,
    NotFoundError,
    PaymentError,
)
from syftbox_accounting import credentials as creds
from syftbox_accounting.testing import AccountingTestService
from tests.facade.helpers import KINDS, call, run

pytestmark = [
    pytest.mark.accounting_service(mode="in-process"),
    pytest.mark.usefixtures("isolated_env"),
]
KEY = "sbk_" + "k" * 43


def _listed(id_: str, scopes: list[str], revoked: str | None = None) -> dict[str, Any]:
    """A key as the contract lists it."""
    return {
        "id": id_,
        "name": id_,
        "scopes": scopes,
        "hint": "sbk_...kkkk",  # KEY's end
        "createdAt": "2026-12-04T10:00:00+00:00",
        "expiresAt": None,
        "lastUsedAt": None,
        "revokedAt": revoked,
        "maxSpend": None,
        "spent": 0,
    }


@pytest.mark.parametrize("kind", KINDS)
def test_a_read_only_key_reads_and_cannot_pay(
    accounting_service: AccountingTestService, kind: str
) -> None:
    payee = accounting_service.create_account()
    reader = accounting_service.create_account(balance=10, api_key=["read"])
    assert run(kind, reader, call("get_account_balance")) == 10.0
    assert reader.get_email()  # learned from the service: the key knows its account
    assert run(kind, reader, call("get_usage")).transaction_count == 1
    with pytest.raises(AuthenticationError) as caught:
        run(kind, reader, call("transfer", payee.get_email(), 1))
    assert caught.value.code == "insufficient_scope"
    assert "'pay'" in caught.value.message
    with pytest.raises(AuthenticationError):
        run(kind, reader, call("create_transaction_token_sync", payee.get_email()))
    assert reader.get_account_balance() == 10.0


@pytest.mark.parametrize("kind", KINDS)
def test_a_charge_only_key_charges_and_cannot_transfer(
    accounting_service: AccountingTestService, kind: str
) -> None:
    payer = accounting_service.create_account(balance=10)
    service = accounting_service.create_account(balance=0, api_key=["charge"])
    email = service._email
    assert email is not None  # create_account hands out the email with the key
    token = payer.create_transaction_token_sync(email)
    charged = run(kind, service, call("charge", payer.get_email(), Decimal("2.5"), token))
    confirmed = run(kind, service, call("confirm_transaction", charged.id))
    assert confirmed.amount == Decimal("2.5")
    with pytest.raises(AuthenticationError) as caught:
        run(kind, service, call("transfer", payer.get_email(), 1))
    assert caught.value.code == "insufficient_scope"
    assert payer.get_account_balance() == 7.5


def test_a_key_with_a_spend_cap_stops_at_it(accounting_service: AccountingTestService) -> None:
    payee = accounting_service.create_account()
    owner = accounting_service.create_account(balance=50)
    made = owner.create_api_key("capped", ["pay", "read"], max_spend=Decimal("5"))
    capped = accounting_service.client(owner.get_email(), api_key=made.secret)
    capped.transfer(payee.get_email(), 3)
    with pytest.raises(PaymentError) as caught:
        capped.transfer(payee.get_email(), 3)
    assert caught.value.code == "spend_cap_exceeded"
    assert "Nothing moved" in caught.value.message
    assert capped.get_account_balance() == 47.0
    # A token of a capped key needs a limit, counted at it.
    with pytest.raises(InvalidInputError):
        capped.create_transaction_token_sync(payee.get_email())
    capped.create_transaction_token_sync(payee.get_email(), max_amount=2)
    with pytest.raises(PaymentError):
        capped.create_transaction_token_sync(payee.get_email(), max_amount=Decimal("0.01"))
    (listed,) = owner.list_api_keys()
    assert (listed.max_spend, listed.spent) == (Decimal(5), Decimal(5))


@pytest.mark.parametrize("kind", KINDS)
def test_a_revoked_key_is_refused_on_the_next_call(
    accounting_service: AccountingTestService, kind: str
) -> None:
    owner = accounting_service.create_account()
    made = run(kind, owner, call("create_api_key", "soon revoked", [ApiKeyScope.READ]))
    keyed = accounting_service.client(api_key=made.secret)
    assert keyed.get_account_balance() == 100.0
    revoked = run(kind, owner, call("revoke_api_key", made.id))
    assert revoked.revoked_at is not None
    assert not revoked.is_active()
    with pytest.raises(AuthenticationError) as caught:
        run(kind, keyed, call("get_account_balance"))
    assert "revoked" in caught.value.message
    assert "Check the API key" in caught.value.message
    assert "email and password" not in caught.value.message
    assert [k.id for k in owner.list_api_keys()] == [made.id]


@pytest.mark.parametrize("kind", KINDS)
def test_a_key_revokes_itself_and_no_other(
    accounting_service: AccountingTestService, kind: str
) -> None:
    owner = accounting_service.create_account()
    made = owner.create_api_key("this machine", ["read", "keys"])
    other = owner.create_api_key("another machine", ["read", "keys"])
    keyed = accounting_service.client(api_key=made.secret)
    revoked = run(kind, keyed, call("revoke_own_api_key"))
    assert revoked.id == made.id
    assert revoked.revoked_at is not None
    with pytest.raises(AuthenticationError):
        run(kind, keyed, call("get_account_balance"))
    still = {k.id: k.is_active() for k in owner.list_api_keys()}
    assert still == {made.id: False, other.id: True}


@pytest.mark.parametrize("kind", KINDS)
def test_a_key_revokes_itself_though_the_answer_is_lost(
    accounting_service: AccountingTestService, kind: str
) -> None:
    # The retry of its own revocation comes with the key it revoked, and gets the answer.
    owner = accounting_service.create_account(api_key=["read", "keys"])
    lost = accounting_service.faults.lose_answer("revokeApiKey")
    revoked = run(kind, owner, call("revoke_own_api_key"))
    assert lost.hits == 1
    assert revoked.revoked_at is not None
    with pytest.raises(AuthenticationError):
        run(kind, owner, call("get_account_balance"))


@pytest.mark.parametrize("kind", KINDS)
def test_revoking_its_own_key_needs_a_key_with_the_keys_scope(
    accounting_service: AccountingTestService, kind: str
) -> None:
    owner = accounting_service.create_account()
    with pytest.raises(InvalidInputError, match="password, not an API key"):
        run(kind, owner, call("revoke_own_api_key"))
    reader = owner.create_api_key("reader", ["read"])
    keyed = accounting_service.client(api_key=reader.secret)
    with pytest.raises(AuthenticationError) as caught:
        run(kind, keyed, call("revoke_own_api_key"))
    assert caught.value.code == "insufficient_scope"
    assert [k.is_active() for k in owner.list_api_keys()] == [True]


@pytest.mark.parametrize("kind", KINDS)
def test_revoking_by_a_keys_secret_instead_of_its_id_sends_nothing(
    accounting_service: AccountingTestService, kind: str
) -> None:
    # Tried as a new user would: revoke_api_key() given the secret (sbk_...), the only
    # thing of the key the user holds, instead of its id (key_...).
    owner = accounting_service.create_account()
    made = owner.create_api_key("leaked", ["read"])
    other = accounting_service.client(owner.get_email(), owner._password)  # never saw it
    for given in (made.secret, f" {made.secret}\n"):
        with pytest.raises(InvalidInputError) as caught:
            run(kind, other, call("revoke_api_key", given))
        message = str(caught.value)
        assert made.secret not in message
        assert "secret" in message
        assert made.key.hint in message  # to find its id in the list
        assert "nothing was sent" in message
    assert owner.list_api_keys()[0].revoked_at is None


@pytest.mark.parametrize(
    "method", ["get_transaction", "confirm_transaction", "cancel_transaction", "refund_transaction"]
)
def test_a_keys_secret_given_as_a_transaction_id_is_never_sent(
    accounting_service: AccountingTestService, method: str
) -> None:
    owner = accounting_service.create_account()
    secret = owner.create_api_key("pasted", ["read"]).secret
    other = accounting_service.client(owner.get_email(), owner._password)  # never saw it
    with pytest.raises(InvalidInputError) as caught:
        getattr(other, method)(secret)
    assert secret not in str(caught.value)
    assert "secret of an API key" in str(caught.value)


def test_a_key_whose_hint_two_keys_share_is_not_guessed(httpx_mock: HTTPXMock) -> None:
    features = {"Accounting-Features": "api-keys"}

    def listed(id_: str, revoked: str | None = None) -> dict[str, Any]:
        return {
            "id": id_,
            "name": id_,
            "scopes": ["keys"],
            "hint": "sbk_...kkkk",  # KEY's end
            "createdAt": "2026-12-04T10:00:00+00:00",
            "expiresAt": None,
            "lastUsedAt": None,
            "revokedAt": revoked,
            "maxSpend": None,
            "spent": 0,
        }

    keys = [listed("key_a"), listed("key_b"), listed("key_c", "2026-12-04T11:00:00+00:00")]
    httpx_mock.add_response(json={"apiKeys": keys}, headers=features, is_reusable=True)
    client = AccountingClient("https://accounting.example.com", api_key=KEY)
    with pytest.raises(NotFoundError) as caught:
        client.revoke_own_api_key()
    assert "2 keys (key_a, key_b)" in caught.value.message
    assert "revoke_api_key(key_id)" in caught.value.message
    assert KEY not in str(caught.value)
    assert {r.method for r in httpx_mock.get_requests()} == {"GET"}  # nothing revoked


@pytest.mark.parametrize("kind", KINDS)
def test_a_key_of_another_account_than_the_email_is_refused_not_mixed(
    accounting_service: AccountingTestService, kind: str
) -> None:
    # Tried as a new user would: SYFTBOX_ACCOUNTING_EMAIL of one account beside an API
    # key of another. The client must not report one account and act for the other.
    owner = accounting_service.create_account(balance=7)
    made = owner.create_api_key("owner's", ["read", "pay"])
    other = accounting_service.create_account(balance=3)
    paid = owner.transfer(accounting_service.create_account().get_email(), 1)
    mixed = accounting_service.client(other.get_email(), api_key=made.secret)
    reads = ("get_account_balance", "get_account", "get_account_info_sync")
    for method, args in [*((m, ()) for m in reads), ("get_transaction", (paid.id,))]:
        with pytest.raises(AuthenticationError) as caught:
            run(kind, mixed, call(method, *args))
        message = str(caught.value)
        assert other.get_email() in message
        assert "email" in (caught.value.hint or "")
        assert made.secret not in message
    with pytest.raises(AuthenticationError) as paying:  # refused by the service
        run(kind, mixed, call("transfer", paid.recipient_email, 1))
    assert owner.get_email() in str(paying.value), str(paying.value)
    with pytest.raises(AuthenticationError, match="belongs to another account"):
        run(kind, mixed, call("get_transaction_history"))
    with pytest.raises(AuthenticationError, match="belongs to another account"):
        list(mixed.iter_transactions())
    check = run(kind, mixed, call("check_credentials"))
    assert check.status.value == "invalid"
    assert owner.get_email() in check.reason
    # The same email in another case is the same account.
    same = accounting_service.client(owner.get_email().upper(), api_key=made.secret)
    assert run(kind, same, call("get_account_balance")) == 6.0
    assert same.get_transaction_history()[0].id == paid.id


def test_show_says_what_is_wrong_with_a_key_not_with_a_password(
    accounting_service: AccountingTestService, capsys: pytest.CaptureFixture[str]
) -> None:
    # Tried as a new user would: show() with a key that cannot read, then a revoked one.
    owner = accounting_service.create_account()
    charger = owner.create_api_key("charges", ["charge"])
    accounting_service.client(api_key=charger.secret).show()
    shown = capsys.readouterr().out
    assert "read scope" in shown
    assert "email and password" not in shown
    reader = owner.create_api_key("reads", ["read"])
    owner.revoke_api_key(reader.id)
    accounting_service.client(owner.get_email(), api_key=reader.secret).show()
    shown = capsys.readouterr().out
    assert "revoked" in shown
    assert "email and password" not in shown
    assert reader.secret not in shown
    # A refused password is still worded as one.
    accounting_service.client(owner.get_email(), "not-the-password").show()
    assert "email and password" in capsys.readouterr().out


def test_a_key_cannot_make_a_stronger_key(accounting_service: AccountingTestService) -> None:
    manager = accounting_service.create_account(api_key=["read", "keys"])
    with pytest.raises(AuthenticationError) as caught:
        manager.create_api_key("escalate", ["pay"])
    assert "pay" in caught.value.message
    assert manager.create_api_key("narrower", ["read"]).key.scopes == {ApiKeyScope.READ}


@pytest.mark.parametrize(
    ("scopes", "options"),
    [
        ([], {}),
        (["admin"], {}),
        (["read", "audit"], {}),
        ([ApiKeyScope("audit")], {}),  # a scope a later service named: not one to ask for
        (["read"], {"expires_in": 59}),
        (["read"], {"max_spend": 0}),
        (["read"], {"max_spend": Decimal("0.0000001")}),
    ],
)
def test_bad_key_requests_are_refused_before_sending(scopes: Any, options: Any) -> None:
    client = AccountingClient("https://accounting.example.com", "a@example.com", "password-1")
    with pytest.raises(InvalidInputError):
        client.create_api_key("x", scopes, **options)


@pytest.mark.parametrize("name", ["\x1b[31mred", "nul\x00", "del\x7f", "csi\x9b31m", "nel\x85"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_key_name_with_control_characters_is_refused_before_sending(
    httpx_mock: HTTPXMock, kind: str, name: str
) -> None:
    # C0, DEL and C1 alike: a C1 CSI (\x9b) drives a terminal as ESC [ does.
    client = AccountingClient("https://accounting.example.com", "a@example.com", "password-1")
    with pytest.raises(InvalidInputError, match="must not contain control characters"):
        run(kind, client, call("create_api_key", name, ["read"]))
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("read", {"read"}),
        ([" read ", "Pay\t"], {"read", "pay"}),  # as `--scope "read, pay"` reads them
        (("READ", "read", ApiKeyScope.PAY), {"read", "pay"}),
        ({"charge"}, {"charge"}),
        (frozenset({ApiKeyScope.KEYS}), {"keys"}),
        (iter(["account"]), {"account"}),
    ],
)
def test_scopes_are_taken_in_every_form_a_user_gives_them(
    given: Any, expected: set[str], httpx_mock: HTTPXMock
) -> None:
    # Tried as a new user would: a string, a list, a tuple, a set, any case, spaces.
    features = {"Accounting-Features": "api-keys"}
    httpx_mock.add_response(json={"apiKey": _listed("key_1", sorted(expected)), "secret": KEY},
                            headers=features, is_reusable=True)  # fmt: skip
    client = AccountingClient("https://accounting.example.com", "a@example.com", "password-1")
    client.create_api_key("x", given)
    sent = [r for r in httpx_mock.get_requests() if r.url.path == "/api-key/create"]
    assert set(json.loads(sent[-1].read())["scopes"]) == expected


@pytest.mark.parametrize(
    ("given", "said"),
    [
        (None, "not NoneType"),
        (b"read", "not bytes"),
        (bytearray(b"pay"), "not bytearray"),
        ([None], "'read', not NoneType"),
        (["read", 1], "'read', not int"),
        ([b"read"], "'read', not bytes"),
        ({"read": True}, "not dict"),
        ("read,pay", "one name per scope"),
        (["read pay"], "one name per scope"),
        ([" "], "at least one"),
    ],
)
def test_scopes_in_a_wrong_form_say_what_was_given(given: Any, said: str) -> None:
    client = AccountingClient("https://accounting.example.com", "a@example.com", "password-1")
    with pytest.raises(InvalidInputError) as caught:
        client.create_api_key("x", given)
    assert said in caught.value.message


@pytest.mark.parametrize("expires", [None, datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC)])
def test_is_active_at_a_moment_without_a_time_zone_is_refused_whatever_the_key(
    expires: datetime.datetime | None,
) -> None:
    # Tried as a new user would: key.is_active(datetime.datetime.now()). A naive time
    # cannot be compared with the service's: a TypeError for a key that expires, a
    # silent True for one that does not.
    created = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    key = ApiKey("key_1", "n", frozenset(), "sbk_...kkkk", created, expires_at=expires)
    with pytest.raises(InvalidInputError, match="time zone"):
        key.is_active(datetime.datetime(2026, 6, 1))
    assert key.is_active(datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC))
    later = datetime.datetime(2028, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=5)))
    assert key.is_active(later) is (expires is None)


@pytest.mark.parametrize(
    "bad", ["", "sbk_short", "password-in-the-wrong-place", "sbk_" + "!" * 43, 42]
)
def test_a_malformed_api_key_is_refused_without_echoing_it(bad: Any) -> None:
    with pytest.raises(InvalidInputError) as caught:
        AccountingClient("https://accounting.example.com", api_key=bad)
    if isinstance(bad, str) and bad:
        assert bad not in caught.value.message


# -- a service without keys (the public one): the password, said once; a key alone never


def _public_service(httpx_mock: HTTPXMock) -> None:
    """Answers as the public service does: no Accounting-Features header at all."""
    user = {"id": "u", "email": "alice@example.com", "balance": 5, "organization": None}

    def answer(request: httpx.Request) -> httpx.Response:
        if "Authorization" not in request.headers:
            return httpx.Response(401, json={"message": "no", "code": "invalid_credentials"})
        return httpx.Response(200, json={"user": user})

    httpx_mock.add_callback(answer, is_reusable=True)


def test_plain_http_is_refused_for_a_key_as_for_a_password() -> None:
    # A key travels in clear over http:// as a password would: the refusal says so.
    with pytest.raises(InvalidInputError) as caught:
        AccountingClient("http://accounting.internal:8000", api_key=KEY)
    assert "API key" in caught.value.message
    assert KEY not in caught.value.message


def test_key_and_password_use_the_password_where_keys_are_unknown(
    httpx_mock: HTTPXMock, caplog: pytest.LogCaptureFixture
) -> None:
    _public_service(httpx_mock)
    caplog.set_level(logging.INFO, logger="syftbox_accounting")
    client = AccountingClient(
        "https://accounting.example.com", "alice@example.com", "password-1", api_key=KEY
    )
    assert client.get_account_balance() == 5.0
    assert client.get_account_balance() == 5.0
    sent = [r.headers.get("Authorization", "") for r in httpx_mock.get_requests()]
    assert sent[0] == ""  # the probe, with no credentials
    assert all(s.startswith("Basic ") for s in sent[1:])
    assert not any(KEY in s for s in sent)
    said = [r.getMessage() for r in caplog.records if "does not support API keys" in r.getMessage()]
    assert len(said) == 1
    assert KEY not in caplog.text


@pytest.mark.anyio
async def test_a_key_alone_is_an_error_where_keys_are_unknown(httpx_mock: HTTPXMock) -> None:
    _public_service(httpx_mock)
    client = AccountingClient("https://accounting.example.com", api_key=KEY)
    with pytest.raises(AuthenticationError) as caught:
        await client.get_account_balance_async()
    assert "does not support API keys" in caught.value.message
    assert "Nothing was sent" in caught.value.message
    assert all("Authorization" not in r.headers for r in httpx_mock.get_requests())
    with pytest.raises((AuthenticationError, FeatureNotSupportedError)):
        await client.list_api_keys_async()
    await client.aclose()


def test_key_management_is_never_sent_where_keys_are_unknown(httpx_mock: HTTPXMock) -> None:
    _public_service(httpx_mock)
    client = AccountingClient("https://accounting.example.com", "alice@example.com", "pw-12345")
    with pytest.raises(FeatureNotSupportedError) as caught:
        client.create_api_key("x", ["read"])
    assert caught.value.feature == "api-keys"
    assert [r.url.path for r in httpx_mock.get_requests()] == ["/user/my-info"]  # the probe


def test_a_later_services_scope_and_exact_money_are_kept(httpx_mock: HTTPXMock) -> None:
    # A service with exact money answers each amount in both forms; its list may name a
    # scope this version does not know: it is kept, not an error.
    key = {
        "id": "key_1",
        "name": "audit",
        "scopes": ["read", "audit"],
        "hint": "sbk_...x9Qa",
        "createdAt": "2026-12-04T10:00:00+00:00",
        "expiresAt": None,
        "lastUsedAt": None,
        "revokedAt": None,
        "maxSpend": 123456789.12345679,  # the float nearest; the string is exact
        "maxSpendDecimal": "123456789.123456",
        "spent": 0,
        "spentDecimal": "0",
    }
    features = {"Accounting-Features": "holds, capture, refunds, exact-money, api-keys"}
    httpx_mock.add_response(json={"apiKeys": [key]}, headers=features, is_reusable=True)
    client = AccountingClient("https://accounting.example.com", api_key=KEY)
    (listed,) = client.list_api_keys()
    assert listed.max_spend == Decimal("123456789.123456")
    assert ApiKeyScope.READ in listed.scopes
    (later,) = [s for s in listed.scopes if not s.known]
    assert later == "audit"


def test_a_spend_cap_is_sent_as_its_decimal_string_where_money_is_exact(
    httpx_mock: HTTPXMock,
) -> None:
    features = {"Accounting-Features": "exact-money, api-keys"}
    made = {
        "apiKey": {
            "id": "key_1",
            "name": "batch",
            "scopes": ["pay"],
            "hint": "sbk_...x9Qa",
            "createdAt": "2026-12-04T10:00:00+00:00",
            "expiresAt": None,
            "lastUsedAt": None,
            "revokedAt": None,
            "maxSpend": 0.3,
            "maxSpendDecimal": "0.3",
            "spent": 0,
            "spentDecimal": "0",
        },
        "secret": KEY,
    }
    httpx_mock.add_response(json=made, headers=features, is_reusable=True)
    client = AccountingClient("https://accounting.example.com", api_key=KEY)
    new = client.create_api_key("batch", ["pay"], max_spend=Decimal("0.3"))
    assert new.key.max_spend == Decimal("0.3")
    sent = [r for r in httpx_mock.get_requests() if r.url.path == "/api-key/create"]
    body = sent[-1].read().decode()
    assert '"maxSpendDecimal":"0.3"' in body.replace(" ", "")
    assert '"maxSpend"' not in body.replace('"maxSpendDecimal"', "")


# -- the environment and discovery: the key before the password


@pytest.mark.accounting_service(mode="loopback")
def test_the_key_in_the_environment_comes_before_the_password(
    accounting_service: AccountingTestService, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = accounting_service.create_account(balance=3)
    made = owner.create_api_key("env", ["read"])
    monkeypatch.setenv(creds.ENV_URL, accounting_service.url)
    monkeypatch.setenv(creds.ENV_API_KEY, made.secret)
    monkeypatch.setenv(creds.ENV_EMAIL, owner.get_email())
    monkeypatch.setenv(creds.ENV_PASSWORD, "not-the-password")  # refused, if it were sent
    client, configured = AccountingClient.setup_accounting_discovery()
    assert configured
    with client, AccountingClient.from_environment() as again:
        assert client.get_account_balance() == 3.0
        assert again.get_account_balance() == 3.0
    with Client().accounting_client as top:
        assert top.get_account_balance() == 3.0
    # Without the email, the key alone finds its account.
    monkeypatch.delenv(creds.ENV_EMAIL)
    monkeypatch.delenv(creds.ENV_PASSWORD)
    with AccountingClient.from_environment() as alone:
        assert alone.get_account().email == owner.get_email()


def test_a_password_without_its_email_is_an_error_even_with_a_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(creds.ENV_API_KEY, KEY)
    monkeypatch.setenv(creds.ENV_PASSWORD, "password-1")
    with pytest.raises(AuthenticationError) as caught:
        AccountingClient.from_environment()
    assert creds.ENV_EMAIL in caught.value.message
