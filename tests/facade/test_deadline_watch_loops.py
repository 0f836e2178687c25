"""The asyncio deadline (`deadline_watch`) across event loops, as a program meets
them: several loops in one thread one after the other, a loop closed with calls still
in flight, a loop in each of two threads, and trio run as a guest of asyncio. Each
test runs its own loops, so none takes the `anyio_backend` fixture."""

from __future__ import annotations

import asyncio
import gc
import socketserver
import threading
import weakref
from typing import Any

import httpx
import pytest

from syftbox_accounting import AccountingClient, ServiceException
from tests.facade.faulty_server import read_message
from tests.facade.helpers import USER, user_client
from tests.facade.test_idle_checks import ANSWER

_PATIENCE = 60.0  # a ceiling reached only when something is broken


class _Hang:
    """A handler that never answers; `reached` is set once a request got to it."""

    def __init__(self) -> None:
        self.reached = asyncio.Event()

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.reached.set()
        await asyncio.Event().wait()
        raise AssertionError("never set")


async def _answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"user": USER})


def _client(handler: Any, deadline: float) -> AccountingClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return user_client(async_http_client=http, deadline=deadline)


async def _overdue(deadline: float) -> str:
    async with _client(_Hang(), deadline) as client:
        with pytest.raises(ServiceException) as caught:
            await client.get_account_balance_async()
    # A far deadline leaves the loop's timer armed when the loop ends.
    async with _client(_answer, _PATIENCE) as client:
        assert await client.get_account_balance_async() == USER["balance"]
    return caught.value.message


def test_each_loop_of_a_thread_keeps_its_deadlines() -> None:
    for _ in range(3):
        message = asyncio.run(_overdue(0.05))
        assert "within the 0.05 s deadline" in message


def test_a_loop_ended_with_its_timer_armed_is_not_kept() -> None:
    loops: list[weakref.ref[asyncio.AbstractEventLoop]] = []

    async def main() -> None:
        loops.append(weakref.ref(asyncio.get_running_loop()))
        await _overdue(0.05)

    asyncio.run(main())
    gc.collect()
    assert loops[0]() is None


def test_a_loop_closed_with_a_call_in_flight_keeps_neither_alive() -> None:
    # A program that closes its loop without ending its tasks: what the call held
    # (its task, the loop) goes with the loop, as it would without the library.
    loop = asyncio.new_event_loop()
    handler = loop.run_until_complete(_make_hang())
    client = _client(handler, _PATIENCE)
    task = loop.create_task(client.get_account_balance_async())
    loop.run_until_complete(asyncio.wait_for(handler.reached.wait(), _PATIENCE))
    loop.close()
    task_ref, loop_ref = weakref.ref(task), weakref.ref(loop)
    del task, loop, handler, client
    gc.collect()
    assert task_ref() is None
    assert loop_ref() is None


async def _make_hang() -> _Hang:
    return _Hang()  # its Event belongs to the running loop


def test_two_threads_each_with_a_loop_keep_their_own_deadlines() -> None:
    messages: dict[float, str] = {}
    started = threading.Barrier(2, timeout=_PATIENCE)

    def run(deadline: float) -> None:
        async def main() -> None:
            started.wait()
            async with _client(_Hang(), deadline) as client:
                with pytest.raises(ServiceException) as caught:
                    await client.get_account_balance_async()
            messages[deadline] = caught.value.message

        asyncio.run(main())

    threads = [threading.Thread(target=run, args=(d,)) for d in (0.3, 0.05)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(_PATIENCE)
    assert sorted(messages) == [0.05, 0.3]
    for deadline, message in messages.items():
        assert f"within the {deadline:g} s deadline" in message


def test_trio_run_as_a_guest_of_asyncio_keeps_its_own_deadline() -> None:
    # trio's guest mode runs trio inside asyncio's loop, outside any asyncio task:
    # the call is trio's (its cancel scope, httpcore's trio backend).
    trio = pytest.importorskip("trio")

    async def on_trio() -> tuple[float, str]:
        async def hang(request: httpx.Request) -> httpx.Response:
            await trio.sleep_forever()
            raise AssertionError("sleep_forever returned")

        async with _client(_answer, _PATIENCE) as client:
            balance = await client.get_account_balance_async()
        async with _client(hang, 0.05) as client:
            with pytest.raises(ServiceException) as caught:
                await client.get_account_balance_async()
        return balance, caught.value.message

    async def host() -> Any:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Any] = loop.create_future()
        trio.lowlevel.start_guest_run(
            on_trio,
            run_sync_soon_threadsafe=loop.call_soon_threadsafe,
            done_callback=done.set_result,
            host_uses_signal_set_wakeup_fd=True,
        )
        return (await asyncio.wait_for(done, _PATIENCE)).unwrap()

    balance, message = asyncio.run(host())
    assert balance == USER["balance"]
    assert "within the 0.05 s deadline" in message


class _KeepAlive(socketserver.BaseRequestHandler):
    """Answers every request of a connection, kept alive until the client closes it."""

    def handle(self) -> None:
        self.request.settimeout(_PATIENCE)
        while read_message(self.request) is not None:
            self.request.sendall(ANSWER)


def test_a_client_shared_by_asyncio_and_its_trio_guest_keeps_their_connections_apart() -> None:
    # The client the library makes for asyncio's loop holds asyncio's connections, kept
    # alive; the guest's calls get a client of their own, on trio's connections.
    trio = pytest.importorskip("trio")
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _KeepAlive)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    client = user_client(url, max_retries=0, retry_policy=None)

    async def host() -> Any:
        loop = asyncio.get_running_loop()
        assert await client.get_account_balance_async() == USER["balance"]
        done: asyncio.Future[Any] = loop.create_future()
        trio.lowlevel.start_guest_run(
            client.get_account_balance_async,
            run_sync_soon_threadsafe=loop.call_soon_threadsafe,
            done_callback=done.set_result,
            host_uses_signal_set_wakeup_fd=True,
        )
        guest = (await asyncio.wait_for(done, _PATIENCE)).unwrap()
        assert await client.get_account_balance_async() == USER["balance"]
        await client.aclose()
        return guest

    try:
        assert asyncio.run(host()) == USER["balance"]
    finally:
        server.shutdown()
        server.server_close()
