"""Options that may come from the environment, where users deploy: the constructor's
argument wins, then the variable, then the default. Also the one logging switch."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping

from syftbox_accounting.defaults import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    ENV_ALLOW_INSECURE_HTTP,
    ENV_CREDENTIAL_STORE,
    ENV_LOG,
    ENV_MAX_RETRIES,
    ENV_TIMEOUT,
)
from syftbox_accounting.errors import BAD_SETTING, InvalidInputError

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}
_handler: logging.Handler | None = None


def _env(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def bad(variable: str, text: str, form: str, default: object) -> InvalidInputError:
    """The error for a variable whose value is not of its accepted `form`: it names
    the variable, the value and the form, and how to get the default."""
    shown = text if len(text) <= 40 else text[:37] + "..."
    return InvalidInputError(
        f"{variable}={shown!r} is not valid: it must be {form}.",
        hint=f"Correct it, or unset it for the default ({default}).",
        hint_key=BAD_SETTING,
    )


def allow_insecure_http(value: bool | None, environ: Mapping[str, str] | None = None) -> bool:
    """`value`, else ``SYFTBOX_ACCOUNTING_ALLOW_INSECURE_HTTP`` (1/true/yes/on)."""
    if value is not None:
        return value
    text = _env(environ).get(ENV_ALLOW_INSECURE_HTTP, "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise bad(ENV_ALLOW_INSECURE_HTTP, text, "1 or 0 (also true/false, yes/no, on/off)", "off")


def timeout(value: float | None, environ: Mapping[str, str] | None = None) -> float:
    """`value`, else ``SYFTBOX_ACCOUNTING_TIMEOUT`` (seconds), else the default."""
    if value is not None:
        return value
    text = _env(environ).get(ENV_TIMEOUT, "").strip()
    if not text:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        raise bad(ENV_TIMEOUT, text, "a positive number of seconds, e.g. 10 or 2.5", "10")
    return seconds


def max_retries(value: int | None, environ: Mapping[str, str] | None = None) -> int:
    """`value`, else ``SYFTBOX_ACCOUNTING_MAX_RETRIES``, else the default."""
    if value is not None:
        return value
    text = _env(environ).get(ENV_MAX_RETRIES, "").strip()
    if not text:
        return DEFAULT_MAX_RETRIES
    if not (text.isascii() and text.isdigit()) or not 0 <= int(text) <= 10:
        raise bad(ENV_MAX_RETRIES, text, "a whole number from 0 to 10", DEFAULT_MAX_RETRIES)
    return int(text)


def credential_store(environ: Mapping[str, str] | None = None) -> str | None:
    """Where saved credentials must keep their secret: ``"keyring"`` or ``"file"`` when
    the variable forces one, None for the default (``auto``, or unset)."""
    text = _env(environ).get(ENV_CREDENTIAL_STORE, "").strip().lower()
    if text in ("keyring", "file"):
        return text
    if text in ("", "auto"):
        return None
    raise bad(
        ENV_CREDENTIAL_STORE, text, "keyring, file or auto", "auto: the OS keyring if present"
    )


def configure_logging(environ: Mapping[str, str] | None = None) -> None:
    """Honour ``SYFTBOX_ACCOUNTING_LOG=debug|info``: log the library's lines to stderr.

    info: retries and where credentials came from; debug: also one line per request
    (method, path, status, time, attempt, request id). Never a header, body or secret.
    Called by every client's constructor; does nothing when the variable is unset, and
    adds its handler once.
    """
    global _handler
    text = _env(environ).get(ENV_LOG, "").strip().lower()
    if not text:
        return
    level = _LEVELS.get(text)
    if level is None:
        raise bad(ENV_LOG, text, "debug or info", "off: no log")
    logger = logging.getLogger("syftbox_accounting")
    logger.setLevel(level)
    # A program that handles the library's log itself (the command line) keeps it.
    if _handler is None and not logger.handlers:
        _handler = logging.StreamHandler(sys.stderr)
        _handler.setFormatter(logging.Formatter("syftbox_accounting %(levelname)s %(message)s"))
        logger.addHandler(_handler)
