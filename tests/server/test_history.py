"""History at scale, service side: keyset pages stable under concurrent inserts,
filters, signed cursors, one transaction by id, the usage summary, the pending cap."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from syftbox_accounting.server import ManualClock
from tests.server.conftest import Api, User

# A ceiling for the waits below: generous, reached only when something is broken.
PATIENCE = 60.0


def history(api: Api, user: User, **params: Any) -> httpx.Response:
    return api.http.get("/transactions", params=params, auth=user.auth)


def funded(api: Api, amount: int = 1000) -> User:
    user = api.register()
    api.credit(user, amount)
    return user


def pay(api: Api, sender: User, recipient: User, amount: Any, *, confirm: bool = True) -> str:
    created = api.pay(sender, recipient, amount)
    assert created.status_code == 200, created.text
    transaction_id: str = created.json()["transaction"]["id"]
    if confirm:
        assert api.resolve("confirm", transaction_id, sender).status_code == 200
    return transaction_id


def walk(api: Api, user: User, page: int, **params: Any) -> list[str]:
    seen: list[str] = []
    cursor = None
    while True:
        query = {"limit": page, **params} | ({"cursor": cursor} if cursor else {})
        answer = history(api, user, **query)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert len(body["transactions"]) <= page
        seen += [t["id"] for t in body["transactions"]]
        cursor = body["nextCursor"]
        if cursor is None:
            return seen


def test_without_limit_the_answer_is_the_whole_history(api: Api) -> None:
    payer, shop = funded(api), api.register()
    ids = [pay(api, payer, shop, n) for n in range(1, 6)]
    body = history(api, payer).json()
    assert [t["id"] for t in body["transactions"]][:5] == ids[::-1]
    assert body["nextCursor"] is None
    assert len(body["transactions"]) == 6  # and the admin's credit


def test_pages_walk_the_history_newest_first(api: Api) -> None:
    payer, shop = funded(api), api.register()
    ids = [pay(api, payer, shop, 1, confirm=False) for _ in range(7)]
    assert walk(api, shop, 3) == ids[::-1]
    assert walk(api, shop, 7) == ids[::-1]
    assert walk(api, shop, 1000) == ids[::-1]


def test_pages_stay_stable_while_others_insert(api: Api) -> None:
    payer, shop = funded(api, 10_000), api.register()
    before = [pay(api, payer, shop, 1, confirm=False) for _ in range(40)]
    stop, first_read = threading.Event(), threading.Event()
    # Each insert, and whether it was sent after the walk's first page had been read.
    inserted: list[tuple[str, bool]] = []
    changed = threading.Condition()

    def keep_inserting() -> None:
        with httpx.Client(base_url=api.service.url, timeout=PATIENCE) as other:
            while not stop.is_set():
                after_first_page = first_read.is_set()
                answer = other.post(
                    "/transaction/create",
                    json={"senderEmail": payer.email, "recipientEmail": shop.email, "amount": 1},
                    auth=payer.auth,
                )
                assert answer.status_code == 200, answer.text
                with changed:
                    inserted.append((answer.json()["transaction"]["id"], after_first_page))
                    changed.notify_all()

    def wait_for(condition: Callable[[], bool]) -> None:
        with changed:
            assert changed.wait_for(condition, PATIENCE)

    worker = threading.Thread(target=keep_inserting)
    worker.start()
    try:
        # Start once some inserts have happened, so the first page already races them.
        wait_for(lambda: len(inserted) >= 5)
        existed = [tx for tx, _ in inserted]  # answered before the walk began
        first = history(api, shop, limit=4).json()
        first_read.set()
        seen = [t["id"] for t in first["transactions"]]
        cursor = first["nextCursor"]
        # At least one insert races the later pages, on any machine.
        wait_for(lambda: any(after for _, after in inserted))
        while cursor is not None:
            page = history(api, shop, limit=4, cursor=cursor).json()
            seen += [t["id"] for t in page["transactions"]]
            cursor = page["nextCursor"]
    finally:
        stop.set()
        worker.join()
    later = [tx for tx, after in inserted if after]  # sent once the first page was read
    assert later, "the inserts must race the walk"
    assert len(seen) == len(set(seen)), "a transaction was repeated"
    missing = (set(before) | set(existed)) - set(seen)
    assert not missing, "a transaction that existed when the walk began was skipped"
    assert not set(later) & set(seen), "a transaction created during the walk appeared"


def test_filters(timed_api: Api, clock: ManualClock) -> None:
    # On the manual clock, a second apart: a fast service makes two payments in one
    # millisecond, the stamps' resolution, and a time window cannot tell those apart.
    api = timed_api
    payer, shop, friend = funded(api), api.register(), api.register()
    clock.advance(1)
    paid = pay(api, payer, shop, 2)
    clock.advance(1)
    open_ = pay(api, payer, shop, 3, confirm=False)
    clock.advance(1)
    gift = pay(api, payer, friend, 4)
    clock.advance(1)
    cancelled = pay(api, payer, friend, 5, confirm=False)
    assert api.resolve("cancel", cancelled, payer).status_code == 200

    def ids(**params: Any) -> list[str]:
        answer = history(api, payer, **params)
        assert answer.status_code == 200, answer.text
        return [t["id"] for t in answer.json()["transactions"]]

    assert ids(status="PENDING") == [open_]
    assert ids(status="CANCELLED", limit=10) == [cancelled]
    assert ids(counterparty=shop.email) == [open_, paid]
    assert ids(counterparty=friend.email.upper(), limit=1) == [cancelled]
    every = history(api, payer).json()["transactions"]
    assert ids(counterparty=payer.email) == [every[-1]["id"]]  # the credit, to oneself
    created = {t["id"]: t["createdAt"] for t in every}
    assert ids(createdAfter=created[gift]) == [cancelled, gift]
    assert ids(createdBefore=created[open_], status="COMPLETED") == [paid, every[-1]["id"]]
    assert ids(createdAfter="2999-01-01T00:00:00Z") == []


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 1001},
        {"limit": "ten"},
        {"limit": "\u0663"},  # an Arabic-Indic 3: int() would take it
        {"limit": "\u00b2"},
        {"status": "DONE"},
        {"counterparty": "not-an-email"},
        {"createdAfter": "2026-11-01T00:00:00"},  # no offset
        {"createdAfter": "yesterday"},
        {"createdAfter": "2026-11-02T00:00:00Z", "createdBefore": "2026-11-01T00:00:00Z"},
    ],
)
def test_bad_parameters_are_a_422_naming_them(api: Api, params: dict[str, Any]) -> None:
    user = api.register()
    answer = history(api, user, **params)
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["code"] == "validation_error"
    assert body["details"][0]["field"] in params


def test_cursors_are_signed_and_belong_to_one_account(api: Api) -> None:
    payer, shop = funded(api), api.register()
    for _ in range(3):
        pay(api, payer, shop, 1)
    cursor = history(api, payer, limit=1).json()["nextCursor"]
    assert cursor
    encoded, signature = cursor.split(".")
    forged = f"{encoded[:-2]}AA.{signature}"
    for bad, who in [
        ("garbage", payer),
        ("a.b", payer),
        (forged, payer),
        (cursor + "x", payer),
        ("x" * 600, payer),
        (cursor, shop),  # another account's
    ]:
        answer = history(api, who, limit=1, cursor=bad)
        assert answer.status_code == 422, (bad, answer.text)
        assert answer.json()["code"] == "cursor_invalid"
    assert history(api, payer, limit=1, cursor=cursor).status_code == 200


def test_one_transaction_for_either_party_and_nobody_else(api: Api) -> None:
    payer, shop, stranger = funded(api), api.register(), api.register()
    transaction_id = pay(api, payer, shop, 2)
    for user in (payer, shop):
        answer = api.http.get(f"/transactions/{transaction_id}", auth=user.auth)
        assert answer.status_code == 200, answer.text
        assert answer.json()["transaction"]["status"] == "COMPLETED"
    for missing in (transaction_id, "no-such-id"):
        answer = api.http.get(f"/transactions/{missing}", auth=stranger.auth)
        assert answer.status_code == 404
        assert answer.json()["code"] == "not_found"
    assert api.http.get(f"/transactions/{transaction_id}").status_code == 401
    assert api.http.get(f"/transactions/{'x' * 65}", auth=payer.auth).status_code == 422


def test_usage_is_exact_and_windowed(timed_api: Api, clock: ManualClock) -> None:
    api = timed_api  # the window starts at a stamp (milliseconds): a second apart
    payer, shop = funded(api, 10), api.register()
    pay(api, payer, shop, 0.1)
    pay(api, payer, shop, 0.2)
    clock.advance(1)
    pending = pay(api, payer, shop, 0.3, confirm=False)
    usage = api.http.get("/user/usage", auth=payer.auth).json()["usage"]
    assert usage["transactionCount"] == 4  # with the credit
    assert usage["totalSpent"] == 0.3  # exactly, not 0.30000000000000004
    assert usage["totalReceived"] == 10  # the credit (an initial balance is no transaction)
    assert (usage["pendingCount"], usage["pendingAmount"]) == (1, 0.3)
    theirs = api.http.get("/user/usage", auth=shop.auth).json()["usage"]
    assert (theirs["totalReceived"], theirs["pendingAmount"]) == (0.3, 0)
    assert theirs["pendingCount"] == 1
    created = api.http.get(f"/transactions/{pending}", auth=payer.auth).json()["transaction"]
    window = api.http.get(
        "/user/usage", params={"createdAfter": created["createdAt"]}, auth=payer.auth
    ).json()["usage"]
    assert window["transactionCount"] == 1
    assert window["totalSpent"] == 0
    assert window["firstTransactionAt"] == window["lastTransactionAt"] == created["createdAt"]
    empty = api.http.get(
        "/user/usage", params={"createdBefore": "2000-01-01T00:00:00Z"}, auth=payer.auth
    ).json()["usage"]
    assert empty["transactionCount"] == 0
    assert empty["firstTransactionAt"] is None
    assert api.http.post("/user/usage", auth=payer.auth).status_code == 405


def test_a_sender_has_a_bounded_number_of_pending_transactions(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api.service.service, "max_pending", 3)
    payer, shop, other = funded(api), api.register(), api.register()
    pending = [pay(api, payer, shop, 1, confirm=False) for _ in range(3)]
    refused = api.pay(payer, other, 1)
    assert refused.status_code == 409
    assert refused.json()["code"] == "too_many_pending"
    assert "confirm or cancel" in refused.json()["message"].lower()
    # Others are not held back, and resolving one makes room again.
    assert api.pay(shop, payer, 1).status_code == 200  # other senders are not held back
    assert api.resolve("cancel", pending[0], payer).status_code == 200
    assert api.pay(payer, other, 1).status_code == 200


# Edge-of-calendar times: with their offset, each lies outside years 1 to 9998 in UTC
# (or has no UTC form at all); and the forms around them that are fine.
EDGE_TIMES = [
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T13:59:59.999999+14:00",
    "0001-01-01T00:00:00+23:59",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31T23:59:59.999999+00:00",
    "9998-12-31T23:59:59.9999-00:01",
    "9999-01-01T00:00:00Z",
    "0000-01-01T00:00:00Z",
    "10000-01-01T00:00:00Z",
]
FINE_TIMES = [
    "0001-01-01T00:00:00-14:00",
    "0001-01-01T14:00:00+14:00",
    "9998-12-31T23:59:59.999+00:00",
    "9999-01-01T00:00:00+14:00",
]


@pytest.mark.parametrize("path", ["/transactions", "/user/usage"])
@pytest.mark.parametrize("name", ["createdAfter", "createdBefore"])
def test_a_time_at_the_edge_of_the_calendar_is_a_422_not_a_500(
    api: Api, path: str, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    user = api.register()
    for moment in EDGE_TIMES:
        answer = api.http.get(path, params={name: moment}, auth=user.auth)
        assert answer.status_code == 422, (moment, answer.text)
        assert answer.json()["details"] == [
            {"field": name, "problem": answer.json()["details"][0]["problem"]}
        ]
        assert "1 and 9998" in answer.json()["details"][0]["problem"]
    for moment in FINE_TIMES:
        answer = api.http.get(path, params={name: moment}, auth=user.auth)
        assert answer.status_code == 200, (moment, answer.text)
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_one_sender_has_a_bounded_number_pending_towards_one_recipient(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api.service.service, "max_pending_per_recipient", 2)
    payer, victim, other = funded(api), api.register(), api.register()
    pending = [pay(api, payer, victim, 1, confirm=False) for _ in range(2)]
    refused = api.pay(payer, victim, 1)
    assert (refused.status_code, refused.json()["code"]) == (409, "too_many_pending")
    assert victim.email in refused.json()["message"]
    # Delegated charges count too: they are pending towards the same recipient.
    token = api.token(payer, victim)
    charged = api.charge(token, payer, victim, 1)
    assert (charged.status_code, charged.json()["code"]) == (409, "too_many_pending")
    # Others, and the way back, are not held; resolving one makes room.
    assert api.pay(payer, other, 1).status_code == 200
    assert api.pay(victim, payer, 1).status_code == 200
    assert api.resolve("cancel", pending[0], payer).status_code == 200
    assert api.pay(payer, victim, 1).status_code == 200
    listed = history(api, victim, status="PENDING").json()["transactions"]
    assert sum(t["senderEmail"] == payer.email for t in listed) == 2
