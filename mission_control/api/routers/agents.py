"""Agents: the squad roster (admins manage it) and each agent's own check-in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from mission_control.api.deps import Admin, PathId, Reader, get_principal
from mission_control.api.errors import COMMON_RESPONSES, CONFLICT_RESPONSE
from mission_control.api.schemas import (
    AgentIn,
    AgentOut,
    AgentPatch,
    CheckIn,
    CheckInOut,
    WakeIn,
    WakeOut,
)
from mission_control.api.write_queue import run_write
from mission_control.db import read_session, session_scope
from mission_control.models import Agent, DriverType
from mission_control.services import agent_signals, agents, notifications, presence
from mission_control.services.authz import Principal, require_operator, require_self_agent
from mission_control.services.common import get_in_workspace

router = APIRouter(prefix="/agents", tags=["agents"], responses=COMMON_RESPONSES)


@router.get("", response_model=list[AgentOut], summary="The squad")
def list_agents(who: Reader) -> list[AgentOut]:
    with read_session() as session:
        return [
            AgentOut.model_validate(a)
            for a in agents.list_agents(session=session, workspace_id=who.workspace_id)
        ]


@router.post(
    "",
    response_model=AgentOut,
    status_code=201,
    summary="Add an agent (admin)",
    responses=CONFLICT_RESPONSE,
)
def create_agent(body: AgentIn, who: Admin) -> AgentOut:
    with session_scope() as session:
        agent = agents.create_agent(
            session=session,
            workspace_id=who.workspace_id,
            data=body.model_dump(),
            actor=who.actor(),
        )
        return AgentOut.model_validate(agent)


@router.get("/{agent_id}", response_model=AgentOut, summary="One agent")
def get_agent(agent_id: PathId, who: Reader) -> AgentOut:
    with read_session() as session:
        return AgentOut.model_validate(get_in_workspace(session, Agent, agent_id, who.workspace_id))


@router.patch(
    "/{agent_id}", response_model=AgentOut, summary="Edit, pause or resume an agent (admin)"
)
def update_agent(agent_id: PathId, body: AgentPatch, who: Admin) -> AgentOut:
    changes = body.model_dump(exclude_unset=True)
    paused = changes.pop("paused", None)
    with session_scope() as session:
        agent = get_in_workspace(session, Agent, agent_id, who.workspace_id)
        if changes:
            agent = agents.update_agent(
                session=session,
                workspace_id=who.workspace_id,
                agent_id=agent_id,
                data=changes,
                actor=who.actor(),
            )
        if paused is not None:
            agent = agents.set_paused(
                session=session,
                workspace_id=who.workspace_id,
                agent_id=agent_id,
                paused=paused,
                actor=who.actor(),
            )
        return AgentOut.model_validate(agent)


@router.delete(
    "/{agent_id}", status_code=204, response_class=Response, summary="Remove an agent (admin)"
)
def delete_agent(agent_id: PathId, who: Admin) -> Response:
    with session_scope() as session:
        agents.delete_agent(
            session=session, workspace_id=who.workspace_id, agent_id=agent_id, actor=who.actor()
        )
    return Response(status_code=204)


@router.post(
    "/{agent_id}/heartbeat", response_model=CheckInOut, summary="Check in (the agent itself)"
)
async def check_in(
    agent_id: PathId, body: CheckIn, who: Annotated[Principal, Depends(get_principal)]
) -> CheckInOut:
    """Only the agent, with its own key: marks it seen, optionally reports idle/active/blocked."""
    return await run_write(_check_in, agent_id, body, who)


def _check_in(agent_id: int, body: CheckIn, who: Principal) -> CheckInOut:
    with session_scope() as session:
        get_in_workspace(session, Agent, agent_id, who.workspace_id)
        require_self_agent(who, agent_id)
        agent = presence.check_in(
            session=session,
            workspace_id=who.workspace_id,
            agent_id=agent_id,
            status=body.status,
            note=body.note,
            actor=who.actor(),
        )
        unread = notifications.unread_count(
            session=session, workspace_id=who.workspace_id, agent_id=agent_id
        )
        return CheckInOut(agent=AgentOut.model_validate(agent), unread_notifications=unread)


@router.post("/{agent_id}/wake", response_model=WakeOut, summary="Wake an agent now (operator)")
def wake(
    agent_id: PathId, body: WakeIn, who: Annotated[Principal, Depends(get_principal)]
) -> WakeOut:
    """Agents we call get a heartbeat now; an external agent gets a `wake` frame on its
    WebSocket channel (kept as a notification, so a reconnecting agent still sees it)."""
    require_operator(who)
    with session_scope() as session:
        agent = agent_signals.wake_agent(
            session=session,
            workspace_id=who.workspace_id,
            agent_id=agent_id,
            actor=who.actor(),
            force=body.force,
        )
        via = "gateway" if agent.driver_type == DriverType.external else "heartbeat"
        return WakeOut(agent=AgentOut.model_validate(agent), via=via)
