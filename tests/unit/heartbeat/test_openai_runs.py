"""Heartbeats of an `openai` agent against the scripted OpenAI-compatible server (real HTTP):
HTTP 500s retried, timeouts, malformed JSON, unknown actions — what the run records."""

from __future__ import annotations

from sqlmodel import select

from mission_control.heartbeat.breaker import BreakerPolicy
from mission_control.heartbeat.retry import RetryPolicy
from mission_control.models import Agent, HeartbeatTaskUsage, Task, TaskStatus

from ..drivers.llm_server import Answer, ScriptedServer, chat, context_of
from .conftest import fast_config, fresh, runs

CONFIG = fast_config(retry=RetryPolicy(timeout_s=0.3, max_retries=2, base_s=0.01, max_s=0.02),
                     breaker=BreakerPolicy(threshold=3, cooldown_s=600))


def _agent(make_agent, url):
    return make_agent("Friday", driver_type="openai", driver_config={"model": "scripted", "base_url": f"{url}/v1"})


def test_http_500s_are_retried_and_the_reply_applied(session, workspace, make_agent, make_task, beat):
    answers = iter([Answer(status=500, body="boom"), Answer(status=500, body="boom")])

    def handler(path, headers, body):
        step = next(answers, None)
        if step is not None:
            return step
        task_id = context_of(body)["tasks"][0]["id"]
        return chat({"actions": [{"type": "set_task_status", "task_id": task_id, "status": "in_progress"}],
                     "summary": "started"}, prompt_tokens=900, completion_tokens=40)

    with ScriptedServer(handler) as server:
        agent = _agent(make_agent, server.url)
        task = make_task("Build export", assignee_ids=[agent.id])
        out = beat(agent, None, config=CONFIG)
    assert (out.outcome, out.attempts, len(server.requests)) == ("ok", 3, 3)
    assert fresh(session, Task, task.id).status == TaskStatus.in_progress
    [run] = runs(session, agent.id)
    assert (run.driver, run.tokens_in, run.tokens_out, run.attempts) == ("openai", 900, 40, 3)
    assert session.exec(select(HeartbeatTaskUsage.tokens_in)).all() == [900]


def test_timeouts_fail_the_run_after_the_retries(session, workspace, make_agent, make_task, beat):
    with ScriptedServer(lambda p, h, b: Answer(delay=1.0, body={})) as server:
        agent = _agent(make_agent, server.url)
        make_task("Build export", assignee_ids=[agent.id])
        out = beat(agent, None, config=CONFIG)
        assert len(server.requests) == 3
    assert out.outcome == "failed" and "did not answer within 0.3 s" in out.error
    [run] = runs(session, agent.id)
    assert (run.outcome, run.attempts) == ("failed", 3)
    a = fresh(session, Agent, agent.id)
    assert (a.consecutive_failures, a.status) == (1, "idle")


def test_malformed_json_fails_at_once_and_nothing_is_applied(session, workspace, make_agent, make_task, beat):
    answers = iter([chat('{"actions": [{"type": "set_task_status", "task_id": 1,'), chat({"actions": []})])
    with ScriptedServer(lambda p, h, b: next(answers)) as server:
        agent = _agent(make_agent, server.url)
        task = make_task("Build export", assignee_ids=[agent.id])
        out = beat(agent, None, config=CONFIG)
        assert len(server.requests) == 1  # a bad format is not retried
        assert out.outcome == "failed" and "not JSON" in out.error
        assert fresh(session, Task, task.id).status == TaskStatus.assigned
        # The assignment was not delivered: the next wake tells the agent again.
        again = beat(agent, None, config=CONFIG)
    assert again.called
    assert [n["kind"] for n in context_of(server.requests[1].body)["notifications"]] == ["assignment"]


def test_unknown_actions_are_refused_and_recorded(session, workspace, make_agent, make_task, beat):
    def handler(path, headers, body):
        task_id = context_of(body)["tasks"][0]["id"]
        return chat({"actions": [{"type": "deploy_to_prod"},
                                 {"type": "post_message", "task_id": task_id, "body": "Looking into it"}],
                     "summary": "replied"})

    with ScriptedServer(handler) as server:
        agent = _agent(make_agent, server.url)
        make_task("Build export", assignee_ids=[agent.id])
        out = beat(agent, None, config=CONFIG)
    assert out.outcome == "ok"
    [run] = runs(session, agent.id)
    assert [(r["index"], r["stage"]) for r in run.refused] == [(0, "validate")]
    assert "unknown action 'deploy_to_prod'" in run.refused[0]["reason"]
    assert [c["event"] for c in run.changes] == ["message.posted"]
