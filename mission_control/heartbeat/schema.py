"""The actions an agent may return, as pydantic models, and their published JSON schema.

A reply is `{"actions": [...], "summary": "..."}`. Each action is validated on its own, so
one bad action is refused (with the reason recorded) without losing the good ones.

Print the schema with `python -m mission_control.heartbeat.schema`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from mission_control.models import DocumentType, MessageType, Priority, TaskStatus

MAX_ACTIONS = 50


class _Action(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PostMessage(_Action):
    """Post in a task's thread; @name mentions notify agents and operators."""

    type: Literal["post_message"]
    task_id: int
    body: str = Field(min_length=1, max_length=20000)
    kind: MessageType = MessageType.comment
    reply_to: int | None = Field(default=None, description="id of the message this answers")


class SetTaskStatus(_Action):
    """Move one of your tasks to another column (one column forward at a time, or back)."""

    type: Literal["set_task_status"]
    task_id: int
    status: TaskStatus


class SubtaskSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=20000)
    assignees: list[str | int] = Field(default_factory=list, max_length=10)


class CreateTask(_Action):
    """Create a task (under `parent_task_id` for a subtask), optionally with subtasks."""

    type: Literal["create_task"]
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=20000)
    priority: Priority = Priority.medium
    parent_task_id: int | None = None
    assignees: list[str | int] = Field(default_factory=list, max_length=10, description="agent names or ids")
    depends_on: list[int] = Field(default_factory=list, max_length=20)
    due_at: datetime | None = None
    subtasks: list[SubtaskSpec] = Field(default_factory=list, max_length=20)

    @field_validator("due_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give a timezone, e.g. 2030-01-31T17:00:00Z")
        return value


class Assign(_Action):
    """Add an agent (by name or id) to a task; an inbox task moves to assigned."""

    type: Literal["assign"]
    task_id: int
    agent: str | int


class WriteDocument(_Action):
    """Create a document, or save a new version of `document_id` (give the version you read)."""

    type: Literal["write_document"]
    title: str = Field(min_length=1, max_length=200)
    content: str = Field(max_length=500_000)
    doc_type: DocumentType = DocumentType.deliverable
    task_id: int | None = None
    document_id: int | None = None
    base_version: int | None = None


class UpdateWorkingNotes(_Action):
    """Change the notes section of WORKING.md. `replace` needs the version you read."""

    type: Literal["update_working_notes"]
    notes: str = Field(max_length=50_000)
    mode: Literal["replace", "append"] = "append"
    base_version: int | None = None


class Remember(_Action):
    """Keep a fact for later wakes: private to you, or shared with the whole squad."""

    type: Literal["remember"]
    text: str = Field(min_length=1, max_length=4000)
    tags: list[str] = Field(default_factory=list, max_length=10)
    scope: Literal["private", "shared"] = "private"
    task_id: int | None = None


class ReportBlocker(_Action):
    """Say you are stuck and why; operators are notified and you show as blocked."""

    type: Literal["report_blocker"]
    reason: str = Field(min_length=1, max_length=2000)
    task_id: int | None = None


Action = Annotated[
    PostMessage
    | SetTaskStatus
    | CreateTask
    | Assign
    | WriteDocument
    | UpdateWorkingNotes
    | Remember
    | ReportBlocker,
    Field(discriminator="type"),
]
ACTION_MODELS: dict[str, type[BaseModel]] = {
    "post_message": PostMessage,
    "set_task_status": SetTaskStatus,
    "create_task": CreateTask,
    "assign": Assign,
    "write_document": WriteDocument,
    "update_working_notes": UpdateWorkingNotes,
    "remember": Remember,
    "report_blocker": ReportBlocker,
}
ACTION_TYPES: tuple[str, ...] = tuple(ACTION_MODELS)
_action_adapter: TypeAdapter[Any] = TypeAdapter(Action)


class Reply(BaseModel):
    """What an agent answers to a wake."""

    actions: list[Action] = Field(default_factory=list, max_length=MAX_ACTIONS)
    summary: str = Field(default="", max_length=4000, description="one or two sentences on what you did")


ACTION_SCHEMA: dict[str, Any] = Reply.model_json_schema()


def parse_action(raw: Any) -> tuple[BaseModel | None, str]:
    """Validate one raw action: (model, "") or (None, the reason it was refused)."""
    if not isinstance(raw, dict):
        return None, f"an action is an object with a 'type', not {type(raw).__name__}"
    kind = raw.get("type")
    if kind not in ACTION_TYPES:
        return None, f"unknown action '{kind}'; known actions: {', '.join(ACTION_TYPES)}"
    try:
        return _action_adapter.validate_python(raw), ""
    except ValidationError as exc:
        parts = []
        for err in exc.errors()[:5]:
            loc = ".".join(str(p) for p in err["loc"][1:] or err["loc"]) or "action"
            parts.append(f"{loc}: {err['msg']}")
        return None, f"invalid {kind}: " + "; ".join(parts)


if __name__ == "__main__":
    print(json.dumps(ACTION_SCHEMA, indent=2))
