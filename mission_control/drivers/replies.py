"""Turning what a model or a webhook answered into a DriverReply (shared by the drivers)."""

from __future__ import annotations

import json
import re
from typing import Any

from mission_control import outbound
from mission_control.drivers.protocol import (
    BadReply,
    DriverConfigError,
    DriverError,
    DriverReply,
    TransientDriverError,
)

_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.S)


def parse_text(text: str) -> tuple[list[Any], str]:
    """Parse a JSON reply: {"actions": [...], "summary": "..."}, a bare list, or one action."""
    body = text.strip()
    fenced = _FENCE.match(body)
    if fenced:
        body = fenced.group(1)
    if not body:
        return [], ""
    try:
        value = json.loads(body)
    except json.JSONDecodeError:
        start = min((i for i in (body.find("{"), body.find("[")) if i >= 0), default=-1)
        try:
            value = json.loads(body[start:]) if start >= 0 else None
        except json.JSONDecodeError:
            value = None
        if value is None:
            raise BadReply(f"the reply is not JSON ({len(body)} characters)") from None
    return from_value(value)


def from_value(value: Any) -> tuple[list[Any], str]:
    if isinstance(value, list):
        return value, ""
    if isinstance(value, dict):
        if "actions" in value:
            actions = value["actions"]
            if not isinstance(actions, list):
                raise BadReply(f"'actions' must be a list, not {type(actions).__name__}")
            summary = value.get("summary", "")
            return actions, summary if isinstance(summary, str) else json.dumps(summary)[:4000]
        if "type" in value:
            return [value], ""
    raise BadReply("the reply has no 'actions' list")


def check_status(resp: outbound.Answer, what: str) -> None:
    """Raise the right DriverError for an unsuccessful HTTP answer. Only the status goes into
    the message: the body may echo our request (a key) or carry text meant to mislead."""
    if 200 <= resp.status_code < 300:
        return
    message = f"{what} answered {resp.status_line}"
    if 300 <= resp.status_code < 400:
        raise DriverError(f"{message} (a redirect: redirects are not followed)")
    if resp.status_code in (408, 425, 429) or resp.status_code >= 500:
        raise TransientDriverError(message)
    raise DriverError(message)


async def post(client: outbound.Client, url: str, *, what: str, timeout_s: float, **kwargs: Any) -> outbound.Answer:
    """POST through the outbound policy, within `timeout_s` overall."""
    try:
        resp = await client.post(url, deadline_s=timeout_s, **kwargs)
    except outbound.TimedOut as exc:
        raise TransientDriverError(f"{what} did not answer within {timeout_s:g} s") from exc
    except outbound.Refused as exc:
        raise DriverConfigError(f"{what} is not an allowed destination: {exc}") from exc
    except outbound.TooLarge as exc:
        raise BadReply(f"{what}: {exc}") from exc
    except outbound.OutboundError as exc:
        raise TransientDriverError(f"could not reach {what}: {exc}") from exc
    check_status(resp, what)
    return resp


def json_body(resp: outbound.Answer, what: str) -> Any:
    try:
        return resp.json()
    except ValueError:
        raise BadReply(f"{what} answered something that is not JSON ({len(resp.content)} bytes)") from None


def tokens(usage: Any) -> tuple[int, int]:
    if not isinstance(usage, dict):
        return 0, 0
    def num(*keys: str) -> int:
        for key in keys:
            value = usage.get(key)
            if isinstance(value, int) and value >= 0:
                return value
        return 0
    return num("prompt_tokens", "input_tokens", "tokens_in"), num("completion_tokens", "output_tokens", "tokens_out")


def reply(actions: list[Any], summary: str, usage: Any, raw: str) -> DriverReply:
    tin, tout = tokens(usage)
    return DriverReply(actions=actions, summary=summary[:4000], tokens_in=tin, tokens_out=tout, raw=raw[:4000])
