"""`/documents/[doc_id]` state: the editor, saving against the version read, history, diff, restore.

The editor's text is the user's until they save or choose to drop it: a refused (stale) save,
a live update from someone else, or a failed restore never overwrites it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import reflex as rx

from mission_control.errors import Conflict, MissionControlError
from mission_control.services import document_views, documents
from mission_control.services.common import parse_id
from mission_control.state import live, toast
from mission_control.state.service_calls import off_loop, read, write
from mission_control.state.session import SessionState


@dataclass
class VersionRow:
    version: int = 0
    title: str = ""
    author: str = ""
    created_at: str = ""
    chars: int = 0


@dataclass
class DiffRow:
    kind: str = "equal"
    left_no: str = ""
    left: str = ""
    right_no: str = ""
    right: str = ""


class DocumentState(SessionState):
    document_id: int = 0
    found: bool = True
    loaded: bool = False
    doc_type: str = ""
    task_id: int = 0
    task_title: str = ""
    base_version: int = 0  # the version the editor's text started from
    latest_version: int = 0
    title_draft: str = ""
    draft: str = ""
    dirty: bool = False
    conflict: bool = False
    view: str = "edit"  # phones show one pane at a time: edit | preview
    versions: list[VersionRow] = []
    versions_shown: int = document_views.HISTORY_PAGE
    more_versions: bool = False  # older versions than those listed exist
    diff_open: bool = False
    diff_version: int = 0
    diff_against: str = "previous"  # previous | current | draft
    diff_left: int = 0
    diff_right: int = 0
    diff_added: int = 0
    diff_removed: int = 0
    diff_note: str = ""  # why there are no rows: the versions differ too much to compare
    diff_rows: list[DiffRow] = []
    restore_candidate: int = 0
    _saved_title: str = ""
    _saved_content: str = ""

    @rx.var
    def newer_elsewhere(self) -> bool:
        return self.latest_version > self.base_version

    def _detail(self) -> dict[str, Any] | None:
        try:
            return read(self.context(), document_views.document_detail, document_id=self.document_id,
                        versions=self.versions_shown)
        except MissionControlError:
            return None

    def load(self) -> None:
        """Read the document and put its latest text in the editor."""
        data = self._detail() if self.document_id else None
        self.loaded = True
        if data is None:
            self.found = False
            return
        self.found = True
        self._apply_meta(data)
        self._take_text(data)

    def _take_text(self, data: dict[str, Any]) -> None:
        self.title_draft = self._saved_title = data["title"]
        self.draft = self._saved_content = data["content"]
        self.base_version = data["version"]
        self.dirty = self.conflict = False

    def _apply_meta(self, data: dict[str, Any]) -> None:
        self.doc_type, self.task_id, self.task_title = data["type"], data["task_id"], data["task_title"]
        self.latest_version = data["version"]
        self.versions = [VersionRow(**v) for v in data["versions"]]
        self.more_versions = data["more_versions"]

    @rx.event
    def show_older_versions(self) -> None:
        self.versions_shown += document_views.HISTORY_PAGE
        self.refresh()

    def refresh(self) -> None:
        """Something changed somewhere: take the new history, and the new text only when this
        document has a newer version and the user has not typed (keystrokes reach the server
        up to a debounce later, so an unchanged document never rewrites the editor)."""
        if not self.document_id or not self.found:
            return
        data = self._detail()
        if data is None:
            return
        self._apply_meta(data)
        if not self.dirty and data["version"] != self.base_version:
            self._take_text(data)

    @rx.event
    def on_load(self) -> None:
        self.document_id = parse_id(self.router.page.params.get("doc_id", ""))
        self.loaded, self.diff_open, self.restore_candidate, self.view = False, False, 0, "edit"
        self.versions_shown = document_views.HISTORY_PAGE
        live.watch_tab(self.router.session.client_token, self.context())
        self.load()

    @rx.event
    def set_draft(self, value: str) -> None:
        self.draft = value
        self.dirty = value != self._saved_content or self.title_draft != self._saved_title

    @rx.event
    def set_title_draft(self, value: str) -> None:
        self.title_draft = value
        self.dirty = value != self._saved_title or self.draft != self._saved_content

    @rx.event
    def set_view(self, value: str | list[str]) -> None:
        self.view = value if value in ("edit", "preview") else "edit"

    def _save(self, base_version: int) -> Any:
        try:
            saved = write(
                self.context(),
                documents.update_document,
                document_id=self.document_id,
                content=self.draft,
                title=self.title_draft,
                base_version=base_version,
            ).version
        except Conflict as exc:
            self.conflict = True
            self.refresh()  # shows the newer version in the history; keeps the text
            current = exc.details.get("current_version", self.latest_version)
            return toast.error(
                f"Not saved: version {current} was saved while you were editing version "
                f"{self.base_version}. Your text is still here — compare it with the latest, "
                "then save yours over it or load the latest.",
                close_button=True,
                duration=10000,
            )
        except MissionControlError as exc:
            return toast.error(exc.message, close_button=True)
        unchanged = saved == base_version
        self.load()
        return toast.info("Nothing changed since the last version") if unchanged else toast.success(
            f"Saved version {saved}"
        )

    @rx.event
    @off_loop
    def save(self) -> Any:
        return self._save(self.base_version)

    @rx.event
    @off_loop
    def save_over_latest(self) -> Any:
        """After a conflict: the user has seen the newer version and saves theirs after it."""
        return self._save(self.latest_version)

    @rx.event
    def discard_and_load_latest(self) -> None:
        self.diff_open = False
        self.load()

    def _show(self, data: dict[str, Any], version: int, against: str) -> None:
        self.diff_version, self.diff_against = version, against
        self.diff_left, self.diff_right = data["left_version"], data["right_version"]
        self.diff_added, self.diff_removed = data["added"], data["removed"]
        self.diff_rows = [DiffRow(**r) for r in data["rows"]]
        self.diff_note = data["note"]
        self.diff_open = True

    @rx.event
    async def show_diff(self, version: int, against: str = "previous") -> Any:
        return await self._diff(version, against)

    async def _diff(self, version: int, against: str) -> Any:
        # In a thread: a diff is CPU work on text anyone may have written (textdiff caps it).
        ctx = self.context()
        try:
            if against == "draft":
                data = await asyncio.to_thread(
                    read, ctx, document_views.draft_diff, document_id=self.document_id, draft=self.draft)
            else:
                data = await asyncio.to_thread(
                    read, ctx, document_views.version_diff, document_id=self.document_id, version=version,
                    against=against)
        except MissionControlError as exc:
            return toast.error(exc.message, close_button=True)
        self._show(data, version, against)
        return None

    @rx.event
    async def compare_draft(self) -> Any:
        return await self._diff(self.latest_version, "draft")

    @rx.event
    async def set_diff_against(self, value: str) -> Any:
        return await self._diff(self.diff_version, value)

    @rx.event
    def set_diff_open(self, value: bool) -> None:
        self.diff_open = value

    @rx.event
    def ask_restore(self, version: int) -> None:
        self.restore_candidate = version

    @rx.event
    def set_restore_open(self, value: bool) -> None:
        if not value:
            self.restore_candidate = 0

    @rx.event
    @off_loop
    def confirm_restore(self) -> Any:
        version, self.restore_candidate = self.restore_candidate, 0
        before = self.latest_version
        try:
            saved = write(
                self.context(), documents.restore_version, document_id=self.document_id, version=version
            ).version
        except MissionControlError as exc:
            return toast.error(exc.message, close_button=True)
        self.diff_open = False
        self.load()
        if saved == before:
            return toast.info(f"Version {version} is the same as the latest: nothing to restore")
        return toast.success(f"Restored version {version} as version {saved}")
