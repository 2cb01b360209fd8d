"""The background indexer: embeds pending memory rows in batches and keeps the store in step.

`index_pending(session, store, embedder)` does the work synchronously (tests, reindex);
`run_memory_indexer()` is the app's lifespan task: in the worker holding the "memory" lease it
indexes whenever a source event arrives on the bus, or every MC_MEMORY_POLL_S for writes made
by other processes. Each batch reads its rows and commits before embedding, so no transaction
is held open while the model runs.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from mission_control.config import get_settings
from mission_control.db import read_session, session_scope
from mission_control.events import Event, EventType, bus
from mission_control.heartbeat import context
from mission_control.memory.embedder import Embedder, get_embedder
from mission_control.memory.store import SHARED, Filter, MemoryStore, Point, get_store, payload_of
from mission_control.models import MemoryItem, utcnow
from mission_control.observe import health, metrics
from mission_control.services import memory_index

log = logging.getLogger(__name__)

# Source events after which there is likely something to embed or remove.
WATCHED = EventType.about("task", "document") | {
    EventType.message_posted, EventType.agent_remembered, EventType.agent_deleted}


@dataclass
class IndexReport:
    indexed: int = 0
    removed: int = 0
    merged: int = 0
    dropped: int = 0
    batches: int = 0


@dataclass(frozen=True)
class _Row:
    id: int
    version: int
    forgotten: bool
    text: str
    agent_id: int | None
    kind: str
    workspace_id: int
    payload: dict[str, Any]


def embed_text(row: MemoryItem) -> str:
    """What the model reads: a later passage of a document keeps its document's title."""
    if row.kind == "document" and row.chunk > 0 and row.title:
        return f"{row.title}: {row.text}"
    return row.text


def _snapshot(row: MemoryItem) -> _Row:
    assert row.id is not None
    return _Row(row.id, row.version, row.forgotten_at is not None, embed_text(row), row.agent_id, row.kind,
                row.workspace_id, payload_of(workspace_id=row.workspace_id, agent_id=row.agent_id, kind=row.kind,
                                             task_id=row.task_id, source_type=row.source_type,
                                             source_id=row.source_id))


def index_pending(
    session: Session, store: MemoryStore, embedder: Embedder, *, batch_size: int | None = None,
    max_batches: int | None = None,
) -> IndexReport:
    """Embed and upsert pending rows, remove forgotten ones, consolidate notes. Commits."""
    size = batch_size or get_settings().memory_batch_size
    report = IndexReport()
    while max_batches is None or report.batches < max_batches:
        rows = _take(session, size)
        session.commit()  # nothing held open while the model runs
        if not rows:
            break
        vectors = _embed(store, embedder, rows)
        _apply(session, store, rows, vectors, report)
        session.commit()
    return report


def _take(session: Session, size: int) -> list[_Row]:
    return [_snapshot(r) for r in memory_index.pending_batch(session, size)]


def _embed(store: MemoryStore, embedder: Embedder, rows: list[_Row]) -> list[Any]:
    """The store's side of a batch: forgotten points out, the others embedded and upserted."""
    live = [r for r in rows if not r.forgotten]
    store.delete([r.id for r in rows if r.forgotten])
    vectors = embedder.encode([r.text for r in live])
    store.upsert([Point(r.id, vec, r.payload) for r, vec in zip(live, vectors, strict=True)])
    return list(vectors)


def _apply(session: Session, store: MemoryStore, rows: list[_Row], vectors: list[Any], report: IndexReport) -> None:
    """The database's side of a batch (one write unit): marks, purges, merges and the cap."""
    settings = get_settings()
    report.batches += 1
    gone = {r.id: r.version for r in rows if r.forgotten}
    live = [r for r in rows if not r.forgotten]
    memory_index.purge(session, gone)
    report.removed += len(gone)
    report.indexed += memory_index.mark_indexed(session, {r.id: r.version for r in live}, utcnow())
    notes = [(r, vec) for r, vec in zip(live, vectors, strict=True) if r.kind == "note"]
    if notes:
        report.merged += _merge_duplicates(session, store, notes, settings.memory_duplicate_score)
        for agent_id in {r.agent_id for r, _ in notes if r.agent_id}:
            report.dropped += memory_index.enforce_cap(session, agent_id, settings.memory_agent_cap)


def _merge_duplicates(session: Session, store: MemoryStore, notes: list[tuple[_Row, Any]], threshold: float) -> int:
    """A note that says what an earlier note of the same scope said replaces it."""
    merged = 0
    for row, vector in notes:
        scope = Filter(workspace_id=row.workspace_id, agent_ids=(row.agent_id or SHARED,), kinds=("note",),
                       exclude_ids=(row.id,))
        hits = [h for h in store.search(vector, scope, 3) if h.score >= threshold]
        if not hits:
            continue
        items = memory_index.live_items(session, [row.id, *(h.id for h in hits)])
        keep = items.get(row.id)
        if keep is None:
            continue  # merged away already by a duplicate in the same batch
        for hit in hits:
            older = items.get(hit.id)
            if older is not None and older.forgotten_at is None:
                memory_index.merge_duplicate(session, keep, older)
                merged += 1
        session.flush()
    return merged


@dataclass
class ReindexReport:
    backfilled: int
    queued: int
    index: IndexReport | None


def reindex(session: Session, store: MemoryStore, embedder: Embedder | None, *, workspace_id: int | None = None,
            index: bool = True) -> ReindexReport:
    """Rebuild the vector index from the database (all of it, or one workspace's points).

    With `index=False` the rows are only queued: the running indexer embeds them."""
    backfilled = memory_index.backfill(session, workspace_id)
    if workspace_id is None:
        memory_index.purge_forgotten(session)
        store.recreate()
    else:
        store.delete_where(Filter(workspace_id=workspace_id))
    queued = memory_index.mark_all_pending(session, workspace_id)
    session.commit()
    report = index_pending(session, store, embedder) if index and embedder is not None else None
    return ReindexReport(backfilled, queued, report)


def _index_once(store: MemoryStore, embedder: Embedder) -> IndexReport:
    """index_pending, with each batch's writes one unit of work through the write gate (so
    on SQLite they take their turn with every other writer) and the model run outside it."""
    size = get_settings().memory_batch_size
    report = IndexReport()
    while True:
        with read_session() as session:
            rows = _take(session, size)
        if not rows:
            return report
        vectors = _embed(store, embedder, rows)
        with session_scope() as session:
            _apply(session, store, rows, vectors, report)


def _pending() -> float:
    with read_session() as session:
        return memory_index.pending_count(session)


def _lag_s() -> float:
    with read_session() as session:
        return memory_index.lag(session).seconds


@dataclass
class _Pass:
    """The indexer's last pass in this process, for /health."""

    held: bool = False
    failures: int = 0
    error: str = ""


def _health(last: _Pass) -> str:
    with read_session() as session:
        behind = memory_index.lag(session)
    waiting = f"{behind.pending} waiting, lag {behind.seconds:.1f} s"
    if not last.held:
        return f"indexed by another worker; {waiting}"
    if last.failures:  # the model, the store or the database: the error says which
        raise RuntimeError(f"indexing failed {last.failures}x in a row ({waiting}): {last.error}")
    return f"indexing; {waiting}"


def install_retrieval() -> None:
    from mission_control.memory import retrieval

    context.memory_provider = retrieval.provide


def uninstall_retrieval() -> None:
    from mission_control.memory import retrieval

    if context.memory_provider is retrieval.provide:
        context.memory_provider = None


async def run_memory_indexer(*, holder: str | None = None, poll_s: float | None = None,
                             store: MemoryStore | None = None, embedder: Embedder | None = None) -> None:
    """Lifespan task: run until cancelled. Register it once (`app.register_lifespan_task`)."""
    from mission_control.heartbeat.lease import Lease

    settings = get_settings()
    if not settings.memory_enabled:
        log.info("agent memory disabled (MC_MEMORY_ENABLED=false)")
        return
    install_retrieval()
    interval = poll_s if poll_s is not None else settings.memory_poll_s
    renew_s = settings.heartbeat_lease_renew_s
    lease = Lease("memory", holder=holder, ttl_s=settings.heartbeat_lease_ttl_s)
    loop = asyncio.get_running_loop()
    wake = asyncio.Event()

    def on_event(event: Event) -> None:
        if event.type in WATCHED:
            loop.call_soon_threadsafe(wake.set)

    unsubscribe = bus.subscribe(on_event)
    metrics.queue_depth("memory_index", _pending)
    metrics.register_gauge("mc_memory_index_lag_seconds", "Age of the oldest memory waiting to be embedded.", _lag_s)
    last = _Pass()
    health.register_check("memory", lambda: _health(last))
    renewed_at = -renew_s
    held = False
    try:
        while True:
            if time.monotonic() - renewed_at >= renew_s:
                try:
                    held = await asyncio.to_thread(lease.acquire_or_renew)
                    renewed_at = time.monotonic()
                except Exception:
                    log.exception("could not renew the memory indexer lease")
                    held = False
            last.held = held
            if held:
                try:
                    if store is None:
                        store = await asyncio.to_thread(get_store)
                    report = await asyncio.to_thread(_index_once, store, embedder or get_embedder())
                    last.failures, last.error = 0, ""
                    if report.batches:
                        log.info("memory indexed %d, removed %d, merged %d, dropped %d", report.indexed,
                                 report.removed, report.merged, report.dropped)
                except Exception as exc:  # the database or the store may be away for a moment
                    last.failures += 1
                    last.error = f"{type(exc).__name__}: {exc}"[:160]
                    log.exception("memory indexing failed; retrying")
            try:
                await asyncio.wait_for(wake.wait(), timeout=interval)
            except TimeoutError:
                pass
            wake.clear()
    finally:
        unsubscribe()
        metrics.queue_depth("memory_index", None)
        health.register_check("memory", None)
        uninstall_retrieval()
        if lease.held:
            try:
                await asyncio.to_thread(lease.release)
            except Exception:
                log.exception("could not release the memory indexer lease")
