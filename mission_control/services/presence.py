"""Agent check-ins: an agent outside the process says it is alive (and what it is doing)."""

from __future__ import annotations

from sqlmodel import Session

from mission_control.errors import Invalid
from mission_control.events import EventType
from mission_control.models import Agent, AgentStatus, utcnow
from mission_control.services import agents
from mission_control.services.actor import Actor
from mission_control.services.common import get_in_workspace
from mission_control.services.recording import record_change

REPORTABLE = (AgentStatus.idle, AgentStatus.active, AgentStatus.blocked)


def check_in(
    *,
    session: Session,
    workspace_id: int,
    agent_id: int,
    actor: Actor,
    status: AgentStatus | str | None = None,
    note: str = "",
) -> Agent:
    """Mark the agent seen now; optionally report idle / active / blocked (with a note)."""
    agent = get_in_workspace(session, Agent, agent_id, workspace_id)
    reported: AgentStatus | None = None
    if status is not None:
        try:
            reported = AgentStatus(status)
        except ValueError:
            reported = None
        if reported not in REPORTABLE:
            allowed = ", ".join(s.value for s in REPORTABLE)
            raise Invalid(
                f"an agent can report itself as {allowed}, not '{status}'",
                details={"fields": {"status": f"one of {allowed}"}},
            )
    previous = agent.last_seen_at
    agent.last_seen_at = utcnow()
    session.add(agent)
    session.flush()
    record_change(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action=EventType.agent_checked_in,
        target_type="agent",
        target_id=agent_id,
        text=f"{agent.name} checked in",
        before={"last_seen_at": previous.isoformat() if previous else None},
        after={"last_seen_at": agent.last_seen_at.isoformat()},
        details={"agent_id": agent_id},
        feed=False,
    )
    if reported is not None and not agent.paused:
        agents.set_status(
            session=session,
            workspace_id=workspace_id,
            agent_id=agent_id,
            status=reported,
            actor=actor,
            reason=note.strip()[:200],
        )
    return agent
