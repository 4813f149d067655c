"""When the database is away for a moment or a disk is full: an answer the client can act on, never a 500.

A dropped connection, a server that refuses new ones, or SQLite's write lock held past its
timeout is the service's trouble, not the request's: it is answered `503 Service Unavailable`
with `Retry-After`, as problem+json, and logged. Nothing to reset afterwards: the pool checks a
connection before lending it (`pool_pre_ping`), so the first request after the database is back
succeeds.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError

from app.problems import problem_response
from retrieval.store import StoreFullError

log = logging.getLogger(__name__)
RETRY_AFTER_S = 5


def install_outage_handler(app: FastAPI) -> None:
    # OperationalError is the DB-API's class for trouble with the database itself (connection lost or
    # refused, lock timeout), as opposed to a bad statement or a broken constraint.
    @app.exception_handler(OperationalError)
    async def _database_away(request: Request, exc: OperationalError) -> JSONResponse:
        if str(getattr(exc.orig, "sqlstate", "") or "").startswith("40"):  # deadlock or serialization failure
            log.warning("concurrent update on %s %s: %s", request.method, request.url.path, exc.orig)
            response = problem_response(
                409,
                "Concurrent update",
                "Another request changed the same data at the same moment; nothing was saved. Retry.",
                request.url.path,
            )
            response.headers["Retry-After"] = "1"
            return response
        log.warning("database unavailable for %s %s: %s", request.method, request.url.path, exc.orig)
        response = problem_response(
            503,
            "Database unavailable",
            f"The service cannot reach its database right now; retry in {RETRY_AFTER_S} s.",
            request.url.path,
        )
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
        return response

    @app.exception_handler(StoreFullError)
    async def _store_full(request: Request, exc: StoreFullError) -> JSONResponse:
        # The import's SQL transaction rolls back with the request, and chunks already written are
        # matched by id on the next import, so a retry once there is space completes it.
        log.error("vector store full during %s %s", request.method, request.url.path)
        return problem_response(
            507,
            "Vector store full",
            "The vector store's disk is full, so nothing was imported. Free space and import again.",
            request.url.path,
        )
