"""Results as a person reads them: a history (and a page of it) as an aligned text
table in a terminal and an HTML table in Jupyter, usage likewise, one-line reprs,
rows for pandas; and `show()` with the available balance, usage, the newest
transactions, a sparkline of the balance, and snippets in the caller's own words."""

from __future__ import annotations

import datetime
import sys
from decimal import Decimal
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from syftbox_accounting import (
    AccountingClient,
    InvalidInputError,
    Transaction,
    TransactionActor,
    TransactionList,
    TransactionStatus,
    Usage,
    format_money,
    render,
)
from syftbox_accounting.accounting.account import balance_history
from tests.facade.helpers import (
    BASE,
    BOB,
    EMAIL,
    PASSWORD,
    mock_show,
    tx_json,
    usage_json,
    user_client,
    user_json,
)

T0 = datetime.datetime(2026, 11, 27, 14, 0, tzinfo=datetime.UTC)


def _tx(n: int, *, to_me: bool = False, status: str = "COMPLETED", **extra: Any) -> Transaction:
    return Transaction(
        id=f"tx-{n:03d}",
        sender_email=BOB if to_me else EMAIL,
        recipient_email=EMAIL if to_me else BOB,
        amount=Decimal(n) / 4,
        status=TransactionStatus(status),
        created_by=TransactionActor.SENDER,
        created_at=T0 + datetime.timedelta(minutes=n),
        **extra,
    )


def _history(count: int) -> TransactionList:
    return TransactionList([_tx(n, to_me=n % 3 == 0) for n in range(count, 0, -1)], owner=EMAIL)


def test_a_history_is_an_aligned_text_table() -> None:
    shown = repr(_history(3))
    assert str(_history(3)) == shown
    lines = shown.splitlines()
    assert lines[0].split() == ["CREATED", "(UTC)", "STATUS", "AMOUNT", "WITH", "APP", "ID"]
    assert lines[1].split()[3:5] == ["+$0.75", "from"]  # tx 3 came to me
    assert lines[2].split()[3:5] == ["-$0.50", "to"]
    # Aligned: each column starts at the same place on every row.
    starts = {line.index("tx-") for line in lines[1:4]}
    assert len(starts) == 1
    assert lines[-1] == "(3 transactions)"
    assert repr(TransactionList()) == "No transactions."


def test_a_long_history_shows_the_newest_twenty() -> None:
    shown = repr(_history(45)).splitlines()
    assert len(shown) == 1 + 20 + 1
    assert shown[-1] == "(the newest 20 of 45 transactions; to_records() has them all)"
    assert "tx-045" in shown[1]


def test_a_slice_or_copy_of_a_history_is_still_a_table_of_the_same_owner() -> None:
    history = _history(6)
    for part in (history[:3], history[1::2], history[-2:], history.copy()):
        assert type(part) is TransactionList
        assert part.owner == EMAIL
        assert repr(part).splitlines()[0].split()[0] == "CREATED"
    assert list(history[:3]) == [history[0], history[1], history[2]]
    assert repr(history[:3]).splitlines()[-1] == "(3 transactions)"
    assert history[0].id == "tx-006"
    assert history[-1].id == "tx-001"
    assert repr(history[10:]) == "No transactions."


def test_a_history_is_an_html_table_with_every_value_escaped() -> None:
    hostile = _tx(1, app_name="<script>alert(1)</script>")
    page = TransactionList([hostile, _tx(2)], owner=EMAIL)._repr_html_()
    assert page.startswith("<table")
    assert page.count("<tr") == 3  # the header and two rows
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "http" not in page.replace("http://www.w3.org", "")  # nothing fetched
    assert "$0.25" in page


def test_one_line_reprs() -> None:
    held = _tx(8, status="PENDING", authorized_amount=Decimal(5))
    shown = repr(held)
    assert "\n" not in shown
    assert shown == (
        f"<Transaction tx-008: $2.00 (holds $5.00) {EMAIL} -> {BOB}, PENDING, 2026-11-27 14:08 UTC>"
    )
    assert repr(_tx(1, status="CANCELLED", cancel_reason="expired")).count("EXPIRED") == 1
    assert repr(user_client()) == f"<AccountingClient {EMAIL} at {BASE} (configured)>"
    assert repr(AccountingClient(BASE)) == f"<AccountingClient {BASE} (not configured)>"


def test_usage_reads_as_text_and_html() -> None:
    usage = Usage(3, Decimal("1.25"), Decimal(0), 1, Decimal("0.5"), T0, T0)
    lines = str(usage).splitlines()
    assert lines[:2] == ["Transactions  3", "Spent         $1.25"]
    assert "Pending       1 ($0.50 to pay)" in lines
    page = usage._repr_html_()
    assert "<caption" in page
    assert "$1.25" in page
    assert "\n" not in repr(usage)


def test_records_are_exact_rows_for_pandas() -> None:
    records = _history(2).to_records()
    assert records[0]["amount"] == Decimal("0.5")
    assert records[0]["created_at"] == T0 + datetime.timedelta(minutes=2)
    assert records[0]["status"] == "COMPLETED"
    assert list(records[0]) == list(_tx(1).to_record())


def test_a_dataframe_without_pandas_says_how_to_get_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # not importable
    with pytest.raises(ImportError, match="pip install pandas"):
        _history(2).to_dataframe()


def test_a_dataframe_with_pandas() -> None:
    pandas = pytest.importorskip("pandas", reason="pandas is not installed (not a dependency)")
    frame = _history(4).to_dataframe()
    assert frame.shape == (4, 17)
    assert str(frame["amount"].dtype) == "float64"
    assert frame["amount"].sum() == 2.5
    assert str(frame["created_at"].dt.tz) == "UTC"
    exact = _history(4).to_dataframe(exact=True)
    assert exact["amount"].iloc[0] == Decimal(1)
    empty = TransactionList().to_dataframe()
    assert list(empty.columns) == list(frame.columns)
    assert isinstance(frame, pandas.DataFrame)


def test_the_history_methods_return_a_table(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url=f"{BASE}/transactions?limit=2",
        json={"transactions": [tx_json("a"), tx_json("b")], "nextCursor": None},
    )
    found = user_client().get_transaction_history(2)
    assert isinstance(found, TransactionList)
    assert found.owner == EMAIL
    assert "from bob@example.com" in repr(found)


def test_balance_history_walks_back_from_the_balance() -> None:
    newest_first = [
        _tx(4),  # paid 1.00
        _tx(3, status="PENDING"),  # holds, moves nothing
        _tx(2, to_me=True),  # received 0.50
        _tx(1, status="CANCELLED"),
    ]
    assert balance_history(Decimal(10), newest_first, EMAIL) == [
        Decimal("10.5"),
        Decimal("11"),
        Decimal("10"),
    ]


SHOW_CELL = """
from syftbox_accounting import AccountingClient, Client
payer = AccountingClient(BASE, EMAIL, PASSWORD)
payer.show()
client = Client(accounting_client=AccountingClient(BASE, EMAIL, PASSWORD))
client.accounting_client.show()
"""


def test_show_tells_the_whole_account_and_uses_the_callers_names(
    httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str]
) -> None:
    history = [
        tx_json(
            f"t{n}",
            sender=EMAIL,
            recipient=BOB,
            amount=n,
            status="COMPLETED",
            created_at=f"2026-11-27T14:{n:02d}:00+00:00",
        )
        for n in range(1, 8)
    ]
    history.reverse()  # newest first, as the service sends them
    for _ in range(2):
        mock_show(
            httpx_mock,
            user=user_json(balance=72) | {"heldBalance": 5},
            usage=usage_json(transactionCount=8, totalSpent=28, pendingCount=1, pendingAmount=5),
            transactions=history,
        )
    # As a notebook cell runs: in the __main__ namespace.
    exec(
        compile(SHOW_CELL, "<cell>", "exec"),
        {"__name__": "__main__", "BASE": BASE, "EMAIL": EMAIL, "PASSWORD": PASSWORD},
    )
    out = capsys.readouterr().out
    first, second = out.split("SyftBox accounting")[1:]
    assert "Available  $67.00 ($5.00 held by pending transactions)" in first
    assert (
        "Usage      transactions 8; spent $28.00; received $0.00; pending 1 ($5.00 to pay)" in first
    )
    assert "from $100.00 to $72.00 over the last 7 transactions" in first
    assert first.count("  -$") == 5  # the five newest
    assert "payer.get_account_balance()" in first
    assert "client.accounting_client.get_account_balance()" in second
    assert PASSWORD not in out


# What another party may write into a transaction (its app name, endpoint) or a later
# service into a status: terminal escapes that recolour or clear the screen, a carriage
# return that overwrites the row's amount, a line break that forges a row, a bell.
TERMINAL_CONTROLS = "\x1b[2J\x1b[31m-$0.01\x1b[0m\r+$99\nforged row\x07\x9b"


def _no_controls(text: str) -> None:
    """`text` holds no control character but its own line breaks."""
    assert [c for c in text if not c.isprintable() and c != "\n"] == []


def test_text_tables_and_reprs_show_control_characters_escaped(
    httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str]
) -> None:
    odd = _tx(1, app_name=TERMINAL_CONTROLS, status="PENDING")
    history = TransactionList([odd, _tx(2)], owner=EMAIL)
    for shown in (repr(history), str(history)):
        _no_controls(shown)
        assert len(shown.splitlines()) == 4  # the header, two rows and the count
        assert "\\x1b[2J" in shown  # shown as an escape, still readable
    unknown = _tx(3, status="DISPUTED" + TERMINAL_CONTROLS)  # a later service's status
    _no_controls(repr(unknown))
    _no_controls(repr(TransactionList([unknown], owner=EMAIL)))

    mock_show(httpx_mock, transactions=[tx_json(app_name=TERMINAL_CONTROLS)])
    user_client().show()
    shown = capsys.readouterr().out
    _no_controls(shown)
    assert "forged row" not in [line.strip() for line in shown.splitlines()]


def test_one_escaping_for_cells_and_whole_texts() -> None:
    # A cell or a repr escapes its line breaks too; a whole text (the command line's
    # output) keeps its own lines and tabs, and escapes the rest alike.
    cell = render.printable(TERMINAL_CONTROLS + "\t\u202e\u00a0")
    _no_controls(cell)
    assert "\n" not in cell
    assert "\\n" in cell
    assert "\\u202e" in cell
    whole = render.printable("row one\tx\nrow two" + TERMINAL_CONTROLS, lines=True)
    assert whole.startswith("row one\tx\nrow two\\x1b[2J")
    assert whole.count("\n") == 2  # its own, and the forged row's, kept as a line


def test_show_uses_a_neutral_name_when_it_knows_none(
    httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str]
) -> None:
    mock_show(httpx_mock)
    user_client().show()
    out = capsys.readouterr().out
    assert "accounting.get_account_balance()" in out
    assert "client.accounting_client" not in out


def test_show_at_a_service_without_usage(
    httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str]
) -> None:
    httpx_mock.add_response(
        url=f"{BASE}/user/my-info", json={"user": user_json()}, is_reusable=True
    )
    httpx_mock.add_response(url=f"{BASE}/user/usage", status_code=404, json={"message": "x"})
    httpx_mock.add_response(
        url=f"{BASE}/transactions?limit=30", json={"transactions": []}, is_reusable=True
    )
    user_client().show()
    out = capsys.readouterr().out
    assert "$89.75" in out
    assert "Usage" not in out.split("Common operations")[0]


# In HTML a bidirectional override reorders what a cell shows ("x\u202eevil" reads
# "xlive"), and other controls hide in the page source: HTML shows them as escapes, as
# the text tables do (tried as a new user would).
BIDI_AND_CONTROLS = "x\u202eevil\u2066\x1b[2J\x07"


def test_html_tables_escape_control_and_bidi_characters() -> None:
    odd = _tx(1, app_name=BIDI_AND_CONTROLS, status="PENDING")
    pages = [
        TransactionList([odd, _tx(2)], owner=EMAIL)._repr_html_(),
        render.html_table(["A"], [[BIDI_AND_CONTROLS]], caption=BIDI_AND_CONTROLS),
    ]
    for page in pages:
        _no_controls(page)
        assert "\\u202e" in page  # shown as an escape, still readable


@pytest.mark.parametrize("by", [TransactionActor.SENDER, TransactionActor.SYSTEM])
def test_a_refund_is_money_out_for_who_refunded_it_whoever_made_it(by: TransactionActor) -> None:
    # Tried as a new user would: an operator's refund (made by SYSTEM) read "+$3.00
    # credit" in the history of the service whose money it took back.
    refund = Transaction(
        id="rf-1",
        sender_email=BOB,  # the service that was paid, giving back
        recipient_email=EMAIL,  # the payer
        amount=Decimal(3),
        status=TransactionStatus.COMPLETED,
        created_by=by,
        created_at=T0,
        refund_of="tx-1",
    )
    service_row = repr(TransactionList([refund], owner=BOB)).splitlines()[1].split()
    assert service_row[3:6] == ["-$3.00", "to", EMAIL]
    assert "(refund)" in service_row
    payer_row = repr(TransactionList([refund], owner=EMAIL)).splitlines()[1].split()
    assert payer_row[3:6] == ["+$3.00", "from", BOB]
    assert "(refund)" in payer_row


def test_show_tells_refunds_apart_from_spending(
    httpx_mock: HTTPXMock, capsys: pytest.CaptureFixture[str]
) -> None:
    # Tried as a new user would: a payer refunded $0.23 of $1.23 read "spent $1.23" in
    # show(), and nothing of the refund: its usage line kept only the first four figures.
    counts = {"transactionCount": 3, "totalSpent": 1.23, "totalRefundsReceived": 0.23}
    mock_show(httpx_mock, usage=usage_json(**counts, totalRefundsGiven=0))
    client = user_client()
    client.show()
    usage = next(line for line in capsys.readouterr().out.splitlines() if "Usage" in line)
    assert "spent $1.23" in usage
    assert "refunds received $0.23" in usage


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("0.5"), "$0.50"),
        (Decimal("-3"), "-$3.00"),
        (Decimal("0.000125"), "$0.000125"),
        (Decimal("1234.5"), "$1,234.50"),
        (100.0, "$100.00"),  # what get_account_balance() returns
        (0.1, "$0.10"),  # as the float prints, not its binary noise
        (99.847, "$99.847"),
        (0, "$0.00"),
    ],
)
def test_money_reads_decimals_and_the_floats_of_balances_alike(
    value: Decimal | float, shown: str
) -> None:
    assert render.money(value) == shown
    assert format_money(value) == shown  # the public name writes it alike


@pytest.mark.parametrize(
    "value", ["1.5", None, True, [1], float("nan"), float("inf"), Decimal("-inf")]
)
def test_format_money_refuses_what_is_not_a_finite_number(value: Any) -> None:
    with pytest.raises(InvalidInputError, match="format_money\\(\\) takes a"):
        format_money(value)
