"""Agent keys (admins issue, list, revoke and rotate them)."""

from __future__ import annotations

from fastapi import APIRouter

from mission_control.api.deps import Admin, PathId
from mission_control.api.errors import COMMON_RESPONSES
from mission_control.api.schemas import KeyCreate, KeyCreated, KeyOut
from mission_control.db import read_session, session_scope
from mission_control.models import Agent
from mission_control.services import api_keys
from mission_control.services.common import get_in_workspace

router = APIRouter(tags=["keys"], responses=COMMON_RESPONSES)


def created(key: object, token: str) -> KeyCreated:
    return KeyCreated.model_validate({**KeyOut.model_validate(key).model_dump(), "token": token})


@router.get(
    "/agents/{agent_id}/keys", response_model=list[KeyOut], summary="An agent's keys (admin)"
)
def list_agent_keys(agent_id: PathId, who: Admin) -> list[KeyOut]:
    with read_session() as session:
        get_in_workspace(session, Agent, agent_id, who.workspace_id)
        rows = api_keys.list_keys(session=session, workspace_id=who.workspace_id, agent_id=agent_id)
        return [KeyOut.model_validate(k) for k in rows]


@router.post(
    "/agents/{agent_id}/keys",
    response_model=KeyCreated,
    status_code=201,
    summary="Issue an agent key (admin)",
)
def create_agent_key(agent_id: PathId, body: KeyCreate, who: Admin) -> KeyCreated:
    """The response holds the key itself; it is shown this once and stored only as a hash."""
    with session_scope() as session:
        key, token = api_keys.create_key(
            session=session,
            workspace_id=who.workspace_id,
            agent_id=agent_id,
            name=body.name,
            actor=who.actor(),
        )
        return created(key, token)


@router.post("/keys/{key_id}/revoke", response_model=KeyOut, summary="Revoke any key (admin)")
def revoke_key(key_id: PathId, who: Admin) -> KeyOut:
    with session_scope() as session:
        key = api_keys.revoke_key(
            session=session, workspace_id=who.workspace_id, key_id=key_id, actor=who.actor()
        )
        return KeyOut.model_validate(key)


@router.post("/keys/{key_id}/rotate", response_model=KeyCreated, summary="Rotate any key (admin)")
def rotate_key(key_id: PathId, who: Admin) -> KeyCreated:
    """Revokes the key and returns its replacement (shown once)."""
    with session_scope() as session:
        key, token = api_keys.rotate_key(
            session=session, workspace_id=who.workspace_id, key_id=key_id, actor=who.actor()
        )
        return created(key, token)
