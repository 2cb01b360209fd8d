"""The vector store contract, run against every backend: the embedded default (qdrant-edge)
and qdrant-client (here in its local mode, which speaks the server's client API)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from mission_control.memory.edge_store import EdgeStore
from mission_control.memory.qdrant_store import QdrantStore
from mission_control.memory.store import SHARED, Filter, MemoryStore, Point, payload_of

DIM = 384


def open_backend(name: str, path: Path) -> MemoryStore:
    if name == "edge":
        return EdgeStore(path / "edge")
    return QdrantStore(path=str(path / "qdrant"))


@pytest.fixture(params=["edge", "qdrant"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MemoryStore]:
    store = open_backend(request.param, tmp_path)
    yield store
    store.close()


def unit(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
    return v / np.linalg.norm(v)


def near(v: np.ndarray, noise: float, seed: int) -> np.ndarray:
    w = v + noise * unit(seed)
    return w / np.linalg.norm(w)


def point(pid: int, vector: np.ndarray, *, ws: int = 1, agent: int | None = None, kind: str = "note",
          task: int | None = None, source: tuple[str, int] = ("agent", 1)) -> Point:
    return Point(pid, vector, payload_of(workspace_id=ws, agent_id=agent, kind=kind, task_id=task,
                                         source_type=source[0], source_id=source[1]))


def test_nearest_first_with_cosine_scores(backend: MemoryStore) -> None:
    q = unit(1)
    backend.upsert([point(1, near(q, 0.1, 2)), point(2, near(q, 1.0, 3)), point(3, unit(4))])
    hits = backend.search(q, Filter(workspace_id=1), 3)
    assert [h.id for h in hits] == [1, 2, 3]
    assert hits[0].score > 0.9 > hits[1].score > hits[2].score
    assert hits[0].payload["kind"] == "note"


def test_an_agent_sees_its_own_and_shared_memories_only(backend: MemoryStore) -> None:
    q = unit(1)
    backend.upsert([point(1, near(q, 0.1, 2), agent=7), point(2, near(q, 0.2, 3), agent=8),
                    point(3, near(q, 0.3, 4), agent=None), point(4, near(q, 0.1, 5), ws=2)])
    seen = backend.search(q, Filter(workspace_id=1, agent_ids=(SHARED, 7)), 10)
    assert sorted(h.id for h in seen) == [1, 3]
    assert [h.id for h in backend.search(q, Filter(workspace_id=1, agent_ids=(8,)), 10)] == [2]
    assert backend.count(Filter(workspace_id=1)) == 3
    assert backend.count() == 4


def test_filters_by_kind_task_and_excluded_ids(backend: MemoryStore) -> None:
    q = unit(1)
    backend.upsert([point(1, near(q, 0.1, 2), kind="task", task=5), point(2, near(q, 0.1, 3), kind="message", task=5),
                    point(3, near(q, 0.1, 4), kind="message", task=6)])
    assert sorted(h.id for h in backend.search(q, Filter(kinds=("message",)), 10)) == [2, 3]
    assert sorted(h.id for h in backend.search(q, Filter(task_id=5), 10)) == [1, 2]
    assert [h.id for h in backend.search(q, Filter(kinds=("message",), exclude_ids=(2,)), 10)] == [3]


def test_upsert_replaces_and_delete_removes(backend: MemoryStore) -> None:
    q = unit(1)
    backend.upsert([point(1, unit(9), kind="note"), point(2, unit(10))])
    backend.upsert([point(1, q, kind="document", source=("document", 3))])
    hits = backend.search(q, Filter(), 1)
    assert hits[0].id == 1 and hits[0].payload["kind"] == "document" and hits[0].score > 0.99
    assert backend.count() == 2
    backend.delete([1])
    assert [h.id for h in backend.search(q, Filter(), 5)] == [2]
    backend.delete([])  # a no-op, not an error


def test_delete_where_removes_one_source(backend: MemoryStore) -> None:
    backend.upsert([point(i, unit(i), source=("document", 3 if i < 4 else 4)) for i in range(1, 7)])
    backend.delete_where(Filter(source_type="document", source_id=3))
    assert backend.count() == 3
    assert backend.count(Filter(source_id=4)) == 3
    with pytest.raises(ValueError):
        backend.delete_where(Filter())


def test_recreate_empties_and_the_store_survives_a_reopen(backend: MemoryStore, tmp_path: Path) -> None:
    backend.upsert([point(i, unit(i)) for i in range(1, 4)])
    backend.recreate()
    assert backend.count() == 0
    backend.upsert([point(5, unit(5))])
    backend.close()
    kind = "edge" if isinstance(backend, EdgeStore) else "qdrant"
    again = open_backend(kind, tmp_path)
    try:
        assert again.count() == 1
        assert again.search(unit(5), Filter(), 1)[0].id == 5
    finally:
        again.close()
