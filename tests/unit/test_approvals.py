"""Review checkpoints: approve closes, reject reopens with the reason in the thread, agents
cannot approve their own work, and the reviewer sees what changed since the last review."""

from __future__ import annotations

import pytest

from mission_control.errors import Conflict, Forbidden, Invalid
from mission_control.models import Notification, TaskStatus
from mission_control.services import approvals, documents, messages, task_flow, tasks
from mission_control.services.actor import Actor


@pytest.fixture
def in_review(session, workspace, make_agent, op_actor):  # type: ignore[no-untyped-def]
    friday = make_agent("Friday")
    task = tasks.create_task(session=session, workspace_id=workspace.id,
                             data={"title": "Write the report", "assignee_ids": [friday.id]}, actor=op_actor)
    for step in (TaskStatus.in_progress, TaskStatus.review):
        task_flow.move_task(session=session, workspace_id=workspace.id, task_id=task.id, to=step, actor=op_actor)
    doc = documents.create_document(session=session, workspace_id=workspace.id, title="Report",
                                    content="line one\nline two", task_id=task.id,
                                    actor=Actor.for_agent(friday.id, "Friday"))
    session.commit()
    return {"task": task.id, "friday": friday, "doc": doc.id}


def test_an_agent_cannot_approve_its_own_work(session, workspace, in_review):  # type: ignore[no-untyped-def]
    agent = Actor.for_agent(in_review["friday"].id, "Friday")
    with pytest.raises(Forbidden, match="an operator approves it"):
        task_flow.move_task(session=session, workspace_id=workspace.id, task_id=in_review["task"],
                            to=TaskStatus.done, actor=agent)


def test_approve_closes_the_task_and_says_so_in_the_thread(session, workspace, in_review, op_actor):  # type: ignore[no-untyped-def]
    [item] = approvals.pending(session=session, workspace_id=workspace.id)
    assert item["doc_title"] == "Report" and "line two" in item["preview"]
    assert item["diff_note"].startswith("First review")
    task = approvals.approve(session=session, workspace_id=workspace.id, task_id=in_review["task"], actor=op_actor)
    assert task.status == TaskStatus.done
    assert "Approved" in messages.thread(session=session, workspace_id=workspace.id, task_id=task.id)[-1].body
    assert approvals.pending(session=session, workspace_id=workspace.id) == []
    with pytest.raises(Conflict, match="not in review"):  # a second tap, or another reviewer, is told
        approvals.approve(session=session, workspace_id=workspace.id, task_id=in_review["task"], actor=op_actor)


def test_reject_needs_a_reason_reopens_and_notifies_the_assignee(session, workspace, in_review, op_actor):  # type: ignore[no-untyped-def]
    with pytest.raises(Invalid, match="what needs to change"):
        approvals.reject(session=session, workspace_id=workspace.id, task_id=in_review["task"], reason=" ",
                         actor=op_actor)
    task = approvals.reject(session=session, workspace_id=workspace.id, task_id=in_review["task"],
                            reason="Add the Q3 numbers", actor=op_actor)
    assert task.status == TaskStatus.in_progress
    last = messages.thread(session=session, workspace_id=workspace.id, task_id=task.id)[-1]
    assert "Add the Q3 numbers" in last.body and "@Friday" in last.body
    assert session.query(Notification).filter_by(recipient_agent_id=in_review["friday"].id).count() >= 1


def test_second_review_shows_what_changed_since_the_first(session, workspace, in_review, op_actor):  # type: ignore[no-untyped-def]
    approvals.reject(session=session, workspace_id=workspace.id, task_id=in_review["task"], reason="more detail",
                     actor=op_actor)
    documents.update_document(session=session, workspace_id=workspace.id, document_id=in_review["doc"],
                              content="line one\nline two, with detail", actor=op_actor)
    task_flow.move_task(session=session, workspace_id=workspace.id, task_id=in_review["task"],
                        to=TaskStatus.review, actor=op_actor)
    [item] = approvals.pending(session=session, workspace_id=workspace.id)
    assert item["review_round"] == 2
    assert "v1 → v2" in item["diff_note"]
    assert {"kind": "add", "text": "+line two, with detail"} in item["diff"]
    assert {"kind": "del", "text": "-line two"} in item["diff"]
