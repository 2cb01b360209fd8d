"""Bodies for agent memory: search hits, similar tasks, the index's state, a reindex."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from mission_control.api.schemas.base import Out


class MemoryHitOut(Out):
    memory_id: int
    kind: str = Field(description="task, message, document, task_outcome or note.")
    score: float = Field(description="Cosine similarity to the query, higher is closer (at most 1).")
    passage: str = Field(description="The passage that matched.")
    title: str
    source_type: str
    source_id: int | None
    task_id: int | None
    link: str | None = Field(description="Where the UI shows it, e.g. /tasks/12#message-40.")
    at: datetime


class SimilarTaskOut(Out):
    task_id: int
    title: str
    status: str
    score: float
    assignee_ids: list[int]
    took_s: float | None = Field(description="Seconds from creation to done, for done tasks.")


class MemoryStatus(Out):
    enabled: bool
    backend: str
    pending: int = Field(description="Memories written but not embedded yet.")
    lag_s: float = Field(description="Age of the oldest pending memory, in seconds.")
    oldest_pending_at: datetime | None


class ReindexOut(Out):
    backfilled: int = Field(description="Tasks, messages and documents remembered for the first time.")
    queued: int = Field(description="Memories queued for embedding; the indexer works through them.")
