"""Password hashing (salted scrypt) and a cache that keeps repeated logins cheap."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import secrets
import threading
from collections import OrderedDict

# scrypt's interactive-login parameters: ~16 MiB and tens of milliseconds per hash.
# New hashes read SCRYPT_N when made (test suites may lower it to run faster); every
# hash records its own parameters, so changing it never breaks existing passwords.
SCRYPT_N = 2**14
# The test fixture's cost (`BackgroundService(fast_password_hash=True)`): microseconds
# instead of tens of milliseconds, and worthless against a stolen database.
TEST_ONLY_SCRYPT_N = 2**4
_R, _P = 8, 1
_MAXMEM = 64 * 1024 * 1024
_SCHEME = "scrypt"
# Each hash holds 128 * r * n bytes (16 MiB) while it runs: more at once than there are
# cores buys no speed, only memory, so a flood of logins is bounded here whoever calls.
MAX_CONCURRENT_HASHES = max(2, min(os.cpu_count() or 2, 8))
_hashing = threading.BoundedSemaphore(MAX_CONCURRENT_HASHES)


def generate_password() -> str:
    """A random password for an account registered without one (32 URL-safe characters)."""
    return secrets.token_urlsafe(24)


def _scrypt(password: bytes, salt: bytes, n: int, r: int, p: int) -> bytes:
    with _hashing:
        return hashlib.scrypt(password, salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=32)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, n: int | None = None) -> str:
    """`scrypt$n$r$p$salt$hash`: the parameters travel with the hash so they can change.
    `n` is scrypt's cost (default `SCRYPT_N`)."""
    salt = secrets.token_bytes(16)
    n = SCRYPT_N if n is None else n
    digest = _scrypt(password.encode("utf-8"), salt, n, _R, _P)
    return f"{_SCHEME}${n}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """True when `password` is the one `stored` was made from."""
    scheme, n, r, p, salt, digest = stored.split("$")
    if scheme != _SCHEME:
        return False
    actual = _scrypt(
        password.encode("utf-8", "surrogatepass"), base64.b64decode(salt), int(n), int(r), int(p)
    )
    return hmac.compare_digest(actual, base64.b64decode(digest))


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def burn_verification_time(password: str) -> None:
    """Spend a verification's time on an unknown email, so that a wrong email costs as
    much as a wrong password and response times do not reveal which accounts exist."""
    verify_password(password, _dummy_hash())


class VerifiedCredentials:
    """Remembers recently verified (account, password, stored hash) triples, and
    recently refused ones.

    scrypt is slow on purpose, so hashing on every request would cap the service at a
    few requests per second. Entries are MACs under a per-process random key: no
    password is kept, and the key includes the stored hash, so a password change (which
    stores a new salted hash) invalidates every entry made for the old one. A refused
    entry made for an unknown email (stored hash "") never matches the account once it
    exists. So a repeat of the same good credentials, or of the same bad ones, costs no
    hash.
    """

    def __init__(self, max_entries: int = 4096, max_refused: int = 16384) -> None:
        self._key = secrets.token_bytes(32)
        self._max_entries = max_entries
        self._max_refused = max_refused
        self._entries: OrderedDict[bytes, None] = OrderedDict()
        self._refused: OrderedDict[bytes, None] = OrderedDict()
        self._lock = threading.Lock()

    def _fingerprint(self, account_id: str, password: str, stored: str) -> bytes:
        message = "\0".join((account_id, stored, password)).encode("utf-8", "surrogatepass")
        # BLAKE2b's keyed mode is a MAC, as HMAC-SHA256 is, at a third of its cost
        # (checked on every signed-in request).
        return hashlib.blake2b(message, key=self._key, digest_size=32).digest()

    def is_cached(self, account_id: str, password: str, stored: str) -> bool:
        """True when this password was verified recently: no scrypt needed."""
        return self._seen(self._entries, self._fingerprint(account_id, password, stored))

    def is_refused(self, who: str, password: str, stored: str) -> bool:
        """True when exactly these credentials were refused recently (`who`: the
        account's id, or the email when no account has it; `stored`: its hash or "")."""
        return self._seen(self._refused, self._fingerprint(who, password, stored))

    def refuse(self, who: str, password: str, stored: str) -> None:
        """Remember credentials that failed verification."""
        self._keep(self._refused, self._fingerprint(who, password, stored), self._max_refused)

    def _seen(self, entries: OrderedDict[bytes, None], fingerprint: bytes) -> bool:
        with self._lock:
            if fingerprint in entries:
                entries.move_to_end(fingerprint)
                return True
        return False

    def _keep(self, entries: OrderedDict[bytes, None], fingerprint: bytes, most: int) -> None:
        with self._lock:
            entries[fingerprint] = None
            entries.move_to_end(fingerprint)
            while len(entries) > most:
                entries.popitem(last=False)

    def verify(self, account_id: str, password: str, stored: str) -> bool:
        """Check a password, by the cache when it was verified recently, else by scrypt
        (a failure is remembered as refused)."""
        if self.is_cached(account_id, password, stored):
            return True
        if not verify_password(password, stored):
            self.refuse(account_id, password, stored)
            return False
        self.remember(account_id, password, stored)
        return True

    def remember(self, account_id: str, password: str, stored: str) -> None:
        """Remember a password known to match `stored`: verified, or just hashed into it
        by whoever calls this (the test harness, for the accounts it makes)."""
        self._keep(
            self._entries, self._fingerprint(account_id, password, stored), self._max_entries
        )

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._refused.clear()
