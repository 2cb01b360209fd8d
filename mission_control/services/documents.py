"""Markdown documents with full version history: every change is a new version."""

from __future__ import annotations

from sqlmodel import Session, col, select

from mission_control.errors import Conflict, Invalid, NotFound
from mission_control.events import EventType
from mission_control.models import Document, DocumentType, DocumentVersion, Task, utcnow
from mission_control.services import memory
from mission_control.services.actor import Actor
from mission_control.services.agents import require_delete_grant
from mission_control.services.common import get_in_workspace
from mission_control.services.recording import record_change

MAX_CONTENT = 500_000


def _check(title: str, content: str) -> str:
    title = (title or "").strip()
    if not title:
        raise Invalid("a document needs a title", details={"fields": {"title": "required"}})
    if len(title) > 200:
        raise Invalid("a document title is limited to 200 characters")
    if len(content) > MAX_CONTENT:
        raise Invalid(f"a document is limited to {MAX_CONTENT} characters (this one has {len(content)})")
    return title


def _add_version(session: Session, doc: Document, actor: Actor) -> DocumentVersion:
    assert doc.id is not None
    version = DocumentVersion(
        workspace_id=doc.workspace_id,
        document_id=doc.id,
        version=doc.version,
        title=doc.title,
        content=doc.content,
        author_agent_id=actor.agent_id,
        author_user_id=actor.user_id,
    )
    session.add(version)
    return version


def create_document(
    *,
    session: Session,
    workspace_id: int,
    title: str,
    content: str = "",
    type: DocumentType | str = DocumentType.deliverable,
    task_id: int | None = None,
    actor: Actor,
) -> Document:
    title = _check(title, content)
    try:
        doc_type = DocumentType(type)
    except ValueError:
        allowed = ", ".join(t.value for t in DocumentType)
        raise Invalid(f"'{type}' is not a document type; use one of: {allowed}") from None
    if task_id is not None:
        get_in_workspace(session, Task, task_id, workspace_id)
    doc = Document(
        workspace_id=workspace_id,
        title=title,
        type=doc_type,
        task_id=task_id,
        content=content,
        version=1,
        created_by_agent_id=actor.agent_id,
        created_by_user_id=actor.user_id,
    )
    session.add(doc)
    session.flush()
    _add_version(session, doc, actor)
    session.flush()
    memory.remember_document(session, doc)
    record_change(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action=EventType.document_created,
        target_type="document",
        target_id=doc.id,
        task_id=task_id,
        text=f"{actor.name} created {doc_type.value} “{title}”",
        after={"title": title, "version": 1, "type": doc_type.value},
        details={"document_id": doc.id, "version": 1},
    )
    return doc


def update_document(
    *,
    session: Session,
    workspace_id: int,
    document_id: int,
    content: str,
    actor: Actor,
    title: str | None = None,
    base_version: int | None = None,
) -> Document:
    """Save a new version. `base_version` (the version the writer read) refuses lost updates."""
    # Held: two saves at once (PostgreSQL) take turns, so the second sees the first's version
    # (and its base_version is refused) instead of both writing version N+1.
    doc = get_in_workspace(session, Document, document_id, workspace_id, lock=True)
    if base_version is not None and base_version != doc.version:
        raise Conflict(
            f"document {document_id} changed since you opened it (you edited version "
            f"{base_version}, it is now version {doc.version}); reload and apply your edit again",
            details={"current_version": doc.version},
        )
    new_title = _check(title if title is not None else doc.title, content)
    if new_title == doc.title and content == doc.content:
        return doc  # nothing changed: no empty version
    before = {"title": doc.title, "version": doc.version}
    doc.title = new_title
    doc.content = content
    doc.version += 1
    doc.updated_at = utcnow()
    session.add(doc)
    _add_version(session, doc, actor)
    session.flush()
    memory.remember_document(session, doc)
    record_change(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action=EventType.document_updated,
        target_type="document",
        target_id=doc.id,
        task_id=doc.task_id,
        text=f"{actor.name} saved “{doc.title}” version {doc.version}",
        before=before,
        after={"title": doc.title, "version": doc.version},
        details={"document_id": doc.id, "version": doc.version},
    )
    return doc


def get_version(*, session: Session, workspace_id: int, document_id: int, number: int) -> DocumentVersion:
    doc = get_in_workspace(session, Document, document_id, workspace_id)
    row = session.exec(
        select(DocumentVersion).where(DocumentVersion.document_id == document_id, DocumentVersion.version == number)
    ).first()
    if row is None:
        raise NotFound(f"document {document_id} has no version {number} (latest is {doc.version})")
    return row


def versions(*, session: Session, workspace_id: int, document_id: int) -> list[DocumentVersion]:
    get_in_workspace(session, Document, document_id, workspace_id)
    return list(
        session.exec(
            select(DocumentVersion)
            .where(DocumentVersion.document_id == document_id)
            .order_by(col(DocumentVersion.version))
        )
    )


def restore_version(
    *, session: Session, workspace_id: int, document_id: int, version: int, actor: Actor
) -> Document:
    """Bring back an old version's content as a new version (history is never rewritten)."""
    old = get_version(session=session, workspace_id=workspace_id, document_id=document_id, number=version)
    return update_document(
        session=session,
        workspace_id=workspace_id,
        document_id=document_id,
        content=old.content,
        title=old.title,
        actor=actor,
    )


def delete_document(*, session: Session, workspace_id: int, document_id: int, actor: Actor) -> None:
    """Delete a document and its versions (the audit log keeps that it existed)."""
    doc = get_in_workspace(session, Document, document_id, workspace_id)
    require_delete_grant(session=session, actor=actor, what="documents")
    before = {"title": doc.title, "version": doc.version, "type": str(doc.type), "task_id": doc.task_id}
    memory.forget_source(session, "document", document_id)
    session.delete(doc)
    session.flush()
    record_change(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action=EventType.document_deleted,
        target_type="document",
        target_id=document_id,
        task_id=doc.task_id,
        text=f"{actor.name} deleted “{doc.title}”",
        before=before,
        details={"document_id": document_id},
    )
