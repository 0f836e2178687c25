"""The reference SyftBox accounting service: it speaks `openapi.yaml`.

- `create_app(...)`: the ASGI app (Starlette), for in-process use.
- `BackgroundService(...)`: the app on a free loopback port in a background thread.
- `run(...)`: serve in the foreground; `python -m syftbox_accounting.server --help`.
- `ManualClock`: a clock tests pass as `clock=` and move, to make holds lapse.
- `RecordLimits(...)`: how long idempotency records live and how many there may be
  (`idempotency_limits=` of the three above).

Needs the `server` extra: `pip install 'syftbox-accounting[server]'`.
"""

from syftbox_accounting.server.app import create_app
from syftbox_accounting.server.background import BackgroundService
from syftbox_accounting.server.clock import ManualClock
from syftbox_accounting.server.idempotency_records import RecordLimits
from syftbox_accounting.server.serve import add_serve_arguments, run, run_from_args

__all__ = [
    "BackgroundService",
    "ManualClock",
    "RecordLimits",
    "add_serve_arguments",
    "create_app",
    "run",
    "run_from_args",
]
