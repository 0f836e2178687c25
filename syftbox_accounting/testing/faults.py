"""Failures on demand: make the next requests of an operation fail in a named way.

`Faults` is what tests use (``accounting_service.faults``); `FaultInjector` is the ASGI
middleware in the service that applies them, over loopback and in process alike.

>>> accounting_service.faults.lose_answer("confirmTransaction")   # committed, answer lost
>>> accounting_service.faults.status("getMyInfo", 503, retry_after=0, times=3)
>>> accounting_service.faults.error("createTransaction", "insufficient_funds")

Operations are named by their `operationId` in `openapi.yaml`. A fault fires on the
next `times` requests of its operation (every one until the test ends with
``times=None``), from `account` only when given: the account whose Basic credentials
or API key the request carries, or for a request without them (`createUser`, the admin
operations) the account it names.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import http
import json
import math
import secrets
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Literal

from syftbox_accounting.testing.connection import connection_of

if TYPE_CHECKING:
    import re

    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from syftbox_accounting.testing.contract import Contract

__all__ = ["Fault", "FaultInjector", "Faults"]

# The header of the harness's own setup requests (its value: `Faults.setup_header`).
SETUP_HEADER = "x-accounting-test-setup"
Kind = Literal["lose_answer", "lose_request", "reset", "delay", "status", "error"]
_WHAT: dict[str, str] = {
    "lose_answer": "the change is made, then the connection closes without an answer",
    "lose_request": "the connection closes before the service acts: nothing changes",
    "reset": "the connection is reset (RST) before the service acts: nothing changes",
    "delay": "the change is made and answered late",
    "status": "answered with a status instead, nothing changes",
    "error": "refused with a contract error instead, nothing changes",
}


@dataclasses.dataclass(eq=False)
class Fault:
    """One fault armed by a test.

    Attributes:
        kind: ``lose_answer``, ``lose_request``, ``reset``, ``delay``, ``status`` or
            ``error``.
        operation: the `operationId` it fires on; `account`, when set, the account.
        times: how many requests it fires on (None: every one until the test ends).
        hits: how many it has fired on so far.
        status, headers, body: the answer it sends instead (``status``, ``error``).
        seconds: how late it answers (``delay``).
    """

    kind: Kind
    operation: str
    account: str | None
    times: int | None
    seconds: float = 0.0
    status: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    hits: int = 0

    @property
    def remaining(self) -> int | None:
        """How many more requests it fires on (None: no limit)."""
        return None if self.times is None else self.times - self.hits

    def __repr__(self) -> str:
        who = f" from {self.account}" if self.account else ""
        detail = {
            "delay": f" {self.seconds:g} s",
            "status": f" {self.status}",
            "error": f" {self.status} {self._code()}",
        }.get(self.kind, "")
        times = "every request" if self.times is None else f"{self.times} time(s)"
        return f"<Fault {self.kind}{detail} on {self.operation}{who}, {times}, fired {self.hits}>"

    def describe(self) -> str:
        """A sentence: what it does."""
        return f"{self!r}: {_WHAT[self.kind]}"

    def _code(self) -> str:
        try:
            return str(json.loads(self.body)["code"])
        except (ValueError, KeyError, TypeError):
            return ""


class _Endpoint:
    def __init__(self, operation: str, method: str, pattern: re.Pattern[str]) -> None:
        self.operation, self.method, self.pattern = operation, method, pattern


def _endpoints() -> list[_Endpoint]:
    """The service's operations, matched as the service routes them."""
    from starlette.routing import compile_path

    from syftbox_accounting.server.app import ENDPOINTS

    ordered = sorted(ENDPOINTS, key=lambda e: "{" in e.path)  # fixed paths first
    return [_Endpoint(e.operation_id, e.method, compile_path(e.path)[0]) for e in ordered]


class Faults:
    """The faults armed for the current test (``accounting_service.faults``).

    Each method arms one fault and returns it (its ``hits`` say how often it fired);
    they take `times` (default 1; None for every matching request until the test
    ends) and `account` (an email: only that account's requests). A fault that never
    fired fails the test at teardown, unless the test failed already: it names an
    operation or account the test never reached.

    Raises (every method):
        ValueError: an operation that is not an `operationId` of the contract, or a
            value out of range; the message says what is allowed.
    """

    def __init__(
        self, contract: Callable[[], Contract] | None = None, *, injected: bool = True
    ) -> None:
        self._injected = injected
        # Sent by the harness's own setup requests (`create_account`), which no fault
        # armed for the code under test may take: secret, so no other request passes
        # for one.
        self.setup_header = (SETUP_HEADER, secrets.token_urlsafe(18))
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._endpoints = _endpoints()
        self._operations = {e.operation for e in self._endpoints}
        self._contract = contract

    def __repr__(self) -> str:
        return f"Faults({self._faults!r})"

    def __bool__(self) -> bool:
        """Whether any fault is armed in this test (fired or not)."""
        return bool(self._faults)  # one read of a reference: no lock needed

    def is_setup(self, scope: Scope) -> bool:
        """Whether the request is the harness's own setup (see `setup_header`)."""
        name, value = self.setup_header[0].encode(), self.setup_header[1].encode()
        return any(key == name and sent == value for key, sent in scope["headers"])

    # -- arming

    def lose_answer(
        self, operation: str, *, times: int | None = 1, account: str | None = None
    ) -> Fault:
        """The service makes the change (it is committed), then the connection closes
        without an answer: the client sees the connection dropped
        (`httpx.RemoteProtocolError`). A request sent again with the same
        `Idempotency-Key` gets the stored answer, as the library does."""
        return self._add(Fault("lose_answer", *self._where(operation, account, times)))

    def lose_request(
        self, operation: str, *, times: int | None = 1, account: str | None = None
    ) -> Fault:
        """The connection closes after the request arrived, before the service acted
        on it: nothing changes; the client sees the connection dropped."""
        return self._add(Fault("lose_request", *self._where(operation, account, times)))

    def reset(self, operation: str, *, times: int | None = 1, account: str | None = None) -> Fault:
        """The connection is reset (TCP RST) after the request arrived, before the
        service acted on it: nothing changes; the client sees `httpx.ReadError`."""
        return self._add(Fault("reset", *self._where(operation, account, times)))

    def delay(
        self,
        operation: str,
        seconds: float,
        *,
        times: int | None = 1,
        account: str | None = None,
    ) -> Fault:
        """The service makes the change, then answers `seconds` late. A client whose
        read timeout is shorter gives up (`httpx.ReadTimeout`) with the change made."""
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise ValueError(f"seconds must be a number, not {type(seconds).__name__}.")
        try:
            number = float(seconds)
        except OverflowError:  # an int beyond a float's range, such as 10**400
            number = math.inf
        if not (math.isfinite(number) and number > 0):
            raise ValueError(f"seconds must be a positive number, got {number}.")
        where = self._where(operation, account, times)
        return self._add(Fault("delay", *where, seconds=number))

    def status(
        self,
        operation: str,
        status: int,
        *,
        retry_after: int | None = None,
        times: int | None = 1,
        account: str | None = None,
    ) -> Fault:
        """The service answers `status` (400 to 599) without acting: with the body the
        contract documents for that status of `operation` (its first example), or,
        for a status it does not document (a gateway's 502 or 504), a plain-text
        reason phrase. `retry_after` (whole seconds) adds a ``Retry-After`` header.
        Needs the contract (the `testing` extra)."""
        where = self._where(operation, account, times)
        if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
            raise ValueError(f"status must be an HTTP error status, 400 to 599, not {status!r}.")
        headers: list[tuple[str, str]] = []
        if retry_after is not None:
            if isinstance(retry_after, bool) or not isinstance(retry_after, int) or retry_after < 0:
                raise ValueError(
                    f"retry_after must be a whole number of seconds (0 or more), not "
                    f"{retry_after!r}: the contract's Retry-After is an integer."
                )
            headers.append(("retry-after", str(retry_after)))
        contract = self._contract_now()
        documented = contract.response(operation, status)
        if documented is not None and contract.examples(operation, status):
            body = json.dumps(contract.example(operation, status)).encode()
            headers.append(("content-type", "application/json"))
        else:
            body = f"{status} {http.HTTPStatus(status).phrase}".encode()
            headers.append(("content-type", "text/plain; charset=utf-8"))
        return self._add(Fault("status", *where, status=status, headers=tuple(headers), body=body))

    def error(
        self,
        operation: str,
        code: str,
        *,
        status: int | None = None,
        message: str | None = None,
        times: int | None = 1,
        account: str | None = None,
    ) -> Fault:
        """The service refuses the request with the contract's error `code`
        (``insufficient_funds``, ``token_expired``, ...) without acting: with the
        status and body of the contract's example of that code for `operation`
        (`message` replaces the example's). For a code the contract shows no example
        of for `operation` (``token_invalid`` on ``createTransaction``), pass the
        `status`. Needs the contract (the `testing` extra)."""
        where = self._where(operation, account, times)
        if not isinstance(code, str):
            raise ValueError(f"code must be an error code (a str), not {type(code).__name__}.")
        answer_status, body = self._contract_now().error_answer(
            operation, code, status=status, message=message
        )
        return self._add(
            Fault(
                "error",
                *where,
                status=answer_status,
                headers=(("content-type", "application/json"),),
                body=json.dumps(body).encode(),
            )
        )

    def clear(self) -> list[Fault]:
        """Disarm every fault; returns them."""
        with self._lock:
            cleared, self._faults = self._faults, []
        return cleared

    @property
    def armed(self) -> list[Fault]:
        """The faults of this test, in the order they were armed."""
        with self._lock:
            return list(self._faults)

    def unused(self) -> list[Fault]:
        """The faults that never fired."""
        with self._lock:
            return [f for f in self._faults if f.hits == 0]

    def _where(
        self, operation: str, account: str | None, times: int | None
    ) -> tuple[str, str | None, int | None]:
        if operation not in self._operations:
            from syftbox_accounting.testing.contract import unknown_operation

            raise ValueError(unknown_operation(operation, self._operations))
        if account is not None and (not isinstance(account, str) or "@" not in account):
            raise ValueError(f"account must be an email address, not {account!r}.")
        if times is not None and (
            isinstance(times, bool) or not isinstance(times, int) or times < 1
        ):
            raise ValueError(
                f"times must be a whole number of at least 1, or None for every request, "
                f"not {times!r}."
            )
        return operation, account, times

    def _add(self, fault: Fault) -> Fault:
        if not self._injected:
            raise RuntimeError(
                "This service has no fault injector: faults need the accounting_service "
                "fixture's service (syftbox_accounting.testing.harness.SessionService)."
            )
        with self._lock:
            self._faults.append(fault)
        return fault

    def _contract_now(self) -> Contract:
        if self._contract is not None:
            return self._contract()
        from syftbox_accounting.testing.contract import Contract

        return Contract.shipped()

    # -- firing (called by the injector, in the service)

    def operation_of(self, method: str, path: str) -> str | None:
        for endpoint in self._endpoints:
            if endpoint.method == method and endpoint.pattern.match(path):
                return endpoint.operation
        return None

    def waiting(self, operation: str) -> tuple[bool, bool]:
        """Whether a fault may fire on `operation`, and whether one needs the account."""
        with self._lock:
            live = [f for f in self._faults if f.operation == operation and f.remaining != 0]
        return bool(live), any(f.account is not None for f in live)

    def take(self, operation: str, account: str | None) -> Fault | None:
        """The first armed fault for this request, counted as fired; None if none."""
        who = account.casefold() if account else None
        with self._lock:
            for fault in self._faults:
                if fault.operation != operation or fault.remaining == 0:
                    continue
                if fault.account is not None and fault.account.casefold() != who:
                    continue
                fault.hits += 1
                return dataclasses.replace(fault)
        return None


class FaultInjector:
    """ASGI middleware that applies `faults` to the requests reaching `app`; with no
    fault armed it only passes requests through."""

    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.faults or self.faults.is_setup(scope):
            await self.app(scope, receive, send)
            return
        operation = self.faults.operation_of(scope["method"], scope["path"])
        armed, by_account = (False, False) if operation is None else self.faults.waiting(operation)
        if not armed or operation is None:
            await self.app(scope, receive, send)
            return
        body: bytes | None = None
        if by_account:
            body = await _read(receive)
            receive = _replay(body)
        fault = self.faults.take(operation, _account(scope, body) if by_account else None)
        if fault is None:
            await self.app(scope, receive, send)
            return
        await self._apply(fault, scope, receive, send, already_read=body is not None)

    async def _apply(
        self, fault: Fault, scope: Scope, receive: Receive, send: Send, *, already_read: bool
    ) -> None:
        connection = connection_of(scope)
        if fault.kind == "lose_answer":
            await self.app(scope, receive, _discard)
            await connection.drop(reset=False)
        elif fault.kind == "delay":
            answer: list[Message] = []

            async def keep(message: Message) -> None:
                answer.append(message)

            await self.app(scope, receive, keep)
            await connection.sleep(fault.seconds)
            for message in answer:
                await send(message)
        else:
            if not already_read:
                await _read(receive)  # the request arrived whole; nothing acts on it
            if fault.kind in ("lose_request", "reset"):
                await connection.drop(reset=fault.kind == "reset")
                return
            assert fault.status is not None
            headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in fault.headers]
            headers.append((b"content-length", str(len(fault.body)).encode()))
            await send({"type": "http.response.start", "status": fault.status, "headers": headers})
            await send({"type": "http.response.body", "body": fault.body})


async def _discard(message: Message) -> None:
    """The answer that is lost."""


async def _read(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    given = False

    async def receive() -> Message:
        nonlocal given
        if given:
            return {"type": "http.disconnect"}
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _account(scope: Scope, body: bytes | None) -> str | None:
    """The account a request comes from: its Basic credentials' email or its API key's
    account, else the email its body or path names (createUser, addBalance, getUser)."""
    headers: Iterable[tuple[bytes, bytes]] = scope.get("headers", ())
    authorization = next((v for k, v in headers if k == b"authorization"), b"")
    scheme, _, encoded = authorization.partition(b" ")
    if scheme.lower() == b"bearer" and encoded.strip().startswith(b"sbk_"):
        # Not the email its body names (a token's recipient): the key's own account.
        # Starlette puts the app in the scope before its middleware runs.
        service = scope["app"].state.service
        return service.api_keys.owner(authorization.decode("latin-1"))  # type: ignore[no-any-return]
    if scheme.lower() == b"basic":
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            return None
        for encoding in ("utf-8", "latin-1"):
            try:
                return decoded.decode(encoding).partition(":")[0]
            except UnicodeDecodeError:
                continue
    try:
        document: Any = json.loads(body) if body else None
    except ValueError:
        document = None
    if isinstance(document, dict):
        for field in ("email", "recipientEmail"):
            if isinstance(document.get(field), str):
                return str(document[field])
    path: str = scope.get("path", "")
    if path.startswith("/user/"):
        return path.removeprefix("/user/")
    return None
