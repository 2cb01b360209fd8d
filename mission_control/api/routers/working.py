"""The squad's WORKING.md: read it, write its notes with the version you read, see history."""

from __future__ import annotations

from fastapi import APIRouter

from mission_control.api.deps import Cursor, Limit, PathId, Reader, Worker
from mission_control.api.errors import COMMON_RESPONSES, CONFLICT_RESPONSE
from mission_control.api.schemas import Page
from mission_control.api.schemas.state import (
    WorkingMdOut,
    WorkingMdPut,
    WorkingMdVersionOut,
    WorkingMdVersionSummary,
)
from mission_control.db import read_session, session_scope
from mission_control.services import queries, working_state

router = APIRouter(prefix="/state/working-md", tags=["working-md"], responses=COMMON_RESPONSES)


def _current(workspace_id: int) -> WorkingMdOut:
    with read_session() as session:
        state = working_state.read(session=session, workspace_id=workspace_id)
    return WorkingMdOut(
        version=state.version,
        content=state.content,
        notes=state.notes,
        author=state.author,
        updated_at=state.updated_at,
    )


@router.get("", response_model=WorkingMdOut, summary="Read WORKING.md")
def get_working_md(who: Reader) -> WorkingMdOut:
    return _current(who.workspace_id)


@router.put(
    "",
    response_model=WorkingMdOut,
    summary="Write the notes of WORKING.md",
    responses=CONFLICT_RESPONSE,
)
def put_working_md(body: WorkingMdPut, who: Worker) -> WorkingMdOut:
    """Send `base_version` (the version you read): if someone wrote since, the write is
    refused with 409 and `details.current_version`. `mode: append` needs no version."""
    with session_scope() as session:
        working_state.write(
            session=session,
            workspace_id=who.workspace_id,
            notes=body.notes,
            actor=who.actor(),
            base_version=body.base_version,
            mode=body.mode,
        )
    return _current(who.workspace_id)


@router.get(
    "/versions", response_model=Page[WorkingMdVersionSummary], summary="History, newest first"
)
def list_versions(who: Reader, cursor: Cursor = None, limit: Limit = 50) -> Page[WorkingMdVersionSummary]:
    """Without the text: GET one version for its notes and content."""
    with read_session() as session:
        page = queries.list_working_md_versions(
            session=session, workspace_id=who.workspace_id, cursor=cursor, limit=limit
        )
        items = [
            WorkingMdVersionSummary(version=r.version, author=working_state.author_name(session, r),
                                    created_at=r.created_at)
            for r in page.items
        ]
    return Page(items=items, next_cursor=page.next_cursor)


@router.get("/versions/{version}", response_model=WorkingMdVersionOut, summary="One version")
def get_version(version: PathId, who: Reader) -> WorkingMdVersionOut:
    with read_session() as session:
        row = working_state.get_version(
            session=session, workspace_id=who.workspace_id, version=version
        )
        return WorkingMdVersionOut(
            version=row.version,
            author=working_state.author_name(session, row),
            created_at=row.created_at,
            notes=row.notes,
            content=row.content,
        )
