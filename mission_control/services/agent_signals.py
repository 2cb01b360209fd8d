"""What agents and operators signal to the heartbeat engine: "wake now", "I am blocked",
"remember this". Service functions like the others: keyword-only, flush, never commit."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from mission_control.errors import Invalid
from mission_control.events import EventType
from mission_control.models import Agent, DriverType, Task, User, UserRole, utcnow
from mission_control.services import memory as memories
from mission_control.services.actor import Actor
from mission_control.services.common import get_in_workspace
from mission_control.services.notifications import notify
from mission_control.services.recording import record_change


def wake_agent(
    *, session: Session, workspace_id: int, agent_id: int, actor: Actor, force: bool = False
) -> Agent:
    """Ask for a heartbeat now. `force` calls the driver even if nothing is new for the agent.

    An external agent is never called by us: it gets a `wake` notification instead, which its
    WebSocket channel (/ws/agents/{id}) delivers at once, or replays after a reconnect."""
    agent = get_in_workspace(session, Agent, agent_id, workspace_id)
    if agent.paused:
        raise Invalid(f"{agent.name} is paused: resume it before waking it")
    now = utcnow()
    details: dict[str, Any] = {"agent_id": agent.id, "force": force}
    if agent.driver_type == DriverType.external:
        note = notify(
            session,
            workspace_id=workspace_id,
            kind="wake",
            agent_id=agent.id,
            text=f"{actor.name} asked you to wake up" + (" (forced)" if force else ""),
        )
        details |= {"via": "gateway", "notification_id": note.id}
    else:
        agent.wake_requested_at = now
        agent.wake_force = agent.wake_force or force
        session.add(agent)
        session.flush()
        details |= {"via": "heartbeat", "force": agent.wake_force}
    record_change(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action=EventType.agent_wake_requested,
        target_type="agent",
        target_id=agent.id,
        text=f"{actor.name} asked {agent.name} to wake up" + (" (forced)" if force else ""),
        after={"wake_requested_at": now.isoformat(), "force": details["force"]},
        details=details,
    )
    return agent


def report_blocker(
    *, session: Session, workspace_id: int, agent_id: int, reason: str, actor: Actor,
    task_id: int | None = None,
) -> str:
    """An agent says it is stuck: operators are notified; the run settles the agent as blocked."""
    agent = get_in_workspace(session, Agent, agent_id, workspace_id)
    reason = reason.strip()
    if not reason:
        raise Invalid("a blocker needs a reason")
    where = f" on #{task_id}" if task_id else ""
    record_change(
        session, workspace_id=workspace_id, actor=actor, action=EventType.agent_blocker_reported,
        target_type="agent", target_id=agent_id, task_id=task_id,
        text=f"{agent.name} is blocked{where}: {reason[:300]}",
        after={"reason": reason[:2000], "task_id": task_id}, details={"agent_id": agent_id},
    )
    for user_id in session.exec(
        select(User.id).where(
            User.workspace_id == workspace_id, col(User.is_active),
            col(User.role).in_([UserRole.admin, UserRole.operator]),
        )
    ):
        notify(session, workspace_id=workspace_id, kind="blocker", user_id=user_id, task_id=task_id,
               text=f"{agent.name} is blocked{where}: {reason[:300]}")
    return reason


def remember(
    *, session: Session, workspace_id: int, agent_id: int, text: str, actor: Actor,
    tags: list[str] | None = None, shared: bool = False, task_id: int | None = None,
) -> dict[str, Any]:
    """Keep a fact an agent wants for later: a memory private to the agent, or `shared` with
    the whole workspace. Audited, never shown in the feed."""
    get_in_workspace(session, Agent, agent_id, workspace_id)
    if task_id is not None:
        get_in_workspace(session, Task, task_id, workspace_id)
    memory: dict[str, Any] = {
        "text": text.strip()[:4000], "tags": [t.strip().lower()[:40] for t in tags or [] if t.strip()],
        "scope": "shared" if shared else "private",
    }
    if not memory["text"]:
        raise Invalid("nothing to remember: the text is empty")
    item = memories.add_note(session, workspace_id=workspace_id, agent_id=agent_id, text=memory["text"],
                             tags=memory["tags"], shared=shared, task_id=task_id)
    memory["memory_id"] = item.id if item else None
    record_change(
        session, workspace_id=workspace_id, actor=actor, action=EventType.agent_remembered,
        target_type="agent", target_id=agent_id, text="", after=memory, feed=False,
        details={"agent_id": agent_id, "memory_id": memory["memory_id"]},
    )
    return memory
