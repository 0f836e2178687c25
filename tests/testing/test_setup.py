"""`create_account()`'s setup: the first account of a session is registered through the
app (which teaches the harness the service's features), the next ones straight through
the session's service; both kinds of account, and both ways of failing, look the same to
a test."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from syftbox_accounting import (
    AccountExistsError,
    AuthenticationError,
    InvalidInputError,
    NotFoundError,
)
from syftbox_accounting.testing import AccountingTestService
from syftbox_accounting.testing.harness import MODES, Mode, SessionService


@pytest.fixture(scope="module")
def session() -> Iterator[SessionService]:
    session = SessionService()
    yield session
    session.close()


@pytest.fixture(params=MODES)
def harness(
    request: pytest.FixtureRequest, session: SessionService
) -> Iterator[AccountingTestService]:
    mode: Mode = request.param
    session.reset()
    harness = AccountingTestService(session, mode)
    yield harness
    harness.close()


def test_an_account_made_through_the_service_is_one_made_through_the_app(
    harness: AccountingTestService, session: SessionService
) -> None:
    made = [
        harness.create_account(balance=Decimal("2.5"), organization="Acme"),  # maybe the first
        harness.create_account(balance=Decimal("2.5"), organization="Acme"),
    ]
    assert session.learnt is not None  # so the second went straight through the service
    # What it learnt, not who it was: it holds no credentials.
    assert (session.learnt._basic, session.learnt._secrets) == (None, ())
    admin = harness.admin
    for client in made:
        # Its features known before its first call, as a client that registered itself.
        assert client.service_features == session.learnt.features
        assert client._transport.honours_keys
        assert client.get_account_balance() == 2.5
        user = admin.get_user(client.get_email())
        assert (user.balance, user.organization) == (Decimal("2.5"), "Acme")
        # The funding is the service's own record, as an admin's add_balance makes it.
        assert [t.amount for t in client.get_transaction_history()] == [Decimal("2.5")]


def test_a_given_password_and_api_keys_work_on_accounts_made_either_way(
    harness: AccountingTestService,
) -> None:
    for n in range(2):
        email = f"given-{n}@example.com"
        harness.create_account(email, balance=1, password="a-given-password-1")
        client = harness.client(email, "a-given-password-1")
        assert client.get_account_balance() == 1.0
        reader = harness.create_account(balance=3, api_key=["read"])
        assert reader.get_account_balance() == 3.0


def test_a_refusal_raises_the_clients_own_error_and_changes_nothing(
    harness: AccountingTestService, session: SessionService
) -> None:
    first = harness.create_account(balance=4)
    assert session.learnt is not None
    with pytest.raises(
        AccountExistsError, match=r"^register_accounting failed: .* already exists"
    ) as taken:
        harness.create_account(first.get_email(), balance=9)
    assert taken.value.__context__ is None
    with pytest.raises(AccountExistsError):  # whatever the email's case
        harness.create_account(first.get_email().upper(), balance=9)
    assert first.get_account_balance() == 4.0
    # Refused by the client's own checks, before the service sees anything.
    with pytest.raises(InvalidInputError, match="email"):
        harness.create_account("not-an-email")
    with pytest.raises(InvalidInputError, match="password"):
        harness.create_account("short@example.com", password="short")
    with pytest.raises(InvalidInputError, match="balance"):
        harness.create_account(balance=-1)
    assert [u.email for u in harness.admin.list_users()] == [first.get_email()]
    # A funding the service refuses is sent through the app: the client's error.
    with pytest.raises(NotFoundError) as refused:
        session.fund("nobody@example.com", Decimal(1))
    assert refused.value.__context__ is None  # nothing of the service's own error chained


def test_a_reset_forgets_accounts_made_through_the_service(
    harness: AccountingTestService, session: SessionService
) -> None:
    harness.create_account("kept-once@example.com", balance=1)
    harness.create_account("kept-twice@example.com", balance=1)
    harness.reset()
    assert harness.admin.list_users() == []
    again = harness.create_account("kept-twice@example.com", balance=2)
    assert again.get_account_balance() == 2.0


def test_the_first_call_of_an_account_made_here_hashes_no_password(
    harness: AccountingTestService, session: SessionService, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness.create_account()  # the session's registrations through the app are done
    client = harness.create_account(balance=1)
    hashes: list[bytes] = []
    real = hashlib.scrypt

    def counting(password: bytes, **kwargs: Any) -> bytes:
        hashes.append(password)
        return real(password, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counting)
    assert client.get_account_balance() == 1.0
    assert hashes == []
    # Only that password is known: another one is checked, and refused.
    with pytest.raises(AuthenticationError):
        harness.client(client.get_email(), "another-password-1").get_account_balance()
    assert len(hashes) == 1


def test_an_api_key_costs_the_setup_one_request_and_no_probe(
    session: SessionService, monkeypatch: pytest.MonkeyPatch
) -> None:
    session.reset()
    harness = AccountingTestService(session, "in-process")
    harness.create_account()  # the session's registrations through the app are done
    sent: list[tuple[str, str]] = []
    handle = session.transport.handle_request

    def noting(request: httpx.Request) -> httpx.Response:
        sent.append((request.method, request.url.path))
        return handle(request)

    monkeypatch.setattr(session.transport, "handle_request", noting)
    reader = harness.create_account(balance=3, api_key=["read"])
    assert sent == [("POST", "/api-key/create")]
    assert reader.get_account_balance() == 3.0
    harness.close()


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        ({"api_key": ["bogus"]}, r"api_key must be some of .*; 'bogus' is not a scope"),
        ({"api_key": "read"}, r"api_key must be True or a list of scopes .*\['read'\]"),
        ({"api_key": []}, r"api_key must name at least one of read, "),
        ({"balance": False}, r"balance must be a number .* not bool"),
        ({"balance": -1}, r"balance must be 0 or more, got -1"),
        ({"balance": Decimal("-0.5")}, r"balance must be 0 or more, got -0.5"),
        (
            {"balance": 10**12 + 1},
            r"balance must be at most 1,000,000,000,000, the most a balance of the "
            r"reference service holds\.",
        ),
        ({"balance": 10**5000}, r"balance must be at most 1,000,000,000,000, "),
        ({"balance": Decimal("2000000000.0000001")}, r"balance .* is too precise"),
    ],
)
def test_bad_arguments_are_refused_before_any_account_is_made(
    harness: AccountingTestService, arguments: dict[str, Any], says: str
) -> None:
    # Tried as a new user would: a bad scope was refused only after the account was
    # registered and funded, as "scopes ... 'a' is not a scope" for api_key="read".
    with pytest.raises(InvalidInputError, match=says):
        harness.create_account("refused@example.com", **arguments)
    assert harness.admin.list_users() == []
    made = harness.create_account("refused@example.com", balance=0, api_key=["READ"])
    assert made.get_account_balance() == 0.0
    # None is no key, as False: the client holds the password.
    assert harness.create_account(api_key=None, balance=1).get_account_balance() == 1.0


@pytest.mark.parametrize(
    "balance", [Decimal("1000000000.000001"), Decimal("2500000000.25"), 10**12]
)
def test_a_balance_above_one_credit_is_made_in_several(
    harness: AccountingTestService, balance: int | Decimal
) -> None:
    # One credit moves at most 1,000,000,000; a balance holds up to 1,000,000,000,000.
    client = harness.create_account(balance=balance)
    assert client.get_account().balance == balance


def _shown_locals(error: BaseException) -> str:
    """Every local of every frame of `error`'s traceback below the test's own (whose
    rewritten asserts hold their operands), as `pytest --showlocals` would print them."""
    shown = []
    assert error.__traceback__ is not None
    tb = error.__traceback__.tb_next
    while tb is not None:
        shown.extend(repr(value) for value in tb.tb_frame.f_locals.values())
        tb = tb.tb_next
    return "\n".join(shown)


def test_a_refused_setup_shows_no_password_in_its_traceback_locals(
    harness: AccountingTestService,
) -> None:
    harness.create_account("taken@example.com", password="first-secret-1")
    for _ in range(2):  # the first refusal may be the session's first registration
        with pytest.raises(AccountExistsError) as taken:
            harness.create_account("taken@example.com", password="second-secret-2")
        assert "second-secret-2" not in _shown_locals(taken.value)
    with pytest.raises(AccountExistsError) as taken:
        harness.create_account("taken@example.com", password="third-secret-3", api_key=True)
    assert "third-secret-3" not in _shown_locals(taken.value)


def test_a_refused_client_shows_no_api_key_in_its_traceback_locals(
    harness: AccountingTestService,
) -> None:
    # Tried as a new user would: a key handed to the fixture's client() with an option
    # the client refuses, the traceback printed with its locals.
    secret = harness.create_account().create_api_key("mine", ["read"]).secret
    # Called straight from this test's frame, which `_shown_locals` leaves out.
    refusals: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
        ((), {"api_key": secret, "timeout": -1}),
        (("a@example.com", "password-1"), {"api_key": secret, "max_retries": "x"}),
        ((), {"api_key": secret + "x"}),
    ]
    for args, options in refusals:
        with pytest.raises(InvalidInputError) as caught:
            harness.client(*args, **options)
        assert secret not in _shown_locals(caught.value)
        assert "password-1" not in _shown_locals(caught.value)


def test_a_taken_email_says_how_to_reach_the_account_in_a_test(
    harness: AccountingTestService,
) -> None:
    harness.create_account("twice@example.com")
    with pytest.raises(AccountExistsError) as taken:
        harness.create_account("twice@example.com")
    notes = "\n".join(getattr(taken.value, "__notes__", []))
    assert "accounting_service.create_account()" in notes
    assert "accounting_service.client('twice@example.com', password)" in notes
