"""The service's one clock, and the text it writes times as.

Everything the service dates or times out reads one `Clock` (seconds since the epoch, as
`time.time` gives): timestamps, token expiry, hold expiry, idempotency records. Tests
pass a `ManualClock` and move it, instead of waiting for time to pass.
"""

from __future__ import annotations

import functools
import math
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], float]


class ManualClock:
    """A clock that moves only when told to, for tests of expiry.

    >>> clock = ManualClock(start=1_800_000_000.0)
    >>> clock.advance(3600)
    1800003600.0

    Pass it as `create_app(clock=clock)` or `BackgroundService(clock=clock)`. Without
    `start` it begins at the real time, so tokens and timestamps look ordinary.
    """

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else float(start)
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self._now

    def __repr__(self) -> str:
        return f"ManualClock({stamp(self._now)})"

    def advance(self, seconds: float) -> float:
        """Move the clock `seconds` forward (never back: time the service has written
        must stay in order); returns the new time."""
        if not (math.isfinite(seconds) and seconds >= 0):
            raise ValueError(f"advance a clock by 0 seconds or more, not {seconds!r}")
        with self._lock:
            self._now += seconds
            return self._now


def stamp(seconds: float) -> str:
    """A time as the store writes it: UTC, ISO 8601, cut down to the millisecond (never
    later than `seconds`), so that text order is time order."""
    whole, millis = divmod(math.floor(seconds * 1000), 1000)
    return f"{_second(whole)}.{millis:03d}+00:00"


@functools.lru_cache(maxsize=16)
def _second(whole: int) -> str:
    # The service stamps several times per request, mostly within the same second.
    return datetime.fromtimestamp(whole, UTC).isoformat(timespec="seconds").removesuffix("+00:00")
