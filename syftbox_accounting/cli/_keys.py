"""`keys create|list|revoke`: API keys, to authenticate without the password."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from syftbox_accounting import validation
from syftbox_accounting.cli._context import Context, parse_amount
from syftbox_accounting.cli._errors import OK, CliError, key_refused_advice
from syftbox_accounting.cli._output import is_terminal, table, when
from syftbox_accounting.cli._program import KEYS_LISTING, PROG
from syftbox_accounting.display import money
from syftbox_accounting.errors import AccountingError
from syftbox_accounting.types import ApiKey, ApiKeyScope

if TYPE_CHECKING:
    from syftbox_accounting.accounting import AccountingClient


def key_doc(key: ApiKey) -> dict[str, Any]:
    """An API key as `--json` shows it: never its secret."""
    return {
        "id": key.id,
        "name": key.name,
        "scopes": _scope_names(key),
        "hint": key.hint,
        "created_at": key.created_at,
        "expires_at": key.expires_at,
        "last_used_at": key.last_used_at,
        "revoked_at": key.revoked_at,
        "max_spend": key.max_spend,
        "spent": key.spent,
        "active": key.is_active(),
    }


def _scopes(key: ApiKey) -> str:
    return ",".join(_scope_names(key))


def _scope_names(key: ApiKey) -> list[str]:
    """The key's scopes in the contract's order, then any a later service added."""
    known = [s.value for s in ApiKeyScope if s in key.scopes]
    return known + sorted(s.value for s in key.scopes if not s.known)


def _state(key: ApiKey) -> str:
    if key.revoked_at is not None:
        return "revoked"
    return "active" if key.is_active() else "expired"


def _scopes_given(given: list[str]) -> frozenset[ApiKeyScope]:
    """The scopes of --scope (repeated, or separated with commas), checked as the
    library checks them, and named as the option."""
    names = [s.strip() for each in given for s in each.split(",") if s.strip()]
    return validation.scopes(names, "--scope", example="--scope read,pay")


def retire_new_key(client: AccountingClient, key_id: str) -> str:
    """Revoke a key just made whose secret is lost (never shown, never saved): a key no
    one holds must not stay valid. Says what became of it."""
    try:
        client.revoke_api_key(key_id)
    except (AccountingError, KeyboardInterrupt):  # a second Ctrl-C: say what to run
        return f"the new API key {key_id} could not be revoked: run '{PROG} keys revoke {key_id}'"
    return f"the new API key {key_id} was revoked"


def create(ctx: Context) -> int:
    name = validation.optional_text(
        "NAME", ctx.args.key_name, max_length=validation.MAX_KEY_NAME_LENGTH
    )
    scopes = _scopes_given(ctx.args.scopes)
    cap = None if ctx.args.max_spend is None else parse_amount(ctx.args.max_spend, "--max-spend")
    lifetime = validation.key_lifetime(ctx.args.expires, "--expires")
    key = validation.idempotency_key(ctx.args.idempotency_key, "--idempotency-key")
    account = ctx.resolve_account()
    assert account is not None  # required
    with ctx.account_client(account) as client, ctx.busy("Creating the API key"):
        made = client.create_api_key(
            name or "", scopes, expires_in=lifetime, max_spend=cap, idempotency_key=key
        )
    ctx.secret(made.secret)  # shown once below, never in an error
    try:
        ctx.emit({"api_key": key_doc(made.key), "secret": made.secret}, [made.secret])
    except CliError as exc:  # the secret is lost: the key must not stay valid
        with ctx.account_client(account) as client:
            fate = retire_new_key(client, made.id)
        raise CliError(f"{exc.message}; {fate}", exc.hint, exc.exit_code) from None
    if not ctx.json and is_terminal(sys.stdout):
        ctx.note(
            f"API key {made.id} ({_scopes(made.key)}): shown only this once. Use it as "
            f"SYFTBOX_ACCOUNTING_API_KEY; '{PROG} keys revoke {made.id}' retires it."
        )
    return OK


def list_keys(ctx: Context) -> int:
    account = ctx.resolve_account()
    assert account is not None
    with ctx.account_client(account) as client, ctx.busy("Listing the API keys"):
        keys = client.list_api_keys()
    rows = [
        [
            k.id,
            k.name,
            _scopes(k),
            k.hint,
            _state(k),
            when(k.expires_at) if k.expires_at else "-",
            when(k.last_used_at) if k.last_used_at else "never",
            money(k.spent) if k.max_spend is None else f"{money(k.spent)} of {money(k.max_spend)}",
        ]
        for k in keys
    ]
    headers = ["ID", "NAME", "SCOPES", "KEY", "STATE", "EXPIRES (UTC)", "LAST USED", "SPENT"]
    lines = table(headers, rows, right=set()) if keys else ["No API keys."]
    ctx.emit({"api_keys": [key_doc(k) for k in keys]}, lines)
    return OK


def revoke(ctx: Context) -> int:
    key_id = validation.key_id(ctx.args.key_id, "KEY_ID", KEYS_LISTING)
    key = validation.idempotency_key(ctx.args.idempotency_key, "--idempotency-key")
    account = ctx.resolve_account()
    assert account is not None
    with ctx.account_client(account) as client, ctx.busy(f"Revoking {key_id}"):
        revoked = client.revoke_api_key(key_id, idempotency_key=key)
    ctx.emit(
        key_doc(revoked),
        [f"Revoked {revoked.id} ({revoked.name}, {revoked.hint}) at {when(revoked.revoked_at)}."],
    )
    if account.api_key is not None and revoked.hint == validation.api_key_hint(account.api_key):
        ctx.note(
            "That was the API key these commands use: the service refuses it from now on; "
            f"{key_refused_advice(account.source)}."
        )
    return OK
