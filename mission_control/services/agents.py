"""Creating, editing and pausing agents."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, func, select

from mission_control import outbound
from mission_control.errors import Conflict, Forbidden, Invalid
from mission_control.events import EventType
from mission_control.models import (
    Agent,
    AgentCreate,
    AgentStatus,
    AgentUpdate,
    User,
    Workspace,
    utcnow,
)
from mission_control.services import memory, mentions, secrets
from mission_control.services.actor import Actor
from mission_control.services.common import get_in_workspace, validate
from mission_control.services.recording import record_change, snapshot


def _name_taken(session: Session, workspace_id: int, name: str) -> str | None:
    lowered = name.lower()
    if session.exec(
        select(Agent.id).where(Agent.workspace_id == workspace_id, func.lower(Agent.name) == lowered)
    ).first():
        return "an agent"
    if session.exec(
        select(User.id).where(User.workspace_id == workspace_id, func.lower(User.handle) == lowered)
    ).first():
        return "an operator"
    return None


def _session_key(session: Session, workspace_id: int, role: str, name: str) -> str:
    key = f"agent:{role.strip().lower().replace(' ', '-')}:{name.lower()}"
    if session.exec(select(Agent.id).where(Agent.session_key == key)).first():
        ws = session.get(Workspace, workspace_id)
        key = f"{key}:{ws.slug if ws else workspace_id}"
    return key


BUILTIN_ROLES = ("orchestrator", "standup", "watchdog")


def check_driver_config(driver_type: str, config: dict[str, Any]) -> dict[str, Any]:
    """Refuse a driver setup that could never work, naming the field to fix."""
    fields: dict[str, str] = {}
    cfg = {k: v for k, v in (config or {}).items() if v not in (None, "")}
    if driver_type == "openai":
        if not str(cfg.get("model", "")).strip():
            fields["driver_config.model"] = "the model name is required (e.g. llama3.1:8b)"
        url = str(cfg.get("base_url", ""))
        if url and not url.startswith(("http://", "https://")):
            fields["driver_config.base_url"] = "must start with http:// or https://"
        elif url and (refused := outbound.url_refusal(url)):
            fields["driver_config.base_url"] = refused
    elif driver_type == "webhook":
        url = str(cfg.get("url", ""))
        if not url.startswith(("http://", "https://")):
            fields["driver_config.url"] = "an http:// or https:// URL is required"
        elif refused := outbound.url_refusal(url):
            fields["driver_config.url"] = refused
        if len(str(cfg.get("secret", ""))) < 16:
            fields["driver_config.secret"] = "a shared secret of at least 16 characters is required"
    elif driver_type == "builtin":
        if cfg.get("role") not in BUILTIN_ROLES:
            fields["driver_config.role"] = "choose one of: " + ", ".join(BUILTIN_ROLES)
    if fields:
        summary = "; ".join(f"{k}: {v}" for k, v in fields.items())
        raise Invalid(f"invalid driver settings — {summary}", details={"fields": fields})
    return cfg


def _validated(data: AgentCreate | dict[str, Any]) -> AgentCreate:
    """All of the form's mistakes at once: field checks and driver settings together."""
    raw = data.model_dump() if isinstance(data, AgentCreate) else dict(data)
    fields: dict[str, str] = {}
    spec: AgentCreate | None = None
    config: dict[str, Any] = {}
    try:
        spec = validate(AgentCreate, data)
    except Invalid as exc:
        fields.update((exc.details or {}).get("fields", {}))
    try:
        config = check_driver_config(str(raw.get("driver_type") or "external"), raw.get("driver_config") or {})
    except Invalid as exc:
        fields.update((exc.details or {}).get("fields", {}))
    if fields or spec is None:
        summary = "; ".join(f"{k}: {v}" for k, v in fields.items())
        raise Invalid(f"invalid input — {summary}", details={"fields": fields})
    spec.driver_config = config
    return spec


def create_agent(
    *, session: Session, workspace_id: int, data: AgentCreate | dict[str, Any], actor: Actor
) -> Agent:
    spec = _validated(data)
    if spec.name.lower() == mentions.EVERYONE:
        raise Invalid(
            f"'{spec.name}' is reserved: @{mentions.EVERYONE} mentions every agent",
            details={"fields": {"name": "reserved"}},
        )
    holder = _name_taken(session, workspace_id, spec.name)
    if holder:
        raise Conflict(
            f"the name '{spec.name}' is already used by {holder} in this workspace; "
            "names must be unique so @mentions are unambiguous",
            details={"fields": {"name": "already taken"}},
        )
    agent = Agent(
        workspace_id=workspace_id,
        name=spec.name,
        role=spec.role.strip(),
        description=spec.description,
        heartbeat_interval_s=spec.heartbeat_interval_s,
        driver_type=spec.driver_type,
        can_delete=spec.can_delete,
        capabilities=spec.capabilities,
        driver_config=spec.driver_config,
        session_key=_session_key(session, workspace_id, spec.role, spec.name),
    )
    session.add(agent)
    session.flush()
    record_change(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action=EventType.agent_created,
        target_type="agent",
        target_id=agent.id,
        text=f"{actor.name} added agent {agent.name} ({agent.role})",
        after=snapshot(agent),
        details={"agent_id": agent.id},
    )
    return agent


def update_agent(
    *,
    session: Session,
    workspace_id: int,
    agent_id: int,
    data: AgentUpdate | dict[str, Any],
    actor: Actor,
) -> Agent:
    agent = get_in_workspace(session, Agent, agent_id, workspace_id)
    changes = validate(AgentUpdate, data).model_dump(exclude_unset=True)
    if "capabilities" in changes:
        changes["capabilities"] = changes["capabilities"] or []
    if "driver_type" in changes or "driver_config" in changes:
        driver_type = changes.get("driver_type") or agent.driver_type
        config = changes["driver_config"] if "driver_config" in changes else agent.driver_config
        if str(driver_type) == str(agent.driver_type):
            # Nobody can read a secret back to resend it, so leaving it out keeps it.
            config = secrets.keep_secrets(agent.driver_config or {}, config or {})
        changes["driver_config"] = check_driver_config(driver_type, config)
    before = snapshot(agent)
    for key, value in changes.items():
        setattr(agent, key, value)
    agent.updated_at = utcnow()
    session.add(agent)
    session.flush()
    record_change(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action=EventType.agent_updated,
        target_type="agent",
        target_id=agent.id,
        text=f"{actor.name} updated agent {agent.name} ({', '.join(sorted(changes)) or 'no fields'})",
        before=before,
        after=snapshot(agent),
        details={"agent_id": agent.id},
    )
    return agent


def set_paused(
    *, session: Session, workspace_id: int, agent_id: int, paused: bool, actor: Actor
) -> Agent:
    """Pause stops heartbeats; the agent shows offline until resumed."""
    agent = get_in_workspace(session, Agent, agent_id, workspace_id)
    if agent.paused == paused:
        return agent
    before = snapshot(agent)
    agent.paused = paused
    agent.status = AgentStatus.offline if paused else AgentStatus.idle
    agent.updated_at = utcnow()
    session.add(agent)
    session.flush()
    verb = "paused" if paused else "resumed"
    record_change(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action=EventType.agent_paused if paused else EventType.agent_resumed,
        target_type="agent",
        target_id=agent.id,
        text=f"{actor.name} {verb} agent {agent.name}",
        before=before,
        after=snapshot(agent),
        details={"agent_id": agent.id},
    )
    return agent


def set_status(
    *, session: Session, workspace_id: int, agent_id: int, status: AgentStatus, actor: Actor, reason: str = ""
) -> Agent:
    """Record an evidence-based status change (from the heartbeat engine or a check-in)."""
    agent = get_in_workspace(session, Agent, agent_id, workspace_id)
    if agent.status == status:
        return agent
    before = snapshot(agent)
    agent.status = status
    agent.updated_at = utcnow()
    session.add(agent)
    session.flush()
    record_change(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action=EventType.agent_status,
        target_type="agent",
        target_id=agent.id,
        text=f"{agent.name} is {status}" + (f": {reason}" if reason else ""),
        before=before,
        after=snapshot(agent),
        details={"agent_id": agent.id, "status": str(status)},
    )
    return agent


def require_delete_grant(*, session: Session, actor: Actor, what: str) -> None:
    """Agents delete tasks and documents only with an admin's grant (Agent.can_delete);
    people's roles are checked by the callers as before."""
    if actor.agent_id is None:
        return
    agent = session.get(Agent, actor.agent_id)
    if agent is None or not agent.can_delete:
        raise Forbidden(
            f"agent {actor.name} may not delete {what}: an admin can allow it "
            "(\"May delete tasks and documents\" in the agent's settings, or can_delete in the API)",
            details={"required": "can_delete"},
        )


def list_agents(*, session: Session, workspace_id: int) -> list[Agent]:
    return list(
        session.exec(select(Agent).where(Agent.workspace_id == workspace_id).order_by(Agent.name))
    )


def delete_agent(*, session: Session, workspace_id: int, agent_id: int, actor: Actor) -> None:
    """Remove an agent; its keys, assignments and notifications go with it (history stays)."""
    agent = get_in_workspace(session, Agent, agent_id, workspace_id)
    before = snapshot(agent)
    memory.forget_agent(session, agent_id)
    session.delete(agent)
    session.flush()
    record_change(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action=EventType.agent_deleted,
        target_type="agent",
        target_id=agent_id,
        text=f"{actor.name} removed agent {agent.name}",
        before=before,
        details={"agent_id": agent_id},
    )
