"""The reference service fuzzed against openapi.yaml by schemathesis: every operation,
every phase, every check, positive and negative data. 0 failures expected."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx

from syftbox_accounting.server import BackgroundService
from tests.spec import operations

ROOT = Path(__file__).resolve().parents[2]
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
# The contract's examples use alice@example.com and ai-service@example.com, so the
# examples phase reaches real accounts; never the examples' password, or the
# updatePassword example would change it.
EMAIL, PASSWORD = "alice@example.com", "fuzzing-password-not-in-the-examples"


def test_the_service_honours_the_contract(tmp_path: Path) -> None:
    with BackgroundService() as running:
        with httpx.Client(base_url=running.url) as client:
            for email in (EMAIL, "ai-service@example.com"):
                body = {"email": email, "password": PASSWORD}
                client.post("/user/create", json=body).raise_for_status()
            every_scope = {"name": "fuzz", "scopes": ["read", "pay", "charge", "account", "keys"]}
            made = client.post("/api-key/create", json=every_scope, auth=(EMAIL, PASSWORD))
            made.raise_for_status()
        env = os.environ | {
            "SYFTBOX_ACCOUNTING_FUZZ_EMAIL": EMAIL,
            "SYFTBOX_ACCOUNTING_FUZZ_PASSWORD": PASSWORD,
            "SYFTBOX_ACCOUNTING_FUZZ_API_KEY": made.json()["secret"],
            "SYFTBOX_ACCOUNTING_ADMIN_KEY": running.admin_key,
        }
        command = [
            str(SCHEMATHESIS),
            "--config-file", str(ROOT / "schemathesis.toml"),
            "--no-color",
            "run", str(ROOT / "openapi.yaml"),
            "--url", running.url,
            "--phases", "examples,coverage,fuzzing,stateful",
            "--checks", "all",
            "--mode", "all",
            "--max-examples", "100",
            "--seed", "20261127",
            "--workers", "2",
            "--generation-database", "none",
        ]  # fmt: skip
        result = subprocess.run(
            command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
        )
        assert result.returncode == 0, result.stdout[-20_000:] + result.stderr[-5_000:]
        count = len(list(operations()))
        assert f"{count} selected / {count} total" in result.stdout
        # The stateful phase follows links: the contract's and those schemathesis infers.
        assert re.search(r"API Links:\s+[1-9]\d* covered", result.stdout), result.stdout[-5000:]
        # Whatever the fuzzer did, the books still balance.
        balances, put_in = running.service.store.totals()
        assert balances == put_in
