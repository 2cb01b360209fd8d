"""Applying a reply: valid actions land through the services, invalid ones are refused with a
reason, nothing is half-applied, and the run records what actually changed."""

from __future__ import annotations

import json
import subprocess
import sys

from sqlmodel import func, select

from mission_control.drivers.protocol import DriverReply
from mission_control.heartbeat.schema import ACTION_SCHEMA, ACTION_TYPES
from mission_control.models import (
    Agent,
    AgentStatus,
    Document,
    HeartbeatTaskUsage,
    Message,
    Notification,
    Task,
    TaskStatus,
)
from mission_control.services import heartbeats, tasks, working_state
from mission_control.services.actor import Actor

from .conftest import FakeDriver, commit, fresh, reply, runs


def _count(session, model, *where):
    session.commit()
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def test_good_actions_land_bad_ones_are_refused_with_reasons(session, workspace, make_agent, make_task, op_actor, beat, events):
    friday, vision = make_agent("Friday"), make_agent("Vision")
    mine = make_task("Build export", assignee_ids=[friday.id])
    theirs = make_task("Test plan", assignee_ids=[vision.id])
    driver = FakeDriver(reply(
        {"type": "set_task_status", "task_id": mine.id, "status": "in_progress"},
        {"type": "post_message", "task_id": mine.id, "body": "On it, @Vision please review later"},
        {"type": "launch_rockets", "target": "moon"},                                  # unknown
        {"type": "set_task_status", "task_id": mine.id, "status": "finished"},         # bad enum
        {"type": "set_task_status", "task_id": theirs.id, "status": "in_progress"},    # not its task
        {"type": "set_task_status", "task_id": mine.id, "status": "done"},             # skips columns
        {"type": "create_task", "title": "Split the export", "parent_task_id": mine.id,
         "subtasks": [{"title": "CSV"}, {"title": "XLSX", "assignees": ["Nobody"]}]},  # one bad subtask
        "not even an object",
        {"type": "create_task", "title": "Docs for export", "assignees": ["vision"],
         "subtasks": [{"title": "API reference", "assignees": ["Friday"]}]},
        {"type": "remember", "text": "export must stream rows", "tags": ["export"]},
        summary="Started the export and planned the docs",
    ))
    before_tasks = _count(session, Task)
    events.clear()
    out = beat(friday, driver)
    [run] = runs(session, friday.id)
    assert run.outcome == "ok" and out.outcome == "ok"
    refused = {r["index"]: r["reason"] for r in run.refused}
    assert set(refused) == {2, 3, 4, 5, 6, 7}
    assert "unknown action 'launch_rockets'" in refused[2]
    assert "status" in refused[3]
    assert "Friday is not assigned to task" in refused[4]
    assert "one column at a time" in refused[5]
    assert "no agent called 'Nobody'" in refused[6]
    assert run.flag == "6 action(s) refused"
    # The refused create_task left nothing behind: only "Docs" and its subtask were created.
    assert _count(session, Task) == before_tasks + 2
    assert fresh(session, Task, mine.id).status == TaskStatus.in_progress
    assert fresh(session, Task, theirs.id).status == TaskStatus.assigned
    titles = set(session.exec(select(Task.title)))
    assert {"Docs for export", "API reference"} <= titles and "Split the export" not in titles
    # Vision was mentioned and assigned to "Docs" (besides its own earlier task); nothing
    # refused was published.
    kinds = sorted((n.kind, n.task_id == mine.id) for n in session.exec(
        select(Notification).where(Notification.recipient_agent_id == vision.id)))
    assert kinds == [("assignment", False), ("assignment", False), ("mention", True)]
    published = [e.type for e in events]
    assert published.count("task.created") == 2 and "task.moved" in published
    changed = {c["event"] for c in run.changes}
    assert {"task.moved", "message.posted", "task.created", "agent.remembered"} <= changed


def test_claimed_progress_without_change_is_flagged(session, workspace, make_agent, make_task, op_actor, beat):
    agent = make_agent("Friday")
    task = make_task("Build export", assignee_ids=[agent.id])
    driver = FakeDriver(
        reply(summary="Finished the export and moved it to review."),            # words, no actions
        reply({"type": "assign", "task_id": task.id, "agent": "Friday"}),        # a no-op action
        reply(summary="nothing to do"),
    )
    assert beat(agent, driver).outcome == "unverified"
    [run] = runs(session, agent.id)
    assert run.flag == "claimed progress but changed nothing" and run.changes == []
    commit(tasks.update_task, workspace_id=workspace.id, task_id=task.id, data={"priority": "high"}, actor=op_actor)
    assert beat(agent, driver).outcome == "unverified"
    commit(tasks.update_task, workspace_id=workspace.id, task_id=task.id, data={"priority": "low"}, actor=op_actor)
    assert beat(agent, driver).outcome == "no_change"
    assert runs(session, agent.id)[-1].flag == ""


def test_working_notes_refuse_a_stale_replace_but_append(session, workspace, make_agent, op_actor, beat):
    agent = make_agent("Friday")
    commit(working_state.write, workspace_id=workspace.id, notes="v1", base_version=0, actor=op_actor)
    driver = FakeDriver(lambda req: reply(
        {"type": "update_working_notes", "notes": "mine", "mode": "replace",
         "base_version": req.context["working_md"]["version"] - 1},
        {"type": "update_working_notes", "notes": "appended by Friday"},
    ))
    beat(agent, driver)
    [run] = runs(session, agent.id)
    assert [r["index"] for r in run.refused] == [0]
    assert "changed since you read it" in run.refused[0]["reason"]
    state = working_state.read(session=session, workspace_id=workspace.id)
    assert (state.version, state.notes) == (2, "v1\n\nappended by Friday")


def test_a_reported_blocker_notifies_operators_and_shows_blocked_until_a_clean_run(
        session, workspace, make_agent, make_task, operator, op_actor, beat):
    agent = make_agent("Friday")
    task = make_task("Build export", assignee_ids=[agent.id])
    driver = FakeDriver(reply({"type": "report_blocker", "task_id": task.id, "reason": "no API credentials"}))
    beat(agent, driver)
    a = fresh(session, Agent, agent.id)
    assert (a.status, a.blocked_reason) == (AgentStatus.blocked, "no API credentials")
    [note] = session.exec(select(Notification).where(Notification.recipient_user_id == operator.id))
    assert note.kind == "blocker" and "no API credentials" in note.text
    commit(tasks.update_task, workspace_id=workspace.id, task_id=task.id, data={"priority": "high"}, actor=op_actor)
    beat(agent, driver)  # default reply: nothing to report
    assert fresh(session, Agent, agent.id).status == AgentStatus.idle


def test_tokens_are_recorded_per_run_and_per_task(session, workspace, make_agent, make_task, beat):
    agent = make_agent("Friday")
    t1 = make_task("One", assignee_ids=[agent.id])
    t2 = make_task("Two", assignee_ids=[agent.id])
    driver = FakeDriver(DriverReply(actions=[
        {"type": "post_message", "task_id": t1.id, "body": "a"},
        {"type": "post_message", "task_id": t2.id, "body": "b"},
        {"type": "write_document", "title": "Notes", "content": "x", "task_id": t2.id},
    ], tokens_in=1001, tokens_out=51))
    beat(agent, driver)
    [run] = runs(session, agent.id)
    assert (run.tokens_in, run.tokens_out) == (1001, 51)
    usage = {u.task_id: (u.tokens_in, u.tokens_out) for u in session.exec(select(HeartbeatTaskUsage))}
    assert usage == {t1.id: (501, 26), t2.id: (500, 25)}
    beat(agent, FakeDriver(DriverReply(actions=[{"type": "post_message", "task_id": t1.id, "body": "c"}],
                                       tokens_in=10, tokens_out=1)), trigger="manual")
    assert heartbeats.token_usage_by_task(session=session, workspace_id=workspace.id) == {
        t1.id: (501, 26), t2.id: (500, 25)}  # that wake had no news: skipped, nothing spent
    commit(tasks.update_task, workspace_id=workspace.id, task_id=t1.id, data={"priority": "high"},
           actor=Actor.system("test"))
    beat(agent, FakeDriver(DriverReply(actions=[{"type": "post_message", "task_id": t1.id, "body": "c"}],
                                       tokens_in=10, tokens_out=1)))
    assert heartbeats.token_usage_by_task(session=session, workspace_id=workspace.id, task_ids=[t1.id]) == {
        t1.id: (511, 27)}
    assert _count(session, Document, Document.task_id == t2.id) == 1


def test_a_run_that_only_had_messages_posted_records_them(session, workspace, make_agent, make_task, beat):
    agent = make_agent("Friday")
    task = make_task("Build export", assignee_ids=[agent.id])
    beat(agent, FakeDriver(reply({"type": "post_message", "task_id": task.id, "body": "hello"})))
    [run] = runs(session, agent.id)
    [msg] = session.exec(select(Message).where(Message.task_id == task.id))
    assert run.changes[0]["message_id"] == msg.id and msg.author_agent_id == agent.id


def test_the_action_schema_is_published():
    done = subprocess.run([sys.executable, "-m", "mission_control.heartbeat.schema"],
                          capture_output=True, text=True, timeout=60, check=True)
    printed = json.loads(done.stdout)
    assert printed == ACTION_SCHEMA
    listed = {d["properties"]["type"]["const"] for d in printed["$defs"].values() if "type" in d.get("properties", {})}
    assert listed == set(ACTION_TYPES) and len(listed) == 8
