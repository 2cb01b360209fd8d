"""Markdown documents with full version history."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from mission_control.api.deps import Cursor, Limit, PathId, QueryId, Reader, Worker
from mission_control.api.errors import COMMON_RESPONSES, CONFLICT_RESPONSE
from mission_control.api.schemas import (
    DocumentIn,
    DocumentOut,
    DocumentPut,
    DocumentSummary,
    Page,
    VersionOut,
)
from mission_control.db import read_session, session_scope
from mission_control.models import Document, DocumentType, DocumentVersion
from mission_control.services import documents, queries
from mission_control.services.common import get_in_workspace

router = APIRouter(prefix="/documents", tags=["documents"], responses=COMMON_RESPONSES)


@router.get("", response_model=Page[DocumentSummary], summary="List documents")
def list_documents(
    who: Reader,
    task_id: QueryId = None,
    type: DocumentType | None = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[DocumentSummary]:
    with read_session() as session:
        page = queries.list_documents(
            session=session,
            workspace_id=who.workspace_id,
            task_id=task_id,
            type=type,
            cursor=cursor,
            limit=limit,
        )
        return Page(
            items=[DocumentSummary.model_validate(d) for d in page.items],
            next_cursor=page.next_cursor,
        )


@router.post("", response_model=DocumentOut, status_code=201, summary="Create a document")
def create_document(body: DocumentIn, who: Worker) -> DocumentOut:
    with session_scope() as session:
        doc = documents.create_document(
            session=session,
            workspace_id=who.workspace_id,
            title=body.title,
            content=body.content,
            type=body.type,
            task_id=body.task_id,
            actor=who.actor(),
        )
        return DocumentOut.model_validate(doc)


@router.get("/{document_id}", response_model=DocumentOut, summary="Read a document")
def get_document(document_id: PathId, who: Reader) -> DocumentOut:
    with read_session() as session:
        return DocumentOut.model_validate(
            get_in_workspace(session, Document, document_id, who.workspace_id)
        )


@router.put(
    "/{document_id}",
    response_model=DocumentOut,
    summary="Save a new version",
    responses=CONFLICT_RESPONSE,
)
def put_document(document_id: PathId, body: DocumentPut, who: Worker) -> DocumentOut:
    """Send `base_version` (the version you read) to be refused (409) instead of overwriting."""
    with session_scope() as session:
        doc = documents.update_document(
            session=session,
            workspace_id=who.workspace_id,
            document_id=document_id,
            content=body.content,
            title=body.title,
            base_version=body.base_version,
            actor=who.actor(),
        )
        return DocumentOut.model_validate(doc)


@router.delete(
    "/{document_id}", status_code=204, response_class=Response, summary="Delete a document"
)
def delete_document(document_id: PathId, who: Worker) -> Response:
    with session_scope() as session:
        documents.delete_document(
            session=session,
            workspace_id=who.workspace_id,
            document_id=document_id,
            actor=who.actor(),
        )
    return Response(status_code=204)


def _version_out(row: DocumentVersion, *, content: bool) -> VersionOut:
    # Built field by field: validating the row would read its deferred text.
    return VersionOut(
        version=row.version, title=row.title, content=row.content if content else None,
        author_agent_id=row.author_agent_id, author_user_id=row.author_user_id, created_at=row.created_at,
    )


@router.get("/{document_id}/versions", response_model=Page[VersionOut], summary="Version history")
def list_versions(
    document_id: PathId,
    who: Reader,
    include: Annotated[Literal["content"] | None, Query(description="`content`: each version's text too.")] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[VersionOut]:
    """Oldest first, without each version's text unless `include=content` (or GET one version)."""
    with_content = include == "content"
    with read_session() as session:
        page = queries.list_versions(
            session=session, workspace_id=who.workspace_id, document_id=document_id,
            content=with_content, cursor=cursor, limit=limit,
        )
        return Page(items=[_version_out(v, content=with_content) for v in page.items],
                    next_cursor=page.next_cursor)


@router.get("/{document_id}/versions/{version}", response_model=VersionOut, summary="One version")
def get_version(document_id: PathId, version: PathId, who: Reader) -> VersionOut:
    with read_session() as session:
        row = documents.get_version(
            session=session, workspace_id=who.workspace_id, document_id=document_id, number=version
        )
        return _version_out(row, content=True)


@router.post(
    "/{document_id}/versions/{version}/restore",
    response_model=DocumentOut,
    summary="Restore an old version (as a new version)",
)
def restore_version(document_id: PathId, version: PathId, who: Worker) -> DocumentOut:
    with session_scope() as session:
        doc = documents.restore_version(
            session=session,
            workspace_id=who.workspace_id,
            document_id=document_id,
            version=version,
            actor=who.actor(),
        )
        return DocumentOut.model_validate(doc)
