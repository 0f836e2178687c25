"""What every command shares: its options, secrets read safely, credentials found,
output printed, and errors explained as one `error:` line and one `hint:` line."""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import os
import sys
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from syftbox_accounting import credentials as creds
from syftbox_accounting import render, validation
from syftbox_accounting.accounting import AccountingClient
from syftbox_accounting.admin import AdminClient
from syftbox_accounting.cli._errors import (
    AUTH,
    FAILURE,
    USAGE,
    CliError,
    key_refused_advice,
    report,
)
from syftbox_accounting.cli._output import Spinner, is_terminal, printable, to_json
from syftbox_accounting.cli._program import ENV_ADMIN_KEY, ENV_TOKEN, PROG
from syftbox_accounting.cli._style import paint
from syftbox_accounting.defaults import ENV_API_KEY, ENV_EMAIL, ENV_PASSWORD
from syftbox_accounting.errors import AuthenticationError, InvalidInputError, redact


@dataclasses.dataclass(frozen=True, slots=True)
class Secret:
    """A kind of secret a command reads: its option for standard input, its
    environment variable, and the exit code when it is missing."""

    what: str
    option: str
    env: str
    exit_code: int

    @property
    def flag(self) -> str:
        return "--" + self.option.replace("_", "-")


PASSWORD = Secret("password", "password_stdin", ENV_PASSWORD, AUTH)
TOKEN = Secret("transaction token", "token_stdin", ENV_TOKEN, USAGE)
ADMIN_KEY = Secret("admin key", "admin_key_stdin", ENV_ADMIN_KEY, AUTH)


@dataclasses.dataclass(frozen=True, slots=True)
class Account:
    """Where a command's credentials came from (the secrets are only in the client): a
    password, or a saved or exported API key (its email may then be unknown)."""

    url: str
    email: str | None
    password: str | None = dataclasses.field(repr=False)
    source: str
    api_key: str | None = dataclasses.field(default=None, repr=False)

    @property
    def who(self) -> str:
        return self.email or "the API key's account"


@dataclasses.dataclass
class Context:
    """One run of a command."""

    args: argparse.Namespace
    command: str
    secrets: list[str] = dataclasses.field(default_factory=list)
    # The key of the command's money-moving call, to name if it is interrupted.
    idempotency_key: str | None = None
    # A streamed --json document was cut short: its error goes inside it, then `}`.
    json_open: bool = False
    # Ctrl-C came at the question before money moves: nothing was sent.
    stopped_at_question: bool = False
    _discovery: tuple[creds.Credentials | None, str] | None = dataclasses.field(
        default=None, repr=False
    )

    def option(self, name: str, default: Any = None) -> Any:
        return getattr(self.args, name, default)

    @property
    def json(self) -> bool:
        return bool(self.option("json", False))

    @property
    def verbose(self) -> bool:
        return bool(self.option("verbose", False))

    @property
    def config(self) -> str | None:
        value = self.option("config")
        return str(value) if value else None

    @property
    def allow_insecure_http(self) -> bool:
        return bool(self.option("allow_insecure_http", False))

    @property
    def timeout(self) -> float | None:
        """--timeout: seconds each call to the service may take, retries included."""
        value = self.option("timeout")
        return None if value is None else float(value)

    def client_options(self) -> dict[str, Any]:
        """The options every client of this run gets: --timeout bounds each call whole
        (each attempt and the retries together), so a hung service cannot hold it."""
        if self.timeout is None:
            return {}
        return {"timeout": self.timeout, "deadline": self.timeout}

    # -- secrets: never from the command line, never echoed

    def secret(self, value: str) -> str:
        """Remember `value` so that no error message ever shows it."""
        if value:
            self.secrets.append(value)
        return value

    def read_stdin_line(self, what: str, flag: str) -> str:
        """The next line of standard input (one secret per line)."""
        if sys.stdin is None:  # closed (`<&-`)
            raise CliError(
                f"{flag} was given but standard input is closed",
                f"pipe the {what} in, e.g. printf '%s\\n' \"$VALUE\" | {PROG} {self.command} "
                f"{flag} ...",
                USAGE,
            )
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

    def read_secret(
        self,
        kind: Secret,
        *,
        prompt: str | None = None,
        saved: tuple[str, str] | None = None,
        missing: str = "",
        advice: str = "",
        required: bool = True,
    ) -> tuple[str, str] | None:
        """A secret and where it came from, in this order: standard input (when its
        option is given), the `saved` value, the environment, a prompt (in a
        terminal, when `prompt` is given). When none has it: None, or (`required`) a
        `CliError` saying how to give it (`missing` and `advice` complete it)."""
        if self.option(kind.option):
            return self.read_stdin_line(kind.what, kind.flag), "standard input"
        if saved is not None:
            return self.secret(saved[0]), saved[1]
        env = os.environ.get(kind.env)
        if env:
            return self.secret(env), "environment"
        if prompt is not None and self.interactive():
            return self.secret(getpass.getpass(prompt)), "prompt"
        if not required:
            return None
        raise CliError(
            f"no {kind.what}{missing}",
            f"pipe it with {kind.flag} or set {kind.env}{advice}",
            kind.exit_code,
        )

    def interactive(self) -> bool:
        """True when a person can answer prompts (standard input is a terminal)."""
        return is_terminal(sys.stdin)

    def ask_secret(self, prompt: str) -> str:
        return self.secret(getpass.getpass(prompt))

    def ask(self, prompt: str) -> str:
        sys.stderr.write(prompt)
        sys.stderr.flush()
        line = sys.stdin.readline() if sys.stdin is not None else ""
        if not line:
            raise EOFError
        return line.strip()

    def confirm(self, question: str) -> bool:
        """A y/N question on the terminal; anything but yes is no."""
        try:
            asked = paint(question, "question", sys.stderr)
            return self.ask(f"{asked} [y/N] ").lower() in {"y", "yes"}
        except EOFError:
            return False

    def agree_to_move(self, question: str) -> None:
        """Before money moves: the y/N `question` when a person is at a terminal; no
        question with --yes, with --json, or without a terminal (a script).

        Raises:
            CliError: the answer was not yes; nothing was sent.
        """
        if self.option("yes", False) or self.json or not self.interactive():
            return
        try:
            agreed = self.confirm(question)
        except KeyboardInterrupt:
            self.stopped_at_question = True
            raise
        if not agreed:
            raise CliError(
                "not confirmed: nothing was sent",
                f"answer y to go ahead, or add --yes to '{PROG} {self.command}' to skip the "
                "question",
                FAILURE,
            )

    # -- output

    def busy(self, message: str) -> Spinner:
        return Spinner(message)

    def emit(self, document: object, lines: Iterable[str], *, safe: bool = False) -> None:
        """The command's result: `document` with --json, else `lines` (each made a
        printable line, unless `safe` says they are already, e.g. a coloured `table`: a
        line break in what the service sent must not print a line of its own)."""
        if self.json:
            text = to_json(document)
        elif safe:
            text = "\n".join(lines)
        else:
            text = "\n".join(render.printable(line) for line in lines)
        self.write_out(text)

    def write_out(self, text: str) -> None:
        """`text` and a line break on stdout.

        Raises:
            CliError: standard output refused it (a full disk, a failing device).
        """
        try:
            print(text, file=sys.stdout, flush=True)
        except BrokenPipeError:  # `... | head`: the reader is gone, said nothing
            raise
        except OSError as exc:
            raise CliError(
                f"could not write to standard output ({exc.strerror or type(exc).__name__})",
                "check where standard output goes (a full disk, a failing device), then "
                "run the command again",
                FAILURE,
            ) from None

    def note(self, text: str) -> None:
        """A remark for a person, on stderr (never part of the result)."""
        print(self.clean(text), file=sys.stderr, flush=True)

    def clean(self, text: str) -> str:
        """`text` with every secret of this run replaced by ``***``, and no control
        character left that could drive the terminal."""
        return printable(redact(text, tuple(sorted(set(self.secrets), key=len, reverse=True))))

    def report(self, exc: BaseException, *, json_document: bool = True) -> int:
        """Explain `exc` (see `_errors.report`); return its exit code."""
        found, source = self._discovery or (None, "")
        return report(
            exc,
            self.command,
            json=self.json and json_document,
            clean=self.clean,
            verbose=self.verbose,
            inside=self.json_open,
            key_advice=key_refused_advice(source) if found and found.api_key else None,
        )

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
                self.secret(found.password or "")
                self.secret(found.api_key or "")
            self._discovery = (found, source)
            if found is not None and source != "environment":
                self._say_shadowed(found, source)
        return self._discovery

    def _say_shadowed(self, found: creds.Credentials, source: str) -> None:
        """Warn when the environment names other credentials or another service than
        the saved ones, which come first: the command would use what it did not mean."""
        chosen = self.option("url") or self.option("email") or self.option(PASSWORD.option)
        ignored = creds.shadowed(found)
        if not ignored or chosen:  # options that choose the account: no surprise
            return
        verb = "is" if len(ignored) == 1 else "are"
        self.note(
            f"{paint('warning:', 'warning', sys.stderr)} {', '.join(ignored)} {verb} set but "
            f"not used: the credentials saved in {creds.config_path(self.config)} come first "
            f"({found.email or 'an API key'} at {found.url}). Use --url and --email for one "
            f"command, give --config another file, or '{PROG} logout'."
        )

    def service_url(self) -> str:
        """The service: --url, else the saved file's, else $SYFTBOX_ACCOUNTING_URL,
        else the public service (the library's resolution)."""
        found, _ = self.discovered()
        url = creds.resolve_url(self.option("url") or None, found)
        return validation.url(
            url, allow_insecure_http=self.insecure_http_allowed(url), name="--url"
        )

    def insecure_http_allowed(self, url: str) -> bool:
        """Plain http:// to a remote host: allowed by --allow-insecure-http, or by the
        saved credentials for the very URL they were saved with."""
        found, _ = self.discovered()
        saved_allows = found is not None and found.allow_insecure_http
        return self.allow_insecure_http or (
            saved_allows and found is not None and _same_url(found.url, url)
        )

    def resolve_account(self, *, required: bool = True) -> Account | None:
        """The URL, email and password to use: options first, then the saved file,
        then the environment, then a prompt (in a terminal)."""
        found, source = self.discovered()
        url = self.service_url()
        keyed = self._keyed_account(found, source, url)
        if keyed is not None:
            return keyed
        email = self.option("email") or (found.email if found else None)
        email = email or os.environ.get(ENV_EMAIL) or None
        if email is None:
            if not required:
                return None
            raise CliError(
                "no accounting account is configured",
                f"run '{PROG} login EMAIL' to save one (or '{PROG} register EMAIL'), or pass "
                f"--email with the password in ${ENV_PASSWORD} or --password-stdin",
                AUTH,
            )
        same_account = found is not None and (found.email or "").casefold() == str(email).casefold()
        saved = (
            (found.password, source)
            if found is not None
            and found.password is not None
            and same_account
            and _same_url(found.url, url)
            else None
        )
        elsewhere = ""
        if found is not None and same_account:
            what = "API key" if found.api_key is not None else "password"
            elsewhere = f" (the {what} in the {source} is for {found.url})"
        if saved is None and found is not None and self.interactive():
            # --url (or --email) chose an account the saved credentials are not for: say
            # whose password is asked for, and where it will be sent.
            self.note(
                f"No saved credentials for {email} at {url} (those saved are for "
                f"{found.email} at {found.url}): asking for the password of {email}."
            )
        read = self.read_secret(
            PASSWORD,
            prompt=f"Password for {email} at {url}: ",
            saved=saved,
            missing=f" for {email}{elsewhere}",
            advice=f", or run '{PROG} login {email}' in a terminal to save it",
        )
        assert read is not None  # required
        password, source = read
        return Account(url=url, email=str(email), password=password, source=source)

    def _keyed_account(
        self, found: creds.Credentials | None, source: str, url: str
    ) -> Account | None:
        """The saved or exported API key, unless the command asks for a password
        (--password-stdin), another account (--email) or another service (--url)."""
        if found is None or found.api_key is None or self.option(PASSWORD.option):
            return None
        wanted = self.option("email")
        if not _same_url(found.url, url) or (
            wanted and found.email and found.email.casefold() != str(wanted).casefold()
        ):
            return None
        if source == "environment":
            try:
                validation.api_key(found.api_key)
            except InvalidInputError:  # its words are for Python code (api_key=)
                raise CliError(
                    f"${ENV_API_KEY} is set but is not an API key (sbk_ followed by 43 letters "
                    "and digits)",
                    f"set it to a key '{PROG} keys create' printed, or unset it (a password "
                    f"goes in ${ENV_PASSWORD})",
                    AUTH,
                ) from None
        return Account(
            url=url,
            email=found.email or (str(wanted) if wanted else None),
            password=found.password,
            source=source,
            api_key=found.api_key,
        )

    def account_client(self, account: Account) -> AccountingClient:
        return AccountingClient(
            account.url,
            account.email,
            account.password,
            api_key=account.api_key,
            allow_insecure_http=self.insecure_http_allowed(account.url),
            **self.client_options(),
        )

    def admin_client(self) -> AdminClient:
        url = self.service_url()
        read = self.read_secret(ADMIN_KEY, prompt=f"Admin key for {url}: ")
        assert read is not None  # required
        return AdminClient(
            url, read[0], allow_insecure_http=self.allow_insecure_http, **self.client_options()
        )


def _same_url(a: str, b: str) -> bool:
    return a.rstrip("/").casefold() == b.rstrip("/").casefold()


def parse_amount(
    text: str, name: str = "amount", check: Callable[[Decimal, str], Any] = validation.amount
) -> Decimal:
    """An amount typed by a person, read as a Decimal (never a float) and checked by
    the library (`check`; by default > 0, at most 1e9, at most 6 decimals). Only ASCII
    digits, without `_` separators: Decimal also reads other scripts' digits and
    `1_000`."""
    not_a_number = InvalidInputError(
        f"{name} {text!r} is not a number: write dollars like 10 or 0.25"
    )
    if not text.isascii() or "_" in text:
        raise not_a_number
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise not_a_number from None
    try:
        checked: Decimal = check(value, name)
        return checked
    except InvalidInputError as exc:  # name the amount as it was typed, not as 1E-7
        raise InvalidInputError(exc.message.replace(str(value), text.strip())) from None
