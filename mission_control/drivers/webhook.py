"""`webhook` driver: for agents that live elsewhere. POSTs the wake payload, signed, to the
agent's URL and takes actions from the response.

Per-agent `driver_config`: `url` (required), `secret` (required; shared HMAC key).
Request headers: `X-MC-Timestamp` (unix seconds), `X-MC-Signature: sha256=<hex>` over
`"{timestamp}." + body`, `X-MC-Run-Id` (the same on retries: use it to de-duplicate).
Response: `{"actions": [...], "summary": "...", "usage": {"prompt_tokens": n, ...}}`,
or 204 for nothing to do.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from mission_control import outbound
from mission_control.drivers import replies
from mission_control.drivers.protocol import DriverConfigError, DriverReply, WakeRequest


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, max_age_s: float = 300,
           now: float | None = None) -> bool:
    """For receivers: is this request from us, and recent (replays older than max_age_s fail)?"""
    try:
        age = abs((now if now is not None else time.time()) - int(timestamp))
    except ValueError:
        return False
    return age <= max_age_s and hmac.compare_digest(sign(secret, timestamp, body), signature)


class WebhookDriver:
    name = "webhook"

    def __init__(self, client: outbound.Client) -> None:
        self.client = client

    def payload(self, request: WakeRequest) -> dict[str, Any]:
        a = request.agent
        return {
            "run_id": request.run_id,
            "trigger": request.trigger,
            "agent": {"id": a.id, "name": a.name, "role": a.role, "capabilities": a.capabilities,
                      "workspace_id": a.workspace_id},
            "context": request.context,
            "schema": request.schema,
        }

    async def wake(self, request: WakeRequest) -> DriverReply:
        cfg = request.agent.config
        url = str(cfg.get("url") or "").strip()
        secret = str(cfg.get("secret") or "")
        if not url:
            raise DriverConfigError(f"{request.agent.name} has no webhook url: set driver_config.url")
        if not secret:
            raise DriverConfigError(f"{request.agent.name} has no webhook secret: set driver_config.secret")
        body = json.dumps(self.payload(request), separators=(",", ":"), default=str).encode()
        ts = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-MC-Timestamp": ts,
            "X-MC-Signature": sign(secret, ts, body),
            "X-MC-Run-Id": str(request.run_id),
        }
        what = f"{request.agent.name}'s webhook"
        resp = await replies.post(self.client, url, what=what, timeout_s=request.timeout_s,
                                  content=body, headers=headers)
        if resp.status_code == 204 or not resp.content.strip():
            return DriverReply()
        data = replies.json_body(resp, what)
        actions, summary = replies.from_value(data)
        usage = data.get("usage") if isinstance(data, dict) else None
        return replies.reply(actions, summary, usage, resp.text)
