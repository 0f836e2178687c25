"""`syftbox-accounting contract`: print the contract (`openapi.yaml`) shipped in the
package, so that a client in any language can be generated from the installed package
alone, with no checkout and no network."""

from __future__ import annotations

import sys
from importlib import resources

from syftbox_accounting.cli._context import Context
from syftbox_accounting.cli._errors import OK, USAGE, CliError
from syftbox_accounting.cli._output import to_json
from syftbox_accounting.cli._program import PROG


def contract_text() -> str:
    """The OpenAPI 3.1 contract this library and its reference service speak."""
    return resources.files("syftbox_accounting").joinpath("openapi.yaml").read_text("utf-8")


def contract(ctx: Context) -> int:
    """The contract as YAML, or with --json as one JSON document (the same contract:
    OpenAPI reads both)."""
    text = contract_text()
    if ctx.json:
        try:
            import yaml
        except ImportError:
            raise CliError(
                "contract --json needs PyYAML to turn the shipped openapi.yaml into JSON",
                f"install it (pip install pyyaml), or run '{PROG} contract' for "
                "the YAML, which OpenAPI tools read as well",
                USAGE,
            ) from None
        text = to_json(yaml.safe_load(text)) + "\n"
    sys.stdout.write(text)
    sys.stdout.flush()
    return OK
