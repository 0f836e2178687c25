"""Mocked answers of the accounting service that the contract allows, for
pytest-httpx and respx.

`ContractMock` registers answers built from `openapi.yaml`'s own examples (or yours),
checks each one against the contract when it is registered, and checks every request
sent to the mocked service when it is sent and again at the end of the test. A wrong
type or a missing required field fails the test at the line that registered it, with
a `ContractViolation` that names the field and the rule.

>>> def test_low_balance(httpx_mock):              # or the accounting_mock fixture
...     mock = ContractMock(httpx_mock)
...     user = mock.example("getMyInfo")
...     user["user"]["balance"] = 1.5
...     mock.add("getMyInfo", json=user)
...     client = AccountingClient(mock.url, "alice@example.com", "correct-horse")
...     assert client.get_account_balance() == 1.5
...     mock.check_requests()

Like the reference service, its answers echo a request's `Idempotency-Key` and carry
an `X-Request-Id` and `Accounting-Features`, as the contract says every answer does,
and it answers the library's request for those features (with pytest-httpx): a
client may hold, capture and refund against it. ``features=()`` mocks a service
that announces none (the public one).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import TracebackType
from typing import Any, Self

import httpx

from syftbox_accounting.calls import FEATURES_PROBE
from syftbox_accounting.testing.contract import Contract, ContractViolation, Operation

__all__ = ["DEFAULT_URL", "ContractMock", "ContractViolation"]

DEFAULT_URL = "https://accounting.example.com"
_EXAMPLE: Any = object()  # `add`'s default answer: the contract's example
_FEATURES = "Accounting-Features"


class ContractMock:
    """Contract-checked answers of the accounting service at `url`, registered with
    `router`: pytest-httpx's ``httpx_mock`` or a respx router (``respx_mock``).

    Use it as a context manager, or call `check_requests()` at the end of the test
    (the `accounting_mock` fixture does). Every answer announces `features` (default:
    all the contract defines, as the reference service does; ``()``: none, as the
    public service) unless it was given its own ``Accounting-Features`` header.

    Raises:
        TypeError: `router` is neither.
    """

    def __init__(
        self,
        router: Any,
        url: str = DEFAULT_URL,
        *,
        contract: Contract | None = None,
        echo_idempotency_key: bool = True,
        features: Iterable[str] | None = None,
    ) -> None:
        if hasattr(router, "add_callback") and hasattr(router, "get_requests"):
            self._register: Callable[..., None] = self._with_pytest_httpx
        elif hasattr(router, "route") and hasattr(router, "calls"):
            self._register = self._with_respx
        else:
            raise TypeError(
                "ContractMock needs pytest-httpx's httpx_mock or a respx router (respx_mock), "
                f"not {type(router).__name__}."
            )
        self.router = router
        self.url = url.rstrip("/")
        self.contract = contract or Contract.shipped()
        self.echo_idempotency_key = echo_idempotency_key
        self._ids = itertools.count(1)
        names = self.contract.features if features is None else tuple(features)
        # No header at all for none: what a service without features sends.
        self._announced = {_FEATURES: ", ".join(names)} if names else {}
        if self._register == self._with_pytest_httpx:
            self._answer_probe()

    def __repr__(self) -> str:
        return f"ContractMock({self.url!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.check_requests()

    # -- answers

    def example(self, operation: str, status: int | None = None, name: str | None = None) -> Any:
        """The contract's example answer (a copy, yours to change): the first for
        `status` (default: the success status), or the one called `name`."""
        return self.contract.example(operation, status, name)

    def add(
        self,
        operation: str,
        json: Any = _EXAMPLE,
        *,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
        reusable: bool = False,
        optional: bool = False,
    ) -> None:
        """Answer the next request of `operation` (an `operationId`) with `json` and
        `status` (default: its success status and the contract's example for it).
        `reusable` answers every such request; `optional` lets the test end without
        one (pytest-httpx only).

        Raises:
            ContractViolation: the answer breaks the contract (an undocumented status,
                a body or header that does not fit its schema).
            ValueError: an unknown operation, or no example to default to.
        """
        op = self.contract.operation(operation)
        status = self.contract.success_status(op.id) if status is None else status
        body = self.contract.example(op.id, status) if json is _EXAMPLE else json
        self.contract.check_answer(op.id, status, body, headers)
        self._register(op, self._answerer(op, status, body, headers or {}), reusable, optional)

    def error(
        self,
        operation: str,
        code: str,
        *,
        status: int | None = None,
        message: str | None = None,
        headers: Mapping[str, str] | None = None,
        reusable: bool = False,
        optional: bool = False,
    ) -> None:
        """Refuse the next request of `operation` with the contract's error `code`,
        with the status and body of the contract's example of it (see
        `Contract.error_answer`); `message` replaces the example's."""
        answer_status, body = self.contract.error_answer(
            operation, code, status=status, message=message
        )
        self.add(
            operation,
            body,
            status=answer_status,
            headers=headers,
            reusable=reusable,
            optional=optional,
        )

    def _answerer(
        self, op: Operation, status: int, body: Any, headers: Mapping[str, str]
    ) -> Callable[[httpx.Request], httpx.Response]:
        content = json.dumps(body).encode()

        def answer(request: httpx.Request) -> httpx.Response:
            self.contract.check_request(request, self.url)
            sent = {"Content-Type": "application/json", **headers}
            if not any(name.lower() == _FEATURES.lower() for name in headers):
                sent.update(self._announced)
            key = request.headers.get("Idempotency-Key")
            if key is not None and self.echo_idempotency_key:
                sent.setdefault("Idempotency-Key", key)
            sent.setdefault("X-Request-Id", f"req_mock_{next(self._ids)}")
            return httpx.Response(status, headers=sent, content=content, request=request)

        return answer

    def _answer_probe(self) -> None:
        """Answer the client's unauthenticated getMyInfo that asks what the service
        supports (marked `FEATURES_PROBE`) as the service does, with the contract's 401,
        as often as clients ask; no other request takes this answer, nor the probe
        another answer (pytest-httpx only: a respx route nobody called fails
        ``assert_all_called``, so there the first getMyInfo registered answers it)."""
        op = self.contract.operation("getMyInfo")
        body = self.contract.example(op.id, 401)
        self.contract.check_answer(op.id, 401, body, self._announced)
        self.router.add_callback(
            self._answerer(op, 401, body, {}),
            method=op.method,
            url=self._pattern(op),
            match_extensions={FEATURES_PROBE: True},
            is_reusable=True,
            is_optional=True,
        )

    # -- registering

    def _pattern(self, op: Operation) -> re.Pattern[str]:
        """The URLs of `op` at this mock's address, as sent (percent-encoded)."""
        parts = re.split(r"\{[^}]+\}", op.path)
        value = ""
        if op.templated:
            # Not the fixed paths the template also matches (/user/my-info).
            fixed = [
                other.path.removeprefix(parts[0])
                for other in self.contract.operations.values()
                if not other.templated and other.path.startswith(parts[0])
            ]
            value = "".join(f"(?!{re.escape(f)}(?:[?#]|$))" for f in fixed) + "[^?#]+"
        path = value.join(re.escape(part) for part in parts)
        return re.compile(f"^{re.escape(self.url)}{path}(?:\\?.*)?$")

    def _with_pytest_httpx(
        self,
        op: Operation,
        answer: Callable[[httpx.Request], httpx.Response],
        reusable: bool,
        optional: bool,
    ) -> None:
        self.router.add_callback(
            answer,
            method=op.method,
            url=self._pattern(op),
            # Not the features probe (`_answer_probe` answers it): None for every
            # request without the mark.
            match_extensions={FEATURES_PROBE: None},
            is_reusable=reusable,
            is_optional=optional,
        )

    def _with_respx(
        self,
        op: Operation,
        answer: Callable[[httpx.Request], httpx.Response],
        reusable: bool,
        optional: bool,
    ) -> None:
        self.router.route(method=op.method, url__regex=self._pattern(op).pattern).mock(
            side_effect=answer
        )

    # -- requests

    def requests(self) -> Iterator[httpx.Request]:
        """The requests sent to this mock's address so far."""
        if hasattr(self.router, "get_requests"):
            sent = list(self.router.get_requests())
        else:
            sent = [call.request for call in self.router.calls]
        return (r for r in sent if str(r.url).startswith(self.url))

    def check_requests(self) -> None:
        """Check every request sent to this mock's address against the contract.

        Raises:
            ContractViolation: the first request that breaks it.
        """
        for request in self.requests():
            self.contract.check_request(request, self.url)
