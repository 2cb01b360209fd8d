"""Webhooks under the outbound policy: a URL on this machine or its network is refused when
saved (422 naming the field) and when connecting (DNS may change in between); a receiver's
answer is not echoed into the log; a receiver that hangs holds no other workspace's delivery."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest
from listeners import Hang, Listener
from outbound_allow import allowed

from mission_control.config import Settings
from mission_control.webhook_dispatcher import deliver_due_now, run_webhook_dispatcher

from .helpers import error_of
from .test_webhooks import FAST, _hook, _log

API = "/api/v1"


def _mention(client, team, n: int = 1) -> None:
    for i in range(n):
        r = client.post(f"{API}/tasks/{team.task_id}/messages", json={"body": f"@operator-{team.slug} ping {i}"},
                        headers=team.auth("agent"))
        assert r.status_code == 201, r.text


def test_a_webhook_on_this_machine_or_its_network_is_refused_when_saved(client, squad):
    a = squad.a
    with Listener() as listener:
        for url, why in [(f"{listener.url}/hook", "loopback"), (f"http://localhost:{listener.port}/", "loopback"),
                         ("http://10.0.0.5:8080/hook", "private"), ("http://169.254.169.254/latest", "link-local"),
                         ("http://[::ffff:127.0.0.1]:80/", "loopback"), ("http://metadata.google.internal/", "metadata")]:
            r = client.post(f"{API}/webhooks", json={"url": url, "events": ["task.review"]}, headers=a.auth("admin"))
            assert r.status_code == 422, (url, r.text)
            assert why in error_of(r)["details"]["fields"]["url"], url
        hook = _hook(client, a, "http://127.0.0.1:9/hook", ["task.review"])  # listed in the tests' allow-list
        r = client.patch(f"{API}/webhooks/{hook['id']}", json={"url": f"{listener.url}/hook"}, headers=a.auth("admin"))
        assert r.status_code == 422 and "loopback" in error_of(r)["details"]["fields"]["url"]
        r = client.post(f"{API}/agents", headers=a.auth("admin"), json={
            "name": "Local", "role": "dev", "driver_type": "openai",
            "driver_config": {"model": "m", "base_url": "http://192.168.1.20:11434/v1"}})
        assert r.status_code == 422 and "private" in error_of(r)["details"]["fields"]["driver_config.base_url"]
        assert listener.connections == 0


def test_a_webhook_whose_name_later_points_at_this_machine_is_never_sent(client, squad, monkeypatch):
    """DNS rebinding: the name is public when the webhook is saved, loopback when sending."""
    real = socket.getaddrinfo
    saved = {"yet": False}

    def rebinding(host, port, *args, **kw):
        if host in ("rebind.example", b"rebind.example"):
            address = "127.0.0.1" if saved["yet"] else "93.184.216.34"
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, port, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    a = squad.a
    with Listener() as listener:
        hook = _hook(client, a, f"http://rebind.example:{listener.port}/hook", ["operator.mentioned"])
        saved["yet"] = True
        _mention(client, a)
        assert deliver_due_now(FAST) == 1
        assert listener.connections == 0
    [row] = _log(client, a, hook["id"])
    assert row["status"] == "failed" and row["attempts"] == 1  # refused for good: no retries
    assert "refused" in row["error"] and "loopback" in row["error"]


def test_the_receivers_answer_is_not_echoed_into_the_delivery_log(client, squad, receiver):
    a = squad.a
    hook = _hook(client, a, receiver.url, ["operator.mentioned"])
    receiver.statuses = [500]  # answered with the body "receiver is down"
    _mention(client, a)
    assert deliver_due_now(FAST) == 1
    [row] = _log(client, a, hook["id"])
    assert row["error"] == "HTTP 500 from 127.0.0.1"


def test_a_hanging_receiver_holds_no_other_workspaces_delivery(client, squad, receiver, capsys):
    a, b = squad.a, squad.b
    with Hang() as hang, allowed(f"127.0.0.1:{hang.port}"):
        _hook(client, a, f"{hang.url}/hook", ["operator.mentioned"])
        _hook(client, b, receiver.url, ["operator.mentioned"])
        settings = Settings(webhook_poll_s=30, webhook_timeout_s=10, webhook_batch=20, webhook_per_workspace=4)

        async def scenario() -> float:
            dispatcher = asyncio.create_task(run_webhook_dispatcher(settings))
            try:
                await asyncio.to_thread(_mention, client, a, 30)  # a backlog, all to the hanging one
                deadline = time.monotonic() + 20
                while hang.connections < 4 and time.monotonic() < deadline:
                    await asyncio.sleep(0.01)
                assert hang.connections >= 4  # a's sends are stuck in the receiver
                started = time.monotonic()
                await asyncio.to_thread(_mention, client, b)
                while not receiver.got and time.monotonic() - started < 12:
                    await asyncio.sleep(0.01)
                return time.monotonic() - started
            finally:
                dispatcher.cancel()
                await asyncio.gather(dispatcher, return_exceptions=True)

        took = asyncio.run(scenario())
        held = hang.connections
    assert len(receiver.got) == 1 and took < 1.5, took  # was the 10 s deadline, behind a's sends
    assert held <= 4  # a holds its own few slots, not the whole dispatcher
    with capsys.disabled():
        print(f"\n[webhook] b's delivery with a's receiver hanging ({held} of a's sends held): "
              f"{took * 1000:.0f} ms")


@pytest.mark.parametrize("field", ["url"])
def test_refusals_name_the_setting_that_would_allow_them(client, squad, field):
    r = client.post(f"{API}/webhooks", json={field: "http://127.0.0.1:8080/x", "events": ["task.review"]},
                    headers=squad.a.auth("admin"))
    assert "127.0.0.1:8080 in MC_OUTBOUND_ALLOW" in error_of(r)["details"]["fields"][field]
