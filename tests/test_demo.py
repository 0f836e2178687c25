"""`make demo` runs the seed's whole workflow against the reference service."""

from __future__ import annotations

import re

import pytest

from syftbox_accounting import demo


def test_demo_runs_the_whole_workflow(capsys: pytest.CaptureFixture[str]) -> None:
    assert demo.main() == 0
    out = capsys.readouterr().out
    for step in range(1, 8):
        assert f"[{step}]" in out
    assert "Remaining Balance: $99.75" in out
    assert "Transaction Cost: $0.25" in out
    assert re.search(r"alice@example\.com\s+ai-service@example\.com\s+0\.25\s+COMPLETED", out)
    assert "service is stopped" in out
    # The generated token and passwords are secrets: never printed.
    assert "eyJ" not in out
