"""Dependencies shared by the routers: who is calling, what they may do, paging parameters."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from mission_control.api.keycache import KeyCache
from mission_control.api.limits import RateLimiter
from mission_control.db import read_session, session_scope
from mission_control.errors import Unauthenticated
from mission_control.models import utcnow
from mission_control.services import api_keys
from mission_control.services.authz import Permission, Principal, require

MAX_PAGE = 200
MAX_ID = 2_147_483_647  # ids are 32-bit integers on every backend

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="key",
    description="An agent key (`mca_…`) or an operator's personal token (`mco_…`).",
)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def limiter(request: Request) -> RateLimiter:
    found: RateLimiter = request.app.state.limiter
    return found


def _lookup(token: str) -> tuple[Principal, datetime | None]:
    with read_session() as session:
        return api_keys.authenticate(session=session, token=token)


def _touch(key_id: int) -> None:
    with session_scope() as session:
        api_keys.touch(session=session, key_id=key_id)


# The auth dependencies are async: on a cache hit nothing blocks, so authenticating costs no
# hop to the threadpool (as sync dependencies it cost two: key lookup, permission check).
async def get_principal(
    request: Request,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """Authenticate the bearer key, then count the request against that key's rate limit."""
    return await authenticate(request, creds)


async def authenticate(request: Request, creds: HTTPAuthorizationCredentials | None) -> Principal:
    limits = limiter(request)
    client = client_address(request)
    limits.check_client(client)
    if creds is None or not creds.credentials:
        raise Unauthenticated(
            "this endpoint needs a key: send `Authorization: Bearer <key>` "
            "(an agent key mca_… or an operator token mco_…)"
        )
    cache: KeyCache = request.app.state.key_cache
    entry = cache.get(creds.credentials)
    if entry is None:
        try:
            found, last_used = await run_in_threadpool(_lookup, creds.credentials)
        except Unauthenticated:
            limits.record_failure(client)
            raise
        entry = cache.put(creds.credentials, found, last_used)
    principal = entry.principal
    assert principal.key_id is not None
    limits.hit_key(principal.key_id)
    if api_keys.needs_touch(entry.last_used):
        entry.last_used = utcnow()  # before the await: concurrent requests need not touch too
        await run_in_threadpool(_touch, principal.key_id)
    return principal


def _needs(permission: Permission):  # type: ignore[no-untyped-def]
    # Authenticates itself rather than depending on get_principal: each level of dependencies
    # FastAPI resolves costs about as much as the key check on a cache hit.
    async def check(
        request: Request,
        creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Principal:
        return require(await authenticate(request, creds), permission)

    check.__name__ = f"require_{permission}"
    return check


Reader = Annotated[Principal, Depends(_needs(Permission.read))]
Worker = Annotated[Principal, Depends(_needs(Permission.work))]
Admin = Annotated[Principal, Depends(_needs(Permission.admin))]

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"Page size, at most {MAX_PAGE}.")]
Cursor = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="`next_cursor` from the previous page.")
]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
