"""`show()`: the account as text in a terminal and as HTML in Jupyter.

IPython is never imported here unless the user's process already has it: a
notebook always does, a script never needs it. The password is never shown.
"""

from __future__ import annotations

import dataclasses
import html as _html
import sys
from decimal import Decimal

OPERATIONS = (
    ("Balance", "client.accounting_client.get_account_balance()"),
    ("Pay a service", 'await client.accounting_client.create_transaction_token("svc@example.com")'),
    ("Check credentials", "client.accounting_client.check_credentials()"),
    ("History", "client.accounting_client.get_transaction_history()"),
    ("Save credentials", "client.accounting_client.save_credentials()"),
)


@dataclasses.dataclass(frozen=True, slots=True)
class Snapshot:
    """What `show()` displays; it holds no secret."""

    url: str
    email: str | None
    configured: bool
    balance: str
    # What went wrong fetching the balance ("credentials refused"), and what to do.
    status: str | None = None
    hint: str | None = None
    # "$7.50 ($2.50 held by pending charges)" when pending charges hold some of it.
    available: str | None = None


SET_UP = (
    'client.accounting_client.configure(email="...", password="...") '
    'or register_accounting("you@example.com")'
)


def _hint(snapshot: Snapshot) -> str | None:
    if snapshot.hint:
        return snapshot.hint
    return None if snapshot.configured else f"Set up: {SET_UP}"


def money(value: Decimal) -> str:
    """Dollars as text, e.g. ``$12.50`` or ``$0.000125``."""
    size = abs(value)
    text = f"{size:,.2f}" if size == size.quantize(Decimal("0.01")) else f"{size:,f}"
    return f"-${text}" if value < 0 else f"${text}"


def _rows(snapshot: Snapshot) -> list[tuple[str, str]]:
    return [
        ("Status", snapshot.status or ("configured" if snapshot.configured else "not configured")),
        ("Email", snapshot.email or "-"),
        ("Balance", snapshot.balance),
        *([("Available", snapshot.available)] if snapshot.available else []),
        ("Service", snapshot.url),
    ]


def available(balance: Decimal, held: Decimal) -> str | None:
    """The available balance as `Snapshot.available` shows it; None when nothing is held."""
    if not held:
        return None
    return f"{money(balance - held)} ({money(held)} held by pending charges)"


def text(snapshot: Snapshot, *, operations: bool = True) -> str:
    """The plain-text form; `operations=False` leaves out the Python snippets (the
    CLI's `status`)."""
    width = max(len(k) for k, _ in _rows(snapshot))
    lines = ["SyftBox accounting"]
    lines += [f"  {k:<{width}}  {v}" for k, v in _rows(snapshot)]
    if operations:
        lines.append("  Common operations:")
        lines += [f"    {name:<18} {code}" for name, code in OPERATIONS]
    hint = _hint(snapshot)
    if hint and operations:
        lines.append(f"  {hint}")
    return "\n".join(lines)


def html(snapshot: Snapshot) -> str:
    """The HTML form, every value escaped."""
    esc = _html.escape
    rows = "".join(
        f"<tr><th style='text-align:left;padding-right:1em'>{esc(k)}</th><td>{esc(v)}</td></tr>"
        for k, v in _rows(snapshot)
    )
    ops = "".join(
        f"<tr><td style='padding-right:1em'>{esc(n)}</td><td><code>{esc(c)}</code></td></tr>"
        for n, c in OPERATIONS
    )
    hint = _hint(snapshot)
    hint_html = f"<p style='margin:0.4em 0'>{esc(hint)}</p>" if hint else ""
    # No colours of our own: the notebook's theme (light or dark) decides them.
    return (
        "<div class='syftbox-accounting' style='color:inherit'><strong>SyftBox accounting"
        f"</strong><table>{rows}</table>{hint_html}<details><summary>Common operations"
        f"</summary><table>{ops}</table></details></div>"
    )


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
