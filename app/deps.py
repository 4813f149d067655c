"""FastAPI dependencies as Annotated aliases: the state, a unit-of-work session, the caller."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from app.auth.service import Principal, Role
from app.problems import Problem
from app.state import AppState

# The dependencies that do no I/O are `async def`: a sync one costs a trip to the thread pool and back
# per request, which was most of a cached read's time (issue 10). Those that may do I/O hop once.


async def get_state(request: Request) -> AppState:
    return request.app.state.planwright  # type: ignore[no-any-return]


StateDep = Annotated[AppState, Depends(get_state)]


async def get_session(state: StateDep) -> AsyncIterator[Session]:
    """One transaction per request: committed when the handler returns, rolled back on error."""
    session = state.sessions()  # no I/O until the handler's first query, which runs on the thread pool
    try:
        yield session
    except BaseException:
        await run_in_threadpool(_end, session, commit=False)
        raise
    await run_in_threadpool(_end, session, commit=True)


def _end(session: Session, *, commit: bool) -> None:
    with session:
        if commit:
            session.commit()
        else:
            session.rollback()


# scope="function" commits when the handler returns, before the response is sent: a client that
# got a 2xx can read its write back at once, and a failed commit is the client's 5xx, not a lost write.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def get_principal(state: StateDep, authorization: Annotated[str | None, Header()] = None) -> Principal:
    """The API's caller, from `Authorization: Bearer` only: a browser's UI cookie is never enough for /v1."""
    key = None
    if authorization and authorization.lower().startswith("bearer "):
        key = authorization[7:].strip()
    if not key:
        raise Problem(401, "Unauthorized", "Send `Authorization: Bearer <api key>`.")
    principal = state.api_keys.cached(key)
    if principal is None:  # looking the key up is a query: off the event loop
        principal = await run_in_threadpool(state.api_keys.authenticate, state.sessions, key)
    if principal is None:
        raise Problem(401, "Unauthorized", "That API key is unknown or revoked.")
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def requires(*roles: Role):  # type: ignore[no-untyped-def]
    async def check(state: StateDep, authorization: Annotated[str | None, Header()] = None) -> Principal:
        principal = await get_principal(state, authorization)  # called, not depended on: one step less to solve
        if not principal.has_any(*roles):
            wanted = ", ".join(sorted(str(r) for r in roles))
            raise Problem(403, "Forbidden", f"This needs one of the roles: {wanted}.")
        return principal

    return check


Admin = Annotated[Principal, Depends(requires(Role.admin))]
Reviewer = Annotated[Principal, Depends(requires(Role.reviewer))]
Integration = Annotated[Principal, Depends(requires(Role.integration))]
Reader = Annotated[Principal, Depends(requires(Role.reviewer, Role.integration))]
Drafter = Annotated[Principal, Depends(requires(Role.reviewer, Role.integration))]
