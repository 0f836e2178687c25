"""The options several commands share (common, account, admin, saving, idempotency
key...) and the types that read option values (a moment, seconds, a duration)."""

from __future__ import annotations

import argparse
import datetime

from syftbox_accounting.cli._program import ENV_ADMIN_KEY, Parser
from syftbox_accounting.validation import MAX_HISTORY_LIMIT

# The value types keep their leading underscore: argparse prints a type's name when it
# fails with a ValueError ("invalid _duration value: ..."), so a new name would change
# what the command prints.


def _moment(text: str) -> datetime.datetime:
    """A date (midnight UTC) or an ISO 8601 date-time; UTC when it names no offset."""
    try:
        moment = datetime.datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a date or date-time: {text[:40]!r} (write 2026-11-01 or"
            " 2026-11-01T12:00:00+01:00)"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.UTC)


def history_filters(parser: argparse.ArgumentParser) -> None:
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


def _whole(text: str) -> int | None:
    """`text` as a whole number of ASCII digits (at most 12 of them), else None: `int`
    would take other scripts' digits and fail on a few thousand."""
    digits = text.strip()
    if digits.isascii() and digits.isdigit() and len(digits) <= 12:
        return int(digits)
    return None


def _history_limit(text: str) -> int:
    limit = _whole(text)
    if limit is None or limit > MAX_HISTORY_LIMIT:
        raise argparse.ArgumentTypeError(
            f"must be a whole number from 0 (all) to {MAX_HISTORY_LIMIT}: {text[:40]!r} "
            "(--all shows every one)"
        )
    return limit


_DAY = 86400


def _seconds(text: str) -> float:
    try:
        value = float(text) if text.isascii() else -1.0  # float takes other scripts' digits
    except ValueError:
        value = -1.0
    if not 0 < value < _DAY:
        raise argparse.ArgumentTypeError(
            f"{text[:40]!r} is not a number of seconds from more than 0 to less than {_DAY} "
            "(a day): write e.g. 5 or 2.5"
        )
    return value


def yes_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "-y",
        "--yes",
        action="store_true",
        help=f"{what} without asking first (in a terminal it asks y/N; a script, or --json, "
        "is never asked)",
    )


def common_options() -> Parser:
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
        help="allow plain http:// to a host that is not this machine (sends the password or "
        "API key unencrypted)",
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


def account_options() -> Parser:
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


def admin_options() -> Parser:
    admin = Parser(add_help=False)
    group = admin.add_argument_group("admin options")
    group.add_argument(
        "--admin-key-stdin",
        action="store_true",
        default=argparse.SUPPRESS,
        help=f"read the admin key from standard input (else ${ENV_ADMIN_KEY}, or a prompt)",
    )
    return admin


def save_options(parser: argparse.ArgumentParser, what: str) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--save",
        dest="save",
        action="store_const",
        const=True,
        default=None,
        help=f"save {what} without asking: a new API key at a service with keys, else the "
        "password (in the OS keyring, or encrypted in the file)",
    )
    group.add_argument(
        "--no-save",
        dest="save",
        action="store_const",
        const=False,
        help="do not save them and do not ask",
    )


def key_option(parser: argparse.ArgumentParser) -> None:
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
    number = _whole(value[:-1] if scale is not None else value)
    if number is None:
        raise argparse.ArgumentTypeError(
            f"{text[:40]!r} is not a duration: write seconds (90), minutes (10m), hours (2h) "
            "or days (30d)"
        )
    return number * (scale or 1)


def app_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--app-name", metavar="NAME", help="the app that charges, for the record")
    parser.add_argument("--endpoint", metavar="PATH", help="the app's endpoint, for the record")
