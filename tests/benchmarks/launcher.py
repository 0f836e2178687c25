"""A benchmark server, run in its own process: `python -m tests.benchmarks.launcher KIND`.

- ``reference``: the reference service (`create_app`) with two extra routes:
  ``GET /bench/noop`` answering ``{}``, the floor that P4's charges are compared with,
  and ``POST /bench/noop``, which reads the body and answers a fixed transaction as
  large as a charge's: two of those are a charge's HTTP work without the service's
  (P4's ceiling); and the two routes of a bare charge (`bare_charge`: P4's floor).
  The routes are not part of the contract: they exist only in this launcher.
- ``slow``: a tiny Starlette app whose ``GET /user/my-info`` answers a fixed user after
  ``--delay`` seconds (P2).

The process binds a free loopback port itself (so no other process can take it between
choosing and binding), prints ``PORT <n>`` on stdout, then serves until SIGTERM/SIGINT.
It also asks the kernel to SIGTERM it if the benchmark process dies.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import ctypes
import logging
import os
import signal
import socket
import sys
from decimal import Decimal

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

NOOP_PATH = "/bench/noop"
SLOW_USER = {
    "user": {"id": "u1", "email": "bench@example.com", "balance": 100, "organization": None}
}
_PR_SET_PDEATHSIG = 1


# A confirmed transaction as the service answers it (597 bytes, as in P4's charges).
NOOP_TRANSACTION = (
    b'{"transaction": {"id": "aaf5bcc7-70e4-4d61-abd4-853d314f7bc6", "senderEmail": '
    b'"payer@example.com", "recipientEmail": "shop@example.com", "amount": 0.01, '
    b'"amountDecimal": "0.01", "status": "COMPLETED", "createdBy": "SENDER", "resolvedBy": '
    b'"SENDER", "createdAt": "2026-12-05T06:00:18.689+00:00", "resolvedAt": '
    b'"2026-12-05T06:00:18.690+00:00", "appName": null, "appEpPath": null, '
    b'"authorizedAmount": 0.01, "authorizedAmountDecimal": "0.01", "expiresAt": '
    b'"2026-12-05T07:00:18.689+00:00", "cancelReason": null, "refundOf": null, '
    b'"refundedAmount": 0, "refundedAmountDecimal": "0", "refundReason": null}}'
)


async def _noop(request: Request) -> Response:
    return JSONResponse({})


async def _noop_post(request: Request) -> Response:
    await request.body()
    return Response(NOOP_TRANSACTION, media_type="application/json")


def reference_app(
    database: str, admin_key: str, records_per_account: int | None = None
) -> Starlette:
    from syftbox_accounting.server import create_app
    from syftbox_accounting.server.idempotency_records import RecordLimits
    from tests.benchmarks import bare_charge

    limits = None if records_per_account is None else RecordLimits(per_scope=records_per_account)
    app = create_app(
        database=database,
        admin_key=admin_key,
        initial_credit=Decimal(100),
        idempotency_limits=limits,
    )
    # First, so that nothing else is tried before them (the cheapest possible requests).
    app.router.routes[:0] = [
        Route(NOOP_PATH, _noop, methods=["GET"]),
        Route(NOOP_PATH, _noop_post, methods=["POST"]),
        *bare_charge.routes(database if database == ":memory:" else f"{database}.bare"),
    ]
    return app


def slow_app(delay: float) -> Starlette:
    async def my_info(request: Request) -> Response:
        await asyncio.sleep(delay)
        return JSONResponse(SLOW_USER)

    return Starlette(
        routes=[
            Route(NOOP_PATH, _noop, methods=["GET"]),
            Route("/user/my-info", my_info, methods=["GET"]),
        ]
    )


def _die_with_parent() -> None:
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        return  # not Linux: the benchmark's try/finally still stops us
    if os.getppid() != parent:  # the parent died before prctl
        sys.exit(0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.launcher")
    parser.add_argument("kind", choices=["reference", "slow"])
    parser.add_argument("--db", default=":memory:", help="reference: SQLite file")
    parser.add_argument("--admin-key", default="bench-admin-key", help="reference: admin key")
    parser.add_argument("--delay", type=float, default=0.1, help="slow: seconds before answering")
    parser.add_argument(
        "--records-per-account",
        type=int,
        help="reference: the idempotency records one caller may hold (P8)",
    )
    parser.add_argument(
        "--profile",
        metavar="PATH",
        help="write cProfile stats of the event loop's thread (not worker threads) to PATH "
        "on exit, for `python -m pstats PATH`",
    )
    args = parser.parse_args(argv)
    _die_with_parent()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    app = (
        reference_app(args.db, args.admin_key, args.records_per_account)
        if args.kind == "reference"
        else slow_app(args.delay)
    )
    # IPPROTO_TCP, not the default 0: asyncio sets TCP_NODELAY only on sockets whose
    # `proto` says TCP. Without it, a response written as two segments (headers, then
    # body) waits for the client's delayed ACK: ~40 ms per keep-alive request.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        app,
        log_config=None,
        log_level="warning",
        access_log=False,
        ws="none",
        lifespan="off",
        backlog=1024,
        # uvicorn's default 5 s closes connections that sat idle in a client's pool while
        # other rounds ran; one closed just as it is reused is a ReadError, not a figure.
        timeout_keep_alive=300,
        timeout_graceful_shutdown=2,
    )
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    # uvicorn re-raises SIGTERM once it has shut down: exit through `finally` then.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    profiler = cProfile.Profile() if args.profile else None
    try:
        if profiler is not None:
            profiler.enable()
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)
        sock.close()
        service = getattr(app.state, "service", None)
        if service is not None:
            service.close()


if __name__ == "__main__":
    main()
