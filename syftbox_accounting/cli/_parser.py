"""The command tree: every command, its options, and an example in each `--help`.

Its parts: `_program` (the name, `Parser`), `_help_texts`, `_options` (the options
several commands share) and `_nested_commands` (`keys ...` and `admin ...`).
"""

from __future__ import annotations

import argparse

from syftbox_accounting.cli._help_texts import MAIN_EPILOG, examples_epilog
from syftbox_accounting.cli._nested_commands import admin_commands, keys_commands
from syftbox_accounting.cli._options import (
    _duration,
    _history_limit,
    account_options,
    admin_options,
    app_options,
    common_options,
    history_filters,
    key_option,
    save_options,
    yes_option,
)
from syftbox_accounting.cli._program import ENV_TOKEN, PROG, Parser, UsageError, VersionAction

DEFAULT_HISTORY_LIMIT = 20

# Options that each decide the form of standard output: a command takes one of each set.
# (An argparse group cannot hold them: --json comes from the options every command
# takes, before or after its name.)
OUTPUT_FORMATS = {
    "--json": "one JSON document",
    "--jsonl": "one JSON object per line",
}


def refuse_conflicting_outputs(args: argparse.Namespace, command: str) -> None:
    """Refuse two options of `OUTPUT_FORMATS` given together, before anything is sent.

    Raises:
        UsageError: naming both and what each prints.
    """
    given = [
        option
        for option in OUTPUT_FORMATS
        if getattr(args, option.lstrip("-").replace("-", "_"), False) is True
    ]
    if len(given) > 1:
        raise UsageError(
            f"{' and '.join(given)} cannot be given together: "
            + ", ".join(f"{option} prints {OUTPUT_FORMATS[option]}" for option in given),
            f"give only one of them; see '{PROG} {command} --help'",
        )


def build_parser() -> Parser:
    common, account, admin_opts = common_options(), account_options(), admin_options()
    raw = argparse.RawDescriptionHelpFormatter
    parser = Parser(
        prog=PROG,
        description="Pay and get paid for AI services on SyftBox: accounts, balances, "
        "transaction tokens and charges.",
        epilog=MAIN_EPILOG,
        formatter_class=raw,
        parents=[common, account],
    )
    parser.add_argument(
        "--version", action=VersionAction, help="print the version and exit (JSON with --json)"
    )
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
            epilog=examples_epilog(
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
            "register ai-service@example.com --json --save  # script: password printed, key saved",
            "printf '%s\\n' \"$NEW_PASSWORD\" | "
            + PROG
            + " register bob@example.com --password-stdin",
        ],
        [common],
        description="Create an account. The password comes from --password-stdin, "
        "$SYFTBOX_ACCOUNTING_PASSWORD, or a prompt; when none is given (empty at the "
        "prompt), the service generates one and it is printed once: it cannot be "
        "recovered. Credentials are saved as `login` saves them (a new API key, all scopes, "
        "at a service with keys, else the password), only with your consent: a y/N "
        "question in a terminal (not with --json), or --save.",
    )
    p.add_argument("new_email", metavar="EMAIL", help="the new account's email")
    p.add_argument("--organization", metavar="NAME", help="the account's organization")
    p.add_argument(
        "--password-stdin",
        action="store_true",
        default=argparse.SUPPRESS,
        help="read the new password from the first line of standard input",
    )
    save_options(p, "the new credentials")

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
    save_options(p, "the credentials")

    p = command(
        "logout",
        "revoke the API key login saved, and remove the saved credentials",
        ["logout", "logout --config ~/work-accounting.json", "logout --keep-key   # offline"],
        [common],
        description="Revoke the API key `login` saved (the key revokes itself at the "
        "service), then remove the credentials `login` or `register` saved: the "
        "credentials file and the key file beside it, and say what was removed. When the "
        "key cannot be revoked (the service does not answer), nothing is removed. A saved "
        "password is removed only. Credentials in the environment are not touched (the "
        "message says if some are set).",
    )
    p.add_argument(
        "--keep-key",
        action="store_true",
        help="remove the saved copy only, without asking the service to revoke the key "
        "(it stays valid until it expires or is revoked)",
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
    key_option(p)

    p = command(
        "transfer",
        "pay RECIPIENT AMOUNT dollars now",
        ["transfer bob@example.com 10", "transfer bob@example.com 0.25 --app-name tip --json"],
        [common, account],
    )
    p.add_argument("recipient", metavar="RECIPIENT", help="the email to pay")
    p.add_argument("amount", metavar="AMOUNT", help="US dollars, up to 6 decimals, e.g. 0.25")
    app_options(p)
    key_option(p)
    yes_option(p, "pay")

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
    yes_option(p, "with --confirm, move the money")
    p.add_argument(
        "--hold-for",
        type=_duration,
        metavar="DURATION",
        help="how long the charge holds the payer's money before it lapses: 90, 30m, 2h "
        "(at most 24h; a service with holds only)",
    )
    app_options(p)
    key_option(p)

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
        key_option(p)

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
    key_option(p)
    yes_option(p, "refund")

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
    history_filters(p)
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
        help="only transactions in this status (a lapsed hold, listed EXPIRED, is CANCELLED)",
    )
    p.add_argument(
        "--jsonl",
        action="store_true",
        help="print one JSON object per transaction, one per line (JSON Lines; not with --json)",
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
    history_filters(p)

    p = command(
        "contract",
        "print the contract (openapi.yaml) to generate a client in another language",
        ["contract > openapi.yaml", "contract --json > openapi.json"],
        [],
    )
    p.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print it as one JSON document instead of YAML (needs PyYAML)",
    )

    # -- operators

    command(
        "serve",
        "run the reference accounting service (needs the 'server' extra)",
        ["serve --port 8000 --db accounting.db"],
        [],
        add_help=False,  # `serve --help` is answered by the service's own parser
    )

    keys_commands(command, common, account)
    admin_commands(command, common, admin_opts)
    return parser


def serve_parser() -> Parser:
    """The parser `serve` hands to the service's `add_serve_arguments`."""
    return Parser(
        prog=f"{PROG} serve",
        description="Run the reference SyftBox accounting service (it speaks openapi.yaml) "
        "until Ctrl-C.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
