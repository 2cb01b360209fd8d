"""Who may create workspaces (the platform owner only) and who may delete (agents only with an
admin's grant)."""

from __future__ import annotations

import subprocess
import sys

from sqlmodel import select

from mission_control.config import ROOT, child_env
from mission_control.models import AuditEvent, Workspace

from .helpers import error_of

API = "/api/v1"


def test_only_the_first_workspaces_admins_create_workspaces(client, squad):
    """Workspace a is the installation's first: its admin owns the platform, b's does not."""
    r = client.post(f"{API}/workspaces", headers=squad.b.auth("admin"), json={"slug": "shadow", "name": "Shadow"})
    assert r.status_code == 403 and "platform owner" in error_of(r)["message"]
    made = client.post(f"{API}/workspaces", headers=squad.a.auth("admin"), json={"slug": "labs", "name": "Labs"})
    assert made.status_code == 201
    # The admin of the workspace just made is a tenant admin too, not an owner.
    login = client.post(f"{API}/auth/tokens", json={"workspace": "labs", "handle": made.json()["admin_handle"],
                                                    "password": made.json()["admin_password"]})
    labs_admin = {"Authorization": f"Bearer {login.json()['token']}"}
    r = client.post(f"{API}/workspaces", headers=labs_admin, json={"slug": "labs2", "name": "Labs 2"})
    assert r.status_code == 403
    assert client.get(f"{API}/workspace", headers=squad.b.auth("admin")).json()["slug"] == "b"


def test_the_server_command_line_creates_a_workspace(db, squad, session):
    env = child_env(PYTHONPATH=str(ROOT), MC_DATABASE_URL=db.url.render_as_string(hide_password=False))
    out = subprocess.run([sys.executable, "-m", "mission_control.seed", "--create-workspace", "ops", "Ops", "team"],
                         env=env, capture_output=True, text=True, timeout=120, check=True).stdout
    assert "workspace 'ops'" in out and "password:" in out
    session.expire_all()
    ws = session.exec(select(Workspace).where(Workspace.slug == "ops")).one()
    assert ws.name == "Ops team"


def test_agents_delete_only_with_an_admins_grant(client, squad, session):
    agent, admin = squad.a.auth("agent"), squad.a.auth("admin")
    task = squad.a.task2_id
    r = client.delete(f"{API}/tasks/{task}", headers=agent)
    assert r.status_code == 403 and "may not delete tasks" in error_of(r)["message"]
    r = client.delete(f"{API}/documents/{squad.a.document_id}", headers=agent)
    assert r.status_code == 403 and "may not delete documents" in error_of(r)["message"]
    assert client.get(f"{API}/tasks/{task}", headers=agent).status_code == 200
    # Only an admin grants it; the agent cannot grant itself.
    grant = {"can_delete": True}
    assert client.patch(f"{API}/agents/{squad.a.agent_id}", headers=agent, json=grant).status_code == 403
    assert client.patch(f"{API}/agents/{squad.a.agent_id}", headers=squad.a.auth("operator"),
                        json=grant).status_code == 403
    r = client.patch(f"{API}/agents/{squad.a.agent_id}", headers=admin, json=grant)
    assert r.status_code == 200 and r.json()["can_delete"] is True
    audit = session.exec(select(AuditEvent).where(AuditEvent.action == "agent.updated")).all()
    assert [(a.before["can_delete"], a.after["can_delete"]) for a in audit] == [(False, True)]
    assert client.delete(f"{API}/tasks/{task}", headers=agent).status_code == 204
    assert client.delete(f"{API}/documents/{squad.a.document_id}", headers=agent).status_code == 204
    # The grant is per agent: the other agent still may not.
    r = client.delete(f"{API}/tasks/{squad.a.task_id}", headers=squad.a.auth("agent2"))
    assert r.status_code == 403
    # Operators never needed one.
    assert client.delete(f"{API}/tasks/{squad.a.task_id}", headers=squad.a.auth("operator")).status_code == 204


def test_a_new_agent_can_be_created_with_the_grant(client, squad):
    r = client.post(f"{API}/agents", headers=squad.a.auth("admin"),
                    json={"name": "Janitor", "role": "cleanup", "can_delete": True})
    assert r.status_code == 201 and r.json()["can_delete"] is True
    listed = {a["name"]: a["can_delete"] for a in client.get(f"{API}/agents", headers=squad.a.auth("viewer")).json()}
    assert listed["Janitor"] is True and listed["Fridaya"] is False
