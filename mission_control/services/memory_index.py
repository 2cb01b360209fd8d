"""The indexer's bookkeeping on memory_item: what is pending, what got indexed, the lag, hits,
the per-agent cap, and the backfill that `reindex` runs. Embedding happens elsewhere
(mission_control/memory/indexer.py); these functions only read and write rows and never commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, delete, func, select, update

from mission_control.models import Document, MemoryItem, Message, Task, utcnow
from mission_control.services import memory


@dataclass(frozen=True)
class Lag:
    """How far the index is behind the database: rows waiting, and the oldest one's age."""

    pending: int
    oldest_at: datetime | None
    seconds: float


def pending_batch(session: Session, limit: int) -> list[MemoryItem]:
    return list(
        session.exec(
            select(MemoryItem).where(col(MemoryItem.indexed_at).is_(None)).order_by(col(MemoryItem.id)).limit(limit)
        )
    )


def pending_count(session: Session, workspace_id: int | None = None) -> int:
    query = select(func.count()).select_from(MemoryItem).where(col(MemoryItem.indexed_at).is_(None))
    if workspace_id is not None:
        query = query.where(MemoryItem.workspace_id == workspace_id)
    return int(session.exec(query).one())


def lag(session: Session, workspace_id: int | None = None, now: datetime | None = None) -> Lag:
    query = select(func.count(), func.min(MemoryItem.updated_at)).where(col(MemoryItem.indexed_at).is_(None))
    if workspace_id is not None:
        query = query.where(MemoryItem.workspace_id == workspace_id)
    count, oldest = session.exec(query).one()
    if oldest is not None and oldest.tzinfo is None:  # aggregates skip the column's type on SQLite
        oldest = oldest.replace(tzinfo=(now or utcnow()).tzinfo)
    if isinstance(oldest, str):
        oldest = datetime.fromisoformat(oldest).replace(tzinfo=(now or utcnow()).tzinfo)
    seconds = max(0.0, ((now or utcnow()) - oldest).total_seconds()) if oldest else 0.0
    return Lag(int(count), oldest, seconds)


def mark_indexed(session: Session, versions: dict[int, int], now: datetime) -> int:
    """Mark rows indexed, unless they changed again meanwhile (then they stay pending)."""
    done = 0
    for item_id, version in versions.items():
        result = session.exec(
            update(MemoryItem)  # type: ignore[call-overload]
            .where(col(MemoryItem.id) == item_id, col(MemoryItem.version) == version,
                   col(MemoryItem.forgotten_at).is_(None))
            .values(indexed_at=now)
        )
        done += result.rowcount
    return done


def purge(session: Session, versions: dict[int, int]) -> None:
    """Delete forgotten rows whose vectors are gone."""
    for item_id, version in versions.items():
        session.exec(
            delete(MemoryItem).where(  # type: ignore[call-overload]
                col(MemoryItem.id) == item_id, col(MemoryItem.version) == version,
                col(MemoryItem.forgotten_at).is_not(None),
            )
        )


def live_items(session: Session, ids: Iterable[int]) -> dict[int, MemoryItem]:
    wanted = list(ids)
    if not wanted:
        return {}
    rows = session.exec(
        select(MemoryItem).where(col(MemoryItem.id).in_(wanted), col(MemoryItem.forgotten_at).is_(None))
    )
    return {r.id: r for r in rows if r.id is not None}


def matches(item: MemoryItem, payload: dict[str, object]) -> bool:
    """Does a vector's payload describe this row? Not when the vector outlived its row (say a
    deleted workspace) and the id was used again: such a hit is skipped."""
    return (payload.get("workspace_id"), payload.get("kind"), payload.get("source_id")) == (
        item.workspace_id, item.kind, item.source_id or 0)


def note_hits(session: Session, ids: Iterable[int], now: datetime) -> None:
    """Memories put into a heartbeat count as used: they outlive unused ones under the cap."""
    wanted = list(ids)
    if wanted:
        session.exec(
            update(MemoryItem)  # type: ignore[call-overload]
            .where(col(MemoryItem.id).in_(wanted))
            .values(hits=MemoryItem.hits + 1, last_hit_at=now)
        )


def merge_duplicate(session: Session, keep: MemoryItem, drop: MemoryItem) -> None:
    """Two notes say the same: keep the newer wording, carry the older one's weight over."""
    keep.value += drop.value
    keep.hits += drop.hits
    keep.tags = sorted(set(keep.tags) | set(drop.tags))
    keep.created_at = min(keep.created_at, drop.created_at)
    session.add(keep)
    memory.forget_rows(session, [drop])


def enforce_cap(session: Session, agent_id: int, cap: int) -> int:
    """Forget an agent's least valuable private memories beyond `cap`: lowest value + hits
    first, the oldest first among equals."""
    count = int(session.exec(
        select(func.count()).select_from(MemoryItem)
        .where(MemoryItem.agent_id == agent_id, col(MemoryItem.forgotten_at).is_(None))
    ).one())
    if count <= cap:
        return 0
    doomed = session.exec(
        select(MemoryItem)
        .where(MemoryItem.agent_id == agent_id, col(MemoryItem.forgotten_at).is_(None))
        .order_by(col(MemoryItem.value) + col(MemoryItem.hits), col(MemoryItem.created_at), col(MemoryItem.id))
        .limit(count - cap)
    )
    return memory.forget_rows(session, doomed)


def mark_all_pending(session: Session, workspace_id: int | None = None) -> int:
    """Every live row (of one workspace) gets embedded again: its vectors were dropped."""
    query = update(MemoryItem).where(col(MemoryItem.forgotten_at).is_(None))
    if workspace_id is not None:
        query = query.where(col(MemoryItem.workspace_id) == workspace_id)
    # The version bump stops an indexer mid-batch from marking a row indexed whose vector the
    # rebuild has just dropped.
    result = session.exec(query.values(indexed_at=None, version=MemoryItem.version + 1))  # type: ignore[call-overload]
    return int(result.rowcount)


def purge_forgotten(session: Session) -> int:
    """After the store was dropped, forgotten rows have no vectors left to remove."""
    result = session.exec(delete(MemoryItem).where(col(MemoryItem.forgotten_at).is_not(None)))  # type: ignore[call-overload]
    return int(result.rowcount)


def backfill(session: Session, workspace_id: int | None = None) -> int:
    """Remember tasks, messages and documents that have no memories yet (data from before
    memory existed, or written while it was switched off)."""
    if not memory.enabled():
        return 0
    added = 0

    def known(source_type: str) -> set[int]:
        return {i for i in session.exec(
            select(MemoryItem.source_id).where(MemoryItem.source_type == source_type,
                                               col(MemoryItem.forgotten_at).is_(None))
        ) if i is not None}

    def scoped(model: type[Task] | type[Message] | type[Document]):  # type: ignore[no-untyped-def]
        query = select(model).order_by(col(model.id))
        return query if workspace_id is None else query.where(model.workspace_id == workspace_id)

    seen = known("task")
    titles: dict[int, str] = {}
    for task in session.exec(scoped(Task)):
        assert task.id is not None
        titles[task.id] = task.title
        if task.id not in seen:
            memory.remember_task(session, task)
            added += 1
    seen = known("message")
    for message in session.exec(scoped(Message)):
        if message.id not in seen:
            memory.remember_message(session, message, titles.get(message.task_id, ""))
            added += 1
    seen = known("document")
    for doc in session.exec(scoped(Document)):
        if doc.id not in seen:
            memory.remember_document(session, doc)
            added += 1
    return added
