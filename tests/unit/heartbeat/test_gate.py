"""The cheap gate: an idle wake is recorded as skipped and never reaches the driver; each kind
of news (assignment, mention, change on a task, WORKING.md, a task coming due, a wake request)
gets the agent called exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from mission_control.db import session_scope
from mission_control.errors import Invalid
from mission_control.models import Agent, AgentStatus, Notification, TaskStatus, utcnow
from mission_control.services import (
    agent_signals,
    agents,
    messages,
    task_flow,
    tasks,
    working_state,
)

from .conftest import FakeDriver, as_agent, commit, fresh, reply, runs


def test_idle_wake_is_skipped_and_the_driver_is_not_called(session, workspace, make_agent, beat):
    agent = make_agent("Friday")
    driver = FakeDriver()
    out = beat(agent, driver)
    assert (out.outcome, out.called, driver.calls) == ("skipped", False, [])
    [run] = runs(session, agent.id)
    assert (run.outcome, run.gate_reason, run.finished_at is not None) == ("skipped", "nothing new", True)
    assert fresh(session, Agent, agent.id).status == AgentStatus.idle


def test_an_assignment_wakes_once_and_own_changes_do_not_wake_again(session, workspace, make_agent, make_task, op_actor, beat):
    agent = make_agent("Friday")
    task = make_task("Build export")
    commit(tasks.assign, workspace_id=workspace.id, task_id=task.id, agent_id=agent.id, actor=op_actor)
    driver = FakeDriver(reply({"type": "set_task_status", "task_id": task.id, "status": "in_progress"},
                              {"type": "post_message", "task_id": task.id, "body": "Starting now"}))
    first = beat(agent, driver)
    assert (first.outcome, first.called) == ("ok", True)
    assert "unread notification" in first.gate_reason and "change on its tasks" in first.gate_reason
    assert [n["kind"] for n in driver.calls[0].context["notifications"]] == ["assignment"]
    assert [t["id"] for t in driver.calls[0].context["tasks"]] == [task.id]
    # Its own move and message are not news to it; the notification was delivered.
    second = beat(agent, driver)
    assert (second.outcome, len(driver.calls)) == ("skipped", 1)


def test_a_mention_or_a_change_by_someone_else_wakes_it(session, workspace, make_agent, make_task, op_actor, beat):
    agent, other = make_agent("Friday"), make_agent("Vision")
    task = make_task("Build export", assignee_ids=[agent.id])
    driver = FakeDriver()
    assert beat(agent, driver).called  # the assignment
    commit(messages.post_message, workspace_id=workspace.id, task_id=task.id, body="status?", actor=as_agent(other))
    out = beat(agent, driver)
    assert out.called and out.gate_reason == "change on its tasks"
    commit(messages.post_message, workspace_id=workspace.id, task_id=task.id, body="@Friday ping", actor=op_actor)
    out = beat(agent, driver)
    assert out.called and "unread notification" in out.gate_reason
    assert driver.calls[-1].context["notifications"][0]["kind"] == "mention"
    assert beat(agent, driver).outcome == "skipped"
    commit(task_flow.move_task, workspace_id=workspace.id, task_id=task.id, to=TaskStatus.inbox, actor=op_actor)
    assert beat(agent, driver).gate_reason == "change on its tasks"


def test_working_md_written_by_someone_else_wakes_it(session, workspace, make_agent, op_actor, beat):
    agent = make_agent("Friday")
    driver = FakeDriver(reply({"type": "update_working_notes", "notes": "my note", "mode": "append"}))
    commit(working_state.write, workspace_id=workspace.id, notes="Focus: launch", base_version=0, actor=op_actor)
    out = beat(agent, driver)
    assert (out.gate_reason, out.outcome) == ("WORKING.md changed", "ok")
    assert driver.calls[0].context["working_md"]["version"] == 1
    assert beat(agent, driver).outcome == "skipped"  # its own version 2 is not news


def test_a_task_coming_due_wakes_it_once(session, workspace, make_agent, make_task, beat):
    agent = make_agent("Friday")
    driver = FakeDriver()
    make_task("Weekly report", assignee_ids=[agent.id], due_at=utcnow() + timedelta(minutes=30))
    make_task("Next quarter", assignee_ids=[agent.id], due_at=utcnow() + timedelta(days=90))
    assert beat(agent, driver).called  # the assignments
    assert beat(agent, driver).outcome == "skipped"
    # Two quiet hours pass (moved back rather than slept): the report has entered the
    # due-soon window (1 h) since the agent last looked.
    with session_scope() as s:
        row = s.get(Agent, agent.id)
        row.hb_checked_at = row.hb_checked_at - timedelta(hours=2)
    out = beat(agent, driver)
    assert (out.called, out.gate_reason) == (True, "task coming due")
    assert beat(agent, driver).outcome == "skipped"


def test_wake_now_consumes_the_request_and_force_calls_the_driver(session, workspace, make_agent, op_actor, beat, events):
    agent = make_agent("Friday", driver_type="openai")
    driver = FakeDriver()
    commit(agent_signals.wake_agent, workspace_id=workspace.id, agent_id=agent.id, actor=op_actor)
    assert [e.type for e in events][-1] == "agent.wake_requested"
    out = beat(agent, driver, trigger="manual")
    assert (out.called, out.gate_reason) == (True, "wake requested")
    assert fresh(session, Agent, agent.id).wake_requested_at is None
    assert beat(agent, driver).outcome == "skipped"
    commit(agent_signals.wake_agent, workspace_id=workspace.id, agent_id=agent.id, actor=op_actor, force=True)
    assert beat(agent, driver).gate_reason == "forced wake"


def test_wake_now_is_refused_for_a_paused_agent(session, workspace, make_agent, op_actor, refused):
    bot = make_agent("Friday", driver_type="openai")
    agents.set_paused(session=session, workspace_id=workspace.id, agent_id=bot.id, paused=True, actor=op_actor)
    session.commit()
    err = refused(Invalid, agent_signals.wake_agent, workspace_id=workspace.id, agent_id=bot.id, actor=op_actor)
    assert "paused" in str(err)


def test_waking_an_external_agent_sends_it_a_wake_notification(session, workspace, make_agent, op_actor, events):
    ext = make_agent("Shuri")
    commit(agent_signals.wake_agent, workspace_id=workspace.id, agent_id=ext.id, actor=op_actor)
    assert [e.type for e in events][-2:] == ["notification.created", "agent.wake_requested"]
    assert events[-1].payload["via"] == "gateway"
    assert fresh(session, Agent, ext.id).wake_requested_at is None  # nothing for the engine
    note = session.exec(select(Notification).where(Notification.recipient_agent_id == ext.id)).one()
    assert (note.kind, note.text) == ("wake", "ops asked you to wake up")


def test_a_paused_agent_is_not_run(session, workspace, make_agent, op_actor, beat):
    agent = make_agent("Friday")
    commit(agents.set_paused, workspace_id=workspace.id, agent_id=agent.id, paused=True, actor=op_actor)
    out = beat(agent, FakeDriver())
    assert (out.outcome, runs(session, agent.id)) == ("paused", [])


@pytest.mark.parametrize("n_agents", [100])
def test_gate_cost_per_idle_heartbeat(session, workspace, make_agent, make_task, op_actor, beat, n_agents, capsys):
    """Measured, not just asserted: the gate plus the skipped-run record, per idle agent."""
    import asyncio
    import time

    from mission_control.drivers import DriverRegistry
    from mission_control.heartbeat.runner import Runner

    from .conftest import fast_config

    crew = [agents.create_agent(session=session, workspace_id=workspace.id,
                                data={"name": f"Bot{i}", "role": "dev"}, actor=op_actor) for i in range(n_agents)]
    session.commit()
    for i in range(0, n_agents, 4):  # some history so the probes have rows to skip over
        tasks.create_task(session=session, workspace_id=workspace.id,
                          data={"title": f"T{i}", "assignee_ids": [crew[i].id]}, actor=op_actor)
    session.commit()
    fake = FakeDriver()
    registry = DriverRegistry(overrides={f"agent:{a.id}": fake for a in crew})
    runner = Runner(fast_config(), registry)

    async def sweep() -> list[float]:
        out = []
        for a in crew:
            t0 = time.perf_counter()
            await runner.heartbeat(a.id)
            out.append(time.perf_counter() - t0)
        return out

    asyncio.run(sweep())  # first pass: the assigned ones are called
    called_first = len(fake.calls)
    times = asyncio.run(sweep())
    assert len(fake.calls) == called_first  # second pass: all idle, nobody called
    times.sort()
    with capsys.disabled():
        print(f"\n[gate] idle heartbeat over {n_agents} agents: median {times[len(times) // 2] * 1000:.2f} ms, "
              f"p95 {times[int(len(times) * 0.95)] * 1000:.2f} ms")
    assert times[len(times) // 2] < 0.05
