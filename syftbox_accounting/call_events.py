"""Telling the user's hooks how one call goes (`hooks.CallEvent`): kept out of the
drivers, so that sync and async calls tell the same."""

from __future__ import annotations

import time
from typing import Any

from syftbox_accounting import errors
from syftbox_accounting import hooks as _hooks
from syftbox_accounting.calls import Call
from syftbox_accounting.errors import AccountingError
from syftbox_accounting.fetching import Answer, Outcome

REQUEST_ID_HEADER = "x-request-id"  # as `fetching.Answer` names it


class Teller:
    """Tells the hooks about one call: its request, retries, answer or error."""

    def __init__(
        self, hooks: _hooks.Hooks, call: Call[Any], operation: str, secrets: tuple[str, ...]
    ) -> None:
        self.hooks, self.call, self.operation = hooks, call, operation
        self.secrets = call.secrets + secrets
        self.call_id = _hooks.next_call_id()
        self.started = time.perf_counter()

    def __call__(
        self,
        kind: _hooks.EventKind,
        attempt: int,
        outcome: Outcome | None = None,
        *,
        failure: AccountingError | None = None,
        wait: float | None = None,
    ) -> None:
        answer = outcome if isinstance(outcome, Answer) else None
        what: str | None = None
        if failure is not None:
            what = type(failure).__name__
        elif answer is not None and kind == "retry":
            what = f"HTTP {answer.status_code}"
        elif outcome is not None and answer is None:
            what = type(outcome).__name__
        request_id = answer.headers.get(REQUEST_ID_HEADER) if answer is not None else None
        if request_id is not None:  # the service's echo, as an error keeps it
            request_id = errors.redact(request_id, self.secrets)[:128]
        _hooks.emit(
            self.hooks,
            _hooks.CallEvent(
                kind=kind,
                operation=self.operation,
                method=self.call.method,
                path=self.call.path,
                attempt=attempt + 1,
                status=answer.status_code if answer is not None else None,
                elapsed_ms=(time.perf_counter() - self.started) * 1000,
                request_id=failure.request_id if failure is not None else request_id,
                idempotency_key=self.call.idempotency_key,
                error=what,
                error_code=failure.code if failure is not None else None,
                wait=wait,
                call_id=self.call_id,
            ),
        )
