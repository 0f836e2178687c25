"""What every command shares: its options, secrets read safely, credentials found,
output printed, and errors explained as one `error:` line and one `hint:` line."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from syftbox_accounting import credentials as creds
from syftbox_accounting import validation
from syftbox_accounting.accounting import AccountingClient
from syftbox_accounting.admin import AdminClient
from syftbox_accounting.cli._output import Spinner, is_terminal, to_json
from syftbox_accounting.cli._parser import ENV_ADMIN_KEY, PROG
from syftbox_accounting.errors import (
    AccountingError,
    AuthenticationError,
    InvalidInputError,
    redact,
)

OK, FAILURE, USAGE, AUTH, INTERRUPTED = 0, 1, 2, 3, 130


class CliError(Exception):
    """A failure found by the command line itself, with its hint and exit code."""

    def __init__(self, message: str, hint: str, exit_code: int) -> None:
        super().__init__(message)
        self.message, self.hint, self.exit_code = message, hint, exit_code


@dataclass
class Account:
    """Where a command's credentials came from (the password is only in the client)."""

    url: str
    email: str
    password: str = field(repr=False)
    source: str


@dataclass
class Context:
    """One run of a command."""

    args: argparse.Namespace
    command: str
    secrets: list[str] = field(default_factory=list)
    _discovery: tuple[creds.Credentials | None, str] | None = field(default=None, repr=False)

    def option(self, name: str, default: Any = None) -> Any:
        return getattr(self.args, name, default)

    @property
    def json(self) -> bool:
        return bool(self.option("json", False))

    @property
    def verbose(self) -> bool:
        return bool(self.option("verbose", False))

    @property
    def url(self) -> str | None:
        value = self.option("url")
        return str(value) if value else None

    @property
    def config(self) -> str | None:
        value = self.option("config")
        return str(value) if value else None

    @property
    def allow_insecure_http(self) -> bool:
        return bool(self.option("allow_insecure_http", False))

    # -- secrets: never from the command line, never echoed

    def secret(self, value: str) -> str:
        """Remember `value` so that no error message ever shows it."""
        if value:
            self.secrets.append(value)
        return value

    def read_stdin_line(self, what: str, flag: str) -> str:
        """The next line of standard input (one secret per line)."""
        line = sys.stdin.readline()
        if not line:
            raise CliError(
                f"{flag} was given but standard input has no {what}",
                f"pipe it in, e.g. printf '%s\\n' \"$VALUE\" | {PROG} {self.command} {flag} ...",
                USAGE,
            )
        value = line.rstrip("\r\n")
        if not value.strip():
            raise CliError(
                f"the {what} read from standard input ({flag}) is empty",
                f"put the {what} on its own line of standard input",
                USAGE,
            )
        return self.secret(value)

    def interactive(self) -> bool:
        """True when a person can answer prompts (standard input is a terminal)."""
        return is_terminal(sys.stdin)

    def ask_secret(self, prompt: str) -> str:
        return self.secret(getpass.getpass(prompt))

    def ask(self, prompt: str) -> str:
        sys.stderr.write(prompt)
        sys.stderr.flush()
        line = sys.stdin.readline()
        if not line:
            raise EOFError
        return line.strip()

    def confirm(self, question: str) -> bool:
        """A y/N question on the terminal; anything but yes is no."""
        try:
            return self.ask(f"{question} [y/N] ").lower() in {"y", "yes"}
        except EOFError:
            return False

    # -- output

    def busy(self, message: str) -> Spinner:
        return Spinner(message)

    def emit(self, document: object, lines: Iterable[str]) -> None:
        """The command's result: `document` with --json, else `lines`."""
        text = to_json(document) if self.json else "\n".join(lines)
        print(text, file=sys.stdout, flush=True)

    def note(self, text: str) -> None:
        """A remark for a person, on stderr (never part of the result)."""
        print(self.clean(text), file=sys.stderr, flush=True)

    def clean(self, text: str) -> str:
        """`text` with every secret of this run replaced by ``***``."""
        return redact(text, tuple(sorted(set(self.secrets), key=len, reverse=True)))

    # -- credentials

    def discovered(self) -> tuple[creds.Credentials | None, str]:
        """The library's discovery (the saved file, then the environment), run once."""
        if self._discovery is None:
            try:
                found, source = creds.discover(self.config)
            except AuthenticationError:
                # Half of the environment pair is set: its other half may come from
                # --email or --password-stdin, and a missing half is reported later.
                found, source = None, "not configured"
            if found is not None:
                self.secret(found.password)
            self._discovery = (found, source)
        return self._discovery

    def resolve_account(self, *, required: bool = True) -> Account | None:
        """The URL, email and password to use: options first, then the saved file,
        then the environment, then a prompt (in a terminal)."""
        found, source = self.discovered()
        url = (
            self.url
            or (found.url if found else None)
            or os.environ.get(creds.ENV_URL)
            or creds.DEFAULT_URL
        )
        email = self.option("email") or (found.email if found else None)
        email = email or os.environ.get(creds.ENV_EMAIL) or None
        if email is None:
            if not required:
                return None
            raise CliError(
                "no accounting account is configured",
                f"run '{PROG} login EMAIL' to save one (or '{PROG} register EMAIL'), or pass "
                f"--email with the password in ${creds.ENV_PASSWORD} or --password-stdin",
                AUTH,
            )
        password, source = self._password(str(email), url, found, source)
        return Account(url=url, email=str(email), password=password, source=source)

    def new_password_source(self) -> str | None:
        """A password given without a prompt (stdin or environment), if any."""
        if self.option("password_stdin"):
            return self.read_stdin_line("password", "--password-stdin")
        env = os.environ.get(creds.ENV_PASSWORD)
        return self.secret(env) if env else None

    def _password(
        self, email: str, url: str, found: creds.Credentials | None, source: str
    ) -> tuple[str, str]:
        if self.option("password_stdin"):
            return self.read_stdin_line("password", "--password-stdin"), "standard input"
        same_account = found is not None and found.email.casefold() == email.casefold()
        if found is not None and same_account and _same_url(found.url, url):
            return found.password, source
        env = os.environ.get(creds.ENV_PASSWORD)
        if env:
            return self.secret(env), "environment"
        if self.interactive():
            return self.ask_secret(f"Password for {email}: "), "prompt"
        elsewhere = f" (the saved password is for {found.url})" if found and same_account else ""
        raise CliError(
            f"no password for {email}{elsewhere}",
            f"set {creds.ENV_PASSWORD} or pipe it with --password-stdin, or run "
            f"'{PROG} login {email}' in a terminal to save it",
            AUTH,
        )

    def account_client(self, account: Account) -> AccountingClient:
        # Plain http:// to a remote host: allowed by the option, or by the saved
        # credentials for the very URL they were saved with.
        found, _ = self.discovered()
        saved_allows = found is not None and found.allow_insecure_http
        return AccountingClient(
            account.url,
            account.email,
            account.password,
            allow_insecure_http=self.allow_insecure_http
            or (saved_allows and found is not None and _same_url(found.url, account.url)),
        )

    def service_url(self) -> str:
        """The service for commands that need no account: --url, the saved file's,
        $SYFTBOX_ACCOUNTING_URL, or the public service."""
        if self.url:
            return self.url
        found, _ = self.discovered()
        return (found.url if found else None) or os.environ.get(creds.ENV_URL) or creds.DEFAULT_URL

    def admin_client(self) -> AdminClient:
        url = self.service_url()
        if self.option("admin_key_stdin"):
            key = self.read_stdin_line("admin key", "--admin-key-stdin")
        elif os.environ.get(ENV_ADMIN_KEY):
            key = self.secret(os.environ[ENV_ADMIN_KEY])
        elif self.interactive():
            key = self.ask_secret(f"Admin key for {url}: ")
        else:
            raise CliError(
                "no admin key",
                f"set {ENV_ADMIN_KEY} or pipe the key with --admin-key-stdin",
                AUTH,
            )
        return AdminClient(url, key, allow_insecure_http=self.allow_insecure_http)


def _same_url(a: str, b: str) -> bool:
    return a.rstrip("/").casefold() == b.rstrip("/").casefold()


def parse_amount(text: str, name: str = "amount") -> Decimal:
    """An amount typed by a person, read as a Decimal (never a float) and checked by
    the library: > 0, below 1e9, at most 6 decimals."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InvalidInputError(
            f"{name} {text!r} is not a number: write dollars like 10 or 0.25"
        ) from None
    try:
        return validation.amount(value, name)
    except InvalidInputError as exc:  # name the amount as it was typed, not as 1E-7
        raise InvalidInputError(exc.message.replace(str(value), text.strip())) from None


# -- errors: one line, one hint, an exit code

# The library's hints name Python calls; here they name commands.
_CLI_WORDS = (
    ("client.accounting_client.configure(email=..., password=...)", f"'{PROG} login EMAIL'"),
    ("configure(email=..., password=...)", f"'{PROG} login EMAIL'"),
    ("register_accounting(...)", f"'{PROG} register EMAIL'"),
    ("register_accounting()", f"'{PROG} register EMAIL'"),
    ("get_transaction_history()", f"'{PROG} history'"),
    ("configure the client and call save_credentials()", f"run '{PROG} login EMAIL --save'"),
    ("save_credentials()", f"'{PROG} login EMAIL --save'"),
    ("allow_insecure_http=True", "--allow-insecure-http"),
    ("accounting_url", "--url"),
)


def _cli_words(text: str) -> str:
    for python, cli in _CLI_WORDS:
        text = text.replace(python, cli)
    return text


def _one_line(text: str) -> str:
    return " ".join(text.split())


def exit_code_of(exc: AccountingError) -> int:
    if isinstance(exc, InvalidInputError):
        return USAGE
    if isinstance(exc, AuthenticationError):
        return AUTH
    return FAILURE  # PaymentError, NotFoundError, AccountExistsError, ServiceException


def _hint_for(exc: AccountingError, library_hint: str, command: str) -> str:
    admin = command.startswith("admin")
    if exc.code in {"invalid_credentials", "forbidden"} and admin:
        return f"check the admin key (${ENV_ADMIN_KEY} or --admin-key-stdin) and --url"
    if exc.code == "invalid_credentials":
        return (
            f"check the email and password ('{PROG} login EMAIL' asks for them), or "
            f"create an account with '{PROG} register EMAIL'"
        )
    if exc.code == "account_exists":
        return f"log in with its password instead: '{PROG} login EMAIL'"
    if library_hint:
        return library_hint
    if isinstance(exc, InvalidInputError):
        return f"see '{PROG} {command} --help' for what it accepts"
    if isinstance(exc, AuthenticationError):
        return f"'{PROG} login EMAIL --save' checks and saves new credentials"
    return f"try again later; '{PROG} status' shows whether the service answers"


def explain(exc: BaseException, command: str) -> tuple[str, str, int]:
    """The error line, the hint line and the exit code for `exc` (secrets not yet
    removed: see `Context.clean`)."""
    if isinstance(exc, CliError):
        return _one_line(exc.message), _one_line(exc.hint), exc.exit_code
    if isinstance(exc, AccountingError):
        message, library_hint = _one_line(exc.message), _one_line(exc.hint or "")
        if library_hint and message.endswith(library_hint):
            message = message[: -len(library_hint)].rstrip()
        error, library_hint = _cli_words(message).rstrip("."), _cli_words(library_hint)
        notes = [_one_line(n) for n in getattr(exc, "__notes__", ())]
        if notes:
            error = f"{error} ({' '.join(notes)})"
        return error, _hint_for(exc, library_hint, command), exit_code_of(exc)
    if isinstance(exc, EOFError):
        return (
            "standard input ended before an answer was given",
            "answer the prompt, or give the value with --password-stdin, --token-stdin, "
            "--admin-key-stdin or the environment",
            USAGE,
        )
    if isinstance(exc, OSError):
        what = f"{exc.strerror or type(exc).__name__}" + (
            f": {exc.filename}" if exc.filename else ""
        )
        return (
            f"cannot use a file: {what}",
            "check the path and its permissions (--config chooses the credentials file)",
            FAILURE,
        )
    return (
        f"unexpected {type(exc).__name__}: {_one_line(str(exc))}",
        f"this is a bug in {PROG}: rerun with --verbose to see where, and report it",
        FAILURE,
    )


def report(ctx: Context, exc: BaseException, *, json_document: bool = True) -> int:
    """Print `exc` as `error:` and `hint:` lines on stderr (and, with --json, as a JSON
    document on stdout); return its exit code."""
    error, hint, code = explain(exc, ctx.command)
    error, hint = ctx.clean(error), ctx.clean(hint)
    if ctx.json and json_document:
        document = {
            "error": {
                "type": type(exc).__name__,
                "message": error,
                "hint": hint,
                "code": getattr(exc, "code", None) if isinstance(exc, AccountingError) else None,
                "status_code": exc.status_code if isinstance(exc, AccountingError) else None,
                "exit_code": code,
            }
        }
        print(to_json(document), file=sys.stdout, flush=True)
    print(f"error: {error}\nhint: {hint}", file=sys.stderr, flush=True)
    return code
