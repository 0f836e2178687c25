"""The OS keyring (macOS Keychain, Windows Credential Locker, the Secret Service of a
Linux desktop), through the `keyring` package: where saved credentials keep their secret
when the machine has a real keyring.

Imported only to save credentials, or to read ones saved there: loading `keyring` and
choosing its backend takes tens of milliseconds, which ``import syftbox_accounting``,
`Client()` and a credentials file never pay. A headless machine (CI, a container) has
no real backend: `backend()` is then None, and the encrypted file is used instead.
"""

from __future__ import annotations

from typing import Any

SERVICE = "syftbox-accounting"


class KeyringUnavailable(Exception):
    """The keyring could not be used (no backend, locked, or it failed)."""


def backend() -> Any | None:
    """The keyring backend in use, or None when there is no real one (keyring's
    `fail` and `null` backends, or a chain of none) or `keyring` is not installed."""
    try:
        import keyring
    except ImportError:  # pragma: no cover - a dependency, unless removed by hand
        return None
    try:
        chosen = keyring.get_keyring()
    except Exception:  # a broken backend configuration is no keyring to use
        return None
    return chosen if _real(chosen) else None


def _real(chosen: Any) -> bool:
    from keyring.backends import chainer, fail, null

    if isinstance(chosen, fail.Keyring | null.Keyring):
        return False
    if isinstance(chosen, chainer.ChainerBackend):
        return any(_real(each) for each in chosen.backends)
    return True


def name(chosen: Any) -> str:
    """A backend's name for people: ``macOS Keyring``, ``SecretService Keyring``..."""
    return str(getattr(chosen, "name", type(chosen).__name__))


def put(username: str, value: str) -> str:
    """Store `value` under `username`; returns the backend's name.

    Raises:
        KeyringUnavailable: no real backend, or it refused (locked, denied).
    """
    chosen = _required()
    try:
        chosen.set_password(SERVICE, username, value)
    except Exception as exc:
        raise KeyringUnavailable(f"{name(chosen)} refused to store it ({_why(exc)})") from None
    return name(chosen)


def get(username: str) -> str | None:
    """The value stored under `username`, or None when there is none.

    Raises:
        KeyringUnavailable: no real backend, or it failed (locked, denied).
    """
    chosen = _required()
    try:
        value = chosen.get_password(SERVICE, username)
    except Exception as exc:
        raise KeyringUnavailable(f"{name(chosen)} failed to read it ({_why(exc)})") from None
    return None if value is None else str(value)


def delete(username: str) -> bool:
    """Remove what is stored under `username`; False when there was nothing (or no
    keyring).

    Raises:
        KeyringUnavailable: the keyring refused, and the entry is still there.
    """
    chosen = backend()
    if chosen is None:
        return False
    try:
        chosen.delete_password(SERVICE, username)
    except Exception as exc:  # keyring also raises when there is nothing to delete
        try:
            still = chosen.get_password(SERVICE, username) is not None
        except Exception:
            still = True
        if still:
            raise KeyringUnavailable(f"{name(chosen)} refused to delete it ({_why(exc)})") from None
        return False
    return True


def _required() -> Any:
    chosen = backend()
    if chosen is None:
        raise KeyringUnavailable("this machine has no OS keyring backend")
    return chosen


def _why(exc: BaseException) -> str:
    # The exception's type only: a backend's message could quote what it was given.
    return type(exc).__name__
