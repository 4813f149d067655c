from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.auth import repository, service
from app.auth.schemas import KeyCreate, KeyCreated, KeyPage, KeyPublic
from app.deps import Admin, SessionDep, StateDep
from app.pagination import decode_cursor, encode_cursor
from app.problems import problems

router = APIRouter(prefix="/v1/keys", tags=["keys"])


@router.get("", response_model=KeyPage, responses=problems(400))
def list_keys(
    session: SessionDep,
    principal: Admin,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> KeyPage:
    """The tenant's API keys, revoked ones included, oldest first: never a key or its hash. Admins only."""
    rows = repository.keys_page(session, principal.tenant, decode_cursor(cursor), limit + 1)
    return KeyPage(
        items=[KeyPublic.model_validate(r) for r in rows[:limit]],
        next_cursor=encode_cursor(rows[limit - 1].id) if len(rows) > limit else None,
    )


@router.post("", status_code=201, response_model=KeyCreated)
def create_key(body: KeyCreate, session: SessionDep, principal: Admin) -> KeyCreated:
    """Issue a key in the caller's tenant. The response holds the key; it is shown only here.

    No `Idempotency-Key`: a stored answer would be a stored key. Admins only.
    """
    row, plaintext = service.create_key(session, principal.tenant, body.name, body.roles)
    return KeyCreated(**KeyPublic.model_validate(row).model_dump(exclude={"revoked"}), key=plaintext)


@router.delete("/{key_id}", status_code=204, response_class=Response, responses=problems(404))
def revoke_key(key_id: str, session: SessionDep, state: StateDep, principal: Admin) -> Response:
    """Revoke a key: requests with it get 401 from now on, and the UI sessions opened with it end. Admins only."""
    service.revoke_key(session, principal.tenant, key_id)
    state.api_keys.forget(key_id)  # other processes refuse it once their lookup is PLANWRIGHT_API_KEY_CACHE_TTL_S old
    return Response(status_code=204)
