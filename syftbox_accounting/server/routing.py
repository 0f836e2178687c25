"""The app's routes: each endpoint's handler wrapped so that every failure is a JSON
error body, and routing errors (unknown path, wrong method) answered the same way."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from operator import is_

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from syftbox_accounting.server import errors
from syftbox_accounting.server.endpoints import ENDPOINTS, Endpoint, method_not_allowed
from syftbox_accounting.server.hashing import HashingQueue
from syftbox_accounting.server.request_log import printable
from syftbox_accounting.server.responses import ExactJSONResponse, error_response
from syftbox_accounting.server.runner import OPERATION, Runner
from syftbox_accounting.server.service import AccountingService

logger = logging.getLogger("syftbox_accounting.server")

# What the request log says of a request whose client left first (nginx's convention).
CLIENT_CLOSED_REQUEST = 499
Handler = Callable[[Request], Awaitable[Response]]
# What a paying service and its clients send most.
_BUSIEST = frozenset({"createTransaction", "confirmTransaction", "getMyInfo", "createToken"})


def routes(
    service: AccountingService, hashing: HashingQueue, run_inline: bool = False
) -> list[Route]:
    run = Runner(service, hashing, run_inline)
    # Templated paths last, so that a fixed path (/user/my-info) wins over /user/{email};
    # the busiest first among the others, since each request tries the routes in order.
    ordered = sorted(ENDPOINTS, key=lambda e: ("{" in e.path, e.operation_id not in _BUSIEST))
    return [_route(e.path, _endpoint(run, e), e.method) for e in ordered]


def _route(path: str, handler: Handler, method: str) -> Route:
    route = Route(path, handler, methods=[method])
    # Starlette ends the pattern in `$`, which also matches before a final newline: a
    # request for `/users%0A` would be served as `/users`. `\Z` ends it at the end.
    assert route.path_regex.pattern.endswith("$")
    route.path_regex = re.compile(route.path_regex.pattern[:-1] + r"\Z")
    route.app = _asgi(handler)
    return route


def _asgi(handler: Handler) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """The handler as an ASGI app. Starlette's own wrapper adds a layer that turns
    exceptions into answers per request; the handler already answers every Exception."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        response = await handler(Request(scope, receive, send))
        await response(scope, receive, send)

    return app


class ServiceApp(Starlette):
    """Starlette without its exception layer (`ExceptionMiddleware`), which wraps every
    request to turn an `HTTPException` into an answer: here only routing raises one,
    and `ServiceRouter` answers it itself. The stack: Starlette's 500 for anything that
    escapes, the app's middleware, the router."""

    def build_middleware_stack(self) -> ASGIApp:
        app: ASGIApp = self.router
        stack = [Middleware(ServerErrorMiddleware, debug=self.debug), *self.user_middleware]
        for cls, args, kwargs in reversed(stack):
            app = cls(app, *args, **kwargs)
        return app


class ServiceRouter(Router):
    """Starlette's router, finding a request for a fixed path (`/transaction/confirm`)
    in one dict lookup instead of trying each route's pattern in turn.

    It answers as the linear scan does: the table holds a route for (method, path) only
    when the scan would take that route, and follows the route list (rebuilt whenever
    it changes). Everything else goes through the scan: templated
    paths, a method the path does not allow (405), unknown paths (404), a root_path.
    """

    def __init__(self, routes: list[BaseRoute]) -> None:
        # No trailing-slash redirect: that would be an undocumented 307; a 404 instead.
        super().__init__(routes, redirect_slashes=False)
        self._table: dict[tuple[str, str], Route] = {}
        # The routes the table was built from, in order: any change to the list (an
        # insert, a replacement, a new list) rebuilds it. Compared object by object by
        # identity: Starlette's routes are equal when their path, endpoint and methods
        # are, so a route replaced by one with other middleware would compare equal.
        self._table_of: tuple[BaseRoute, ...] = ()

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            routes = self.routes
            built = self._table_of
            if len(routes) != len(built) or not all(map(is_, routes, built)):
                self._table = _fixed_routes(routes)
                self._table_of = tuple(routes)
            route = self._table.get((scope["method"], scope["path"]))
            if route is not None:
                # What the scan does with a full match (`Router.app`).
                scope.setdefault("router", self)
                scope["route"] = route
                scope["endpoint"] = route.endpoint
                scope["path_params"] = dict(scope.get("path_params", {}))
                await route.handle(scope, receive, send)
                return
        try:
            await super().app(scope, receive, send)
        except HTTPException as error:
            # Routing errors (unknown path, wrong method): answered here, so that no
            # exception layer wraps every request (`ServiceApp`).
            response = await http_exception(Request(scope, receive, send), error)
            await response(scope, receive, send)


def _fixed_routes(routes: list[BaseRoute]) -> dict[tuple[str, str], Route]:
    """(method, path) -> the route the linear scan would pick, for each route of a fixed
    path (no parameters) that no earlier route matches first."""
    table: dict[tuple[str, str], Route] = {}
    for index, route in enumerate(routes):
        if not isinstance(route, Route) or route.param_convertors or not route.methods:
            continue
        for method in route.methods:
            scope = {"type": "http", "method": method, "path": route.path, "headers": []}
            if (method, route.path) in table or route.matches(scope)[0] is not Match.FULL:
                continue
            if all(r.matches(scope)[0] is not Match.FULL for r in routes[:index]):
                table[(method, route.path)] = route
    return table


def _endpoint(run: Runner, endpoint: Endpoint) -> Handler:
    """The route's handler: the endpoint's JSON, an ApiError's Error body, or a 500."""

    async def handle(request: Request) -> Response:
        request.scope[OPERATION] = endpoint.operation_id
        try:
            answer = await endpoint.handler(run, request)
            return answer if isinstance(answer, Response) else ExactJSONResponse(answer)
        except errors.ApiError as error:
            return error_response(error)
        except ClientDisconnect:
            # A client that hangs up (or is cut off by the request timeout) mid-body is a
            # normal event: no traceback, and no 500 counted against the service.
            logger.debug(
                "%s %s: the client left before sending the whole body",
                request.method,
                printable(request),
            )
            return Response(status_code=CLIENT_CLOSED_REQUEST)  # never sent: nobody listens
        except Exception:
            # The traceback is for the operator; the client only learns that it failed.
            logger.exception("Unexpected error in %s %s", request.method, printable(request))
            return error_response(errors.internal_error())

    handle.__name__ = handle.__qualname__ = endpoint.handler.__name__.lstrip("_")
    return handle


async def http_exception(request: Request, exc: HTTPException) -> Response:
    """Routing errors (unknown path, wrong method) as JSON Error bodies too."""
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        return error_response(method_not_allowed(request, allowed))
    if exc.status_code == 404:
        error = errors.not_found(
            f"There is no {printable(request)} endpoint: see openapi.yaml for the paths."
        )
    else:
        error = errors.ApiError(exc.status_code, "bad_request", f"{exc.detail}.")
    error.headers.update(exc.headers or {})
    return error_response(error)
