"""Browser-facing protections: security headers on every response, and the Origin check UI forms pass.

The Origin check is one of two CSRF defences for the UI (the other is the per-session token in
every form, `app/ui/router.py`). It refuses a state-changing UI request unless its `Origin` (or,
without one, its `Referer`) is the request's own scheme, host and port, or `PUBLIC_URL`'s. Ports
count: a page served on another port of the same host is another origin, though the same site.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_DEFAULT_PORTS = {"http": 80, "https": 443}

# The UI serves its stylesheet and its one script (review.js) from /ui, so 'self' covers everything it loads.
CSP = "default-src 'self'; base-uri 'none'; object-src 'none'; form-action 'self'; frame-ancestors 'none'"
# FastAPI's /docs and /redoc pages load Swagger UI and ReDoc from a CDN and start them inline.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src 'self' https://fonts.gstatic.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "worker-src 'self' blob:; base-uri 'none'; object-src 'none'; frame-ancestors 'none'"
)
HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
)


def origin_of(url: str | None) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an absolute http(s) URL; None for anything else, `null` included."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[parts.scheme]


def same_origin(request: Request, public_url: str | None = None) -> bool:
    """The request was sent by a page of this site: its Origin (else Referer) is the request's own, or PUBLIC_URL's."""
    sent = origin_of(request.headers.get("origin") or request.headers.get("referer"))
    return sent is not None and sent in (origin_of(str(request.url)), origin_of(public_url))


def _is_ui(path: str) -> bool:
    return path == "/ui" or path.startswith("/ui/")


class SecurityHeaders:
    """ASGI middleware: CSP, nosniff, Referrer-Policy and X-Frame-Options on every response, errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        docs = path.startswith("/docs") or path == "/redoc"
        extra = [("Content-Security-Policy", DOCS_CSP if docs else CSP), *HEADERS]
        if _is_ui(path):
            extra.append(("Cache-Control", "no-store"))  # after sign-out, the back button shows nothing

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra:
                    if name not in headers:  # a route may set its own, e.g. Cache-Control on the stylesheet
                        headers.append(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
