"""A model endpoint that refuses the agent's key and echoes it back: the run fails, and neither
the run's error (shown on the agent's page) nor the logs hold the key."""

from __future__ import annotations

import json
import logging

from mission_control.heartbeat.breaker import BreakerPolicy
from mission_control.heartbeat.retry import RetryPolicy
from mission_control.services import agent_views

from ..drivers.llm_server import Answer, ScriptedServer
from .conftest import fast_config, runs

API_KEY = "sk-run-5d3c1b9a7e2f4068"
CONFIG = fast_config(retry=RetryPolicy(timeout_s=2, max_retries=1, base_s=0.01, max_s=0.02),
                     breaker=BreakerPolicy(threshold=3, cooldown_s=600))


def test_a_refused_key_echoed_by_the_endpoint_stays_out_of_the_run_and_the_logs(
        session, workspace, make_agent, make_task, beat, caplog):
    caplog.set_level(logging.DEBUG)
    app_log = logging.getLogger("mission_control")  # it may not propagate (observe/logs.py)
    app_log.addHandler(caplog.handler)

    def refuse(path, headers, body):  # as OpenAI does: "Incorrect API key provided: sk-..."
        return Answer(status=401, body={"error": {"message": f"Incorrect API key provided: "
                                                             f"{headers['authorization'][7:]}"}})

    try:
        with ScriptedServer(refuse) as server:
            agent = make_agent("Loki", driver_type="openai",
                               driver_config={"model": "m", "base_url": f"{server.url}/v1", "api_key": API_KEY})
            make_task("Build export", assignee_ids=[agent.id])
            out = beat(agent, None, config=CONFIG)
            assert server.requests and server.requests[0].headers["authorization"] == f"Bearer {API_KEY}"
    finally:
        app_log.removeHandler(caplog.handler)
    assert out.outcome == "failed" and "401" in out.error
    [run] = runs(session, agent.id)
    page = agent_views.agent_page(session=session, workspace_id=workspace.id, agent_id=agent.id)
    assert "401" in page["runs"][0]["error"]
    assert API_KEY not in out.error + run.error + json.dumps(page)
    assert API_KEY not in caplog.text
