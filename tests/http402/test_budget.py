"""`Budget`: its limits (with an injected clock: no waiting), the ledger in memory and
in a file, reservations under concurrency, and `create_transaction_token` with one."""

from __future__ import annotations

import datetime
import json
import logging
import stat
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from syftbox_accounting import (
    AccountingClient,
    Budget,
    BudgetExceededError,
    InvalidInputError,
    PaymentError,
)
from syftbox_accounting.testing.harness import AccountingTestService

ALICE, BOB = "alice@example.com", "bob@openmined.org"


class Clock:
    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _refusal(budget: Budget, recipient: str, amount: str) -> BudgetExceededError:
    with pytest.raises(BudgetExceededError) as refused:
        budget.reserve(recipient, Decimal(amount), reference="test")
    return refused.value


# -- limits


def test_per_call(clock: Clock) -> None:
    budget = Budget(per_call="0.10", clock=clock)
    budget.reserve(ALICE, Decimal("0.10"), reference="a")
    error = _refusal(budget, ALICE, "0.11")
    assert (error.limit, error.limit_amount, error.amount, error.recipient) == (
        "per_call",
        Decimal("0.10"),
        Decimal("0.11"),
        ALICE,
    )
    assert error.hint_key == "budget"
    assert isinstance(error, PaymentError)


def test_per_hour_rolls(clock: Clock) -> None:
    budget = Budget(per_hour=1, clock=clock)
    budget.reserve(ALICE, Decimal("0.60"), reference="a")
    clock.now += 1800
    budget.reserve(BOB, Decimal("0.40"), reference="b")
    error = _refusal(budget, ALICE, "0.01")
    assert (error.limit, error.spent) == ("per_hour", Decimal("1.00"))
    assert "$1.00 paid or promised already" in error.summary
    clock.now += 1801  # the first payment left the hour
    budget.reserve(ALICE, Decimal("0.60"), reference="c")
    assert budget.spent(within=3600) == Decimal("1.00")


def test_per_day_rolls(clock: Clock) -> None:
    budget = Budget(per_day=5, clock=clock)
    budget.reserve(ALICE, Decimal(5), reference="a")
    error = _refusal(budget, BOB, "0.01")
    assert error.limit == "per_day"
    # Dollars as every other message shows them, whatever form the limit was given in.
    assert "Paying $0.01 to bob@openmined.org would make $5.01 in 24 hours" in error.summary
    assert "limit of $5.00 ($5.00 paid or promised already)" in error.summary
    clock.now += 86400
    budget.reserve(BOB, Decimal("0.01"), reference="b")


def test_per_recipient(clock: Clock) -> None:
    budget = Budget(per_recipient=1, clock=clock)
    budget.reserve(ALICE, Decimal(1), reference="a")
    budget.reserve(BOB, Decimal(1), reference="b")  # another recipient
    error = _refusal(budget, "ALICE@example.com", "0.01")  # the same one, spelt otherwise
    assert (error.limit, error.spent) == ("per_recipient", Decimal(1))
    assert budget.spent(recipient=ALICE) == Decimal(1)


def test_allow(clock: Clock) -> None:
    budget = Budget(allow=["*@openmined.org", "alice@example.com"], clock=clock)
    budget.reserve(BOB, Decimal(1), reference="a")
    budget.reserve("Alice@Example.com", Decimal(1), reference="b")
    error = _refusal(budget, "mallory@example.com", "0.01")
    assert (error.limit, error.limit_amount) == ("allow", None)
    assert "not among the recipients this budget allows" in error.summary
    assert _refusal(Budget(allow=[]), ALICE, "1").limit == "allow"


def test_the_tightest_limit_is_named_first(clock: Clock) -> None:
    budget = Budget(per_call=1, per_day=1, allow=[ALICE], clock=clock)
    assert _refusal(budget, BOB, "2").limit == "allow"
    assert _refusal(budget, ALICE, "2").limit == "per_call"


def test_no_limits_allow_anything(clock: Clock) -> None:
    Budget(clock=clock).reserve(ALICE, Decimal(999_999), reference="a")


def test_check_reserves_nothing(clock: Clock) -> None:
    budget = Budget(per_call=1, clock=clock)
    budget.check(ALICE, Decimal(1))
    with pytest.raises(BudgetExceededError):
        budget.check(ALICE, Decimal(2))
    assert budget.entries == ()


# -- reservations


def test_settle_counts_what_was_paid_and_release_forgets(clock: Clock) -> None:
    budget = Budget(per_day=1, clock=clock)
    held = budget.reserve(ALICE, Decimal("0.50"), reference="a")
    released = budget.reserve(ALICE, Decimal("0.50"), reference="b")
    _refusal(budget, ALICE, "0.01")  # both count at their maximum meanwhile
    held.settle(Decimal("0.137"))
    released.release()
    assert budget.spent() == Decimal("0.137")
    (entry,) = budget.entries
    assert (entry.amount, entry.paid, entry.reference) == (Decimal("0.137"), True, "a")
    held.settle(Decimal("0.2"))  # final: nothing changes
    released.release()
    assert budget.spent() == Decimal("0.137")


def test_a_settlement_above_the_reservation_counts_the_reservation(clock: Clock) -> None:
    budget = Budget(clock=clock)
    budget.reserve(ALICE, Decimal("0.25"), reference="a").settle(Decimal("9"))
    assert budget.spent() == Decimal("0.25")


@pytest.mark.parametrize("zero", [0, 0.0, Decimal(0), Decimal("0.00"), "0", "0.00", " 0 "])
def test_a_settlement_of_zero_forgets_the_payment(
    clock: Clock, zero: int | float | Decimal | str
) -> None:
    # Every amount form settle() takes, zero among them: "0" as well as 0.
    budget = Budget(clock=clock)
    budget.reserve(ALICE, Decimal("0.25"), reference="a").settle(zero)
    assert budget.entries == ()


def test_threads_reserving_at_once_never_overspend() -> None:
    budget = Budget(per_day=1)
    start = threading.Barrier(20)
    refused: list[str] = []

    def pay() -> None:
        start.wait()
        try:
            budget.reserve(ALICE, Decimal("0.10"), reference="t")
        except BudgetExceededError as exc:
            refused.append(str(exc.limit))

    threads = [threading.Thread(target=pay) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert refused == ["per_day"] * 10
    assert budget.spent() == 1


# -- the ledger file


def test_the_ledger_file_keeps_the_limits_across_restarts(clock: Clock, tmp_path: Path) -> None:
    path = tmp_path / "agent" / "ledger.json"
    budget = Budget(per_day=1, ledger_file=path, clock=clock)
    budget.reserve(ALICE, Decimal("0.25"), reference="a").settle(Decimal("0.20"))
    budget.reserve(BOB, Decimal("0.50"), reference="b")  # its outcome never known
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["ledger.json"]  # no temp file left
    again = Budget(per_day=1, ledger_file=path, clock=clock)
    assert again.spent() == Decimal("0.70")
    assert [(e.recipient, e.amount, e.paid) for e in again.entries] == [
        (ALICE, Decimal("0.20"), True),
        (BOB, Decimal("0.50"), False),
    ]
    error = _refusal(again, ALICE, "0.31")
    assert (error.limit, error.spent) == ("per_day", Decimal("0.70"))
    clock.now += 86401  # a day later, the old entries are dropped from the file
    again.reserve(ALICE, Decimal("0.01"), reference="c")
    assert len(json.loads(path.read_text())["entries"]) == 1


@pytest.mark.parametrize(
    "content",
    [b"not json", b"[]", b'{"version": 9, "entries": []}', b'{"version": 1, "entries": [{}]}'],
    ids=["garbage", "a list", "another version", "a broken entry"],
)
def test_an_unreadable_ledger_is_refused_with_its_name(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "ledger.json"
    path.write_bytes(content)
    with pytest.raises(InvalidInputError) as refused:
        Budget(per_day=1, ledger_file=path)
    assert str(path) in str(refused.value)
    assert "move it away to start a new ledger" in str(refused.value)


def test_a_ledger_that_cannot_be_written_refuses_the_payment_and_counts_nothing(
    clock: Clock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "agent" / "ledger.json"
    budget = Budget(per_day=1, ledger_file=path, clock=clock)
    held = budget.reserve(ALICE, Decimal("0.25"), reference="a")
    path.unlink()
    path.parent.rmdir()
    path.parent.write_text("a file where the ledger's folder was")  # writes now fail
    with pytest.raises(InvalidInputError, match="cannot be written") as refused:
        budget.reserve(ALICE, Decimal("0.50"), reference="b")
    assert str(path) in str(refused.value)
    assert budget.spent() == Decimal("0.25")  # the refused payment is not counted
    # A payment already made is settled in memory all the same; the file, which keeps
    # it at its maximum, is out of date, and a warning says so.
    with caplog.at_level(logging.WARNING, logger="syftbox_accounting"):
        held.settle(Decimal("0.10"))
    assert budget.spent() == Decimal("0.10")
    assert str(path) in caplog.text


def test_a_ledger_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="cannot be read"):
        Budget(ledger_file=tmp_path)


# -- bad input


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"per_call": "ten"}, "per_call must be an amount of US dollars"),
        ({"per_hour": "-1"}, "per_hour must be an amount"),
        ({"per_day": -1}, "per_day must be greater than 0"),
        ({"per_recipient": Decimal("0.0000001")}, "too precise"),
        ({"per_call": float("nan")}, "finite"),
        ({"allow": ["nobody"]}, "allow must list emails or patterns"),
        ({"allow": [3]}, "allow must list emails"),
        ({"allow": 3}, "allow must list emails"),
        ({"ledger_file": 3}, "ledger_file must be a path"),
        ({"clock": 3}, "clock must be a function"),
    ],
)
def test_bad_limits_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        Budget(**options)


@pytest.mark.parametrize("zero", [0, 0.0, Decimal(0), Decimal("0.00"), "0", " 0.00 "])
@pytest.mark.parametrize("limit", ["per_call", "per_hour", "per_day", "per_recipient"])
def test_a_limit_of_zero_in_any_form_allows_nothing(clock: Clock, limit: str, zero: object) -> None:
    # A limit worked out from what is left (or an agent frozen on purpose) may be 0.
    budget = Budget(**{limit: zero}, clock=clock)
    assert getattr(budget, limit) == 0
    error = _refusal(budget, ALICE, "0.000001")
    assert error.limit == limit
    assert "$0.00" in str(error)
    assert budget.spent() == 0


@pytest.mark.parametrize("amount", [0.25, "0.25", 1, Decimal("0.25")])
def test_reserve_and_settle_take_every_amount_form_and_keep_decimals(
    clock: Clock, amount: object
) -> None:
    budget = Budget(per_day=2, clock=clock)
    budget.check(ALICE, amount)  # type: ignore[arg-type]
    budget.reserve(ALICE, amount, reference="a").settle(amount)  # type: ignore[arg-type]
    (entry,) = budget.entries
    assert entry.amount == budget.spent() == Decimal(str(amount))
    assert isinstance(entry.amount, Decimal)


@pytest.mark.parametrize(
    "amount", [-1, 0, None, True, "abc", "", float("nan"), float("inf"), Decimal("NaN"), [1]]
)
def test_check_reserve_and_settle_refuse_a_bad_amount_and_count_nothing(
    clock: Clock, amount: object
) -> None:
    budget = Budget(per_day=1, clock=clock)
    with pytest.raises(InvalidInputError, match=r"amount must|amount of US dollars"):
        budget.check(ALICE, amount)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=r"amount must|amount of US dollars"):
        budget.reserve(ALICE, amount, reference="a")  # type: ignore[arg-type]
    assert budget.entries == ()
    if amount != 0:
        reservation = budget.reserve(ALICE, Decimal("0.5"), reference="b")
        with pytest.raises(InvalidInputError, match=r"paid must|paid is"):
            reservation.settle(amount)  # type: ignore[arg-type]
        assert budget.spent() == Decimal("0.5")  # still counted at its maximum


@pytest.mark.parametrize("recipient", [None, 5, "", "not-an-email"])
def test_check_and_reserve_refuse_a_bad_recipient(clock: Clock, recipient: object) -> None:
    budget = Budget(clock=clock)
    with pytest.raises(InvalidInputError, match="recipient"):
        budget.check(recipient, Decimal(1))  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="recipient"):
        budget.reserve(recipient, Decimal(1), reference="a")  # type: ignore[arg-type]
    assert budget.entries == ()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"within": None}, "within must be a number of seconds"),
        ({"within": "3600"}, "within must be a number of seconds"),
        ({"within": -5}, "within must be a number of seconds"),
        ({"within": float("nan")}, "within must be a number of seconds"),
        ({"within": 10**400}, "within must be a number of seconds"),
        ({"recipient": 5}, "recipient must be a string"),
        ({"recipient": "nobody"}, "not a valid email address"),
    ],
)
def test_spent_refuses_a_bad_window_or_recipient(
    clock: Clock, options: dict[str, Any], message: str
) -> None:
    budget = Budget(clock=clock)
    with pytest.raises(InvalidInputError, match=message):
        budget.spent(**options)


def test_a_budget_shows_its_limits_only() -> None:
    assert repr(Budget(per_call="0.10", allow="*@openmined.org")) == (
        "Budget(per_call=Decimal('0.10'), allow=('*@openmined.org',))"
    )


def test_spent_takes_a_timedelta(clock: Clock) -> None:
    budget = Budget(clock=clock)
    budget.reserve(ALICE, Decimal(1), reference="a")
    clock.now += 120
    assert budget.spent(within=datetime.timedelta(minutes=1)) == 0
    assert budget.spent(within=datetime.timedelta(minutes=3)) == 1


# -- a client with a budget: create_transaction_token, with_options


@pytest.mark.accounting_service(mode="in-process")
def test_create_transaction_token_checks_the_budget_before_any_request(
    accounting_service: AccountingTestService,
) -> None:
    budget = Budget(per_call="0.10", per_day="0.30")
    agent = accounting_service.create_account(balance=1, budget=budget)
    service = accounting_service.create_account(balance=0)
    to = service.get_email()
    # A refused token is not asked for: a fault on createToken would fire otherwise.
    with pytest.raises(BudgetExceededError) as refused:
        agent.create_transaction_token_sync(to, max_amount=Decimal("0.25"))
    assert refused.value.limit == "per_call"
    with pytest.raises(InvalidInputError, match="pass max_amount"):
        agent.create_transaction_token_sync(to)
    assert budget.entries == ()
    for _ in range(3):
        agent.create_transaction_token_sync(to, max_amount=Decimal("0.10"))
    with pytest.raises(BudgetExceededError) as refused:
        agent.create_transaction_token_sync(to, max_amount=Decimal("0.01"))
    assert (refused.value.limit, refused.value.spent) == ("per_day", Decimal("0.30"))
    assert [(e.reference, e.paid) for e in budget.entries] == [("token", False)] * 3


@pytest.mark.anyio
@pytest.mark.accounting_service(mode="in-process")
async def test_create_transaction_token_async_checks_it_too(
    accounting_service: AccountingTestService,
) -> None:
    budget = Budget(per_call="0.10")
    agent = accounting_service.create_account(balance=1, budget=budget)
    to = accounting_service.create_account(balance=0).get_email()
    with pytest.raises(BudgetExceededError):
        await agent.create_transaction_token(to, max_amount=Decimal("0.25"))
    await agent.create_transaction_token(to, max_amount=Decimal("0.10"))
    assert budget.spent() == Decimal("0.10")


@pytest.mark.accounting_service(mode="in-process")
def test_a_token_that_failed_is_not_counted(accounting_service: AccountingTestService) -> None:
    budget = Budget(per_day=1)
    agent = accounting_service.create_account(balance=1, budget=budget)
    refused = accounting_service.faults.error("createToken", "not_found")
    with pytest.raises(PaymentError):
        agent.create_transaction_token_sync("nobody@example.com", max_amount=Decimal(1))
    assert refused.hits == 1
    assert budget.entries == ()


def test_the_budget_option_is_checked_and_kept_by_with_options() -> None:
    budget = Budget(per_call=1)
    client = AccountingClient("http://127.0.0.1:1", ALICE, "pw", budget=budget)
    assert client._budget is budget
    assert client.with_options(timeout=3)._budget is budget
    other = Budget(per_call=2)
    assert client.with_options(budget=other)._budget is other
    assert client.with_options(budget=None)._budget is None
    assert client._budget is budget  # the original keeps its own
    with pytest.raises(InvalidInputError, match=r"budget must be a syftbox_accounting\.Budget"):
        AccountingClient("http://127.0.0.1:1", budget={"per_call": 1})  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=r"budget must be a syftbox_accounting\.Budget"):
        client.with_options(budget="0.10")
