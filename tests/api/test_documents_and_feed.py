"""Documents with versions; the activity feed; notifications — over HTTP."""

from __future__ import annotations

from .helpers import error_of

API = "/api/v1"


def test_document_versions_and_lost_update_refusal(client, squad):
    agent = squad.a.auth("agent")
    r = client.post(
        f"{API}/documents",
        headers=agent,
        json={"title": "Plan", "content": "# v1", "type": "research"},
    )
    assert r.status_code == 201 and r.json()["version"] == 1
    did = r.json()["id"]
    r = client.put(
        f"{API}/documents/{did}", headers=agent, json={"content": "# v2", "base_version": 1}
    )
    assert r.status_code == 200 and r.json()["version"] == 2
    r = client.put(
        f"{API}/documents/{did}", headers=agent, json={"content": "# stale", "base_version": 1}
    )
    assert r.status_code == 409
    assert error_of(r)["details"]["current_version"] == 2
    versions = client.get(f"{API}/documents/{did}/versions?include=content", headers=agent).json()
    assert [(v["version"], v["content"]) for v in versions["items"]] == [(1, "# v1"), (2, "# v2")]
    assert (
        client.get(f"{API}/documents/{did}/versions/1", headers=agent).json()["content"] == "# v1"
    )
    assert client.get(f"{API}/documents/{did}/versions/9", headers=agent).status_code == 404
    r = client.post(f"{API}/documents/{did}/versions/1/restore", headers=agent)
    assert r.json()["version"] == 3 and r.json()["content"] == "# v1"
    listed = client.get(f"{API}/documents?type=research", headers=agent).json()["items"]
    assert [d["id"] for d in listed] == [did] and "content" not in listed[0]
    assert client.delete(f"{API}/documents/{did}", headers=agent).status_code == 403
    grant = {"can_delete": True}
    client.patch(f"{API}/agents/{squad.a.agent_id}", headers=squad.a.auth("admin"), json=grant)
    assert client.delete(f"{API}/documents/{did}", headers=agent).status_code == 204
    assert client.get(f"{API}/documents/{did}", headers=agent).status_code == 404


def test_document_refusals(client, squad):
    op = squad.a.auth("operator")
    r = client.post(f"{API}/documents", headers=op, json={"title": "x", "task_id": 999999})
    assert r.status_code == 404
    r = client.post(f"{API}/documents", headers=op, json={"title": "x", "type": "poem"})
    assert r.status_code == 422 and "type" in error_of(r)["details"]["fields"]


def test_activity_feed_newest_first_with_cursor(client, squad):
    viewer = squad.a.auth("viewer")
    everything = client.get(f"{API}/activities?limit=200", headers=viewer).json()
    ids = [a["id"] for a in everything["items"]]
    assert ids == sorted(ids, reverse=True) and everything["next_cursor"] is None
    first = client.get(f"{API}/activities?limit=3", headers=viewer).json()
    second = client.get(
        f"{API}/activities?limit=3&cursor={first['next_cursor']}", headers=viewer
    ).json()
    assert [a["id"] for a in first["items"] + second["items"]] == ids[:6]
    by_agent = client.get(f"{API}/agents/{squad.a.agent2_id}/activities", headers=viewer).json()[
        "items"
    ]
    assert {a["actor_agent_id"] for a in by_agent} == {squad.a.agent2_id}
    assert by_agent[0]["event_type"] == "message.posted"


def test_notifications_are_the_callers_own(client, squad):
    agent = squad.a.auth("agent")
    notes = client.get(f"{API}/notifications", headers=agent).json()["items"]
    assert {n["kind"] for n in notes} == {"assignment", "mention"}
    # another agent sees none of them, and cannot mark them read
    assert client.get(f"{API}/notifications", headers=squad.a.auth("agent2")).json()["items"] == []
    r = client.post(f"{API}/notifications/{notes[0]['id']}/read", headers=squad.a.auth("agent2"))
    assert r.status_code == 403
    r = client.post(f"{API}/notifications/{notes[0]['id']}/read", headers=agent)
    assert r.status_code == 200 and r.json()["read_at"]
    unread = client.get(f"{API}/notifications?unread=true", headers=agent).json()["items"]
    assert [n["id"] for n in unread] == [notes[1]["id"]]
    assert client.post(f"{API}/notifications/read-all", headers=agent).json() == {"marked_read": 1}
    assert client.get(f"{API}/notifications?unread=true", headers=agent).json()["items"] == []


def test_admin_manages_agents(client, squad):
    admin = squad.a.auth("admin")
    r = client.post(f"{API}/agents", headers=admin, json={"name": "Shuri", "role": "research"})
    assert r.status_code == 201 and r.json()["driver_config"] == {}  # settings without their secrets
    aid = r.json()["id"]
    r = client.post(f"{API}/agents", headers=admin, json={"name": "shuri", "role": "x"})
    assert r.status_code == 409
    r = client.patch(
        f"{API}/agents/{aid}", headers=admin, json={"paused": True, "description": "r&d"}
    )
    assert r.json()["paused"] is True and r.json()["description"] == "r&d"
    names = [a["name"] for a in client.get(f"{API}/agents", headers=squad.a.auth("viewer")).json()]
    assert "Shuri" in names
    r = client.post(f"{API}/agents", headers=admin, json={"name": "bad name", "role": "x"})
    assert r.status_code == 422


def test_version_history_comes_in_pages_without_the_text_unless_asked(client, squad):
    """A document may have thousands of versions of up to 500,000 characters: the history is
    paged like every other list, and carries each version's text only on request."""
    agent = squad.a.auth("agent")
    did = squad.a.document_id
    for n in range(2, 6):
        r = client.put(f"{API}/documents/{did}", headers=agent, json={"content": f"text {n}" * 1000})
        assert r.status_code == 200 and r.json()["version"] == n

    first = client.get(f"{API}/documents/{did}/versions?limit=2", headers=agent).json()
    assert [v["version"] for v in first["items"]] == [1, 2]
    assert all(v["content"] is None for v in first["items"])
    second = client.get(f"{API}/documents/{did}/versions?limit=2&cursor={first['next_cursor']}", headers=agent).json()
    last = client.get(f"{API}/documents/{did}/versions?limit=2&cursor={second['next_cursor']}", headers=agent).json()
    assert [v["version"] for v in second["items"] + last["items"]] == [3, 4, 5]
    assert last["next_cursor"] is None
    with_text = client.get(f"{API}/documents/{did}/versions?limit=1&cursor={first['next_cursor']}&include=content",
                           headers=agent).json()
    assert with_text["items"][0]["content"] == "text 3" * 1000
    assert client.get(f"{API}/documents/{did}/versions/5", headers=agent).json()["content"] == "text 5" * 1000
    assert client.get(f"{API}/documents/{did}/versions?include=everything", headers=agent).status_code == 422
