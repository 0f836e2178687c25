"""The program's name, the variables of the environment it reads secrets from, and
`Parser`: argparse with errors as one `error:` line and a `hint:` line (exit 2)."""

from __future__ import annotations

import argparse
from typing import NoReturn

PROG = "syftbox-accounting"
ENV_ADMIN_KEY = "SYFTBOX_ACCOUNTING_ADMIN_KEY"
ENV_TOKEN = "SYFTBOX_ACCOUNTING_TOKEN"


class Parser(argparse.ArgumentParser):
    """argparse, with errors as one `error:` line and a `hint:` line (exit 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(
            2,
            f"error: {message}\nhint: see '{self.prog} --help' for usage and examples\n",
        )
