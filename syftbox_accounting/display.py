"""`show()`: the account as text in a terminal and as HTML in Jupyter: status, email,
balance (with a sparkline of its recent history), what is available, the service, the
usage and the newest transactions, and snippets for the common operations.

IPython is never imported here unless the user's process already has it: a
notebook always does, a script never needs it. The password is never shown. The
HTML has no colour of its own, no script and nothing fetched from elsewhere.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Sequence
from decimal import Decimal

from syftbox_accounting import render
from syftbox_accounting.render import money as money  # where the CLI and areas find it

# What the snippets call the client when its real name is not known.
NEUTRAL_NAME = "accounting"
OPERATIONS = (
    ("Balance", "{}.get_account_balance()"),
    ("Pay a service", 'await {}.create_transaction_token("svc@example.com")'),
    ("Check credentials", "{}.check_credentials()"),
    ("History", "{}.get_transaction_history(20)"),
    ("Usage", "{}.get_usage()"),
    ("Save credentials", "{}.save_credentials()"),
)
RECENT_SHOWN = 5
RECENT_HEADERS = ("CREATED (UTC)", "STATUS", "AMOUNT", "WITH")
_BARS = "▁▂▃▄▅▆▇█"


@dataclasses.dataclass(frozen=True, slots=True)
class Snapshot:
    """What `show()` displays; it holds no secret.

    `usage` is (label, value) rows; `recent` the newest transactions as table rows
    (`RECENT_HEADERS`); `series` the balance after each recent transaction, oldest
    first, for the sparkline; `name` what the snippets call the client.
    """

    url: str
    email: str | None
    configured: bool
    balance: str
    # What went wrong fetching the balance ("credentials refused"), and what to do.
    status: str | None = None
    hint: str | None = None
    # "$7.50 ($2.50 held by pending transactions)" when pending transactions hold some.
    available: str | None = None
    usage: tuple[tuple[str, str], ...] = ()
    recent: tuple[tuple[str, ...], ...] = ()
    series: tuple[Decimal, ...] = ()
    name: str = NEUTRAL_NAME


def set_up(name: str = NEUTRAL_NAME) -> str:
    return (
        f'{name}.configure(email="...", password="...") or register_accounting("you@example.com")'
    )


def _hint(snapshot: Snapshot) -> str | None:
    if snapshot.hint:
        return snapshot.hint
    return None if snapshot.configured else f"Set up: {set_up(snapshot.name)}"


def _rows(snapshot: Snapshot) -> list[tuple[str, str]]:
    return [
        ("Status", snapshot.status or ("configured" if snapshot.configured else "not configured")),
        ("Email", snapshot.email or "-"),
        ("Balance", snapshot.balance),
        *([("Available", snapshot.available)] if snapshot.available else []),
        ("Service", snapshot.url),
    ]


def _operations(name: str) -> list[tuple[str, str]]:
    return [(label, code.format(name)) for label, code in OPERATIONS]


def available(balance: Decimal, held: Decimal) -> str | None:
    """The available balance as `Snapshot.available` shows it; None when nothing is held."""
    if not held:
        return None
    return f"{money(balance - held)} ({money(held)} held by pending transactions)"


def _trend(series: Sequence[Decimal]) -> str:
    """The sparkline's words: "from $100.00 to $89.75 over the last 12 transactions"."""
    steps = len(series) - 1
    last = "the last transaction" if steps == 1 else f"the last {steps} transactions"
    return f"from {money(series[0])} to {money(series[-1])} over {last}"


def sparkline_text(series: Sequence[Decimal]) -> str:
    """The balance's recent history as block characters, for a terminal."""
    low, high = min(series), max(series)
    span = high - low
    if not span:
        return _BARS[3] * len(series)
    return "".join(_BARS[int((v - low) / span * (len(_BARS) - 1))] for v in series)


def text(snapshot: Snapshot, *, operations: bool = True) -> str:
    """The plain-text form; `operations=False` leaves out the Python snippets (the
    CLI's `status`)."""
    rows = _rows(snapshot)
    if len(snapshot.series) > 1:
        rows.append(("Trend", f"{sparkline_text(snapshot.series)}  {_trend(snapshot.series)}"))
    if snapshot.usage:
        rows.append(("Usage", "; ".join(f"{k.lower()} {v}" for k, v in snapshot.usage)))
    width = max(len(k) for k, _ in rows)
    lines = ["SyftBox accounting"]
    lines += [f"  {k:<{width}}  {v}" for k, v in rows]
    if snapshot.recent:
        lines.append("  Newest transactions:")
        table = render.text_table(RECENT_HEADERS, snapshot.recent, right=frozenset({2}))
        lines += [f"    {line}" for line in table]
    if operations:
        lines.append("  Common operations:")
        lines += [f"    {name:<18} {code}" for name, code in _operations(snapshot.name)]
    hint = _hint(snapshot)
    if hint and operations:
        lines.append(f"  {hint}")
    return "\n".join(lines)


def html(snapshot: Snapshot) -> str:
    """The HTML form, every value escaped."""
    esc = render.html_text
    cell = "padding:1px 12px 1px 0;text-align:left;vertical-align:middle"
    spark = ""
    if len(snapshot.series) > 1:
        label = f"Balance {_trend(snapshot.series)}"
        spark = " " + render.sparkline_svg(snapshot.series, label=label)
    rows = "".join(
        f"<tr><th style='{cell}'>{esc(k)}</th><td style='{cell}'>{esc(v)}"
        f"{spark if k == 'Balance' else ''}</td></tr>"
        for k, v in _rows(snapshot)
    )
    usage = render.html_table(None, snapshot.usage, caption="Usage") if snapshot.usage else ""
    recent = (
        render.html_table(
            RECENT_HEADERS, snapshot.recent, right=frozenset({2}), caption="Newest transactions"
        )
        if snapshot.recent
        else ""
    )
    ops = "".join(
        f"<tr><td style='{cell}'>{esc(n)}</td><td style='{cell}'><code>{esc(c)}</code></td></tr>"
        for n, c in _operations(snapshot.name)
    )
    hint = _hint(snapshot)
    hint_html = f"<p style='margin:0.4em 0'>{esc(hint, lines=True)}</p>" if hint else ""
    # No colours of our own: the notebook's theme (light or dark) decides them.
    side = "display:inline-block;vertical-align:top;margin:0.3em 1.5em 0.3em 0"
    return (
        "<div class='syftbox-accounting' style='color:inherit'><strong>SyftBox accounting"
        f"</strong><div><div style='{side}'><table>{rows}</table></div>"
        f"<div style='{side}'>{usage}</div></div>{recent}{hint_html}"
        f"<details><summary>Common operations</summary><table>{ops}</table></details></div>"
    )


def caller_name(obj: object, default: str = NEUTRAL_NAME) -> str:
    """What the user's code calls `obj`: a name bound to it in a script's or notebook's
    namespace (``payer``), or to a `Client` holding it (``client.accounting_client``);
    `default` when none is (snippets then use a neutral name)."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_globals.get("__name__") == "__main__":
            for space in (frame.f_locals, frame.f_globals):
                found = _bound(space, obj)
                if found:
                    return found
        frame = frame.f_back  # type: ignore[assignment]
    return default


def _bound(space: dict[str, object], obj: object) -> str | None:
    holder = None
    for name, value in list(space.items()):
        if name.startswith("_"):
            continue  # IPython's _, __, _3...: not the user's name
        if value is obj:
            return name
        if holder is None and getattr(value, "accounting_client", None) is obj:
            holder = f"{name}.accounting_client"
    return holder


def _notebook_display() -> object | None:
    """IPython's `display` when running in a Jupyter kernel, else None."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    shell = getattr(ipython, "get_ipython", lambda: None)()
    # A kernel's shell, or a subclass of one (Colab's, for instance).
    if shell is None or not any(
        kind.__name__ == "ZMQInteractiveShell" for kind in type(shell).__mro__
    ):
        return None
    from IPython.display import display  # type: ignore[import-not-found]

    # Both forms: a front end that cannot show HTML shows the text, not an object repr.
    return lambda s: display({"text/html": html(s), "text/plain": text(s)}, raw=True)


def show(snapshot: Snapshot) -> None:
    """Display `snapshot`: HTML in Jupyter, text elsewhere."""
    shower = _notebook_display()
    if callable(shower):
        shower(snapshot)
    else:
        print(text(snapshot))
