"""The words of `--help` around the options: the main epilog (examples, environment,
exit codes) and the examples that end each command's help."""

from __future__ import annotations

from syftbox_accounting.cli._program import PROG

EXIT_CODES = """\
exit codes:
  0    success
  1    the service reported a failure (payment refused, not found, account exists,
       unreachable or failing service)
  2    usage: a bad option or value (an amount, an email), rejected before sending
  3    authentication: missing or wrong credentials or admin key, or credentials not
       allowed to do this (an API key without the scope, another account's transaction)
  130  interrupted (Ctrl-C)"""

ENVIRONMENT = """\
environment:
  SYFTBOX_ACCOUNTING_API_KEY    an API key (sbk_...), when none is saved; used before a password
  SYFTBOX_ACCOUNTING_EMAIL, SYFTBOX_ACCOUNTING_PASSWORD, SYFTBOX_ACCOUNTING_URL
                                credentials, when none are saved
  SYFTBOX_ACCOUNTING_CREDENTIAL_STORE
                                keyring or file: where `login --save` keeps the secret
  SYFTBOX_ACCOUNTING_KEY        key of the saved credentials file (else accounting.key beside it)
  SYFTBOX_ACCOUNTING_TOKEN      transaction token for `charge`
  SYFTBOX_ACCOUNTING_ADMIN_KEY  admin key for `admin` commands"""

MAIN_EPILOG = f"""\
examples:
  {PROG} register alice@example.com          # the service generates a password
  {PROG} login alice@example.com --save      # check a password and save it, encrypted
  {PROG} balance
  {PROG} token ai-service@example.com        # a token that lets the service charge you once
  {PROG} --json history --limit 5
  {PROG} transfer bob@example.com 10         # asks y/N in a terminal; --yes skips it
  {PROG} logout                               # remove what login saved

Credentials come from the saved file (~/.syftbox/accounting.json), then the
environment; --url and --email override them. Passwords, tokens and admin keys are
never command-line arguments: they are read from a prompt, the environment, or
standard input (--password-stdin, --token-stdin, --admin-key-stdin).

{ENVIRONMENT}

{EXIT_CODES}
"""


def examples_epilog(*lines: str) -> str:
    return (
        "example"
        + ("s" if len(lines) > 1 else "")
        + ":\n"
        + "\n".join(f"  {line}" for line in lines)
    )
