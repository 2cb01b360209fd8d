"""The outbound policy: what a request to a tenant-chosen URL may reach, checked on the
address actually connected to; and each request's deadline and size cap."""

from __future__ import annotations

import asyncio
import gzip
import socket
import time

import pytest
from listeners import Drip, Listener
from outbound_allow import allowed

from mission_control import outbound
from mission_control.config import Settings, get_settings
from mission_control.outbound import Policy

from .drivers.llm_server import Answer, ScriptedServer


def _post(url: str, deadline_s: float = 2.0, **kw: object) -> outbound.Answer:
    async def go() -> outbound.Answer:
        async with outbound.Client() as client:
            return await client.post(url, deadline_s=deadline_s, json={}, **kw)  # type: ignore[arg-type]
    return asyncio.run(go())


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://127.1.2.3:8080/", "http://[::1]/", "http://0.0.0.0/",
    "http://10.0.0.5/", "http://172.16.0.1/", "http://192.168.1.1/", "http://[fd00::1]/",
    "http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://100.64.0.1/",
    "http://224.0.0.1/", "http://240.0.0.1/", "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:169.254.169.254]/", "http://[64:ff9b::a00:1]/", "http://[2002:7f00:1::]/",
    "http://2130706433/", "http://0x7f.0.0.1/", "http://localhost:8000/",
    "http://metadata.google.internal/computeMetadata/v1/",
])
def test_private_loopback_link_local_and_metadata_destinations_are_refused(url):
    assert (outbound.refusal(url, Policy()) or "").startswith("refused:")


def test_public_addresses_pass_and_an_operator_can_allow_exceptions():
    assert outbound.refusal("https://93.184.216.34/hook", Policy()) is None
    assert outbound.refusal("https://[2606:4700::1111]/", Policy()) is None
    policy = Policy.from_setting("127.0.0.1:11434, 10.0.0.0/24:8000, [::1]:*, ollama:11434")
    assert outbound.refusal("http://127.0.0.1:11434/v1", policy) is None
    assert outbound.refusal("http://localhost:11434/v1", policy) is None  # resolves to a listed address
    assert outbound.refusal("http://10.0.0.77:8000/v1", policy) is None
    assert outbound.refusal("http://[::1]:5000/", policy) is None
    assert outbound.refusal("http://127.0.0.1:11435/v1", policy)  # another port
    assert outbound.refusal("http://10.0.1.1:8000/", policy)  # outside the network
    message = outbound.refusal("http://127.0.0.1:11435/", Policy()) or ""
    assert "loopback" in message and "127.0.0.1:11435 in MC_OUTBOUND_ALLOW" in message


@pytest.mark.parametrize("bad", ["127.0.0.1:x", "10.0.0.0/33:80", "[::1]x", "a b:80", ":80"])
def test_a_malformed_allow_list_stops_the_start_naming_the_entry(bad):
    with pytest.raises(ValueError, match="MC_OUTBOUND_ALLOW"):
        Settings(outbound_allow=bad)


def test_a_loopback_listener_is_never_reached_unless_its_port_is_listed():
    with Listener() as listener:
        for url in (listener.url, f"http://localhost:{listener.port}"):
            with pytest.raises(outbound.Refused, match="loopback"):
                _post(url)
        assert listener.connections == 0
    with ScriptedServer(lambda p, h, b: Answer(body={"ok": True})) as server:  # lists its port
        assert _post(f"{server.url}/x").json() == {"ok": True}


def test_a_name_that_rebinds_to_loopback_after_the_check_is_refused_when_connecting(monkeypatch):
    """DNS rebinding: public when the URL is checked, this machine when connecting."""
    real = socket.getaddrinfo
    answers = iter(["93.184.216.34"] + ["127.0.0.1"] * 10)

    def rebinding(host, port, *args, **kw):
        if host in ("rebind.example", b"rebind.example"):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]
        return real(host, port, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with Listener() as listener:
        url = f"http://rebind.example:{listener.port}/hook"
        assert outbound.refusal(url, Policy()) is None  # looked public when saved
        with pytest.raises(outbound.Refused, match="rebind.example resolves to a loopback address"):
            _post(url)
        assert listener.connections == 0


def test_redirects_are_not_followed():
    with ScriptedServer(lambda p, h, b: Answer(body={"ok": True})) as target:
        moved = Answer(status=302, body="", headers={"Location": f"{target.url}/elsewhere"})
        with ScriptedServer(lambda p, h, b: moved) as server:
            answer = _post(f"{server.url}/x")
    assert answer.status_code == 302 and target.requests == []


def test_a_server_that_drips_its_answer_is_cut_off_at_the_deadline():
    with Drip() as drip, allowed(f"127.0.0.1:{drip.port}"):
        started = time.monotonic()
        with pytest.raises(outbound.TimedOut, match="within 0.5 s"):
            _post(drip.url, deadline_s=0.5)
        took = time.monotonic() - started
    assert took < 1.0, took


def test_an_answer_past_the_size_cap_is_not_read(monkeypatch):
    monkeypatch.setattr(get_settings(), "outbound_max_response_bytes", 64 * 1024)
    big = b'{"pad": "' + b"x" * 200_000 + b'"}'
    bomb = gzip.compress(b" " * 50_000_000)  # 50 MB of spaces in ~50 kB
    with ScriptedServer(lambda p, h, b: Answer(body=big)) as server:
        with pytest.raises(outbound.TooLarge):
            _post(server.url)
    with ScriptedServer(lambda p, h, b: Answer(body=bomb, headers={"Content-Encoding": "gzip"})) as server:
        with pytest.raises(outbound.TooLarge, match="uncompressed"):
            _post(server.url)
    with ScriptedServer(lambda p, h, b: Answer(body=b'{"ok": 1}')) as server:
        assert _post(server.url).json() == {"ok": 1}


def test_the_agent_form_shows_a_refused_endpoint_under_its_input(session, workspace, op_actor):
    from mission_control.errors import Invalid
    from mission_control.services import agents
    from mission_control.state.agents import field_errors

    for config, field in [({"model": "m", "base_url": "http://192.168.1.20:11434/v1"}, "base_url"),
                          ({"url": "http://[::1]:8080/agent", "secret": "s" * 16}, "url")]:
        driver = "openai" if "model" in config else "webhook"
        with pytest.raises(Invalid) as refused:
            agents.create_agent(session=session, workspace_id=workspace.id, actor=op_actor,
                                data={"name": "Local", "role": "dev", "driver_type": driver, "driver_config": config})
        assert "MC_OUTBOUND_ALLOW" in field_errors(refused.value)[field]
