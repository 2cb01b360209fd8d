"""One contract, every driver: the same behaviours asked of the openai driver (JSON and tool
output) and the webhook driver over real HTTP on 127.0.0.1, and of the builtin roles.

A driver returns a DriverReply of raw action dicts, or raises only DriverError: transient for
timeouts, refused connections, HTTP 5xx/429; BadReply for answers not in the format;
DriverConfigError when the agent is not set up; never anything else."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from outbound_allow import allowed

from mission_control import outbound
from mission_control.drivers.openai import OpenAIDriver
from mission_control.drivers.protocol import (
    AgentInfo,
    BadReply,
    DriverConfigError,
    DriverError,
    TransientDriverError,
    WakeRequest,
)
from mission_control.drivers.webhook import WebhookDriver
from mission_control.heartbeat.schema import ACTION_SCHEMA, parse_action

from .llm_server import Answer, ScriptedServer, chat, tool_calls

ACTIONS = [{"type": "post_message", "task_id": 7, "body": "On it"},
           {"type": "set_task_status", "task_id": 7, "status": "in_progress"}]


@dataclass
class Flavour:
    name: str
    make: Callable[[outbound.Client], Any]
    config: Callable[[str], dict[str, Any]]
    ok: Callable[[list[dict[str, Any]], str], Answer]
    malformed: Answer


def _tools_ok(actions, summary):
    return tool_calls(*[(a["type"], {k: v for k, v in a.items() if k != "type"}) for a in actions])


FLAVOURS = [
    Flavour("openai-json", lambda c: OpenAIDriver(c),
            lambda url: {"model": "scripted", "base_url": f"{url}/v1", "api_key": "sk-test"},
            lambda actions, summary: chat({"actions": actions, "summary": summary}),
            chat("Sure! Here are the actions: {actions: [oops")),
    Flavour("openai-tools", lambda c: OpenAIDriver(c),
            lambda url: {"model": "scripted", "base_url": f"{url}/v1", "output": "tools"},
            _tools_ok,
            Answer(body={"choices": [{"message": {"content": None, "tool_calls": [
                {"type": "function", "function": {"name": "post_message", "arguments": "{not json"}}]}}]})),
    Flavour("webhook", lambda c: WebhookDriver(c),
            lambda url: {"url": f"{url}/hook", "secret": "s3cret"},
            lambda actions, summary: Answer(body={"actions": actions, "summary": summary,
                                                  "usage": {"prompt_tokens": 100, "completion_tokens": 20}}),
            Answer(body="<html>502 Bad Gateway</html>")),
]


def _request(config: dict[str, Any], timeout_s: float = 2.0) -> WakeRequest:
    agent = AgentInfo(id=3, workspace_id=1, name="Friday", role="developer", capabilities=["python"],
                      driver_type="openai", config=config)
    return WakeRequest(run_id=41, trigger="mention", agent=agent, context={"tasks": [], "notifications": []},
                       prompt=json.dumps({"tasks": []}), schema=ACTION_SCHEMA, timeout_s=timeout_s)


def _wake(flavour: Flavour, config: dict[str, Any], timeout_s: float = 2.0):
    async def go():
        async with outbound.Client() as client:
            return await flavour.make(client).wake(_request(config, timeout_s))
    return asyncio.run(go())


@pytest.fixture(params=FLAVOURS, ids=[f.name for f in FLAVOURS])
def flavour(request) -> Flavour:
    return request.param


def test_a_good_answer_becomes_valid_actions(flavour):
    with ScriptedServer(lambda p, h, b: flavour.ok(ACTIONS, "started")) as server:
        reply = _wake(flavour, flavour.config(server.url))
    assert reply.actions == ACTIONS
    assert all(parse_action(a)[0] is not None for a in reply.actions)
    assert reply.tokens_in > 0 and reply.tokens_out > 0
    assert len(server.requests) == 1


@pytest.mark.parametrize(("status", "transient"), [(500, True), (503, True), (429, True), (401, False), (404, False)])
def test_http_errors_are_classified(flavour, status, transient):
    with ScriptedServer(lambda p, h, b: Answer(status=status, body={"error": "nope"})) as server:
        with pytest.raises(DriverError) as info:
            _wake(flavour, flavour.config(server.url))
    assert info.value.transient is transient and f"HTTP {status}" in str(info.value)


def test_a_slow_answer_is_a_transient_timeout(flavour):
    with ScriptedServer(lambda p, h, b: Answer(delay=1.0, body={})) as server:
        with pytest.raises(TransientDriverError, match="did not answer within 0.2 s"):
            _wake(flavour, flavour.config(server.url), timeout_s=0.2)


def test_a_refused_connection_is_transient(flavour):
    with socket.socket() as sock:  # a port with nobody listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with allowed(f"127.0.0.1:{port}"), pytest.raises(TransientDriverError, match="could not reach"):
        _wake(flavour, flavour.config(f"http://127.0.0.1:{port}"))


def test_a_malformed_answer_is_a_bad_reply(flavour):
    with ScriptedServer(lambda p, h, b: flavour.malformed) as server:
        with pytest.raises(BadReply):
            _wake(flavour, flavour.config(server.url))


def test_an_agent_without_its_settings_is_a_config_error(flavour):
    with pytest.raises(DriverConfigError):
        _wake(flavour, {})


def test_unknown_actions_pass_through_for_the_runner_to_refuse(flavour):
    odd = [{"type": "launch_rockets", "target": "moon"}]
    with ScriptedServer(lambda p, h, b: flavour.ok(odd, "")) as server:
        reply = _wake(flavour, flavour.config(server.url))
    assert [a["type"] for a in reply.actions] == ["launch_rockets"]
    assert "unknown action" in parse_action(reply.actions[0])[1]


@pytest.mark.parametrize("role", ["orchestrator", "standup", "watchdog"])
def test_builtin_roles_answer_with_valid_actions(session, db, role):
    from datetime import timedelta

    from sqlmodel import col, select, update

    from mission_control.drivers.builtin import ROLES
    from mission_control.models import Agent, Task, utcnow
    from mission_control.seed import seed_demo

    seed_demo(session)  # the demo squad has one agent per builtin role
    session.exec(update(Task).where(col(Task.id) > 0).values(status_changed_at=utcnow() - timedelta(days=10)))
    session.commit()
    agent = session.exec(select(Agent).where(Agent.driver_config["role"].as_string() == role)).one()
    info = AgentInfo(id=agent.id, workspace_id=agent.workspace_id, name=agent.name, role=agent.role,
                     capabilities=agent.capabilities, driver_type="builtin", config=agent.driver_config)
    request = WakeRequest(run_id=1, trigger="interval", agent=info, context={}, prompt="", schema=ACTION_SCHEMA,
                          timeout_s=5)
    reply = asyncio.run(ROLES[role]().wake(request))
    assert reply.actions and reply.summary
    assert [parse_action(a)[1] for a in reply.actions] == [""] * len(reply.actions)
