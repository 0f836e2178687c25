"""Wrapping the network backend of an httpx client's connection pools (its transport's
and its proxies'), which httpx exposes no other way to reach: the sync clients' deadline
(`deadline_sockets`) and the async clients' cheap idle checks (`idle_checks`)."""

from __future__ import annotations

from typing import Any

import httpx


def wrap_pool_backends(client: httpx.Client | httpx.AsyncClient, kind: type, wrapper: type) -> bool:
    """Give each of `client`'s pools `wrapper(backend)` as its network backend, where the
    backend is a `kind` (httpcore's sync or async backend) not wrapped yet. False when a
    pool is not httpx's own (a custom transport): it is left as it is."""
    transports = [client._transport, *(t for t in client._mounts.values() if t is not None)]
    every = True
    for transport in transports:
        pool: Any = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if isinstance(backend, kind):
            if not isinstance(backend, wrapper):
                pool._network_backend = wrapper(backend)
        else:
            every = False
    return every
