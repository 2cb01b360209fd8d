"""The vector store interface and how the configured one is opened.

A point is one memory_item row: id = row id, a unit vector, and a payload for filtering
(workspace_id, agent_id with 0 for the shared scope, kind, task_id with 0 for none,
source_type, source_id, and scope = "workspace:agent"). The backends match an agent's view
(its workspace's shared memories plus its own) on `scope` alone: one indexed condition that
narrows the candidates, where a workspace condition matching every point would make the
engine scan them all (measured: ~2 ms against ~10 ms at 100k points). Every backend passes tests/unit/memory/test_store_contract.py.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from mission_control.config import Settings, get_settings

SHARED = 0  # agent_id in the payload of a memory every agent of the workspace may recall


@dataclass(frozen=True)
class Point:
    id: int
    vector: Sequence[float] | np.ndarray
    payload: dict[str, Any]


@dataclass(frozen=True)
class Hit:
    id: int
    score: float
    payload: dict[str, Any]


@dataclass(frozen=True)
class Filter:
    """Which points a search or count may see. Each field narrows; None means any."""

    workspace_id: int | None = None
    agent_ids: tuple[int, ...] | None = None  # e.g. (SHARED, 7): shared memories plus agent 7's
    kinds: tuple[str, ...] | None = None
    task_id: int | None = None
    source_type: str | None = None
    source_id: int | None = None
    exclude_ids: tuple[int, ...] = field(default=())


class MemoryStore(Protocol):
    name: str

    def upsert(self, points: Sequence[Point]) -> None: ...

    def delete(self, ids: Sequence[int]) -> None: ...

    def delete_where(self, flt: Filter) -> None: ...

    def search(self, vector: Sequence[float] | np.ndarray, flt: Filter, k: int) -> list[Hit]: ...

    def count(self, flt: Filter | None = None) -> int: ...

    def recreate(self) -> None:
        """Drop everything and start empty (reindex)."""
        ...

    def close(self) -> None: ...


def payload_of(*, workspace_id: int, agent_id: int | None, kind: str, task_id: int | None,
               source_type: str, source_id: int | None) -> dict[str, Any]:
    return {"workspace_id": workspace_id, "agent_id": agent_id or SHARED, "kind": kind,
            "task_id": task_id or 0, "source_type": source_type, "source_id": source_id or 0,
            "scope": scope_key(workspace_id, agent_id or SHARED)}


def scope_key(workspace_id: int, agent_id: int) -> str:
    return f"{workspace_id}:{agent_id}"


def scopes(flt: Filter) -> list[str] | None:
    """The `scope` values a filter on workspace and agents comes down to (None: not both set)."""
    if flt.workspace_id is None or flt.agent_ids is None:
        return None
    return [scope_key(flt.workspace_id, a) for a in flt.agent_ids]


def open_store(settings: Settings | None = None) -> MemoryStore:
    s = settings or get_settings()
    if s.memory_backend == "qdrant":
        from mission_control.memory.qdrant_store import QdrantStore

        if s.qdrant_url:
            return QdrantStore(url=s.qdrant_url, api_key=s.qdrant_api_key or None)
        return QdrantStore(path=str(s.resolved_memory_dir / "qdrant"))
    from mission_control.memory.edge_store import EdgeStore

    return EdgeStore(s.resolved_memory_dir / "edge")


_store: MemoryStore | None = None
_lock = threading.Lock()


def get_store() -> MemoryStore:
    """The process's store, opened on first use (the embedded one is one process's files)."""
    global _store
    with _lock:
        if _store is None:
            _store = open_store()
        return _store


def set_store(store: MemoryStore | None) -> MemoryStore | None:
    """Use `store` from now on (None: open the configured one on next use); returns the one it
    replaces, which stays open: whoever opened it closes it."""
    global _store
    with _lock:
        previous, _store = _store, store
        return previous
