"""`ResponseInfo`: the last answer a client received (``client.last_response``).

Its own module, loaded when `last_response` is first read, so a program that never
reads it never builds this dataclass.
"""

from __future__ import annotations

import dataclasses

__all__ = ["ResponseInfo"]


@dataclasses.dataclass(frozen=True, slots=True)
class ResponseInfo:
    """The last answer a client received, for debugging (``client.last_response``).

    Attributes:
        method, path: the request.
        status_code: the HTTP status.
        headers: the response headers (they hold no secret of yours).
        request_id: the service's ``X-Request-Id``, to quote when reporting a problem.
        elapsed_ms: how long the answer took.
    """

    method: str
    path: str
    status_code: int
    headers: dict[str, str]
    request_id: str | None
    elapsed_ms: float
