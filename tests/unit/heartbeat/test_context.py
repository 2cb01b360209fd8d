"""What a woken agent is told: its notifications, open tasks with thread excerpts, WORKING.md —
within the size budget, and what did not fit waits for the next wake."""

from __future__ import annotations

from mission_control.services import messages, working_state

from .conftest import FakeDriver, fast_config


def test_the_context_stays_within_budget_and_nothing_is_lost(session, workspace, make_agent, make_task, op_actor, beat):
    agent = make_agent("Friday")
    tasks = [make_task(f"Task {i}", description="d" * 900, assignee_ids=[agent.id]) for i in range(12)]
    for t in tasks:
        for j in range(4):
            messages.post_message(session=session, workspace_id=workspace.id, task_id=t.id,
                                  body=f"@Friday update {j} " + "x" * 300, actor=op_actor)
    working_state.write(session=session, workspace_id=workspace.id, notes="n" * 5000, base_version=0, actor=op_actor)
    session.commit()
    budget = 8000
    driver = FakeDriver()
    out = beat(agent, driver, config=fast_config(context_budget=budget))
    assert out.called
    first = driver.calls[0]
    assert len(first.prompt) <= budget * 1.05
    seen = {n["id"] for n in first.context["notifications"]}
    assert 0 < len(seen) < 12 + 48  # 12 assignments + 48 mentions did not all fit
    assert any("more notifications next time" in t for t in first.context["truncated"])
    assert first.context["tasks"] and all(t["description"] for t in first.context["tasks"])
    # The ones left out are told next time, and none twice.
    told = set(seen)
    for _ in range(20):
        out = beat(agent, driver, config=fast_config(context_budget=budget))
        if not out.called:
            break
        batch = {n["id"] for n in driver.calls[-1].context["notifications"]}
        assert not batch & told
        told |= batch
    assert len(told) == 60 and out.outcome == "skipped"


def test_the_context_shows_threads_dependencies_and_working_md(session, workspace, make_agent, make_task, op_actor, beat):
    friday, vision = make_agent("Friday"), make_agent("Vision")
    base = make_task("Schema", assignee_ids=[vision.id])
    task = make_task("Export", assignee_ids=[friday.id, vision.id], depends_on_ids=[base.id], priority="urgent")
    make_task("CSV part", parent_task_id=task.id)
    messages.post_message(session=session, workspace_id=workspace.id, task_id=task.id, body="@Friday stream it",
                          actor=op_actor)
    working_state.write(session=session, workspace_id=workspace.id, notes="Launch on Friday", base_version=0,
                        actor=op_actor)
    session.commit()
    driver = FakeDriver()
    beat(friday, driver)
    ctx = driver.calls[0].context
    [row] = ctx["tasks"]
    assert (row["title"], row["priority"], row["also_assigned"]) == ("Export", "urgent", ["Vision"])
    assert row["depends_on"] == [{"id": base.id, "status": "assigned"}]
    assert [s["title"] for s in row["subtasks"]] == ["CSV part"]
    assert [(m["by"], m["text"]) for m in row["thread"]] == [("@ops", "@Friday stream it")]
    assert ctx["working_md"]["version"] == 1 and "Launch on Friday" in ctx["working_md"]["content"]
    assert ctx["you"]["name"] == "Friday" and ctx["memories"] == []
