"""The commands that have commands of their own: `keys create|list|revoke` and `admin
add-balance|get-user|list-users`. `command` is the command tree's way to add one
(`_parser.build_parser`)."""

from __future__ import annotations

from typing import Any

from syftbox_accounting.cli._options import _duration, key_option
from syftbox_accounting.cli._program import Parser


def keys_commands(command: Any, common: Parser, account: Parser) -> None:
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
    key_option(p)
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
    key_option(p)


def admin_commands(command: Any, common: Parser, admin_opts: Parser) -> None:
    """`admin add-balance|get-user|list-users`: operator commands, with the admin key."""
    admin = command(
        "admin",
        "operator commands, authorized by the service's admin key",
        [
            "admin list-users --url http://127.0.0.1:8000",
            "admin add-balance alice@example.com 50   # key from $SYFTBOX_ACCOUNTING_ADMIN_KEY",
        ],
        [common, admin_opts],
    )
    subcommands = admin.add_subparsers(
        dest="admin_command", metavar="ADMIN_COMMAND", title="admin commands", required=True
    )
    p = command(
        "add-balance",
        "add AMOUNT dollars to EMAIL's balance",
        ["add-balance alice@example.com 50 --url http://127.0.0.1:8000"],
        [common, admin_opts],
        subparsers=subcommands,
        prefix="admin ",
    )
    p.add_argument("user_email", metavar="EMAIL")
    p.add_argument("amount", metavar="AMOUNT", help="US dollars, up to 6 decimals")
    p = command(
        "get-user",
        "show the account registered with EMAIL",
        ["get-user alice@example.com --json"],
        [common, admin_opts],
        subparsers=subcommands,
        prefix="admin ",
    )
    p.add_argument("user_email", metavar="EMAIL")
    command(
        "list-users",
        "list every account, oldest first",
        ["list-users"],
        [common, admin_opts],
        subparsers=subcommands,
        prefix="admin ",
    )
