"""Documents and their version history (services/documents.py)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from mission_control.errors import Conflict, Invalid, NotFound
from mission_control.models import Document, DocumentVersion
from mission_control.services import documents


@pytest.fixture
def doc(session, workspace, op_actor):
    d = documents.create_document(
        session=session,
        workspace_id=workspace.id,
        title="Launch post",
        content="v1 text",
        actor=op_actor,
    )
    session.commit()
    return d


@pytest.fixture
def save(session, workspace, actor_for, operator):
    def do(document_id, content, **kw):
        kw.setdefault("actor", actor_for(operator))
        d = documents.update_document(
            session=session,
            workspace_id=workspace.id,
            document_id=document_id,
            content=content,
            **kw,
        )
        session.commit()
        return d

    return do


def _history(session, workspace_id, document_id):
    session.expire_all()
    return [
        (v.version, v.title, v.content)
        for v in documents.versions(
            session=session, workspace_id=workspace_id, document_id=document_id
        )
    ]


def test_create_document_is_version_1(session, workspace, make_task, op_actor, events):
    task = make_task("Blog")
    events.clear()
    d = documents.create_document(
        session=session,
        workspace_id=workspace.id,
        title="  Launch post ",
        content="# Hello",
        type="research",
        task_id=task.id,
        actor=op_actor,
    )
    session.commit()
    assert (d.title, d.version, d.type, d.task_id, d.created_by_user_id) == (
        "Launch post",
        1,
        "research",
        task.id,
        op_actor.id,
    )
    assert _history(session, workspace.id, d.id) == [(1, "Launch post", "# Hello")]
    assert [e.type for e in events] == ["document.created"]


def test_create_document_refuses_bad_input(session, workspace, op_actor, refused):
    err = refused(
        Invalid, documents.create_document, workspace_id=workspace.id, title="  ", actor=op_actor
    )
    assert err.details == {"fields": {"title": "required"}}
    err = refused(
        Invalid,
        documents.create_document,
        workspace_id=workspace.id,
        title="x",
        type="memo",
        actor=op_actor,
    )
    assert (
        err.message == "'memo' is not a document type; use one of: deliverable, research, protocol"
    )


def test_create_document_on_a_task_of_another_workspace_is_not_found(
    session, workspace, make_workspace, make_task, op_actor, refused
):
    other = make_workspace("other")
    foreign = make_task("Theirs", workspace_id=other.id)
    refused(
        NotFound,
        documents.create_document,
        workspace_id=workspace.id,
        title="Notes",
        task_id=foreign.id,
        actor=op_actor,
    )


def test_update_makes_version_2_and_keeps_version_1(
    session, workspace, doc, operator, save, events
):
    events.clear()
    saved = save(doc.id, "v2 text", base_version=1)
    assert (saved.version, saved.content) == (2, "v2 text")
    assert _history(session, workspace.id, doc.id) == [
        (1, "Launch post", "v1 text"),
        (2, "Launch post", "v2 text"),
    ]
    v2 = session.exec(select(DocumentVersion).where(DocumentVersion.version == 2)).one()
    assert v2.author_user_id == operator.id
    assert [e.type for e in events] == ["document.updated"]
    assert events[0].payload["version"] == 2


def test_an_update_that_changes_nothing_makes_no_version(session, workspace, doc, save, events):
    events.clear()
    saved = save(doc.id, "v1 text", title="Launch post")
    assert saved.version == 1
    assert len(_history(session, workspace.id, doc.id)) == 1
    assert events == []


def test_a_stale_update_is_refused_with_conflict(session, workspace, doc, save, op_actor, refused):
    save(doc.id, "someone else's edit", base_version=1)
    err = refused(
        Conflict,
        documents.update_document,
        workspace_id=workspace.id,
        document_id=doc.id,
        content="my edit on v1",
        base_version=1,
        actor=op_actor,
    )
    assert err.message == (
        f"document {doc.id} changed since you opened it (you edited version 1, it is now "
        "version 2); reload and apply your edit again"
    )
    assert err.details == {"current_version": 2}
    session.expire_all()
    assert session.get(Document, doc.id).content == "someone else's edit"


def test_restore_version_1_makes_version_3_with_its_content(
    session, workspace, doc, save, op_actor
):
    save(doc.id, "v2 text", title="Launch post (final)")
    restored = documents.restore_version(
        session=session, workspace_id=workspace.id, document_id=doc.id, version=1, actor=op_actor
    )
    session.commit()
    assert (restored.version, restored.title, restored.content) == (3, "Launch post", "v1 text")
    assert _history(session, workspace.id, doc.id) == [
        (1, "Launch post", "v1 text"),
        (2, "Launch post (final)", "v2 text"),
        (3, "Launch post", "v1 text"),
    ]


def test_restore_an_unknown_version_is_not_found(session, workspace, doc, op_actor, refused):
    err = refused(
        NotFound,
        documents.restore_version,
        workspace_id=workspace.id,
        document_id=doc.id,
        version=7,
        actor=op_actor,
    )
    assert err.message == f"document {doc.id} has no version 7 (latest is 1)"


def test_documents_of_another_workspace_are_not_found(
    session, make_workspace, doc, op_actor, refused
):
    other = make_workspace("other")
    refused(
        NotFound,
        documents.update_document,
        workspace_id=other.id,
        document_id=doc.id,
        content="hijack",
        actor=op_actor,
    )
    refused(
        NotFound,
        documents.restore_version,
        workspace_id=other.id,
        document_id=doc.id,
        version=1,
        actor=op_actor,
    )
    with pytest.raises(NotFound):
        documents.versions(session=session, workspace_id=other.id, document_id=doc.id)
