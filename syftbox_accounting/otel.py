"""OpenTelemetry tracing, from the client's hooks: one span per call to the service.

    pip install 'syftbox-accounting[otel]'

>>> from syftbox_accounting.otel import SpanHook
>>> client = AccountingClient(hooks=[SpanHook()])  # spans go to the global tracer provider

Each call (one HTTP request, with its retries) is one span of kind CLIENT, named
``syftbox_accounting <operation>`` (the library method, e.g. ``transfer``, whose two
calls make two spans), started before the first attempt and ended by the call's
response or error. Its attributes: ``syftbox_accounting.operation``,
``http.request.method``, ``url.path``, ``http.response.status_code``,
``syftbox_accounting.attempts``, ``syftbox_accounting.elapsed_ms``,
``syftbox_accounting.request_id``, ``syftbox_accounting.idempotency_key``, and on an
error ``error.type`` (the exception) and ``syftbox_accounting.error_code``; each retry
is a span event. No secret is in any of them. A span's parent is the span current when
the call began.

This module is imported only by programs that use it: the library itself never
loads OpenTelemetry.
"""

from __future__ import annotations

import threading
from typing import Any

from opentelemetry import trace

from syftbox_accounting._version import __version__
from syftbox_accounting.call_events import CallEvent
from syftbox_accounting.errors import InvalidInputError

__all__ = ["SpanHook"]

_PREFIX = "syftbox_accounting"


class SpanHook:
    """A hook (``hooks=[SpanHook()]``) that makes one OpenTelemetry span per call to the
    service. `tracer_provider`: where the spans go (default: the global provider).
    One hook may serve several clients, sync and async, on any thread.

    Raises:
        InvalidInputError: `tracer_provider` is not a TracerProvider (a tracer, say).
    """

    def __init__(self, tracer_provider: trace.TracerProvider | None = None) -> None:
        if tracer_provider is not None and not isinstance(tracer_provider, trace.TracerProvider):
            raise InvalidInputError(
                "tracer_provider must be an OpenTelemetry TracerProvider (such as "
                "opentelemetry.sdk.trace.TracerProvider(), or trace.get_tracer_provider()), "
                f"not {type(tracer_provider).__name__}; leave it out for the global one."
            )
        self._tracer = trace.get_tracer(_PREFIX, __version__, tracer_provider=tracer_provider)
        self._spans: dict[int, trace.Span] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SpanHook({len(self._spans)} open)"

    def __call__(self, event: CallEvent) -> None:
        if event.kind == "request":
            if event.attempt == 1:
                span = self._tracer.start_span(
                    f"{_PREFIX} {event.operation}",
                    kind=trace.SpanKind.CLIENT,
                    attributes=_attributes(event),
                )
                with self._lock:
                    self._spans[event.call_id] = span
            return
        with self._lock:
            open_span = (
                self._spans.get(event.call_id)
                if event.kind == "retry"
                else self._spans.pop(event.call_id, None)
            )
        if open_span is None:  # the hook was added to a client while this call was going
            return
        self._update(open_span, event)

    def _update(self, span: trace.Span, event: CallEvent) -> None:
        span.set_attributes(_attributes(event))
        if event.kind == "retry":
            span.add_event(
                "retry",
                {
                    k: v
                    for k, v in {
                        "syftbox_accounting.attempt": event.attempt,
                        "syftbox_accounting.error": event.error,
                        "syftbox_accounting.wait_s": event.wait,
                        "http.response.status_code": event.status,
                    }.items()
                    if v is not None
                },
            )
            return
        if event.kind == "error":
            span.set_status(trace.Status(trace.StatusCode.ERROR, event.error_code or event.error))
        span.end()


def _attributes(event: CallEvent) -> dict[str, Any]:
    found: dict[str, Any] = {
        f"{_PREFIX}.operation": event.operation,
        "http.request.method": event.method,
        "url.path": event.path,
        "http.response.status_code": event.status,
        f"{_PREFIX}.attempts": event.attempt,
        f"{_PREFIX}.elapsed_ms": round(event.elapsed_ms, 3),
        f"{_PREFIX}.request_id": event.request_id,
        f"{_PREFIX}.idempotency_key": event.idempotency_key,
    }
    if event.kind == "error":
        found["error.type"] = event.error
        found[f"{_PREFIX}.error_code"] = event.error_code
    return {k: v for k, v in found.items() if v is not None}
