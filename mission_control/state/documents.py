"""`/documents` state: the filtered list and the "new document" dialog."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx

from mission_control.errors import Invalid, MissionControlError, NotFound
from mission_control.models import DocumentType
from mission_control.services import document_views, documents
from mission_control.services.common import parse_id
from mission_control.state import live, toast
from mission_control.state.service_calls import off_loop, read, write
from mission_control.state.session import SessionState

ALL = "all"
NO_TASK = "none"
TYPES = [t.value for t in DocumentType]


@dataclass
class DocRow:
    id: int = 0
    title: str = ""
    type: str = ""
    version: int = 1
    task_id: int = 0
    task_title: str = ""
    excerpt: str = ""
    updated_at: str = ""


@dataclass
class TaskChoice:
    value: str = ""
    label: str = ""


class DocumentsState(SessionState):
    items: list[DocRow] = []
    loaded: bool = False
    filter_type: str = ALL
    search: str = ""
    dialog_open: bool = False
    new_title: str = ""
    new_type: str = DocumentType.deliverable.value
    new_task: str = NO_TASK
    task_choices: list[TaskChoice] = []
    errors: dict[str, str] = {}

    @rx.var
    def filtering(self) -> bool:
        return self.filter_type != ALL or bool(self.search.strip())

    def refresh(self) -> None:
        kind = "" if self.filter_type == ALL else self.filter_type
        rows = read(self.context(), document_views.document_list, type=kind, text=self.search)
        self.items = [DocRow(**r) for r in rows]
        self.loaded = True

    @rx.event
    def on_load(self) -> None:
        live.watch_tab(self.router.session.client_token, self.context())
        self.refresh()

    @rx.event
    def set_filter_type(self, value: str) -> None:
        self.filter_type = value if value in TYPES else ALL
        self.refresh()

    @rx.event
    def set_search(self, value: str) -> None:
        # A filter, never stored: a NUL (which PostgreSQL cannot compare) or a novel matches
        # nothing a shorter, NUL-free search would not.
        self.search = str(value).replace("\x00", "")[:200]
        self.refresh()

    @rx.event
    def clear_filters(self) -> None:
        self.filter_type, self.search = ALL, ""
        self.refresh()

    @rx.event
    def open_new(self) -> None:
        choices = read(self.context(), document_views.task_choices)
        self.task_choices = [TaskChoice(NO_TASK, "No task")] + [
            TaskChoice(str(c["id"]), f"#{c['id']} {c['title']}"[:80]) for c in choices
        ]
        self.new_title, self.new_type, self.new_task, self.errors = "", DocumentType.deliverable.value, NO_TASK, {}
        self.dialog_open = True

    @rx.event
    def set_dialog_open(self, value: bool) -> None:
        self.dialog_open = value

    @rx.event
    def set_new_title(self, value: str) -> None:
        self.new_title = value
        if value.strip():
            self.errors = {k: v for k, v in self.errors.items() if k != "title"}

    @rx.event
    def set_new_type(self, value: str) -> None:
        self.new_type = value

    @rx.event
    def set_new_task(self, value: str) -> None:
        self.new_task = value

    @rx.event
    @off_loop
    def create(self) -> Any:
        if not self.new_title.strip():
            self.errors = {"title": "Give the document a title."}
            return None
        task_id = parse_id(self.new_task) or None
        try:
            doc_id = write(
                self.context(), documents.create_document, title=self.new_title, type=self.new_type, task_id=task_id
            ).id
        except NotFound as exc:
            self.errors = {"task": exc.message}
            return None
        except Invalid as exc:
            fields = exc.details.get("fields", {})
            self.errors = {k: str(v) for k, v in fields.items()} if fields else {"form": exc.message}
            if "title" in self.errors and self.errors["title"] == "required":
                self.errors["title"] = "Give the document a title."
            return None
        except MissionControlError as exc:
            return toast.error(exc.message, close_button=True)
        self.dialog_open, self.errors = False, {}
        return rx.redirect(f"/documents/{doc_id}")
