"""`syftbox-accounting contract`: print the contract (`openapi.yaml`) shipped in the
package, so that a client in any language can be generated from the installed package
alone, with no checkout and no network."""

from __future__ import annotations

import sys
from importlib import resources

from syftbox_accounting.cli._context import Context
from syftbox_accounting.cli._errors import OK


def contract_text() -> str:
    """The OpenAPI 3.1 contract this library and its reference service speak."""
    return resources.files("syftbox_accounting").joinpath("openapi.yaml").read_text("utf-8")


def contract(ctx: Context) -> int:
    sys.stdout.write(contract_text())
    sys.stdout.flush()
    return OK
