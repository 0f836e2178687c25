"""The two limits of one call: its deadline over the whole exchange, and the size of
an answer. Passing either ends the exchange with a `Stopped`, never retried."""

from __future__ import annotations

import contextvars
import time

# The most a call reads by default: well above the largest legitimate answer (a page
# holds at most 1,000 transactions; a whole history without a limit is larger).
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
# A call's deadline by default, as a multiple of its timeout for each attempt: the
# timeout bounds each read, the deadline the whole call, retries included (a server
# dripping one byte at a time would otherwise hold it forever).
DEADLINE_FACTOR = 3.0


# The running call's deadline (monotonic), for the sync client's sockets to keep (see
# `deadline_sockets`, loaded with the first sync client: it loads httpcore).
DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "syftbox_accounting_deadline", default=None
)


class Stopped(Exception):
    """We ended the exchange ourselves: never retried, never a raw error."""

    reason = ""


class AnswerTooLarge(Stopped):
    """The answer grew past `max_response_bytes` (decompressed)."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.reason = f"the answer was too large (over {limit:,} bytes, the max_response_bytes)"


class Overdue(Stopped):
    """The call's deadline passed before a complete answer arrived."""

    def __init__(self, deadline: float) -> None:
        super().__init__(deadline)
        self.reason = f"no complete answer within the {deadline:g} s deadline"


class Clock:
    """One call's deadline (monotonic)."""

    __slots__ = ("end", "seconds")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return self.end - time.monotonic()

    def check(self) -> None:
        if self.left() <= 0:
            raise Overdue(self.seconds)
