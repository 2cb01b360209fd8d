"""A squad at work: 10 agents (a builtin orchestrator and 9 `openai` agents driven by a scripted
model over real HTTP), 30 tasks arriving in three waves. Every task goes inbox -> assigned (by
the orchestrator) -> in progress -> review -> done after an operator's approval. Counted: driver
calls, skipped idle wakes; checked: no action applied twice, nothing refused."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlmodel import col, select

from mission_control.drivers import DriverRegistry
from mission_control.heartbeat.runner import Runner
from mission_control.models import AuditEvent, HeartbeatRun, Task, TaskStatus
from mission_control.services import approvals, tasks

from ..drivers.llm_server import ScriptedServer, chat, context_of
from .conftest import fast_config

CAPS = ["python", "writing", "research", "design", "testing", "analytics", "deploy", "sales", "security"]
WORKERS = ["Friday", "Loki", "Shuri", "Wanda", "Vision", "Fury", "Pepper", "Quill", "Strange"]
# Which worker (by index) each task of each wave needs: 12 + 10 + 8 = 30 tasks.
WAVES = [[0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5], [3, 4, 5, 6, 7, 8, 6, 7, 8, 3], [0, 2, 4, 6, 8, 0, 2, 4]]
PROMPT_TOKENS, COMPLETION_TOKENS = 800, 60


def scripted_model(path, headers, body):
    """Works every assigned task to review in one go; closes tasks an operator approved."""
    ctx = context_of(body)
    actions = []
    for task in ctx["tasks"]:
        if task["status"] == "assigned":
            actions += [
                {"type": "set_task_status", "task_id": task["id"], "status": "in_progress"},
                {"type": "post_message", "task_id": task["id"], "body": "Done: ready for review."},
                {"type": "set_task_status", "task_id": task["id"], "status": "review"},
            ]
    return chat({"actions": actions, "summary": f"{len(actions)} actions" if actions else "nothing to do"},
                prompt_tokens=PROMPT_TOKENS, completion_tokens=COMPLETION_TOKENS)


def test_thirty_tasks_through_a_squad_of_ten(session, workspace, make_agent, operator, op_actor, db, capsys):
    with ScriptedServer(scripted_model) as server:
        jarvis = make_agent("Jarvis", role="orchestrator", driver_type="builtin",
                            driver_config={"role": "orchestrator"})
        crew = [make_agent(name, capabilities=[cap], driver_type="openai",
                           driver_config={"model": "scripted", "base_url": f"{server.url}/v1"})
                for name, cap in zip(WORKERS, CAPS, strict=True)]

        async def play() -> list[str]:
            registry = DriverRegistry()
            runner = Runner(fast_config(), registry)
            log: list[str] = []

            async def everyone_but_orchestrator() -> None:
                outs = await asyncio.gather(*(runner.heartbeat(a.id) for a in crew))
                log.extend(o.outcome for o in outs)

            try:
                for wave in WAVES:
                    for n, who in enumerate(wave):
                        await asyncio.to_thread(_commit_task, workspace.id, f"{CAPS[who].title()} job {n}", op_actor)
                    # One interval: the orchestrator, then the workers (concurrently).
                    log.append((await runner.heartbeat(jarvis.id)).outcome)
                    await everyone_but_orchestrator()
                    await asyncio.to_thread(_approve_reviews, workspace.id, op_actor)
                    # The next interval: approvals closed the tasks, so nobody has anything new.
                    log.append((await runner.heartbeat(jarvis.id)).outcome)
                    await everyone_but_orchestrator()
                # A quiet interval: nothing is new for anyone.
                log.append((await runner.heartbeat(jarvis.id)).outcome)
                await everyone_but_orchestrator()
                return log
            finally:
                await registry.aclose()

        log = asyncio.run(play())
        http_calls = len(server.requests)

    session.commit()
    # Every task ended done; each step happened exactly once.
    statuses = Counter(session.exec(select(Task.status)))
    assert statuses == {TaskStatus.done: 30}
    moves = Counter((a.target_id, a.after["status"]) for a in session.exec(
        select(AuditEvent).where(AuditEvent.action == "task.moved")))
    assert len(moves) == 30 * 4 and set(moves.values()) == {1}, "a move was applied twice"
    assigned = Counter(a.target_id for a in session.exec(select(AuditEvent).where(AuditEvent.action == "task.assigned")))
    assert len(assigned) == 30 and set(assigned.values()) == {1}
    by_whom = {a.target_id: a.actor_name for a in session.exec(
        select(AuditEvent).where(AuditEvent.action == "task.moved", col(AuditEvent.after)["status"].as_string() == "assigned"))}
    assert set(by_whom.values()) == {"Jarvis"}
    # Calls and skips, against what the plan implies: per wave the orchestrator once, each
    # worker with new tasks once (an approval closes the task: nothing more for it to do);
    # everyone else skips.
    runs = list(session.exec(select(HeartbeatRun)))
    outcomes = Counter(r.outcome for r in runs)
    busy = [len(set(w)) for w in WAVES]
    expected_calls = sum(1 + b for b in busy)
    expected_skips = sum((9 - b) + 1 + 9 for b in busy) + 10
    called = [r for r in runs if r.outcome != "skipped"]
    assert len(called) == expected_calls and outcomes["skipped"] == expected_skips
    assert http_calls == expected_calls - len(WAVES)  # the orchestrator needs no model
    assert set(outcomes) == {"ok", "skipped"} and all(r.refused == [] for r in runs)
    assert sum(r.tokens_in for r in runs) == http_calls * PROMPT_TOKENS
    assert Counter(log) == outcomes
    with capsys.disabled():
        print(f"\n[scenario] {len(runs)} heartbeats: {len(called)} called the driver "
              f"({http_calls} model calls, {len(WAVES)} orchestrator), {outcomes['skipped']} skipped idle")


def _commit_task(workspace_id, title, actor):
    from mission_control.db import session_scope
    with session_scope() as s:
        tasks.create_task(session=s, workspace_id=workspace_id, data={"title": title}, actor=actor)


def _approve_reviews(workspace_id, actor):
    from mission_control.db import session_scope
    with session_scope() as s:
        for task in s.exec(select(Task).where(Task.status == TaskStatus.review)).all():
            approvals.approve(session=s, workspace_id=workspace_id, task_id=task.id, actor=actor)
