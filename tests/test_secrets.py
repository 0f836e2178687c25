"""No secret ever shows: every operation, against the reference service, with DEBUG
logging on (httpx's and httpcore's loggers included), failing and succeeding. Every
log record, repr, str, exception message, `show()` form and CLI output is collected;
the passwords, the admin key and the tokens appear in none of them."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import syftbox_accounting
from syftbox_accounting import (
    AccountingClient,
    AccountingError,
    AdminClient,
    Client,
)
from syftbox_accounting.testing import AccountingTestService

pytestmark = pytest.mark.usefixtures("isolated_env")  # HOME and env in tmp_path

PAYER_PASSWORD = "payer-Secret-7f3a9c"
SERVICE_PASSWORD = "service-Secret-2b8d41"
NEW_PASSWORD = "renewed-Secret-5e6f0a"


class Seen:
    """Everything a user or an operator could see."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def add(self, *objects: Any) -> None:
        for obj in objects:
            self.texts += [repr(obj), str(obj)]
            if isinstance(obj, AccountingError):
                self.texts += [obj.message, obj.body or "", *getattr(obj, "__notes__", ())]
            if hasattr(obj, "_repr_html_"):
                self.texts.append(obj._repr_html_())

    def fail(self, call: Any, *args: Any, **kwargs: Any) -> AccountingError:
        try:
            call(*args, **kwargs)
        except AccountingError as exc:
            self.add(exc)
            return exc
        raise AssertionError(f"{call.__name__} did not fail")


def _cli(url: str, env: dict[str, str], *args: str, stdin: str = "") -> str:
    run = subprocess.run(
        [sys.executable, "-m", "syftbox_accounting", "--url", url, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=300,
    )
    return run.stdout + run.stderr


def test_no_secret_anywhere(
    accounting_service: AccountingTestService,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "syftbox_accounting", "syftbox_accounting.server"):
        caplog.set_level(logging.DEBUG, logger=name)  # restored after the test
    seen = Seen()
    url, admin_key = accounting_service.url, accounting_service.admin_key

    payer = AccountingClient(url)
    seen.add(payer.register_accounting("payer@example.com", PAYER_PASSWORD, "Org"), payer)
    service = AccountingClient(url, "svc@example.com", SERVICE_PASSWORD)
    seen.add(service.register_accounting("svc@example.com", SERVICE_PASSWORD))
    admin = AdminClient(url, admin_key)
    seen.add(admin, admin.add_balance("payer@example.com", 5), admin.list_users())
    seen.add(admin.get_user("svc@example.com"))

    # Every payer and provider operation, succeeding.
    tokens = [payer.create_transaction_token_sync("svc@example.com") for _ in range(4)]
    seen.add(payer.get_account_balance(), payer.get_account_info_sync(), payer.check_credentials())
    pending = service.charge("payer@example.com", Decimal("0.5"), tokens[0], app_name="a")
    seen.add(pending, service.confirm_transaction(pending.id))
    with service.charging("payer@example.com", 1, tokens[1]) as payment:
        seen.add(payment)
    seen.add(
        payment,
        payer.transfer("svc@example.com", 1),
        payer.create_transaction("svc@example.com", 1),
    )
    seen.add(payer.get_transaction_history(), payer.update_organization(None))
    seen.add(payer.update_password(PAYER_PASSWORD, NEW_PASSWORD), payer.validate_credentials_sync())
    payer.show()
    Client(accounting_client=payer).accounting_client.show()

    # And failing: every error path that could echo what it was given.
    seen.fail(service.charge, "payer@example.com", 1, tokens[0])  # token used
    seen.fail(service.charge, "payer@example.com", 10_000, tokens[2])  # insufficient funds
    seen.fail(payer.charge, "svc@example.com", 1, tokens[3])  # not the token's recipient
    seen.fail(service.charge, "payer@example.com", 1, tokens[3] + "x")  # forged
    seen.fail(AccountingClient(url, "payer@example.com", PAYER_PASSWORD).get_account_balance)
    seen.fail(AdminClient(url, admin_key + "-wrong").list_users)
    seen.fail(payer.update_password, PAYER_PASSWORD, "another-new-password")
    seen.fail(AccountingClient(url).register_accounting, "payer@example.com", PAYER_PASSWORD)
    seen.fail(AccountingClient, f"https://payer:{PAYER_PASSWORD}@example.com")
    seen.fail(AccountingClient(url).configure, email="payer@example.com", password="")
    for bad in (PAYER_PASSWORD, tokens[3]):
        seen.fail(payer.confirm_transaction, bad)  # a secret pasted in the wrong place
    check = AccountingClient(url, "payer@example.com", PAYER_PASSWORD).check_credentials()
    seen.add(check)

    # Saved credentials, and the command line.
    payer.save_credentials(str(tmp_path / "saved.json"))
    seen.texts.append((tmp_path / "saved.json").read_text())
    env = {
        "HOME": str(tmp_path),
        "SYFTBOX_ACCOUNTING_EMAIL": "payer@example.com",
        "SYFTBOX_ACCOUNTING_PASSWORD": NEW_PASSWORD,
        "SYFTBOX_ACCOUNTING_ADMIN_KEY": admin_key,
    }
    seen.texts += [
        _cli(url, env, "status"),
        _cli(url, env, "--json", "balance"),
        _cli(url, env, "--json", "history"),
        _cli(url, env, "-v", "transfer", "svc@example.com", "0.25"),
        _cli(url, env, "admin", "list-users"),
        _cli(url, {**env, "SYFTBOX_ACCOUNTING_PASSWORD": PAYER_PASSWORD}, "balance"),
        _cli(url, {**env, "SYFTBOX_ACCOUNTING_ADMIN_KEY": "x" + admin_key}, "admin", "list-users"),
        _cli(url, env, "charge", "payer@example.com", "1", "--token-stdin", stdin=tokens[0] + "\n"),
    ]
    for obj in (payer, service, admin):
        obj.close()

    seen.texts += [r.getMessage() for r in caplog.records]
    seen.texts += [json.dumps(r.args, default=repr) for r in caplog.records if r.args]
    captured = capsys.readouterr()
    seen.texts += [captured.out, captured.err]
    everything = "\n".join(seen.texts)
    assert "payer@example.com" in everything  # the collection did collect
    assert len(caplog.records) > 50
    for secret in (PAYER_PASSWORD, SERVICE_PASSWORD, NEW_PASSWORD, admin_key, *tokens):
        assert secret not in everything


# -- redaction where secrets can appear, and nowhere else


def test_a_common_password_does_not_eat_the_services_words(httpx_mock: Any) -> None:
    httpx_mock.add_response(
        status_code=401,
        json={"code": "invalid_credentials", "message": "Invalid email or password"},
    )
    client = AccountingClient("https://accounting.example.com", "alice@example.com", "password")
    with pytest.raises(AccountingError) as caught:
        client.get_account_balance()
    assert "Invalid email or password" in caught.value.message
    assert "***" not in caught.value.message


@pytest.mark.parametrize("scheme", ["Basic", "Bearer"])
def test_an_authorization_header_echoed_by_a_proxy_never_shows(
    httpx_mock: Any, scheme: str
) -> None:
    """A debugging proxy answers with the request it got, headers included."""
    import base64

    def echo(request: Any) -> Any:
        import httpx

        headers = "\n".join(f"{k}: {v}" for k, v in request.headers.items())
        return httpx.Response(
            502, json={"message": f"bad gateway; request was:\n{headers}", "code": headers}
        )

    httpx_mock.add_callback(echo, is_reusable=True)
    if scheme == "Basic":
        client: Any = AccountingClient(
            "https://accounting.example.com", "alice@example.com", PAYER_PASSWORD, max_retries=0
        )
        call, secrets = client.get_account_balance, [PAYER_PASSWORD]
        secrets.append(base64.b64encode(f"alice@example.com:{PAYER_PASSWORD}".encode()).decode())
    else:
        client = AdminClient("https://accounting.example.com", "admin-Key-1b2c3d4e", max_retries=0)
        call, secrets = lambda: client.get_user("alice@example.com"), ["admin-Key-1b2c3d4e"]
    with pytest.raises(AccountingError) as caught:
        call()
    exc = caught.value
    shown = " ".join([str(exc), repr(exc), exc.message, exc.body or "", exc.code or ""])
    for secret in secrets:
        assert secret not in shown


def _locals_of(exc: BaseException) -> str:
    import traceback

    return "".join(traceback.TracebackException.from_exception(exc, capture_locals=True).format())


TOKEN_SECRET = "tok-Secret-9a8b7c6d5e"
ADMIN_SECRET = "admin-Secret-4c5d6e7f"
KEY_SECRET = "sbk_" + "Secret" * 7 + "x"  # the form of an API key
# Forms of a secret each rejected by its check, after the secret itself: an admin key
# read with a trailing newline or space, or holding a control character; an API key
# with a character an API key never has; either far too long.
BAD_ADMIN_KEY_TAILS = ["\n", " ", "\x00", "\t", "x" * 300]
BAD_API_KEY_TAILS = ["\x00", "!", "é", "x" * 300]


def _calls_that_fail(client: AccountingClient) -> list[Any]:
    """Calls that fail while a secret argument is in the library's frames: each twin
    that takes a secret, at the service, in its checks, and with a wrong keyword."""
    import anyio

    def aio(make: Any) -> Any:
        return lambda: anyio.run(make)

    return [
        lambda: client.get_account_balance(),
        lambda: client.register_accounting("bob@example.com", SERVICE_PASSWORD),
        aio(lambda: client.register_accounting_async("bob@example.com", SERVICE_PASSWORD)),
        lambda: client.update_password(PAYER_PASSWORD, NEW_PASSWORD),
        aio(lambda: client.update_password_async(PAYER_PASSWORD, NEW_PASSWORD)),
        lambda: client.configure(email="not an email", password=NEW_PASSWORD),
        lambda: client.configure(email="bob@example.com", password="short" + "\x00" * 300),
        lambda: client.update_password(PAYER_PASSWORD, "short"),
        lambda: AccountingClient(email="not an email", password=NEW_PASSWORD),
        lambda: client.charge("bob@example.com", 1, TOKEN_SECRET, app_name="x"),
        aio(lambda: client.charge_async("bob@example.com", 1, TOKEN_SECRET, app_name="x")),
        lambda: client.charge("bob@example.com", 1, TOKEN_SECRET, confirm=True),
        lambda: client.charging("bob@example.com", 1, TOKEN_SECRET).__enter__(),
        lambda: client.charge("bob@example.com", 1, TOKEN_SECRET, app_nme="typo"),
        lambda: client.update_password(PAYER_PASSWORD, NEW_PASSWORD, idempotency="typo"),
        *[
            lambda t=t: AdminClient(client.accounting_url, ADMIN_SECRET + t)
            for t in BAD_ADMIN_KEY_TAILS
        ],
        *[lambda t=t: AccountingClient(api_key=KEY_SECRET + t) for t in BAD_API_KEY_TAILS],
        *[
            lambda t=t: client.configure(email="bob@example.com", api_key=KEY_SECRET + t)
            for t in BAD_API_KEY_TAILS
        ],
    ]


@pytest.mark.parametrize("level", [logging.WARNING, logging.DEBUG])
def test_tracebacks_that_capture_locals_show_no_password(
    httpx_mock: Any, caplog: pytest.LogCaptureFixture, level: int
) -> None:
    """`capture_locals=True` (rich, pytest --showlocals) prints every frame's locals.
    At DEBUG the library keeps its own frames in tracebacks: they must hold no secret
    either."""
    caplog.set_level(level, logger="syftbox_accounting")
    httpx_mock.add_response(
        status_code=500, json={"code": "internal_error", "message": "boom"}, is_reusable=True
    )
    client = AccountingClient(
        "https://accounting.example.com", "alice@example.com", PAYER_PASSWORD, max_retries=0
    )
    failures: list[BaseException] = []
    calls = _calls_that_fail(client)
    for call in calls:
        try:
            call()
        except (AccountingError, TypeError) as exc:
            failures.append(exc)
    assert len(failures) == len(calls)
    package = str(Path(syftbox_accounting.__file__).parent)
    # Formatted before any is kept: this test's own frame is in each traceback, and a
    # text kept in it would be captured again by the next one.
    texts = [_locals_of(exc) for exc in failures]
    for text in texts:
        frames = text.split('  File "')
        # Only frames of the library: a test's own lambdas hold what they were given.
        ours = [f for f in frames if f.startswith(package)]
        secrets = (PAYER_PASSWORD, SERVICE_PASSWORD, NEW_PASSWORD, TOKEN_SECRET, ADMIN_SECRET)
        for secret in (*secrets, KEY_SECRET):
            leaked = [f[:200] for f in ours if secret in f]
            assert not leaked, (secret, leaked)
    if level == logging.DEBUG:  # the frames are there, so the check above checked them
        assert all(f'  File "{package}' in text for text in texts)


ENV_SECRETS = {
    "password alone": {"SYFTBOX_ACCOUNTING_PASSWORD": PAYER_PASSWORD},
    "a key and a password, no email": {
        "SYFTBOX_ACCOUNTING_API_KEY": KEY_SECRET,
        "SYFTBOX_ACCOUNTING_PASSWORD": PAYER_PASSWORD,
    },
    "a bad timeout": {
        "SYFTBOX_ACCOUNTING_EMAIL": "alice@example.com",
        "SYFTBOX_ACCOUNTING_PASSWORD": PAYER_PASSWORD,
        "SYFTBOX_ACCOUNTING_TIMEOUT": "abc",
    },
    "a bad URL": {
        "SYFTBOX_ACCOUNTING_EMAIL": "alice@example.com",
        "SYFTBOX_ACCOUNTING_PASSWORD": PAYER_PASSWORD,
        "SYFTBOX_ACCOUNTING_URL": "ftp://accounting.example.com",
    },
    "a malformed key": {"SYFTBOX_ACCOUNTING_API_KEY": KEY_SECRET + "!"},
}


@pytest.mark.usefixtures("isolated_env")
@pytest.mark.parametrize("env", list(ENV_SECRETS.values()), ids=list(ENV_SECRETS))
@pytest.mark.parametrize(
    "discover",
    [
        lambda: syftbox_accounting.Client(),
        lambda: AccountingClient.from_environment(),
        lambda: AccountingClient.setup_accounting_discovery(),
    ],
    ids=["Client()", "from_environment()", "setup_accounting_discovery()"],
)
def test_tracebacks_of_discovery_show_no_secret_of_the_environment(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], discover: Any
) -> None:
    """A half-set or bad environment is an error raised while discovery reads the
    secrets beside it: no frame of the library may hold them (nor `os.environ`, whose
    repr shows every variable) for a traceback that captures locals."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(AccountingError) as caught:
        discover()
    package = str(Path(syftbox_accounting.__file__).parent)
    frames = _locals_of(caught.value).split('  File "')
    ours = [f for f in frames if f.startswith(package)]
    assert ours
    for secret in (PAYER_PASSWORD, KEY_SECRET):
        assert not [f[:300] for f in ours if secret in f]


def test_no_api_key_secret_anywhere(
    accounting_service: AccountingTestService,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """An API key's secret shows once, where the user asked for it (the result of
    create_api_key, the stdout of `keys create`), and is kept only where the user saved
    it: in no log line, repr, exception, listing, other file or CLI output."""
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "syftbox_accounting", "syftbox_accounting.server"):
        caplog.set_level(logging.DEBUG, logger=name)  # restored after the test
    seen = Seen()
    url = accounting_service.url
    owner = AccountingClient(url)
    owner.register_accounting("keys-owner@example.com", PAYER_PASSWORD)
    AccountingClient(url).register_accounting("keys-payee@example.com", SERVICE_PASSWORD)
    accounting_service.admin.add_balance("keys-owner@example.com", 10)
    made = owner.create_api_key("everything", ["read", "pay", "keys"], max_spend=2)
    reader = owner.create_api_key("reader", ["read"])
    secrets = (made.secret, reader.secret)
    seen.add(made, made.key, reader, owner.list_api_keys(), owner)

    keyed = AccountingClient(url, api_key=made.secret)
    seen.add(keyed, keyed.get_account_info_sync(), keyed.check_credentials())
    seen.add(keyed.transfer("keys-payee@example.com", 1), keyed.list_api_keys())
    keyed.show()
    seen.fail(keyed.transfer, "keys-payee@example.com", 5)  # the spend cap
    seen.fail(AccountingClient(url, api_key=reader.secret).transfer, "keys-payee@example.com", 1)
    seen.fail(AccountingClient, url, api_key=made.secret + "x")  # malformed
    seen.fail(owner.revoke_api_key, made.secret)  # a secret pasted where an id belongs
    seen.fail(owner.confirm_transaction, made.secret)
    owner.revoke_api_key(made.id)
    seen.fail(keyed.get_account_balance)  # revoked
    seen.add(AccountingClient(url, api_key=made.secret).check_credentials())

    # Saved where the user says, encrypted; the command line never shows it again.
    saved = tmp_path / "key.json"
    AccountingClient(url, api_key=reader.secret).save_credentials(str(saved))
    files = [p.read_text() for p in tmp_path.iterdir() if p.is_file()]
    env = {"HOME": str(tmp_path), "SYFTBOX_ACCOUNTING_API_KEY": reader.secret}
    created = _cli(
        url,
        {
            **env,
            "SYFTBOX_ACCOUNTING_EMAIL": "keys-owner@example.com",
            "SYFTBOX_ACCOUNTING_PASSWORD": PAYER_PASSWORD,
            "SYFTBOX_ACCOUNTING_API_KEY": "",
        },
        "-v",
        "keys",
        "create",
        "cli",
        "--scope",
        "read",
    )
    new_secret = created.split()[0] if created.startswith("sbk_") else ""
    assert new_secret.startswith("sbk_")
    seen.texts += [
        created.replace(new_secret, "", 1),  # printed once, on purpose
        _cli(url, env, "-v", "status"),
        _cli(url, env, "-v", "--json", "keys", "list"),
        _cli(url, env, "-v", "transfer", "keys-payee@example.com", "1"),  # no pay scope
        _cli(url, env, "--config", str(saved), "balance"),
        _cli(url, {**env, "SYFTBOX_ACCOUNTING_API_KEY": made.secret}, "-v", "balance"),
    ]
    for client in (owner, keyed):
        client.close()
    seen.texts += [r.getMessage() for r in caplog.records]
    seen.texts += [json.dumps(r.args, default=repr) for r in caplog.records if r.args]
    captured = capsys.readouterr()
    seen.texts += [captured.out, captured.err]
    everything = "\n".join(seen.texts)
    assert "keys-owner@example.com" in everything  # the collection did collect
    assert "sbk_..." in everything  # hints are shown
    for secret in (*secrets, new_secret):
        assert secret not in everything
        assert secret[4:24] not in everything
        for text in files:
            assert secret not in text
    # The database keeps a keyed hash only.
    store = accounting_service._session.app.state.service.store  # type: ignore[union-attr]
    with store.read() as db:
        dump = "\n".join(db.iterdump())
        if store.side_schema != "main":  # an in-memory store's records, in their own file
            tables = db.execute(
                f"SELECT name FROM {store.side_schema}.sqlite_master WHERE type = 'table'"
            ).fetchall()
            assert ("idempotency_records",) in tables
            for (table,) in tables:
                rows = db.execute(f'SELECT * FROM {store.side_schema}."{table}"').fetchall()
                dump += "\n".join(repr(row) for row in rows)
    for secret in (*secrets, new_secret):
        assert secret not in dump


API_KEY_SECRET = "sbk_" + "PastedKey7" * 4 + "Zq9"  # 43 letters and digits


@pytest.mark.parametrize(
    ("call", "said"),
    [
        # Tried as a new user would: the key as the second argument, where the email goes.
        (lambda: AccountingClient("https://accounting.example.com", API_KEY_SECRET), "api_key="),
        (
            lambda: AccountingClient("https://a.example.com").configure(email=API_KEY_SECRET),
            "api_key=",
        ),
        (
            lambda: AccountingClient(
                "https://a.example.com", "a@example.com", "pw-1234567"
            ).transfer(API_KEY_SECRET, 1),
            "secret of an API key",
        ),
        # The email and the password swapped.
        (
            lambda: AccountingClient("https://a.example.com", PAYER_PASSWORD, "a@example.com"),
            "has no @",
        ),
    ],
)
def test_a_secret_where_an_email_belongs_is_not_echoed(call: Any, said: str) -> None:
    with pytest.raises(AccountingError) as caught:
        call()
    shown = f"{caught.value} {caught.value!r}"
    assert API_KEY_SECRET not in shown
    assert PAYER_PASSWORD not in shown
    assert said in shown


@pytest.mark.parametrize(
    "call",
    [
        # Tried as a new user would: the key as the third argument, where the password goes.
        lambda: AccountingClient("https://accounting.example.com", "a@example.com", API_KEY_SECRET),
        lambda: AccountingClient("https://a.example.com").configure(
            email="a@example.com", password=API_KEY_SECRET
        ),
        lambda: AccountingClient(
            "https://a.example.com", "a@example.com", "pw-1234567"
        ).update_password("pw-1234567", API_KEY_SECRET),
    ],
)
def test_a_key_given_as_the_password_is_never_sent_as_one(call: Any) -> None:
    # Sent as a Basic password, the key would travel to a service that may not know keys
    # (the public one), and the refusal would say to check the password.
    with pytest.raises(AccountingError) as caught:
        call()
    shown = f"{caught.value} {caught.value!r}"
    assert API_KEY_SECRET not in shown
    assert "api_key=" in shown


def test_a_key_in_the_password_variable_names_the_key_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SYFTBOX_ACCOUNTING_EMAIL", "a@example.com")
    monkeypatch.setenv("SYFTBOX_ACCOUNTING_PASSWORD", API_KEY_SECRET)
    with pytest.raises(AccountingError) as caught:
        AccountingClient.from_environment()
    assert API_KEY_SECRET not in str(caught.value)
    assert "SYFTBOX_ACCOUNTING_API_KEY" in str(caught.value)
