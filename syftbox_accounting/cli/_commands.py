"""The commands: each takes the run's `Context` and returns an exit code. Setting up
an account (`register`, `login`, `status`) is in `_setup.py`."""

from __future__ import annotations

import datetime
import sys
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from syftbox_accounting import operations, records, validation
from syftbox_accounting.accounting import AccountingClient
from syftbox_accounting.cli._context import TOKEN, Account, Context, parse_amount
from syftbox_accounting.cli._contract import contract
from syftbox_accounting.cli._errors import FAILURE, OK, CliError
from syftbox_accounting.cli._keys import create as create_key
from syftbox_accounting.cli._keys import list_keys
from syftbox_accounting.cli._keys import revoke as revoke_key
from syftbox_accounting.cli._output import (
    fields,
    is_terminal,
    table,
    to_json,
    to_json_line,
    transaction_doc,
    transaction_lines,
    usage_doc,
    user_doc,
    user_lines,
    when,
)
from syftbox_accounting.cli._parser import serve_parser
from syftbox_accounting.cli._program import KEYS_LISTING, PROG
from syftbox_accounting.cli._setup import login, logout, register, status
from syftbox_accounting.display import money
from syftbox_accounting.types import Transaction

Command = Callable[[Context], int]
STREAM_PAGE_SIZE = 500


def _account(ctx: Context) -> Account:
    account = ctx.resolve_account()
    assert account is not None  # required=True raises instead
    return account


def _idempotency_key(ctx: Context) -> str:
    """The command's key: the operator's, or a fresh one (shown if the command fails,
    so that it can be repeated safely)."""
    key = validation.idempotency_key(ctx.args.idempotency_key, "--idempotency-key")
    ctx.idempotency_key = key or operations.new_key()
    return ctx.idempotency_key


def balance(ctx: Context) -> int:
    account = _account(ctx)
    with ctx.account_client(account) as client, ctx.busy("Fetching the balance"):
        user = client.get_account()
    lines = [money(user.balance)]
    if user.held_balance:
        lines.append(
            f"{money(user.available_balance)} available; {money(user.held_balance)} held "
            "by pending transactions"
        )
    ctx.emit(
        {
            "email": user.email,
            "balance": user.balance,
            "available_balance": user.available_balance,
            "held_balance": user.held_balance,
            "currency": "USD",
        },
        lines,
    )
    return OK


# -- paying


def token(ctx: Context) -> int:
    recipient = validation.email(ctx.args.recipient, "recipient")
    limit = None if ctx.args.max is None else parse_amount(ctx.args.max, "--max")
    expires = validation.expires_in(ctx.args.expires, "--expires")
    key = _idempotency_key(ctx)
    account = _account(ctx)
    with ctx.account_client(account) as client, ctx.busy(f"Creating a token for {recipient}"):
        value = client.create_transaction_token_sync(
            recipient, max_amount=limit, expires_in=expires, idempotency_key=key
        )
    ctx.emit({"token": value}, [value])  # the output the user asked for
    if not ctx.json and is_terminal(sys.stdout):
        ctx.note(f"Give it only to {recipient}: it lets them charge {account.who} once.")
    return OK


def transfer(ctx: Context) -> int:
    recipient = validation.email(ctx.args.recipient, "recipient")
    amount = parse_amount(ctx.args.amount)
    app_name, endpoint = _labels(ctx)
    key = _idempotency_key(ctx)
    account = _account(ctx)
    ctx.agree_to_move(f"Pay {money(amount)} to {recipient} from {account.email}?")
    with ctx.account_client(account) as client, ctx.busy(f"Paying {recipient}"):
        tx = client.transfer(
            recipient, amount, app_name=app_name, endpoint=endpoint, idempotency_key=key
        )
    ctx.emit(transaction_doc(tx), transaction_lines(tx, f"Paid {money(tx.amount)} to {recipient}."))
    return OK


def _labels(ctx: Context) -> tuple[str | None, str | None]:
    """--app-name and --endpoint, checked by the library under their options' names."""
    return (
        validation.optional_text(
            "--app-name", ctx.args.app_name, max_length=validation.MAX_APP_NAME_LENGTH
        ),
        validation.optional_text(
            "--endpoint", ctx.args.endpoint, max_length=validation.MAX_ENDPOINT_LENGTH
        ),
    )


# -- getting paid


def charge(ctx: Context) -> int:
    sender = validation.email(ctx.args.sender, "sender")
    amount = parse_amount(ctx.args.amount)
    hold_for = validation.expires_in(ctx.args.hold_for, "--hold-for")
    app_name, endpoint = _labels(ctx)
    key = _idempotency_key(ctx)
    account = _account(ctx)  # reads the password first when both come from stdin
    read = ctx.read_secret(
        TOKEN, prompt="Transaction token: ", advice="; it is never a command-line argument"
    )
    assert read is not None  # required
    confirm = bool(ctx.args.confirm)
    if confirm:  # a pending charge moves nothing until `confirm`
        ctx.agree_to_move(
            f"Charge {sender} {money(amount)} and confirm it now (the money moves at once)?"
        )
    with ctx.account_client(account) as client, ctx.busy(f"Charging {sender}"):
        tx = client.charge(
            sender,
            amount,
            read[0],
            app_name=app_name,
            endpoint=endpoint,
            hold_for=hold_for,
            confirm=confirm,
            idempotency_key=key,
        )
    if confirm:
        headline = f"Charged {sender} {money(tx.amount)}."
    else:
        headline = f"Charged {sender} {money(tx.amount)}: PENDING until you confirm it."
    lines = transaction_lines(tx, headline)
    if tx.is_pending:
        lines += [
            f"Next: '{PROG} confirm {tx.id}' once the work is delivered",
            f"      (--amount PRICE to capture less), '{PROG} cancel {tx.id}' if it failed.",
        ]
    ctx.emit(transaction_doc(tx), lines)
    return OK


def _resolve(ctx: Context, confirming: bool) -> int:
    tx_id = validation.transaction_id(ctx.args.transaction_id, "TX_ID", KEYS_LISTING)
    key = _idempotency_key(ctx)
    price = None
    if confirming and ctx.args.amount is not None:
        # 0 or less: the library's refusal, naming the commands that do it instead.
        words = {
            "cancel": f"cancel it ('{PROG} cancel {tx_id}')",
            "refund": f"'{PROG} refund {tx_id}'",
        }
        price = parse_amount(
            ctx.args.amount,
            "--amount",
            lambda value, name: validation.captured(value, name, **words),
        )
    account = _account(ctx)  # once the values are known good: no password asked in vain
    with ctx.account_client(account) as client:
        if confirming:
            with ctx.busy("Confirming"):
                tx = client.confirm_transaction(tx_id, amount=price, idempotency_key=key)
            headline = (
                f"Confirmed: {money(tx.amount)} from {tx.sender_email} to {tx.recipient_email}."
            )
            held = tx.authorized_amount
            if held is not None and held != tx.amount:
                headline += f" {money(held - tx.amount)} of the {money(held)} held was released."
        else:
            with ctx.busy("Cancelling"):
                tx = client.cancel_transaction(tx_id, idempotency_key=key)
            headline = f"Cancelled: {money(tx.amount)} did not move."
    ctx.emit(transaction_doc(tx), transaction_lines(tx, headline))
    return OK


def confirm(ctx: Context) -> int:
    return _resolve(ctx, True)


def cancel(ctx: Context) -> int:
    return _resolve(ctx, False)


def refund(ctx: Context) -> int:
    tx_id = validation.transaction_id(ctx.args.transaction_id, "TX_ID", KEYS_LISTING)
    amount = None if ctx.args.amount is None else parse_amount(ctx.args.amount, "--amount")
    reason = validation.optional_text(
        "--reason", ctx.args.reason, max_length=validation.MAX_REASON_LENGTH
    )
    key = _idempotency_key(ctx)
    account = _account(ctx)
    how_much = money(amount) if amount is not None else "all that is left"
    ctx.agree_to_move(f"Refund {how_much} of payment {tx_id} to its payer?")
    with ctx.account_client(account) as client, ctx.busy(f"Refunding {tx_id}"):
        tx = client.refund_transaction(tx_id, amount=amount, reason=reason, idempotency_key=key)
    headline = f"Refunded {money(tx.amount)} to {tx.recipient_email} (payment {tx.refund_of})."
    ctx.emit(transaction_doc(tx), transaction_lines(tx, headline))
    return OK


_HISTORY_HEADERS = ["CREATED (UTC)", "STATUS", "AMOUNT", "WITH", "ID"]
# Streamed rows cannot be measured first: fixed widths (a longer value pushes its row).
_STREAM_WIDTHS = (16, 9, 14, 40)


def _filters(ctx: Context) -> dict[str, Any]:
    """The history filters, checked by the library under their options' names."""
    counterparty = ctx.option("counterparty")
    since, until = validation.window(
        ctx.option("since"), ctx.option("until"), ("--since", "--until")
    )
    return {
        "status": ctx.option("status"),
        "created_after": since,
        "created_before": until,
        "counterparty": None if counterparty is None else validation.email(counterparty, "--with"),
    }


def history(ctx: Context) -> int:
    filters = _filters(ctx)
    account = _account(ctx)
    with ctx.account_client(account) as client:
        if ctx.args.all or ctx.args.limit == 0:
            return _stream_history(ctx, client, filters)
        limit: int = ctx.args.limit
        with ctx.busy("Fetching the history"):
            # One more than shown says whether older ones exist.
            found = client.get_transaction_history(
                min(limit + 1, validation.MAX_HISTORY_LIMIT), **filters
            )
        me = client.get_email()
    shown, more = found[:limit], len(found) > limit
    if ctx.args.jsonl:
        for tx in shown:
            print(to_json_line(transaction_doc(tx)), flush=True)
        return OK
    document = {"email": me, "transactions": [transaction_doc(tx) for tx in shown], "more": more}
    if not shown:
        ctx.emit(document, ["No transactions."])
        return OK
    rows = [_history_row(tx, me) for tx in shown]
    lines = table(_HISTORY_HEADERS, rows, right={2}, style=_history_style)
    if more:
        lines.append(f"(the newest {len(shown)}; --limit N shows more, --all every one)")
    ctx.emit(document, lines, safe=True)
    return OK


def _stream_history(ctx: Context, client: AccountingClient, filters: dict[str, Any]) -> int:
    """Every matching transaction, printed page by page as it arrives: memory holds
    one page, and --json still writes one JSON document."""
    me = client.get_email()
    transactions = client.iter_transactions(page_size=STREAM_PAGE_SIZE, **filters)
    out = sys.stdout
    count = 0
    if ctx.args.jsonl:
        for tx in transactions:
            out.write(to_json_line(transaction_doc(tx)) + "\n")
            count += 1
        out.flush()
        return OK
    if ctx.json:
        out.write("{\n" + f'  "email": {to_json(me)},\n  "transactions": [')
        try:
            for tx in transactions:
                item = to_json(transaction_doc(tx)).replace("\n", "\n    ")
                out.write(("," if count else "") + "\n    " + item)
                count += 1
        except BaseException:
            # Cut short (a failed page, Ctrl-C): the error goes inside this document,
            # which its report closes, so that stdout still holds one JSON document.
            out.write(("\n  " if count else "") + '],\n  "error": ')
            ctx.json_open = True
            raise
        out.write(("\n  " if count else "") + "]\n}\n")
        out.flush()
        return OK
    for tx in transactions:
        if count == 0:
            out.write(_stream_line(_HISTORY_HEADERS) + "\n")
        out.write(_stream_line(_history_row(tx, me)) + "\n")
        count += 1
    out.write("No transactions.\n" if count == 0 else f"({count} transactions)\n")
    out.flush()
    return OK


_STATUS_STYLES = {
    "PENDING": "pending",
    "COMPLETED": "ok",
    "CANCELLED": "cancelled",
    "EXPIRED": "cancelled",
}


def _history_style(column: int, cell: str) -> str | None:
    """A history row's colours: its status, and money in (+) or out (-)."""
    if column == 1:
        return _STATUS_STYLES.get(cell)
    if column == 2:
        return "plus" if cell.startswith("+") else "minus"
    return None


def _stream_line(cells: list[str]) -> str:
    created, status, amount, other, tx_id = cells
    widths = _STREAM_WIDTHS
    return (
        f"{created:<{widths[0]}}  {status:<{widths[1]}}  {amount:>{widths[2]}}  "
        f"{other:<{widths[3]}}  {tx_id}"
    ).rstrip()


def show(ctx: Context) -> int:
    tx_id = validation.transaction_id(ctx.args.transaction_id, "TX_ID", KEYS_LISTING)
    account = _account(ctx)
    with ctx.account_client(account) as client, ctx.busy(f"Looking up {tx_id}"):
        tx = client.get_transaction(tx_id)
    ctx.emit(transaction_doc(tx), transaction_lines(tx, f"Transaction {tx.id}"))
    return OK


def usage(ctx: Context) -> int:
    filters = _filters(ctx)
    since, until = filters["created_after"], filters["created_before"]
    account = _account(ctx)
    with ctx.account_client(account) as client, ctx.busy("Summarizing the history"):
        summary = client.get_usage(created_after=since, created_before=until)
    window = ""
    if since or until:
        window = (
            f" from {when(since) if since else 'the start'} to {when(until) if until else 'now'}"
        )
    rows: list[tuple[str, str | None]] = [
        ("transactions", str(summary.transaction_count)),
        ("spent", money(summary.total_spent)),
        ("received", money(summary.total_received)),
        # Only when there are any, as `show` leaves out a transaction's empty refund rows.
        ("refunds received", _money_if(summary.total_refunds_received)),
        ("refunds given", _money_if(summary.total_refunds_given)),
        ("pending", f"{summary.pending_count} ({money(summary.pending_amount)} to pay)"),
        ("first", when(summary.first_transaction_at)),
        ("last", when(summary.last_transaction_at)),
    ]
    document = {
        "email": account.email,
        "created_after": since,
        "created_before": until,
        "usage": usage_doc(summary),
    }
    ctx.emit(document, [f"Usage of {account.who}{window}:", *fields(rows)])
    return OK


def _money_if(amount: Decimal) -> str | None:
    return money(amount) if amount else None


def _history_row(tx: Transaction, me: str) -> list[str]:
    sign, other = records.seen_from(tx, me)  # as the library's own tables say it
    return [
        tx.created_at.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M"),
        records.status_text(tx),
        sign + money(tx.amount),
        other,
        tx.id,
    ]


# -- operators


def add_balance(ctx: Context) -> int:
    email = validation.email(ctx.args.user_email)
    amount = parse_amount(ctx.args.amount)
    with ctx.admin_client() as admin, ctx.busy(f"Crediting {email}"):
        user = admin.add_balance(email, amount)
    ctx.emit(
        {"user": user_doc(user), "added": amount},
        user_lines(user, f"Added {money(amount)} to {user.email}."),
    )
    return OK


def get_user(ctx: Context) -> int:
    email = validation.email(ctx.args.user_email)
    with ctx.admin_client() as admin, ctx.busy(f"Looking up {email}"):
        user = admin.get_user(email)
    ctx.emit({"user": user_doc(user)}, user_lines(user, user.email))
    return OK


def list_users(ctx: Context) -> int:
    with ctx.admin_client() as admin, ctx.busy("Listing the accounts"):
        users = admin.list_users()
    rows = [[u.email, money(u.balance), u.organization or "-", u.id] for u in users]
    lines = table(["EMAIL", "BALANCE", "ORGANIZATION", "ID"], rows, right={1}) if users else []
    ctx.emit({"users": [user_doc(u) for u in users]}, lines or ["No accounts."], safe=True)
    return OK


def serve(ctx: Context, argv: list[str]) -> int:
    """Hand the command line to the reference service (imported only here: it needs
    the optional `server` extra, a seam kept lazy on purpose)."""
    try:
        import syftbox_accounting.server as server
    except ImportError as exc:
        raise CliError(
            f"the reference service needs packages that are not installed ({exc.name})",
            "install them with: pip install 'syftbox-accounting[server]'",
            FAILURE,
        ) from None
    parser = serve_parser()
    server.add_serve_arguments(parser)
    server.run_from_args(parser.parse_args(argv))
    return OK


COMMANDS: dict[str, Command] = {
    "register": register,
    "login": login,
    "logout": logout,
    "status": status,
    "balance": balance,
    "token": token,
    "transfer": transfer,
    "charge": charge,
    "confirm": confirm,
    "cancel": cancel,
    "refund": refund,
    "history": history,
    "show": show,
    "usage": usage,
    "keys create": create_key,
    "keys list": list_keys,
    "keys revoke": revoke_key,
    "admin add-balance": add_balance,
    "admin get-user": get_user,
    "admin list-users": list_users,
    "contract": contract,
}

# Commands after which an interruption may have left money in flight.
MOVES_MONEY = {"transfer", "charge", "confirm", "cancel", "refund", "admin add-balance"}

# Public network methods of the library that no command calls, on purpose, and why: with
# COMMANDS, the CLI's side of each operation's checklist (tests/test_checklist.py).
NO_COMMAND: dict[str, str] = {
    "update_password": (
        "a new password must also replace the saved, encrypted one; until a command does "
        "both, use AccountingClient.update_password() and then save_credentials()"
    ),
    "update_organization": (
        "a profile field that no shell workflow needs yet; use "
        "AccountingClient.update_organization()"
    ),
}
