"""Fixtures of the facade tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated(isolated_env: Path) -> Path:
    """Every facade test runs with HOME and the SYFTBOX_ACCOUNTING_* variables
    under its tmp_path (`isolated_env`, in tests/conftest.py)."""
    return isolated_env
