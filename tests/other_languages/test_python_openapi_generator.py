"""A third generator family, run as a user who downloads openapi.yaml would: the client of
openapi-generator's `python` generator (urllib3 + pydantic; the generator pinned in
pyproject.toml, on Java 17), generated at test time into a temporary folder (never
committed), with no warning beyond the known ones, and its workflow run against the
reference service: register, credit, token, a charge with a hold, capture, refunds, the
amounts no float holds, history, errors (python_client_workflow.py)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from syftbox_accounting.server import BackgroundService
from tests.other_languages.conftest import ROOT, SPEC, need, run

GENERATOR = Path(sys.executable).parent / "openapi-generator-cli"
WORKFLOW = Path(__file__).with_name("python_client_workflow.py")
PACKAGE = "syftbox_accounting_og"
# The notices openapi-generator 7.26 prints for this contract, which only a different
# contract could silence (the Makefile's GO_KNOWN_WARNINGS, for the Go client): its OpenAPI
# 3.1 support is "beta", and it logs that a named example has no $ref. Any other warning
# fails the test.
KNOWN_WARNINGS = ("OpenAPI 3.1 support is still in beta", "Failed to get the schema name: null")
STEPS = (
    "register",
    "credit",
    "token",
    "charge with a hold",
    "capture",
    "refund",
    "exact amounts",
    "history",
    "errors",
)


@pytest.fixture(scope="module")
def client_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    need("java", "the openapi-generator `python` client (generation and workflow)")
    out = tmp_path_factory.mktemp("openapi-generator-python")
    output = run(
        [
            str(GENERATOR), "generate", "-i", str(SPEC), "-g", "python", "-o", str(out),
            f"--package-name={PACKAGE}",
            "--global-property=apiDocs=false,modelDocs=false,apiTests=false,modelTests=false",
        ]
    )  # fmt: skip
    warnings = [
        line
        for line in output.splitlines()
        if re.search(r"\b(WARN|ERROR)\b", line) and not any(k in line for k in KNOWN_WARNINGS)
    ]
    assert warnings == [], "\n".join(warnings)
    assert (out / PACKAGE / "api" / "transactions_api.py").exists()
    return out


def test_the_generated_python_client_runs_the_workflow(
    client_path: Path, service: BackgroundService
) -> None:
    output = run(
        [sys.executable, str(WORKFLOW)],
        env={
            "PYTHONPATH": str(client_path),
            "SYFTBOX_ACCOUNTING_URL": service.url,
            "SYFTBOX_ACCOUNTING_ADMIN_KEY": service.admin_key,
        },
        cwd=ROOT,
    )
    assert [line.removeprefix("ok: ") for line in output.splitlines()] == list(STEPS), output
