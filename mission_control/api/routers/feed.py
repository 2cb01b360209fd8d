"""The activity feed (all, by agent, by task) and the caller's own notifications."""

from __future__ import annotations

from fastapi import APIRouter

from mission_control.api.deps import Cursor, Limit, PathId, Reader
from mission_control.api.errors import COMMON_RESPONSES
from mission_control.api.schemas import ActivityOut, NotificationOut, Page, ReadAll
from mission_control.db import read_session, session_scope
from mission_control.services import notifications, queries
from mission_control.services.authz import Principal

router = APIRouter(tags=["feed"], responses=COMMON_RESPONSES)


def _activities(
    who: Principal,
    cursor: int | None,
    limit: int,
    agent_id: int | None = None,
    task_id: int | None = None,
) -> Page[ActivityOut]:
    with read_session() as session:
        page = queries.list_activities(
            session=session,
            workspace_id=who.workspace_id,
            agent_id=agent_id,
            task_id=task_id,
            cursor=cursor,
            limit=limit,
        )
        return Page(
            items=[ActivityOut.model_validate(a) for a in page.items], next_cursor=page.next_cursor
        )


@router.get("/activities", response_model=Page[ActivityOut], summary="The feed, newest first")
def list_activities(who: Reader, cursor: Cursor = None, limit: Limit = 50) -> Page[ActivityOut]:
    return _activities(who, cursor, limit)


@router.get(
    "/agents/{agent_id}/activities", response_model=Page[ActivityOut], summary="What an agent did"
)
def agent_activities(
    agent_id: PathId, who: Reader, cursor: Cursor = None, limit: Limit = 50
) -> Page[ActivityOut]:
    return _activities(who, cursor, limit, agent_id=agent_id)


@router.get(
    "/tasks/{task_id}/activities", response_model=Page[ActivityOut], summary="A task's history"
)
def task_activities(
    task_id: PathId, who: Reader, cursor: Cursor = None, limit: Limit = 50
) -> Page[ActivityOut]:
    return _activities(who, cursor, limit, task_id=task_id)


@router.get("/notifications", response_model=Page[NotificationOut], summary="My notifications")
def list_notifications(
    who: Reader, unread: bool = False, cursor: Cursor = None, limit: Limit = 50
) -> Page[NotificationOut]:
    with read_session() as session:
        page = queries.list_notifications(
            session=session,
            workspace_id=who.workspace_id,
            agent_id=who.agent_id,
            user_id=who.user_id,
            unread_only=unread,
            cursor=cursor,
            limit=limit,
        )
        return Page(
            items=[NotificationOut.model_validate(n) for n in page.items],
            next_cursor=page.next_cursor,
        )


@router.post(
    "/notifications/{notification_id}/read", response_model=NotificationOut, summary="Mark read"
)
def mark_read(notification_id: PathId, who: Reader) -> NotificationOut:
    """Reading your own notifications is allowed to every role, viewers included."""
    with session_scope() as session:
        note = notifications.mark_read(
            session=session,
            workspace_id=who.workspace_id,
            notification_id=notification_id,
            actor=who.actor(),
        )
        return NotificationOut.model_validate(note)


@router.post("/notifications/read-all", response_model=ReadAll, summary="Mark all mine read")
def mark_all_read(who: Reader) -> ReadAll:
    with session_scope() as session:
        count = notifications.mark_all_read(
            session=session, workspace_id=who.workspace_id, actor=who.actor()
        )
        return ReadAll(marked_read=count)
