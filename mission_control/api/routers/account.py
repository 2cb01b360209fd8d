"""Who am I, operator sign-in for a personal token, my tokens, and operators (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session

from mission_control import sign_in as password_sign_in
from mission_control.api.deps import Admin, PathId, Reader, client_address, get_principal, limiter
from mission_control.api.errors import COMMON_RESPONSES, CONFLICT_RESPONSE
from mission_control.api.routers.keys import created
from mission_control.api.schemas import (
    KeyCreate,
    KeyCreated,
    KeyOut,
    Login,
    UserCreate,
    UserCreated,
    UserOut,
    WhoAmI,
    WorkspaceOut,
)
from mission_control.db import read_session, session_scope
from mission_control.errors import Forbidden, RateLimited, Unauthenticated
from mission_control.models import User, Workspace
from mission_control.services import api_keys, auth, users
from mission_control.services.actor import Actor
from mission_control.services.authz import Principal
from mission_control.services.common import get_in_workspace

router = APIRouter(tags=["account"], responses=COMMON_RESPONSES)


def _operator(who: Principal) -> int:
    if who.user_id is None:
        raise Forbidden("personal tokens belong to operators; agents use the key an admin issued")
    return who.user_id


@router.get("/me", response_model=WhoAmI, summary="Who the key belongs to")
def whoami(who: Reader) -> WhoAmI:
    with read_session() as session:
        ws = session.get(Workspace, who.workspace_id)
        assert ws is not None
        return WhoAmI(
            type=str(who.type),
            id=who.id,
            name=who.name,
            role=who.role,
            workspace=WorkspaceOut.model_validate(ws),
            key_id=who.key_id,
        )


@router.post(
    "/auth/tokens",
    response_model=KeyCreated,
    status_code=201,
    summary="Sign in with a password; get a personal token",
    openapi_extra={"security": []},
)
async def sign_in(body: Login, request: Request) -> KeyCreated:
    """Failed sign-ins are limited per client address and per handle (429 with Retry-After)."""
    limits = limiter(request)
    client = client_address(request)
    limits.check_client(client)

    def issue(session: Session, user: User) -> KeyCreated:
        assert user.id is not None
        key, token = api_keys.create_key(
            session=session,
            workspace_id=user.workspace_id,
            user_id=user.id,
            name=body.name or "sign-in",
            actor=Actor.for_user(user.id, user.handle, "api"),
        )
        return created(key, token)

    try:
        return await password_sign_in.sign_in(
            limits=request.app.state.sign_in_limits, address=client, workspace=body.workspace,
            handle=body.handle, password=body.password, issue=issue,
        )
    except (Unauthenticated, RateLimited):
        limits.record_failure(client)
        raise


@router.get("/me/tokens", response_model=list[KeyOut], summary="My personal tokens")
def my_tokens(who: Annotated[Principal, Depends(get_principal)]) -> list[KeyOut]:
    with read_session() as session:
        rows = api_keys.list_keys(
            session=session, workspace_id=who.workspace_id, user_id=_operator(who)
        )
        return [KeyOut.model_validate(k) for k in rows]


@router.post("/me/tokens", response_model=KeyCreated, status_code=201, summary="New personal token")
def new_token(body: KeyCreate, who: Annotated[Principal, Depends(get_principal)]) -> KeyCreated:
    with session_scope() as session:
        key, token = api_keys.create_key(
            session=session,
            workspace_id=who.workspace_id,
            user_id=_operator(who),
            name=body.name,
            actor=who.actor(),
        )
        return created(key, token)


@router.post("/me/tokens/{key_id}/revoke", response_model=KeyOut, summary="Revoke my token")
def revoke_my_token(key_id: PathId, who: Annotated[Principal, Depends(get_principal)]) -> KeyOut:
    with session_scope() as session:
        key = api_keys.revoke_key(
            session=session,
            workspace_id=who.workspace_id,
            key_id=key_id,
            owner_user_id=_operator(who),
            actor=who.actor(),
        )
        return KeyOut.model_validate(key)


@router.post("/me/tokens/{key_id}/rotate", response_model=KeyCreated, summary="Rotate my token")
def rotate_my_token(
    key_id: PathId, who: Annotated[Principal, Depends(get_principal)]
) -> KeyCreated:
    with session_scope() as session:
        key, token = api_keys.rotate_key(
            session=session,
            workspace_id=who.workspace_id,
            key_id=key_id,
            owner_user_id=_operator(who),
            actor=who.actor(),
        )
        return created(key, token)


@router.get("/users", response_model=list[UserOut], summary="Operators of the workspace")
def list_users(who: Reader) -> list[UserOut]:
    with read_session() as session:
        return [
            UserOut.model_validate(u)
            for u in users.list_users(session=session, workspace_id=who.workspace_id)
        ]


@router.post(
    "/users",
    response_model=UserCreated,
    status_code=201,
    summary="Add an operator (admin)",
    responses=CONFLICT_RESPONSE,
)
def create_user(body: UserCreate, who: Admin) -> UserCreated:
    """Without `password`, one is generated and returned this once."""
    password = body.password or auth.generate_password()
    with session_scope() as session:
        user = users.create_user(
            session=session,
            workspace_id=who.workspace_id,
            handle=body.handle,
            display_name=body.display_name,
            email=body.email,
            role=body.role,
            password_hash=auth.hash_password(password),
            actor=who.actor(),
        )
        return UserCreated.model_validate(
            {
                **UserOut.model_validate(user).model_dump(),
                "password": None if body.password else password,
            }
        )


@router.get("/users/{user_id}", response_model=UserOut, summary="One operator")
def get_user(user_id: PathId, who: Reader) -> UserOut:
    with read_session() as session:
        return UserOut.model_validate(get_in_workspace(session, User, user_id, who.workspace_id))
