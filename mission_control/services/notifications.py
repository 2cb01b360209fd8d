"""Notifications for agents and operators: created by mentions and assignments, read by people."""

from __future__ import annotations

from sqlmodel import Session, col, func, select, update

from mission_control.errors import Forbidden
from mission_control.events import Event, EventType, record
from mission_control.models import Notification, utcnow
from mission_control.services.actor import Actor
from mission_control.services.common import get_in_workspace
from mission_control.services.recording import record_change


def notify(
    session: Session,
    *,
    workspace_id: int,
    kind: str,
    text: str,
    agent_id: int | None = None,
    user_id: int | None = None,
    task_id: int | None = None,
    message_id: int | None = None,
) -> Notification:
    note = Notification(
        workspace_id=workspace_id,
        recipient_agent_id=agent_id,
        recipient_user_id=user_id,
        kind=kind,
        text=text[:500],
        task_id=task_id,
        message_id=message_id,
    )
    session.add(note)
    session.flush()
    # Wakes the recipient early (heartbeat engine) and bumps bell counts (UI).
    record(
        session,
        Event(
            type=EventType.notification_created,
            workspace_id=workspace_id,
            payload={
                "notification_id": note.id,
                "kind": kind,
                "agent_id": agent_id,
                "user_id": user_id,
                "task_id": task_id,
            },
        ),
    )
    return note


def _owned_by(note: Notification, actor: Actor) -> bool:
    return (actor.agent_id is not None and note.recipient_agent_id == actor.agent_id) or (
        actor.user_id is not None and note.recipient_user_id == actor.user_id
    )


def mark_read(
    *, session: Session, workspace_id: int, notification_id: int, actor: Actor
) -> Notification:
    note = get_in_workspace(session, Notification, notification_id, workspace_id)
    if not _owned_by(note, actor):
        raise Forbidden(f"notification {notification_id} belongs to someone else")
    if note.read_at is None:
        note.read_at = utcnow()
        session.add(note)
        session.flush()
        record_change(
            session,
            workspace_id=workspace_id,
            actor=actor,
            action=EventType.notification_read,
            target_type="notification",
            target_id=note.id,
            text=f"{actor.name} read a notification",
            after={"read_at": note.read_at.isoformat()},
            feed=False,
        )
    return note


def mark_all_read(*, session: Session, workspace_id: int, actor: Actor) -> int:
    """Mark every unread notification of the actor read; returns how many changed."""
    query = update(Notification).where(
        col(Notification.workspace_id) == workspace_id, col(Notification.read_at).is_(None)
    )
    if actor.agent_id is not None:
        query = query.where(col(Notification.recipient_agent_id) == actor.agent_id)
    elif actor.user_id is not None:
        query = query.where(col(Notification.recipient_user_id) == actor.user_id)
    else:
        raise Forbidden("only an agent or an operator has notifications")
    result = session.exec(query.values(read_at=utcnow()))  # type: ignore[call-overload]
    count = int(result.rowcount or 0)
    if count:
        record_change(
            session,
            workspace_id=workspace_id,
            actor=actor,
            action=EventType.notification_read_all,
            target_type="notification",
            target_id=None,
            text=f"{actor.name} read {count} notifications",
            after={"count": count},
            feed=False,
        )
    return count


def unread_count(
    *, session: Session, workspace_id: int, agent_id: int | None = None, user_id: int | None = None
) -> int:
    query = select(func.count()).select_from(Notification).where(
        Notification.workspace_id == workspace_id, col(Notification.read_at).is_(None)
    )
    if agent_id is not None:
        query = query.where(Notification.recipient_agent_id == agent_id)
    if user_id is not None:
        query = query.where(Notification.recipient_user_id == user_id)
    return int(session.exec(query).one())


def list_notifications(
    *,
    session: Session,
    workspace_id: int,
    agent_id: int | None = None,
    user_id: int | None = None,
    unread_only: bool = False,
    limit: int = 50,
) -> list[Notification]:
    query = select(Notification).where(Notification.workspace_id == workspace_id)
    if agent_id is not None:
        query = query.where(Notification.recipient_agent_id == agent_id)
    if user_id is not None:
        query = query.where(Notification.recipient_user_id == user_id)
    if unread_only:
        query = query.where(col(Notification.read_at).is_(None))
    return list(session.exec(query.order_by(col(Notification.id).desc()).limit(limit)))
