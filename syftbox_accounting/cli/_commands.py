"""The commands: each takes the run's `Context` and returns an exit code. Setting up
an account (`register`, `login`, `status`) is in `_setup.py`."""

from __future__ import annotations

import datetime
import os
import sys
from collections.abc import Callable

from syftbox_accounting import validation
from syftbox_accounting.accounting import AccountingClient
from syftbox_accounting.cli._context import (
    FAILURE,
    OK,
    USAGE,
    Account,
    CliError,
    Context,
    parse_amount,
)
from syftbox_accounting.cli._contract import contract
from syftbox_accounting.cli._output import (
    exact,
    is_terminal,
    money,
    table,
    transaction_doc,
    transaction_lines,
    user_doc,
    user_lines,
)
from syftbox_accounting.cli._parser import ENV_TOKEN, PROG
from syftbox_accounting.cli._setup import login, register, status
from syftbox_accounting.errors import AccountingError
from syftbox_accounting.types import Transaction, TransactionActor

Command = Callable[[Context], int]


def _account(ctx: Context) -> Account:
    account = ctx.resolve_account()
    assert account is not None  # required=True raises instead
    return account


def balance(ctx: Context) -> int:
    account = _account(ctx)
    with ctx.account_client(account) as client, ctx.busy("Fetching the balance"):
        value = exact(client.get_account_balance())
    ctx.emit(
        {"email": account.email, "balance": value, "currency": "USD"},
        [money(value)],
    )
    return OK


# -- paying


def token(ctx: Context) -> int:
    recipient = validation.email(ctx.args.recipient, "recipient")
    account = _account(ctx)
    with ctx.account_client(account) as client, ctx.busy(f"Creating a token for {recipient}"):
        value = client.create_transaction_token_sync(recipient)
    ctx.emit({"token": value}, [value])  # the output the user asked for
    if not ctx.json and is_terminal(sys.stdout):
        ctx.note(f"Give it only to {recipient}: it lets them charge {account.email} once.")
    return OK


def transfer(ctx: Context) -> int:
    recipient = validation.email(ctx.args.recipient, "recipient")
    amount = parse_amount(ctx.args.amount)
    account = _account(ctx)
    with ctx.account_client(account) as client, ctx.busy(f"Paying {recipient}"):
        tx = client.transfer(
            recipient, amount, app_name=ctx.args.app_name, endpoint=ctx.args.endpoint
        )
    ctx.emit(transaction_doc(tx), transaction_lines(tx, f"Paid {money(tx.amount)} to {recipient}."))
    return OK


# -- getting paid


def _token_input(ctx: Context) -> str:
    if ctx.args.token_stdin:
        return ctx.read_stdin_line("token", "--token-stdin")
    if os.environ.get(ENV_TOKEN):
        return ctx.secret(os.environ[ENV_TOKEN])
    if ctx.interactive():
        return ctx.ask_secret("Transaction token: ")
    raise CliError(
        "no transaction token",
        f"pipe it with --token-stdin or set {ENV_TOKEN}; it is never a command-line argument",
        USAGE,
    )


def charge(ctx: Context) -> int:
    sender = validation.email(ctx.args.sender, "sender")
    amount = parse_amount(ctx.args.amount)
    account = _account(ctx)  # reads the password first when both come from stdin
    secret = _token_input(ctx)
    with ctx.account_client(account) as client:
        with ctx.busy(f"Charging {sender}"):
            tx = client.charge(
                sender, amount, secret, app_name=ctx.args.app_name, endpoint=ctx.args.endpoint
            )
        if ctx.args.confirm:
            tx = _confirm_or_cancel(ctx, client, tx)
            headline = f"Charged {sender} {money(tx.amount)}."
        else:
            headline = f"Charged {sender} {money(tx.amount)}: PENDING until you confirm it."
    lines = transaction_lines(tx, headline)
    if tx.is_pending:
        lines += [
            f"Next: '{PROG} confirm {tx.id}' once the work is delivered,",
            f"      '{PROG} cancel {tx.id}' if it failed.",
        ]
    ctx.emit(transaction_doc(tx), lines)
    return OK


def _confirm_or_cancel(ctx: Context, client: AccountingClient, tx: Transaction) -> Transaction:
    try:
        with ctx.busy("Confirming"):
            return client.confirm_transaction(tx.id)
    except AccountingError as exc:
        try:
            with ctx.busy("Cancelling"):
                client.cancel_transaction(tx.id)
        except AccountingError as cancel_exc:
            exc.add_note(
                f"Cancelling transaction {tx.id} failed too ({cancel_exc.code or 'no answer'}): "
                f"check '{PROG} history'."
            )
        else:
            exc.add_note(f"Transaction {tx.id} was cancelled; no money moved.")
        raise


def _resolve(ctx: Context, confirming: bool) -> int:
    tx_id = validation.transaction_id(ctx.args.transaction_id)
    account = _account(ctx)
    with ctx.account_client(account) as client:
        if confirming:
            with ctx.busy("Confirming"):
                tx = client.confirm_transaction(tx_id)
            headline = (
                f"Confirmed: {money(tx.amount)} from {tx.sender_email} to {tx.recipient_email}."
            )
        else:
            with ctx.busy("Cancelling"):
                tx = client.cancel_transaction(tx_id)
            headline = f"Cancelled: {money(tx.amount)} did not move."
    ctx.emit(transaction_doc(tx), transaction_lines(tx, headline))
    return OK


def confirm(ctx: Context) -> int:
    return _resolve(ctx, True)


def cancel(ctx: Context) -> int:
    return _resolve(ctx, False)


def history(ctx: Context) -> int:
    account = _account(ctx)
    with ctx.account_client(account) as client:
        with ctx.busy("Fetching the history"):
            transactions = client.get_transaction_history()
        me = client.get_email()
    limit: int = ctx.args.limit
    shown = transactions[:limit] if limit else transactions
    document = {
        "email": me,
        "total": len(transactions),
        "transactions": [transaction_doc(tx) for tx in shown],
    }
    if not shown:
        ctx.emit(document, ["No transactions."])
        return OK
    rows = [_history_row(tx, me) for tx in shown]
    lines = table(["CREATED (UTC)", "STATUS", "AMOUNT", "WITH", "ID"], rows, right={2})
    if len(shown) < len(transactions):
        lines.append(f"({len(shown)} of {len(transactions)}; --limit 0 shows all)")
    ctx.emit(document, lines)
    return OK


def _history_row(tx: Transaction, me: str) -> list[str]:
    mine = me.casefold()
    if (
        tx.created_by is TransactionActor.SYSTEM
        or tx.sender_email.casefold() == tx.recipient_email.casefold()
    ):
        sign, other = "+", "credit"
    elif tx.recipient_email.casefold() == mine:
        sign, other = "+", f"from {tx.sender_email}"
    else:
        sign, other = "-", f"to {tx.recipient_email}"
    return [
        tx.created_at.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M"),
        tx.status.value,
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
    ctx.emit({"users": [user_doc(u) for u in users]}, lines or ["No accounts."])
    return OK


def serve(ctx: Context, argv: list[str]) -> int:
    """Hand the command line to the reference service (imported only here: it needs
    the optional `server` extra)."""
    from syftbox_accounting.cli._parser import serve_parser

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
    "status": status,
    "balance": balance,
    "token": token,
    "transfer": transfer,
    "charge": charge,
    "confirm": confirm,
    "cancel": cancel,
    "history": history,
    "admin add-balance": add_balance,
    "admin get-user": get_user,
    "admin list-users": list_users,
    "contract": contract,
}

# Commands after which an interruption may have left money in flight.
MOVES_MONEY = {"transfer", "charge", "confirm", "cancel", "admin add-balance"}
