"""`/search`: one box over tasks, messages and documents, ranked by meaning."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import reflex as rx

from mission_control.db import read_session
from mission_control.errors import MissionControlError
from mission_control.memory import search as memory_search
from mission_control.services import memory_index
from mission_control.state.session import SessionState

# Hits less similar than this are loose associations, not answers: listed only on request.
LOOSE_BELOW = 0.2
KIND_LABELS = {"task": "task", "message": "message", "document": "document", "task_outcome": "review", "note": "note"}


@dataclass
class Hit:
    kind: str = ""
    score: float = 0.0
    title: str = ""
    passage: str = ""
    link: str = ""
    at: str = ""


def run_search(token: str, query: str, kind: str) -> tuple[list[Hit], int]:
    """(hits, memories still waiting to be indexed) — the embedding runs here, off the event loop."""
    from mission_control.state.session import current_context

    ctx = current_context(token)
    if not ctx.signed_in:
        return [], 0
    with read_session() as session:
        hits = memory_search.search(session, ctx.workspace_id, query, k=20, kinds=None if kind == "all" else [kind])
        pending = memory_index.pending_count(session, ctx.workspace_id)
    return [Hit(KIND_LABELS.get(h.kind, h.kind), h.score, h.title, h.passage[:600], h.link or "", h.at.isoformat())
            for h in hits], pending


class SearchState(SessionState):
    query: str = ""
    kind: str = "all"
    hits: list[Hit] = []
    loose: list[Hit] = []
    show_loose: bool = False
    searching: bool = False
    searched: bool = False
    pending: int = 0
    error: str = ""

    @rx.event
    def on_load(self) -> Any:
        asked = str(self.router.url.query_parameters.get("q", "") or "")
        if asked:  # a shared link (/search?q=...) runs its search
            self.query = asked
            return SearchState.submit({"q": asked})  # type: ignore[misc]
        return None

    @rx.event
    def toggle_loose(self) -> None:
        self.show_loose = not self.show_loose

    @rx.event
    def set_kind(self, value: str) -> Any:
        self.kind = value
        return SearchState.submit({"q": self.query}) if self.query.strip() else None  # type: ignore[misc]

    @rx.event(background=True)
    async def submit(self, form: dict[str, Any]) -> None:
        async with self:
            self.query = str(form.get("q", "")).strip()
            if not self.query:
                self.error = "Type what you are looking for, in your own words."
                return
            self.searching, self.error = True, ""
            token, query, kind = self.credential(), self.query, self.kind
        try:
            hits, pending = await asyncio.to_thread(run_search, token, query, kind)
            error = ""
        except MissionControlError as exc:
            hits, pending, error = [], 0, exc.message
        async with self:
            self.hits = [h for h in hits if h.score >= LOOSE_BELOW]
            self.loose = [h for h in hits if h.score < LOOSE_BELOW]
            self.pending, self.error, self.show_loose = pending, error, False
            self.searching, self.searched = False, True
