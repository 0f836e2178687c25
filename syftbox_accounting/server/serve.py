"""`serve`: run the reference service in the foreground (blocking), from code or the shell."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
from decimal import Decimal, InvalidOperation

import uvicorn

from syftbox_accounting.server.app import create_app
from syftbox_accounting.server.connections import (
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_REQUEST_TIMEOUT,
    ConnectionLimits,
)
from syftbox_accounting.server.money import AmountError, from_decimal

ADMIN_KEY_ENV = "SYFTBOX_ACCOUNTING_ADMIN_KEY"
logger = logging.getLogger("syftbox_accounting.server")

EXAMPLES = f"""\
examples:
  # a throwaway service on http://127.0.0.1:8000, its data kept in memory
  %(prog)s
  # data kept in a file, admin endpoints open; the key comes from the environment,
  # where `ps` does not show it
  export {ADMIN_KEY_ENV}="$(python -c 'import secrets; print(secrets.token_urlsafe(32))')"
  %(prog)s --port 8080 --db accounting.sqlite3
"""


def run(
    host: str = "127.0.0.1",
    port: int = 8000,
    database: str | os.PathLike[str] = ":memory:",
    admin_key: str | None = None,
    initial_credit: Decimal = Decimal("100"),
    token_lifetime: float = 86400.0,
    log_level: str = "info",
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
) -> None:
    """Serve the reference accounting service until interrupted (Ctrl+C).

    At most `max_connections` connections are open at once, and a client has
    `request_timeout` seconds to send each request in full (see `connections.py`).
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
        "open" if admin_key else f"closed: set {ADMIN_KEY_ENV} or pass --admin-key",
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
        help="SQLite database file, created if missing (default: %(default)s, lost on exit)",
    )
    parser.add_argument(
        "--admin-key",
        default=None,
        metavar="KEY",
        help=f"Bearer key of the admin endpoints; prefer the {ADMIN_KEY_ENV} environment "
        "variable, which `ps` does not show (default: admin endpoints closed)",
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
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="info logs one line per request, never a secret (default: %(default)s)",
    )
    if parser.epilog is None:
        parser.epilog = EXAMPLES
        if parser.formatter_class is argparse.HelpFormatter:
            parser.formatter_class = argparse.RawDescriptionHelpFormatter


def run_from_args(args: argparse.Namespace) -> None:
    """`run` with the options parsed by a parser set up with `add_serve_arguments`."""
    admin_key = args.admin_key or os.environ.get(ADMIN_KEY_ENV) or None
    run(
        host=args.host,
        port=args.port,
        database=args.database,
        admin_key=admin_key,
        initial_credit=args.initial_credit,
        token_lifetime=args.token_lifetime,
        log_level=args.log_level,
        max_connections=args.max_connections,
        request_timeout=args.request_timeout,
    )


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
