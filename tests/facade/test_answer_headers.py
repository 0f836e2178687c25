"""An answer's headers as a call reads them: as `dict(response.headers)` gives them
(lower-case names, repeated ones joined), without those that described the body in
transit, whether httpx keeps its lower-case names (it does, and the read uses them)
or not."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from syftbox_accounting.fetching import _headers_of
from syftbox_accounting.limits import AnswerTooLarge

LIMIT = 1_000_000
TRAVEL = {"content-length", "content-encoding", "transfer-encoding"}
HEADERS: list[tuple[str | bytes, str | bytes]] = [
    ("Content-Type", "application/json"),
    ("X-Request-ID", "req_1"),
    ("Set-Cookie", "a=1"),
    ("set-cookie", "b=2"),
    ("Retry-After", "²".encode()),  # not ASCII: decoded as httpx decodes it
    ("Warning", "caf\xe9".encode("latin-1")),
    ("Content-Length", "12"),
    ("Content-Encoding", "identity"),
]


def _response(headers: list[tuple[str | bytes, str | bytes]]) -> httpx.Response:
    return httpx.Response(200, headers=headers)


def _without_kept_names(response: httpx.Response) -> Any:
    # A Headers with only the public `raw` and `encoding`, as another httpx might have.
    headers = response.headers
    return SimpleNamespace(headers=SimpleNamespace(raw=headers.raw, encoding=headers.encoding))


@pytest.mark.parametrize("headers", [HEADERS, HEADERS[:2], [("Content-Length", "3")], []])
def test_headers_are_read_as_httpx_gives_them(headers: list[Any]) -> None:
    response = _response(headers)
    expected = {k: v for k, v in dict(response.headers).items() if k not in TRAVEL}
    assert _headers_of(response, LIMIT) == expected
    assert _headers_of(_without_kept_names(response), LIMIT) == expected


def test_httpx_still_keeps_lower_case_names() -> None:
    # The read relies on it for speed (a version that dropped it falls back, slower).
    kept = _response(HEADERS).headers._list
    assert [(name.lower(), lower) for name, lower, _ in kept] == [
        (lower, lower) for _, lower, _ in kept
    ]


@pytest.mark.parametrize("declared", ["1000001", " 9999999999 "])
def test_a_declared_length_over_the_limit_stops_the_read(declared: str) -> None:
    response = _response([("Content-Length", declared)])
    for seen in (response, _without_kept_names(response)):
        with pytest.raises(AnswerTooLarge):
            _headers_of(seen, LIMIT)
