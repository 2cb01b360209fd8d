"""A task's thread: read it page by page, post as yourself (mentions notify)."""

from __future__ import annotations

from fastapi import APIRouter

from mission_control.api.deps import Cursor, Limit, PathId, Reader, Worker
from mission_control.api.errors import COMMON_RESPONSES
from mission_control.api.schemas import MessageIn, MessageOut, MessagePosted, Page
from mission_control.api.write_queue import run_write
from mission_control.db import read_session, session_scope
from mission_control.services import messages, queries
from mission_control.services.authz import Principal

router = APIRouter(
    prefix="/tasks/{task_id}/messages", tags=["messages"], responses=COMMON_RESPONSES
)


@router.get("", response_model=Page[MessageOut], summary="Read a task's thread")
def list_messages(
    task_id: PathId, who: Reader, cursor: Cursor = None, limit: Limit = 50
) -> Page[MessageOut]:
    with read_session() as session:
        page = queries.list_messages(
            session=session,
            workspace_id=who.workspace_id,
            task_id=task_id,
            cursor=cursor,
            limit=limit,
        )
        return Page(
            items=[MessageOut.model_validate(m) for m in page.items], next_cursor=page.next_cursor
        )


@router.post("", response_model=MessagePosted, status_code=201, summary="Post to a task's thread")
async def post_message(task_id: PathId, body: MessageIn, who: Worker) -> MessagePosted:
    """The author is always the caller; @name mentions notify those agents and operators."""
    # Async, through the write queue: batched with concurrent writes (see write_queue.py).
    return await run_write(_post_message, task_id, body, who)


def _post_message(task_id: int, body: MessageIn, who: Principal) -> MessagePosted:
    with session_scope() as session:
        result = messages.post_message(
            session=session,
            workspace_id=who.workspace_id,
            task_id=task_id,
            body=body.body,
            type=body.type,
            parent_message_id=body.parent_message_id,
            attachments=[a.model_dump(exclude_none=True) for a in body.attachments],
            actor=who.actor(),
        )
        return MessagePosted.model_validate(
            {
                **MessageOut.model_validate(result.message).model_dump(),
                "notified": result.notified,
                "unknown_mentions": result.unknown_mentions,
            }
        )
