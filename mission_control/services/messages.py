"""Task threads: posting messages and replies, and notifying whoever is @mentioned."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from mission_control.errors import Invalid, NotFound
from mission_control.events import EventType
from mission_control.models import Message, MessageType, Task, utcnow
from mission_control.services import memory, mentions
from mission_control.services.actor import Actor
from mission_control.services.common import get_in_workspace, insert_row, insert_statement
from mission_control.services.notifications import notify
from mission_control.services.recording import record_change, snapshot

MAX_BODY = 20000
MAX_ATTACHMENTS = 20


@dataclass
class PostResult:
    message: Message
    notified: list[str] = field(default_factory=list)
    unknown_mentions: list[str] = field(default_factory=list)


def _check_attachments(attachments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if len(attachments) > MAX_ATTACHMENTS:
        raise Invalid(f"at most {MAX_ATTACHMENTS} attachments per message")
    cleaned: list[dict[str, Any]] = []
    for i, item in enumerate(attachments):
        if not isinstance(item, dict) or not str(item.get("name", "")).strip():
            raise Invalid(f"attachment {i + 1} needs a name")
        cleaned.append({str(k): item[k] for k in ("name", "url", "size", "mime") if k in item})
    return cleaned


# A thread needs its task's title, not the whole row (loading it was a fifth of a post).
_TASK_TITLE = select(Task.title).where(  # type: ignore[call-overload]
    col(Task.id) == bindparam("task_id"), col(Task.workspace_id) == bindparam("workspace_id")
)


_INSERT_MESSAGE = insert_statement(Message)


def _task_title(session: Session, workspace_id: int, task_id: int) -> str:
    session.flush()  # a task added earlier in this unit counts
    title = session.connection().execute(
        _TASK_TITLE, {"task_id": task_id, "workspace_id": workspace_id}
    ).scalar()
    if title is None:
        raise NotFound(f"task {task_id} does not exist")
    return str(title)


def post_message(
    *,
    session: Session,
    workspace_id: int,
    task_id: int,
    body: str,
    actor: Actor,
    type: MessageType | str = MessageType.comment,
    parent_message_id: int | None = None,
    attachments: list[dict[str, Any]] | None = None,
) -> PostResult:
    title = _task_title(session, workspace_id, task_id)
    text = (body or "").strip()
    if not text:
        raise Invalid("a message cannot be empty", details={"fields": {"body": "required"}})
    if len(text) > MAX_BODY:
        raise Invalid(f"a message is limited to {MAX_BODY} characters (this one has {len(text)})")
    try:
        kind = MessageType(type)
    except ValueError:
        allowed = ", ".join(t.value for t in MessageType)
        raise Invalid(f"'{type}' is not a message type; use one of: {allowed}") from None
    if parent_message_id is not None:
        parent = get_in_workspace(session, Message, parent_message_id, workspace_id)
        if parent.task_id != task_id:
            raise Invalid(f"message {parent_message_id} belongs to task {parent.task_id}, not {task_id}")
    message = Message(
        workspace_id=workspace_id,
        task_id=task_id,
        parent_message_id=parent_message_id,
        author_agent_id=actor.agent_id,
        author_user_id=actor.user_id,
        type=kind,
        body=text,
        attachments=_check_attachments(attachments or []),
        created_at=utcnow(),  # given: a default factory costs a signature inspection per row
    )
    insert_row(session, message, _INSERT_MESSAGE)
    memory.remember_message(session, message, title, new=True)
    found = mentions.resolve(session, workspace_id, mentions.find_names(text))
    result = PostResult(message=message, unknown_mentions=found.unknown)
    excerpt = text if len(text) <= 140 else text[:139] + "…"
    for agent in found.agents:
        if agent.id == actor.agent_id:
            continue
        notify(
            session,
            workspace_id=workspace_id,
            kind="mention",
            agent_id=agent.id,
            task_id=task_id,
            message_id=message.id,
            text=f"{actor.name} mentioned you on #{task_id}: {excerpt}",
        )
        result.notified.append(agent.name)
    for user in found.users:
        if user.id == actor.user_id:
            continue
        notify(
            session,
            workspace_id=workspace_id,
            kind="mention",
            user_id=user.id,
            task_id=task_id,
            message_id=message.id,
            text=f"{actor.name} mentioned you on #{task_id}: {excerpt}",
        )
        result.notified.append(user.handle)
    verb = "replied on" if parent_message_id else "commented on"
    record_change(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action=EventType.message_posted,
        target_type="message",
        target_id=message.id,
        task_id=task_id,
        text=f"{actor.name} {verb} #{task_id} “{title}”: {excerpt}",
        after=snapshot(message),
        details={
            "message_id": message.id,
            "mentioned": result.notified,
            "unknown_mentions": found.unknown,
        },
    )
    return result


def thread(*, session: Session, workspace_id: int, task_id: int) -> list[Message]:
    get_in_workspace(session, Task, task_id, workspace_id)
    return list(
        session.exec(
            select(Message).where(Message.task_id == task_id).order_by(col(Message.created_at), col(Message.id))
        )
    )
