"""Read-only routes answered in one trip to the thread pool.

A sync route with a `SessionDep` costs a thread-pool round trip per sync dependency, one for the
handler, one for FastAPI's check of the returned model and one to end the session; on a cached read
those trips were most of the request (issue 10). A hot read route is `async def` instead, and
hands one function to `answer`: it runs on the thread pool in one transaction, and its model is
rendered to JSON there, so the event loop only routes.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from app.state import AppState


def _rendered(state: AppState, read: Callable[[Session], BaseModel]) -> bytes:
    with state.sessions() as session:
        # No transaction of its own: each statement reads what is committed, as it would under PostgreSQL's
        # READ COMMITTED (and pysqlite never opened one for a SELECT), without the BEGIN and COMMIT round trips.
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        model = read(session)
    return model.model_dump_json().encode()


async def answer(state: AppState, read: Callable[[Session], BaseModel]) -> Response:
    """`read`'s model as the JSON response, read in one transaction on the thread pool."""
    return Response(await run_in_threadpool(_rendered, state, read), media_type="application/json")
