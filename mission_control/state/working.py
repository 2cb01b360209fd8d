"""`/working`: the squad's WORKING.md — rendered view, notes editor, history, diff, restore."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import reflex as rx

from mission_control.components.diff import DiffLine
from mission_control.db import read_session, session_scope
from mission_control.errors import Conflict, MissionControlError
from mission_control.services import working_state
from mission_control.services.authz import Permission
from mission_control.services.textdiff import TooLargeToDiff, classify
from mission_control.state import live, toast
from mission_control.state.service_calls import off_loop
from mission_control.state.session import SessionState


@dataclass
class VersionRow:
    version: int = 0
    author: str = ""
    created_at: str = ""


def diff_lines(text: str) -> list[DiffLine]:
    return [DiffLine(**d) for d in classify(text.splitlines())]


def _diff(workspace_id: int, version: int) -> str:
    with read_session() as session:
        return working_state.diff(session=session, workspace_id=workspace_id, from_version=version - 1,
                                  to_version=version)


class WorkingState(SessionState):
    content: str = ""
    notes: str = ""
    version: int = 0
    author: str = ""
    updated_at: str = ""
    loaded: bool = False
    editing: bool = False
    draft: str = ""
    draft_base: int = 0
    versions: list[VersionRow] = []
    diff_version: int = 0
    diff: list[DiffLine] = []

    def refresh(self) -> None:
        ctx = self.context()
        with read_session() as session:
            state = working_state.read(session=session, workspace_id=ctx.workspace_id)
            history = working_state.history(session=session, workspace_id=ctx.workspace_id, limit=50)
        self.content, self.notes, self.version = state.content, state.notes, state.version
        self.author = state.author
        self.updated_at = state.updated_at.isoformat() if state.updated_at else ""
        self.versions = [VersionRow(v.version, v.author, v.created_at.isoformat()) for v in history]
        self.loaded = True

    @rx.event
    def on_load(self) -> None:
        self.editing, self.diff_version, self.diff = False, 0, []
        live.watch_tab(self.router.session.client_token, self.context())
        self.refresh()

    @rx.event
    def start_edit(self) -> None:
        self.editing, self.draft, self.draft_base = True, self.notes, self.version

    @rx.event
    def cancel_edit(self) -> None:
        self.editing = False

    @rx.event
    def set_draft(self, value: str) -> None:
        self.draft = value

    @rx.event
    @off_loop
    def save(self) -> Any:
        try:
            ctx = self.context().require(Permission.work)
            with session_scope() as session:
                working_state.write(session=session, workspace_id=ctx.workspace_id, notes=self.draft,
                                    actor=ctx.actor, base_version=self.draft_base)
        except Conflict as exc:
            # Keep the draft: the person re-reads the new version and saves again on top of it.
            self.refresh()
            self.draft_base = self.version
            return toast.warning(exc.message + " — your text is still in the editor.", close_button=True,
                                    duration=10000)
        except MissionControlError as exc:
            return toast.error(exc.message, close_button=True)
        self.editing = False
        self.refresh()
        return toast.success(f"WORKING.md saved as version {self.version}")

    @rx.event
    async def show_diff(self, version: int) -> Any:
        if version <= 1:
            self.diff_version, self.diff = version, [DiffLine("hunk", "the first version: nothing to compare")]
            return None
        try:
            # In a thread: a diff is CPU work on text anyone may have written (textdiff caps it).
            text = await asyncio.to_thread(_diff, self.context().workspace_id, version)
        except TooLargeToDiff as exc:
            self.diff_version, self.diff = version, [DiffLine("hunk", exc.message)]
            return None
        except MissionControlError as exc:
            return toast.error(exc.message)
        self.diff_version, self.diff = version, diff_lines(text) or [DiffLine("hunk", "no change in the notes")]
        return None

    @rx.event
    @off_loop
    def restore(self, version: int) -> Any:
        try:
            ctx = self.context().require(Permission.work)
            with session_scope() as session:
                working_state.restore(session=session, workspace_id=ctx.workspace_id, version=version,
                                      actor=ctx.actor, base_version=self.version)
        except MissionControlError as exc:
            self.refresh()
            return toast.error(exc.message, close_button=True)
        self.refresh()
        return toast.success(f"Version {version} restored as version {self.version}")
