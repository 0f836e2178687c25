"""`syftbox-accounting`: the command line of the library.

    syftbox-accounting register alice@example.com
    syftbox-accounting login alice@example.com --save
    syftbox-accounting balance
    syftbox-accounting --json history

Exit codes: 0 success; 1 a failure the service reported (a refused payment or
value, an unknown account or transaction, an existing account, an unreachable or
failing service); 2 usage (a bad option or value, rejected before anything is sent); 3
authentication (missing or wrong credentials or admin key, or credentials not allowed to
do this); 130 interrupted.

Secrets (passwords, tokens, admin keys) are read from a prompt, the environment or
standard input, never from the command line, and never printed, except the
password the service generates at `register` (shown once) and the token that
`token` exists to print. Errors are an `error:` line and a `hint:` line on stderr.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
import warnings

from syftbox_accounting import __version__
from syftbox_accounting.cli import _style
from syftbox_accounting.cli._commands import COMMANDS, MOVES_MONEY, serve
from syftbox_accounting.cli._context import Context
from syftbox_accounting.cli._errors import (
    FAILURE,
    OK,
    USAGE,
    CliError,
    in_cli_words,
    report,
    report_interrupt,
)
from syftbox_accounting.cli._output import say, to_json
from syftbox_accounting.cli._parser import build_parser, refuse_conflicting_outputs
from syftbox_accounting.cli._program import PROG, UsageError, VersionAsked
from syftbox_accounting.errors import AccountingError

__all__ = ["main"]

_LOGGER = "syftbox_accounting"


class _StderrHandler(logging.Handler):
    """The library's warnings as `warning: ...` lines on the current stderr; the
    reference service's own log (same logger tree) is left to the service."""

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.startswith(f"{_LOGGER}.server")

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level = record.levelname.lower()
            label = _style.paint(f"{level}:", "warning" if level == "warning" else None, sys.stderr)
            # The library's advice names its Python call; here it is a command.
            message = in_cli_words(record.getMessage())
            # Above the spinner, never on its line.
            say(f"{label} {self.ctx.clean(message)}")
        except Exception:  # pragma: no cover - logging must never break the command
            self.handleError(record)

    def show_warning(self, message: Warning | str, *args: object, **kwargs: object) -> None:
        """A Python warning (`warnings.warn`) as a `warning: ...` line: its default form
        names a file and a line of the `syftbox-accounting` script."""
        label = _style.paint("warning:", "warning", sys.stderr)
        say(f"{label} {self.ctx.clean(str(message))}")


def main(argv: list[str] | None = None) -> int:
    """Run the command line with `argv` (default: ``sys.argv[1:]``); return the exit code."""
    stderr = sys.stderr
    if stderr is None:  # closed (`2>&-`): print() would write remarks into stdout instead
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - closed below
    try:
        return _main(argv)
    except BrokenPipeError:  # `syftbox-accounting history | head -1`
        _quiet_stdout()
        return FAILURE
    except KeyboardInterrupt as exc:  # before a command started
        json = (argv is not None and "--json" in argv) or (argv is None and "--json" in sys.argv)
        return report_interrupt("", exc, json=json, moves_money=False)
    finally:
        if stderr is None:
            sys.stderr.close()
            sys.stderr = stderr


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return USAGE
        if args.command != "serve" and extra:
            raise UsageError(
                _unexpected(extra),
                f"see '{PROG} {_command_name(args)} --help' for what it takes, with examples",
            )
        refuse_conflicting_outputs(args, _command_name(args))
    except SystemExit as exc:  # --help
        return _exit_code(exc)
    except VersionAsked:
        given = sys.argv[1:] if argv is None else argv
        if "--json" in given:
            print(to_json({"name": PROG, "version": __version__}))
        else:
            print(f"{PROG} {__version__}")
        return OK
    except UsageError as exc:  # with --json, a JSON document too, as for every error
        given = sys.argv[1:] if argv is None else argv
        return report(exc, "", json="--json" in given, clean=lambda text: text)
    name = _command_name(args)
    ctx = Context(args=args, command=name)
    if sys.stdout is None and name != "serve":
        # Closed (`>&-`): a result, a generated password or a new key's secret would be
        # printed to nowhere, and the command would say it succeeded.
        return ctx.report(
            CliError(
                "standard output is closed, so the result could not be shown: nothing was sent",
                "give the command a standard output (a terminal, a file or a pipe)",
                USAGE,
            ),
            json_document=False,
        )
    if name == "serve":
        try:
            return serve(ctx, extra)
        except SystemExit as exc:  # the service's parser: `serve --help`, a bad option
            return _exit_code(exc)
        except Exception as exc:
            return ctx.report(exc)
    handler = _StderrHandler(ctx)
    logger = logging.getLogger(_LOGGER)
    previous_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if ctx.verbose else logging.WARNING)
    try:
        with warnings.catch_warnings():  # restores showwarning afterwards
            warnings.showwarning = handler.show_warning
            return COMMANDS[name](ctx)
    except KeyboardInterrupt as exc:
        return report_interrupt(
            name,
            exc,
            json=ctx.json,
            moves_money=name in MOVES_MONEY and not ctx.stopped_at_question,
            idempotency_key=ctx.idempotency_key,
            inside=ctx.json_open,
            nothing_sent=ctx.stopped_at_question,
        )
    except BrokenPipeError:
        raise
    except Exception as exc:
        interrupt = _interrupt_behind(exc)
        if interrupt is not None:  # cleaning up after Ctrl-C failed: still Ctrl-C
            return report_interrupt(
                name,
                interrupt,
                json=ctx.json,
                moves_money=name in MOVES_MONEY,
                inside=ctx.json_open,
            )
        if ctx.verbose and not isinstance(exc, AccountingError | CliError | OSError | EOFError):
            sys.stderr.write(ctx.clean("".join(traceback.format_exception(exc))))
        return ctx.report(exc)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous_level)


def _command_name(args: argparse.Namespace) -> str:
    """The command as typed: ``balance``, ``keys create``..."""
    name = str(args.command)
    if name in ("admin", "keys"):
        name = f"{name} {getattr(args, name + '_command')}"
    return name


def _interrupt_behind(exc: BaseException) -> KeyboardInterrupt | None:
    """The Ctrl-C that an error raised while unwinding from it hides, if any."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return cause
        seen.add(id(cause))
        cause = cause.__context__
    return None


def _exit_code(exc: SystemExit) -> int:
    if exc.code is None:
        return OK
    return exc.code if isinstance(exc.code, int) else USAGE


def _unexpected(extra: list[str]) -> str:
    """Unknown arguments, without echoing values (one may be a secret typed by mistake)."""
    options = [a.split("=", 1)[0] for a in extra if a.startswith("-")]
    values = len(extra) - len(options)
    parts = [f"unrecognized option(s): {' '.join(options)}"] if options else []
    if values:
        parts.append(f"{values} unexpected argument(s) (not shown, in case one is a secret)")
    return "; ".join(parts)


def _quiet_stdout() -> None:
    """After a closed pipe (`... | head`), silence the final flush of stdout."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
