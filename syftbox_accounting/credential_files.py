"""The private files of saved credentials: read only when they are this user's regular
files (never through a symlink unless asked, never a FIFO, never too large), written
atomically and 0600 from the moment they exist, in a folder only this user may write;
and the key that encrypts a saved secret (``SYFTBOX_ACCOUNTING_KEY``, or a key file
beside the credentials file). Also used for other private files (a budget's ledger)."""

from __future__ import annotations

import base64
import binascii
import errno
import os
import secrets
import stat
import sys
import tempfile
import warnings
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path

from syftbox_accounting import errors
from syftbox_accounting.defaults import ENV_KEY
from syftbox_accounting.errors import AuthenticationError

_MAKE_KEY = (
    'python -c "import base64, secrets; '
    'print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())"'
)


SAVE_AGAIN = "configure the client and call save_credentials() again"


def file_error(summary: str, hint: str) -> AuthenticationError:
    """A credentials-file problem: what is wrong, and how to save them anew."""
    return AuthenticationError(summary, hint=hint, hint_key=errors.CREDENTIALS_FILE)


# Files larger than this are no credentials file or key of ours.
_MAX_FILE_BYTES = 1024 * 1024
_warned: set[tuple[str, str]] = set()
_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def _warn_once(path: Path, what: str, message: str) -> None:
    """A warning the user sees (`warnings.warn`, pointing at their own line), once per
    file and problem in a process."""
    if (str(path), what) not in _warned:
        _warned.add((str(path), what))
        warnings.warn(message, UserWarning, stacklevel=_outside_the_library())


def _outside_the_library() -> int:
    """The `stacklevel` of the first caller that is not this package's code."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1  # type: ignore[assignment]
    return level


def read_private(path: Path, what: str, *, follow: bool) -> bytes:
    """The bytes of `path`, a regular file of this user's, opened without blocking
    (a FIFO would hang) and, unless `follow`, without following a symlink.

    Raises:
        FileNotFoundError: nothing there.
        AuthenticationError: a symlink (when not followed), a special file, another
            user's file, or one too large; the message names the path and the fix.
        OSError: it cannot be read (permissions, I/O).
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if not follow and exc.errno == errno.ELOOP:
            raise file_error(
                f"The {what} {path} is a symbolic link, which is not followed (it could "
                "point at someone else's file):",
                f"replace it with the file itself, or delete it and {SAVE_AGAIN}.",
            ) from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise file_error(
                f"The {what} {path} cannot be read: it is not a regular file (a FIFO, "
                "a device or a folder):",
                f"remove it, then {SAVE_AGAIN}.",
            )
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            raise file_error(
                f"The {what} {path} belongs to another user (uid {info.st_uid}), so it "
                "cannot be trusted:",
                f"remove it, then {SAVE_AGAIN}.",
            )
        if info.st_size > _MAX_FILE_BYTES:
            raise file_error(
                f"The {what} {path} is too large to be one ({info.st_size} bytes):",
                f"remove it, then {SAVE_AGAIN}.",
            )
        mode = stat.S_IMODE(info.st_mode)
        if mode & 0o077:
            _warn_once(
                path,
                "mode",
                f"The {what} {path} is readable or writable by others (mode {mode:o}), "
                f"and it guards a saved password or API key: run chmod 600 {path}",
            )
        chunks = []
        while chunk := os.read(fd, _MAX_FILE_BYTES + 1):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def check_folder(directory: Path) -> None:
    """Warn once when others may write to the folder (they could swap the files)."""
    try:
        info = os.stat(directory)
    except OSError:
        return
    if stat.S_IMODE(info.st_mode) & 0o022 and not info.st_mode & stat.S_ISVTX:
        _warn_once(
            directory,
            "folder",
            f"The folder {directory} of the credentials is writable by others, who could "
            f"swap the files: run chmod 700 {directory}",
        )


def key_path(config: Path) -> Path:
    """The key file that goes with a credentials file: same folder, ``.key``."""
    return config.with_suffix(".key")


# -- the key


def _decode_key(text: str, source: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        key = b""
    if len(key) != 32:
        raise AuthenticationError(
            f"{source} is not a valid key: it must be 32 random bytes in URL-safe base64. "
            f"Make one with: {_MAKE_KEY}"
        )
    return key


def file_key(config: Path, *, create: bool, environ: Mapping[str, str]) -> tuple[bytes, str]:
    """The encryption key and where it came from ("environment" or "file")."""
    if environ.get(ENV_KEY):
        return _decode_key(environ[ENV_KEY], ENV_KEY), "environment"
    path = key_path(config)
    try:
        return _read_key(path), "file"
    except FileNotFoundError:
        if not create:
            raise file_error(
                f"The key file {path} for {config} is missing, so the saved secret (a password "
                "or an API key) cannot be decrypted.",
                f"Set {ENV_KEY} to the key it was saved with, or {SAVE_AGAIN}.",
            ) from None
    # Created only if absent; then read back, so that the key we encrypt with is the
    # one on disk: a racing process's key if its link won, never a key that was not
    # kept (a dangling symlink there is refused by the read).
    write_new(path, base64.urlsafe_b64encode(secrets.token_bytes(32)) + b"\n")
    try:
        return _read_key(path), "file"
    except FileNotFoundError:
        raise file_error(
            f"The key file {path} could not be created (it vanished at once):",
            f"check the folder {path.parent}, then {SAVE_AGAIN}.",
        ) from None


def _read_key(path: Path) -> bytes:
    try:
        raw = read_private(path, "key file", follow=False)
    except (FileNotFoundError, AuthenticationError):
        raise
    except OSError as exc:
        raise file_error(
            f"The key file {path} cannot be read ({exc.strerror or type(exc).__name__}):",
            f"check its permissions and those of {path.parent}.",
        ) from None
    return _decode_key(raw.decode("ascii", "replace"), f"The key file {path}")


# -- files


def _private_dir(directory: Path) -> None:
    if not directory.exists():
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        directory.chmod(0o700)  # mkdir's mode is reduced by the umask


def _temp_beside(path: Path, data: bytes) -> str:
    """A fsynced temp file next to `path` holding `data`, mode 0600 from its birth."""
    _private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)  # mkstemp makes 0600, but a umask could take more away
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def _sync_dir(directory: Path) -> None:
    with suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Replace `path` with `data` all at once: a crash leaves the old file or the new."""
    tmp = _temp_beside(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
    _sync_dir(path.parent)


def write_new(path: Path, data: bytes) -> None:
    """Create `path` only if it does not exist (a racing writer's file wins: read it
    back to know which one is there)."""
    tmp = _temp_beside(path, data)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        with suppress(OSError):
            os.unlink(tmp)
    _sync_dir(path.parent)
