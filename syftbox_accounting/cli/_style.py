"""Colour on a terminal: a few ANSI styles for what the command line writes itself.

On when the stream is a terminal (and ``TERM`` is not ``dumb``); ``NO_COLOR`` (any
value, https://no-color.org) turns it off, ``FORCE_COLOR`` on. Styles are applied to
text that is already safe for a terminal (`_output.printable`), so service data never
carries an escape of its own. Plain ANSI codes: the command line does not load a
styling library for a few colours (see README, "The command line").
"""

from __future__ import annotations

import os
from typing import TextIO

# Select Graphic Rendition codes, by what they mark.
_CODES = {
    "error": "1;31",
    "warning": "33",
    "hint": "36",
    "heading": "1",
    "ok": "32",
    "pending": "33",
    "cancelled": "2",
    "minus": "31",
    "plus": "32",
    "question": "1",
}


def enabled(stream: TextIO) -> bool:
    """Whether to colour what goes to `stream`."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    try:
        terminal = stream.isatty()
    except (AttributeError, ValueError):
        return False
    return terminal and os.environ.get("TERM") != "dumb"


def paint(text: str, style: str | None, stream: TextIO) -> str:
    """`text` in `style` when `stream` is coloured; else `text` unchanged."""
    if not style or not text or not enabled(stream):
        return text
    return f"\033[{_CODES[style]}m{text}\033[0m"
