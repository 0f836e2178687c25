"""The accounting operations, as plain blocking functions.

Authentication comes first (`cached_login`, then `login` when a password hash needs
computing), then the operation validates its body and acts: a request with bad
credentials is always 401, whatever its body. An operation that hashes a password
(`create_user`, `update_password`) does that first, holding no lock, and returns its
write (a `Write`) for the caller to run where it records the answer: a keyed request
holds its database transaction for microseconds, not for the hash.
"""

from __future__ import annotations

import dataclasses
import hmac
import time
from collections.abc import Callable, Mapping
from typing import TypeVar

from syftbox_accounting.server import api_keys, bodies, errors, history
from syftbox_accounting.server.api_keys import ApiKey, ApiKeys
from syftbox_accounting.server.auth import BasicCredentials
from syftbox_accounting.server.bodies import same_email
from syftbox_accounting.server.clock import Clock
from syftbox_accounting.server.history import Cursors
from syftbox_accounting.server.idempotency_records import Keys, RecordLimits
from syftbox_accounting.server.money import dollars
from syftbox_accounting.server.passwords import (
    VerifiedCredentials,
    burn_verification_time,
    generate_password,
    hash_password,
    verify_password,
)
from syftbox_accounting.server.store import (
    DEFAULT_MAX_PENDING,
    DEFAULT_MAX_PENDING_PER_RECIPIENT,
    Account,
    Actor,
    Store,
    Transaction,
    Usage,
)
from syftbox_accounting.server.tokens import TokenClaims, TokenIssuer

T = TypeVar("T")
# What an operation that hashes a password returns once it has: its database write.
Write = Callable[[], T]


class Caller:
    """An authenticated caller: its account, and the password it proved or the API key
    it used (whose scopes then bound what it may do). `current`: the account was read
    as it is now (lapsed holds released), in the same step as the operation that gets
    this caller (`cached_login(current=True)`), so that `my_info` need not read it again.
    """

    __slots__ = ("account", "current", "key", "password")

    def __init__(
        self,
        account: Account,
        password: str | None,
        key: ApiKey | None = None,
        *,
        current: bool = False,
    ) -> None:
        self.account = account
        self.password = password
        self.key = key
        self.current = current

    def __repr__(self) -> str:
        proof = "password=<hidden>" if self.key is None else f"api_key={self.key.id}"
        return f"Caller(email={self.account.email!r}, {proof})"


class AccountingService:
    """Accounts, tokens and transactions over one `Store`."""

    def __init__(
        self,
        store: Store,
        tokens: TokenIssuer,
        *,
        admin_key: str | None,
        initial_credit: int,
        cursors: Cursors,
        max_pending: int = DEFAULT_MAX_PENDING,
        max_pending_per_recipient: int = DEFAULT_MAX_PENDING_PER_RECIPIENT,
        password_cost: int | None = None,
        clock: Clock = time.time,
        api_key_secret: bytes | None = None,
        record_secret: bytes | None = None,
        record_limits: RecordLimits | None = None,
    ) -> None:
        self.store = store
        self.password_cost = password_cost
        self.tokens = tokens
        self.admin_key = admin_key
        self.initial_credit = initial_credit
        self.cursors = cursors
        self.max_pending = max_pending
        self.max_pending_per_recipient = max_pending_per_recipient
        self.verified = VerifiedCredentials()
        # Idempotency records live in the same database, written in its transactions,
        # under keys derived from the service's secret, and age by the service's clock.
        self.keys = Keys(
            store,
            record_secret if record_secret is not None else store.secret("token_secret"),
            record_limits,
            clock,
        )
        self.api_keys = ApiKeys(store, api_key_secret or store.secret("api_key_secret"), clock)

    def reset(self) -> None:
        """Forget every account, transaction and spent token."""
        self.store.reset()
        self.verified.clear()

    def close(self) -> None:
        self.store.close()

    # --- authentication -------------------------------------------------------------

    def cached_login(self, credentials: BasicCredentials, *, current: bool = False) -> Caller | str:
        """The caller, when its password was verified recently; else the account whose
        hashing queue `login` waits in (its id, or "" for an unknown email). Raises 401
        invalid_credentials at once for credentials refused recently: a repeat of the
        same bad credentials costs no hash. `current`: read the account as it is now
        (lapsed holds released), for an operation run at once on that read (`Caller`)."""
        queue: str | None = None
        refused = True
        for email, password in credentials.readings:
            account = self.store.account(email, identity_only=not current)
            if account is None:
                refused &= self.verified.is_refused(email.casefold(), password, "")
                continue
            if self.verified.is_cached(account.id, password, account.password_hash):
                return Caller(account, password, current=current)
            refused &= self.verified.is_refused(account.id, password, account.password_hash)
            queue = queue or account.id
        if refused:
            raise errors.invalid_credentials()
        return queue or ""

    def login(self, credentials: BasicCredentials) -> Caller:
        """The caller, or 401 invalid_credentials. Slow (scrypt) unless cached."""
        burned = False
        for email, password in credentials.readings:
            account = self.store.account(email, identity_only=True)
            if account is None:
                if not burned:
                    burn_verification_time(password)
                    burned = True
                self.verified.refuse(email.casefold(), password, "")
                continue
            if self.verified.verify(account.id, password, account.password_hash):
                return Caller(account, password)
        raise errors.invalid_credentials()

    def key_login(self, authorization: str, operation: str, raw: bytes = b"") -> Caller:
        """The caller of an ``Authorization: Bearer sbk_...`` header: 401 for an unknown,
        revoked or expired key, 403 insufficient_scope when its scopes do not cover
        `operation` (an operationId), naming the scope the request (its body `raw`)
        needs. No password hash: one keyed hash and one read."""
        key, account = self.api_keys.authenticate(authorization)
        needs = api_keys.NEEDS[operation]
        if not key.scopes.intersection(needs):
            needed = self._scope_needed(account, operation, raw)
            named = needs if needed is None else (needed,)
            raise api_keys.insufficient_scope(key, named, operation)
        return Caller(account, None, key)

    def _scope_needed(self, account: Account, operation: str, raw: bytes) -> str | None:
        """The one scope a request for `operation` needs where it takes one of several
        (`api_keys.NEEDS`) and its body says which; None when it does not say (a
        malformed body, an unknown transaction)."""
        if len(api_keys.NEEDS[operation]) == 1 or not raw:
            return None
        try:
            data = bodies.parse_object(raw)
            if operation == "createTransaction":
                return _creation_scope(data.get("token") is not None)
            found = self.store.transaction(account.email, str(data.get("transactionId")))
        except errors.ApiError:
            return None
        return _resolution_scope(found, account.email)

    def account_of(self, credentials: BasicCredentials) -> Account | None:
        """The account the credentials name (their first reading that names one)."""
        for email, _ in credentials.readings:
            account = self.store.account(email)
            if account is not None:
                return account
        return None

    # --- replays of requests whose secrets the idempotency records do not keep -----

    def created_with(self, raw: bytes) -> bool:
        """Slow: whether the account a `/user/create` body names exists with the
        password the body gives (False without one: a generated password)."""
        body = bodies.create_user(bodies.parse_object(raw))
        account = self.store.account(body.email)
        return (
            body.password is not None
            and account is not None
            and self.verified.verify(account.id, body.password, account.password_hash)
        )

    def has_new_password(self, account: Account, raw: bytes) -> bool:
        """Slow: whether a `/user/update-password` body's newPassword is the account's
        password now (so the change it asks for is the one that was made)."""
        body = bodies.update_password(bodies.parse_object(raw))
        current = self.store.account(account.email)
        return current is not None and self.verified.verify(
            current.id, body.new_password, current.password_hash
        )

    def _account(self, email: str) -> Account:
        account = self.store.account(email)
        if account is None:
            raise errors.no_account(email)
        return account

    # --- users ----------------------------------------------------------------------

    def create_user(self, raw: bytes) -> Write[tuple[Account, str]]:
        """Slow: checks the body and hashes the password. Returns the write that makes
        the account (and checks the email again), and its password."""
        body = bodies.create_user(bodies.parse_object(raw))
        # Cheap check first, so that a taken email costs no scrypt; the insert re-checks.
        if self.store.account(body.email, identity_only=True) is not None:
            raise errors.account_exists(body.email)
        password = body.password if body.password is not None else generate_password()
        password_hash = hash_password(password, self.password_cost)

        def write() -> tuple[Account, str]:
            account = self.store.create_account(
                body.email, password_hash, body.organization, self.initial_credit
            )
            return account, password

        return write

    def my_info(self, caller: Caller) -> Account:
        """The account as it is now, lapsed holds released: the login's read when it
        read it so in this same step (`Caller.current`), else a read now (the login read
        only who it is, or before a password check long enough for a hold to lapse)."""
        if caller.current:
            return caller.account
        account = self.store.account(caller.account.email)
        if account is None:
            raise errors.invalid_credentials()  # deleted by a reset meanwhile
        return account

    def update_password(self, caller: Caller, raw: bytes) -> Write[Account]:
        """Slow: checks the old password and hashes the new one. Returns the write that
        sets it (unless the password changed meanwhile: 401), and the account."""
        account = caller.account
        body = bodies.update_password(bodies.parse_object(raw))
        matches_proven = caller.password is not None and hmac.compare_digest(
            body.old_password.encode("utf-8"), caller.password.encode("utf-8")
        )
        if not (matches_proven or verify_password(body.old_password, account.password_hash)):
            raise errors.forbidden(
                "oldPassword is not the account's current password: "
                "send the password you authenticate with as oldPassword."
            )
        new_hash = hash_password(body.new_password, self.password_cost)

        def write() -> Account:
            if not self.store.set_password(account.id, account.password_hash, new_hash):
                # Another request changed the password since this one authenticated.
                raise errors.invalid_credentials()
            # As it is now: hashing took long enough for a hold to lapse.
            return self.my_info(caller)

        return write

    def update_organization(self, caller: Caller, raw: bytes) -> Account:
        body = bodies.update_organization(bodies.parse_object(raw))
        return self.store.set_organization(caller.account.id, body.organization)

    # --- tokens and transactions ----------------------------------------------------

    def create_token(self, caller: Caller, raw: bytes) -> str:
        payer = caller.account
        body = bodies.create_token(bodies.parse_object(raw))
        if same_email(body.recipient_email, payer.email):
            raise errors.validation_error(
                [
                    {
                        "field": "recipientEmail",
                        "problem": "must be another account than yours "
                        "(a token lets someone else charge you)",
                    }
                ]
            )
        recipient = self._account(body.recipient_email)
        key = caller.key
        if key is not None and key.max_spend is not None:
            if body.max_amount is None:
                left = self.api_keys.left(key) or 0
                raise errors.validation_error(
                    [
                        {
                            "field": "maxAmount",
                            "problem": "is required: this API key has a spend cap "
                            f"({dollars(left)} left), so its tokens need a limit",
                        }
                    ]
                )
            with self.store.unit() as db:
                self.api_keys.spend(db, key, body.max_amount)
                return self._issue(payer.email, recipient.email, body)
        return self._issue(payer.email, recipient.email, body)

    def _issue(self, payer: str, recipient: str, body: bodies.CreateToken) -> str:
        return self.tokens.issue(
            payer, recipient, max_amount=body.max_amount, expires_in=body.expires_in
        )

    def create_transaction(self, caller: Caller, raw: bytes) -> Transaction:
        me = caller.account.email
        body = bodies.create_transaction(bodies.parse_object(raw))
        if same_email(body.sender_email, body.recipient_email):
            raise errors.validation_error(
                [{"field": "recipientEmail", "problem": "must differ from senderEmail"}]
            )
        created_by: Actor
        claims: TokenClaims | None = None
        api_keys.require(
            caller.key,
            _creation_scope(body.token is not None),
            "a charge (with a token)" if body.token is not None else "a direct payment (no token)",
        )
        if body.token is None:
            if not same_email(body.sender_email, me):
                raise errors.forbidden(_whose_key(caller) + _direct_needs_sender(body, me))
            created_by = "SENDER"
        else:
            if not same_email(body.recipient_email, me):
                raise errors.forbidden(
                    _whose_key(caller) + "A transaction token lets its recipient charge the "
                    "payer: set recipientEmail to your own email, or leave token out to pay "
                    "directly."
                )
            claims = self.tokens.verify(body.token)
            if claims.max_amount is not None and body.amount > claims.max_amount:
                raise errors.token_limit_exceeded(dollars(body.amount), dollars(claims.max_amount))
            created_by = "RECIPIENT"
        if caller.key is None or created_by != "SENDER":
            return self._create(body, created_by, claims)
        # What a key pays counts against its cap in the payment's own database transaction.
        with self.store.unit() as db:
            created = self._create(body, created_by, claims)
            self.api_keys.spend(db, caller.key, body.amount)
        return created

    def _create(
        self, body: bodies.CreateTransaction, created_by: Actor, claims: TokenClaims | None
    ) -> Transaction:
        return self.store.create_transaction(
            sender_email=body.sender_email,
            recipient_email=body.recipient_email,
            amount=body.amount,
            created_by=created_by,
            token=claims,
            app_name=body.app_name,
            app_ep_path=body.app_ep_path,
            hold_for=body.hold_for,
            max_pending=self.max_pending,
            max_pending_per_recipient=self.max_pending_per_recipient,
        )

    def _check_resolver(self, caller: Caller, transaction_id: str) -> None:
        """A key resolves a transaction its account created as sender with `pay`, as
        recipient (a charge) with `charge`."""
        if caller.key is None:
            return
        found = self.store.transaction(caller.account.email, transaction_id)
        scope = _resolution_scope(found, caller.account.email)
        what = "resolving a charge" if scope == "charge" else "resolving a payment"
        api_keys.require(caller.key, scope, what)

    def confirm_transaction(self, caller: Caller, raw: bytes) -> Transaction:
        body = bodies.confirm_transaction(bodies.parse_object(raw))
        self._check_resolver(caller, body.transaction_id)
        return self.store.resolve_transaction(
            body.transaction_id, caller.account.email, confirm=True, amount=body.amount
        )

    def cancel_transaction(self, caller: Caller, raw: bytes) -> Transaction:
        body = bodies.transaction_id(bodies.parse_object(raw))
        self._check_resolver(caller, body.transaction_id)
        return self.store.resolve_transaction(
            body.transaction_id, caller.account.email, confirm=False
        )

    def refund_transaction(self, caller: Caller, raw: bytes) -> Transaction:
        """A refund by the recipient of the payment (with a key: counted against its cap)."""
        if caller.key is None:
            return self._refund(caller.account.email, raw)
        with self.store.unit() as db:
            refund = self._refund(caller.account.email, raw)
            self.api_keys.spend(db, caller.key, refund.amount)
        return refund

    def admin_refund_transaction(self, raw: bytes) -> Transaction:
        """A refund by the admin (the caller checks the admin key)."""
        return self._refund(None, raw)

    def _refund(self, caller_email: str | None, raw: bytes) -> Transaction:
        body = bodies.refund_transaction(bodies.parse_object(raw))
        return self.store.refund_transaction(
            body.transaction_id,
            caller_email,
            amount=body.amount,
            reason=body.reason,
            amount_field=body.amount_field,
        )

    def transactions(
        self, caller: Caller, params: Mapping[str, list[str]]
    ) -> tuple[list[Transaction], str | None]:
        """A page of the caller's history and the cursor of the next one (None on the
        last page, and always without `limit`)."""
        account = caller.account
        query = history.history_query(params, self.cursors, account.id)
        if query.limit is None:
            return self.store.transactions(account.email, query), None
        # One more than asked says whether another page follows.
        rows = self.store.transactions_page(
            account.email, dataclasses.replace(query, limit=query.limit + 1)
        )
        if len(rows) <= query.limit:
            return [t for _, t in rows], None
        rows = rows[: query.limit]
        return [t for _, t in rows], self.cursors.issue(account.id, rows[-1][0])

    def transaction(self, caller: Caller, transaction_id: str) -> Transaction:
        if not 1 <= len(transaction_id) <= bodies.MAX_TRANSACTION_ID_LENGTH:
            raise errors.validation_error(
                [{"field": "transactionId", "problem": "must be 1 to 64 characters"}]
            )
        return self.store.transaction(caller.account.email, transaction_id)

    def usage(self, caller: Caller, params: Mapping[str, list[str]]) -> Usage:
        return self.store.usage(caller.account.email, history.window(params))

    # --- API keys -------------------------------------------------------------------

    def create_api_key(self, caller: Caller, raw: bytes) -> tuple[ApiKey, str]:
        return self.api_keys.create(caller.account.id, caller.key, raw)

    def list_api_keys(self, caller: Caller) -> list[ApiKey]:
        return self.api_keys.list(caller.account.id)

    def revoke_api_key(self, caller: Caller, raw: bytes) -> ApiKey:
        return self.api_keys.revoke(caller.account.id, raw)

    # --- admin (the caller checks the admin key) ------------------------------------

    def add_balance(self, raw: bytes) -> Account:
        body = bodies.add_balance(bodies.parse_object(raw))
        return self.store.add_balance(body.recipient_email, body.amount, body.amount_field)

    def user(self, email: str) -> Account:
        if not bodies.is_email(email):
            raise errors.validation_error([{"field": "email", "problem": bodies.EMAIL_PROBLEM}])
        return self._account(email)

    def users(self) -> list[Account]:
        return self.store.accounts()


def _creation_scope(with_token: bool) -> str:
    """The scope a key needs to create a transaction: a charge (with a token) `charge`,
    a direct payment `pay`."""
    return "charge" if with_token else "pay"


def _resolution_scope(found: Transaction, email: str) -> str:
    """The scope a key of the account `email` needs to confirm or cancel `found`: a
    charge it made as recipient `charge`, a payment it made as sender `pay`."""
    charged = found.created_by == "RECIPIENT" and same_email(found.recipient_email, email)
    return "charge" if charged else "pay"


def _whose_key(caller: Caller) -> str:
    """For a caller with an API key, which carries no email: the account it
    authenticates, to open a refusal that speaks of "your own email" (in its first
    sentence, which clients show)."""
    if caller.key is None:
        return ""
    return f"This API key ({caller.key.id}) authenticates {caller.account.email}; "


def _direct_needs_sender(body: bodies.CreateTransaction, caller: str) -> str:
    if same_email(body.recipient_email, caller):
        return (
            f"To charge {body.sender_email}, send the transaction token they gave you; "
            "to pay, set senderEmail to your own email."
        )
    return (
        "You may only pay from your own account (senderEmail = your email), or charge "
        "a payer with their token (recipientEmail = your email)."
    )
