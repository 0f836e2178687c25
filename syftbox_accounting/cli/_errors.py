"""Explaining failures on the command line: one `error:` line, one `hint:` line, and
an exit code. The library says what happened (`summary`) and names its advice
(`hint_key`); here the advice is worded as commands and flags."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable

from syftbox_accounting import errors
from syftbox_accounting.cli._output import is_terminal, to_json
from syftbox_accounting.cli._program import ENV_ADMIN_KEY, PROG, UsageError
from syftbox_accounting.cli._style import paint
from syftbox_accounting.credential_files import SAVE_AGAIN
from syftbox_accounting.defaults import ENV_API_KEY, ENV_EMAIL, ENV_PASSWORD
from syftbox_accounting.errors import AccountingError, AuthenticationError, InvalidInputError
from syftbox_accounting.render import wait_text

OK, FAILURE, USAGE, AUTH, INTERRUPTED = 0, 1, 2, 3, 130


class CliError(Exception):
    """A failure found by the command line itself, with its hint and exit code."""

    def __init__(self, message: str, hint: str, exit_code: int) -> None:
        super().__init__(message)
        self.message, self.hint, self.exit_code = message, hint, exit_code


_LOGIN = f"'{PROG} login EMAIL'"

# The library's advice, by its `hint_key`, as commands; keys not here keep the
# library's own words (they name no Python call).
_HINTS: dict[str, str] = {
    "invalid_credentials": f"check the email and password ({_LOGIN} asks for them), or "
    f"create an account with '{PROG} register EMAIL'",
    "account_exists": f"log in with its password instead: {_LOGIN}",
    "method_not_allowed": "check that --url points at a SyftBox accounting service (a proxy "
    "or another server answered)",
    errors.WRONG_SERVICE: "check that --url points at a SyftBox accounting service (a proxy "
    "or another server answered)",
    errors.NOT_CONFIGURED: f"run {_LOGIN} to save credentials (or '{PROG} register EMAIL')",
    errors.MAY_HAVE_REACHED: f"it may have been applied: check '{PROG} history' before "
    "repeating a payment",
    errors.INSECURE_HTTP: "use https://, or add --allow-insecure-http if you must",
    errors.SAME_ACCOUNT: "give the other party's email, or act as another account with "
    "--email (and its password)",
    errors.KEY_REFUSED: "the API key is unknown here, revoked or expired: set "
    f"{ENV_API_KEY} to a live key or unset it, or save a new one with '{PROG} login EMAIL "
    "--save' ('keys list' with other credentials shows the key's state)",
    errors.KEY_OF_ANOTHER_ACCOUNT: f"use an API key of the account --email names (or "
    f"{ENV_EMAIL} or the saved email), or leave the email out to act for the key's own "
    "account",
    errors.KEY_AS_PASSWORD: f"an API key goes in ${ENV_API_KEY}, with no --password-stdin; "
    "give the account's password here",
    "insufficient_scope": f"use an API key with that scope ('{PROG} keys create NAME --scope "
    "SCOPE'), or the password (--email with --password-stdin)",
    "hold_expired": "charge again with a new token from the payer, with a longer --hold-for "
    "if the work takes long",
    "spend_cap_exceeded": "nothing moved: the API key's --max-spend is used up; pay with "
    f"another key or the password, or make a key with a higher cap ('{PROG} keys create "
    "NAME --max-spend AMOUNT')",
}
# The argument that names the other party of a payment, by command.
_OTHER_PARTY = {"transfer": "RECIPIENT", "token": "RECIPIENT", "charge": "SENDER"}

# The contract's names of the values the service may refuse (`validation_error`), as the
# command line's options.
_OPTION_OF_FIELD = {
    "maxAmount": "--max",
    "expiresIn": "--expires",
    "holdFor": "--hold-for",
    "appName": "--app-name",
    "appEpPath": "--endpoint",
    "maxSpend": "--max-spend",
    "refundReason": "--reason",
    "createdAfter": "--since",
    "createdBefore": "--until",
    "counterparty": "--with",
}


def _options_named(text: str) -> str:
    """`maxAmount is --max here, ...` for the contract's fields `text` names."""
    named = [f"{field} is {option}" for field, option in _OPTION_OF_FIELD.items() if field in text]
    return f" ({', '.join(named)} here)" if named else ""


# What to do at a service that lacks a feature, by the feature (`FeatureNotSupportedError`).
_WITHOUT_FEATURE = {
    "holds": "leave out --hold-for: there a charge stays pending until it is confirmed or "
    "cancelled",
    "capture": "confirm without --amount (all of the charge), or charge the final price itself",
    "refunds": f"pay the money back with '{PROG} transfer' instead (it is not linked to the "
    "payment)",
    "api-keys": "use the account's email and password: this service has no API keys",
}
_NO_KEYS_HERE = (
    f"use the account's password here: --email with --password-stdin, or {ENV_EMAIL} and "
    f"{ENV_PASSWORD} (with {ENV_API_KEY} unset)"
)
# The library's advice about saved credentials names its Python calls; here, commands.
_IN_CLI_WORDS = (
    (SAVE_AGAIN, f"run '{PROG} login EMAIL --save'"),
    ("configure the client and call save_credentials()", f"run '{PROG} login EMAIL --save'"),
    ("pass save_credentials() the path of a file", "give --config the path of a file"),
    ("pass the file's full path", "give --config the file's full path"),
    ("pass the path it was saved to", "give --config the path it was saved to"),
    ("or pass another path", "or give --config another path"),
)


def in_cli_words(text: str) -> str:
    """The library's advice about saved credentials, as commands and options."""
    for python, command in _IN_CLI_WORDS:
        text = text.replace(python, command)
    return text


# Failures after which the same command, with the same key, is safe to repeat.
_REPEATABLE = {
    errors.RETRY_WITH_KEY: "it may have been applied",
    "request_in_progress": "the first attempt is still being processed",
    "rate_limited": "the service is busy",
}
_ADMIN_MAY_HAVE_REACHED = (
    f"it may have been applied: check '{PROG} admin get-user EMAIL' before repeating it"
)
_ADMIN_HINT = f"check the admin key (${ENV_ADMIN_KEY} or --admin-key-stdin) and --url"


def exit_code_of(exc: AccountingError) -> int:
    if isinstance(exc, InvalidInputError) and exc.status_code is None:
        return USAGE  # rejected before anything was sent; the service's refusal is 1
    if isinstance(exc, AuthenticationError):
        return AUTH
    return FAILURE  # PaymentError, NotFoundError, AccountExistsError, ServiceException


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _noted(error: str, exc: BaseException) -> str:
    """`error` with what was done about it on the way out (`add_note`), such as a new
    API key revoked, in brackets."""
    notes = [_one_line(n) for n in getattr(exc, "__notes__", ())]
    return f"{error} ({' '.join(notes)})" if notes else error


# Library calls whose "not found" is about a transaction, not an account.
_ABOUT_TRANSACTIONS = {
    "get_transaction",
    "confirm_transaction",
    "cancel_transaction",
    "refund_transaction",
}

# ... and those whose "not found" is about an API key.
_ABOUT_KEYS = {"revoke_api_key", "revoke_own_api_key"}


def _hint_for(exc: AccountingError, command: str) -> str:
    if exc.hint_key == "hold_expired" and command == "cancel":
        return "nothing to do: the lapsed hold released the money, as cancel does"
    if exc.hint_key in {"invalid_credentials", "forbidden"} and command.startswith("admin"):
        return _ADMIN_HINT
    if exc.hint_key == "not_found":
        if exc.operation in _ABOUT_TRANSACTIONS:
            return f"check the transaction id: '{PROG} history' lists yours"
        if exc.operation in _ABOUT_KEYS:
            return f"check the key id: '{PROG} keys list' lists yours"
        return "check the email: the account must be registered first"
    if exc.idempotency_key is not None and exc.hint_key in _REPEATABLE:
        wait = "" if exc.retry_after is None else f"wait {wait_text(exc.retry_after)}, then "
        return (
            f"{_REPEATABLE[exc.hint_key]}: {wait}repeat the command with --idempotency-key "
            f"{exc.idempotency_key}, and it is applied at most once"
        )
    if exc.idempotency_key is not None and exc.hint_key == errors.MAY_HAVE_REACHED:
        # The operator has no history: a credit shows in the account's balance.
        check = (
            _ADMIN_MAY_HAVE_REACHED
            if command.startswith("admin")
            else _HINTS[errors.MAY_HAVE_REACHED]
        )
        return (
            f"{check} (this service has not shown that it honours "
            f"--idempotency-key; this attempt's key was {exc.idempotency_key})"
        )
    if exc.hint_key == "validation_error" and exc.status_code is not None:
        return (
            f"correct the value the service names{_options_named(exc.reason)}; see "
            f"'{PROG} {command} --help' for what it accepts"
        )
    if exc.hint_key == errors.UNSUPPORTED:
        feature = getattr(exc, "feature", None)
        if feature is None:  # an API key alone, at a service without keys
            return _NO_KEYS_HERE
        if feature in _WITHOUT_FEATURE:
            return _WITHOUT_FEATURE[feature]
    if exc.hint_key == errors.CREDENTIALS_FILE and exc.hint:
        return in_cli_words(exc.hint)
    hint = _HINTS.get(exc.hint_key or "") or exc.hint
    if hint:
        return hint
    if isinstance(exc, InvalidInputError):
        return f"see '{PROG} {command} --help' for what it accepts"
    if isinstance(exc, AuthenticationError):
        return f"'{PROG} login EMAIL --save' checks and saves new credentials"
    return f"try again later; '{PROG} status' shows whether the service answers"


def key_refused_advice(source: str) -> str:
    """What to do once the API key the commands use (from `source`: the environment,
    or the config file it names) is refused: revoked, expired or unknown."""
    if source == "environment":
        return (
            f"set {ENV_API_KEY} to a live key or unset it, or save a new one with '{PROG} "
            "login EMAIL --save'"
        )
    return (
        f"save a new one with '{PROG} login EMAIL --save', or remove it with '{PROG} "
        f"logout' (the key was in the {source})"
    )


def explain(
    exc: BaseException, command: str, key_advice: str | None = None
) -> tuple[str, str, int]:
    """The error line, the hint line and the exit code for `exc` (secrets not yet
    removed: see `Context.clean`); `key_advice` is what to do when the API key the
    command used is refused, by where it came from."""
    if isinstance(exc, AccountingError) and exc.hint_key == errors.KEY_REFUSED and key_advice:
        error, _, code = explain(exc, command)
        return error, _one_line(key_advice), code
    if isinstance(exc, CliError):
        return _one_line(exc.message), _one_line(exc.hint), exc.exit_code
    if isinstance(exc, UsageError):
        return _one_line(exc.message), _one_line(exc.hint), USAGE
    if isinstance(exc, AccountingError) and exc.hint_key == errors.SAME_ACCOUNT:
        # The library names its argument; here the command's.
        named = _OTHER_PARTY.get(command, "")
        return f"{named} {exc.reason}".strip(), _hint_for(exc, command), exit_code_of(exc)
    if isinstance(exc, AccountingError):
        # The service's or the library's statement, without the library call and the
        # HTTP request (those are details: `details_of`, shown with --verbose).
        error = _noted(_one_line(exc.reason).rstrip(".:"), exc)
        if exc.request_id:  # to quote when reporting a problem
            error = f"{error} (request id {exc.request_id})"
        return error, _one_line(_hint_for(exc, command)), exit_code_of(exc)
    if isinstance(exc, EOFError):
        return (
            "standard input ended before an answer was given",
            "answer the prompt, or give the value with --password-stdin, --token-stdin, "
            "--admin-key-stdin or the environment",
            USAGE,
        )
    if isinstance(exc, OSError):
        what = f"{exc.strerror or type(exc).__name__}" + (
            f": {exc.filename}" if exc.filename else ""
        )
        return (
            _noted(f"cannot use a file: {what}", exc),
            "check the path and its permissions (--config chooses the credentials file)",
            FAILURE,
        )
    return (
        _noted(f"unexpected {type(exc).__name__}: {_one_line(str(exc))}", exc),
        f"this is a bug in {PROG}: rerun with --verbose to see where, and report it",
        FAILURE,
    )


def details_of(exc: BaseException) -> str | None:
    """The request behind a library error, for --verbose: call, request, answer, id."""
    if not isinstance(exc, AccountingError) or exc.method is None:
        return None
    answer = f" -> HTTP {exc.status_code}" if exc.status_code else " -> no answer"
    parts = [f"{exc.operation}: {exc.method} {exc.path}{answer}"]
    if exc.code:
        parts.append(f"code {exc.code}")
    if exc.request_id:
        parts.append(f"request id {exc.request_id}")
    if exc.retries:
        parts.append(f"{exc.retries} retries")
    return ", ".join(parts)


def _print_json(error: object, *, inside: bool = False) -> None:
    """An error's JSON document (``{"error": ...}``) on stdout; or, `inside` a document
    cut short, the error's value and the `}` that closes it. Nothing when stdout is what
    failed (its error line on stderr says so)."""
    text = to_json(error) + "\n}" if inside else to_json({"error": error})
    with contextlib.suppress(OSError, ValueError):  # a full disk, a closed stream
        print(text, file=sys.stdout, flush=True)


def report_interrupt(
    command: str,
    exc: BaseException,
    *,
    json: bool,
    moves_money: bool,
    idempotency_key: str | None = None,
    inside: bool = False,
    nothing_sent: bool = False,
) -> int:
    """Ctrl-C: one line on stderr (one JSON document too, with `json`), naming any
    transaction left pending and the commands that resolve it."""
    pending = getattr(exc, "pending_transaction", None)
    if pending is not None:
        message = (
            f"interrupted while confirming transaction {pending.id}: it may be left PENDING; "
            f"check '{PROG} history', then '{PROG} cancel {pending.id}' or "
            f"'{PROG} confirm {pending.id}'"
        )
    elif moves_money:
        message = f"interrupted; check '{PROG} history' before repeating a payment"
        if idempotency_key is not None:
            message += (
                f", or repeat the command with --idempotency-key {idempotency_key} (applied "
                "once by a service that honours keys)"
            )
    elif nothing_sent:
        message = "interrupted: nothing was sent"
    elif command == "keys create":
        message = (
            f"interrupted; the service may have made the key, whose secret no one saw: "
            f"'{PROG} keys list' shows it, '{PROG} keys revoke KEY_ID' retires it"
        )
    else:
        message = "interrupted"
    # What the command did about it (a new API key revoked...): add_note() on the way out.
    message = "; ".join([message, *(_one_line(n) for n in getattr(exc, "__notes__", ()))])
    if json:
        document: dict[str, object] = {
            "type": "KeyboardInterrupt",
            "message": message,
            "hint": None,
            "code": None,
            "status_code": None,
            "exit_code": INTERRUPTED,
        }
        if pending is not None:
            document["pending_transaction"] = {"id": pending.id, "status": str(pending.status)}
        _print_json(document, inside=inside)
    start = "\n" if is_terminal(sys.stderr) else ""  # after the terminal's ^C
    print(f"{start}{message}", file=sys.stderr, flush=True)
    return INTERRUPTED


# What `--json` calls a failure found by the command line itself, by its exit code: the
# names scripts already see for the same exit code (argparse's refusals are `UsageError`,
# the library's wrong credentials `AuthenticationError`), never an internal class's.
_CLI_TYPES = {USAGE: "UsageError", AUTH: "AuthenticationError", FAILURE: "CommandError"}


def json_type(exc: BaseException) -> str:
    """The `type` of an error's JSON document: the library's exception class, Python's
    for an OS error, or by exit code for the command line's own."""
    if isinstance(exc, CliError):
        return _CLI_TYPES.get(exc.exit_code, "CommandError")
    return type(exc).__name__


def report(
    exc: BaseException,
    command: str,
    *,
    json: bool,
    clean: Callable[[str], str],
    verbose: bool = False,
    inside: bool = False,
    key_advice: str | None = None,
) -> int:
    """Print `exc` as `error:` and `hint:` lines on stderr (and, with `json`, as a JSON
    document on stdout), every secret removed by `clean`; return its exit code.
    `key_advice` as in `explain`."""
    error, hint, code = explain(exc, command, key_advice)
    error, hint = clean(error), clean(hint)
    if json:
        document = {
            "type": json_type(exc),
            "message": error,
            "hint": hint,
            "code": exc.code if isinstance(exc, AccountingError) else None,
            "status_code": exc.status_code if isinstance(exc, AccountingError) else None,
            "request_id": exc.request_id if isinstance(exc, AccountingError) else None,
            "idempotency_key": exc.idempotency_key if isinstance(exc, AccountingError) else None,
            "retry_after": exc.retry_after if isinstance(exc, AccountingError) else None,
            "exit_code": code,
        }
        _print_json(document, inside=inside)
    out = sys.stderr
    print(
        f"{paint('error:', 'error', out)} {error}\n{paint('hint:', 'hint', out)} {hint}",
        file=out,
        flush=True,
    )
    details = details_of(exc)
    if verbose and details:
        print(f"{paint('details:', 'hint', out)} {clean(details)}", file=out, flush=True)
    return code
