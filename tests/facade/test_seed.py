"""Every code example of the seed (shared/seed/000_6d469921629ccd2a.txt), as written
there, against pytest-httpx. Only the imports change (`syftbox`, `syftbox.accounting`,
`syftbox.core.exceptions` and `syft_accounting_sdk` are `syftbox_accounting`), plus:
- the seed's "/path/to/config.json" becomes a file under tmp_path;
- `some_ai_service` is a local fake service that charges with the token.
Examples that `await` run in async tests (asyncio and trio)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from syftbox_accounting import credentials as creds
from tests.facade.helpers import (
    FAST,
    KINDS,
    USAGE,
    basic,
    body_of,
    call,
    mock_show,
    resolved,
    run,
    tx_json,
    user_json,
)

URL = creds.DEFAULT_URL  # the seed never names a URL: the public service
ME = "your.email@example.com"
MY_PASSWORD = "your_password"
SERVICE = "service@example.com"
AI_SERVICE = "ai-service@example.com"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJpZCI6IjEifQ.c2ln"


def me(balance: Any = 100) -> dict[str, Any]:
    return {"user": user_json(ME, balance=balance, organization="YourOrganization")}


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials in the environment, as the seed's deployment example sets them."""
    monkeypatch.setenv("SYFTBOX_ACCOUNTING_EMAIL", ME)
    monkeypatch.setenv("SYFTBOX_ACCOUNTING_PASSWORD", MY_PASSWORD)


@pytest.fixture
def client(configured: None) -> Any:
    """The seed's `client`, with the credentials in the environment."""
    from syftbox_accounting import Client

    return Client()


def mock_my_info(httpx_mock: HTTPXMock, balance: Any = 100) -> None:
    httpx_mock.add_response(method="GET", url=f"{URL}/user/my-info", json=me(balance))


# -- client.accounting_client.is_configured()


def test_is_configured_example_when_configured(
    httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str], configured: None
) -> None:
    mock_show(httpx_mock, URL, user=me(42.5)["user"])

    from syftbox_accounting import Client

    # Initialize client - automatically discovers saved credentials
    client = Client()
    # Check if accounting is configured
    if client.accounting_client.is_configured():
        print("✓ Accounting configured")
        client.accounting_client.show()  # Display status widget
    else:
        print("❌ No accounting configuration found")

    out = capsys.readouterr().out
    assert "✓ Accounting configured" in out
    assert "$42.50" in out
    assert MY_PASSWORD not in out


def test_is_configured_example_when_not_configured(
    httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str]
) -> None:
    from syftbox_accounting import Client

    # Initialize client - automatically discovers saved credentials
    client = Client()
    # Check if accounting is configured
    if client.accounting_client.is_configured():
        print("✓ Accounting configured")
        client.accounting_client.show()  # Display status widget
    else:
        print("❌ No accounting configuration found")

    assert capsys.readouterr().out == "❌ No accounting configuration found\n"
    assert httpx_mock.get_requests() == []


# -- register_accounting


def test_register_accounting_example(
    httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str]
) -> None:
    httpx_mock.add_response(
        method="POST",
        url=f"{URL}/user/create",
        json={**me(), "password": "secure_password"},
    )
    from syftbox_accounting import Client

    client = Client()

    # Register with email - password will be generated if not provided
    user_account = client.accounting_client.register_accounting(
        email="your.email@example.com",
        password="secure_password",  # Optional - auto-generated if not provided
        organization="YourOrganization",  # Optional
    )
    print(f"Account created: {user_account.email}")
    print(f"Password: {user_account.password}")  # Save this securely!
    print(f"Balance: ${user_account.balance}")

    assert capsys.readouterr().out.splitlines() == [
        "Account created: your.email@example.com",
        "Password: secure_password",
        "Balance: $100.0",
    ]
    assert body_of(httpx_mock.get_request()) == {
        "email": "your.email@example.com",
        "password": "secure_password",
        "organization": "YourOrganization",
    }
    assert client.accounting_client.is_configured()


# -- configure / connect_accounting / show


def test_configure_example(httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str]) -> None:
    mock_show(httpx_mock, URL, user=me(7)["user"])
    from syftbox_accounting import Client

    client = Client()

    # Method 1: Configure directly
    client.accounting_client.configure(email="your.email@example.com", password="your_password")

    # Method 2: Use connect_accounting alias
    client.accounting_client.connect_accounting(
        email="your.email@example.com", password="your_password"
    )

    # Display connection status
    client.accounting_client.show()

    out = capsys.readouterr().out
    assert "$7.00" in out
    assert ME in out
    assert "your_password" not in out
    for request in httpx_mock.get_requests():
        assert request.headers["Authorization"] == basic(ME, MY_PASSWORD)


def test_show_and_basic_info_example(
    httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str], client: Any
) -> None:
    mock_show(httpx_mock, URL, user=me(100)["user"])

    # Display interactive status widget (Jupyter environments)
    client.accounting_client.show()
    # Get basic configuration info
    print(f"Configured: {client.accounting_client.is_configured()}")
    print(f"Email: {client.accounting_client.get_email()}")
    print(f"Service URL: {client.accounting_client.accounting_url}")

    lines = capsys.readouterr().out.splitlines()
    assert lines[-3:] == [
        "Configured: True",
        f"Email: {ME}",
        f"Service URL: {URL}",
    ]


# -- balances and account info


@pytest.mark.anyio
async def test_get_account_info_example(
    httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str], client: Any
) -> None:
    mock_my_info(httpx_mock, 89.75)
    httpx_mock.add_response(method="GET", url=f"{URL}/user/usage", json=USAGE)
    httpx_mock.add_response(
        method="GET",
        url=f"{URL}/transactions?limit=10",
        json={"transactions": [], "nextCursor": None},
    )

    # Get detailed account information (async)
    import asyncio  # noqa: F401 (the seed's line)

    info = await client.accounting_client.get_account_info()
    print(f"Balance: ${info['balance']}")
    print(f"Account ID: {info['account_id']}")

    assert capsys.readouterr().out.splitlines() == [
        "Balance: $89.75",
        f"Account ID: {user_json()['id']}",
    ]


def test_get_account_balance_example(
    httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str], client: Any
) -> None:
    mock_my_info(httpx_mock, 89.75)

    # Get current balance (synchronous)
    balance = client.accounting_client.get_account_balance()
    print(f"Available Balance: ${balance}")

    assert capsys.readouterr().out == "Available Balance: $89.75\n"


@pytest.mark.anyio
async def test_get_account_balance_async_example(
    httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str], client: Any
) -> None:
    mock_my_info(httpx_mock, 89.75)

    # Get current balance (asynchronous)
    balance = await client.accounting_client._get_account_balance_async()
    print(f"Available Balance: ${balance}")

    assert capsys.readouterr().out == "Available Balance: $89.75\n"


# -- transaction tokens


@pytest.mark.anyio
async def test_create_transaction_token_example(
    httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str], client: Any
) -> None:
    httpx_mock.add_response(method="POST", url=f"{URL}/token/create", json={"token": TOKEN})

    # Create transaction token for payments
    token = await client.accounting_client.create_transaction_token(
        recipient_email="service@example.com"
    )
    print(f"Transaction token: {token}")

    assert capsys.readouterr().out == f"Transaction token: {TOKEN}\n"
    assert body_of(httpx_mock.get_request()) == {"recipientEmail": SERVICE}


class FakeAIService:
    """`some_ai_service`: an AI service that charges 0.25 with the payer's token,
    confirming the charge only once its answer is ready."""

    def __init__(self, payer: str) -> None:
        from syftbox_accounting import AccountingClient

        self.payer = payer
        self.accounting = AccountingClient(email=AI_SERVICE, password="service-password")

    async def query(self, message: str, payment_token: str) -> str:
        async with self.accounting.charging_async(
            self.payer, Decimal("0.25"), payment_token, app_name="summarizer"
        ):
            answer = f"summary of {message!r}"
        await self.accounting.aclose()
        return answer


@pytest.mark.anyio
async def test_complete_transaction_workflow_example(
    httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str], client: Any
) -> None:
    mock_my_info(httpx_mock, 100)
    httpx_mock.add_response(method="POST", url=f"{URL}/token/create", json={"token": TOKEN})
    charge = tx_json(sender=ME, recipient=AI_SERVICE, endpoint=None)
    httpx_mock.add_response(
        method="POST", url=f"{URL}/transaction/create", json={"transaction": charge}
    )
    httpx_mock.add_response(
        method="POST",
        url=f"{URL}/transaction/confirm",
        json={"transaction": resolved(charge, "COMPLETED")},
    )
    mock_my_info(httpx_mock, 99.75)
    some_ai_service = FakeAIService(payer=ME)

    # Complete transaction workflow
    # Check balance before operation
    initial_balance = client.accounting_client.get_account_balance()
    print(f"Current Balance: ${initial_balance}")

    # Create transaction token for service payment
    service_email = "ai-service@example.com"
    transaction_token = await client.accounting_client.create_transaction_token(
        recipient_email=service_email
    )

    # Use the token in your service requests
    response = await some_ai_service.query(
        message="Your query here", payment_token=transaction_token
    )

    # Check remaining balance
    final_balance = client.accounting_client.get_account_balance()
    print(f"Remaining Balance: ${final_balance}")
    print(f"Transaction Cost: ${initial_balance - final_balance}")

    assert response == "summary of 'Your query here'"
    assert capsys.readouterr().out.splitlines() == [
        "Current Balance: $100.0",
        "Remaining Balance: $99.75",
        "Transaction Cost: $0.25",
    ]
    create = httpx_mock.get_requests(url=f"{URL}/transaction/create")[0]
    assert body_of(create) == {
        "senderEmail": ME,
        "recipientEmail": AI_SERVICE,
        "amount": Decimal("0.25"),
        "token": TOKEN,
        "appName": "summarizer",
    }
    assert create.headers["Authorization"] == basic(AI_SERVICE, "service-password")


# -- credentials


# The service's answer to the credential checks below, and what they then report.
CHECKED = pytest.mark.parametrize(("status", "valid"), [(200, True), (401, False), (503, False)])


@pytest.fixture
def checked_client(httpx_mock: HTTPXMock, client: Any, status: int) -> Any:
    """The seed's `client`, whose account answers `status`: the account for 200,
    else an error on every retry (quick ones)."""
    if status == 200:
        mock_my_info(httpx_mock)
    else:
        httpx_mock.add_response(
            method="GET", url=f"{URL}/user/my-info", status_code=status, is_reusable=True
        )
    client.accounting_client._transport.retry = FAST
    return client


@pytest.mark.anyio
@CHECKED
async def test_validate_credentials_example(
    checked_client: Any, capsys: pytest.CaptureFixture[str], valid: bool
) -> None:
    client = checked_client
    # Test if credentials are valid
    is_valid = await client.accounting_client.validate_credentials()
    if is_valid:
        print("✓ Credentials are valid")
    else:
        print("❌ Invalid credentials")

    assert is_valid is valid
    expected = "✓ Credentials are valid" if valid else "❌ Invalid credentials"
    assert capsys.readouterr().out == expected + "\n"


@pytest.mark.parametrize("env", [True, False])
def test_get_email_example(
    httpx_mock: HTTPXMock,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    env: bool,
) -> None:
    if env:
        monkeypatch.setenv("SYFTBOX_ACCOUNTING_EMAIL", ME)
        monkeypatch.setenv("SYFTBOX_ACCOUNTING_PASSWORD", MY_PASSWORD)
    from syftbox_accounting import Client

    client = Client()

    # Check if client is configured
    if client.accounting_client.is_configured():
        email = client.accounting_client.get_email()
        print(f"Configured for: {email}")
    else:
        print("No configuration found")

    expected = f"Configured for: {ME}" if env else "No configuration found"
    assert capsys.readouterr().out == expected + "\n"


def test_save_credentials_example(httpx_mock: HTTPXMock, client: Any, tmp_path: Any) -> None:
    path = str(tmp_path / "config.json")  # the seed's "/path/to/config.json"

    # Save credentials to config file (requires user consent)
    client.accounting_client.save_credentials()  # Saves to ~/.syftbox/accounting.json
    # Or specify custom path
    client.accounting_client.save_credentials(path)

    for saved in (creds.config_path(), tmp_path / "config.json"):
        assert (saved.stat().st_mode & 0o777) == 0o600
        assert MY_PASSWORD.encode() not in saved.read_bytes()
        assert creds.load(saved).email == ME


def test_load_from_config_example(httpx_mock: HTTPXMock, tmp_path: Any) -> None:
    from syftbox_accounting import AccountingClient, Client

    path = str(tmp_path / "config.json")  # the seed's "/path/to/config.json"
    AccountingClient(email=ME, password=MY_PASSWORD).save_credentials()
    AccountingClient(email=ME, password=MY_PASSWORD).save_credentials(path)

    # Load from saved config
    accounting_client = AccountingClient.load_from_config()
    # Or from custom path
    accounting_client = AccountingClient.load_from_config(path)
    client = Client(accounting_client=accounting_client)

    assert client.accounting_client is accounting_client
    assert accounting_client.get_email() == ME
    assert accounting_client.is_configured()


def test_from_environment_example(
    httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # export SYFTBOX_ACCOUNTING_EMAIL=... (the seed's shell lines)
    monkeypatch.setenv("SYFTBOX_ACCOUNTING_EMAIL", "your.email@example.com")
    monkeypatch.setenv("SYFTBOX_ACCOUNTING_PASSWORD", "your_secure_password")
    monkeypatch.setenv("SYFTBOX_ACCOUNTING_URL", "https://your-accounting-service.com")

    from syftbox_accounting import AccountingClient, Client

    # Method 1: Load via AccountingClient class method
    accounting_client = AccountingClient.from_environment()
    client = Client(accounting_client=accounting_client)
    # Method 2: Auto-discovery during client setup
    client = Client()  # Automatically tries environment variables
    accounting_client, is_configured = AccountingClient.setup_accounting_discovery()
    # Verify authentication
    print(accounting_client)

    out = capsys.readouterr().out
    assert is_configured is True
    assert client.accounting_client.accounting_url == "https://your-accounting-service.com"
    assert "your.email@example.com" in out
    assert "https://your-accounting-service.com" in out
    assert "your_secure_password" not in out
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize("saved", [True, False])
def test_setup_accounting_discovery_example(
    httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str], saved: bool
) -> None:
    from syftbox_accounting import AccountingClient

    if saved:
        AccountingClient(email=ME, password=MY_PASSWORD).save_credentials()

    # Auto-discovery: tries config file, then environment variables
    accounting_client, is_configured = AccountingClient.setup_accounting_discovery()
    if is_configured:
        print("✓ Credentials loaded automatically")
    else:
        print("❌ No saved credentials found")

    expected = "✓ Credentials loaded automatically" if saved else "❌ No saved credentials found"
    assert capsys.readouterr().out == expected + "\n"
    assert accounting_client.is_configured() is saved


# -- exceptions


def test_authentication_error_example(
    httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str]
) -> None:
    from syftbox_accounting import AuthenticationError, Client, PaymentError  # noqa: F401

    client = Client()

    try:
        client.accounting_client.configure(
            accounting_url="https://service.com", email="user@example.com", password="password"
        )
    except AuthenticationError as e:
        print(f"Authentication failed: {e}")
        # Check credentials or register new account

    # configure() checks and stores; it sends nothing (the service is asked later).
    assert capsys.readouterr().out == ""
    assert client.accounting_client.accounting_url == "https://service.com"
    assert httpx_mock.get_requests() == []


@pytest.mark.anyio
@pytest.mark.parametrize("outcome", ["ok", "low", "unknown-recipient", "no-funds"])
async def test_payment_error_example(
    httpx_mock: HTTPXMock,
    capsys: pytest.CaptureFixture[str],
    configured: None,
    outcome: str,
) -> None:
    mock_my_info(httpx_mock, 4.5 if outcome == "low" else 100)
    if outcome == "unknown-recipient":
        httpx_mock.add_response(
            method="POST",
            url=f"{URL}/token/create",
            status_code=404,
            json={"message": "No account with email service@example.com.", "code": "not_found"},
        )
    elif outcome == "no-funds":
        httpx_mock.add_response(
            method="POST",
            url=f"{URL}/token/create",
            status_code=409,
            json={"message": "Insufficient funds.", "code": "insufficient_funds"},
        )
    else:
        httpx_mock.add_response(method="POST", url=f"{URL}/token/create", json={"token": TOKEN})
    from syftbox_accounting import Client, PaymentError

    client = Client()

    try:
        balance = client.accounting_client.get_account_balance()
        if balance < 5.0:
            print("Warning: Low balance")
        token = await client.accounting_client.create_transaction_token(
            recipient_email="service@example.com"
        )
    except PaymentError as e:
        print(f"Payment error: {e}")
        # Handle insufficient balance or service unavailability

    out = capsys.readouterr().out
    if outcome in ("ok", "low"):
        assert token == TOKEN
        assert ("Warning: Low balance" in out) is (outcome == "low")
    else:
        assert out.startswith("Payment error: create_transaction_token failed")
        assert MY_PASSWORD not in out


@pytest.mark.anyio
@CHECKED
async def test_service_exception_example(
    checked_client: Any, capsys: pytest.CaptureFixture[str], valid: bool
) -> None:
    client = checked_client
    try:
        from syftbox_accounting import ServiceException  # noqa: F401
    except ImportError:
        print("syft-accounting-sdk not installed")
        print("Install with: pip install syft-accounting-sdk")

    # Check if accounting features are available
    if hasattr(client, "accounting_client") and client.accounting_client:
        is_valid = await client.accounting_client.validate_credentials()
        if not is_valid:
            print("Invalid credentials or service unavailable")
    else:
        print("Accounting client not available")

    expected = "" if valid else "Invalid credentials or service unavailable\n"
    assert capsys.readouterr().out == expected


def test_service_exception_keeps_the_sdk_attributes() -> None:
    from syftbox_accounting import ServiceException

    exc = ServiceException("down", status_code=503, body="{}")
    assert (exc.status_code, exc.body, exc.message) == (503, "{}", "down")


# -- a client configured with an API key alone (SYFTBOX_ACCOUNTING_API_KEY)


def _key_only(accounting_service: Any) -> Any:
    """The seed's `client`, holding an API key of an account and not its email."""
    from syftbox_accounting import Client

    owner = accounting_service.create_account(ME, balance=42)
    key = owner.create_api_key("seed", ["read", "pay"]).secret
    return Client(accounting_client=accounting_service.client(api_key=key))


@pytest.mark.accounting_service(mode="in-process")
def test_show_then_get_email_with_an_api_key_alone(
    accounting_service: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """show() fetched the account: it shows the email, and the seed's next lines
    (`get_email()`) then have it."""
    client = _key_only(accounting_service)

    client.accounting_client.show()
    print(f"Email: {client.accounting_client.get_email()}")

    lines = capsys.readouterr().out.splitlines()
    assert f"  Email      {ME}" in lines
    assert lines[-1] == f"Email: {ME}"


@pytest.mark.accounting_service(mode="in-process")
@pytest.mark.parametrize("kind", KINDS)
def test_get_account_info_teaches_an_api_key_client_its_email(
    accounting_service: Any, kind: str
) -> None:
    client = _key_only(accounting_service)

    info = run(kind, client.accounting_client, call("get_account_info_sync"))

    assert info["email"] == ME
    assert client.accounting_client.get_email() == ME
