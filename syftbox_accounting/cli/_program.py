"""The program's name, the variables of the environment it reads secrets from, and
`Parser`: argparse whose errors are `UsageError`s (exit 2)."""

from __future__ import annotations

import argparse
from typing import NoReturn

PROG = "syftbox-accounting"
ENV_ADMIN_KEY = "SYFTBOX_ACCOUNTING_ADMIN_KEY"
ENV_TOKEN = "SYFTBOX_ACCOUNTING_TOKEN"


class UsageError(Exception):
    """A command line argparse refused: what was wrong and where to read more."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


class Parser(argparse.ArgumentParser):
    """argparse, with errors raised as `UsageError`: the command line reports them as
    every other error (an `error:` and a `hint:` line, one JSON document with --json;
    exit 2)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message, f"see '{self.prog} --help' for usage and examples")
