"""Task verdicts and the heartbeat's `remember` action become memories; an agent's private
memory is bounded: near-duplicates merge, and past the cap the oldest low-value notes go."""

from __future__ import annotations

from sqlmodel import col, select

from mission_control.models import MemoryItem
from mission_control.services import agent_signals, documents, messages, task_flow
from mission_control.services.actor import Actor

from ..heartbeat.conftest import FakeDriver, reply

SYSTEM = Actor.system("test")


def live(session, **where):
    session.commit()
    session.expire_all()
    query = select(MemoryItem).where(col(MemoryItem.forgotten_at).is_(None)).order_by(col(MemoryItem.id))
    for key, value in where.items():
        query = query.where(getattr(MemoryItem, key) == value)
    return list(session.exec(query))


def test_approval_and_rejection_leave_a_record_of_ask_delivery_and_verdict(
        session, workspace, make_task, make_agent, op_actor, actor_for):
    friday = make_agent("Friday")
    task = make_task("Export invoices as CSV", description="Finance needs monthly CSV exports",
                     assignee_ids=[friday.id])
    for to in ("in_progress", "review"):
        task_flow.move_task(session=session, workspace_id=workspace.id, task_id=task.id, to=to,
                            actor=actor_for(friday))
    documents.create_document(session=session, workspace_id=workspace.id, title="invoices.csv spec",
                              content="columns...", task_id=task.id, actor=actor_for(friday))
    messages.post_message(session=session, workspace_id=workspace.id, task_id=task.id,
                          body="Missing the VAT column", actor=op_actor)
    task_flow.move_task(session=session, workspace_id=workspace.id, task_id=task.id, to="in_progress",
                        actor=op_actor)
    task_flow.move_task(session=session, workspace_id=workspace.id, task_id=task.id, to="review",
                        actor=actor_for(friday))
    task_flow.move_task(session=session, workspace_id=workspace.id, task_id=task.id, to="done", actor=op_actor)
    rejected, approved = live(session, kind="task_outcome")
    assert "sent back for rework by ops" in rejected.text and "Missing the VAT column" in rejected.text
    assert "Finance needs monthly CSV exports" in rejected.text and "invoices.csv spec" in rejected.text
    assert "approved by ops" in approved.text and approved.tags == ["approved"]
    assert approved.agent_id is None and approved.task_id == task.id  # shared with the squad


def test_the_remember_action_keeps_a_private_or_shared_note(session, workspace, make_agent, make_task, beat):
    friday = make_agent("Friday")
    task = make_task("Ship v2", assignee_ids=[friday.id])
    beat(friday, FakeDriver(reply(
        {"type": "remember", "text": "Deploys freeze on Fridays", "tags": ["Deploy"]},
        {"type": "remember", "text": "The client likes dark mode", "scope": "shared", "task_id": task.id},
    )))
    private, shared = live(session, kind="note")
    assert (private.text, private.agent_id, private.tags) == ("Deploys freeze on Fridays", friday.id, ["deploy"])
    assert (shared.agent_id, shared.task_id) == (None, task.id)


def test_a_repeated_note_merges_into_one_that_weighs_more(session, workspace, make_agent, index):
    jarvis = make_agent("Jarvis")
    for text in ("The staging database is reset every night at 2am",
                 "Staging database gets reset every night at 2 am",
                 "Invoices are sent on the first business day"):
        agent_signals.remember(session=session, workspace_id=workspace.id, agent_id=jarvis.id, text=text,
                               actor=SYSTEM)
        index()
    report_texts = [(m.text, m.value) for m in live(session, agent_id=jarvis.id)]
    assert report_texts == [("Staging database gets reset every night at 2 am", 2.0),
                            ("Invoices are sent on the first business day", 1.0)]


def test_past_the_cap_the_oldest_unused_notes_are_dropped_first(session, workspace, make_agent, index, settings,
                                                                store):
    settings(memory_agent_cap=3)
    jarvis = make_agent("Jarvis")
    notes = ["Use pnpm, not npm, in the web repo", "Alice owns the billing service",
             "Release notes go in CHANGELOG.md", "The VPN drops every 8 hours", "Logs are kept for 30 days"]
    for i, text in enumerate(notes):
        agent_signals.remember(session=session, workspace_id=workspace.id, agent_id=jarvis.id, text=text,
                               actor=SYSTEM)
        index()
        if i == 0:  # the first note proved useful in a heartbeat
            [first] = live(session, agent_id=jarvis.id)
            first.hits = 3
            session.add(first)
    kept = [m.text for m in live(session, agent_id=jarvis.id)]
    assert kept == ["Use pnpm, not npm, in the web repo", "The VPN drops every 8 hours", "Logs are kept for 30 days"]
    index()
    assert store.count() == 3  # the dropped ones' vectors are gone too


def test_a_reviewers_reason_is_part_of_the_outcome(session, workspace, make_task, make_agent, op_actor, actor_for):
    from mission_control.services import approvals

    friday = make_agent("Friday")
    task = make_task("Write the launch blog post", assignee_ids=[friday.id])
    for to in ("in_progress", "review"):
        task_flow.move_task(session=session, workspace_id=workspace.id, task_id=task.id, to=to,
                            actor=actor_for(friday))
    approvals.reject(session=session, workspace_id=workspace.id, task_id=task.id,
                     reason="Too long: cut it to 600 words", actor=op_actor)
    [outcome] = live(session, kind="task_outcome")
    assert "sent back for rework" in outcome.text and "Reviewer: Too long: cut it to 600 words" in outcome.text
