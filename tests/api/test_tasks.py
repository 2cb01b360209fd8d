"""Tasks over HTTP: create, list (filters, cursor), show, edit, move, assign, subtasks,
dependencies, threads, delete — each with its refusals."""

from __future__ import annotations

from .helpers import error_of

API = "/api/v1"


def test_task_lifecycle_through_the_api(client, squad):
    op = squad.a.auth("operator")
    r = client.post(
        f"{API}/tasks",
        headers=op,
        json={"title": "Ship the API", "priority": "high", "due_at": "2030-01-31T17:00:00Z"},
    )
    assert r.status_code == 201
    task = r.json()
    assert (task["status"], task["priority"], task["assignee_ids"]) == ("inbox", "high", [])
    tid = task["id"]

    r = client.post(f"{API}/tasks/{tid}/assignees", headers=op, json={"agent_id": squad.a.agent_id})
    assert r.json()["status"] == "assigned" and r.json()["assignee_ids"] == [squad.a.agent_id]

    r = client.patch(f"{API}/tasks/{tid}", headers=op, json={"title": "Ship the agent API"})
    assert r.status_code == 200 and r.json()["title"] == "Ship the agent API"

    agent = squad.a.auth("agent")
    r = client.post(f"{API}/tasks/{tid}/move", headers=agent, json={"status": "in_progress"})
    assert r.status_code == 200 and r.json()["status"] == "in_progress"
    assert client.get(f"{API}/tasks/{tid}", headers=agent).json()["status"] == "in_progress"

    # the feed tells who did it
    feed = client.get(f"{API}/tasks/{tid}/activities", headers=agent).json()["items"]
    assert feed[0]["event_type"] == "task.moved" and feed[0]["actor_name"] == "Fridaya"

    assert client.delete(f"{API}/tasks/{tid}", headers=op).status_code == 204
    assert client.get(f"{API}/tasks/{tid}", headers=op).status_code == 404


def test_list_filters_and_mine(client, squad):
    agent = squad.a.auth("agent")
    mine = client.get(f"{API}/tasks?mine=true", headers=agent).json()["items"]
    assert [t["id"] for t in mine] == [squad.a.task_id]
    inbox = client.get(f"{API}/tasks?status=inbox", headers=agent).json()["items"]
    assert [t["id"] for t in inbox] == [squad.a.task2_id]
    by_assignee = client.get(f"{API}/tasks?assignee_id={squad.a.agent2_id}", headers=agent).json()
    assert by_assignee == {"items": [], "next_cursor": None}
    r = client.get(f"{API}/tasks?mine=true", headers=squad.a.auth("operator"))
    assert r.status_code == 422
    r = client.get(f"{API}/tasks?status=later", headers=agent)
    assert r.status_code == 422 and "status" in error_of(r)["details"]["fields"]


def test_cursor_pagination_walks_every_task_once(client, squad):
    op = squad.a.auth("operator")
    for i in range(5):
        client.post(f"{API}/tasks", headers=op, json={"title": f"t{i}"})
    seen, cursor, pages = [], None, 0
    while True:
        url = f"{API}/tasks?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=op).json()
        seen += [t["id"] for t in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 4 and len(seen) == 7 == len(set(seen)) and seen == sorted(seen)


def test_moves_that_break_the_rules_are_refused(client, squad):
    op = squad.a.auth("operator")
    r = client.post(f"{API}/tasks/{squad.a.task2_id}/move", headers=op, json={"status": "assigned"})
    assert r.status_code == 422 and "no assignee" in error_of(r)["message"]
    r = client.post(f"{API}/tasks/{squad.a.task2_id}/move", headers=op, json={"status": "archived"})
    assert r.status_code == 422 and "status" in error_of(r)["details"]["fields"]


def test_subtasks(client, squad):
    op = squad.a.auth("operator")
    r = client.post(f"{API}/tasks/{squad.a.task_id}/subtasks", headers=op, json={"title": "Part 1"})
    assert r.status_code == 201 and r.json()["parent_task_id"] == squad.a.task_id
    sub = r.json()["id"]
    parent = client.get(f"{API}/tasks/{squad.a.task_id}", headers=op).json()
    assert parent["subtask_ids"] == [sub]
    listed = client.get(f"{API}/tasks/{squad.a.task_id}/subtasks", headers=op).json()["items"]
    assert [t["id"] for t in listed] == [sub]
    r = client.post(f"{API}/tasks/999999/subtasks", headers=op, json={"title": "orphan"})
    assert r.status_code == 404


def test_dependencies_block_and_refuse_cycles(client, squad):
    op = squad.a.auth("operator")
    a, b = squad.a.task_id, squad.a.task2_id
    r = client.post(f"{API}/tasks/{a}/dependencies", headers=op, json={"depends_on_id": b})
    assert r.status_code == 200
    assert r.json()["depends_on_ids"] == [b] and r.json()["blocked_by"] == [b]
    r = client.post(f"{API}/tasks/{b}/dependencies", headers=op, json={"depends_on_id": a})
    assert r.status_code == 422 and "cycle" in error_of(r)["message"]
    r = client.post(f"{API}/tasks/{a}/move", headers=op, json={"status": "in_progress"})
    assert r.status_code == 422 and error_of(r)["details"]["blocked_by"] == [b]
    r = client.delete(f"{API}/tasks/{a}/dependencies/{b}", headers=op)
    assert r.status_code == 200 and r.json()["depends_on_ids"] == []
    r = client.delete(f"{API}/tasks/{a}/dependencies/{b}", headers=op)
    assert r.status_code == 422


def test_unassign(client, squad):
    op = squad.a.auth("operator")
    r = client.delete(f"{API}/tasks/{squad.a.task_id}/assignees/{squad.a.agent_id}", headers=op)
    assert r.status_code == 200
    assert r.json()["assignee_ids"] == [] and r.json()["status"] == "inbox"
    r = client.delete(f"{API}/tasks/{squad.a.task_id}/assignees/{squad.a.agent_id}", headers=op)
    assert r.status_code == 422 and "not assigned" in error_of(r)["message"]


def test_thread_read_and_reply(client, squad):
    agent = squad.a.auth("agent")
    thread = client.get(f"{API}/tasks/{squad.a.task_id}/messages", headers=agent).json()
    assert [m["id"] for m in thread["items"]] == [squad.a.message_id]
    r = client.post(
        f"{API}/tasks/{squad.a.task_id}/messages",
        headers=agent,
        json={"body": "on it", "parent_message_id": squad.a.message_id, "type": "answer"},
    )
    assert r.status_code == 201 and r.json()["parent_message_id"] == squad.a.message_id
    r = client.post(
        f"{API}/tasks/{squad.a.task2_id}/messages",
        headers=agent,
        json={"body": "wrong thread", "parent_message_id": squad.a.message_id},
    )
    assert r.status_code == 422 and "belongs to task" in error_of(r)["message"]
    r = client.post(f"{API}/tasks/{squad.a.task_id}/messages", headers=agent, json={"body": "   "})
    assert r.status_code == 422


def test_review_is_closed_by_an_operator_not_by_the_agent(client, squad):
    op, agent = squad.a.auth("operator"), squad.a.auth("agent")
    tid = squad.a.task_id
    for step in ("in_progress", "review"):
        assert client.post(f"{API}/tasks/{tid}/move", headers=agent, json={"status": step}).status_code == 200
    r = client.post(f"{API}/tasks/{tid}/move", headers=agent, json={"status": "done"})
    assert r.status_code == 403 and "operator approves" in error_of(r)["message"]
    assert client.post(f"{API}/tasks/{tid}/approve", headers=agent, json={}).status_code == 403
    assert client.post(f"{API}/tasks/{tid}/approve", headers=squad.a.auth("viewer"), json={}).status_code == 403
    assert client.post(f"{API}/tasks/{tid}/approve", headers=squad.b.auth("operator"), json={}).status_code == 404
    r = client.post(f"{API}/tasks/{tid}/reject", headers=op, json={"reason": "no"})
    assert r.status_code == 422 and "reason" in error_of(r)["details"]["fields"]
    r = client.post(f"{API}/tasks/{tid}/reject", headers=op, json={"reason": "Cover the empty case"})
    assert r.status_code == 200 and r.json()["status"] == "in_progress"
    thread = client.get(f"{API}/tasks/{tid}/messages", headers=agent).json()
    assert "Cover the empty case" in (thread["items"] if isinstance(thread, dict) else thread)[-1]["body"]
    client.post(f"{API}/tasks/{tid}/move", headers=agent, json={"status": "review"})
    r = client.post(f"{API}/tasks/{tid}/approve", headers=op, json={"note": "Nice."})
    assert r.status_code == 200 and r.json()["status"] == "done"
    r = client.post(f"{API}/tasks/{tid}/approve", headers=op, json={})
    assert r.status_code == 409 and "not in review" in error_of(r)["message"]
