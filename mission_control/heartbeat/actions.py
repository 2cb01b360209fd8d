"""Applying an agent's reply: each action validated, then applied through the services layer.

All actions of one reply go into the caller's one transaction. Each runs inside a SAVEPOINT:
an action the domain refuses (a move the board forbids, a stale WORKING.md write, an unknown
agent) is rolled back on its own, with its reason recorded, so nothing is ever half-applied
and the good actions still land. The events an action parked are kept only if it succeeded;
they are what the run records as "what actually changed".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, func, select

from mission_control.errors import Forbidden, Invalid, MissionControlError
from mission_control.events import Event, savepoint
from mission_control.heartbeat.schema import (
    Assign,
    CreateTask,
    PostMessage,
    Remember,
    ReportBlocker,
    SetTaskStatus,
    UpdateWorkingNotes,
    WriteDocument,
    parse_action,
)
from mission_control.models import Agent, Task
from mission_control.services import (
    agent_signals,
    documents,
    messages,
    task_flow,
    tasks,
    working_state,
)
from mission_control.services.actor import Actor
from mission_control.services.common import get_in_workspace

_CLAIM = re.compile(
    r"\b(done|finished|completed?|fixed|implemented|moved|updated|created|wrote|written|posted|"
    r"assigned|shipped|resolved|merged|submitted|started)\b",
    re.I,
)
_NEGATION = re.compile(r"\b(no|nothing|not|none|nope)\b", re.I)


@dataclass
class ApplyResult:
    applied: list[dict[str, Any]] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    task_ids: list[int] = field(default_factory=list)
    blocker: str | None = None

    @property
    def valid_count(self) -> int:
        return len(self.applied) + sum(1 for r in self.refused if r.get("stage") == "apply")


def claims_progress(summary: str) -> bool:
    return bool(_CLAIM.search(summary)) and not _NEGATION.search(summary)


def _brief(raw: Any) -> Any:
    text = repr(raw)
    return raw if len(text) <= 500 else text[:499] + "…"


def _change(event: Event) -> dict[str, Any]:
    p = event.payload
    out: dict[str, Any] = {"event": event.type.value}
    for key in ("target_type", "target_id", "task_id", "from", "to", "agent_id", "message_id",
                "document_id", "version", "notification_id"):
        if p.get(key) is not None:
            out[key] = p[key]
    return out


def _agent_id(session: Session, workspace_id: int, ref: str | int) -> int:
    if isinstance(ref, int):
        row = session.get(Agent, ref)
        if row is None or row.workspace_id != workspace_id:
            raise Invalid(f"there is no agent {ref}")
        return ref
    name = ref.strip().lstrip("@")
    found = session.exec(
        select(Agent.id).where(Agent.workspace_id == workspace_id, func.lower(Agent.name) == name.lower())
    ).first()
    if found is None:
        raise Invalid(f"there is no agent called '{name}'")
    return int(found)


def _apply(session: Session, agent: Agent, action: BaseModel, actor: Actor, out: ApplyResult) -> list[int]:
    """Apply one validated action; returns the ids of the tasks it touched."""
    ws = agent.workspace_id
    aid = agent.id or 0
    if isinstance(action, PostMessage):
        messages.post_message(session=session, workspace_id=ws, task_id=action.task_id, body=action.body,
                              actor=actor, type=action.kind, parent_message_id=action.reply_to)
        return [action.task_id]
    if isinstance(action, SetTaskStatus):
        if aid not in tasks.assignee_ids(session, action.task_id):
            get_in_workspace(session, Task, action.task_id, ws)
            raise Forbidden(f"{agent.name} is not assigned to task {action.task_id}: only its assignees move it")
        task_flow.move_task(session=session, workspace_id=ws, task_id=action.task_id, to=action.status, actor=actor)
        return [action.task_id]
    if isinstance(action, CreateTask):
        parent = tasks.create_task(session=session, workspace_id=ws, actor=actor, data={
            "title": action.title, "description": action.description, "priority": action.priority,
            "parent_task_id": action.parent_task_id, "due_at": action.due_at,
            "assignee_ids": [_agent_id(session, ws, a) for a in action.assignees],
            "depends_on_ids": action.depends_on,
        })
        touched = [parent.id or 0]
        for sub in action.subtasks:
            child = tasks.create_task(session=session, workspace_id=ws, actor=actor, data={
                "title": sub.title, "description": sub.description, "parent_task_id": parent.id,
                "assignee_ids": [_agent_id(session, ws, a) for a in sub.assignees],
            })
            touched.append(child.id or 0)
        return touched
    if isinstance(action, Assign):
        tasks.assign(session=session, workspace_id=ws, task_id=action.task_id,
                     agent_id=_agent_id(session, ws, action.agent), actor=actor)
        return [action.task_id]
    if isinstance(action, WriteDocument):
        if action.document_id is not None:
            doc = documents.update_document(session=session, workspace_id=ws, document_id=action.document_id,
                                            content=action.content, title=action.title, actor=actor,
                                            base_version=action.base_version)
        else:
            doc = documents.create_document(session=session, workspace_id=ws, title=action.title,
                                            content=action.content, type=action.doc_type,
                                            task_id=action.task_id, actor=actor)
        return [doc.task_id] if doc.task_id else []
    if isinstance(action, UpdateWorkingNotes):
        working_state.write(session=session, workspace_id=ws, notes=action.notes, actor=actor,
                            base_version=action.base_version, mode=action.mode)
        return []
    if isinstance(action, Remember):
        agent_signals.remember(session=session, workspace_id=ws, agent_id=aid, text=action.text,
                               tags=action.tags, shared=action.scope == "shared", task_id=action.task_id,
                               actor=actor)
        return []
    if isinstance(action, ReportBlocker):
        out.blocker = agent_signals.report_blocker(session=session, workspace_id=ws, agent_id=aid,
                                                reason=action.reason, task_id=action.task_id, actor=actor)
        return [action.task_id] if action.task_id else []
    raise Invalid(f"no handler for {type(action).__name__}")  # pragma: no cover


def apply_actions(session: Session, *, agent: Agent, raw_actions: list[Any], actor: Actor) -> ApplyResult:
    out = ApplyResult()
    for index, raw in enumerate(raw_actions):
        action, reason = parse_action(raw)
        kind = raw.get("type") if isinstance(raw, dict) else None
        if action is None:
            out.refused.append({"index": index, "type": kind, "stage": "validate", "reason": reason,
                                "action": _brief(raw)})
            continue
        try:
            with savepoint(session) as parked:  # a refused action's events go with it
                touched = _apply(session, agent, action, actor, out)
        except (MissionControlError, SQLAlchemyError) as exc:
            message = exc.message if isinstance(exc, MissionControlError) else f"database refused it: {exc.__class__.__name__}"
            out.refused.append({"index": index, "type": kind, "stage": "apply", "reason": message,
                                "action": _brief(raw)})
            continue
        changes = [_change(e) for e in parked]
        out.changes += changes
        out.applied.append({"index": index, "type": kind, "changes": len(changes)})
        out.task_ids += [t for t in touched if t and t not in out.task_ids]
    return out
