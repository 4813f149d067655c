"""RFC 9457 problem details for every error the API returns, and the request id that ties an
answer to the server's log: every response carries `X-Request-ID`, and an error nobody handled
is a logged problem+json 500 naming it, never a stack trace."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import NulInText

PROBLEM_JSON = "application/problem+json"
REQUEST_ID_HEADER = "X-Request-ID"

log = logging.getLogger(__name__)

# A client's own id is kept when it is a plain token: no spaces, quotes or control characters to
# forge log lines or headers with, and short enough to log.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+/=-]{0,127}")
_request_id: ContextVar[str | None] = ContextVar("planwright_request_id", default=None)


class Problem(Exception):
    """An error the client can act on; rendered as application/problem+json."""

    def __init__(self, status: int, title: str, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.extra = extra


def not_found(what: str, ident: str) -> Problem:
    return Problem(404, f"{what} not found", f"No {what.lower()} {ident!r} in this tenant.")


def current_request_id() -> str | None:
    """The id of the request being answered, for log lines."""
    return _request_id.get()


def problem_response(status: int, title: str, detail: str | None, instance: str, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body["instance"] = instance
    if (request_id := _request_id.get()) is not None:
        body["request_id"] = request_id
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


class RequestIdMiddleware:
    """Gives every request an id (the client's `X-Request-ID` when it is sane, else a new one) and
    sends it back on every response; an exception nobody handled becomes a problem+json 500 with
    that id, logged with its traceback under the same id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        offered = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
        request_id = offered if _SANE_REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
        token = _request_id.set(request_id)
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error in %s %s, request id %s", scope["method"], scope["path"], request_id)
            if started:  # part of the answer is out already: all that is left is to drop the connection
                raise
            response = problem_response(
                500,
                "Internal error",
                f"The server failed to answer this request. Quote request id {request_id} when reporting it.",
                scope["path"],
            )
            await response(scope, receive, send_with_id)
        finally:
            _request_id.reset(token)


# Renders an error as an HTML page for browser routes: (request, status, title, detail) -> response.
HtmlErrorPage = Callable[[Request, int, str, "str | None"], Response]


def install_problem_handlers(app: FastAPI, html_pages: Mapping[str, HtmlErrorPage] | None = None) -> None:
    """Answer errors as problem+json, except under a prefix of `html_pages` (a browser's pages), where its
    renderer answers with an HTML page saying the same."""
    app.add_middleware(RequestIdMiddleware)
    pages = dict(html_pages or {})

    def answer(request: Request, status: int, title: str, detail: str | None, **extra: Any) -> Response:
        path = request.url.path
        for prefix, page in pages.items():
            if path == prefix or path.startswith(prefix + "/"):
                return page(request, status, title, detail)
        return problem_response(status, title, detail, path, **extra)

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> Response:
        return answer(request, exc.status, exc.title, exc.detail, **exc.extra)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        title = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed"}
        response = answer(request, exc.status_code, title.get(exc.status_code, "Error"), str(exc.detail))
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(NulInText)
    async def _nul(request: Request, exc: NulInText) -> Response:
        return answer(request, 422, "Invalid text", f"{exc} Nothing was saved.")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        return answer(request, 422, "Invalid request", "The request does not match the schema.", errors=errors)


_STATUS_MEANING = {
    400: "Malformed request: a body that is not valid JSON or UTF-8, a broken upload, or a cursor that no "
    "page handed out.",
    401: "No API key, or one that is unknown or revoked.",
    403: "The key lacks the role this operation needs.",
    404: "Nothing with that id in the caller's tenant.",
    409: "Conflict: a stale draft version, or an earlier request with this Idempotency-Key still in progress "
    "(retry it to get that request's answer).",
    413: "The body is over this operation's size limit (`limit_bytes`).",
    415: "This operation does not take that content type.",
    422: "The request is well-formed but invalid; `errors` names each failing input.",
    500: "An internal error; the body names the request id to quote when reporting it.",
    503: "A dependency (the database, the vector store) does not answer now; retry after `Retry-After` seconds.",
}


def problems(*statuses: int, descriptions: Mapping[int, str] | None = None) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the problem+json errors an operation answers with, each described in
    general terms unless `descriptions` words it for the operation."""
    return {
        status: {
            "description": (descriptions or {}).get(status, _STATUS_MEANING[status]),
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
