"""Every endpoint of the API, as calls aimed at one team's objects, with the permission each
needs. The matrix tests check that this list covers every route the app serves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .conftest import Team

API = "/api/v1"


@dataclass(frozen=True)
class Call:
    method: str
    route: str  # the route template, as FastAPI knows it
    url: str
    body: Any = None
    # public | read | work | delete (work, agents only with a grant) | operator | admin |
    # self_agent | self_user
    needs: str = "read"
    aims: bool = True  # names an object of the target team (in the path or the body)

    @property
    def mutates(self) -> bool:
        return self.method != "GET"


def calls(t: Team) -> list[Call]:
    """One call per endpoint (a few endpoints twice: with the target's ids in the body)."""
    task, task2, agent, doc = t.task_id, t.task2_id, t.agent_id, t.document_id
    hook = t.webhook_id
    op_key, agent_key = t.key_ids["operator"], t.key_ids["agent2"]
    c = Call
    return [
        c("GET", "/health", "/health", needs="public", aims=False),
        c("GET", "/audit/verify", "/audit/verify", needs="admin", aims=False),
        c("GET", "/audit", "/audit", needs="admin", aims=False),
        c("GET", "/workspace", "/workspace", aims=False),
        c("PATCH", "/workspace", "/workspace", {"name": "Renamed"}, "admin", aims=False),
        c("POST", "/workspaces", "/workspaces", {"slug": f"spawn-{t.slug}", "name": "Spawned"}, "admin", aims=False),
        c("GET", "/me", "/me", aims=False),
        c(
            "POST",
            "/auth/tokens",
            "/auth/tokens",
            {"workspace": t.slug, "handle": f"operator-{t.slug}", "password": "guess"},
            "public",
        ),
        c("GET", "/me/tokens", "/me/tokens", needs="self_user", aims=False),
        c("POST", "/me/tokens", "/me/tokens", {"name": "x"}, "self_user", aims=False),
        c("POST", "/me/tokens/{key_id}/revoke", f"/me/tokens/{op_key}/revoke", needs="self_user"),
        c("POST", "/me/tokens/{key_id}/rotate", f"/me/tokens/{op_key}/rotate", needs="self_user"),
        c("GET", "/users", "/users", aims=False),
        c("POST", "/users", "/users", {"handle": "intruder", "role": "admin"}, "admin", aims=False),
        c("GET", "/users/{user_id}", f"/users/{t.user_ids['admin']}"),
        c("GET", "/agents", "/agents", aims=False),
        c("POST", "/agents", "/agents", {"name": "Mole", "role": "spy"}, "admin", aims=False),
        c("GET", "/agents/{agent_id}", f"/agents/{agent}"),
        c("PATCH", "/agents/{agent_id}", f"/agents/{agent}", {"paused": True}, "admin"),
        c("DELETE", "/agents/{agent_id}", f"/agents/{t.agent2_id}", needs="admin"),
        c("POST", "/agents/{agent_id}/heartbeat", f"/agents/{agent}/heartbeat", {}, "self_agent"),
        c("POST", "/agents/{agent_id}/wake", f"/agents/{agent}/wake", {}, "operator"),
        c("GET", "/agents/{agent_id}/keys", f"/agents/{agent}/keys", needs="admin"),
        c("POST", "/agents/{agent_id}/keys", f"/agents/{agent}/keys", {}, "admin"),
        c("POST", "/keys/{key_id}/revoke", f"/keys/{agent_key}/revoke", needs="admin"),
        c("POST", "/keys/{key_id}/rotate", f"/keys/{agent_key}/rotate", needs="admin"),
        c("GET", "/tasks", "/tasks", aims=False),
        c("GET", "/tasks", f"/tasks?assignee_id={agent}"),
        c("GET", "/tasks", f"/tasks?parent_task_id={task}"),
        c("POST", "/tasks", "/tasks", {"title": "x"}, "work", aims=False),
        c("POST", "/tasks", "/tasks", {"title": "x", "assignee_ids": [agent]}, "work"),
        c("POST", "/tasks", "/tasks", {"title": "x", "parent_task_id": task}, "work"),
        c("POST", "/tasks", "/tasks", {"title": "x", "depends_on_ids": [task]}, "work"),
        c("GET", "/tasks/{task_id}", f"/tasks/{task}"),
        c("PATCH", "/tasks/{task_id}", f"/tasks/{task}", {"title": "pwned"}, "work"),
        c("DELETE", "/tasks/{task_id}", f"/tasks/{task}", needs="delete"),
        c("POST", "/tasks/{task_id}/move", f"/tasks/{task}/move", {"status": "inbox"}, "work"),
        c("POST", "/tasks/{task_id}/approve", f"/tasks/{task}/approve", {}, "work"),
        c("POST", "/tasks/{task_id}/reject", f"/tasks/{task}/reject", {"reason": "needs work"}, "work"),
        c(
            "POST",
            "/tasks/{task_id}/assignees",
            f"/tasks/{task2}/assignees",
            {"agent_id": agent},
            "work",
        ),
        c(
            "DELETE",
            "/tasks/{task_id}/assignees/{agent_id}",
            f"/tasks/{task}/assignees/{agent}",
            needs="work",
        ),
        c("GET", "/tasks/{task_id}/subtasks", f"/tasks/{task}/subtasks"),
        c("POST", "/tasks/{task_id}/subtasks", f"/tasks/{task}/subtasks", {"title": "x"}, "work"),
        c(
            "POST",
            "/tasks/{task_id}/dependencies",
            f"/tasks/{task}/dependencies",
            {"depends_on_id": task2},
            "work",
        ),
        c(
            "DELETE",
            "/tasks/{task_id}/dependencies/{depends_on_id}",
            f"/tasks/{task}/dependencies/{task2}",
            needs="work",
        ),
        c("GET", "/tasks/{task_id}/messages", f"/tasks/{task}/messages"),
        c("POST", "/tasks/{task_id}/messages", f"/tasks/{task}/messages", {"body": "hi"}, "work"),
        c("GET", "/documents", "/documents", aims=False),
        c("GET", "/documents", f"/documents?task_id={task}"),
        c("POST", "/documents", "/documents", {"title": "x"}, "work", aims=False),
        c("POST", "/documents", "/documents", {"title": "x", "task_id": task}, "work"),
        c("GET", "/documents/{document_id}", f"/documents/{doc}"),
        c("PUT", "/documents/{document_id}", f"/documents/{doc}", {"content": "pwned"}, "work"),
        c("DELETE", "/documents/{document_id}", f"/documents/{doc}", needs="delete"),
        c("GET", "/documents/{document_id}/versions", f"/documents/{doc}/versions"),
        c("GET", "/documents/{document_id}/versions/{version}", f"/documents/{doc}/versions/1"),
        c(
            "POST",
            "/documents/{document_id}/versions/{version}/restore",
            f"/documents/{doc}/versions/1/restore",
            needs="work",
        ),
        c("GET", "/activities", "/activities", aims=False),
        c("GET", "/agents/{agent_id}/activities", f"/agents/{agent}/activities"),
        c("GET", "/tasks/{task_id}/activities", f"/tasks/{task}/activities"),
        c("GET", "/notifications", "/notifications", aims=False),
        c(
            "POST",
            "/notifications/{notification_id}/read",
            f"/notifications/{t.notification_id}/read",
        ),
        c("POST", "/notifications/read-all", "/notifications/read-all", aims=False),
        c("GET", "/state/working-md", "/state/working-md", aims=False),
        c(
            "PUT",
            "/state/working-md",
            "/state/working-md",
            {"notes": "n", "base_version": 0},
            "work",
            aims=False,
        ),
        c("GET", "/state/working-md/versions", "/state/working-md/versions", aims=False),
        c("GET", "/state/working-md/versions/{version}", "/state/working-md/versions/1"),
        c("GET", "/webhooks", "/webhooks", needs="admin", aims=False),
        c(
            "POST",
            "/webhooks",
            "/webhooks",
            {"url": "http://127.0.0.1:9/x", "events": ["task.review"]},
            "admin",
            aims=False,
        ),
        c("GET", "/webhooks/{webhook_id}", f"/webhooks/{hook}", needs="admin"),
        c("PATCH", "/webhooks/{webhook_id}", f"/webhooks/{hook}", {"active": False}, "admin"),
        c("DELETE", "/webhooks/{webhook_id}", f"/webhooks/{hook}", needs="admin"),
        c(
            "GET",
            "/webhooks/{webhook_id}/deliveries",
            f"/webhooks/{hook}/deliveries",
            needs="admin",
        ),
        c(
            "POST",
            "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
            f"/webhooks/{hook}/deliveries/{t.delivery_id}/redeliver",
            needs="admin",
        ),
        c("GET", "/memory/search", "/memory/search?q=invoice+export", aims=False),
        c("GET", "/memory/status", "/memory/status", aims=False),
        c("POST", "/memory/reindex", "/memory/reindex", needs="admin", aims=False),
        c("GET", "/tasks/{task_id}/similar", f"/tasks/{task}/similar"),
    ]


def body_aimed_calls(home: Team, target: Team) -> list[Call]:
    """Calls on the caller's own objects that name the target team's objects in the body."""
    c = Call
    return [
        c(
            "POST",
            "/tasks/{task_id}/assignees",
            f"/tasks/{home.task2_id}/assignees",
            {"agent_id": target.agent_id},
            "work",
        ),
        c(
            "DELETE",
            "/tasks/{task_id}/assignees/{agent_id}",
            f"/tasks/{home.task_id}/assignees/{target.agent_id}",
            needs="work",
        ),
        c(
            "POST",
            "/tasks/{task_id}/dependencies",
            f"/tasks/{home.task_id}/dependencies",
            {"depends_on_id": target.task_id},
            "work",
        ),
        c(
            "POST",
            "/tasks/{task_id}/messages",
            f"/tasks/{home.task_id}/messages",
            {"body": "reply", "parent_message_id": target.message_id},
            "work",
        ),
        c(
            "POST",
            "/tasks/{task_id}/subtasks",
            f"/tasks/{home.task_id}/subtasks",
            {"title": "x", "assignee_ids": [target.agent_id]},
            "work",
        ),
    ]


def send(client: Any, call: Call, headers: dict[str, str]) -> Any:
    kwargs: dict[str, Any] = {"headers": headers}
    if call.body is not None:
        kwargs["json"] = call.body
    return client.request(call.method, API + call.url, **kwargs)


def refused_for(role: str, needs: str) -> bool:
    """Whether a caller of `role` (admin/operator/viewer/agent) lacks what `needs` asks."""
    allowed = {
        "public": {"admin", "operator", "viewer", "agent"},
        "read": {"admin", "operator", "viewer", "agent"},
        "work": {"admin", "operator", "agent"},
        "delete": {"admin", "operator"},  # an agent needs an admin's grant (can_delete)
        "operator": {"admin", "operator"},
        "admin": {"admin"},
        "self_agent": {"agent"},
        "self_user": {"admin", "operator", "viewer"},
    }
    return role not in allowed[needs]
