"""The contract and its API reference, served by the reference service.

- `GET /openapi.yaml`: the contract the service speaks, as shipped in the package.
- `GET /docs`: an HTML API reference built from it by the pinned Redocly CLI
  (`make docs`), one self-contained file: no CDN, no internet, no node at run time.

Neither is a JSON operation of the contract, so neither is listed in it. The page is
served with a Content-Security-Policy that allows what it contains and nothing else:
its own inline scripts (by their hashes), inline styles (its components inject them),
data: images and fonts, no connection to any other origin, and no framing
(`frame-ancestors 'none'`).
"""

from __future__ import annotations

import base64
import hashlib
import re
from importlib import resources

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from syftbox_accounting.server import errors
from syftbox_accounting.server.responses import error_response

CONTRACT = ("syftbox_accounting", "openapi.yaml")
API_REFERENCE = ("syftbox_accounting.server", "api-reference.html")


def contract_text() -> str:
    """The contract (`openapi.yaml`) shipped in the installed package."""
    package, name = CONTRACT
    return resources.files(package).joinpath(name).read_text(encoding="utf-8")


_SCRIPT = re.compile(rb"<script\b[^>]*>(.*?)</script\s*>", re.DOTALL | re.IGNORECASE)


def content_security_policy(page: bytes) -> str:
    """The policy that lets `page` run its own inline scripts and nothing else."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
        for script in dict.fromkeys(_SCRIPT.findall(page))
    )
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src {hashes}" if hashes else "script-src 'none'",
            "style-src 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


def _read(package: str, name: str) -> bytes | None:
    try:
        return resources.files(package).joinpath(name).read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        return None


def routes() -> list[BaseRoute]:
    """The routes to add to the service's own; read from the package once, at start."""
    contract = contract_text().encode("utf-8")
    reference = _read(*API_REFERENCE)
    page_headers = {
        "Content-Security-Policy": content_security_policy(reference or b""),
        "X-Frame-Options": "DENY",  # for browsers that predate frame-ancestors
        "Referrer-Policy": "no-referrer",
    }

    async def openapi_yaml(request: Request) -> Response:
        return Response(contract, media_type="application/yaml; charset=utf-8")

    async def docs(request: Request) -> Response:
        if reference is None:
            return error_response(
                errors.not_found(
                    "The API reference was not built into this installation: run `make docs` "
                    "in a checkout (it needs node), or read /openapi.yaml."
                )
            )
        return Response(reference, media_type="text/html; charset=utf-8", headers=page_headers)

    return [
        Route("/openapi.yaml", openapi_yaml, methods=["GET"]),
        Route("/docs", docs, methods=["GET"]),
        # The page routes in the browser (/docs/users, ...): a reload gets the same page.
        Route("/docs/{page:path}", docs, methods=["GET"]),
    ]
