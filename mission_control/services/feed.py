"""Read model for the activity feed."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, time
from typing import Any

from sqlmodel import Session, col, func, select

from mission_control.events import EventType
from mission_control.models import Activity, Message, utcnow


def activity_row(a: Activity) -> dict[str, Any]:
    return {
        "id": a.id,
        "event_type": a.event_type,
        "actor_type": str(a.actor_type),
        "actor_name": a.actor_name,
        "task_id": a.task_id or 0,
        "text": a.text,
        "created_at": a.created_at.isoformat(),
    }


def recent_activity(
    *,
    session: Session,
    workspace_id: int,
    limit: int = 50,
    actor_name: str = "",
    event_types: Collection[EventType] = (),
) -> list[dict[str, Any]]:
    """Newest first. `event_types` keeps only those kinds (e.g. `EventType.about("task")`)."""
    query = select(Activity).where(Activity.workspace_id == workspace_id)
    if actor_name:
        query = query.where(Activity.actor_name == actor_name)
    if event_types:
        query = query.where(col(Activity.event_type).in_([t.value for t in event_types]))
    rows = session.exec(query.order_by(col(Activity.id).desc()).limit(limit))
    return [activity_row(a) for a in rows]


def messages_today(*, session: Session, workspace_id: int) -> int:
    midnight = datetime.combine(utcnow().date(), time.min, tzinfo=utcnow().tzinfo)
    return int(
        session.exec(
            select(func.count())
            .select_from(Message)
            .where(Message.workspace_id == workspace_id, Message.created_at >= midnight)
        ).one()
    )
