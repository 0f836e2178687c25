"""The `[otel]` extra: one OpenTelemetry span per call to the service, with the hook
event's attributes, read back through the SDK's in-memory exporter; and the library
never loads OpenTelemetry unless a program uses `syftbox_accounting.otel`."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk", reason="the [otel] extra is not installed")

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)
from opentelemetry.trace import SpanKind, StatusCode

from syftbox_accounting import InsufficientFundsError, InvalidInputError
from syftbox_accounting.otel import SpanHook
from tests.facade.helpers import SECRETS

pytestmark = pytest.mark.accounting_service(mode="in-process")


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    yield exporter
    exporter.shutdown()


def _hook(exporter: InMemorySpanExporter) -> SpanHook:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return SpanHook(tracer_provider=provider)


def _traced(accounting_service: Any, exporter: InMemorySpanExporter, balance: int) -> Any:
    """A new account (made untraced), traced from now on."""
    return accounting_service.create_account(balance=balance).with_options(hooks=[_hook(exporter)])


def test_one_span_per_call_with_its_attributes(
    accounting_service: Any, spans: InMemorySpanExporter
) -> None:
    payer = _traced(accounting_service, spans, 10)
    service = accounting_service.create_account()
    payer.transfer(service.get_email(), 1.5, idempotency_key="rent-12")

    create, confirm = spans.get_finished_spans()
    for span, path in ((create, "/transaction/create"), (confirm, "/transaction/confirm")):
        assert span.name == "syftbox_accounting transfer"
        assert span.kind is SpanKind.CLIENT
        attributes = dict(span.attributes or {})
        assert attributes["syftbox_accounting.operation"] == "transfer"
        assert attributes["http.request.method"] == "POST"
        assert attributes["url.path"] == path
        assert attributes["http.response.status_code"] == 200
        assert attributes["syftbox_accounting.attempts"] == 1
        assert float(attributes["syftbox_accounting.elapsed_ms"]) >= 0
        assert str(attributes["syftbox_accounting.request_id"]).startswith("req_")
        assert span.status.status_code is StatusCode.UNSET
    assert dict(create.attributes or {})["syftbox_accounting.idempotency_key"] == "rent-12"
    assert dict(confirm.attributes or {})["syftbox_accounting.idempotency_key"] == (
        "rent-12:confirm"
    )


def test_a_failed_call_is_an_error_span(
    accounting_service: Any, spans: InMemorySpanExporter
) -> None:
    payer = _traced(accounting_service, spans, 1)
    service = accounting_service.create_account()
    with pytest.raises(InsufficientFundsError):
        payer.transfer(service.get_email(), 5)
    (span,) = spans.get_finished_spans()
    attributes = dict(span.attributes or {})
    assert span.status.status_code is StatusCode.ERROR
    assert attributes["error.type"] == "InsufficientFundsError"
    assert attributes["syftbox_accounting.error_code"] == "insufficient_funds"
    assert attributes["http.response.status_code"] == 409
    shown = str(attributes) + str(span.to_json())
    assert not any(secret in shown for secret in SECRETS)
    assert payer._transport._secrets[0] not in shown  # its password


def test_retries_are_events_of_one_span(
    accounting_service: Any, spans: InMemorySpanExporter
) -> None:
    payer = _traced(accounting_service, spans, 1)
    accounting_service.faults.status("getMyInfo", 503, retry_after=0)
    assert payer.get_account_balance() == 1.0
    (span,) = spans.get_finished_spans()
    assert dict(span.attributes or {})["syftbox_accounting.attempts"] == 2
    (retry,) = span.events
    assert retry.name == "retry"
    assert dict(retry.attributes or {})["http.response.status_code"] == 503


@pytest.mark.anyio
async def test_async_calls_make_the_same_spans(
    accounting_service: Any, spans: InMemorySpanExporter
) -> None:
    payer = _traced(accounting_service, spans, 10)
    service = accounting_service.create_account()
    await payer.transfer_async(service.get_email(), 1)
    await payer.get_account_info()
    names = sorted(s.name for s in spans.get_finished_spans())
    assert (
        names == ["syftbox_accounting get_account_info"] * 3 + ["syftbox_accounting transfer"] * 2
    )


@pytest.mark.parametrize(
    "wrong",
    [lambda: TracerProvider().get_tracer("mine"), lambda: "provider", lambda: 5, lambda: object()],
    ids=["a tracer", "a string", "a number", "an object"],
)
def test_something_else_than_a_tracer_provider_is_refused_by_name(wrong: Any) -> None:
    with pytest.raises(InvalidInputError) as caught:
        SpanHook(tracer_provider=wrong())
    assert "tracer_provider must be an OpenTelemetry TracerProvider" in str(caught.value)
    assert "trace.get_tracer_provider()" in str(caught.value)  # what to pass instead


def test_the_library_never_loads_opentelemetry_by_itself() -> None:
    # The extra is installed here; the core must still not import it, with or without
    # hooks, so its import cost is the same as without the extra.
    script = (
        "import sys\n"
        "from syftbox_accounting import AccountingClient, AdminClient\n"
        "AccountingClient('http://127.0.0.1:1', hooks=[print]).with_options(timeout=1)\n"
        "AdminClient('http://127.0.0.1:1', 'k' * 32)\n"
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
