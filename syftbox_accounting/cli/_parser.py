"""The command tree: every command, its options, and an example in each `--help`."""

from __future__ import annotations

import argparse
import datetime
from typing import Any, NoReturn

from syftbox_accounting import __version__

PROG = "syftbox-accounting"
ENV_ADMIN_KEY = "SYFTBOX_ACCOUNTING_ADMIN_KEY"
ENV_TOKEN = "SYFTBOX_ACCOUNTING_TOKEN"
DEFAULT_HISTORY_LIMIT = 20

EXIT_CODES = """\
exit codes:
  0    success
  1    the service reported a failure (payment refused, not found, account exists,
       unreachable or failing service)
  2    usage: a bad option or value (an amount, an email), rejected before sending
  3    authentication: missing or wrong credentials or admin key
  130  interrupted (Ctrl-C)"""

ENVIRONMENT = """\
environment:
  SYFTBOX_ACCOUNTING_API_KEY    an API key (sbk_...), when none is saved; used before a password
  SYFTBOX_ACCOUNTING_EMAIL, SYFTBOX_ACCOUNTING_PASSWORD, SYFTBOX_ACCOUNTING_URL
                                credentials, when none are saved
  SYFTBOX_ACCOUNTING_CREDENTIAL_STORE
                                keyring or file: where `login --save` keeps the secret
  SYFTBOX_ACCOUNTING_KEY        key of the saved credentials file (else accounting.key beside it)
  SYFTBOX_ACCOUNTING_TOKEN      transaction token for `charge`
  SYFTBOX_ACCOUNTING_ADMIN_KEY  admin key for `admin` commands"""

MAIN_EPILOG = f"""\
examples:
  {PROG} register alice@example.com          # the service generates a password
  {PROG} login alice@example.com --save      # check a password and save it, encrypted
  {PROG} balance
  {PROG} token ai-service@example.com        # a token that lets the service charge you once
  {PROG} --json history --limit 5
  {PROG} transfer bob@example.com 10         # asks y/N in a terminal; --yes skips it
  {PROG} logout                               # remove what login saved

Credentials come from the saved file (~/.syftbox/accounting.json), then the
environment; --url and --email override them. Passwords, tokens and admin keys are
never command-line arguments: they are read from a prompt, the environment, or
standard input (--password-stdin, --token-stdin, --admin-key-stdin).

{ENVIRONMENT}

{EXIT_CODES}
"""


class Parser(argparse.ArgumentParser):
    """argparse, with errors as one `error:` line and a `hint:` line (exit 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(
            2,
            f"error: {message}\nhint: see '{self.prog} --help' for usage and examples\n",
        )


def _examples(*lines: str) -> str:
    return (
        "example"
        + ("s" if len(lines) > 1 else "")
        + ":\n"
        + "\n".join(f"  {line}" for line in lines)
    )


def _moment(text: str) -> datetime.datetime:
    """A date (midnight UTC) or an ISO 8601 date-time; UTC when it names no offset."""
    try:
        moment = datetime.datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a date or date-time: {text!r} (write 2026-11-01 or 2026-11-01T12:00:00+01:00)"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.UTC)


def _history_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--since",
        type=_moment,
        metavar="WHEN",
        help="only transactions created at or after WHEN (a date or date-time; UTC by default)",
    )
    parser.add_argument(
        "--until",
        type=_moment,
        metavar="WHEN",
        help="only transactions created before WHEN",
    )


def _history_limit(text: str) -> int:
    if not text.strip().isdecimal():
        raise argparse.ArgumentTypeError(f"must be a whole number, 0 (all) or more: {text!r}")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < 86400:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of seconds: write e.g. 5 or 2.5 (more than 0)"
        )
    return value


def _yes_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "-y",
        "--yes",
        action="store_true",
        help=f"{what} without asking first (in a terminal it asks y/N; a script, or --json, "
        "is never asked)",
    )


def _common_options() -> Parser:
    """Options every command takes, before or after its name (defaults suppressed, so a
    subcommand's unset option never hides the one given before it)."""
    common = Parser(add_help=False)
    group = common.add_argument_group("common options")
    group.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print one JSON document on stdout (exact amounts, ISO times)",
    )
    group.add_argument(
        "--url",
        default=argparse.SUPPRESS,
        metavar="URL",
        help="the accounting service (default: the saved one, $SYFTBOX_ACCOUNTING_URL, "
        "or the public service)",
    )
    group.add_argument(
        "--config",
        default=argparse.SUPPRESS,
        metavar="PATH",
        help="the saved credentials file (default: ~/.syftbox/accounting.json)",
    )
    group.add_argument(
        "--allow-insecure-http",
        action="store_true",
        default=argparse.SUPPRESS,
        help="allow plain http:// to a host that is not this machine (sends the password "
        "unencrypted)",
    )
    group.add_argument(
        "--timeout",
        type=_seconds,
        default=argparse.SUPPRESS,
        metavar="SECONDS",
        help="give up on the service after SECONDS per call, retries included (default: "
        "$SYFTBOX_ACCOUNTING_TIMEOUT per attempt, else 10)",
    )
    group.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help="log what the library does (never secrets) and show tracebacks of bugs",
    )
    return common


def _account_options() -> Parser:
    account = Parser(add_help=False)
    group = account.add_argument_group("account options")
    group.add_argument(
        "--email",
        default=argparse.SUPPRESS,
        metavar="EMAIL",
        help="the account to use (default: the saved one, or $SYFTBOX_ACCOUNTING_EMAIL)",
    )
    group.add_argument(
        "--password-stdin",
        action="store_true",
        default=argparse.SUPPRESS,
        help="read the password from the first line of standard input",
    )
    return account


def _admin_options() -> Parser:
    admin = Parser(add_help=False)
    group = admin.add_argument_group("admin options")
    group.add_argument(
        "--admin-key-stdin",
        action="store_true",
        default=argparse.SUPPRESS,
        help=f"read the admin key from standard input (else ${ENV_ADMIN_KEY}, or a prompt)",
    )
    return admin


def _save_options(parser: argparse.ArgumentParser, what: str) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--save",
        dest="save",
        action="store_const",
        const=True,
        default=None,
        help=f"save {what} (password encrypted) without asking",
    )
    group.add_argument(
        "--no-save",
        dest="save",
        action="store_const",
        const=False,
        help="do not save them and do not ask",
    )


def _key_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--idempotency-key",
        metavar="KEY",
        help="repeat a command safely: the service applies a key once (1-255 visible ASCII "
        "characters, e.g. a job id); without one, a fresh key is made and shown on failure",
    )


def _duration(text: str) -> int:
    """`90`, `90s`, `10m`, `2h`, `30d`: seconds."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    value = text.strip().lower()
    scale = units.get(value[-1:])
    number = value[:-1] if scale is not None else value
    if not number.isdigit():
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a duration: write seconds (90), minutes (10m) or hours (2h)"
        )
    return int(number) * (scale or 1)


def _app_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--app-name", metavar="NAME", help="the app that charges, for the record")
    parser.add_argument("--endpoint", metavar="PATH", help="the app's endpoint, for the record")


def build_parser() -> Parser:
    common, account, admin_opts = _common_options(), _account_options(), _admin_options()
    raw = argparse.RawDescriptionHelpFormatter
    parser = Parser(
        prog=PROG,
        description="Pay and get paid for AI services on SyftBox: accounts, balances, "
        "transaction tokens and charges.",
        epilog=MAIN_EPILOG,
        formatter_class=raw,
        parents=[common, account],
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    def command(
        name: str,
        help: str,
        examples: list[str],
        parents: list[Parser],
        description: str | None = None,
        subparsers: argparse._SubParsersAction[Parser] = commands,
        prefix: str = "",
        add_help: bool = True,
    ) -> Parser:
        return subparsers.add_parser(
            name,
            add_help=add_help,
            help=help,
            description=description or help[:1].upper() + help[1:] + ".",
            epilog=_examples(
                *(line if PROG in line else f"{PROG} {prefix}{line}" for line in examples)
            ),
            formatter_class=raw,
            parents=parents,
        )

    # -- account set-up

    p = command(
        "register",
        "create an account; without a password the service generates one",
        [
            "register alice@example.com --organization OpenMined",
            "register ai-service@example.com --json --save   # script: save the generated password",
            "printf '%s\\n' \"$NEW_PASSWORD\" | "
            + PROG
            + " register bob@example.com --password-stdin",
        ],
        [common],
        description="Create an account. The password comes from --password-stdin, "
        "$SYFTBOX_ACCOUNTING_PASSWORD, or a prompt; when none is given (empty at the "
        "prompt), the service generates one and it is printed once: it cannot be "
        "recovered. The credentials are saved only with your consent: a y/N question in a "
        "terminal (not with --json), or --save.",
    )
    p.add_argument("new_email", metavar="EMAIL", help="the new account's email")
    p.add_argument("--organization", metavar="NAME", help="the account's organization")
    p.add_argument(
        "--password-stdin",
        action="store_true",
        default=argparse.SUPPRESS,
        help="read the new password from the first line of standard input",
    )
    _save_options(p, "the new credentials")

    p = command(
        "login",
        "check an account's password and save it (only with your consent)",
        [
            "login alice@example.com                    # asks for the password, then y/N to save",
            "printf '%s\\n' \"$PW\" | " + PROG + " login alice@example.com --password-stdin --save",
        ],
        [common, account],
        description="Check an account's credentials against the service and save them. At "
        "a service with API keys it saves a new API key (all scopes) instead of the "
        "password; the secret goes to the OS keyring when there is one, else into the "
        "credentials file, encrypted. It saves only with consent: a y/N question when "
        "standard input is a terminal, or --save; otherwise it checks and exits without "
        "saving.",
    )
    p.add_argument("login_email", metavar="EMAIL", nargs="?", help="the account's email")
    _save_options(p, "the credentials")

    command(
        "logout",
        "remove the credentials that login saved (the file and its key)",
        ["logout", "logout --config ~/work-accounting.json"],
        [common],
        description="Remove the credentials `login` or `register` saved: the credentials file "
        "and the key file beside it, and say what was removed. Credentials in the "
        "environment are not touched (the message says if some are set).",
    )
    command(
        "status",
        "show the account, its balance and the service (exit 0 when the credentials work)",
        ["status", "status --json"],
        [common, account],
    )
    command(
        "balance",
        "print the balance in US dollars",
        ["balance", "balance --json"],
        [common, account],
    )

    # -- paying

    p = command(
        "token",
        "create a single-use token that lets RECIPIENT charge you once",
        [
            "token ai-service@example.com",
            "SYFTBOX_ACCOUNTING_TOKEN=$(" + PROG + " token ai-service@example.com)",
        ],
        [common, account],
        description="Create a transaction token that lets RECIPIENT charge your account "
        "once, within its lifetime (24 hours on the public service). The token is printed "
        'alone on stdout (with --json: {"token": ...}); it is a bearer of money: hand it '
        "only to RECIPIENT. --max caps the charge it pays and --expires shortens its life; "
        "both are signed into the token.",
    )
    p.add_argument("recipient", metavar="RECIPIENT", help="the email of the service to pay")
    p.add_argument(
        "--max", metavar="AMOUNT", help="the most the charge may be, in US dollars, e.g. 0.50"
    )
    p.add_argument(
        "--expires",
        metavar="DURATION",
        type=_duration,
        help="how long the token stays valid: 90 (seconds), 10m, 2h; at most 24h",
    )
    _key_option(p)

    p = command(
        "transfer",
        "pay RECIPIENT AMOUNT dollars now",
        ["transfer bob@example.com 10", "transfer bob@example.com 0.25 --app-name tip --json"],
        [common, account],
    )
    p.add_argument("recipient", metavar="RECIPIENT", help="the email to pay")
    p.add_argument("amount", metavar="AMOUNT", help="US dollars, up to 6 decimals, e.g. 0.25")
    _app_options(p)
    _key_option(p)
    _yes_option(p, "pay")

    # -- getting paid

    p = command(
        "charge",
        "as a service, charge SENDER AMOUNT dollars with a token they gave you",
        [
            "charge alice@example.com 0.25 --app-name summarizer   # asks for the token",
            "printf '%s\\n' \"$TOKEN\" | " + PROG + " charge alice@example.com 0.25 --token-stdin",
            "charge alice@example.com 0.25 --confirm   # token from $SYFTBOX_ACCOUNTING_TOKEN",
            "charge alice@example.com 5 --hold-for 30m   # hold $5, confirm the price later",
        ],
        [common, account],
        description="As a service: charge SENDER with the transaction token they gave you. "
        "The charge is PENDING, holding AMOUNT of the payer's balance, until you `confirm` it "
        "(work delivered; `confirm --amount` captures less) or `cancel` it, or until its hold "
        "lapses (--hold-for; an hour by default). "
        "--confirm does both steps at once. The token comes from --token-stdin, "
        f"${ENV_TOKEN}, or a prompt, never from the command line. With both --password-stdin "
        "and --token-stdin, the first line of standard input is the password, the second "
        "the token.",
    )
    p.add_argument("sender", metavar="SENDER", help="the email of the payer")
    p.add_argument("amount", metavar="AMOUNT", help="US dollars, up to 6 decimals, e.g. 0.25")
    p.add_argument(
        "--token-stdin",
        action="store_true",
        help="read the token from standard input (the line after the password, if both)",
    )
    p.add_argument("--confirm", action="store_true", help="confirm the charge at once")
    _yes_option(p, "with --confirm, move the money")
    p.add_argument(
        "--hold-for",
        type=_duration,
        metavar="DURATION",
        help="how long the charge holds the payer's money before it lapses: 90, 30m, 2h "
        "(at most 24h; a service with holds only)",
    )
    _app_options(p)
    _key_option(p)

    tx_example = "444e6439-bdc1-4292-bea0-931389f8a37f"
    for name, verb, effect, more in (
        ("confirm", "complete", "the money moves now", [f"confirm {tx_example} --amount 1.23"]),
        ("cancel", "cancel", "no money moves; the token stays spent", []),
    ):
        p = command(
            name,
            f"{verb} a pending transaction you created ({effect})",
            [f"{name} {tx_example}", *more],
            [common, account],
        )
        p.add_argument("transaction_id", metavar="TX_ID", help="the transaction's id")
        if name == "confirm":
            p.add_argument(
                "--amount",
                metavar="AMOUNT",
                help="capture only this much of what it holds (the final price); the rest "
                "is released (a service with holds only)",
            )
        _key_option(p)

    p = command(
        "refund",
        "give back all or part of a completed payment you received",
        [
            f"refund {tx_example}                 # all of it",
            f"refund {tx_example} --amount 3 --reason 'partial outage'",
        ],
        [common, account],
        description="Give back all or part of a completed payment you received, at once: a "
        "new completed transaction to the payer, linked to the payment. Refunds of one payment "
        "never exceed it in total. A service with refunds only (not the public one).",
    )
    p.add_argument("transaction_id", metavar="TX_ID", help="the payment's id")
    p.add_argument("--amount", metavar="AMOUNT", help="how much (default: all that is left)")
    p.add_argument("--reason", metavar="TEXT", help="why, recorded on the refund")
    _key_option(p)
    _yes_option(p, "refund")

    p = command(
        "history",
        "list your transactions, newest first",
        [
            "history",
            "history --limit 5 --status PENDING",
            "history --since 2026-11-01 --with ai-service@example.com",
            "history --all --jsonl > history.jsonl   # every transaction, page by page",
        ],
        [common, account],
    )
    shown = p.add_mutually_exclusive_group()
    shown.add_argument(
        "--limit",
        type=_history_limit,
        default=DEFAULT_HISTORY_LIMIT,
        metavar="N",
        help="show the newest N, up to 10000 (default: %(default)s; 0 for all)",
    )
    shown.add_argument(
        "--all", action="store_true", help="show every one, fetched page by page as it prints"
    )
    _history_filters(p)
    p.add_argument(
        "--with",
        dest="counterparty",
        metavar="EMAIL",
        help="only transactions between you and EMAIL",
    )
    p.add_argument(
        "--status",
        type=str.upper,
        choices=["PENDING", "COMPLETED", "CANCELLED"],
        help="only transactions in this status",
    )
    p.add_argument(
        "--jsonl",
        action="store_true",
        help="print one JSON object per transaction, one per line (JSON Lines)",
    )

    p = command(
        "show",
        "show one of your transactions",
        ["show 5b1e7c9a-2d3f-4e5a-8b6c-7d8e9f0a1b2c", "show TX_ID --json"],
        [common, account],
    )
    p.add_argument("transaction_id", metavar="TX_ID", help="the transaction's id")

    p = command(
        "usage",
        "summarize your transactions: counts, spent, received, pending",
        ["usage", "usage --since 2026-11-01 --until 2026-12-01 --json"],
        [common, account],
    )
    _history_filters(p)

    command(
        "contract",
        "print the contract (openapi.yaml) to generate a client in another language",
        ["contract > openapi.yaml"],
        [],
    )

    # -- operators

    command(
        "serve",
        "run the reference accounting service (needs the 'server' extra)",
        ["serve --port 8000 --db accounting.db"],
        [],
        add_help=False,  # `serve --help` is answered by the service's own parser
    )

    _keys_commands(command, common, account)

    admin = command(
        "admin",
        "operator commands, authorized by the service's admin key",
        [
            "admin list-users --url http://127.0.0.1:8000",
            "admin add-balance alice@example.com 50   # key from $SYFTBOX_ACCOUNTING_ADMIN_KEY",
        ],
        [common, admin_opts],
    )
    admin_commands = admin.add_subparsers(
        dest="admin_command", metavar="ADMIN_COMMAND", title="admin commands", required=True
    )
    p = command(
        "add-balance",
        "add AMOUNT dollars to EMAIL's balance",
        ["add-balance alice@example.com 50 --url http://127.0.0.1:8000"],
        [common, admin_opts],
        subparsers=admin_commands,
        prefix="admin ",
    )
    p.add_argument("user_email", metavar="EMAIL")
    p.add_argument("amount", metavar="AMOUNT", help="US dollars, up to 6 decimals")
    p = command(
        "get-user",
        "show the account registered with EMAIL",
        ["get-user alice@example.com --json"],
        [common, admin_opts],
        subparsers=admin_commands,
        prefix="admin ",
    )
    p.add_argument("user_email", metavar="EMAIL")
    command(
        "list-users",
        "list every account, oldest first",
        ["list-users"],
        [common, admin_opts],
        subparsers=admin_commands,
        prefix="admin ",
    )
    return parser


def _keys_commands(command: Any, common: Parser, account: Parser) -> None:
    """`keys create|list|revoke`: API keys, to authenticate without the password."""
    keys = command(
        "keys",
        "create, list and revoke API keys (scoped, revocable credentials)",
        [
            "keys create nightly-batch --scope read --scope pay --max-spend 20 --expires 30d",
            "keys list",
            "keys revoke key_7Hq2Vd9sKx3LmN4pR8tZ",
        ],
        [common, account],
        description="API keys stand in for the password: each has scopes (read, pay, "
        "charge, account, keys), and may expire and have a spend cap. A service that "
        "supports them says so (the public one does not).",
    )
    subcommands = keys.add_subparsers(
        dest="keys_command", metavar="KEYS_COMMAND", title="keys commands", required=True
    )
    p = command(
        "create",
        "create an API key; its secret is printed once",
        [
            "create dashboard --scope read",
            "create ci --scope read,pay --max-spend 5 --expires 7d --json",
        ],
        [common, account],
        subparsers=subcommands,
        prefix="keys ",
        description="Create an API key and print its secret (sbk_...) alone on stdout, this "
        'once (with --json: {"api_key": ..., "secret": ...}). Keep it like a password: '
        "set it as SYFTBOX_ACCOUNTING_API_KEY where it is used.",
    )
    p.add_argument("key_name", metavar="NAME", help="what the key is for, e.g. nightly-batch")
    p.add_argument(
        "--scope",
        dest="scopes",
        action="append",
        required=True,
        metavar="SCOPE",
        help="read, pay, charge, account or keys; repeat it or separate with commas",
    )
    p.add_argument(
        "--expires",
        type=_duration,
        metavar="DURATION",
        help="how long it works: 3600, 90m, 12h, 30d (60 s to 365 days; default: until revoked)",
    )
    p.add_argument(
        "--max-spend",
        metavar="AMOUNT",
        help="the most it may commit of your money, in US dollars (default: no cap)",
    )
    _key_option(p)
    command(
        "list",
        "list your API keys (never their secrets)",
        ["list", "list --json"],
        [common, account],
        subparsers=subcommands,
        prefix="keys ",
    )
    p = command(
        "revoke",
        "revoke an API key: the service refuses it from the next request on",
        ["revoke key_7Hq2Vd9sKx3LmN4pR8tZ"],
        [common, account],
        subparsers=subcommands,
        prefix="keys ",
    )
    p.add_argument("key_id", metavar="KEY_ID", help="the key's id (key_...), as `keys list` shows")
    _key_option(p)


def serve_parser() -> Parser:
    """The parser `serve` hands to the service's `add_serve_arguments`."""
    return Parser(
        prog=f"{PROG} serve",
        description="Run the reference SyftBox accounting service (it speaks openapi.yaml) "
        "until Ctrl-C.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
