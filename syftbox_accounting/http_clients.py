"""The httpx clients a transport sends with: made lazily, reused for keep-alive, one
async client per event loop, closed by `close` and `aclose`.

Every client made here verifies TLS with one SSL context per process (per CA setting
of the environment): building one loads certifi's bundle, 20-30 ms, which a program
that makes many clients (a test suite, an async client used from several loops) would
otherwise pay each time. The context is the one httpx would build, never weaker.
"""

from __future__ import annotations

import os
import ssl
import sys
import threading
import weakref
from typing import TYPE_CHECKING, Any

import httpx
from httpx._client import ClientState

from syftbox_accounting._version import __version__

if TYPE_CHECKING:
    from syftbox_accounting.transport import Transport

# Names the library in the service's logs (openai-python and stripe-python do the same).
# The clients made here carry it; a client of yours gets it on each request.
USER_AGENT = (
    f"syftbox-accounting/{__version__} python/{sys.version_info.major}.{sys.version_info.minor}"
    f" httpx/{httpx.__version__}"
)
_OWN_HEADERS = {"User-Agent": USER_AGENT}

_SSL_LOCK = threading.Lock()
_SSL_CONTEXTS: dict[tuple[str | None, str | None], ssl.SSLContext] = {}


def shared_ssl_context() -> ssl.SSLContext:
    """The SSL context httpx builds by default (``verify=True``: certifi's bundle, or
    the environment's ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``), made once per setting and
    shared: an `ssl.SSLContext` may serve many connections and threads at once. Only
    for HTTP/1.1 clients: httpcore sets a context's ALPN on each connection, to offer
    h2 for an HTTP/2 client."""
    key = (os.environ.get("SSL_CERT_FILE") or None, os.environ.get("SSL_CERT_DIR") or None)
    context = _SSL_CONTEXTS.get(key)
    if context is None:
        with _SSL_LOCK:
            context = _SSL_CONTEXTS.get(key)
            if context is None:
                context = _SSL_CONTEXTS[key] = httpx.create_ssl_context()
    return context


def loop_key() -> object:
    """The running event loop, to keep an AsyncClient to the loop it was made in.
    (Neither sniffio nor trio is a dependency: trio is asked only when loaded.)"""
    import asyncio

    loop = asyncio._get_running_loop()  # None on trio (a cheap check, unlike trio's)
    # A loop with no task running: trio run as asyncio's guest (in the loop's callbacks),
    # whose connections are trio's.
    if loop is not None and asyncio.current_task(loop) is not None:
        return loop
    trio: Any = sys.modules.get("trio")
    if trio is not None and (loop is None or _in_trio(trio)):
        return trio.lowlevel.current_trio_token()
    return asyncio.get_running_loop()  # the loop; raises when none is running


def _in_trio(trio: Any) -> bool:
    try:
        trio.lowlevel.current_trio_token()
    except RuntimeError:
        return False
    return True


class _AnswerCookies(httpx.Cookies):
    """httpx's cookie jar, which reads an answer's cookies only when it sets one: httpx
    hands every answer to `http.cookiejar` through two adapter objects (about 18 us a
    call), and the service's answers set none."""

    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers:
            super().extract_cookies(response)


class _CheapCookies:
    """Gives the clients made here an `_AnswerCookies` jar (httpx's own `cookies`
    property would turn any jar set into a plain one)."""

    _answer_cookies: _AnswerCookies

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.cookies = None  # httpx's constructor set its own jar, not through the setter

    @property
    def cookies(self) -> httpx.Cookies:
        return self._answer_cookies

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        self._answer_cookies = _AnswerCookies(cookies)


class _Client(_CheapCookies, httpx.Client):
    pass


class _AsyncClient(_CheapCookies, httpx.AsyncClient):
    pass


class HttpClients:
    """The part of a `Transport` that holds its httpx clients (a mixin)."""

    _client: httpx.Client | None
    _owns_client: bool
    _deadlines_kept: bool
    _async_client: httpx.AsyncClient | None
    _owns_async_client: bool
    _async_loop: object
    # Clients made for event loops that are no longer the current one: closed by
    # `aclose()`, so that a client used from several loops leaves none open.
    _stale_async: list[httpx.AsyncClient]
    _lock: threading.Lock
    # Set by `share`: the transport whose connection pool this one uses.
    _pool: Transport | None

    def _init_clients(
        self, http_client: httpx.Client | None, async_http_client: httpx.AsyncClient | None
    ) -> None:
        self._client = http_client
        self._owns_client = http_client is None
        self._deadlines_kept = False
        self._async_client = async_http_client
        self._owns_async_client = async_http_client is None
        self._async_loop = None
        self._stale_async = []
        self._lock = threading.Lock()
        self._pool = None

    def _sync_client(self) -> httpx.Client:
        if self._pool is not None:
            return self._pool._sync_client()
        client = self._client
        if client is not None and self._deadlines_kept:
            return client  # the common case: no lock to take
        with self._lock:
            if self._client is None:
                self._client = _Client(
                    follow_redirects=False, verify=shared_ssl_context(), headers=_OWN_HEADERS
                )
                # A client nobody closed (a notebook, a script) still releases its
                # connections when it is garbage-collected.
                weakref.finalize(self, self._client.close)
            if not self._deadlines_kept:
                from syftbox_accounting.deadline_sockets import keep_deadlines

                # Yours too, when you pass one: outside our calls it behaves as before.
                keep_deadlines(self._client)
                self._deadlines_kept = True
            return self._client

    def _async_http(self) -> httpx.AsyncClient:
        if self._pool is not None:
            return self._pool._async_http()
        if not self._owns_async_client:
            assert self._async_client is not None
            return self._async_client
        key = loop_key()
        client = self._async_client
        if client is not None and self._async_loop is key:
            return client
        with self._lock:
            if self._async_client is None or self._async_loop is not key:
                # A client's connections belong to the loop that opened them.
                if self._async_client is not None:
                    self._stale_async.append(self._async_client)
                self._async_client = _AsyncClient(
                    follow_redirects=False, verify=shared_ssl_context(), headers=_OWN_HEADERS
                )
                from syftbox_accounting.idle_checks import check_idle_cheaply

                check_idle_cheaply(self._async_client)
                self._async_loop = key
            return self._async_client

    def close(self) -> None:
        """Close the sync httpx client, if this transport created it."""
        if self._pool is not None:
            return  # the pool belongs to the transport it was shared from
        with self._lock:
            client, self._client = self._client, None
        if client is not None and self._owns_client:
            client.close()
            self._deadlines_kept = False  # a new client gets its deadlines kept again
        elif client is not None:
            self._client = client

    def abandon_async(self) -> None:
        """Release the async client's sockets without its event loop, which may have
        ended (a test that forgot ``await client.aclose()``): close each connection's
        socket, so that nothing is left for the garbage collector to warn about."""
        client, self._async_client = self._async_client, None
        if client is None or not self._owns_async_client:
            return
        _release_sockets(client)

    async def aclose(self) -> None:
        """Close both httpx clients this transport created. One made in another event
        loop (which may have ended) has its sockets released here instead, since only
        its own loop could close them."""
        if self._pool is not None:
            return
        self.close()
        client, loop = self._async_client, self._async_loop
        stale, self._stale_async = self._stale_async, []
        if client is not None and self._owns_async_client:
            self._async_client = None
            if loop is loop_key():
                await client.aclose()
            else:
                stale.append(client)
        for old in stale:
            _release_sockets(old)


def _release_sockets(client: httpx.AsyncClient) -> None:
    """Close each connection's socket of `client` without an event loop, so that
    nothing is left for the garbage collector to warn about."""
    if client.is_closed:
        return
    pool: Any = getattr(client._transport, "_pool", None)
    for connection in list(getattr(pool, "_connections", ())):
        stream = getattr(getattr(connection, "_connection", None), "_network_stream", None)
        stream = getattr(stream, "stream", stream)  # httpcore's, in idle_checks' wrapper
        inner: Any = getattr(getattr(stream, "_stream", None), "_transport", None)
        raw = getattr(inner, "_sock", None)  # asyncio: its transport owns the socket
        if raw is not None:
            inner._sock = None
        elif stream is not None:
            # trio: its socket's close() needs a running trio, the stdlib one does not
            raw = getattr(stream.get_extra_info("socket"), "_sock", None)
        if raw is not None:
            raw.close()
    # Marked closed, as `aclose()` would: the client is done, and says so.
    client._state = ClientState.CLOSED
