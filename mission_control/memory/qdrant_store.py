"""Qdrant through qdrant-client: a Qdrant server (MC_QDRANT_URL) for deployments that outgrow
one machine, or the client's local mode (a path or ":memory:"), which speaks the same API and
is how the tests exercise this code path. Local mode is a numpy scan: fine for tests and small
squads, slow past ~20k points (see the memory benchmark)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from qdrant_client import QdrantClient, models

from mission_control.memory.embedder import DIM
from mission_control.memory.store import Filter, Hit, Point, scopes

COLLECTION = "mc_memory"
_KEYWORDS = ("kind", "source_type", "scope")
_INTEGERS = ("workspace_id", "agent_id", "task_id", "source_id")


def _filter(flt: Filter | None) -> models.Filter | None:
    if flt is None:
        return None
    must: list[Any] = []

    def exact(key: str, value: int | str | None) -> None:
        if value is not None:
            must.append(models.FieldCondition(key=key, match=models.MatchValue(value=value)))

    scope = scopes(flt)
    if scope is not None:
        must.append(models.FieldCondition(key="scope", match=models.MatchAny(any=scope)))
    else:
        exact("workspace_id", flt.workspace_id)
        if flt.agent_ids is not None:
            must.append(models.FieldCondition(key="agent_id", match=models.MatchAny(any=list(flt.agent_ids))))
    exact("task_id", flt.task_id)
    exact("source_type", flt.source_type)
    exact("source_id", flt.source_id)
    if flt.kinds is not None:
        must.append(models.FieldCondition(key="kind", match=models.MatchAny(any=list(flt.kinds))))
    must_not: list[Any] = [models.HasIdCondition(has_id=list(flt.exclude_ids))] if flt.exclude_ids else []
    if not must and not must_not:
        return None
    return models.Filter(must=must or None, must_not=must_not or None)


class QdrantStore:
    name = "qdrant"

    def __init__(self, *, url: str | None = None, api_key: str | None = None, path: str | None = None,
                 location: str | None = None, dim: int = DIM) -> None:
        if url:
            self.client = QdrantClient(url=url, api_key=api_key)
        elif path:
            self.client = QdrantClient(path=path)
        else:
            self.client = QdrantClient(location=location or ":memory:")
        self.dim = dim
        if not self.client.collection_exists(COLLECTION):
            self._create()

    def _create(self) -> None:
        self.client.create_collection(
            COLLECTION, vectors_config=models.VectorParams(size=self.dim, distance=models.Distance.COSINE)
        )
        with warnings.catch_warnings():  # local mode has no payload indexes and says so
            warnings.simplefilter("ignore")
            for key in _KEYWORDS:
                self.client.create_payload_index(COLLECTION, key, models.PayloadSchemaType.KEYWORD)
            for key in _INTEGERS:
                self.client.create_payload_index(COLLECTION, key, models.PayloadSchemaType.INTEGER)

    def upsert(self, points: Sequence[Point]) -> None:
        if not points:
            return
        structs = [models.PointStruct(id=p.id, vector=np.asarray(p.vector, dtype=np.float32).tolist(),
                                      payload=p.payload) for p in points]
        self.client.upsert(COLLECTION, points=structs, wait=True)

    def delete(self, ids: Sequence[int]) -> None:
        if ids:
            self.client.delete(COLLECTION, points_selector=models.PointIdsList(points=list(ids)), wait=True)

    def delete_where(self, flt: Filter) -> None:
        condition = _filter(flt)
        if condition is None:
            raise ValueError("refusing to delete every point: use recreate()")
        self.client.delete(COLLECTION, points_selector=models.FilterSelector(filter=condition), wait=True)

    def search(self, vector: Sequence[float] | np.ndarray, flt: Filter, k: int) -> list[Hit]:
        with warnings.catch_warnings():  # local mode warns past 20k points on every call
            warnings.simplefilter("ignore")
            found = self.client.query_points(
                COLLECTION, query=np.asarray(vector, dtype=np.float32).tolist(), query_filter=_filter(flt),
                limit=k, with_payload=True,
            ).points
        return [Hit(int(p.id), float(p.score), dict(p.payload or {})) for p in found]

    def count(self, flt: Filter | None = None) -> int:
        return int(self.client.count(COLLECTION, count_filter=_filter(flt), exact=True).count)

    def recreate(self) -> None:
        self.client.delete_collection(COLLECTION)
        self._create()

    def close(self) -> None:
        self.client.close()
