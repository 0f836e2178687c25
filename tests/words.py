"""Checks on the words users read: a message says each thing once, and what is shown
to a person (``exc.summary``, a CLI error line) carries no request line."""

from __future__ import annotations

import re

from syftbox_accounting.errors import AccountingError

# The developers' request line: "[POST /transaction/create -> HTTP 403 token_used]".
REQUEST_LINE = re.compile(r"\[[A-Z]+ /\S*( -> [^\]]*)?\]")
# A run of this many words said twice is the same thing said twice.
RUN = 5


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def repeated(text: str) -> set[str]:
    """The sentences, and the runs of `RUN` words, that `text` says more than once
    (the request line, a developer's detail that repeats ids, left out)."""
    text = REQUEST_LINE.sub("", text)
    sentences = [" ".join(_words(s)) for s in re.split(r"(?<=[.;:!?])\s+", text)]
    seen: set[str] = set()
    twice = {s for s in sentences if s and (s in seen or seen.add(s))}
    words = _words(text)
    runs = [" ".join(words[i : i + RUN]) for i in range(len(words) - RUN + 1)]
    seen = set()
    twice |= {r for r in runs if r in seen or seen.add(r)}
    return twice


def assert_no_repeated_sentence(text: str) -> None:
    twice = repeated(text)
    assert not twice, f"said twice: {sorted(twice)} in {text!r}"


def assert_plain_summary(exc: AccountingError) -> None:
    """`summary` is for people: no request line, no library internals."""
    assert not REQUEST_LINE.search(exc.summary), exc.summary
    assert "-> HTTP" not in exc.summary, exc.summary
    assert_no_repeated_sentence(exc.summary)
