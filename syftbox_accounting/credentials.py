"""Credentials: where they come from, the credentials file, and the OS keyring.

Discovery, in the seed's order: the config file (``~/.syftbox/accounting.json``),
then the environment (``SYFTBOX_ACCOUNTING_API_KEY``, then ``SYFTBOX_ACCOUNTING_EMAIL``
and ``SYFTBOX_ACCOUNTING_PASSWORD``, with ``SYFTBOX_ACCOUNTING_URL``), then nothing. A
source with an API key and a password gives both: the client uses the key where the
service supports keys. Each skipped step is logged at DEBUG; a corrupt file is a
WARNING naming it; a half-set environment is an error.

Saved credentials are one secret (an API key, or a password) and the URL, email and
format version in clear. The secret goes to the OS keyring when the machine has a real
one (`keyring_store`; the file then only points at the entry, whose copy of the clear
fields must match it), else into the file, encrypted with AES-256-GCM, the clear fields
bound to it as associated data, so any edit is detected. The key of the file is kept
apart from it: ``SYFTBOX_ACCOUNTING_KEY`` (32 bytes, URL-safe base64) when set, else a
key file beside the config file (``accounting.key``), created 0600.
``SYFTBOX_ACCOUNTING_CREDENTIAL_STORE=keyring|file`` forces one. Files are written
atomically (temp file in the same directory, fsync, rename) and are 0600 from the
moment they exist.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from syftbox_accounting import settings
from syftbox_accounting.credential_files import (
    SAVE_AGAIN,
    atomic_write,
    check_folder,
    file_error,
    file_key,
    key_path,
    read_private,
)
from syftbox_accounting.defaults import (
    DEFAULT_CONFIG_PATH,
    DEFAULT_URL,
    ENV_API_KEY,
    ENV_CREDENTIAL_STORE,
    ENV_EMAIL,
    ENV_KEY,
    ENV_PASSWORD,
    ENV_URL,
)
from syftbox_accounting.errors import AccountingError, AuthenticationError, InvalidInputError

__all__ = [
    "DEFAULT_CONFIG_PATH",
    "DEFAULT_URL",
    "Credentials",
    "discover",
    "from_environment",
    "load",
    "peek",
    "resolve_url",
    "save",
    "shadowed",
]

log = logging.getLogger("syftbox_accounting")

FORMAT = "syftbox-accounting-credentials"
VERSION = 1
_ALGORITHM = "AES-256-GCM"


@dataclasses.dataclass(frozen=True, slots=True)
class Credentials:
    """A service URL, an email, and a password or an API key or both (never shown in
    a repr); whether the user allowed plain http:// to a host that is not loopback;
    and, once loaded, where the secret was saved (`saved_in`: ``keyring`` or ``file``)."""

    url: str
    email: str | None
    password: str | None = dataclasses.field(repr=False)
    allow_insecure_http: bool = False
    api_key: str | None = dataclasses.field(default=None, repr=False)
    saved_in: str | None = dataclasses.field(default=None, compare=False)

    @property
    def kind(self) -> str:
        """What is saved: the API key when there is one, else the password."""
        return API_KEY if self.api_key is not None else PASSWORD


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
        raise file_error(
            f"The credentials file {path} is in the home directory, and this process has "
            "none (HOME is unset and the user has no passwd entry):",
            "set HOME, or pass the file's full path.",
        ) from None


# -- save and load

# Format version 1 holds a password in the file; version 2 (an API key, or a secret kept
# in the OS keyring) says what its secret is and where. A password saved to the file is
# still written as version 1, which every version of this library reads.
VERSION_2 = 2
PASSWORD, API_KEY = "password", "api_key"
KEYRING, FILE = "keyring", "file"
STORES = (KEYRING, FILE)


@dataclasses.dataclass(frozen=True, slots=True)
class Saved:
    """Where `save` put credentials: the file, and `store` (``keyring``: the secret is
    in the OS keyring `backend`, the file only says so; ``file``: it is in the file,
    encrypted)."""

    path: Path
    store: str
    backend: str | None = None

    def describe(self) -> str:
        if self.store == KEYRING:
            return f"the OS keyring ({self.backend}), with {self.path} pointing at it"
        return f"the encrypted file {self.path}"


def _associated_data(url: str, email: str, allow_insecure_http: bool) -> bytes:
    # Everything in clear is bound to the password: editing any of it is detected.
    fields = {"format": FORMAT, "version": VERSION, "url": url, "email": email}
    return json.dumps(
        fields | {"allow_insecure_http": allow_insecure_http}, sort_keys=True
    ).encode()


def _bound_fields(credentials: Credentials) -> dict[str, Any]:
    """What a version 2 file says in clear, bound to its secret (as associated data in
    the file, or inside the keyring's entry): an edit of any of it is detected."""
    return {
        "format": FORMAT,
        "version": VERSION_2,
        "url": credentials.url,
        "email": credentials.email,
        "allow_insecure_http": credentials.allow_insecure_http,
        "kind": credentials.kind,
    }


def store_for(
    filepath: str | os.PathLike[str] | None, environ: Mapping[str, str] | None = None
) -> str:
    """Where `save` puts a secret: ``SYFTBOX_ACCOUNTING_CREDENTIAL_STORE`` (keyring or
    file) when set; else the encrypted file for an explicit `filepath` (the seed's
    `save_credentials(filepath)`), and the OS keyring, when the machine has a real
    one, for the default place.

    Raises:
        InvalidInputError: the variable holds something else (named, with its forms).
    """
    forced = settings.credential_store(environ)
    if forced is not None:
        return forced
    if filepath is not None:
        return FILE
    from syftbox_accounting import keyring_store

    return KEYRING if keyring_store.backend() is not None else FILE


def save(
    credentials: Credentials,
    filepath: str | os.PathLike[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    store: str | None = None,
) -> Saved:
    """Save `credentials`: the secret in the OS keyring or encrypted in the file (see
    `store_for`; `store` forces one), the rest in the file. Says where at INFO.

    Raises:
        AuthenticationError: nothing could be saved (the message says why and what to
            do), or the keyring was asked for and there is none.
        InvalidInputError: `filepath` is a folder.
    """
    env = os.environ if environ is None else environ
    path = config_path(filepath)
    if path.is_dir():  # refused before the key file or the keyring entry is made
        if filepath is not None:
            raise InvalidInputError(
                f"filepath {os.fspath(filepath)!r} is a folder: name a file in it, such as "
                f"{str(path / 'accounting.json')!r}."
            )
        raise file_error(
            f"Could not save the credentials: {path} is a folder; nothing was saved:",
            "move the folder away, or pass save_credentials() the path of a file.",
        )
    check_folder(path.parent)
    chosen = store or store_for(filepath, env)
    if chosen == KEYRING:
        saved = _save_to_keyring(credentials, path)
    else:
        _save_to_file(credentials, path, env)
        saved = Saved(path, FILE)
        if store is None and env.get(ENV_CREDENTIAL_STORE, "").strip().lower() != FILE:
            reason = "it was given a path" if filepath is not None else "no OS keyring is present"
            log.info("No OS keyring used for the credentials (%s): encrypted file instead.", reason)
    log.info(
        "Saved accounting credentials (%s) for %s to %s",
        "an API key" if credentials.kind == API_KEY else "a password",
        credentials.email or "the API key's account",
        saved.describe(),
    )
    return saved


def _save_to_file(credentials: Credentials, path: Path, environ: Mapping[str, str]) -> None:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        key, source = file_key(path, create=True, environ=environ)
    except OSError as exc:
        raise _not_saved(path, exc) from None
    nonce = secrets.token_bytes(12)
    if credentials.kind == PASSWORD:
        assert credentials.password is not None
        assert credentials.email is not None
        secret, aad = (
            credentials.password,
            _associated_data(credentials.url, credentials.email, credentials.allow_insecure_http),
        )
    else:
        assert credentials.api_key is not None
        fields = _bound_fields(credentials)
        secret, aad = credentials.api_key, json.dumps(fields, sort_keys=True).encode()
    sealed = AESGCM(key).encrypt(nonce, secret.encode("utf-8"), aad)
    del key, secret  # with the ciphertext, a traceback's locals would give it away
    box = {
        "algorithm": _ALGORITHM,
        "key": source,
        "nonce": base64.urlsafe_b64encode(nonce).decode(),
        "ciphertext": base64.urlsafe_b64encode(sealed).decode(),
    }
    document: dict[str, Any]
    if credentials.kind == PASSWORD:
        document = {
            "format": FORMAT,
            "version": VERSION,
            "url": credentials.url,
            "email": credentials.email,
            "allow_insecure_http": credentials.allow_insecure_http,
            "password": box,
        }
    else:
        document = {**_bound_fields(credentials), "secret": {"store": FILE, **box}}
    _write_document(path, document)


def _save_to_keyring(credentials: Credentials, path: Path) -> Saved:
    from syftbox_accounting import keyring_store

    secret = credentials.api_key if credentials.kind == API_KEY else credentials.password
    entry = json.dumps({**_bound_fields(credentials), "secret": secret}, sort_keys=True)
    del secret
    username = str(path.resolve())
    try:
        backend = keyring_store.put(username, entry)
    except keyring_store.KeyringUnavailable as exc:
        raise file_error(
            f"Could not save the credentials to the OS keyring: {exc}; nothing was saved:",
            f"unlock the keyring, or set {ENV_CREDENTIAL_STORE}=file to use the encrypted "
            "file instead.",
        ) from None
    finally:
        del entry
    pointer = {
        **_bound_fields(credentials),
        "secret": {"store": KEYRING, "service": keyring_store.SERVICE, "username": username},
    }
    _write_document(path, pointer)
    return Saved(path, KEYRING, backend)


def _write_document(path: Path, document: dict[str, Any]) -> None:
    try:
        atomic_write(path, (json.dumps(document, indent=2) + "\n").encode())
    except OSError as exc:
        raise _not_saved(path, exc) from None


def _not_saved(path: Path, exc: OSError) -> AccountingError:
    return file_error(
        f"Could not save the credentials to {path} ({exc.strerror or type(exc).__name__}); "
        "nothing was saved, and any earlier file there is unchanged:",
        f"check that {path.parent} is writable and the disk has room, or pass another path.",
    )


def _corrupt(path: Path, what: str) -> AuthenticationError:
    return file_error(
        f"The credentials file {path} is corrupt ({what}).", f"Delete it, then {SAVE_AGAIN}."
    )


def load(
    filepath: str | os.PathLike[str] | None = None, *, environ: Mapping[str, str] | None = None
) -> Credentials:
    """Read the credentials file, and its secret: decrypted from the file, or read from
    the OS keyring that the file names.

    Raises:
        AuthenticationError: the file is missing, unreadable, corrupt, tampered with,
            the key is wrong, or the keyring lacks or refuses its entry; the message
            names the file and what to do.
    """
    path = config_path(filepath)
    check_folder(path.parent)
    try:
        raw = read_private(path, "credentials file", follow=True)
    except FileNotFoundError:
        raise file_error(
            f"No credentials file at {path}:",
            "configure the client and call save_credentials(), or pass the path it was saved to.",
        ) from None
    except OSError as exc:
        raise file_error(
            f"The credentials file {path} cannot be read ({exc.strerror or type(exc).__name__}):",
            f"check its permissions and those of {path.parent}.",
        ) from None
    doc = _parse(path, raw)
    env = os.environ if environ is None else environ
    if doc["version"] == VERSION:
        return _load_v1(path, doc, env)
    found = Credentials(
        doc["url"],
        doc["email"],
        None,
        allow_insecure_http=doc["allow_insecure_http"],
        saved_in=doc["secret"]["store"],
    )
    fields = {k: doc[k] for k in ("format", "version", "url", "email", "allow_insecure_http")}
    fields["kind"] = doc["kind"]
    if doc["secret"]["store"] == FILE:
        secret = _open_box(path, doc["secret"], json.dumps(fields, sort_keys=True).encode(), env)
    else:
        secret = _from_keyring(path, doc["secret"], fields)
    if doc["kind"] == API_KEY:
        return dataclasses.replace(found, api_key=secret)
    return dataclasses.replace(found, password=secret)


@dataclasses.dataclass(frozen=True, slots=True)
class SavedAccount:
    """What a credentials file says in clear: the service, the account, the kind of
    secret (``password`` or ``api_key``) and where it is kept (``file`` or
    ``keyring``)."""

    url: str
    email: str | None
    kind: str
    store: str


def peek(filepath: str | os.PathLike[str] | None = None) -> SavedAccount | None:
    """What the credentials file saves, read without its secret (which may be out of
    reach: a lost key file, a locked keyring); None when there is no such file or it
    is not one of ours."""
    try:
        path = config_path(filepath)
        doc = _parse(path, read_private(path, "credentials file", follow=True))
    except (OSError, AuthenticationError):
        return None
    if doc["version"] == VERSION:
        return SavedAccount(doc["url"], doc["email"], PASSWORD, FILE)
    return SavedAccount(doc["url"], doc["email"], doc["kind"], doc["secret"]["store"])


def _load_v1(path: Path, doc: dict[str, Any], env: Mapping[str, str]) -> Credentials:
    url, email, insecure = doc["url"], doc["email"], doc["allow_insecure_http"]
    password = _open_box(path, doc["password"], _associated_data(url, email, insecure), env)
    return Credentials(url, email, password, allow_insecure_http=insecure, saved_in=FILE)


def _open_box(path: Path, sealed: dict[str, Any], aad: bytes, env: Mapping[str, str]) -> str:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    key, _ = file_key(path, create=False, environ=env)
    try:
        nonce = base64.urlsafe_b64decode(sealed["nonce"])
        ciphertext = base64.urlsafe_b64decode(sealed["ciphertext"])
        aead = AESGCM(key)
        del key  # a traceback's locals must not hold what decrypts the secret
        return aead.decrypt(nonce, ciphertext, aad).decode()
    except (InvalidTag, ValueError, binascii.Error):
        hint = (
            f"{ENV_KEY} is set to a different key"
            if sealed.get("key") == "file" and env.get(ENV_KEY)
            else "it was saved with another key or edited"
        )
        raise file_error(
            f"The credentials file {path} cannot be decrypted: {hint}.",
            f"Use the key it was saved with, or {SAVE_AGAIN}.",
        ) from None


def _from_keyring(path: Path, where: dict[str, Any], fields: dict[str, Any]) -> str:
    from syftbox_accounting import keyring_store

    try:
        entry = keyring_store.get(str(where["username"]))
    except keyring_store.KeyringUnavailable as exc:
        raise file_error(
            f"The credentials file {path} keeps its secret in the OS keyring, and {exc}:",
            f"unlock the keyring (or run where it is), or delete the file and {SAVE_AGAIN}.",
        ) from None
    if entry is None:
        raise file_error(
            f"The credentials file {path} keeps its secret in the OS keyring, which has no "
            "entry for it (removed from the keyring?):",
            f"delete the file, then {SAVE_AGAIN}.",
        )
    try:
        stored = json.loads(entry)
        secret = stored.pop("secret")
    except (ValueError, AttributeError, KeyError, TypeError):
        stored, secret = None, None
    del entry
    if stored != fields or not isinstance(secret, str):
        raise file_error(
            f"The credentials file {path} does not match its entry in the OS keyring (the "
            "file was edited, or the entry replaced), so it is not used:",
            f"delete the file, then {SAVE_AGAIN}.",
        )
    return secret


def _parse(path: Path, raw: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError):
        raise _corrupt(path, "not JSON") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise _corrupt(path, "not a syftbox-accounting credentials file")
    if doc.get("version") not in (VERSION, VERSION_2):
        raise file_error(
            f"The credentials file {path} has format version {doc.get('version')!r}, and "
            f"this library reads versions {VERSION} and {VERSION_2}:",
            "upgrade syftbox-accounting, or save the credentials again.",
        )
    if doc["version"] == VERSION:
        sealed = doc.get("password")
        fields_ok = all(isinstance(doc.get(k), str) for k in ("url", "email")) and _sealed_ok(
            sealed
        )
    else:
        where = doc.get("secret")
        fields_ok = (
            isinstance(doc.get("url"), str)
            and (doc.get("email") is None or isinstance(doc.get("email"), str))
            and doc.get("kind") in (PASSWORD, API_KEY)
            and (doc.get("kind") == API_KEY or isinstance(doc.get("email"), str))
            and isinstance(where, dict)
            and (
                (where.get("store") == FILE and _sealed_ok(where))
                or (where.get("store") == KEYRING and isinstance(where.get("username"), str))
            )
        )
    if not (fields_ok and isinstance(doc.get("allow_insecure_http"), bool)):
        raise _corrupt(path, "fields missing or of the wrong type")
    return doc


def _sealed_ok(sealed: object) -> bool:
    return (
        isinstance(sealed, dict)
        and sealed.get("algorithm") == _ALGORITHM
        and all(isinstance(sealed.get(k), str) for k in ("nonce", "ciphertext"))
    )


def forget(filepath: str | os.PathLike[str] | None = None) -> list[str]:
    """Delete the saved credentials: the file, the key file beside it, and the
    secret's entry in the OS keyring if the file points at one. Returns what was
    removed (the paths, then ``OS keyring entry <service>/<name>``); empty when
    nothing was saved. A file that cannot be read is removed all the same.

    Raises:
        AuthenticationError: a file exists and cannot be deleted (nothing after it
            is removed, so the same call can be repeated), or the OS keyring refused
            to delete the entry (removed first: then nothing is removed).
    """
    path = config_path(filepath)
    try:
        raw = read_private(path, "credentials file", follow=False)
    except (OSError, AuthenticationError):
        raw = b""
    try:
        where = json.loads(raw).get("secret")
    except (ValueError, AttributeError, RecursionError):
        where = None
    removed: list[str] = []
    entry: list[str] = []  # listed last, removed first
    if isinstance(where, dict) and where.get("store") == KEYRING:
        # The entry first: once the file is gone, nothing would point at it any more.
        from syftbox_accounting import keyring_store

        username = str(where.get("username"))
        try:
            if keyring_store.delete(username):
                entry.append(f"OS keyring entry {keyring_store.SERVICE}/{username}")
        except keyring_store.KeyringUnavailable as exc:
            raise file_error(
                f"Could not remove the saved secret from the OS keyring ({exc}), so nothing "
                "was removed:",
                "unlock the keyring, then log out again.",
            ) from None
    for target in (path, key_path(path)):
        try:
            target.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise file_error(
                f"Could not delete {target} ({exc.strerror}):",
                f"check the permissions of {target.parent}, then log out again.",
            ) from None
        removed.append(str(target))
    return removed + entry


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
    """Credentials from the environment: the API key (with the email, if set), and the
    email and password; None when none of them is set.

    Raises:
        AuthenticationError: the password is set without the email, or (without an API
            key) only one of the email and password.
    """
    found = _from_environment(os.environ if environ is None else environ)
    del environ  # raised from here, where no secret of the environment is a local
    if isinstance(found, str):
        raise AuthenticationError(found)
    return found


def _from_environment(env: Mapping[str, str]) -> Credentials | str | None:
    """`from_environment`'s credentials, or what is wrong with the environment (not
    raised here: this frame holds the secrets, and ``os.environ`` shows them all)."""
    email, password, api_key = env.get(ENV_EMAIL), env.get(ENV_PASSWORD), env.get(ENV_API_KEY)
    if api_key and not (password and not email):
        return Credentials(
            url=resolve_url(environ=env),
            email=email or None,
            password=password or None,
            api_key=api_key,
        )
    if not email and not password:
        return None
    missing = ENV_PASSWORD if email else ENV_EMAIL
    if not email or not password:
        return (
            f"{ENV_EMAIL if email else ENV_PASSWORD} is set but {missing} is not: set both, "
            "or unset both to use another source of credentials."
        )
    return Credentials(url=resolve_url(environ=env), email=email, password=password)


def shadowed(found: Credentials, environ: Mapping[str, str] | None = None) -> list[str]:
    """The variables of the environment that name other credentials or another service
    than the saved `found`, which come first: they are not used."""
    env = os.environ if environ is None else environ
    saved = {
        ENV_URL: found.url.rstrip("/").casefold(),
        ENV_EMAIL: (found.email or "").casefold(),
        ENV_API_KEY: found.api_key or "",
        ENV_PASSWORD: found.password or "",
    }
    given = {
        ENV_URL: env.get(ENV_URL, "").rstrip("/").casefold(),
        ENV_EMAIL: env.get(ENV_EMAIL, "").casefold(),
        ENV_API_KEY: env.get(ENV_API_KEY, ""),
        ENV_PASSWORD: env.get(ENV_PASSWORD, ""),
    }
    if not found.email:  # a saved key without its email: any email may be its own
        del given[ENV_EMAIL]
    return [name for name, value in given.items() if value and value != saved[name]]


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
            loaded = load(path, environ=environ)
            where = "the OS keyring" if loaded.saved_in == KEYRING else "the encrypted file"
            # At DEBUG: the client says at INFO, once, whose credentials it uses.
            log.debug("Credentials discovery: saved in %s (%s)", path, where)
            ignored = shadowed(loaded, environ)
            if ignored:
                log.debug(
                    "Credentials discovery: %s not used: the saved credentials come first",
                    ", ".join(ignored),
                )
            return loaded, f"config file {path}"
        except AuthenticationError as exc:
            log.warning("Skipping the credentials file %s: %s", path, exc.message)
    elif path is not None:
        log.debug("Credentials discovery: no config file at %s", path)
    found = from_environment(environ)
    if found is not None:
        return found, "environment"
    log.debug(
        "Credentials discovery: %s, %s and %s are not set", ENV_API_KEY, ENV_EMAIL, ENV_PASSWORD
    )
    return None, "not configured"
