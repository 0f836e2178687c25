"""An async call's deadline over the whole exchange, on asyncio (one timer per event
loop for every call in flight, `deadline_watch`) and trio (a cancel scope per call):
it ends a transport that never answers, only the call it belongs to, and tells itself
apart from a cancellation of the caller's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio
import httpx
import pytest

from syftbox_accounting import AccountingClient, ServiceException
from tests.facade.helpers import USER, user_client

pytestmark = pytest.mark.anyio

Handler = Callable[[httpx.Request], Awaitable[httpx.Response]]


def _client(handler: Handler, deadline: float) -> AccountingClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return user_client(async_http_client=http, deadline=deadline)


class _Hanging:
    """A transport's handler that answers only the requests after the first `hang`,
    and says when a request reached it and when a hung one was cancelled."""

    def __init__(self, hang: int = 1_000_000) -> None:
        self.hang = hang
        self.seen = 0
        self.reached = anyio.Event()
        self.cancelled = anyio.Event()

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen += 1
        if self.seen > self.hang:
            return httpx.Response(200, json={"user": USER})
        self.reached.set()
        try:
            await anyio.sleep_forever()
        except anyio.get_cancelled_exc_class():
            self.cancelled.set()
            raise
        raise AssertionError("sleep_forever returned")


async def test_a_transport_that_never_answers_ends_at_the_deadline() -> None:
    handler = _Hanging()
    async with _client(handler, deadline=0.2) as client:
        with pytest.raises(ServiceException) as caught:
            await client.get_account_balance_async()
    assert "no complete answer within the 0.2 s deadline" in caught.value.message
    assert handler.cancelled.is_set()
    assert handler.seen == 1  # a deadline is never retried


async def test_cancelling_the_caller_is_a_cancellation_not_a_deadline() -> None:
    handler = _Hanging()
    failures: list[BaseException] = []

    async def call(client: AccountingClient) -> None:
        try:
            await client.get_account_balance_async()
        except Exception as exc:  # a deadline would surface here
            failures.append(exc)

    async with _client(handler, deadline=60) as client, anyio.create_task_group() as group:
        group.start_soon(call, client)
        await handler.reached.wait()
        group.cancel_scope.cancel()
    assert group.cancel_scope.cancelled_caught
    assert handler.cancelled.is_set()
    assert failures == []


async def test_a_deadline_ends_only_its_own_call() -> None:
    # The long call is in flight first: the short one's earlier deadline still holds,
    # and ends it alone.
    long, short = _Hanging(), _Hanging()
    async with (
        _client(long, deadline=60) as patient,
        _client(short, deadline=0.2) as hurried,
        anyio.create_task_group() as group,
    ):
        group.start_soon(patient.get_account_balance_async)
        await long.reached.wait()
        with pytest.raises(ServiceException) as caught:
            await hurried.get_account_balance_async()
        assert "within the 0.2 s deadline" in caught.value.message
        assert short.cancelled.is_set()
        assert not long.cancelled.is_set()
        group.cancel_scope.cancel()
    assert long.cancelled.is_set()


async def test_a_task_calls_again_after_a_deadline(anyio_backend: str) -> None:
    # The deadline's cancellation is spent on the call it ended: the same task's next
    # call runs to its answer, and nothing is left pending.
    handler = _Hanging(hang=1)
    async with _client(handler, deadline=0.2) as client:
        with pytest.raises(ServiceException):
            await client.get_account_balance_async()
        assert await client.get_account_balance_async() == USER["balance"]
        await anyio.sleep(0)  # a cancellation left pending would land here
        if anyio_backend == "asyncio":
            import asyncio

            from syftbox_accounting.deadline_watch import watch_for

            task = asyncio.current_task()
            assert task is not None
            assert task.cancelling() == 0
            assert watch_for(asyncio.get_running_loop()).calls == {}
