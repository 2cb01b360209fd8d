"""What the squad remembers: memory_item rows, written in the same transaction as their source.

Sources call these from their own service functions (a message posted, a document saved, a
task created, edited, approved or rejected, a `remember` action). Nothing here embeds: a new or
changed row is left with `indexed_at` NULL for the background indexer
(mission_control/memory/indexer.py), so the write returns before its embedding exists.
Forgetting marks rows (`forgotten_at`) instead of deleting them, so the indexer, which may run
in another process, learns which vectors to remove; it deletes the rows afterwards.

With MC_MEMORY_ENABLED=false nothing is remembered (`mc memory reindex` backfills later).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select, update

from mission_control.config import get_settings
from mission_control.errors import Invalid
from mission_control.memory.passages import passages
from mission_control.models import (
    Document,
    MemoryItem,
    Message,
    Task,
    TaskStatus,
    utcnow,
)

KINDS = ("task", "message", "document", "task_outcome", "note")
SEARCHABLE = ("task", "message", "document")


def source_key(item: MemoryItem) -> str:
    """What a memory is about, for showing one passage per source: "task:12", "message:5",
    "document:3"; a note or a task verdict is a source of its own ("note#40")."""
    if item.kind in SEARCHABLE:
        return f"{item.kind}:{item.source_id}"
    return f"{item.kind}#{item.id}"


def enabled() -> bool:
    return get_settings().memory_enabled


def _live(session: Session, *conditions: Any) -> list[MemoryItem]:
    return list(
        session.exec(
            select(MemoryItem)
            .where(col(MemoryItem.forgotten_at).is_(None), *conditions)
            .order_by(col(MemoryItem.chunk), col(MemoryItem.id))
        )
    )


def forget_rows(session: Session, rows: Iterable[MemoryItem]) -> int:
    now = utcnow()
    n = 0
    for row in rows:
        row.forgotten_at = now
        row.indexed_at = None
        row.version += 1
        session.add(row)
        n += 1
    return n


def remember_source(
    session: Session,
    *,
    workspace_id: int,
    kind: str,
    source_type: str,
    source_id: int,
    text: str,
    title: str = "",
    task_id: int | None = None,
    agent_id: int | None = None,
) -> list[MemoryItem]:
    """Make the source's memories say `text` (one row per passage); unchanged passages stay
    indexed, changed ones are queued again, surplus ones are forgotten."""
    if not enabled():
        return []
    existing = _live(session, MemoryItem.source_type == source_type, MemoryItem.source_id == source_id,
                     MemoryItem.kind == kind)
    now = utcnow()
    rows: list[MemoryItem] = []
    for i, passage in enumerate(passages(text)):
        if i < len(existing):
            row = existing[i]
            if (row.text, row.title, row.task_id, row.chunk) != (passage, title[:200], task_id, i):
                row.text, row.title, row.task_id, row.chunk = passage, title[:200], task_id, i
                row.version += 1
                row.indexed_at = None
                row.updated_at = now
                session.add(row)
        else:
            row = MemoryItem(workspace_id=workspace_id, agent_id=agent_id, kind=kind, source_type=source_type,
                             source_id=source_id, chunk=i, task_id=task_id, title=title[:200], text=passage,
                             tags=[], created_at=now, updated_at=now)
            session.add(row)
        rows.append(row)
    forget_rows(session, existing[len(rows):])
    session.flush()
    return rows


_INSERT_ITEM = insert(MemoryItem.__table__)  # type: ignore[attr-defined]


def _remember_new(
    session: Session, *, workspace_id: int, kind: str, source_type: str, source_id: int, text: str,
    title: str, task_id: int | None,
) -> int:
    """`remember_source` for a source created in this unit of work: it has no memories yet, so
    there is nothing to look up, and the rows go in with one prepared statement (they are
    written on every task and message, and read back only by the indexer)."""
    if not enabled():
        return 0
    now = utcnow()
    rows: list[dict[str, Any]] = [
        {"workspace_id": workspace_id, "agent_id": None, "kind": kind, "source_type": source_type,
         "source_id": source_id, "chunk": i, "task_id": task_id, "title": title[:200], "text": passage,
         "tags": [], "value": 1.0, "hits": 0, "version": 1, "created_at": now, "updated_at": now}
        for i, passage in enumerate(passages(text))
    ]
    if rows:
        session.flush()
        session.connection().execute(_INSERT_ITEM, rows)
    return len(rows)


def forget_source(session: Session, source_type: str, source_id: int) -> int:
    """Forget every memory of one source (its vectors go once the indexer catches up)."""
    return forget_rows(session, _live(session, MemoryItem.source_type == source_type,
                                  MemoryItem.source_id == source_id))


def task_tree(session: Session, task_id: int) -> list[int]:
    """The task and all its subtasks, however deep (they are deleted with it)."""
    ids, frontier = [task_id], [task_id]
    while frontier:
        frontier = [i for i in session.exec(select(Task.id).where(col(Task.parent_task_id).in_(frontier)))
                    if i is not None]
        ids.extend(frontier)
    return ids


def forget_task(session: Session, task_id: int) -> int:
    """Before a task is deleted: forget it, its subtasks, their threads and outcomes. Documents
    and agents' notes outlive the task (their link is cleared), and so do their memories."""
    tree = task_tree(session, task_id)
    owned = col(MemoryItem.source_type).in_(("task", "message"))
    forgotten = forget_rows(session, _live(session, col(MemoryItem.task_id).in_(tree), owned))
    session.flush()
    session.exec(
        update(MemoryItem)  # type: ignore[call-overload]
        .where(col(MemoryItem.task_id).in_(tree), ~owned)
        .values(task_id=None)
    )
    return forgotten


def forget_agent(session: Session, agent_id: int) -> int:
    """Before an agent is deleted: its private memories go with it."""
    return forget_rows(session, _live(session, MemoryItem.agent_id == agent_id))


def remember_task(session: Session, task: Task, *, new: bool = False) -> None:
    """`new`: the task was created in this unit of work."""
    assert task.id is not None
    text = f"{task.title}\n\n{task.description}".strip()
    remember = _remember_new if new else remember_source
    remember(session, workspace_id=task.workspace_id, kind="task", source_type="task",
             source_id=task.id, text=text, title=task.title, task_id=task.id)


def remember_message(session: Session, message: Message, task_title: str, *, new: bool = False) -> None:
    """`new`: the message was posted in this unit of work."""
    assert message.id is not None
    remember = _remember_new if new else remember_source
    remember(session, workspace_id=message.workspace_id, kind="message", source_type="message",
             source_id=message.id, text=message.body, title=task_title, task_id=message.task_id)


def remember_document(session: Session, doc: Document) -> None:
    """The document's latest version, passage by passage (older versions are not recalled)."""
    assert doc.id is not None
    remember_source(session, workspace_id=doc.workspace_id, kind="document", source_type="document",
                    source_id=doc.id, text=f"{doc.title}\n\n{doc.content}", title=doc.title, task_id=doc.task_id)


def remember_outcome(session: Session, *, task: Task, approved: bool, by: str, note: str = "") -> MemoryItem | None:
    """A task left review: what was asked, what was delivered, the verdict and the reviewer's
    words (shared scope)."""
    if not enabled():
        return None
    assert task.id is not None
    delivered = list(
        session.exec(select(Document.title).where(Document.task_id == task.id).order_by(col(Document.id)).limit(5))
    )
    last = session.exec(
        select(Message.body).where(Message.task_id == task.id).order_by(col(Message.id).desc()).limit(1)
    ).first()
    verdict = "approved" if approved else "sent back for rework"
    parts = [f"Task #{task.id} “{task.title}” was {verdict} by {by}."]
    if task.description.strip():
        parts.append(f"Asked: {_excerpt(task.description, 300)}")
    if delivered:
        parts.append("Delivered: " + "; ".join(delivered))
    if note:
        parts.append(f"Reviewer: {_excerpt(note, 400)}")
    elif last:
        parts.append(f"Last word: {_excerpt(last, 300)}")
    now = utcnow()
    row = MemoryItem(workspace_id=task.workspace_id, kind="task_outcome", source_type="task", source_id=task.id,
                     task_id=task.id, title=task.title[:200], text=" ".join(parts)[:2000],
                     tags=["approved" if approved else "rejected"], created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return row


def is_outcome(frm: TaskStatus | str, to: TaskStatus | str) -> bool | None:
    """Approved (review -> done), rejected (review -> in progress), or not a verdict (None)."""
    if str(frm) != TaskStatus.review:
        return None
    if str(to) == TaskStatus.done:
        return True
    if str(to) == TaskStatus.in_progress:
        return False
    return None


def add_note(
    session: Session, *, workspace_id: int, agent_id: int, text: str, tags: list[str], shared: bool = False,
    task_id: int | None = None,
) -> MemoryItem | None:
    """An agent's `remember`: private to it unless `shared`."""
    text = text.strip()
    if not text:
        raise Invalid("nothing to remember: the text is empty")
    if not enabled():
        return None
    now = utcnow()
    row = MemoryItem(workspace_id=workspace_id, agent_id=None if shared else agent_id, kind="note",
                     source_type="agent", source_id=agent_id, task_id=task_id, text=text[:4000],
                     title="", tags=tags, created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return row


def _excerpt(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
