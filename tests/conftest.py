"""Shared test setup: every async test runs on asyncio and on trio."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    # anyio's own fixture drops trio silently when it is missing; ours fails instead.
    return str(request.param)
