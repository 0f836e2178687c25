"""`serve`: run the reference service in the foreground (blocking), from code or the shell."""

from __future__ import annotations

import argparse
import getpass
import ipaddress
import logging
import os
import sys
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

import uvicorn

from syftbox_accounting.server.app import create_app
from syftbox_accounting.server.auth import check_admin_key
from syftbox_accounting.server.connections import (
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_REQUEST_TIMEOUT,
    ConnectionLimits,
)
from syftbox_accounting.server.files import SecretFileError, read_secret_file
from syftbox_accounting.server.hashing import DEFAULT_MAX_WAIT
from syftbox_accounting.server.idempotency_records import (
    DEFAULT_ANONYMOUS_TTL,
    DEFAULT_PER_SCOPE,
    DEFAULT_TOTAL,
    DEFAULT_TTL,
    RecordLimits,
)
from syftbox_accounting.server.money import AmountError, from_decimal
from syftbox_accounting.server.store import DEFAULT_MAX_PENDING, DEFAULT_MAX_PENDING_PER_RECIPIENT
from syftbox_accounting.server.tokens import MIN_SECRET_BYTES

ADMIN_KEY_ENV = "SYFTBOX_ACCOUNTING_ADMIN_KEY"
logger = logging.getLogger("syftbox_accounting.server")

ADMIN_KEY_SOURCES = f"set {ADMIN_KEY_ENV}, or pass --admin-key-file PATH or --admin-key-stdin"

EXAMPLES = f"""\
examples:
  # a throwaway service on http://127.0.0.1:8000, its data kept in memory
  %(prog)s
  # data kept in a file (created 0600), admin endpoints open; the key comes from the
  # environment, where `ps` does not show it
  export {ADMIN_KEY_ENV}="$(python -c 'import secrets; print(secrets.token_urlsafe(32))')"
  %(prog)s --port 8080 --db accounting.sqlite3
  # the admin key and the token-signing key from files only their owner can read
  (umask 077; python -c 'import secrets; print(secrets.token_urlsafe(32))' > admin.key)
  (umask 077; python -c 'import secrets; print(secrets.token_urlsafe(32))' > token.key)
  %(prog)s --db accounting.sqlite3 --admin-key-file admin.key --token-key-file token.key
"""


def run(
    host: str = "127.0.0.1",
    port: int = 8000,
    database: str | os.PathLike[str] = ":memory:",
    admin_key: str | None = None,
    initial_credit: Decimal = Decimal("100"),
    token_lifetime: float = 86400.0,
    log_level: str = "info",
    token_secret: bytes | None = None,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
    max_pending: int = DEFAULT_MAX_PENDING,
    max_pending_per_recipient: int = DEFAULT_MAX_PENDING_PER_RECIPIENT,
    max_login_wait: float = DEFAULT_MAX_WAIT,
    idempotency_limits: RecordLimits | None = None,
) -> None:
    """Serve the reference accounting service until interrupted (Ctrl+C).

    `token_secret` signs the transaction tokens (32+ bytes); None keeps a random key in
    the database. At most `max_connections` connections are open at once, and a client has
    `request_timeout` seconds to send each request in full (see `connections.py`). One
    sender may have at most `max_pending` pending transactions open, and at most
    `max_pending_per_recipient` towards one recipient. A login that would wait more than
    `max_login_wait` seconds for password hashing is answered 503 at once.
    `idempotency_limits` bound the idempotency records (see `create_app`).
    """
    limits = ConnectionLimits(max_connections, request_timeout)
    level = log_level.upper()
    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logger.setLevel(level)
    app = create_app(
        database=database,
        admin_key=admin_key,
        initial_credit=initial_credit,
        token_lifetime=token_lifetime,
        token_secret=token_secret,
        max_pending=max_pending,
        max_pending_per_recipient=max_pending_per_recipient,
        max_login_wait=max_login_wait,
        idempotency_limits=idempotency_limits,
    )
    if not _is_loopback(host):
        logger.warning(
            "Listening on %s: passwords travel in clear over plain HTTP; "
            "put a TLS proxy in front of this service.",
            host,
        )
    if os.fspath(database) == ":memory:":
        logger.warning("Data is kept in memory and lost on exit: pass --db FILE to keep it.")
    logger.info(
        "Starting the accounting service (database %s, admin endpoints %s)",
        os.fspath(database),
        "open" if admin_key else f"closed: {ADMIN_KEY_SOURCES}",
    )
    try:
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_config=None,  # propagate to the handler configured above
            log_level=log_level.lower(),
            access_log=False,  # the app logs each request, without secrets
            ws="none",
            lifespan="off",
            **limits.uvicorn_options(),
        )
    except SystemExit as exc:
        if exc.code != _UVICORN_STARTUP_FAILURE:
            raise
        # uvicorn logged why (above); its own status, 3, means "authentication" to the
        # command line.
        _fail(
            f"could not listen on {host}:{port} (see the line above; another process may "
            "use the port): choose another with --port"
        )
    finally:
        app.state.service.close()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value.is_finite() or value < 0:
        raise argparse.ArgumentTypeError(f"must be a number >= 0: {text!r}")
    try:
        from_decimal(value)  # the service's own range check, before it starts
    except AmountError as error:
        raise argparse.ArgumentTypeError(f"{error}: {text!r}") from None
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of seconds > 0: {text!r}")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 0 and 65535: {text!r}")
    return value


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the `serve` options to `parser` (and its examples, if it has no epilog)."""
    parser.add_argument(
        "--host", default="127.0.0.1", help="interface to listen on (default: %(default)s)"
    )
    parser.add_argument(
        "--port", type=_port, default=8000, help="port to listen on (default: %(default)s)"
    )
    parser.add_argument(
        "--db",
        dest="database",
        default=":memory:",
        metavar="PATH",
        help="SQLite database file, created 0600 if missing (its folder 0700); refused if "
        "other users can read it (default: %(default)s, lost on exit)",
    )
    admin_key = parser.add_mutually_exclusive_group()
    admin_key.add_argument(
        "--admin-key-file",
        metavar="PATH",
        help="read the Bearer key of the admin endpoints from this file (only its owner "
        f"may read it); or set {ADMIN_KEY_ENV} (default: admin endpoints closed)",
    )
    admin_key.add_argument(
        "--admin-key-stdin",
        action="store_true",
        help="read the admin key from the first line of standard input",
    )
    # The key itself on the command line would show in `ps` to every user of the machine.
    admin_key.add_argument("--admin-key", nargs="?", action=_RefusedInArgv, help=argparse.SUPPRESS)
    parser.add_argument(
        "--token-key-file",
        metavar="PATH",
        help="read the key that signs transaction tokens (32+ bytes) from this file (only "
        "its owner may read it), so that the database holds no key (default: a random "
        "key kept in the database)",
    )
    parser.add_argument(
        "--initial-credit",
        type=_decimal,
        default=Decimal("100"),
        metavar="USD",
        help="dollars every new account starts with (default: %(default)s)",
    )
    parser.add_argument(
        "--token-lifetime",
        type=_seconds,
        default=86400.0,
        metavar="SECONDS",
        help="how long a transaction token stays valid (default: %(default)s)",
    )
    parser.add_argument(
        "--max-connections",
        type=_count,
        default=DEFAULT_MAX_CONNECTIONS,
        metavar="N",
        help="connections open at once; one more closes the longest-idle one "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--request-timeout",
        type=_seconds,
        default=DEFAULT_REQUEST_TIMEOUT,
        metavar="SECONDS",
        help="time a client has to send a whole request (default: %(default)s)",
    )
    parser.add_argument(
        "--max-pending",
        type=_count,
        default=DEFAULT_MAX_PENDING,
        metavar="N",
        help="pending transactions one sender may have open at once; more are refused "
        "with too_many_pending until some are confirmed or cancelled (default: %(default)s)",
    )
    parser.add_argument(
        "--max-pending-per-recipient",
        type=_count,
        default=DEFAULT_MAX_PENDING_PER_RECIPIENT,
        metavar="N",
        help="of those, how many towards one recipient, so that nobody can fill another "
        "account's history (default: %(default)s)",
    )
    parser.add_argument(
        "--max-login-wait",
        type=_seconds,
        default=DEFAULT_MAX_WAIT,
        metavar="SECONDS",
        help="longest a login may wait for password hashing (shared fairly between "
        "clients and accounts); one that would wait longer gets 503 with Retry-After at "
        "once (default: %(default)s)",
    )
    records = parser.add_argument_group(
        "idempotency records",
        "how long the answers of keyed POST/PUT requests are kept, and how many",
    )
    records.add_argument(
        "--idempotency-ttl",
        type=_seconds,
        default=DEFAULT_TTL,
        metavar="SECONDS",
        help="how long an account's or the admin's records are kept (default: %(default)s)",
    )
    records.add_argument(
        "--idempotency-anonymous-ttl",
        type=_seconds,
        default=DEFAULT_ANONYMOUS_TTL,
        metavar="SECONDS",
        help="how long the records of requests without a caller (registrations) are kept "
        "(default: %(default)s)",
    )
    records.add_argument(
        "--idempotency-records-per-caller",
        type=_count,
        default=DEFAULT_PER_SCOPE,
        metavar="N",
        help="records one caller may hold (all requests without a caller count as one); "
        "past it a keyed request gets 429 rate_limited (default: %(default)s)",
    )
    records.add_argument(
        "--idempotency-records",
        type=_count,
        default=DEFAULT_TOTAL,
        metavar="N",
        help="records the service holds in all; past it a keyed request gets "
        "503 unavailable (default: %(default)s)",
    )
    parser.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="info logs one line per request, never a secret (default: %(default)s)",
    )
    if parser.epilog is None:
        parser.epilog = EXAMPLES
        if parser.formatter_class is argparse.HelpFormatter:
            parser.formatter_class = argparse.RawDescriptionHelpFormatter


class _RefusedInArgv(argparse.Action):
    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        parser.error(
            f"{option_string} KEY would show the admin key to every user of this machine "
            f"(in `ps`): {ADMIN_KEY_SOURCES}"
        )


def run_from_args(args: argparse.Namespace) -> None:
    """`run` with the options parsed by a parser set up with `add_serve_arguments`.

    A key or database file that other users can read, or an unusable admin key, ends the
    command with an `error:` line (exit status 1) before anything listens.
    """
    try:
        admin_key = _admin_key(args)
        token_secret = None
        if args.token_key_file is not None:
            token_secret = read_secret_file(args.token_key_file, "the token key").encode()
            if len(token_secret) < MIN_SECRET_BYTES:
                _fail(
                    f"{args.token_key_file} holds a token key of {len(token_secret)} bytes: "
                    f"it must be at least {MIN_SECRET_BYTES} bytes long (see the examples)."
                )
        run(
            host=args.host,
            port=args.port,
            database=args.database,
            admin_key=admin_key,
            initial_credit=args.initial_credit,
            token_lifetime=args.token_lifetime,
            log_level=args.log_level,
            token_secret=token_secret,
            max_connections=args.max_connections,
            request_timeout=args.request_timeout,
            max_pending=args.max_pending,
            max_pending_per_recipient=args.max_pending_per_recipient,
            max_login_wait=args.max_login_wait,
            idempotency_limits=RecordLimits(
                ttl=args.idempotency_ttl,
                anonymous_ttl=args.idempotency_anonymous_ttl,
                per_scope=args.idempotency_records_per_caller,
                total=args.idempotency_records,
            ),
        )
    except SecretFileError as error:
        _fail(str(error))


def _admin_key(args: argparse.Namespace) -> str | None:
    """The admin key from a file, standard input or the environment; never the argv."""
    if args.admin_key_file is not None:
        key = read_secret_file(args.admin_key_file, "the admin key")
    elif args.admin_key_stdin:
        if sys.stdin is None:  # closed (`<&-`)
            _fail("--admin-key-stdin was given but standard input is closed.")
        if sys.stdin.isatty():
            key = getpass.getpass("Admin key: ")
        else:
            key = sys.stdin.readline().rstrip("\r\n")
        if not key.strip():
            _fail("--admin-key-stdin read no admin key: send it on the first line of the input.")
    else:
        key = os.environ.get(ADMIN_KEY_ENV, "")
        if not key:
            return None
    try:
        check_admin_key(key)
    except ValueError as error:
        _fail(str(error))
    return key


# What `uvicorn.run` exits with when it cannot start (the port in use, say).
_UVICORN_STARTUP_FAILURE = 3


def _fail(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(1)


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Run the reference SyftBox accounting service (it speaks openapi.yaml).",
    )
    add_serve_arguments(parser)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser("python -m syftbox_accounting.server").parse_args(argv)
    run_from_args(args)  # uvicorn turns Ctrl+C into a clean shutdown
