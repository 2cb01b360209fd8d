"""`openai` driver: any OpenAI-compatible chat-completions endpoint (OpenAI, Ollama, vLLM,
llama.cpp server, ...) over httpx.

Per-agent `driver_config`: `model` (required), `base_url` (e.g. http://127.0.0.1:11434/v1),
`api_key`, `temperature` (0.2), `output` ("json": the reply is a JSON object, asked for with
response_format; "tools": one function per action type), `json_mode` (false for servers that
reject response_format). Without its own base_url an agent uses MC_OPENAI_BASE_URL, and
MC_OPENAI_API_KEY unless it has its own key; that deployment key is only ever sent to
MC_OPENAI_BASE_URL, never to a URL an agent's settings chose.
"""

from __future__ import annotations

import json
from typing import Any

from mission_control import outbound
from mission_control.drivers import replies
from mission_control.drivers.protocol import BadReply, DriverConfigError, DriverReply, WakeRequest
from mission_control.heartbeat.schema import ACTION_MODELS

SYSTEM_PROMPT = """You are {name}, the {role} of a squad of AI agents coordinated by Mission Control.
Your capabilities: {caps}.
You were woken because: {trigger}. The user message is your context as JSON: unread notifications,
your open tasks with recent thread messages, WORKING.md (the squad's shared state) and memories.

Act only through actions. Answer with one JSON object and nothing else:
{{"actions": [...], "summary": "one or two sentences on what you did"}}
Nothing to do? Answer {{"actions": [], "summary": "nothing to do"}}. Never claim work you did not
do: every run is checked against what actually changed.
The reply must match this JSON schema:
{schema}"""


def _tools() -> list[dict[str, Any]]:
    tools = []
    for name, model in ACTION_MODELS.items():
        params = model.model_json_schema()
        params.get("properties", {}).pop("type", None)
        params["required"] = [r for r in params.get("required", []) if r != "type"]
        params.pop("title", None)
        tools.append({"type": "function", "function": {
            "name": name, "description": (model.__doc__ or name).strip(), "parameters": params}})
    return tools


class OpenAIDriver:
    name = "openai"

    def __init__(self, client: outbound.Client, *, base_url: str = "", api_key: str = "") -> None:
        self.client = client
        self.default_base_url = base_url.strip().rstrip("/")
        self.default_api_key = api_key

    def _key_for(self, base: str, own_key: str) -> str:
        """The agent's own key; the deployment's only when the request goes to its endpoint."""
        if own_key:
            return own_key
        return self.default_api_key if base == self.default_base_url else ""

    def _request(self, request: WakeRequest) -> tuple[str, dict[str, Any], dict[str, str]]:
        cfg = request.agent.config
        model = str(cfg.get("model") or "").strip()
        base = str(cfg.get("base_url") or self.default_base_url).strip().rstrip("/")
        if not model:
            raise DriverConfigError(f"{request.agent.name} has no model: set driver_config.model")
        if not base:
            raise DriverConfigError(f"{request.agent.name} has no base_url: set driver_config.base_url")
        system = SYSTEM_PROMPT.format(
            name=request.agent.name, role=request.agent.role,
            caps=", ".join(request.agent.capabilities) or "general",
            trigger=request.context.get("trigger") or request.trigger,
            schema=json.dumps(request.schema, separators=(",", ":")),
        )
        body: dict[str, Any] = {
            "model": model,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": request.prompt}],
            "temperature": float(cfg.get("temperature", 0.2)),
        }
        if cfg.get("output") == "tools":
            body["tools"] = _tools()
            body["tool_choice"] = "auto"
        elif cfg.get("json_mode", True):
            body["response_format"] = {"type": "json_object"}
        headers = {"Content-Type": "application/json"}
        key = self._key_for(base, str(cfg.get("api_key") or ""))
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return f"{base}/chat/completions", body, headers

    async def wake(self, request: WakeRequest) -> DriverReply:
        url, body, headers = self._request(request)
        what = f"the model endpoint for {request.agent.name}"
        resp = await replies.post(self.client, url, what=what, timeout_s=request.timeout_s,
                                  json=body, headers=headers)
        data = replies.json_body(resp, what)
        try:
            message = data["choices"][0]["message"]
        except (KeyError, IndexError, TypeError):
            raise BadReply(f"{what} answered without choices[0].message") from None
        usage = data.get("usage") if isinstance(data, dict) else None
        calls = message.get("tool_calls") or []
        content = message.get("content") or ""
        if calls:
            actions: list[Any] = []
            for call in calls:
                fn = (call or {}).get("function") or {}
                try:
                    args = json.loads(fn.get("arguments") or "{}")
                except json.JSONDecodeError:
                    raise BadReply(f"tool call {fn.get('name')!r} has arguments that are not JSON") from None
                actions.append({"type": fn.get("name"), **(args if isinstance(args, dict) else {})})
            return replies.reply(actions, content if isinstance(content, str) else "", usage, json.dumps(calls))
        if not isinstance(content, str):
            raise BadReply(f"{what} answered content that is not text")
        actions, summary = replies.parse_text(content)
        return replies.reply(actions, summary, usage, content)
