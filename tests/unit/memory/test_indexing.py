"""Writes enqueue, the indexer embeds later; edits re-queue; deleting a source removes its
memories from the database and the store; the lag is visible; switched off, nothing is kept."""

from __future__ import annotations

from sqlmodel import col, select

from mission_control.db import session_scope
from mission_control.memory.indexer import index_pending
from mission_control.memory.store import Filter
from mission_control.models import MemoryItem, utcnow
from mission_control.services import agents, documents, memory_index, messages, tasks
from mission_control.services.actor import Actor

SYSTEM = Actor.system("test")



def items(session, **where):
    session.commit()
    query = select(MemoryItem).order_by(col(MemoryItem.id))
    for key, value in where.items():
        query = query.where(getattr(MemoryItem, key) == value)
    return list(session.exec(query))


def test_a_write_returns_before_its_embedding_and_the_indexer_catches_up(session, workspace, make_task, op_actor,
                                                                        store, index):
    task = make_task("Stream the CSV export", description="Large exports time out; stream rows instead.")
    messages.post_message(session=session, workspace_id=workspace.id, task_id=task.id, body="Rows are streamed now",
                          actor=op_actor)
    session.commit()
    pending = items(session)
    assert [(m.kind, m.indexed_at) for m in pending] == [("task", None), ("message", None)]
    assert store.count() == 0
    lag = memory_index.lag(session, workspace.id)
    assert lag.pending == 2 and lag.seconds >= 0
    report = index()
    assert report.indexed == 2
    assert memory_index.pending_count(session) == 0
    assert all(m.indexed_at is not None for m in items(session))
    assert store.count(Filter(workspace_id=workspace.id)) == 2


def test_editing_a_task_queues_it_again_and_unrelated_edits_do_not(session, workspace, make_task, op_actor, index):
    task = make_task("Login page", description="Build it")
    index()
    tasks.update_task(session=session, workspace_id=workspace.id, task_id=task.id, data={"priority": "high"},
                      actor=op_actor)
    assert memory_index.pending_count(session) == 0
    tasks.update_task(session=session, workspace_id=workspace.id, task_id=task.id,
                      data={"description": "Build it with SSO"}, actor=op_actor)
    [row] = items(session, kind="task")
    assert row.indexed_at is None and "SSO" in row.text and row.version == 2
    index()
    assert items(session, kind="task")[0].indexed_at is not None


def test_a_long_document_is_remembered_passage_by_passage_and_a_new_version_replaces_them(
        session, workspace, op_actor, store, index):
    body = "\n\n".join(f"Section {i}. " + "The deploy runbook explains rollback steps in detail. " * 10
                       for i in range(5))
    doc = documents.create_document(session=session, workspace_id=workspace.id, title="Runbook", content=body,
                                    actor=op_actor)
    index()
    first = items(session, source_type="document")
    assert len(first) >= 3 and all(len(m.text) <= 700 for m in first)
    assert store.count(Filter(source_type="document", source_id=doc.id)) == len(first)
    documents.update_document(session=session, workspace_id=workspace.id, document_id=doc.id,
                              content="Short now: roll back with one command.", actor=op_actor)
    index()
    now = items(session, source_type="document")
    assert [m.text for m in now] == ["Runbook Short now: roll back with one command."]
    assert store.count(Filter(source_type="document", source_id=doc.id)) == 1


def test_deleting_a_document_removes_its_memories_and_vectors(session, workspace, op_actor, store, index):
    doc = documents.create_document(session=session, workspace_id=workspace.id, title="Pricing notes",
                                    content="Enterprise tier costs more.", actor=op_actor)
    index()
    assert store.count() == 1
    documents.delete_document(session=session, workspace_id=workspace.id, document_id=doc.id, actor=op_actor)
    session.commit()
    [row] = items(session)
    assert row.forgotten_at is not None  # the indexer still has to remove its vector
    report = index()
    assert report.removed == 1
    assert items(session) == [] and store.count() == 0


def test_deleting_a_task_forgets_its_thread_and_subtasks_but_keeps_its_documents(
        session, workspace, make_task, make_agent, op_actor, store, index):
    parent = make_task("Launch campaign")
    child = make_task("Write the press release", parent_task_id=parent.id)
    messages.post_message(session=session, workspace_id=workspace.id, task_id=child.id, body="Draft attached",
                          actor=op_actor)
    documents.create_document(session=session, workspace_id=workspace.id, title="Press release",
                              content="We launch on Monday.", task_id=child.id, actor=op_actor)
    index()
    assert store.count() == 4
    tasks.delete_task(session=session, workspace_id=workspace.id, task_id=parent.id, actor=op_actor)
    index()
    left = items(session)
    assert [(m.kind, m.task_id) for m in left] == [("document", None)]
    assert store.count() == 1


def test_deleting_an_agent_forgets_its_private_notes(session, workspace, make_agent, store, index):
    agent = make_agent("Jarvis")
    from mission_control.services import agent_signals
    agent_signals.remember(session=session, workspace_id=workspace.id, agent_id=agent.id,
                           text="The staging password rotates on Fridays", actor=SYSTEM)
    agent_signals.remember(session=session, workspace_id=workspace.id, agent_id=agent.id,
                           text="Customers prefer weekly digests", shared=True, actor=SYSTEM)
    index()
    agents.delete_agent(session=session, workspace_id=workspace.id, agent_id=agent.id, actor=SYSTEM)
    index()
    assert [m.text for m in items(session)] == ["Customers prefer weekly digests"]
    assert store.count() == 1


def test_a_row_changed_while_it_was_being_embedded_stays_pending(session, workspace, make_task, op_actor, store,
                                                                 embedder):
    task = make_task("Rate limiter", description="first wording")
    ws_id, task_id = workspace.id, task.id
    session.commit()

    class EditsMeanwhile:
        def encode(self, texts):
            with session_scope() as other:  # someone edits the task while the model runs
                tasks.update_task(session=other, workspace_id=ws_id, task_id=task_id,
                                  data={"description": "second wording"}, actor=op_actor)
            return embedder.encode(texts)

    index_pending(session, store, EditsMeanwhile(), max_batches=1)
    [row] = items(session)
    assert row.indexed_at is None and "second wording" in row.text
    index_pending(session, store, embedder)
    assert items(session)[0].indexed_at is not None


def test_switched_off_nothing_is_remembered_until_reindex_backfills(session, workspace, make_task, op_actor, store,
                                                                    embedder, settings):
    settings(memory_enabled=False)
    make_task("Quarterly report")
    assert items(session) == []
    settings(memory_enabled=True)
    from mission_control.memory.indexer import reindex
    report = reindex(session, store, embedder)
    assert report.backfilled == 1 and report.index is not None and report.index.indexed == 1
    assert store.count() == 1


def test_reindex_rebuilds_a_lost_store_from_the_database(session, workspace, make_task, store, embedder, index):
    make_task("Fix flaky payment webhook")
    make_task("Translate onboarding emails")
    index()
    store.recreate()  # the vector store is lost
    assert store.count() == 0
    from mission_control.memory.indexer import reindex
    report = reindex(session, store, embedder)
    assert report.backfilled == 0 and report.queued == 2
    assert store.count() == 2
    assert all(m.indexed_at is not None and m.indexed_at <= utcnow() for m in items(session))
