"""When a failed request is sent again, and after how long.

GETs are retried on connection errors, timeouts, 429 and 5xx; any request is retried
when the failure proves nothing was sent (connect errors). A POST or PUT that may have
reached the service is sent again, with the same `Idempotency-Key`, only once the
service has shown that it honours keys (see `transport`).
"""

from __future__ import annotations

import dataclasses
import email.utils
import random
import time

import httpx

from syftbox_accounting import validation


@dataclasses.dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How failed requests are retried.

    Waits are jittered exponential backoff (`backoff` * 2**attempt, capped at
    `max_backoff`, full jitter), or the service's `Retry-After` when it sends one. A
    `Retry-After` longer than `max_retry_after` is not waited for: the error is
    raised at once, saying when to retry.

    >>> RetryPolicy(max_retries=5, backoff=0.5)

    Raises:
        InvalidInputError: a count or a number of seconds out of range.
    """

    max_retries: int = 2
    backoff: float = 0.2
    max_backoff: float = 5.0
    max_retry_after: float = 30.0

    def __post_init__(self) -> None:
        validation.retries(self.max_retries, "retry_policy.max_retries")
        for name in ("backoff", "max_backoff", "max_retry_after"):
            validation.seconds(getattr(self, name), f"retry_policy.{name}")

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        return random.uniform(0, min(self.max_backoff, self.backoff * 2**attempt))


# Longer delta-seconds than this (over 300 years) are no advice anyone can follow.
_MAX_RETRY_AFTER_DIGITS = 10


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header: delta-seconds or an HTTP date; None for
    anything else (other digits than ASCII ones, other scripts, absurd lengths or dates),
    never an exception."""
    if not value:
        return None
    value = value.strip()
    if not value.isascii() or not value.isprintable() or len(value) > 64:
        return None
    if value.isdigit():
        return float(value) if len(value) <= _MAX_RETRY_AFTER_DIGITS else None
    try:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, OverflowError, IndexError):
        return None


# Failures that prove the request never left: safe to send again, whatever it is.
NOTHING_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
