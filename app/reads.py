"""Read-only routes answered in one trip to the thread pool.

A sync route with a `SessionDep` costs a thread-pool round trip per sync dependency, one for the
handler, one for FastAPI's check of the returned model and one to end the session; on a cached read
those trips were most of the request (issue 10). A hot read route is `async def` instead, and
hands one function to `answer`: it runs on the thread pool with one connection (plain statements, no
ORM session), and its model is rendered to JSON there, so the event loop only routes.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from app.state import AppState


def _rendered(state: AppState, read: Callable[[Connection], BaseModel]) -> bytes:
    with state.engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            # No transaction of its own: each statement reads what is committed, as under PostgreSQL's READ
            # COMMITTED, without the BEGIN and COMMIT round trips (pysqlite never opens one for a SELECT).
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        model = read(connection)
    return model.__pydantic_serializer__.to_json(model)


async def answer(state: AppState, read: Callable[[Connection], BaseModel]) -> Response:
    """`read`'s model as the JSON response, read through one connection on the thread pool (plain SQL
    statements: no ORM session to set up and tear down)."""
    return Response(await run_in_threadpool(_rendered, state, read), media_type="application/json")
