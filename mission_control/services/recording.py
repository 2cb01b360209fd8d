"""The bookkeeping every mutation does: an Activity row, a hash-chained AuditEvent, an event."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlmodel import Session, SQLModel, col, select

from mission_control.events import Event, record
from mission_control.models import Activity, AuditEvent, Workspace, utcnow
from mission_control.services.actor import Actor


def snapshot(obj: SQLModel | None) -> dict[str, Any] | None:
    """A JSON-safe copy of a row, for the audit log's before/after."""
    # Enum columns load back as plain strings; that is expected, so no serializer warnings.
    return None if obj is None else obj.model_dump(mode="json", warnings=False)


def audit_hash(row: AuditEvent) -> str:
    body = {
        "workspace_id": row.workspace_id,
        "actor_type": str(row.actor_type),
        "actor_id": row.actor_id,
        "actor_name": row.actor_name,
        "action": row.action,
        "target_type": row.target_type,
        "target_id": row.target_id,
        "before": row.before,
        "after": row.after,
        "origin": row.origin,
        "at": row.at.isoformat(),
        "prev_hash": row.prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _last_audit_hash(session: Session, workspace_id: int) -> str:
    # Serialise chain appends per workspace (a no-op on SQLite, whose write units are
    # already exclusive: see db._sqlite_begin). FOR NO KEY UPDATE, not FOR UPDATE: every
    # insert of a row referencing the workspace holds FOR KEY SHARE on it, which FOR UPDATE
    # would wait for, so two concurrent writers would deadlock on PostgreSQL.
    session.exec(
        select(Workspace.id).where(Workspace.id == workspace_id).with_for_update(key_share=True)
    ).first()
    last = session.exec(
        select(AuditEvent.hash)
        .where(AuditEvent.workspace_id == workspace_id)
        .order_by(col(AuditEvent.id).desc())
        .limit(1)
    ).first()
    return last or ""


def record_change(
    session: Session,
    *,
    workspace_id: int,
    actor: Actor,
    action: str,
    target_type: str,
    target_id: int | None,
    text: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    task_id: int | None = None,
    details: dict[str, Any] | None = None,
    feed: bool = True,
) -> Activity | None:
    """Write the audit row (always) and the feed line (unless `feed=False`), park the event."""
    now = utcnow()
    audit = AuditEvent(
        workspace_id=workspace_id,
        actor_type=actor.type,
        actor_id=actor.id,
        actor_name=actor.name,
        action=action,
        target_type=target_type,
        target_id=target_id,
        before=before,
        after=after,
        origin=actor.origin,
        at=now,
        prev_hash=_last_audit_hash(session, workspace_id),
    )
    audit.hash = audit_hash(audit)
    session.add(audit)
    activity = None
    if feed:
        activity = Activity(
            workspace_id=workspace_id,
            event_type=action,
            actor_type=actor.type,
            actor_agent_id=actor.agent_id,
            actor_user_id=actor.user_id,
            actor_name=actor.name,
            task_id=task_id,
            text=text[:500],
            details=details or {},
            created_at=now,
        )
        session.add(activity)
    session.flush()
    record(
        session,
        Event(
            type=action,
            workspace_id=workspace_id,
            payload={
                "target_type": target_type,
                "target_id": target_id,
                "task_id": task_id,
                "activity_id": activity.id if activity else None,
                **(details or {}),
            },
        ),
    )
    return activity
