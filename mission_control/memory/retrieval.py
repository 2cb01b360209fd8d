"""Memories for a heartbeat: what is relevant to the agent's open tasks and the mentions
waiting for it, from its private memories and the squad's shared ones.

One query per task and per mention, embedded in one batch; the best hits of all queries are
merged (a memory keeps its best score), de-duplicated (one passage per source, no repeated
text, nothing the context already shows) and cut to MC_MEMORY_CONTEXT_K. The context builder
then keeps as many as fit its size budget, and the run record lists them with their scores.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlmodel import Session

from mission_control.config import get_settings
from mission_control.memory.embedder import Embedder, get_embedder
from mission_control.memory.store import SHARED, Filter, Hit, MemoryStore, get_store
from mission_control.models import Agent, MemoryItem
from mission_control.services import memory_index
from mission_control.services.memory import source_key

TEXT_CHARS = 500


def recall(
    session: Session, *, workspace_id: int, agent_id: int | None, queries: Sequence[str], k: int,
    min_score: float, exclude: Collection[str] = (), store: MemoryStore | None = None,
    embedder: Embedder | None = None,
) -> list[tuple[MemoryItem, float]]:
    """The `k` best distinct memories for any of `queries`, best first."""
    queries = [q for q in queries if q.strip()]
    if not queries or k <= 0:
        return []
    store = store or get_store()
    vectors = (embedder or get_embedder()).encode(queries)
    scope = Filter(workspace_id=workspace_id, agent_ids=(SHARED,) if agent_id is None else (SHARED, agent_id))
    best: dict[int, Hit] = {}
    for vector in vectors:
        for hit in store.search(vector, scope, k * 3):
            if hit.score >= min_score and (hit.id not in best or hit.score > best[hit.id].score):
                best[hit.id] = hit
    items = memory_index.live_items(session, best)
    chosen: list[tuple[MemoryItem, float]] = []
    seen_sources: set[str] = set(exclude)
    seen_texts: set[str] = set()
    for hit in sorted(best.values(), key=lambda h: -h.score):
        item = items.get(hit.id)
        if item is None or not memory_index.matches(item, hit.payload):
            continue  # forgotten since; its vector goes on the indexer's next pass
        key, text = source_key(item), " ".join(item.text.lower().split())
        if key in seen_sources or text in seen_texts:
            continue
        seen_sources.add(key)
        seen_texts.add(text)
        chosen.append((item, hit.score))
        if len(chosen) == k:
            break
    return chosen


def provide(session: Session, agent: Agent, queries: list[str], exclude: set[str]) -> list[dict[str, Any]]:
    """The heartbeat context's memory hook (heartbeat/context.py `memory_provider`)."""
    settings = get_settings()
    assert agent.id is not None
    found = recall(session, workspace_id=agent.workspace_id, agent_id=agent.id, queries=queries,
                   k=settings.memory_context_k, min_score=settings.memory_min_score, exclude=exclude)
    out = []
    for item, score in found:
        text = item.text if len(item.text) <= TEXT_CHARS else item.text[: TEXT_CHARS - 1] + "…"
        out.append({
            "id": item.id, "kind": item.kind, "score": round(score, 3),
            "scope": "shared" if item.agent_id is None else "private", "task_id": item.task_id,
            "title": item.title, "text": text, "at": item.created_at.isoformat(),
        })
    return out
