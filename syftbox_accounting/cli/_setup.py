"""Setting up an account: `register`, `login` (saving only with consent), `status`."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import socket
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from syftbox_accounting import credentials as creds
from syftbox_accounting import display, keyring_store, validation
from syftbox_accounting.accounting import AccountingClient
from syftbox_accounting.cli._context import PASSWORD, Account, Context
from syftbox_accounting.cli._errors import (
    AUTH,
    OK,
    USAGE,
    CliError,
    exit_code_of,
    report_interrupt,
)
from syftbox_accounting.cli._keys import retire_new_key
from syftbox_accounting.cli._output import fields
from syftbox_accounting.cli._program import PROG
from syftbox_accounting.defaults import ENV_API_KEY, ENV_EMAIL, ENV_KEY, ENV_PASSWORD
from syftbox_accounting.display import money
from syftbox_accounting.errors import AccountingError, AuthenticationError
from syftbox_accounting.types import ApiKey, ApiKeyScope, CredentialStatus, UserAccount


def _where(ctx: Context) -> tuple[str, str]:
    """Where saving puts the secret now ("keyring" or "file"), and that place in words."""
    store = creds.store_for(ctx.config)
    path = creds.config_path(ctx.config)
    if store == creds.KEYRING:
        return store, f"the OS keyring (with {path} pointing at it)"
    return store, f"{path}, encrypted"


def _consent(ctx: Context, decision: bool | None, what: str, *, ask: bool = True) -> bool:
    """--save, --no-save, or (in a terminal) the answer to a y/N question."""
    if decision is None and ask and ctx.interactive():
        path = creds.config_path(ctx.config)
        replaces = " (replacing the credentials saved there)" if path.exists() else ""
        decision = ctx.confirm(f"Save {what} to {_where(ctx)[1]}{replaces}?")
    return bool(decision)


@dataclasses.dataclass(frozen=True)
class _Saved:
    """What saving did: the file written (None: nothing saved), the credential saved
    ("api_key" or "password"), the id of the saved API key it replaced and revoked, and
    one sentence saying so."""

    config: str | None = None
    kind: str | None = None
    replaced: str | None = None
    said: str = "Credentials not saved."


def _save(
    ctx: Context, client: AccountingClient, email: str, decision: bool | None, *, ask: bool = True
) -> _Saved:
    """Save credentials for `client`'s account when the user agreed (--save, or yes to
    a y/N question in a terminal): a new API key at a service with keys, else the
    password. A saved API key it replaces is revoked.

    Raises:
        AccountingError, OSError: saving failed (a new key is revoked first, see
            `_save_a_key`).
        KeyboardInterrupt: likewise, the new key revoked.
    """
    with_keys = "api-keys" in (client.service_features or ())
    what = f"an API key for {email}" if with_keys else f"the password of {email}"
    if not _consent(ctx, decision, what, ask=ask):
        return _Saved()
    where = _where(ctx)[1]
    previous = _saved_key(ctx)
    if with_keys:
        said, kind = _save_a_key(ctx, client, email, where), "api_key"
    else:
        client.save_credentials(ctx.config)
        said = f"Saved the password to {where} (this service has no API keys)."
        kind = "password"
    replaced = None
    if previous is not None:
        replaced, retired = _retire_replaced(ctx, previous)
        said += f" {retired}"
    return _Saved(str(creds.config_path(ctx.config)), kind, replaced, said)


# -- account set-up


def register(ctx: Context) -> int:
    email = validation.email(ctx.args.new_email)
    organization = ctx.args.organization
    url = ctx.service_url()
    given = ctx.read_secret(PASSWORD, required=False)
    password = given[0] if given else None
    if given is not None and given[1] == "environment":
        ctx.note(f"Using the password in {ENV_PASSWORD} for the new account.")
    if password is None and ctx.interactive():
        chosen = ctx.ask_secret("Choose a password (empty: the service generates one): ")
        if chosen:
            if ctx.ask_secret("Repeat it: ") != chosen:
                raise CliError("the passwords differ", "run the command again", USAGE)
            password = validation.password(chosen, new=True)
    with AccountingClient(
        url, allow_insecure_http=ctx.allow_insecure_http, **ctx.client_options()
    ) as client:
        with ctx.busy(f"Registering {email}"):
            account = client.register_accounting(email, password, organization)
        generated = password is None
        if generated:
            ctx.secret(account.password)  # shown once below, never in an error
            if not ctx.json:
                with _lost_if_unshown(account, generated):
                    _show_generated(ctx, account, client.accounting_url)
        try:
            # With --json the generated password is printed only at the end, so no
            # question may come before it (Ctrl-C there would lose it): --save only.
            saved = _save(ctx, client, account.email, ctx.args.save, ask=not ctx.json)
        except (AccountingError, OSError, KeyboardInterrupt) as exc:
            # The account exists and its password is shown: report the failed save last.
            if ctx.json:
                ctx.emit(_registered_doc(account, client.accounting_url, generated, _Saved()), [])
            if isinstance(exc, KeyboardInterrupt):
                return report_interrupt("register", exc, json=False, moves_money=False)
            return ctx.report(exc, json_document=False)
        document = _registered_doc(account, client.accounting_url, generated, saved)
        lines = [] if generated else [f"Registered {account.email} at {client.accounting_url}."]
        lines.append(saved.said)
        # A generated password only --json prints, and that no file holds, is lost unshown.
        with _lost_if_unshown(account, generated and ctx.json and saved.kind != "password"):
            ctx.emit(document, lines)
    if generated and saved.kind == "api_key":
        ctx.note(
            "hint: keep the password safe: the saved API key stands in for it on this "
            f"machine, but no file holds it ('{PROG} logout' revokes the key)"
        )
    elif generated and saved.config is None:
        ctx.note(
            f"hint: keep the password safe; to save credentials later: '{PROG} login "
            f"{account.email} --save' (it asks for the password)"
        )
    return OK


def _balance(account: UserAccount) -> Decimal:
    """The new account's exact balance (`register_accounting` always sets `user`)."""
    assert account.user is not None
    return account.user.balance


@contextlib.contextmanager
def _lost_if_unshown(account: UserAccount, generated: bool) -> Iterator[None]:
    """A generated password that could not be written out is lost: say so."""
    try:
        yield
    except CliError as exc:
        if not generated:
            raise
        raise CliError(
            f"{exc.message}; the account {account.email} was registered, but its generated "
            "password was not shown and cannot be recovered",
            f"{exc.hint}, with a password of your own and another email (the account "
            "cannot be used without it)",
            exc.exit_code,
        ) from None


def _show_generated(ctx: Context, account: UserAccount, url: str) -> None:
    balance = _balance(account)
    lines = [
        f"Registered {account.email} at {url}.",
        *fields([("balance", money(balance)), ("organization", account.organization)]),
        "",
        "Generated password (shown only this once; it cannot be recovered):",
        "",
        f"    {account.password}",
        "",
    ]
    ctx.write_out("\n".join(lines))


def _registered_doc(
    account: UserAccount, url: str, generated: bool, saved: _Saved
) -> dict[str, object]:
    document: dict[str, object] = {
        "email": account.email,
        "url": url,
        "balance": _balance(account),
        "organization": account.organization,
        "password_generated": generated,
    }
    if generated:
        document["password"] = account.password  # the one time it can be shown
    document.update(_saved_doc(saved))
    return document


def _saved_doc(saved: _Saved) -> dict[str, object]:
    """What `--json` says of saving, alike for `login` and `register`."""
    return {
        "saved": saved.config is not None,
        "saved_credential": saved.kind,
        "config": saved.config,
        "replaced_key": saved.replaced,
    }


def login(ctx: Context) -> int:
    named, option = ctx.args.login_email, ctx.option("email")
    if named and option and named.strip().casefold() != option.strip().casefold():
        raise CliError(
            f"login was given two accounts: {named} and --email {option}",
            f"give only one: '{PROG} login EMAIL'",
            USAGE,
        )
    email = named or option or os.environ.get(ENV_EMAIL)
    if not email and ctx.interactive():
        try:
            email = ctx.ask("Email: ")
        except EOFError:
            email = None
    if not email:
        raise CliError(
            "login needs the account's email",
            f"run '{PROG} login EMAIL'",
            USAGE,
        )
    email = validation.email(email)
    url = ctx.service_url()
    read = ctx.read_secret(
        PASSWORD,
        prompt=f"Password for {email}: ",
        missing=f" for {email}",
        advice=" (and add --save)",
    )
    assert read is not None  # required
    password = read[0]
    account = Account(url=url, email=email, password=password, source="login")
    with ctx.account_client(account) as client:
        with ctx.busy(f"Checking the credentials with {client.accounting_url}"):
            balance = client.get_account().balance
        saved = _save(ctx, client, email, ctx.args.save)
        document = {
            "email": email,
            "url": client.accounting_url,
            "balance": balance,
            **_saved_doc(saved),
        }
        lines = [f"Logged in as {email} at {client.accounting_url} (balance {money(balance)})."]
        lines.append(saved.said)
        ctx.emit(document, lines)
    if saved.config is None and ctx.args.save is None:
        ctx.note(
            f"hint: to save them, run '{PROG} login {email} --save' (in a terminal it asks "
            "first; the password comes from the prompt, --password-stdin or "
            f"{ENV_PASSWORD})"
        )
    return OK


def _save_a_key(ctx: Context, client: AccountingClient, email: str, where: str) -> str:
    """Create an API key with every scope for this machine and save it, not the
    password; says what was saved."""
    name = f"{PROG} {ctx.command} on {socket.gethostname()[:60]}"
    try:
        made = client.create_api_key(name, list(ApiKeyScope))
    except KeyboardInterrupt as exc:  # the service may have made it: its id is unknown here
        exc.add_note(
            f"the service may have made an API key named '{name}' whose secret no one saw: "
            f"'{PROG} keys list' shows it, '{PROG} keys revoke KEY_ID' retires it"
        )
        raise
    try:
        ctx.secret(made.secret)
        keyed = AccountingClient(
            client.accounting_url,
            email,
            api_key=made.secret,
            allow_insecure_http=ctx.insecure_http_allowed(client.accounting_url),
        )
        keyed.save_credentials(ctx.config)
    except (Exception, KeyboardInterrupt) as exc:
        # Ctrl-C or any failure: its secret is nowhere now, and a key with every scope
        # must not stay valid. The note reaches stderr with the error or the interrupt.
        exc.add_note(retire_new_key(client, made.id))
        raise
    return (
        f"Saved a new API key ({made.id}, {made.key.hint}, all scopes) to {where}, not the "
        f"password. '{PROG} keys revoke {made.id}' retires it."
    )


def _saved_key(ctx: Context) -> creds.Credentials | None:
    """The API key saved in the file that saving now replaces, if it can be read."""
    found, source = ctx.discovered()
    if found is None or found.api_key is None or source == "environment":
        return None
    return found


def _retire_replaced(ctx: Context, previous: creds.Credentials) -> tuple[str | None, str]:
    """Revoke the saved API key just replaced (with itself, as `logout` does): its only
    copy is gone, and it had every scope. Returns its id (None if it could not be
    revoked) and what became of it."""
    try:
        with AccountingClient(
            previous.url,
            previous.email,
            api_key=previous.api_key,
            allow_insecure_http=previous.allow_insecure_http,
            **ctx.client_options(),
        ) as old:
            revoked = old.revoke_own_api_key()
    except AuthenticationError as exc:
        if exc.code == "invalid_credentials" and exc.status_code == 401:
            return None, "The API key it replaced was already revoked or expired."
        failure: AccountingError = exc
    except AccountingError as exc:
        failure = exc
    else:
        return revoked.id, f"Revoked the API key it replaced ({revoked.id}, {revoked.hint})."
    return None, (
        f"The API key it replaced could not be revoked ({failure.reason.rstrip('.')}): "
        f"'{PROG} keys list' and '{PROG} keys revoke KEY_ID' at {previous.url} retire it."
    )


def status(ctx: Context) -> int:
    account = ctx.resolve_account(required=False)
    problem: AccountingError | CliError | None = None
    balance = available_balance = None
    held: str | None = None
    if account is None:
        url, email, state = ctx.service_url(), None, CredentialStatus.NOT_CONFIGURED
        shown = "-"
        problem = CliError(
            "no accounting account is configured",
            f"run '{PROG} login EMAIL' (or '{PROG} register EMAIL')",
            AUTH,
        )
    else:
        url, email = account.url, account.email
        with ctx.account_client(account) as client:
            url = client.accounting_url
            with ctx.busy(f"Asking {url}"):
                check = client.check_credentials()
        state, problem = check.status, check.error
        if check.account is not None:
            email = check.account.email  # also for an API key alone, whose email is unsaid
            balance = check.account.balance
            shown = money(balance)
            available_balance = check.account.available_balance
            held = display.available(balance, check.account.held_balance)
        elif state is CredentialStatus.VALID:  # a key that works but may not read
            shown, problem = "unavailable (the API key has no read scope)", None
        else:
            status_code = check.error.status_code if check.error else None
            shown = f"unavailable ({status_code or 'no answer'})"
    found, _ = ctx.discovered()
    saved_in = found.saved_in if found is not None and account is not None else None
    document = {
        "configured": account is not None,
        "email": email,
        "url": url,
        "source": account.source if account else None,
        "credential": None if account is None else ("api_key" if account.api_key else "password"),
        "saved_in": saved_in,
        "credentials": state.value,
        "balance": balance,
        "available_balance": available_balance,
    }
    refused = state is CredentialStatus.INVALID
    snapshot = display.Snapshot(
        url=url,
        email=email,
        configured=account is not None,
        balance=shown,
        status="credentials refused" if refused else None,
        available=held,
    )
    lines = [display.text(snapshot, operations=False)]
    if account is not None:
        lines.append(_credentials_line(account, saved_in))
    ctx.emit(document, lines)
    if problem is None:
        return OK
    return ctx.report(problem, json_document=False)


def _credentials_line(account: Account, saved_in: str | None) -> str:
    """How this account authenticates, and where its secret is kept."""
    what = "an API key" if account.api_key else "a password"
    if saved_in == creds.KEYRING:
        return f"Credentials: {what}, saved in the OS keyring ({account.source})."
    if saved_in == creds.FILE:
        return (
            f"Credentials: {what}, saved in the encrypted file ({account.source}; no OS "
            "keyring was used)."
        )
    return f"Credentials: {what}, from {account.source}."


def logout(ctx: Context) -> int:
    """Revoke the API key `login` saved (unless --keep-key), then remove the saved
    credentials (the file, its key, the secret in the OS keyring), and say what went.
    When the key cannot be revoked (the service unreachable...), nothing is removed."""
    path = creds.config_path(ctx.config)
    seen = creds.peek(path)
    email, url, kind = (seen.email, seen.url, seen.kind) if seen else (None, None, None)
    revoked: ApiKey | None = None
    refused = False
    if kind == creds.API_KEY and not ctx.args.keep_key:
        revoked, refused = _revoke_saved_key(ctx, path)
    removed = creds.forget(path)
    still = [name for name in (ENV_API_KEY, ENV_EMAIL, ENV_PASSWORD) if os.environ.get(name)]
    document = {
        "removed": removed,
        "email": email,
        "url": url,
        "environment": still,
        "revoked_key": None if revoked is None else revoked.id,
    }
    if removed:
        whose = f" of {email} for {url}" if email else ""
        lines = [f"Removed the saved credentials{whose}:", *(f"  {p}" for p in removed)]
        if revoked is not None:
            lines.append(
                f"Revoked the saved API key {revoked.id} ({revoked.hint}) at the service: "
                "it works nowhere any more."
            )
        elif refused:
            lines.append("The service already refused the saved API key (revoked or expired).")
        elif kind == creds.API_KEY:
            # --keep-key: removing a copy does not disable the key.
            lines.append(
                f"The API key stays valid at the service until it expires or is revoked: "
                f"`{PROG} keys list` and `{PROG} keys revoke KEY_ID` with other credentials."
            )
        if seen is not None and seen.store == creds.KEYRING and not removed[-1].startswith("OS"):
            lines.append(
                "The OS keyring entry that held the secret was not reached from here (no "
                "keyring, or no entry): if it still holds it, remove the entry "
                f"{keyring_store.SERVICE}/{path.resolve()} with the keyring's own tool where it "
                "was saved."
            )
    else:
        lines = [f"No saved credentials at {path}: nothing to remove."]
    if still:
        one = len(still) == 1
        lines.append(
            f"{' and '.join(still)} {'is' if one else 'are'} still set in the environment: "
            f"commands use {'it' if one else 'them'} until you unset {'it' if one else 'them'}."
        )
    ctx.emit(document, lines)
    return OK


def _revoke_saved_key(ctx: Context, path: Path) -> tuple[ApiKey | None, bool]:
    """Revoke the saved API key with itself: (the key as revoked, or None and whether
    the service refused the key already). Any other failure stops the logout before
    anything is removed, so that it can be run again.

    Raises:
        CliError: the key could not be read or revoked; the files are kept.
    """
    keep = f"'{PROG} logout --keep-key' removes the saved copy only (the key stays valid)"
    try:
        saved = creds.load(path)
    except AuthenticationError as exc:  # the file or its key: not the service
        raise CliError(
            f"could not read the saved API key to revoke it, so nothing was removed: "
            f"{exc.summary.rstrip(':.')}",
            f"make it readable (its key in {ENV_KEY}, or the OS keyring unlocked) and run "
            f"'{PROG} logout' again, or {keep}; '{PROG} keys revoke KEY_ID' with your "
            "password revokes the key",
            AUTH,
        ) from None
    try:
        ctx.secret(saved.api_key or "")
        client = AccountingClient(
            saved.url,
            saved.email,
            api_key=saved.api_key,
            allow_insecure_http=saved.allow_insecure_http,
            **ctx.client_options(),
        )
        with client, ctx.busy(f"Revoking the saved API key at {saved.url}"):
            return client.revoke_own_api_key(), False
    except AuthenticationError as exc:
        if exc.code == "invalid_credentials" and exc.status_code == 401:
            return None, True  # revoked or expired already: nothing left to revoke
        failure: AccountingError = exc
    except AccountingError as exc:
        failure = exc
    raise CliError(
        f"could not revoke the saved API key, so nothing was removed: {failure.message}",
        f"run '{PROG} logout' again when the service answers, or {keep}; "
        f"'{PROG} keys revoke KEY_ID' with your password revokes it later",
        exit_code_of(failure),
    )
