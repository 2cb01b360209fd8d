"""WORKING.md over the API (versions, stale writes refused) and waking agents."""

from __future__ import annotations

import json

import httpx
from websockets.sync.client import connect

from .helpers import error_of

API = "/api/v1"
WMD = f"{API}/state/working-md"


def test_working_md_is_written_with_the_version_read(client, squad):
    op, agent = squad.a.auth("operator"), squad.a.auth("agent")
    first = client.get(WMD, headers=agent).json()
    assert first["version"] == 0 and first["content"].startswith("# WORKING.md — Squad a")
    assert "Task of a" in first["content"] and "_No notes yet._" in first["content"]

    r = client.put(WMD, json={"notes": "Launch on Friday.", "base_version": 0}, headers=op)
    assert r.status_code == 200, r.text
    assert (r.json()["version"], r.json()["author"]) == (1, "@operator-a")
    assert "Launch on Friday." in r.json()["content"]

    # the agent read version 0 too: its write is refused, and told which version is current
    stale = client.put(WMD, json={"notes": "Launch Monday.", "base_version": 0}, headers=agent)
    err = error_of(stale)
    assert stale.status_code == 409 and err["code"] == "conflict"
    assert err["details"] == {"current_version": 1} and "@operator-a" in err["message"]

    r = client.put(WMD, json={"notes": "Ask about QA.", "mode": "append"}, headers=agent)
    assert r.json()["version"] == 2 and r.json()["notes"] == "Launch on Friday.\n\nAsk about QA."
    assert client.get(WMD, headers=squad.a.auth("viewer")).json()["version"] == 2
    # workspace b has its own document
    assert client.get(WMD, headers=squad.b.auth("agent")).json()["version"] == 0

    history = client.get(f"{WMD}/versions", headers=op).json()
    assert [(v["version"], v["author"]) for v in history["items"]] == [(2, "Fridaya"), (1, "@operator-a")]
    assert history["next_cursor"] is None and "notes" not in history["items"][0]
    newest = client.get(f"{WMD}/versions?limit=1", headers=op).json()
    older = client.get(f"{WMD}/versions?limit=1&cursor={newest['next_cursor']}", headers=op).json()
    assert [v["version"] for v in newest["items"] + older["items"]] == [2, 1]  # paged like other lists
    old = client.get(f"{WMD}/versions/1", headers=agent).json()
    assert old["notes"] == "Launch on Friday." and "Launch on Friday." in old["content"]
    missing = client.get(f"{WMD}/versions/9", headers=agent)
    assert missing.status_code == 404 and "latest is 2" in error_of(missing)["message"]


def test_working_md_refuses_bad_writes(client, squad):
    op = squad.a.auth("operator")
    r = client.put(WMD, json={"notes": "x"}, headers=op)
    assert r.status_code == 422 and "base_version" in error_of(r)["message"]
    r = client.put(WMD, json={"notes": "x", "base_version": 0, "mode": "merge"}, headers=op)
    assert r.status_code == 422 and "mode" in error_of(r)["details"]["fields"]
    r = client.put(WMD, json={"notes": "x", "base_version": 0}, headers=squad.a.auth("viewer"))
    assert r.status_code == 403
    assert client.get(WMD, headers=op).json()["version"] == 0


def test_an_operator_wakes_an_agent_we_call(client, squad, session):
    admin, op = squad.a.auth("admin"), squad.a.auth("operator")
    bot = client.post(
        f"{API}/agents",
        json={
            "name": "Jarvis",
            "role": "dev",
            "driver_type": "openai",
            "driver_config": {"model": "llama3.1:8b"},
        },
        headers=admin,
    ).json()
    r = client.post(f"{API}/agents/{bot['id']}/wake", json={"force": True}, headers=op)
    assert r.status_code == 200, r.text
    assert r.json()["via"] == "heartbeat"
    from mission_control.models import Agent

    session.expire_all()
    row = session.get(Agent, bot["id"])
    assert row is not None and row.wake_requested_at is not None and row.wake_force
    feed = client.get(f"{API}/activities", headers=op).json()["items"]
    assert feed[0]["text"] == "operator-a asked Jarvis to wake up (forced)"


def test_wake_is_refused_to_agents_viewers_and_for_paused_agents(client, squad):
    url = f"{API}/agents/{squad.a.agent_id}/wake"
    for who in ("agent", "agent2", "viewer"):
        r = client.post(url, json={}, headers=squad.a.auth(who))
        assert r.status_code == 403 and error_of(r)["code"] == "forbidden"
    r = client.post(
        f"{API}/agents/{squad.a.agent_id}/wake", json={}, headers=squad.b.auth("operator")
    )
    assert r.status_code == 404
    client.patch(
        f"{API}/agents/{squad.a.agent_id}", json={"paused": True}, headers=squad.a.auth("admin")
    )
    r = client.post(url, json={}, headers=squad.a.auth("operator"))
    assert r.status_code == 422 and "paused" in error_of(r)["message"]


def test_an_external_agent_is_woken_through_its_websocket(live_url, squad):
    http = httpx.Client(base_url=live_url + API, headers=squad.a.auth("operator"), timeout=10)
    url = live_url.replace("http://", "ws://") + f"{API}/ws/agents/{squad.a.agent_id}"
    key = {"Authorization": f"Bearer {squad.a.tokens['agent']}"}
    with connect(url, additional_headers=key, open_timeout=5) as sock:
        r = http.post(f"/agents/{squad.a.agent_id}/wake", json={})
        assert r.json()["via"] == "gateway"
        frame = json.loads(sock.recv(timeout=5))
        assert (
            frame["type"] == "wake" and frame["data"]["text"] == "operator-a asked you to wake up"
        )
        woke_id = frame["id"]
    # an agent that was offline sees the wake when it reconnects from its last id
    http.post(f"/agents/{squad.a.agent_id}/wake", json={"force": True})
    with connect(url + f"?after={woke_id}", additional_headers=key, open_timeout=5) as sock:
        frame = json.loads(sock.recv(timeout=5))
        assert frame["type"] == "wake" and frame["id"] > woke_id
        assert frame["data"]["text"].endswith("(forced)")
