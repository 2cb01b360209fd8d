"""Agent drivers under the outbound policy: an agent's URL cannot reach this machine or its
network, the deployment's API key goes only to the deployment's endpoint, and what a remote
endpoint answers is never echoed back beyond a status line."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from listeners import Drip, Listener
from outbound_allow import allowed

from mission_control.config import get_settings
from mission_control.drivers import DriverRegistry
from mission_control.drivers.protocol import (
    BadReply,
    DriverConfigError,
    DriverError,
    TransientDriverError,
)

from .llm_server import Answer, ScriptedServer, chat
from .test_contract import _request


def _wake(driver_type: str, config: dict[str, Any], timeout_s: float = 2.0):
    async def go():
        registry = DriverRegistry()
        try:
            driver = registry.for_agent(3, driver_type, config)
            return await asyncio.wait_for(driver.wake(_request(config, timeout_s)), 10)
        finally:
            await registry.aclose()
    return asyncio.run(go())


@pytest.mark.parametrize(("driver_type", "config"), [
    ("openai", lambda url: {"model": "m", "base_url": f"{url}/v1"}),
    ("openai", lambda url: {"model": "m", "base_url": url.replace("127.0.0.1", "localhost")}),
    ("webhook", lambda url: {"url": f"{url}/hook", "secret": "s" * 16}),
])
def test_an_agent_url_on_this_machine_is_never_connected_to(driver_type, config):
    with Listener() as listener:
        with pytest.raises(DriverConfigError, match="not an allowed destination.*loopback") as info:
            _wake(driver_type, config(listener.url))
        assert listener.connections == 0
    assert not info.value.transient  # retrying cannot help: the breaker sees a config error


def test_the_deployment_key_goes_only_to_the_deployment_endpoint(monkeypatch):
    with ScriptedServer(lambda p, h, b: chat({"actions": []})) as ours, \
         ScriptedServer(lambda p, h, b: chat({"actions": []})) as chosen:
        settings = get_settings()
        monkeypatch.setattr(settings, "openai_base_url", f"{ours.url}/v1/")
        monkeypatch.setattr(settings, "openai_api_key", "sk-deployment")
        _wake("openai", {"model": "m"})  # no URL of its own: ours, with our key
        _wake("openai", {"model": "m", "base_url": f"{chosen.url}/v1"})  # its own URL, no key
        _wake("openai", {"model": "m", "base_url": f"{chosen.url}/v1", "api_key": "sk-own"})
        _wake("openai", {"model": "m", "base_url": f"{ours.url}/v1"})  # our endpoint, named again
    assert [r.headers.get("authorization") for r in ours.requests] == ["Bearer sk-deployment"] * 2
    assert [r.headers.get("authorization") for r in chosen.requests] == [None, "Bearer sk-own"]


@pytest.mark.parametrize("driver_type", ["openai", "webhook"])
def test_a_remote_error_body_is_not_echoed_into_the_run(driver_type):
    leak = "upstream said: Authorization: Bearer sk-secret-123 <script>alert(1)</script>"
    config = {"model": "m", "api_key": "sk-secret-123", "secret": "s" * 16}
    with ScriptedServer(lambda p, h, b: Answer(status=502, body=leak)) as server:
        config |= {"base_url": server.url, "url": server.url}
        with pytest.raises(TransientDriverError) as failed:
            _wake(driver_type, config)
    message = str(failed.value)
    assert "HTTP 502 from 127.0.0.1" in message
    assert "sk-secret" not in message and "script" not in message and "upstream" not in message
    with ScriptedServer(lambda p, h, b: chat(leak) if driver_type == "openai" else Answer(body=leak)) as server:
        config |= {"base_url": server.url, "url": server.url}
        with pytest.raises(BadReply) as bad:
            _wake(driver_type, config)
    assert "sk-secret" not in str(bad.value) and "upstream" not in str(bad.value)


def test_a_redirect_is_reported_not_followed():
    with ScriptedServer(lambda p, h, b: chat({"actions": []})) as target:
        moved = Answer(status=307, body="", headers={"Location": f"{target.url}/v1/chat/completions"})
        with ScriptedServer(lambda p, h, b: moved) as server:
            with pytest.raises(DriverError, match="HTTP 307 .*redirects are not followed"):
                _wake("openai", {"model": "m", "base_url": server.url})
    assert target.requests == []


def test_a_model_endpoint_that_drips_is_given_up_at_the_deadline():
    with Drip() as drip, allowed(f"127.0.0.1:{drip.port}"):
        started = time.monotonic()
        with pytest.raises(TransientDriverError, match="did not answer within 0.5 s"):
            _wake("openai", {"model": "m", "base_url": drip.url}, timeout_s=0.5)
        took = time.monotonic() - started
    assert took < 1.5, took


def test_an_oversized_model_answer_is_refused(monkeypatch):
    monkeypatch.setattr(get_settings(), "outbound_max_response_bytes", 64 * 1024)
    with ScriptedServer(lambda p, h, b: chat("x" * 100_000)) as server:
        with pytest.raises(BadReply, match="more than 65536 bytes"):
            _wake("openai", {"model": "m", "base_url": server.url})
