"""Driver specifics: what the openai driver sends, what it accepts; the webhook's signature."""

from __future__ import annotations

import asyncio
import json
import time

from mission_control import outbound
from mission_control.drivers.openai import OpenAIDriver
from mission_control.drivers.webhook import WebhookDriver, sign, verify

from .llm_server import Answer, ScriptedServer, chat, tool_calls
from .test_contract import _request


def _run(driver_cls, config, timeout_s=2.0):
    async def go():
        async with outbound.Client() as client:
            return await driver_cls(client).wake(_request(config, timeout_s))
    return asyncio.run(go())


def test_the_openai_request_carries_model_prompt_schema_and_key():
    with ScriptedServer(lambda p, h, b: chat("```json\n{\"actions\": [], \"summary\": \"nothing to do\"}\n```",
                                              prompt_tokens=321, completion_tokens=7)) as server:
        reply = _run(OpenAIDriver, {"model": "llama3.1:8b", "base_url": f"{server.url}/v1/", "api_key": "sk-1",
                                    "temperature": 0})
    [req] = server.requests
    assert req.path == "/v1/chat/completions"
    assert req.headers["authorization"] == "Bearer sk-1"
    body = req.body
    assert (body["model"], body["temperature"], body["response_format"]) == ("llama3.1:8b", 0.0, {"type": "json_object"})
    system, user = body["messages"]
    assert "You are Friday, the developer" in system["content"] and '"post_message"' in system["content"]
    assert json.loads(user["content"]) == {"tasks": []}
    assert (reply.actions, reply.summary, reply.tokens_in, reply.tokens_out) == ([], "nothing to do", 321, 7)


def test_openai_tools_mode_offers_one_function_per_action_and_reads_tool_calls():
    with ScriptedServer(lambda p, h, b: tool_calls(("assign", {"task_id": 3, "agent": "Vision"}))) as server:
        reply = _run(OpenAIDriver, {"model": "m", "base_url": server.url, "output": "tools", "json_mode": False})
    body = server.requests[0].body
    names = [t["function"]["name"] for t in body["tools"]]
    assert len(names) == 8 and "report_blocker" in names and "response_format" not in body
    assign = next(t for t in body["tools"] if t["function"]["name"] == "assign")["function"]["parameters"]
    assert "type" not in assign["properties"] and set(assign["required"]) == {"task_id", "agent"}
    assert reply.actions == [{"type": "assign", "task_id": 3, "agent": "Vision"}]


def test_openai_accepts_a_bare_list_and_prose_around_json():
    answers = iter([chat([{"type": "remember", "text": "x"}]),
                    chat('Here you go: {"actions": [{"type": "remember", "text": "y"}]}')])
    with ScriptedServer(lambda p, h, b: next(answers)) as server:
        first = _run(OpenAIDriver, {"model": "m", "base_url": server.url})
        second = _run(OpenAIDriver, {"model": "m", "base_url": server.url})
    assert first.actions == [{"type": "remember", "text": "x"}]
    assert second.actions == [{"type": "remember", "text": "y"}]


def test_the_webhook_is_signed_and_the_receiver_can_verify_it():
    seen = {}

    def receiver(path, headers, body):
        raw = server.requests[-1].raw
        seen["ok"] = verify("s3cret", headers["x-mc-timestamp"], raw, headers["x-mc-signature"])
        seen["forged"] = verify("other", headers["x-mc-timestamp"], raw, headers["x-mc-signature"])
        seen["tampered"] = verify("s3cret", headers["x-mc-timestamp"], raw + b" ", headers["x-mc-signature"])
        seen["run"] = headers["x-mc-run-id"]
        return Answer(status=204)

    with ScriptedServer(receiver) as server:
        reply = _run(WebhookDriver, {"url": f"{server.url}/agents/friday", "secret": "s3cret"})
    assert seen == {"ok": True, "forged": False, "tampered": False, "run": "41"}
    payload = server.requests[0].body
    assert payload["agent"]["name"] == "Friday" and payload["run_id"] == 41
    assert "secret" not in json.dumps(payload) and payload["schema"]["title"] == "Reply"
    assert reply.actions == []


def test_signatures_expire():
    ts = str(int(time.time()) - 600)
    assert not verify("k", ts, b"{}", sign("k", ts, b"{}"))
    assert verify("k", ts, b"{}", sign("k", ts, b"{}"), max_age_s=900)
    assert not verify("k", "not-a-number", b"{}", "sha256=00")
