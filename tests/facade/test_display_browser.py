"""`show()`'s HTML and a history table as a notebook shows them: rendered by headless
Chromium on a light and a dark page, for each state of `show()` (an active account,
not configured, credentials refused, service unavailable). Each value must change the
pixels when present (so it is drawn, in a colour that differs from the page), the
sparkline must draw, the text must contrast with the page (4.5:1, the WCAG level for
text) and nothing may paint a panel of its own over the theme. No secret is in the
HTML at all. Skipped, with a notice, where Chromium is absent.

The screenshots are kept: in ``$SYFTBOX_SCREENSHOTS`` when set (docs/screenshots/
was made so), else in the test's temporary folder.
"""

from __future__ import annotations

import datetime
import os
import shutil
import struct
import subprocess
import zlib
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from syftbox_accounting import (
    Transaction,
    TransactionActor,
    TransactionList,
    TransactionStatus,
    display,
)
from tests.facade.helpers import BOB, EMAIL, SECRETS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]
THEMES = {"light": ("#ffffff", "#111111"), "dark": ("#111111", "#e6e6e6")}
T0 = datetime.datetime(2026, 11, 27, 14, 0, tzinfo=datetime.UTC)
RECENT = TransactionList(
    [
        Transaction(
            f"5b1e7c9a-2d3f-4e5a-8b6c-7d8e9f0a1b{n:02d}",
            BOB if n == 3 else EMAIL,
            EMAIL if n == 3 else BOB,
            Decimal(n) / 4,
            TransactionStatus.PENDING if n == 7 else TransactionStatus.COMPLETED,
            TransactionActor.SENDER,
            T0 + datetime.timedelta(hours=n),
            app_name="summarizer",
        )
        for n in range(7, 0, -1)
    ],
    owner=EMAIL,
)
ACTIVE = display.Snapshot(
    url="https://accounting.example.com",
    email=EMAIL,
    configured=True,
    balance="$89.75",
    available="$88.00 ($1.75 held by pending transactions)",
    usage=(
        ("Transactions", "7"),
        ("Spent", "$6.25"),
        ("Received", "$0.75"),
        ("Pending", "1 ($1.75 to pay)"),
    ),
    recent=tuple(row[:4] for row in RECENT.rows()[:5]),
    series=(
        Decimal(96),
        Decimal("95.75"),
        Decimal("95.25"),
        Decimal(96),
        Decimal("94.75"),
        Decimal("93.5"),
        Decimal("89.75"),
    ),
    name="payer",
)
STATES = {
    "active": ACTIVE,
    "not-configured": display.Snapshot("https://accounting.example.com", None, False, "-"),
    "refused": display.Snapshot(
        "https://accounting.example.com",
        EMAIL,
        True,
        "unavailable",
        status="credentials refused",
        hint="The service refused this email and password.",
    ),
    "unavailable": display.Snapshot(
        "https://accounting.example.com",
        EMAIL,
        True,
        "unavailable (no answer)",
        status="service unavailable",
        hint="Check that the service is up and reachable, then try again.",
    ),
}
# Values of the active account that must each be visible.
FIELDS = {
    "email": EMAIL,
    "balance": "$89.75",
    "available": "$88.00 ($1.75 held by pending transactions)",
    "service": "https://accounting.example.com",
    "usage": "$6.25",
    "newest": "-$1.75",
}


def _folder(tmp_path: Path) -> Path:
    kept = os.environ.get("SYFTBOX_SCREENSHOTS")
    folder = Path(kept) if kept else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _screenshot(page: str, folder: Path, name: str, size: str = "760,520") -> bytes:
    assert CHROMIUM is not None
    work = folder / ".work"
    work.mkdir(exist_ok=True)
    html_file = work / f"{name}.html"
    html_file.write_text(page)
    shot = folder / f"{name}.png" if not name.startswith("_") else work / f"{name}.png"
    subprocess.run(
        [
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={work / ('profile-' + name)}",
            f"--screenshot={shot}",
            f"--window-size={size}",
            html_file.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return shot.read_bytes()


def _page(widget: str, theme: str) -> str:
    background, colour = THEMES[theme]
    return (
        f"<html><body style='background:{background};color:{colour};font-family:sans-serif;"
        f"font-size:14px'>{widget}</body></html>"
    )


def _pixels(png: bytes) -> list[tuple[int, int, int]]:
    """The RGB pixels of an 8-bit, non-interlaced PNG (what Chromium writes)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    at, data = 8, b""
    width = height = kind = 0
    while at < len(png):
        (size,) = struct.unpack(">I", png[at : at + 4])
        tag, body = png[at + 4 : at + 8], png[at + 8 : at + 8 + size]
        if tag == b"IHDR":
            width, height, depth, kind, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert (depth, interlace) == (8, 0)
        elif tag == b"IDAT":
            data += body
        at += 12 + size
    channels = {2: 3, 6: 4}[kind]
    raw, stride = zlib.decompress(data), width * channels
    rows: list[bytearray] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind_of_filter, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            if kind_of_filter == 1:
                line[i] = (line[i] + left) & 255
            elif kind_of_filter == 2:
                line[i] = (line[i] + up) & 255
            elif kind_of_filter == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind_of_filter == 4:
                guess = left + up - corner
                nearest = min(
                    (abs(guess - left), 0, left),
                    (abs(guess - up), 1, up),
                    (abs(guess - corner), 2, corner),
                )
                line[i] = (line[i] + nearest[2]) & 255
        rows.append(line)
        previous = line
    return [
        (line[i], line[i + 1], line[i + 2]) for line in rows for i in range(0, stride, channels)
    ]


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def _assert_readable(png: bytes, theme: str) -> None:
    """The text contrasts with the page, and no panel of another colour covers it."""
    background = _rgb(THEMES[theme][0])
    pixels = _pixels(png)
    drawn = [p for p in pixels if p != background]
    assert drawn, "nothing is drawn"
    assert len(drawn) < 0.3 * len(pixels), "something paints a panel over the page"
    strongest = max(_contrast(p, background) for p, _ in Counter(drawn).most_common(50))
    assert strongest >= 4.5, f"the text does not stand out from a {theme} page"


@pytest.fixture(scope="module")
def chromium() -> str:
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install -y chromium): not rendered")
    return CHROMIUM


def test_the_html_holds_no_secret_and_the_set_up_hint() -> None:
    for snapshot in STATES.values():
        widget = display.html(snapshot)
        assert not any(secret in widget for secret in SECRETS)
        assert "<script" not in widget
    assert "The service refused" in display.html(STATES["refused"])
    assert "configure(email=" in display.html(STATES["not-configured"])
    assert "payer.get_account_balance()" in display.html(ACTIVE)
    assert "<svg" in display.html(ACTIVE)


@pytest.mark.parametrize("theme", list(THEMES))
@pytest.mark.parametrize("state", list(STATES))
def test_each_state_reads_on_light_and_dark_pages(
    chromium: str, tmp_path: Path, theme: str, state: str
) -> None:
    shot = _screenshot(
        _page(display.html(STATES[state]), theme), _folder(tmp_path), f"show-{state}-{theme}"
    )
    _assert_readable(shot, theme)


@pytest.mark.parametrize("theme", list(THEMES))
def test_the_active_account_shows_each_value_and_its_sparkline(
    chromium: str, tmp_path: Path, theme: str
) -> None:
    folder = _folder(tmp_path)
    widget = display.html(ACTIVE)
    full = _screenshot(_page(widget, theme), folder, f"_full-{theme}")
    for field, value in FIELDS.items():
        assert value in widget, field
        hidden = widget.replace(value, f"<span style='visibility:hidden'>{value}</span>", 1)
        without = _screenshot(_page(hidden, theme), folder, f"_{field}-{theme}")
        assert without != full, f"{field} is not visible on a {theme} page"
    no_line = widget.replace("<svg ", "<svg style='visibility:hidden' ", 1)
    assert no_line != widget
    assert _screenshot(_page(no_line, theme), folder, f"_sparkline-{theme}") != full


@pytest.mark.parametrize("theme", list(THEMES))
def test_a_history_table_reads_on_light_and_dark_pages(
    chromium: str, tmp_path: Path, theme: str
) -> None:
    table = RECENT._repr_html_()
    shot = _screenshot(_page(table, theme), _folder(tmp_path), f"history-{theme}", "1100,260")
    _assert_readable(shot, theme)
    blank = _screenshot(_page("", theme), _folder(tmp_path), f"_blank-{theme}", "1100,260")
    assert shot != blank
