"""The WebSocket gateway, with the `websockets` client against a live server on 127.0.0.1."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

API = "/api/v1"


def _ws(live_url, path, token=None, **params):
    url = live_url.replace("http://", "ws://") + API + path
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return connect(url, additional_headers=headers, open_timeout=5, close_timeout=2)


def _frame(sock, timeout=5.0):
    return json.loads(sock.recv(timeout=timeout))


def _closed_with(sock) -> int:
    with pytest.raises(ConnectionClosed) as info:
        sock.recv(timeout=5)
    assert info.value.rcvd is not None
    return info.value.rcvd.code


def test_the_feed_streams_new_activity_live(live_url, squad):
    http = httpx.Client(base_url=live_url + API, headers=squad.a.auth("operator"), timeout=10)
    with _ws(live_url, "/ws/activities", squad.a.tokens["viewer"]) as sock:
        http.post(f"/tasks/{squad.a.task_id}/messages", json={"body": "live?"})
        frame = _frame(sock)
        assert frame["type"] == "activity" and frame["data"]["event_type"] == "message.posted"
        assert "live?" in frame["data"]["text"] and frame["id"] == frame["data"]["id"]


def test_the_feed_resumes_from_the_last_id_after_a_reconnect(live_url, squad):
    http = httpx.Client(base_url=live_url + API, headers=squad.a.auth("operator"), timeout=10)
    with _ws(live_url, "/ws/activities", squad.a.tokens["agent"]) as sock:
        http.post("/tasks", json={"title": "first"})
        last = _frame(sock)["id"]
    # while disconnected, two more things happen
    http.post("/tasks", json={"title": "second"})
    http.post("/tasks", json={"title": "third"})
    with _ws(live_url, "/ws/activities", squad.a.tokens["agent"], after=last) as sock:
        missed = [_frame(sock), _frame(sock)]
        assert missed[0]["data"]["text"].endswith("“second”")
        assert missed[1]["data"]["text"].endswith("“third”")
        assert missed[0]["id"] > last and missed[1]["id"] > missed[0]["id"]
        http.post("/tasks", json={"title": "fourth"})
        assert _frame(sock)["data"]["text"].endswith("“fourth”")  # then it goes live


def test_an_agent_hears_its_assignments_and_mentions(live_url, squad):
    http = httpx.Client(base_url=live_url + API, headers=squad.a.auth("operator"), timeout=10)
    with _ws(live_url, f"/ws/agents/{squad.a.agent2_id}", squad.a.tokens["agent2"]) as sock:
        http.post(f"/tasks/{squad.a.task2_id}/assignees", json={"agent_id": squad.a.agent2_id})
        frame = _frame(sock)
        assert frame["type"] == "assignment" and frame["data"]["task_id"] == squad.a.task2_id
        http.post(f"/tasks/{squad.a.task_id}/messages", json={"body": "@Visiona check this"})
        frame = _frame(sock)
        assert frame["type"] == "mention" and "check this" in frame["data"]["text"]
        # someone else's mention does not reach it
        http.post(f"/tasks/{squad.a.task_id}/messages", json={"body": "@Fridaya only you"})
        with pytest.raises(TimeoutError):
            sock.recv(timeout=1.5)
    # resuming from 0 replays the agent's whole history in order
    with _ws(
        live_url, f"/ws/agents/{squad.a.agent2_id}", squad.a.tokens["agent2"], after=0
    ) as sock:
        kinds = [_frame(sock)["type"] for _ in range(2)]
        assert kinds == ["assignment", "mention"]


def test_refused_connections_close_with_a_reason(live_url, squad):
    with _ws(live_url, "/ws/activities") as sock:
        assert _closed_with(sock) == 4401
    with _ws(live_url, "/ws/activities", "mca_aaaaaaaa_wrong") as sock:
        assert _closed_with(sock) == 4401
    with _ws(live_url, f"/ws/agents/{squad.a.agent2_id}", squad.a.tokens["agent"]) as sock:
        assert _closed_with(sock) == 4403  # another agent's stream
    with _ws(live_url, f"/ws/agents/{squad.a.agent_id}", squad.a.tokens["admin"]) as sock:
        assert _closed_with(sock) == 4403
    with _ws(live_url, f"/ws/agents/{squad.a.agent_id}", squad.b.tokens["agent"]) as sock:
        assert _closed_with(sock) == 4404  # another workspace's agent


def test_a_workspace_feed_never_shows_another_workspace(live_url, squad):
    a = httpx.Client(base_url=live_url + API, headers=squad.a.auth("operator"), timeout=10)
    b = httpx.Client(base_url=live_url + API, headers=squad.b.auth("operator"), timeout=10)
    with _ws(live_url, "/ws/activities", squad.b.tokens["viewer"]) as sock:
        a.post("/tasks", json={"title": "secret of a"})
        b.post("/tasks", json={"title": "news of b"})
        frame = _frame(sock)
        assert frame["data"]["text"].endswith("“news of b”")
    with _ws(live_url, "/ws/activities", squad.b.tokens["viewer"], after=0) as sock:
        texts = []
        try:
            while True:
                texts.append(_frame(sock, timeout=1.0)["data"]["text"])
        except TimeoutError:
            pass
        assert texts and not any("of a" in t or "Fridaya" in t for t in texts)


def test_one_key_cannot_hold_more_than_its_share_of_streams(live_url, squad):
    """A key gets MC_WS_MAX_STREAMS_PER_KEY (4) streams; the next is refused with 4429 and a
    reason, another key is unaffected, and a slot frees up when a stream closes."""
    token = squad.a.tokens["agent"]
    held = [_ws(live_url, "/ws/activities", token) for _ in range(4)]
    try:
        http = httpx.Client(base_url=live_url + API, headers=squad.a.auth("operator"), timeout=10)
        http.post("/tasks", json={"title": "everyone hears this"})
        for sock in held:  # all four stream
            assert _frame(sock)["type"] == "activity"
        with _ws(live_url, "/ws/activities", token) as fifth:
            with pytest.raises(ConnectionClosed) as info:
                fifth.recv(timeout=5)
            assert info.value.rcvd is not None and info.value.rcvd.code == 4429
            assert "4 streams open" in info.value.rcvd.reason
        with _ws(live_url, "/ws/activities", squad.a.tokens["viewer"]) as other_key:
            http.post("/tasks", json={"title": "for the other key"})
            assert _frame(other_key)["type"] == "activity"
        held.pop().close()
        time.sleep(0.3)  # the server notices the close on its next turn
        with _ws(live_url, "/ws/activities", token) as again:
            http.post("/tasks", json={"title": "after one closed"})
            assert _frame(again)["data"]["text"].endswith("“after one closed”")
    finally:
        for sock in held:
            sock.close()
