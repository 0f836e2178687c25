"""Credentials: where they come from, and the encrypted credentials file.

Discovery, in the seed's order: the config file (``~/.syftbox/accounting.json``),
then the environment (``SYFTBOX_ACCOUNTING_EMAIL``, ``SYFTBOX_ACCOUNTING_PASSWORD``,
``SYFTBOX_ACCOUNTING_URL``), then nothing. Each skipped step is logged at DEBUG; a
corrupt file is a WARNING naming it; a half-set environment is an error.

The file holds the URL and email in clear and the password encrypted with
AES-256-GCM, the URL, email and format version bound to it as associated data, so
any edit is detected. The key is kept apart from the file: ``SYFTBOX_ACCOUNTING_KEY``
(32 bytes, URL-safe base64) when set, else a key file beside the config file
(``accounting.key``), created 0600. Files are written atomically (temp file in the
same directory, fsync, rename) and are 0600 from the moment they exist.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import errno
import json
import logging
import os
import secrets
import stat
import sys
import tempfile
import warnings
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any

from syftbox_accounting import errors
from syftbox_accounting.defaults import (
    DEFAULT_CONFIG_PATH,
    DEFAULT_URL,
    ENV_EMAIL,
    ENV_KEY,
    ENV_PASSWORD,
    ENV_URL,
)
from syftbox_accounting.errors import AccountingError, AuthenticationError

__all__ = [
    "DEFAULT_CONFIG_PATH",
    "DEFAULT_URL",
    "Credentials",
    "discover",
    "from_environment",
    "load",
    "resolve_url",
    "save",
]

log = logging.getLogger("syftbox_accounting")

FORMAT = "syftbox-accounting-credentials"
VERSION = 1
_ALGORITHM = "AES-256-GCM"
_MAKE_KEY = (
    'python -c "import base64, secrets; '
    'print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())"'
)


@dataclasses.dataclass(frozen=True, slots=True)
class Credentials:
    """A service URL, an email and a password (never shown in a repr), and whether
    the user allowed plain http:// to a host that is not loopback."""

    url: str
    email: str
    password: str = dataclasses.field(repr=False)
    allow_insecure_http: bool = False


_SAVE_AGAIN = "configure the client and call save_credentials() again"


def _file_error(summary: str, hint: str) -> AuthenticationError:
    """A credentials-file problem: what is wrong, and how to save them anew."""
    return AuthenticationError(summary, hint=hint, hint_key=errors.CREDENTIALS_FILE)


def config_path(filepath: str | os.PathLike[str] | None = None) -> Path:
    """The credentials file: `filepath`, or ``~/.syftbox/accounting.json``.

    Raises:
        AuthenticationError: the path starts with ``~`` and there is no home
            directory (HOME unset, no passwd entry).
    """
    path = Path(filepath if filepath is not None else DEFAULT_CONFIG_PATH)
    try:
        return path.expanduser()
    except RuntimeError:
        raise _file_error(
            f"The credentials file {path} is in the home directory, and this process has "
            "none (HOME is unset and the user has no passwd entry):",
            "set HOME, or pass the file's full path.",
        ) from None


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


def _read_private(path: Path, what: str, *, follow: bool) -> bytes:
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
            raise _file_error(
                f"The {what} {path} is a symbolic link, which is not followed (it could "
                "point at someone else's file):",
                f"replace it with the file itself, or delete it and {_SAVE_AGAIN}.",
            ) from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _file_error(
                f"The {what} {path} cannot be read: it is not a regular file (a FIFO, "
                "a device or a folder):",
                f"remove it, then {_SAVE_AGAIN}.",
            )
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            raise _file_error(
                f"The {what} {path} belongs to another user (uid {info.st_uid}), so it "
                "cannot be trusted:",
                f"remove it, then {_SAVE_AGAIN}.",
            )
        if info.st_size > _MAX_FILE_BYTES:
            raise _file_error(
                f"The {what} {path} is too large to be one ({info.st_size} bytes):",
                f"remove it, then {_SAVE_AGAIN}.",
            )
        mode = stat.S_IMODE(info.st_mode)
        if mode & 0o077:
            _warn_once(
                path,
                "mode",
                f"The {what} {path} is readable or writable by others (mode {mode:o}), "
                f"and it guards a password: run chmod 600 {path}",
            )
        chunks = []
        while chunk := os.read(fd, _MAX_FILE_BYTES + 1):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _check_folder(directory: Path) -> None:
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


def _key(config: Path, *, create: bool, environ: Mapping[str, str]) -> tuple[bytes, str]:
    """The encryption key and where it came from ("environment" or "file")."""
    if environ.get(ENV_KEY):
        return _decode_key(environ[ENV_KEY], ENV_KEY), "environment"
    path = key_path(config)
    try:
        return _read_key(path), "file"
    except FileNotFoundError:
        if not create:
            raise _file_error(
                f"The key file {path} for {config} is missing, so the saved password cannot "
                "be decrypted.",
                f"Set {ENV_KEY} to the key it was saved with, or {_SAVE_AGAIN}.",
            ) from None
    # Created only if absent; then read back, so that the key we encrypt with is the
    # one on disk: a racing process's key if its link won, never a key that was not
    # kept (a dangling symlink there is refused by the read).
    _write_new(path, base64.urlsafe_b64encode(secrets.token_bytes(32)) + b"\n")
    try:
        return _read_key(path), "file"
    except FileNotFoundError:
        raise _file_error(
            f"The key file {path} could not be created (it vanished at once):",
            f"check the folder {path.parent}, then {_SAVE_AGAIN}.",
        ) from None


def _read_key(path: Path) -> bytes:
    try:
        raw = _read_private(path, "key file", follow=False)
    except (FileNotFoundError, AuthenticationError):
        raise
    except OSError as exc:
        raise _file_error(
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


def _write_new(path: Path, data: bytes) -> None:
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


# -- save and load


def _associated_data(url: str, email: str, allow_insecure_http: bool) -> bytes:
    # Everything in clear is bound to the password: editing any of it is detected.
    fields = {"format": FORMAT, "version": VERSION, "url": url, "email": email}
    return json.dumps(
        fields | {"allow_insecure_http": allow_insecure_http}, sort_keys=True
    ).encode()


def save(
    credentials: Credentials,
    filepath: str | os.PathLike[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> Path:
    """Write `credentials` to the encrypted file and return its path."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    path = config_path(filepath)
    _check_folder(path.parent)
    try:
        key, source = _key(path, create=True, environ=os.environ if environ is None else environ)
    except OSError as exc:
        raise _not_saved(path, exc) from None
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(key).encrypt(
        nonce,
        credentials.password.encode("utf-8"),
        _associated_data(credentials.url, credentials.email, credentials.allow_insecure_http),
    )
    del key  # with the ciphertext, a traceback's locals would give the password away
    document = {
        "format": FORMAT,
        "version": VERSION,
        "url": credentials.url,
        "email": credentials.email,
        "allow_insecure_http": credentials.allow_insecure_http,
        "password": {
            "algorithm": _ALGORITHM,
            "key": source,
            "nonce": base64.urlsafe_b64encode(nonce).decode(),
            "ciphertext": base64.urlsafe_b64encode(sealed).decode(),
        },
    }
    try:
        atomic_write(path, (json.dumps(document, indent=2) + "\n").encode())
    except OSError as exc:
        raise _not_saved(path, exc) from None
    log.info("Saved accounting credentials for %s to %s", credentials.email, path)
    return path


def _not_saved(path: Path, exc: OSError) -> AccountingError:
    return _file_error(
        f"Could not save the credentials to {path} ({exc.strerror or type(exc).__name__}); "
        "nothing was saved, and any earlier file there is unchanged:",
        f"check that {path.parent} is writable and the disk has room, or pass another path.",
    )


def _corrupt(path: Path, what: str) -> AuthenticationError:
    return _file_error(
        f"The credentials file {path} is corrupt ({what}).", f"Delete it, then {_SAVE_AGAIN}."
    )


def load(
    filepath: str | os.PathLike[str] | None = None, *, environ: Mapping[str, str] | None = None
) -> Credentials:
    """Read and decrypt the credentials file.

    Raises:
        AuthenticationError: the file is missing, unreadable, corrupt, tampered with,
            or the key is wrong; the message names the file and what to do.
    """
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    path = config_path(filepath)
    _check_folder(path.parent)
    try:
        raw = _read_private(path, "credentials file", follow=True)
    except FileNotFoundError:
        raise _file_error(
            f"No credentials file at {path}:",
            "configure the client and call save_credentials(), or pass the path it was saved to.",
        ) from None
    except OSError as exc:
        raise _file_error(
            f"The credentials file {path} cannot be read ({exc.strerror or type(exc).__name__}):",
            f"check its permissions and those of {path.parent}.",
        ) from None
    doc = _parse(path, raw)
    url, email, sealed = doc["url"], doc["email"], doc["password"]
    insecure = doc["allow_insecure_http"]
    key, _ = _key(path, create=False, environ=os.environ if environ is None else environ)
    try:
        nonce = base64.urlsafe_b64decode(sealed["nonce"])
        ciphertext = base64.urlsafe_b64decode(sealed["ciphertext"])
        aead = AESGCM(key)
        del key  # a traceback's locals must not hold what decrypts the password
        return Credentials(
            url,
            email,
            aead.decrypt(nonce, ciphertext, _associated_data(url, email, insecure)).decode(),
            allow_insecure_http=insecure,
        )
    except (InvalidTag, ValueError, binascii.Error):
        hint = (
            f"{ENV_KEY} is set to a different key"
            if sealed.get("key") == "file" and os.environ.get(ENV_KEY)
            else "it was saved with another key or edited"
        )
        raise _file_error(
            f"The credentials file {path} cannot be decrypted: {hint}.",
            f"Use the key it was saved with, or {_SAVE_AGAIN}.",
        ) from None


def _parse(path: Path, raw: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError):
        raise _corrupt(path, "not JSON") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise _corrupt(path, "not a syftbox-accounting credentials file")
    if doc.get("version") != VERSION:
        raise _file_error(
            f"The credentials file {path} has format version {doc.get('version')!r}, and "
            f"this library reads version {VERSION}:",
            "upgrade syftbox-accounting, or save the credentials again.",
        )
    sealed = doc.get("password")
    fields_ok = (
        all(isinstance(doc.get(k), str) for k in ("url", "email"))
        and isinstance(doc.get("allow_insecure_http"), bool)
    ) and (
        isinstance(sealed, dict)
        and sealed.get("algorithm") == _ALGORITHM
        and all(isinstance(sealed.get(k), str) for k in ("nonce", "ciphertext"))
    )
    if not fields_ok:
        raise _corrupt(path, "fields missing or of the wrong type")
    return doc


# -- discovery


def resolve_url(
    explicit: str | None = None,
    found: Credentials | None = None,
    environ: Mapping[str, str] | None = None,
) -> str:
    """The service to use: `explicit`, else the found credentials' URL, else
    ``SYFTBOX_ACCOUNTING_URL``, else the public service."""
    env = os.environ if environ is None else environ
    return explicit or (found.url if found else None) or env.get(ENV_URL) or DEFAULT_URL


def _present(path: Path) -> bool:
    """Whether something is at `path`; a folder we may not search counts (load then
    says so), and never raises."""
    try:
        os.lstat(path)
    except FileNotFoundError:
        return False
    except OSError:
        return True
    return True


def from_environment(environ: Mapping[str, str] | None = None) -> Credentials | None:
    """Credentials from the environment; None when neither email nor password is set.

    Raises:
        AuthenticationError: only one of the email and password is set.
    """
    env = os.environ if environ is None else environ
    email, password = env.get(ENV_EMAIL), env.get(ENV_PASSWORD)
    if not email and not password:
        return None
    missing = ENV_PASSWORD if email else ENV_EMAIL
    if not email or not password:
        raise AuthenticationError(
            f"{ENV_EMAIL if email else ENV_PASSWORD} is set but {missing} is not: set both, "
            "or unset both to use another source of credentials."
        )
    return Credentials(url=resolve_url(environ=env), email=email, password=password)


def discover(
    filepath: str | os.PathLike[str] | None = None, *, environ: Mapping[str, str] | None = None
) -> tuple[Credentials | None, str]:
    """Find credentials: the config file, then the environment. Returns them (or
    None) and where they came from."""
    try:
        path: Path | None = config_path(filepath)
    except AuthenticationError as exc:
        log.debug("Credentials discovery: no config file: %s", exc.summary)
        path = None
    if path is not None and _present(path):
        try:
            return load(path, environ=environ), f"config file {path}"
        except AuthenticationError as exc:
            log.warning("Skipping the credentials file %s: %s", path, exc.message)
    elif path is not None:
        log.debug("Credentials discovery: no config file at %s", path)
    found = from_environment(environ)
    if found is not None:
        return found, "environment"
    log.debug("Credentials discovery: %s and %s are not set", ENV_EMAIL, ENV_PASSWORD)
    return None, "not configured"
