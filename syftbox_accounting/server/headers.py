"""A request's header fields, read straight from its ASGI scope.

What `request.headers.getlist(name)` gives, without building a `Headers` object and
lowering the name on every call: ASGI servers hand over names in lower case.

>>> values({"headers": [(b"authorization", b"Basic eA==")]}, AUTHORIZATION)
['Basic eA==']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

AUTHORIZATION = b"authorization"
CONTENT_TYPE = b"content-type"
IDEMPOTENCY_KEY = b"idempotency-key"


def values(scope: Mapping[str, Any], name: bytes) -> list[str]:
    """Every value of the header `name` (lower case), in order, as latin-1 text."""
    return [v.decode("latin-1") for k, v in scope["headers"] if k == name]
