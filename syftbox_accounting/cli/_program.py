"""The program's name, the variables of the environment it reads secrets from, and
`Parser`: argparse whose errors are `UsageError`s (exit 2)."""

from __future__ import annotations

import argparse
from typing import NoReturn

PROG = "syftbox-accounting"
# Where a command-line user finds the ids of their API keys.
KEYS_LISTING = f"'{PROG} keys list'"
ENV_ADMIN_KEY = "SYFTBOX_ACCOUNTING_ADMIN_KEY"
ENV_TOKEN = "SYFTBOX_ACCOUNTING_TOKEN"


class UsageError(Exception):
    """A command line argparse refused: what was wrong and where to read more."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


class VersionAsked(Exception):
    """`--version` was given: the command line prints the version (as JSON with
    --json, wherever that stands) and exits 0."""


class VersionAction(argparse.Action):
    """`--version`, which stops the parsing as argparse's own does, but leaves the
    printing to the command line, which knows whether --json was given."""

    def __init__(self, option_strings: list[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, *args: object, **kwargs: object) -> NoReturn:
        raise VersionAsked


class Parser(argparse.ArgumentParser):
    """argparse, with errors raised as `UsageError`: the command line reports them as
    every other error (an `error:` and a `hint:` line, one JSON document with --json;
    exit 2)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message, f"see '{self.prog} --help' for usage and examples")
