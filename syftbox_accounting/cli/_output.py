"""What the command line shows: JSON documents, aligned text, money, and a spinner.

Nothing here knows about the service; `_commands.py` decides what to show.
"""

from __future__ import annotations

import datetime
import enum
import json
import os
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TextIO

from syftbox_accounting import render
from syftbox_accounting.cli import _style
from syftbox_accounting.display import money
from syftbox_accounting.types import Transaction, Usage, User


def printable(text: str) -> str:
    """`text` safe for a terminal: control characters shown as escapes (``\\x1b``),
    newlines and tabs kept (`render.printable`, which the library's reprs use too)."""
    return render.printable(text, lines=True)


# -- JSON: money as exact numbers, never through a float


def to_json(value: object) -> str:
    """`value` as an indented JSON document. Decimals become JSON numbers written
    digit for digit (``Decimal("0.1")`` is ``0.1``, never ``0.1000000000000000055``);
    datetimes become ISO 8601 text; enums their value."""
    return _encode(value, 0)


def _number(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"cannot write {value} as a JSON number")
    text = format(value.normalize(), "f")
    return "0" if text in {"-0", "0"} else text


def _encode(value: object, level: int) -> str:
    pad, inner = "  " * level, "  " * (level + 1)
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, enum.Enum):
        return _encode(value.value, level)
    if isinstance(value, Decimal):
        return _number(value)
    if isinstance(value, float):
        return _number(Decimal(repr(value)))
    if isinstance(value, int):
        return json.dumps(value)
    if isinstance(value, str):
        return _json_text(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return json.dumps(value.isoformat())
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        items = (f"{inner}{json.dumps(str(k))}: {_encode(v, level + 1)}" for k, v in value.items())
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        items = (f"{inner}{_encode(v, level + 1)}" for v in value)
        return "[\n" + ",\n".join(items) + f"\n{pad}]"
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _json_text(text: str) -> str:
    """`text` as a JSON string, readable (non-ASCII text as it is) and safe for a
    terminal: JSON escapes only C0 controls, so C1 controls (``\\x9b`` starts an escape
    sequence) and bidirectional overrides are written as ``\\uXXXX`` too."""
    dumped = json.dumps(text, ensure_ascii=False)
    if dumped.isprintable():
        return dumped
    return "".join(c if c.isprintable() else json.dumps(c)[1:-1] for c in dumped)


def to_json_line(value: object) -> str:
    """`value` as JSON on one line (JSON Lines): `to_json` without its indentation
    (strings never hold a raw line break: JSON escapes it)."""
    return " ".join(line.strip() for line in to_json(value).splitlines())


def usage_doc(usage: Usage) -> dict[str, Any]:
    """A usage summary for `--json`: `Usage.as_dict()` with the exact amounts."""
    return {
        **usage.as_dict(),
        "total_spent": usage.total_spent,
        "total_received": usage.total_received,
        "pending_amount": usage.pending_amount,
        "total_refunds_received": usage.total_refunds_received,
        "total_refunds_given": usage.total_refunds_given,
    }


def transaction_doc(tx: Transaction) -> dict[str, Any]:
    """A transaction for `--json`: `Transaction.as_dict()` with the exact amounts."""
    return {
        **tx.as_dict(),
        "amount": tx.amount,
        "authorized_amount": tx.authorized_amount,
        "refunded_amount": tx.refunded_amount,
    }


def user_doc(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "balance": user.balance,
        "available_balance": user.available_balance,
        "held_balance": user.held_balance,
        "organization": user.organization,
    }


# -- text


def when(moment: datetime.datetime | None) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def fields(rows: Iterable[tuple[str, str | None]], indent: str = "  ") -> list[str]:
    """``key  value`` lines, keys padded to one width; rows whose value is None are left
    out. A value is one line: its line breaks are escaped (`render.printable`), or one
    from the service (a refund's reason) could print a line that reads as a field."""
    kept = [(k, v) for k, v in rows if v is not None]
    width = max((len(k) for k, _ in kept), default=0)
    return [f"{indent}{k:<{width}}  {render.printable(v)}" for k, v in kept]


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    right: set[int],
    style: Callable[[int, str], str | None] | None = None,
    stream: TextIO | None = None,
) -> list[str]:
    """An aligned table, columns two spaces apart; columns in `right` right-aligned.
    Every cell is made `printable` first, so the lines are safe for a terminal as they
    are; on a coloured `stream` the header is bold and `style(column, cell)` names a
    cell's style (see `_style`)."""
    out = stream or sys.stdout
    headers = [printable(h) for h in headers]
    rows = [[printable(c) for c in r] for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str], header: bool = False) -> str:
        parts = []
        for i, cell in enumerate(cells):
            padded = cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            if i == len(cells) - 1:
                padded = padded.rstrip()
            name = "heading" if header else (style(i, cell) if style else None)
            parts.append(_style.paint(padded, name, out))
        return "  ".join(parts).rstrip()

    return [line(headers, header=True), *(line(r) for r in rows)]


def transaction_lines(tx: Transaction, headline: str) -> list[str]:
    rows: list[tuple[str, str | None]] = [
        ("id", tx.id),
        ("amount", money(tx.amount)),
        ("from", tx.sender_email),
        ("to", tx.recipient_email),
        ("held", _held(tx)),
        ("status", _status(tx)),
        ("expires", when(tx.expires_at) if tx.is_pending and tx.expires_at else None),
        ("refunded", money(tx.refunded_amount) if tx.refunded_amount else None),
        ("refund of", tx.refund_of),
        ("reason", tx.refund_reason),
        ("app", tx.app_name),
        ("endpoint", tx.endpoint),
        ("created", when(tx.created_at)),
        ("resolved", when(tx.resolved_at) if tx.resolved_at else None),
    ]
    return [headline, *fields(rows)]


def _held(tx: Transaction) -> str | None:
    """What a capture below its hold held (nothing to say when it captured all)."""
    held = tx.authorized_amount
    return None if held is None or held == tx.amount else money(held)


def _status(tx: Transaction) -> str:
    return f"{tx.status.value} (hold lapsed)" if tx.expired else tx.status.value


def user_lines(user: User, headline: str) -> list[str]:
    rows: list[tuple[str, str | None]] = [
        ("email", user.email),
        ("balance", money(user.balance)),
        ("available", money(user.available_balance) if user.held_balance else None),
        ("organization", user.organization or "-"),
        ("id", user.id),
    ]
    return [headline, *fields(rows)]


# -- progress


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # replaced or closed streams
        return False


# The spinner on screen, if any, and the lock that keeps its line and other lines apart.
_screen = threading.Lock()
_active: Spinner | None = None


def say(text: str, stream: TextIO | None = None) -> None:
    """Write a line to stderr (or `stream`) above a spinner that is showing: its line is
    cleared first and drawn again at its next turn, so the two never share a line."""
    out = stream or sys.stderr
    with _screen:
        if _active is not None and _active._drawn and _active._stream is out:
            out.write("\r\033[K")
            _active._drawn = False
        out.write(text + "\n")
        out.flush()


class Spinner:
    """A one-line progress indicator on stderr while a call waits for the service.

    It draws only when stderr is a terminal, and only after `delay` seconds, so fast
    calls show nothing; its line is cleared before anything else is printed (`say`
    writes a log line above it). `drawn` is set once it has drawn a frame.
    """

    FRAMES = "|/-\\"

    def __init__(self, message: str, *, delay: float = 0.3, interval: float = 0.1) -> None:
        self.message = message
        self.delay = delay
        self.interval = interval
        self._stream = sys.stderr
        self._enabled = is_terminal(self._stream) and os.environ.get("TERM") != "dumb"
        self._done = threading.Event()
        self.drawn = threading.Event()
        self._drawn = False
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        if self._done.wait(self.delay):
            return
        frame = 0
        while True:
            char = self.FRAMES[frame % len(self.FRAMES)]
            with _screen:
                if self._done.is_set():
                    return
                self._stream.write(f"\r{char} {self.message}...")
                self._stream.flush()
                self._drawn = True
            self.drawn.set()
            frame += 1
            if self._done.wait(self.interval):
                return

    def __enter__(self) -> Spinner:
        global _active
        if self._enabled:
            with _screen:
                _active = self
            self._thread = threading.Thread(target=self._run, name="cli-spinner", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        global _active
        self._done.set()
        if self._thread is not None:
            self._thread.join()
        with _screen:
            if _active is self:
                _active = None
            if self._drawn:
                self._stream.write("\r\033[K")
                self._stream.flush()
                self._drawn = False
