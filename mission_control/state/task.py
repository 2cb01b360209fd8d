"""Task detail state: thin handlers over the task, thread and dependency services."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import reflex as rx

from mission_control.db import read_session, session_scope
from mission_control.errors import MissionControlError
from mission_control.models.base import MAX_GIVEN_YEAR, MIN_GIVEN_YEAR, given_datetime
from mission_control.services import messages, task_detail, task_flow, tasks
from mission_control.services.authz import Permission
from mission_control.services.common import parse_id
from mission_control.state import live, toast
from mission_control.state.service_calls import off_loop
from mission_control.state.session import SessionState

_PARTIAL = re.compile(r"(?:^|\s)@([A-Za-z0-9_-]*)$")


@dataclass
class Reply:
    id: int = 0
    author: str = ""
    body: str = ""
    type: str = "comment"
    created_at: str = ""


@dataclass
class ThreadItem:
    id: int = 0
    author: str = ""
    body: str = ""
    type: str = "comment"
    created_at: str = ""
    replies: list[Reply] = field(default_factory=list)


@dataclass
class Ref:
    id: int = 0
    title: str = ""
    status: str = ""


@dataclass
class Person:
    id: int = 0
    name: str = ""


@dataclass
class HistoryItem:
    id: int = 0
    text: str = ""
    created_at: str = ""
    actor_name: str = ""


@dataclass
class SimilarRef:
    id: int = 0
    title: str = ""
    status: str = ""
    score: float = 0.0


def similar_for(token: str, task_id: int) -> list[SimilarRef]:
    """Tasks that mean much the same (for a person sizing or routing this one)."""
    from mission_control.memory.search import similar_tasks
    from mission_control.state.session import current_context

    ctx = current_context(token)
    if not ctx.signed_in or not task_id:
        return []
    try:
        with read_session() as session:
            hits = similar_tasks(session, task_id, k=5, workspace_id=ctx.workspace_id)
    except MissionControlError:
        return []
    return [SimilarRef(h.task_id, h.title, h.status, round(h.score, 2)) for h in hits if h.score >= 0.3]


class TaskState(SessionState):
    task_id: int = 0
    found: bool = True
    loaded: bool = False
    title: str = ""
    description: str = ""
    status: str = ""
    priority: str = ""
    due_at: str = ""
    parent_task_id: int = 0
    blocked: bool = False
    assignees: list[Person] = []
    agents: list[Person] = []
    people: list[str] = []
    subtasks: list[Ref] = []
    dependencies: list[Ref] = []
    thread: list[ThreadItem] = []
    history: list[HistoryItem] = []
    draft: str = ""
    reply_to: int = 0
    editing: bool = False
    description_draft: str = ""
    new_subtask: str = ""
    new_dependency: str = ""
    due_error: str = ""
    similar: list[SimilarRef] = []
    _ok: bool = True

    @rx.var
    def mention_suggestions(self) -> list[str]:
        match = _PARTIAL.search(self.draft)
        if not match:
            return []
        partial = match.group(1).lower()
        return [p for p in self.people if p.lower().startswith(partial)][:6]

    @rx.var
    def assignee_names(self) -> list[str]:
        return [a.name for a in self.assignees]

    def apply(self, data: dict[str, Any]) -> None:
        self.title, self.description = data["title"], data["description"]
        self.status, self.priority, self.due_at = data["status"], data["priority"], data["due_at"]
        self.parent_task_id, self.blocked = data["parent_task_id"], data["blocked"]
        self.assignees = [Person(**p) for p in data["assignees"]]
        self.agents = [Person(**p) for p in data["agents"]]
        self.people = data["people"]
        self.subtasks = [Ref(**r) for r in data["subtasks"]]
        self.dependencies = [Ref(**r) for r in data["dependencies"]]
        self.thread = [
            ThreadItem(**{**t, "replies": [Reply(**r) for r in t["replies"]]}) for t in data["thread"]
        ]
        self.history = [HistoryItem(**h) for h in data["history"]]
        self.found = self.loaded = True

    def refresh(self) -> None:
        if not self.task_id:
            return
        ctx = self.context()
        try:
            with read_session() as session:
                self.apply(task_detail.task_detail(session=session, workspace_id=ctx.workspace_id, task_id=self.task_id))
        except MissionControlError:
            self.found, self.loaded = False, True

    @rx.event
    def on_load(self) -> Any:
        self.task_id = parse_id(self.router.page.params.get("task_id", ""))
        self.draft, self.reply_to, self.editing, self.due_error = "", 0, False, ""
        self.loaded = False
        live.watch_tab(self.router.session.client_token, self.context())
        self.similar = []
        if not self.task_id:
            self.found, self.loaded = False, True
            return None
        self.refresh()
        return TaskState.load_similar  # off the event: the first search loads the model

    def _run(self, change: Callable[..., Any], success: str = "") -> Any:
        """Apply one change through the services; refused changes become an error toast."""
        try:
            ctx = self.context().require(Permission.work)
            with session_scope() as session:
                result = change(session=session, workspace_id=ctx.workspace_id, actor=ctx.actor)
        except MissionControlError as exc:
            self._ok = False
            return toast.error(exc.message, close_button=True)
        self._ok = True
        self.refresh()
        if isinstance(result, messages.PostResult) and result.unknown_mentions:
            names = ", ".join(f"@{n}" for n in result.unknown_mentions)
            return toast.warning(f"Posted, but nobody is called {names}: they were not notified")
        return toast.success(success) if success else None

    @rx.event
    def set_draft(self, value: str) -> None:
        self.draft = value

    @rx.event
    def pick_mention(self, name: str) -> None:
        self.draft = _PARTIAL.sub(lambda m: m.group(0)[: m.group(0).index("@")] + f"@{name} ", self.draft)

    @rx.event
    def start_reply(self, message_id: int) -> None:
        self.reply_to = message_id

    @rx.event
    def cancel_reply(self) -> None:
        self.reply_to = 0

    @rx.event
    @off_loop
    def send(self) -> Any:
        body, parent = self.draft, self.reply_to or None
        outcome = self._run(
            lambda **kw: messages.post_message(task_id=self.task_id, body=body, parent_message_id=parent, **kw)
        )
        if self._ok:  # keep the text if it was refused, so nothing typed is lost
            self.draft, self.reply_to = "", 0
        return outcome

    @rx.event
    @off_loop
    def move_to(self, status: str) -> Any:
        return self._run(lambda **kw: task_flow.move_task(task_id=self.task_id, to=status, **kw))

    @rx.event
    @off_loop
    def toggle_assignee(self, agent_id: int, on: bool) -> Any:
        change = tasks.assign if on else tasks.unassign
        return self._run(lambda **kw: change(task_id=self.task_id, agent_id=agent_id, **kw))

    @rx.event
    @off_loop
    def set_priority(self, value: str) -> Any:
        return self._run(lambda **kw: tasks.update_task(task_id=self.task_id, data={"priority": value}, **kw))

    @rx.event
    @off_loop
    def set_due(self, value: str) -> Any:
        """A date from the picker means the end of that day (UTC); empty clears it. A date the
        board cannot keep (year 275760, typed text) is refused next to the picker."""
        value = str(value or "")[:40]
        due = f"{value}T23:59:00+00:00" if value else None
        try:
            if due is not None:
                given_datetime(datetime.fromisoformat(due))
        except ValueError:
            self.due_error = f"Pick a due date from {MIN_GIVEN_YEAR} to {MAX_GIVEN_YEAR} (not {value!r})."
            return None
        self.due_error = ""
        return self._run(lambda **kw: tasks.update_task(task_id=self.task_id, data={"due_at": due}, **kw),
                         "Due date cleared" if not value else f"Due {value}")

    @rx.event(background=True)
    async def load_similar(self) -> None:
        async with self:
            task_id, token = self.task_id, self.credential()
        rows = await asyncio.to_thread(similar_for, token, task_id)
        async with self:
            if self.task_id == task_id:
                self.similar = rows

    @rx.event
    def start_edit(self) -> None:
        self.description_draft, self.editing = self.description, True

    @rx.event
    def set_description_draft(self, value: str) -> None:
        self.description_draft = value

    @rx.event
    def cancel_edit(self) -> None:
        self.editing = False

    @rx.event
    @off_loop
    def save_description(self) -> Any:
        text = self.description_draft
        outcome = self._run(
            lambda **kw: tasks.update_task(task_id=self.task_id, data={"description": text}, **kw), "Saved"
        )
        self.editing = not self._ok
        return outcome

    @rx.event
    def set_new_subtask(self, value: str) -> None:
        self.new_subtask = value

    @rx.event
    @off_loop
    def add_subtask(self) -> Any:
        title = self.new_subtask
        outcome = self._run(
            lambda **kw: tasks.create_task(data={"title": title, "parent_task_id": self.task_id}, **kw)
        )
        if self._ok:
            self.new_subtask = ""
        return outcome

    @rx.event
    def set_new_dependency(self, value: str) -> None:
        self.new_dependency = value

    @rx.event
    @off_loop
    def add_dependency(self) -> Any:
        depends_on = parse_id(self.new_dependency)
        if not depends_on:
            return toast.error("Type the number of the task this one waits for, e.g. 12")
        outcome = self._run(
            lambda **kw: task_flow.add_dependency(task_id=self.task_id, depends_on_id=depends_on, **kw)
        )
        if self._ok:
            self.new_dependency = ""
        return outcome

    @rx.event
    @off_loop
    def remove_dependency(self, depends_on_id: int) -> Any:
        return self._run(
            lambda **kw: task_flow.remove_dependency(task_id=self.task_id, depends_on_id=depends_on_id, **kw)
        )
