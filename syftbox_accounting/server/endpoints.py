"""The service's operations: one handler per `operationId` of `openapi.yaml`, and
`ENDPOINTS`, the table that routes them (method, path)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from syftbox_accounting.server import errors, headers
from syftbox_accounting.server.api_keys import is_api_key, key_json
from syftbox_accounting.server.auth import authorization_of, check_admin
from syftbox_accounting.server.bodies import MAX_BODY_BYTES
from syftbox_accounting.server.idempotency import Keyed
from syftbox_accounting.server.request_log import printable
from syftbox_accounting.server.responses import (
    ExactJSONResponse,
    transaction_json,
    usage_json,
    user_json,
)
from syftbox_accounting.server.runner import Runner
from syftbox_accounting.server.service import AccountingService
from syftbox_accounting.server.store import Account


def _json_body_type(request: Request) -> None:
    """415 unless the body is declared `application/json` (parameters such as charset
    aside): a browser sends a text/plain, form or multipart body to another origin
    without asking first, with any Basic credentials it holds."""
    declared = headers.values(request.scope, headers.CONTENT_TYPE)
    media = declared[0].partition(";")[0].strip().lower() if len(declared) == 1 else ""
    if media != "application/json":
        raise errors.unsupported_media_type(", ".join(declared) or None)


async def _read_body(request: Request) -> bytes:
    """The JSON body, read up to just past the limit (the parser then answers 400);
    415 for one of another type, before anything else."""
    _json_body_type(request)
    # ASGI's messages read directly, as `Request.stream` does, without its generator.
    chunks: list[bytes] = []
    size = 0
    receive = request.receive
    while True:
        message = await receive()
        if message["type"] == "http.request":
            chunk = message.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_BODY_BYTES or not message.get("more_body", False):
                return b"".join(chunks)
        elif message["type"] == "http.disconnect":
            raise ClientDisconnect()


def _ok(content: dict[str, Any], status: int = 200) -> ExactJSONResponse:
    return ExactJSONResponse(content, status_code=status)


def _user_answer(account: Any) -> Response:
    return _ok({"user": user_json(account)})


def _transaction_answer(transaction: Any) -> Response:
    return _ok({"transaction": transaction_json(transaction)})


def _created_with(service: AccountingService, account: Account | None, raw: bytes) -> bool:
    return service.created_with(raw)


def _has_new_password(service: AccountingService, account: Account | None, raw: bytes) -> bool:
    return account is not None and service.has_new_password(account, raw)


# How each operation's keyed requests are handled (see `idempotency.Keyed`).
_BASIC = Keyed("basic")
# A pending transaction's confirmation or cancellation: let past the caller's cap of
# idempotency records, so that a charge whose creation got in is never stuck holding.
_RESOLVES = Keyed("basic", resolves=True)
_ADMIN = Keyed("admin")
# The password is never kept: a replay proves it against the account made, and gets
# back the one it sent; a generated password is never replayed.
_REGISTER = Keyed(
    "none",
    secret_fields=("password",),
    secret_answer="password",
    confirm=_created_with,
)
# Neither password is kept: a replay proves newPassword is the account's password now,
# which also lets it in with the old one the change retired.
_NEW_PASSWORD = Keyed(
    "basic",
    secret_fields=("oldPassword", "newPassword"),
    confirm=_has_new_password,
    retired_login=True,
)

# A key may revoke itself: the replay of that revocation (its answer lost) comes with
# the key it revoked.
_REVOKE_KEY = Keyed("basic", retired_key=True)


async def _create_user(run: Runner, request: Request) -> Response:
    # No authentication: an Authorization header (the admin client sends one) is ignored.
    raw = await _read_body(request)
    return await run.answer_hashing(
        request,
        raw,
        run.service.create_user,
        lambda created: _ok({"user": user_json(created[0]), "password": created[1]}, 201),
        _REGISTER,
    )


async def _get_my_info(run: Runner, request: Request) -> dict[str, Any]:
    # `current`: the login's read of the account is the answer (one read, not two).
    account = await run.as_caller(request, run.service.my_info, reads=True, current=True)
    return {"user": user_json(account)}


async def _update_password(run: Runner, request: Request) -> Response:
    raw = await _read_body(request)
    return await run.answer_hashing(
        request, raw, run.service.update_password, _user_answer, _NEW_PASSWORD
    )


async def _update_organization(run: Runner, request: Request) -> Response:
    raw = await _read_body(request)
    return await run.answer(request, raw, run.service.update_organization, _user_answer, _BASIC)


async def _create_token(run: Runner, request: Request) -> Response:
    raw = await _read_body(request)
    return await run.answer(
        request,
        raw,
        run.service.create_token,
        lambda t: _ok({"token": t}),
        _BASIC,
    )


async def _create_transaction(run: Runner, request: Request) -> Response:
    raw = await _read_body(request)
    return await run.answer(
        request,
        raw,
        run.service.create_transaction,
        _transaction_answer,
        _BASIC,
    )


async def _confirm_transaction(run: Runner, request: Request) -> Response:
    raw = await _read_body(request)
    return await run.answer(
        request,
        raw,
        run.service.confirm_transaction,
        _transaction_answer,
        _RESOLVES,
    )


async def _cancel_transaction(run: Runner, request: Request) -> Response:
    raw = await _read_body(request)
    return await run.answer(
        request,
        raw,
        run.service.cancel_transaction,
        _transaction_answer,
        _RESOLVES,
    )


async def _refund_transaction(run: Runner, request: Request) -> Response:
    # Basic or an API key for the recipient of the payment, the Bearer admin key for the admin.
    authorization = authorization_of(request)
    scheme, _, _ = (authorization or "").strip().partition(" ")
    if scheme.lower() == "bearer" and not is_api_key(authorization):
        # The body's type first, then the key before the body is read, as for credits.
        _json_body_type(request)
        _admin(run, request)
        raw = await _read_body(request)
        return await run.answer(
            request,
            raw,
            run.service.admin_refund_transaction,
            _transaction_answer,
            _ADMIN,
        )
    raw = await _read_body(request)
    return await run.answer(
        request,
        raw,
        run.service.refund_transaction,
        _transaction_answer,
        _BASIC,
    )


# Answers with more transactions than this are serialised in a worker thread, so that
# one big history does not stall everyone else's requests on the event loop.
LARGE_ANSWER = 200


def _query(request: Request) -> dict[str, list[str]]:
    params = request.query_params
    return {name: params.getlist(name) for name in params}


async def _list_transactions(run: Runner, request: Request) -> dict[str, Any] | Response:
    params = _query(request)
    heavy = "limit" not in params  # the whole history, as the public protocol asks
    transactions, next_cursor = await run.as_caller(
        request, run.service.transactions, params, heavy=heavy, reads=True
    )

    def answer() -> dict[str, Any]:
        return {
            "transactions": [transaction_json(t) for t in transactions],
            "nextCursor": next_cursor,
        }

    if len(transactions) <= LARGE_ANSWER:
        return answer()
    return await run.slow(lambda: ExactJSONResponse(answer()))


async def _get_transaction(run: Runner, request: Request) -> dict[str, Any]:
    transaction_id: str = request.path_params["transactionId"]
    transaction = await run.as_caller(request, run.service.transaction, transaction_id, reads=True)
    return {"transaction": transaction_json(transaction)}


async def _get_usage(run: Runner, request: Request) -> dict[str, Any]:
    usage = await run.as_caller(request, run.service.usage, _query(request), reads=True)
    return {"usage": usage_json(usage)}


async def _create_api_key(run: Runner, request: Request) -> Response:
    raw = await _read_body(request)
    return await run.answer(
        request,
        raw,
        run.service.create_api_key,
        lambda made: _ok({"apiKey": key_json(made[0]), "secret": made[1]}),
        _BASIC,
    )


async def _list_api_keys(run: Runner, request: Request) -> dict[str, Any]:
    keys = await run.as_caller(request, run.service.list_api_keys)
    return {"apiKeys": [key_json(key) for key in keys]}


async def _revoke_api_key(run: Runner, request: Request) -> Response:
    raw = await _read_body(request)
    return await run.answer(
        request,
        raw,
        run.service.revoke_api_key,
        lambda key: _ok({"apiKey": key_json(key)}),
        _REVOKE_KEY,
    )


async def _add_balance(run: Runner, request: Request) -> Response:
    # The body's type first, as everywhere; the key is read for authorized requests only.
    _json_body_type(request)
    _admin(run, request)
    raw = await _read_body(request)
    return await run.answer(request, raw, run.service.add_balance, _user_answer, _ADMIN)


async def _get_user(run: Runner, request: Request) -> dict[str, Any]:
    # The email arrives unencoded (`/user/alice@example.com`); `{email:path}` keeps
    # even a `/` of a local part.
    email: str = request.path_params["email"]
    allowed = _FIXED_USER_PATHS.get(email)
    if allowed is not None:
        raise method_not_allowed(request, allowed)
    _admin(run, request)
    account = await run.db(run.service.user, email)
    return {"user": user_json(account)}


async def _list_users(run: Runner, request: Request) -> dict[str, Any]:
    _admin(run, request)
    accounts = await run.db(run.service.users)
    return {"users": [user_json(a) for a in accounts]}


def _admin(run: Runner, request: Request) -> None:
    check_admin(authorization_of(request), run.service.admin_key)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One operation of `openapi.yaml`: its name, how it is reached, what answers it."""

    operation_id: str
    method: str
    path: str
    handler: Callable[[Runner, Request], Awaitable[dict[str, Any] | Response]]


# The one list of what the service serves: the routes and the 405s derive from it.
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("createUser", "POST", "/user/create", _create_user),
    Endpoint("getMyInfo", "GET", "/user/my-info", _get_my_info),
    Endpoint("getUsage", "GET", "/user/usage", _get_usage),
    Endpoint("updatePassword", "PUT", "/user/update-password", _update_password),
    Endpoint("updateOrganization", "PUT", "/user/update-organization", _update_organization),
    Endpoint("addBalance", "POST", "/user/add-balance", _add_balance),
    Endpoint("getUser", "GET", "/user/{email:path}", _get_user),
    Endpoint("listUsers", "GET", "/users", _list_users),
    Endpoint("createToken", "POST", "/token/create", _create_token),
    Endpoint("createTransaction", "POST", "/transaction/create", _create_transaction),
    Endpoint("confirmTransaction", "POST", "/transaction/confirm", _confirm_transaction),
    Endpoint("cancelTransaction", "POST", "/transaction/cancel", _cancel_transaction),
    Endpoint("refundTransaction", "POST", "/transaction/refund", _refund_transaction),
    Endpoint("listTransactions", "GET", "/transactions", _list_transactions),
    Endpoint("getTransaction", "GET", "/transactions/{transactionId}", _get_transaction),
    Endpoint("createApiKey", "POST", "/api-key/create", _create_api_key),
    Endpoint("listApiKeys", "GET", "/api-keys", _list_api_keys),
    Endpoint("revokeApiKey", "POST", "/api-key/revoke", _revoke_api_key),
)


def _fixed_paths_under(prefix: str) -> dict[str, str]:
    """The fixed paths that a `prefix{...:path}` route also matches, with their `Allow`.

    A GET of one of them that is not its method must be a 405, not an admin lookup of an
    account called "create".
    """
    allowed: dict[str, list[str]] = {}
    for endpoint in ENDPOINTS:
        if endpoint.path.startswith(prefix) and "{" not in endpoint.path:
            allowed.setdefault(endpoint.path.removeprefix(prefix), []).append(endpoint.method)
    return {name: ", ".join(methods) for name, methods in allowed.items()}


_FIXED_USER_PATHS = _fixed_paths_under("/user/")


def method_not_allowed(request: Request, allowed: str) -> errors.ApiError:
    return errors.ApiError(
        405,
        "method_not_allowed",
        f"{request.method} is not allowed on {printable(request)}: use {allowed}.",
        headers={"Allow": allowed},
    )
