"""`/approvals`: tasks in review, approve or reject (with a reason) in one tap."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import reflex as rx

from mission_control.components.diff import DiffLine
from mission_control.db import read_session, session_scope
from mission_control.errors import MissionControlError
from mission_control.services import approvals
from mission_control.services.authz import Permission
from mission_control.state import live, toast
from mission_control.state.service_calls import off_loop
from mission_control.state.session import SessionState


@dataclass
class ReviewItem:
    id: int = 0
    title: str = ""
    priority: str = ""
    assignees: list[str] = field(default_factory=list)
    in_review_since: str = ""
    review_round: int = 1
    doc_id: int = 0
    doc_title: str = ""
    doc_version: int = 0
    preview: str = ""
    diff: list[DiffLine] = field(default_factory=list)
    diff_note: str = ""


class ApprovalsState(SessionState):
    items: list[ReviewItem] = []
    loaded: bool = False
    rejecting: int = 0  # the task whose reject sheet is open
    reason: str = ""
    reason_error: str = ""
    busy: int = 0

    def refresh(self) -> None:
        ctx = self.context()
        with read_session() as session:
            rows = approvals.pending(session=session, workspace_id=ctx.workspace_id)
        self.items = [ReviewItem(**{**r, "diff": [DiffLine(**d) for d in r["diff"]]}) for r in rows]
        self.loaded = True

    @rx.event
    async def on_load(self) -> None:
        self.rejecting, self.reason, self.reason_error = 0, "", ""
        live.watch_tab(self.router.session.client_token, self.context())
        await asyncio.to_thread(self.refresh)  # a diff per task in review: CPU work, off the loop

    def _decide(self, change: Any, task_id: int, done: str) -> Any:
        try:
            ctx = self.context().require(Permission.work)
            with session_scope() as session:
                change(session=session, workspace_id=ctx.workspace_id, task_id=task_id, actor=ctx.actor)
        except MissionControlError as exc:
            self.refresh()
            return toast.error(exc.message, close_button=True)
        self.refresh()
        return toast.success(done)

    @rx.event
    @off_loop
    def approve(self, task_id: int) -> Any:
        return self._decide(approvals.approve, task_id, f"#{task_id} approved and done")

    @rx.event
    def open_reject(self, task_id: int) -> None:
        self.rejecting, self.reason, self.reason_error = task_id, "", ""

    @rx.event
    def set_reject_open(self, value: bool) -> None:
        if not value:
            self.rejecting = 0

    @rx.event
    def set_reason(self, value: str) -> None:
        self.reason, self.reason_error = value, ""

    @rx.event
    @off_loop
    def confirm_reject(self) -> Any:
        if len(self.reason.strip()) < 3:
            self.reason_error = "Say what needs to change, so the agent can act on it."
            return None
        reason, task_id = self.reason, self.rejecting

        def change(**kw: Any) -> None:
            approvals.reject(reason=reason, **kw)

        result = self._decide(change, task_id, f"#{task_id} sent back with your reason")
        self.rejecting, self.reason = 0, ""
        return result
