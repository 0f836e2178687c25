"""The operator's terminal: service data never drives it, a refusal by the service is
exit 1, and Ctrl-C says what it leaves behind (as JSON too, with --json)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from syftbox_accounting.cli._program import ENV_ADMIN_KEY
from tests.cli.conftest import Runner
from tests.facade.helpers import BASE, EMAIL, PASSWORD, tx_json, user_json

ENV = {
    "SYFTBOX_ACCOUNTING_EMAIL": EMAIL,
    "SYFTBOX_ACCOUNTING_PASSWORD": PASSWORD,
    "SYFTBOX_ACCOUNTING_URL": BASE,
}
ESCAPES = "\x1b]0;owned\x07\x1b[2J\x9b31m\u202e"


def _raw_controls(text: str) -> list[str]:
    return [c for c in text if (ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) < 0xA0]


def test_service_data_reaches_the_terminal_escaped(cli: Runner, httpx_mock: HTTPXMock) -> None:
    user = user_json(organization=f"Evil{ESCAPES}Corp")
    httpx_mock.add_response(url=f"{BASE}/user/alice%40example.com", json={"user": user})
    result = cli.main("admin", "get-user", EMAIL, env=ENV | {ENV_ADMIN_KEY: "admin-Key-42"})
    assert result.code == 0, result.output
    assert "Evil" in result.out
    assert _raw_controls(result.output) == []
    assert "\u202e" not in result.output
    assert "\\x1b" in result.out


def test_a_line_break_in_service_data_cannot_forge_a_line(
    cli: Runner, httpx_mock: HTTPXMock
) -> None:
    # Tried as a new user would: a refund whose reason (set by whoever refunded) holds
    # a line break printed a line of its own under `show`, one that can read as a
    # field ("  amount  $1000.00"). Each field stays on its line, the break escaped.
    forged = "\n  amount     $1000.00\n  status     CANCELLED"
    refund = tx_json(
        f"rf-1{forged}",  # in the headline too
        amount=1,
        status="COMPLETED",
        created_by="SENDER",
        resolved_by="SENDER",
        resolved_at="2026-11-27T14:51:17+00:00",
        app_name=f"app{forged}",
        endpoint=f"/e{forged}",
        refundOf="tx-9",
        refundReason=f"sorry{forged}",
    )
    httpx_mock.add_response(url=f"{BASE}/transactions/rf-1", json={"transaction": refund})
    result = cli.main("show", "rf-1", env=ENV)
    assert result.code == 0, result.output
    lines = result.out.splitlines()
    assert lines[0].startswith("Transaction rf-1\\n")
    assert [line.split()[0] for line in lines[1:]].count("amount") == 1
    assert [line.split()[0] for line in lines[1:]].count("status") == 1
    assert "sorry\\n  amount" in result.out
    assert "$1000.00" not in "\n".join(line for line in lines if line.split()[0] == "amount")


@pytest.mark.parametrize("lines", [False, True], ids=["json", "jsonl"])
def test_json_output_escapes_what_would_drive_the_terminal(
    cli: Runner, httpx_mock: HTTPXMock, lines: bool
) -> None:
    # JSON escapes only C0 controls: written with its non-ASCII text as it is, a C1
    # control (\x9b, a CSI) or a bidirectional override in a refund's reason reached
    # the terminal raw. Escaped as \uXXXX, the document reads back the same.
    reason = f"sorry{ESCAPES}ok é 中"
    refund = tx_json("rf-1", amount=1, status="COMPLETED", refundOf="tx-9", refundReason=reason)
    httpx_mock.add_response(
        url=f"{BASE}/transactions?limit=2",
        json={"transactions": [refund], "nextCursor": None},
    )
    args = ["history", "--limit", "1", "--jsonl" if lines else "--json"]
    if not lines:
        args = ["--json", *args[:-1]]
    result = cli.main(*args, env=ENV)
    assert result.code == 0, result.output
    assert _raw_controls(result.out) == []
    assert "\u202e" not in result.out
    assert "é 中" in result.out  # printable text stays readable
    first = result.out.splitlines()[0] if lines else result.out
    doc = json.loads(first)
    got = doc if lines else doc["transactions"][0]
    assert got["refund_reason"] == reason


def test_a_service_message_in_an_error_line_is_escaped(cli: Runner, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url=f"{BASE}/user/my-info",
        status_code=503,
        json={"code": "unavailable", "message": f"down{ESCAPES}"},
        is_reusable=True,
    )
    result = cli.main("balance", env=ENV)
    assert result.code == 1
    assert "down" in result.err
    assert _raw_controls(result.output) == []


def test_a_refusal_by_the_service_is_exit_1_not_2(cli: Runner, httpx_mock: HTTPXMock) -> None:
    """Exit 2 promises that nothing was sent: a 422 from the service is a refusal."""
    httpx_mock.add_response(
        url=f"{BASE}/transaction/create",
        status_code=422,
        json={"code": "validation_error", "message": "recipientEmail is not deliverable"},
    )
    result = cli.main("transfer", "bob@example.com", "1", env=ENV)
    assert result.code == 1, result.output


def test_ctrl_c_with_json_prints_one_json_document(
    cli: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from syftbox_accounting.transport import Transport

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(Transport, "send", interrupted)
    result = cli.main("--json", "balance", env=ENV)
    assert result.code == 130
    document = json.loads(result.out)
    assert document["error"]["type"] == "KeyboardInterrupt"
    assert document["error"]["exit_code"] == 130


@pytest.mark.parametrize("as_json", [False, True])
def test_ctrl_c_while_confirming_names_the_pending_transaction(
    cli: Runner, httpx_mock: HTTPXMock, as_json: bool
) -> None:
    pending = tx_json(
        "tx-pending-9", sender=EMAIL, recipient="bob@example.com", amount=1, created_by="SENDER"
    )
    httpx_mock.add_response(url=f"{BASE}/transaction/create", json={"transaction": pending})

    def interrupt(request: httpx.Request) -> httpx.Response:
        raise KeyboardInterrupt

    httpx_mock.add_callback(interrupt, url=f"{BASE}/transaction/confirm")
    args = ("--json",) if as_json else ()
    result = cli.main(*args, "transfer", "bob@example.com", "1", env=ENV)
    assert result.code == 130
    assert "tx-pending-9" in result.err
    assert "cancel tx-pending-9" in result.err
    assert "confirm tx-pending-9" in result.err
    if as_json:
        document = json.loads(result.out)
        assert document["error"]["pending_transaction"]["id"] == "tx-pending-9"
    # No request after the interrupt: the operator decides.
    assert [r.url.path for r in httpx_mock.get_requests()] == [
        "/transaction/create",
        "/transaction/confirm",
    ]


@pytest.mark.parametrize(
    "args",
    [
        ["transfer", "bob@example.com", "1"],
        ["refund", "0b7c3c7e-1111-4111-8111-111111111111"],
        ["charge", "bob@example.com", "1", "--confirm"],
    ],
)
def test_ctrl_c_at_the_question_says_nothing_was_sent(
    cli: Runner, monkeypatch: pytest.MonkeyPatch, httpx_mock: HTTPXMock, args: list[str]
) -> None:
    # Tried as a new user would: Ctrl-C at "Pay $1.00 ...? [y/N]" said to check the
    # history before repeating a payment, or to repeat it with its idempotency key.
    from syftbox_accounting.cli._context import Context

    def interrupted(self: Context, prompt: str) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(Context, "ask", interrupted)
    env = ENV | {"SYFTBOX_ACCOUNTING_TOKEN": "t" * 40}
    result = cli.main(*args, env=env, tty=True)
    assert result.code == 130
    assert "nothing was sent" in result.err
    assert "history" not in result.err
    assert "--idempotency-key" not in result.err
    assert httpx_mock.get_requests() == []


def test_ctrl_c_while_creating_a_key_says_how_to_find_it(
    cli: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tried as a new user would: Ctrl-C while `keys create` waits said only
    # "interrupted", although the service may have made the key (its secret unseen).
    from syftbox_accounting.transport import Transport

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(Transport, "send", interrupted)
    result = cli.main("keys", "create", "ci", "--scope", "read", env=ENV)
    assert result.code == 130
    assert "keys list" in result.err
    assert "keys revoke" in result.err


def test_history_tells_a_lapsed_hold_from_a_cancelled_charge(
    cli: Runner, httpx_mock: HTTPXMock
) -> None:
    # Tried as a new user would: `history` listed a hold that lapsed as CANCELLED, like
    # a charge cancelled on purpose; the library's tables say EXPIRED, `show` "hold lapsed".
    lapsed = tx_json("tx-1", status="CANCELLED", resolved_by="SYSTEM", cancelReason="expired")
    cancelled = tx_json("tx-2", status="CANCELLED", resolved_by="RECIPIENT")
    httpx_mock.add_response(
        url=f"{BASE}/transactions?limit=3",
        json={"transactions": [lapsed, cancelled], "nextCursor": None},
    )
    result = cli.main("history", "--limit", "2", env=ENV)
    assert result.code == 0, result.output
    rows = {line.split()[-1]: line.split()[2] for line in result.out.splitlines()[1:3]}
    assert rows == {"tx-1": "EXPIRED", "tx-2": "CANCELLED"}
