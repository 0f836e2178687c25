"""Files that hold the service's secrets: private from the start, refused when they are not.

The database holds password hashes and, unless a key file is given, the token-signing
key: whoever can read it can forge transaction tokens. Such files are created 0600 (their
folder 0700 when we create it) and an existing one that other users can read or write
is refused rather than used: a warning scrolls by in a log while the key may already be
copied, and the fix (`chmod 600`) is one command.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

# SQLite's companions of a database file: they hold the same data (SQLite creates them
# with the database file's own permissions).
DATABASE_COMPANIONS = ("-wal", "-shm", "-journal")
_CHECKS = os.name == "posix"  # Windows has no mode bits to check


class SecretFileError(ValueError):
    """A secret-holding file that other users can reach, or that cannot be used; the
    message says how to fix it."""


def check_private(path: Path, what: str) -> None:
    """Refuse `path` if it exists and its mode lets other users read or write it."""
    if not _CHECKS:
        return
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    if stat.S_IMODE(mode) & 0o077:
        raise SecretFileError(
            f"{path} ({what}) is open to other users (mode {stat.S_IMODE(mode):04o}): "
            f"run `chmod 600 {path}` and start again"
            + (
                "; if others may have read it, its password hashes and token key are exposed"
                if what == "the database"
                else ""
            )
            + "."
        )


def prepare_database(database: str | os.PathLike[str]) -> None:
    """Before SQLite opens `database`: create it 0600 (a missing folder 0700), or refuse
    an existing database or companion file that other users can reach."""
    if os.fspath(database) in (":memory:", ""):
        return  # nothing on disk ("" is SQLite's private temporary database)
    path = Path(database)
    _make_private_folders(path.parent)
    with contextlib.suppress(FileExistsError):  # an existing one is checked below
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    for suffix in ("", *DATABASE_COMPANIONS):
        check_private(Path(f"{path}{suffix}"), "the database")


def _make_private_folders(folder: Path) -> None:
    missing: list[Path] = []
    while not folder.exists():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for created in reversed(missing):
        try:
            # 0700 whatever the umask says: the folder will hold the database's secrets.
            created.mkdir(mode=0o700)
        except FileExistsError:
            continue  # made meanwhile by someone else: not ours to change
        if _CHECKS:
            os.chmod(created, 0o700)


def read_secret_file(path: str | os.PathLike[str], what: str) -> str:
    """The text of a key file (one line; surrounding whitespace dropped), refused when other
    users can read it or it is empty."""
    file = Path(path)
    check_private(file, what)
    try:
        text = file.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "it is not UTF-8 text"
        raise SecretFileError(f"cannot read {what} from {file}: {reason}.") from None
    if not text:
        raise SecretFileError(f"{file} ({what}) is empty: write the key on its first line.")
    return text
