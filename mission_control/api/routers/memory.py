"""Agent memory: semantic search, similar tasks, the indexing lag, and a rebuild (admin)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query

from mission_control.api.deps import Admin, PathId, Reader
from mission_control.api.errors import COMMON_RESPONSES
from mission_control.api.schemas import MemoryHitOut, MemoryStatus, ReindexOut, SimilarTaskOut
from mission_control.config import get_settings
from mission_control.db import read_session, session_scope
from mission_control.errors import Invalid
from mission_control.memory import search as memory_search
from mission_control.memory.indexer import reindex
from mission_control.memory.store import get_store
from mission_control.services import memory, memory_index

router = APIRouter(tags=["memory"], responses=COMMON_RESPONSES)

K = Annotated[int, Query(ge=1, le=memory_search.MAX_K, description="How many results.")]


def _enabled() -> None:
    if not memory.enabled():
        raise Invalid("agent memory is switched off on this server (MC_MEMORY_ENABLED=false)")


@router.get("/memory/search", response_model=list[MemoryHitOut], summary="Search by meaning")
def search_memory(
    who: Reader,
    q: Annotated[str, Query(min_length=1, max_length=memory_search.MAX_QUERY, description="What to look for.")],
    k: K = 10,
    kind: Annotated[list[str] | None, Query(description="Limit to these kinds (repeatable); "
                                              "default: task, message, document.")] = None,
) -> list[MemoryHitOut]:
    """Tasks, messages and documents (and notes and task verdicts, if asked for) ranked by how
    close they are in meaning to `q`, one passage per source. Agents see shared memories and
    their own private notes."""
    _enabled()
    with read_session() as session:
        hits = memory_search.search(session, who.workspace_id, q, k, kind, viewer_agent_id=who.agent_id)
    return [MemoryHitOut(**asdict(h)) for h in hits]


@router.get("/tasks/{task_id}/similar", response_model=list[SimilarTaskOut], summary="Similar tasks")
def similar_tasks(task_id: PathId, who: Reader, k: K = 5) -> list[SimilarTaskOut]:
    _enabled()
    with read_session() as session:
        found = memory_search.similar_tasks(session, task_id, k, workspace_id=who.workspace_id)
    return [SimilarTaskOut(**asdict(t)) for t in found]


@router.get("/memory/status", response_model=MemoryStatus, summary="Indexing lag")
def memory_status(who: Reader) -> MemoryStatus:
    settings = get_settings()
    with read_session() as session:
        lag = memory_index.lag(session, who.workspace_id)
    return MemoryStatus(enabled=settings.memory_enabled, backend=settings.memory_backend, pending=lag.pending,
                        lag_s=round(lag.seconds, 3), oldest_pending_at=lag.oldest_at)


@router.post("/memory/reindex", response_model=ReindexOut, status_code=202, summary="Rebuild the index (admin)")
def reindex_memory(who: Admin) -> ReindexOut:
    """Drop this workspace's vectors and queue every memory for embedding again (remembering
    sources that have no memory yet). Returns at once; watch `GET /memory/status`."""
    _enabled()
    with session_scope() as session:
        report = reindex(session, get_store(), None, workspace_id=who.workspace_id, index=False)
    return ReindexOut(backfilled=report.backfilled, queued=report.queued)
