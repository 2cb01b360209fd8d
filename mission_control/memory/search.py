"""Semantic search for people: one box over tasks, messages and documents ranked by meaning,
and "similar tasks" for a task page (and the orchestrator's matching and estimates).

Hits come from the vector store and are read back from the database, so a memory forgotten a
moment ago never shows even if its vector is still in the store. One result per source: its
best-matching passage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from mission_control.errors import Invalid, NotFound
from mission_control.memory.embedder import Embedder, get_embedder
from mission_control.memory.store import SHARED, Filter, MemoryStore, get_store
from mission_control.models import MemoryItem, Task, TaskStatus
from mission_control.services import memory, memory_index
from mission_control.services.common import get_in_workspace
from mission_control.services.tasks import assignee_ids

MAX_K = 50
MAX_QUERY = 1000


@dataclass(frozen=True)
class SearchHit:
    memory_id: int
    kind: str  # task | message | document | task_outcome | note
    score: float
    passage: str
    title: str
    source_type: str
    source_id: int | None
    task_id: int | None
    link: str | None  # where the UI shows it
    at: datetime


@dataclass(frozen=True)
class SimilarTask:
    task_id: int
    title: str
    status: str
    score: float
    assignee_ids: list[int]
    took_s: float | None  # created -> done, for done tasks (duration estimates)


def link_for(item: MemoryItem) -> str | None:
    if item.kind in ("task", "task_outcome") and item.task_id:
        return f"/tasks/{item.task_id}"
    if item.kind == "message" and item.task_id:
        return f"/tasks/{item.task_id}#message-{item.source_id}"
    if item.kind == "document":
        return f"/documents/{item.source_id}"
    return None


def _check_kinds(kinds: Sequence[str] | None) -> tuple[str, ...]:
    if not kinds:
        return memory.SEARCHABLE
    unknown = [k for k in kinds if k not in memory.KINDS]
    if unknown:
        raise Invalid(f"unknown kind {', '.join(unknown)}; use any of: {', '.join(memory.KINDS)}")
    return tuple(kinds)


def search(
    session: Session, workspace_id: int, query: str, k: int = 10, kinds: Sequence[str] | None = None, *,
    viewer_agent_id: int | None = None, store: MemoryStore | None = None, embedder: Embedder | None = None,
) -> list[SearchHit]:
    """Best first. An agent searching (`viewer_agent_id`) sees shared memories and its own
    private ones; operators see the whole workspace's."""
    query = " ".join((query or "").split())
    if not query:
        raise Invalid("type something to search for")
    if len(query) > MAX_QUERY:
        raise Invalid(f"a search is limited to {MAX_QUERY} characters")
    k = max(1, min(k, MAX_K))
    wanted = _check_kinds(kinds)
    vector = (embedder or get_embedder()).encode_one(query)
    agents = None if viewer_agent_id is None else (SHARED, viewer_agent_id)
    hits = (store or get_store()).search(vector, Filter(workspace_id=workspace_id, kinds=wanted, agent_ids=agents),
                                         k * 4)
    items = memory_index.live_items(session, (h.id for h in hits))
    out: list[SearchHit] = []
    seen: set[str] = set()
    for hit in hits:  # best first
        item = items.get(hit.id)
        if item is None or not memory_index.matches(item, hit.payload) or memory.source_key(item) in seen:
            continue
        seen.add(memory.source_key(item))
        out.append(SearchHit(memory_id=hit.id, kind=item.kind, score=round(hit.score, 4), passage=item.text, title=item.title,
                             source_type=item.source_type, source_id=item.source_id, task_id=item.task_id,
                             link=link_for(item), at=item.created_at))
        if len(out) == k:
            break
    return out


def similar_tasks(
    session: Session, task_id: int, k: int = 5, *, workspace_id: int | None = None,
    store: MemoryStore | None = None, embedder: Embedder | None = None,
) -> list[SimilarTask]:
    """Tasks of the same workspace whose title and description mean much the same, best first."""
    task = session.get(Task, task_id) if workspace_id is None else get_in_workspace(
        session, Task, task_id, workspace_id)
    if task is None:
        raise NotFound(f"task {task_id} does not exist")
    k = max(1, min(k, MAX_K))
    vector = (embedder or get_embedder()).encode_one(f"{task.title}\n\n{task.description}".strip())
    flt = Filter(workspace_id=task.workspace_id, kinds=("task",))
    hits = (store or get_store()).search(vector, flt, k * 3 + 3)
    items = memory_index.live_items(session, (h.id for h in hits))
    out: list[SimilarTask] = []
    seen = {task_id}
    for hit in hits:
        item = items.get(hit.id)
        other_id = item.source_id if item is not None else None
        if item is None or other_id is None or other_id in seen or not memory_index.matches(item, hit.payload):
            continue
        seen.add(other_id)
        other = session.get(Task, other_id)
        if other is None:
            continue
        took = ((other.status_changed_at - other.created_at).total_seconds()
                if other.status == TaskStatus.done else None)
        out.append(SimilarTask(task_id=other_id, title=other.title, status=str(other.status),
                               score=round(hit.score, 4), assignee_ids=assignee_ids(session, other_id),
                               took_s=took))
        if len(out) == k:
            break
    return out
