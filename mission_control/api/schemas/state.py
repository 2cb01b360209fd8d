"""Bodies for the squad's WORKING.md."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from mission_control.api.schemas.base import In
from mission_control.services.working_state import MAX_NOTES


class WorkingMdOut(BaseModel):
    version: int = Field(description="0 until the first write; send it back as `base_version`.")
    content: str = Field(description="The whole document, rendered now from the board + notes.")
    notes: str = Field(description="The part people and agents write.")
    author: str = Field(description="Who wrote this version (empty before the first write).")
    updated_at: datetime | None


class WorkingMdPut(In):
    notes: str = Field(max_length=MAX_NOTES)
    base_version: int | None = Field(
        default=None,
        ge=0,
        le=2_147_483_647,
        description="The version you read; needed to replace, refused (409) if it changed.",
    )
    mode: Literal["replace", "append"] = Field(
        default="replace", description="`append` adds to the latest notes and needs no version."
    )


class WorkingMdVersionSummary(BaseModel):
    version: int
    author: str
    created_at: datetime


class WorkingMdVersionOut(WorkingMdVersionSummary):
    notes: str
    content: str = Field(description="The document as rendered when this version was written.")
