"""An async call's deadline over the whole exchange, on asyncio (one timer per event
loop for every call in flight, `deadline_watch`) and trio (a cancel scope per call):
it ends a transport that never answers, only the call it belongs to, and tells itself
apart from a cancellation of the caller's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio
import anyio.abc
import anyio.lowlevel
import httpx
import pytest

from syftbox_accounting import AccountingClient, ServiceException
from tests.facade.helpers import USER, user_client

pytestmark = pytest.mark.anyio

Handler = Callable[[httpx.Request], Awaitable[httpx.Response]]
# The deadline of calls that must end with an answer: a ceiling reached only when
# something is broken. Only calls that hang get a short deadline, so that no outcome
# depends on how fast the machine is.
_PATIENCE = 60.0


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


async def _call_noting_failures(client: AccountingClient, failures: list[BaseException]) -> None:
    """A balance read whose failure (a deadline would be one) is noted, not raised."""
    try:
        await client.get_account_balance_async()
    except Exception as exc:
        failures.append(exc)


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

    async with _client(handler, deadline=_PATIENCE) as client, anyio.create_task_group() as group:
        group.start_soon(_call_noting_failures, client, failures)
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
        _client(long, deadline=_PATIENCE) as patient,
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
    async with _client(handler, deadline=0.2) as hurried, _client(handler, _PATIENCE) as client:
        with pytest.raises(ServiceException):
            await hurried.get_account_balance_async()
        assert await client.get_account_balance_async() == USER["balance"]
        await anyio.lowlevel.checkpoint()  # a cancellation left pending would land here
        if anyio_backend == "asyncio":
            import asyncio

            from syftbox_accounting.deadline_watch import watch_for

            task = asyncio.current_task()
            assert task is not None
            assert task.cancelling() == 0
            assert watch_for(asyncio.get_running_loop()).calls == {}


async def test_a_shorter_deadline_of_the_caller_stays_the_callers(anyio_backend: str) -> None:
    handler = _Hanging()

    async def caller_deadline_passes(scope: anyio.CancelScope) -> None:
        await handler.reached.wait()
        scope.deadline = anyio.current_time()  # the caller's deadline, due now

    async def call_until_the_callers_deadline(
        client: AccountingClient, group: anyio.abc.TaskGroup
    ) -> None:
        with anyio.fail_after(_PATIENCE) as scope:
            group.start_soon(caller_deadline_passes, scope)
            await client.get_account_balance_async()

    async with _client(handler, _PATIENCE) as client, anyio.create_task_group() as group:
        with pytest.raises(TimeoutError):
            await call_until_the_callers_deadline(client, group)
        assert handler.cancelled.is_set()
        _no_cancellation_left(anyio_backend)


async def test_a_shorter_deadline_of_ours_leaves_the_callers_running(anyio_backend: str) -> None:
    handler = _Hanging(hang=1)
    async with _client(handler, deadline=0.05) as hurried, _client(handler, _PATIENCE) as client:
        with anyio.fail_after(_PATIENCE) as scope:
            with pytest.raises(ServiceException) as caught:
                await hurried.get_account_balance_async()
            assert await client.get_account_balance_async() == USER["balance"]
        assert not scope.cancel_called
        assert "within the 0.05 s deadline" in caught.value.message
        _no_cancellation_left(anyio_backend)


async def test_a_sibling_failing_in_a_task_group_cancels_the_call() -> None:
    handler = _Hanging()
    failures: list[BaseException] = []

    async def sibling() -> None:
        await handler.reached.wait()
        raise LookupError("the sibling's")

    async with _client(handler, deadline=_PATIENCE) as client:
        with pytest.RaisesGroup(LookupError):
            async with anyio.create_task_group() as group:
                group.start_soon(_call_noting_failures, client, failures)
                group.start_soon(sibling)
    assert handler.cancelled.is_set()
    assert failures == []


async def test_calls_with_different_deadlines_each_end_at_their_own() -> None:
    # Entered latest-first and out of order: the one timer is brought forward by each
    # earlier deadline, and set again for the next one left after each fires.
    deadlines = (0.4, 0.1, 0.3, 0.05, 0.2)
    patient = _Hanging()
    messages: dict[float, str] = {}

    async def call(deadline: float) -> None:
        async with _client(_Hanging(), deadline=deadline) as client:
            with pytest.raises(ServiceException) as caught:
                await client.get_account_balance_async()
        messages[deadline] = caught.value.message

    async with _client(patient, deadline=_PATIENCE) as client, anyio.create_task_group() as group:
        group.start_soon(client.get_account_balance_async)
        await patient.reached.wait()
        with anyio.fail_after(_PATIENCE):  # a ceiling: a timer not set again hangs them
            async with anyio.create_task_group() as calls:
                for deadline in deadlines:
                    calls.start_soon(call, deadline)
        assert not patient.cancelled.is_set()
        group.cancel_scope.cancel()
    assert sorted(messages) == sorted(deadlines)
    for deadline, message in messages.items():
        assert f"within the {deadline:g} s deadline" in message


async def test_a_retried_call_keeps_one_deadline_over_its_attempts() -> None:
    # The first attempt is answered 503 (retried), the second hangs: the call's
    # deadline, not a fresh one, ends it.
    seen: list[int] = []
    reached = anyio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(1)
        if len(seen) == 1:
            return httpx.Response(503, json={"detail": "busy"})
        reached.set()
        await anyio.sleep_forever()
        raise AssertionError("sleep_forever returned")

    async with _client(handler, deadline=0.2) as client:
        with pytest.raises(ServiceException) as caught:
            await client.get_account_balance_async()
    assert "within the 0.2 s deadline" in caught.value.message
    assert reached.is_set()
    assert len(seen) == 2


def _no_cancellation_left(anyio_backend: str) -> None:
    if anyio_backend == "asyncio":
        import asyncio

        task = asyncio.current_task()
        assert task is not None
        assert task.cancelling() == 0


async def test_the_callers_cancellation_in_the_deadlines_turn_stays_one(
    anyio_backend: str,
) -> None:
    # asyncio alone: the caller cancels the task in the loop turn the deadline fires
    # in (both ways round); the cancellation reaches the caller, not a deadline.
    if anyio_backend != "asyncio":
        pytest.skip("the watch's timer is asyncio's")
    import asyncio

    from syftbox_accounting.deadline_watch import watch_for

    loop = asyncio.get_running_loop()
    for offset in (-1e-6, 0.0, 1e-6):
        handler = _Hanging()
        outcomes: list[str] = []

        async def call(client: AccountingClient, outcomes: list[str]) -> None:
            try:
                await client.get_account_balance_async()
                outcomes.append("answer")
            except ServiceException:
                outcomes.append("deadline")
            except asyncio.CancelledError:
                outcomes.append("cancelled")
                raise

        async with _client(handler, _PATIENCE) as client:
            task = asyncio.ensure_future(call(client, outcomes))
            await handler.reached.wait()
            # The call's deadline brought forward to a moment from now, once the call is
            # in flight (however long it took to get there), the timer set for it.
            watch = watch_for(loop)
            (watched,) = watch.calls
            watched.when = loop.time() + 0.01
            watch._arm(watched.when)
            loop.call_at(watched.when + offset, task.cancel)
            with pytest.raises(asyncio.CancelledError):
                await task
        assert outcomes == ["cancelled"]
        assert watch_for(loop).calls == {}
