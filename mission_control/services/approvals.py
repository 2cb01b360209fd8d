"""Review checkpoints: what waits for approval, and the approve / reject decisions.

A task in review is closed only by a person: agents cannot move review -> done themselves
(task_flow enforces it), so "done" always means somebody looked.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from mission_control.errors import Conflict, Invalid
from mission_control.events import EventType
from mission_control.models import Activity, Agent, Document, DocumentVersion, Task, TaskStatus
from mission_control.services import messages, task_flow
from mission_control.services.actor import Actor
from mission_control.services.common import get_in_workspace
from mission_control.services.tasks import assignee_ids
from mission_control.services.textdiff import line_diff

MAX_PREVIEW = 4000
MAX_DIFF_LINES = 200


def _review_rounds(session: Session, task_id: int) -> tuple[int, datetime | None]:
    """How many times the task entered review, and when it last left review (the moment the
    previous reviewer decided: what they saw is what the diff starts from)."""
    rows = session.exec(
        select(Activity.created_at, Activity.details)
        .where(Activity.task_id == task_id, Activity.event_type == EventType.task_moved)
        .order_by(col(Activity.id))
    ).all()
    entered = sum(1 for _, d in rows if (d or {}).get("to") == "review")
    left = [at for at, d in rows if (d or {}).get("from") == "review"]
    return entered, (left[-1] if left else None)


def _version_at(session: Session, doc_id: int, moment: datetime) -> DocumentVersion | None:
    return session.exec(
        select(DocumentVersion)
        .where(DocumentVersion.document_id == doc_id, DocumentVersion.created_at <= moment)
        .order_by(col(DocumentVersion.version).desc())
    ).first()


def review_item(session: Session, task: Task, agent_names: dict[int, str]) -> dict[str, Any]:
    assert task.id is not None
    doc = session.exec(
        select(Document).where(Document.task_id == task.id).order_by(col(Document.updated_at).desc())
    ).first()
    rounds, last_decided = _review_rounds(session, task.id)
    item: dict[str, Any] = {
        "id": task.id,
        "title": task.title,
        "priority": str(task.priority),
        "assignees": [agent_names.get(a, "?") for a in assignee_ids(session, task.id)],
        "in_review_since": (task.status_changed_at or task.updated_at).isoformat(),
        "review_round": max(1, rounds),
        "doc_id": 0,
        "doc_title": "",
        "doc_version": 0,
        "preview": "",
        "diff": [],
        "diff_note": "",
    }
    if doc is None or doc.id is None:
        item["diff_note"] = "No deliverable document is linked to this task; see its thread."
        return item
    item.update(doc_id=doc.id, doc_title=doc.title, doc_version=doc.version, preview=doc.content[:MAX_PREVIEW])
    previous = _version_at(session, doc.id, last_decided) if last_decided else None
    if previous is None:
        item["diff_note"] = "First review: the whole deliverable is new."
    elif previous.version == doc.version:
        item["diff_note"] = f"Unchanged since the previous review (v{doc.version})."
    else:
        item["diff"] = line_diff(previous.content, doc.content, MAX_DIFF_LINES)
        item["diff_note"] = f"Changes since the previous review: v{previous.version} → v{doc.version}"
    return item


def pending(*, session: Session, workspace_id: int) -> list[dict[str, Any]]:
    """Every task waiting in review, oldest first (the one waiting longest is decided first)."""
    names = {a.id or 0: a.name for a in session.exec(select(Agent).where(Agent.workspace_id == workspace_id))}
    tasks = session.exec(
        select(Task)
        .where(Task.workspace_id == workspace_id, Task.status == TaskStatus.review)
        .order_by(col(Task.status_changed_at), col(Task.id))
    ).all()
    return [review_item(session, t, names) for t in tasks]


def _in_review(session: Session, workspace_id: int, task_id: int) -> Task:
    """The task, held until the decision commits: of two decisions at once (two reviewers, a
    double tap), one wins and the other is told it came second (Conflict)."""
    task = get_in_workspace(session, Task, task_id, workspace_id, lock=True)
    if task.status != TaskStatus.review:
        raise Conflict(
            f"task {task_id} is in {task_flow.label(task.status)}, not in review: "
            "someone may have decided it already",
            details={"status": str(task.status)},
        )
    return task


def _mentions(session: Session, task_id: int) -> str:
    names = [
        a.name
        for a in session.exec(select(Agent).where(col(Agent.id).in_(assignee_ids(session, task_id))))
    ]
    return " ".join(f"@{n}" for n in names)


def approve(*, session: Session, workspace_id: int, task_id: int, actor: Actor, note: str = "") -> Task:
    """Review -> done, with the decision recorded in the thread."""
    _in_review(session, workspace_id, task_id)
    task = task_flow.move_task(session=session, workspace_id=workspace_id, task_id=task_id,
                               to=TaskStatus.done, actor=actor, note=note.strip())
    body = "✓ Approved." + (f" {note.strip()}" if note.strip() else "")
    messages.post_message(session=session, workspace_id=workspace_id, task_id=task_id, body=body,
                          actor=actor, type="status_update")
    return task


def reject(*, session: Session, workspace_id: int, task_id: int, reason: str, actor: Actor) -> Task:
    """Review -> in progress; the reason goes to the thread and the assignees are notified."""
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise Invalid("say what needs to change (a reason of at least 3 characters)",
                      details={"fields": {"reason": "required"}})
    _in_review(session, workspace_id, task_id)
    task = task_flow.move_task(session=session, workspace_id=workspace_id, task_id=task_id,
                               to=TaskStatus.in_progress, actor=actor, note=reason)
    who = _mentions(session, task_id)
    messages.post_message(session=session, workspace_id=workspace_id, task_id=task_id,
                          body=f"↩️ Changes requested{' ' + who if who else ''}: {reason}", actor=actor,
                          type="status_update")
    return task
