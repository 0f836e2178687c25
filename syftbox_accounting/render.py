"""Text and HTML for people: dollars, aligned text tables, HTML tables and a balance
sparkline. Plain functions of strings and numbers, used by the result types' reprs
(`types`) and by `show()` (`display`).

HTML carries no colour of its own (the notebook's theme, light or dark, decides), no
script and nothing fetched from elsewhere; every value is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal

__all__ = [
    "html_table",
    "html_text",
    "money",
    "printable",
    "sparkline_svg",
    "text_table",
    "wait_text",
]

# Lines between rows, visible on light and dark pages alike (a grey at part opacity).
_RULE = "border-bottom:1px solid rgba(128,128,128,0.35)"
_CELL = "padding:2px 10px 2px 0;text-align:left;white-space:nowrap"


def printable(text: str, *, lines: bool = False) -> str:
    """`text` safe for a terminal: each character that is not printable (ANSI escapes,
    carriage returns, C0 and C1 controls, the bidirectional overrides that reorder
    what is shown) as its Python escape, e.g. ``\\x1b``. `lines`: keep line breaks and
    tabs, for a whole text of several lines; without it they are escaped too (a cell,
    a repr, a header value)."""
    if text.isprintable():
        return text
    keep = "\n\t" if lines else ""
    return "".join(c if c.isprintable() or c in keep else ascii(c)[1:-1] for c in text)


def html_text(text: str, *, lines: bool = False) -> str:
    """`text` for an HTML page: escaped, and its control characters and bidirectional
    overrides shown as escapes (`printable`), as the text tables show them. Raw, an
    override reorders what a cell shows ("x\\u202eevil" reads "xlive")."""
    import html  # on first use: only notebooks render HTML

    return html.escape(printable(text, lines=lines))


def wait_text(seconds: float) -> str:
    """A wait the service asked for, for people: ``"30 s"``, ``"5 min"``, ``"23 h 59 min"``."""
    whole = max(0, math.ceil(seconds))
    if whole < 120:
        return f"{whole} s"
    minutes = math.ceil(whole / 60)
    if minutes < 120:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def money(value: Decimal | float) -> str:
    """Dollars as text, e.g. ``$12.50``, ``-$3.00`` or ``$0.000125``. A float (the
    seed's `get_account_balance()` returns one) is read as it prints: ``0.1`` is 10 cents."""
    size = abs(value if isinstance(value, Decimal) else Decimal(str(value)))
    text = f"{size:,.2f}" if size == size.quantize(Decimal("0.01")) else f"{size:,f}"
    return f"-${text}" if value < 0 else f"${text}"


def format_money(amount: Decimal | float | int) -> str:
    """An amount of US dollars as the library shows it: ``$12.50``, ``$0.000125``,
    ``-$3.00``. Takes a `Decimal`, an int, or the float that `get_account_balance()`
    returns (read as it prints: ``0.1`` is 10 cents).

    Raises:
        InvalidInputError: `amount` is not a finite number.

    >>> format_money(Decimal("0.5"))
    '$0.50'
    """
    if isinstance(amount, bool) or not isinstance(amount, int | float | Decimal):
        from syftbox_accounting.errors import InvalidInputError

        raise InvalidInputError(
            f"format_money() takes a number (Decimal, int or float), not {type(amount).__name__}."
        )
    if not (amount.is_finite() if isinstance(amount, Decimal) else math.isfinite(amount)):
        from syftbox_accounting.errors import InvalidInputError

        raise InvalidInputError(f"format_money() takes a finite number, not {amount}.")
    return money(amount)


def text_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], right: frozenset[int] = frozenset()
) -> list[str]:
    """Aligned columns two spaces apart, a header first; columns in `right` to the right.
    Control characters in a cell (another party's app name, a later service's status)
    are shown as escapes: written raw, they would recolour, clear or forge rows of the
    reader's terminal."""
    rows = [[printable(cell) for cell in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(cells)
        ).rstrip()

    return [line(headers), *(line(r) for r in rows)]


def html_table(
    headers: Sequence[str] | None,
    rows: Sequence[Sequence[str]],
    right: frozenset[int] = frozenset(),
    *,
    caption: str | None = None,
    note: str | None = None,
) -> str:
    """An HTML table in the page's own colours; `headers` None for a key/value table
    (the first column as row headers). Every value is escaped (`html_text`)."""
    esc = html_text

    def cell(tag: str, text: str, column: int) -> str:
        align = ";text-align:right" if column in right else ""
        return f"<{tag} style='{_CELL}{align}'>{esc(text)}</{tag}>"

    head = ""
    if headers is not None:
        head = (
            f"<thead><tr style='{_RULE}'>"
            + "".join(cell("th", h, i) for i, h in enumerate(headers))
            + "</tr></thead>"
        )
    body = "".join(
        f"<tr style='{_RULE}'>"
        + "".join(
            cell("th" if headers is None and i == 0 else "td", c, i) for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    title = (
        f"<caption style='text-align:left;font-weight:bold'>{esc(caption)}</caption>"
        if caption
        else ""
    )
    after = f"<p style='margin:0.3em 0;opacity:0.75'>{esc(note)}</p>" if note else ""
    return (
        "<table style='border-collapse:collapse;color:inherit;background:transparent'>"
        f"{title}{head}<tbody>{body}</tbody></table>{after}"
    )


def sparkline_svg(
    points: Sequence[Decimal], *, width: int = 160, height: int = 32, label: str = ""
) -> str:
    """A small inline SVG line of `points` (oldest first), drawn in the text colour
    (``currentColor``), so it reads on light and dark pages; '' for fewer than two."""
    if len(points) < 2:
        return ""
    import html

    low, high = min(points), max(points)
    span = (high - low) or Decimal(1)
    pad = 3
    step = (width - 2 * pad) / (len(points) - 1)

    def y(value: Decimal) -> float:
        return pad + float((high - value) / span) * (height - 2 * pad)

    coordinates = " ".join(f"{pad + i * step:.1f},{y(v):.1f}" for i, v in enumerate(points))
    last_x, last_y = pad + (len(points) - 1) * step, y(points[-1])
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' role='img' aria-label='{html.escape(label)}' "
        "style='vertical-align:middle;color:inherit'>"
        f"<title>{html.escape(label)}</title>"
        f"<polyline points='{coordinates}' fill='none' stroke='currentColor' "
        "stroke-width='1.5' stroke-linejoin='round' stroke-linecap='round'/>"
        f"<circle cx='{last_x:.1f}' cy='{last_y:.1f}' r='2.5' fill='currentColor'/></svg>"
    )
