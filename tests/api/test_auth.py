"""Keys and tokens: refused when missing, unknown or revoked; shown once; stored hashed;
rotation; operator sign-in, limited per address and per handle; a key acts only as its own agent."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from mission_control.config import Settings
from mission_control.models import ApiKey, User
from mission_control.services import auth

from .helpers import error_of


def test_no_key_unknown_key_and_malformed_key_are_401(client, squad):
    r = client.get("/api/v1/tasks")
    assert r.status_code == 401 and "Authorization: Bearer" in error_of(r)["message"]
    r = client.get("/api/v1/tasks", headers={"Authorization": "Bearer mca_aaaaaaaa_nope"})
    assert r.status_code == 401 and error_of(r)["code"] == "unauthenticated"
    r = client.get("/api/v1/tasks", headers={"Authorization": "Bearer hello"})
    assert r.status_code == 401
    # a real key with one character changed
    token = squad.a.tokens["agent"]
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert (
        client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {tampered}"}).status_code
        == 401
    )


def test_whoami_says_who_the_key_acts_as(client, squad):
    me = client.get("/api/v1/me", headers=squad.a.auth("agent")).json()
    assert (me["type"], me["id"], me["name"], me["role"]) == (
        "agent",
        squad.a.agent_id,
        "Friday" + "a",
        "agent",
    )
    assert me["workspace"]["slug"] == "a"
    op = client.get("/api/v1/me", headers=squad.b.auth("viewer")).json()
    assert (op["type"], op["role"], op["workspace"]["slug"]) == ("user", "viewer", "b")


def test_agent_key_is_shown_once_and_stored_only_as_a_hash(client, squad, session):
    r = client.post(
        f"/api/v1/agents/{squad.a.agent2_id}/keys",
        headers=squad.a.auth("admin"),
        json={"name": "ci"},
    )
    assert r.status_code == 201
    issued = r.json()
    token = issued["token"]
    assert token.startswith("mca_") and issued["prefix"] == token[: len(issued["prefix"])]
    # it works, as that agent
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["id"] == squad.a.agent2_id
    # the listing never shows it again, and the database does not hold it
    listed = client.get(
        f"/api/v1/agents/{squad.a.agent2_id}/keys", headers=squad.a.auth("admin")
    ).json()
    assert [k["prefix"] for k in listed if k["id"] == issued["id"]] == [issued["prefix"]]
    assert all("token" not in k for k in listed)
    row = session.get(ApiKey, issued["id"])
    assert token not in (row.key_hash, row.prefix, row.name) and len(row.key_hash) == 64


def test_revoked_key_is_refused_at_once(client, squad):
    headers = squad.a.auth("agent")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    r = client.post(
        f"/api/v1/keys/{squad.a.key_ids['agent']}/revoke", headers=squad.a.auth("admin")
    )
    assert r.status_code == 200 and r.json()["revoked_at"]
    r = client.get("/api/v1/me", headers=headers)
    assert r.status_code == 401 and "revoked" in error_of(r)["message"]


def test_rotation_replaces_the_key(client, squad):
    old = squad.a.auth("agent")
    r = client.post(
        f"/api/v1/keys/{squad.a.key_ids['agent']}/rotate", headers=squad.a.auth("admin")
    )
    assert r.status_code == 200
    new = {"Authorization": f"Bearer {r.json()['token']}"}
    assert client.get("/api/v1/me", headers=old).status_code == 401
    assert client.get("/api/v1/me", headers=new).json()["id"] == squad.a.agent_id
    # a revoked key cannot be rotated back to life
    r = client.post(
        f"/api/v1/keys/{squad.a.key_ids['agent']}/rotate", headers=squad.a.auth("admin")
    )
    assert r.status_code == 422


def test_only_admins_manage_keys(client, squad):
    for who in ("operator", "viewer", "agent"):
        r = client.post(
            f"/api/v1/agents/{squad.a.agent_id}/keys", headers=squad.a.auth(who), json={}
        )
        assert r.status_code == 403, who
        assert error_of(r)["code"] == "forbidden"


def test_deleting_an_agent_kills_its_key(client, squad):
    assert (
        client.delete(
            f"/api/v1/agents/{squad.a.agent2_id}", headers=squad.a.auth("admin")
        ).status_code
        == 204
    )
    assert client.get("/api/v1/me", headers=squad.a.auth("agent2")).status_code == 401


def test_a_key_checks_in_only_for_its_own_agent(client, squad):
    r = client.post(
        f"/api/v1/agents/{squad.a.agent_id}/heartbeat",
        headers=squad.a.auth("agent"),
        json={"status": "active"},
    )
    assert r.status_code == 200
    assert r.json()["agent"]["status"] == "active" and r.json()["agent"]["last_seen_at"]
    assert r.json()["unread_notifications"] == 2  # the assignment and the @mention
    r = client.post(
        f"/api/v1/agents/{squad.a.agent2_id}/heartbeat", headers=squad.a.auth("agent"), json={}
    )
    assert r.status_code == 403
    r = client.post(
        f"/api/v1/agents/{squad.a.agent_id}/heartbeat", headers=squad.a.auth("admin"), json={}
    )
    assert r.status_code == 403
    r = client.post(
        f"/api/v1/agents/{squad.a.agent_id}/heartbeat",
        headers=squad.a.auth("agent"),
        json={"status": "offline"},
    )
    assert r.status_code == 422


def test_messages_are_always_posted_as_the_key_owner(client, squad):
    r = client.post(
        f"/api/v1/tasks/{squad.a.task_id}/messages",
        headers=squad.a.auth("agent"),
        json={"body": "done @Visiona"},
    )
    assert r.status_code == 201
    assert (r.json()["author_agent_id"], r.json()["author_user_id"]) == (squad.a.agent_id, None)
    assert r.json()["notified"] == ["Visiona"]


# --------------------------------------------------------------------------- operators


def _with_password(session, team, role="operator", password="correct horse battery"):
    user = session.get(User, team.user_ids[role])
    user.password_hash = auth.hash_password(password)
    handle = user.handle
    session.add(user)
    session.commit()  # and no read after it: an open read would pin an old snapshot
    return handle, password


def test_operator_signs_in_for_a_personal_token(client, squad, session):
    handle, password = _with_password(session, squad.a)
    r = client.post(
        "/api/v1/auth/tokens",
        json={"workspace": "a", "handle": handle, "password": password, "name": "laptop"},
    )
    assert r.status_code == 201
    token = r.json()["token"]
    assert token.startswith("mco_")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).json()["name"] == handle
    mine = client.get("/api/v1/me/tokens", headers=headers).json()
    assert {t["name"] for t in mine} == {"test", "laptop"}
    # revoke it with itself: it stops working
    r = client.post(f"/api/v1/me/tokens/{r.json()['id']}/revoke", headers=headers)
    assert r.status_code == 200
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_operators_cannot_touch_someone_elses_token(client, squad):
    other = squad.a.key_ids["admin"]
    r = client.post(f"/api/v1/me/tokens/{other}/revoke", headers=squad.a.auth("operator"))
    assert r.status_code == 404
    assert client.get("/api/v1/me", headers=squad.a.auth("admin")).status_code == 200
    r = client.get("/api/v1/me/tokens", headers=squad.a.auth("agent"))
    assert r.status_code == 403


def test_wrong_password_and_unknown_handle_look_the_same(client, squad, session):
    handle, _ = _with_password(session, squad.a)
    wrong = client.post(
        "/api/v1/auth/tokens", json={"workspace": "a", "handle": handle, "password": "nope"}
    )
    ghost = client.post(
        "/api/v1/auth/tokens", json={"workspace": "a", "handle": "ghost", "password": "nope"}
    )
    other_ws = client.post(
        "/api/v1/auth/tokens", json={"workspace": "b", "handle": handle, "password": "nope"}
    )
    assert wrong.status_code == ghost.status_code == other_ws.status_code == 401
    assert error_of(wrong)["message"] == error_of(ghost)["message"] == error_of(other_ws)["message"]


def test_repeated_failures_are_limited_per_address_and_per_handle(db, squad, session):
    from fastapi.testclient import TestClient

    from mission_control.api.app import create_api

    handle, password = _with_password(session, squad.a)
    api = create_api(Settings(login_address_limit="3/minute", login_handle_limit="5/minute"))
    body = {"workspace": "a", "handle": handle, "password": "wrong guess"}

    def from_address(address: str, **over: str) -> Any:
        with TestClient(api, client=(address, 50000)) as client:
            return client.post("/api/v1/auth/tokens", json={**body, **over})

    # One address runs out of tries before it alone could lock the operator out...
    assert [from_address("203.0.113.1").status_code for _ in range(3)] == [401] * 3
    r = from_address("203.0.113.1", password=password)
    assert r.status_code == 429 and 1 <= int(r.headers["Retry-After"]) <= 60
    assert "too many failed sign-ins from this address" in error_of(r)["message"]
    assert from_address("198.51.100.2", password=password).status_code == 201  # ...who still gets in
    # Several addresses together fill a handle's limit, the same for a handle nobody has...
    assert [from_address(f"192.0.2.{i}", handle="ghost").status_code for i in range(6)] == [401] * 5 + [429]
    # ...and for this one (3 failures from the first address + 2 = its 5).
    assert [from_address(f"192.0.2.{10 + i}").status_code for i in range(3)] == [401, 401, 429]
    r = from_address("198.51.100.2", password=password)
    assert r.status_code == 429 and "for this handle" in error_of(r)["message"]
    session.rollback()
    assert session.get(User, squad.a.user_ids["operator"]).last_login_at is not None


def test_refused_credentials_from_one_address_are_rate_limited(db, squad):
    from fastapi.testclient import TestClient

    from mission_control.api.app import create_api

    client = TestClient(create_api(Settings(api_auth_failure_limit="3/minute")))
    bad = {"Authorization": "Bearer mca_aaaaaaaa_wrong"}
    assert [client.get("/api/v1/me", headers=bad).status_code for _ in range(3)] == [401] * 3
    r = client.get("/api/v1/me", headers=squad.a.auth("agent"))  # even a good key, from there
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1


def test_deactivated_operator_token_is_refused(client, squad, session):
    user = session.exec(select(User).where(User.id == squad.a.user_ids["operator"])).one()
    user.is_active = False
    session.add(user)
    session.commit()
    assert client.get("/api/v1/me", headers=squad.a.auth("operator")).status_code == 401


def test_admin_adds_an_operator_with_a_generated_password(client, squad):
    r = client.post(
        "/api/v1/users", headers=squad.a.auth("admin"), json={"handle": "newbie", "role": "viewer"}
    )
    assert r.status_code == 201
    password = r.json()["password"]
    assert password and len(password) >= 12
    r = client.post(
        "/api/v1/auth/tokens", json={"workspace": "a", "handle": "newbie", "password": password}
    )
    assert r.status_code == 201
    r = client.post(
        "/api/v1/users",
        headers=squad.a.auth("operator"),
        json={"handle": "sneaky", "role": "admin"},
    )
    assert r.status_code == 403


API = "/api/v1"


def test_admins_rename_their_workspace_and_create_separate_ones(client, squad):
    admin = squad.a.auth("admin")
    r = client.patch(f"{API}/workspace", headers=admin, json={"name": "Night shift"})
    assert r.status_code == 200 and r.json()["name"] == "Night shift"
    assert client.get(f"{API}/workspace", headers=squad.a.auth("agent")).json()["name"] == "Night shift"
    r = client.post(f"{API}/workspaces", headers=admin, json={"slug": "Bad Slug", "name": "x"})
    assert r.status_code == 422 and "slug" in error_of(r)["details"]["fields"]
    r = client.post(f"{API}/workspaces", headers=admin, json={"slug": "research", "name": "Research"})
    assert r.status_code == 201
    made = r.json()
    assert made["workspace"]["slug"] == "research" and len(made["admin_password"]) >= 20
    assert client.post(f"{API}/workspaces", headers=admin, json={"slug": "research", "name": "Again"}).status_code == 409
    # The new admin signs in to the new workspace only; the creator has no key there.
    r = client.post(f"{API}/auth/tokens", json={"workspace": "research", "handle": made["admin_handle"],
                                                "password": made["admin_password"]})
    assert r.status_code == 201
    newcomer = {"Authorization": f"Bearer {r.json()['token']}"}
    assert client.get(f"{API}/workspace", headers=newcomer).json()["slug"] == "research"
    assert client.get(f"{API}/tasks", headers=newcomer).json()["items"] == []
    for who in ("operator", "viewer", "agent"):
        assert client.patch(f"{API}/workspace", headers=squad.a.auth(who), json={"name": "x"}).status_code == 403


# Who a key belongs to is remembered for a moment (MC_API_KEY_CACHE_S); changes made through
# the app must still apply to the very next request.


def test_a_key_revoked_in_the_app_is_refused_on_the_next_request(client, squad):
    from mission_control.db import session_scope
    from mission_control.services import api_keys
    from mission_control.services.actor import Actor

    headers = squad.a.auth("agent")
    assert client.get("/api/v1/me", headers=headers).status_code == 200  # now remembered
    with session_scope() as s:  # as the Settings page does it: not through this API
        api_keys.revoke_key(session=s, workspace_id=squad.a.workspace_id,
                            key_id=squad.a.key_ids["agent"], actor=Actor.system("test"))
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.get("/api/v1/me", headers=squad.a.auth("agent2")).status_code == 200


def test_an_operator_deactivated_in_the_app_loses_access_on_the_next_request(client, squad):
    from mission_control.db import session_scope
    from mission_control.services import users
    from mission_control.services.actor import Actor

    headers = squad.a.auth("operator")
    assert client.post("/api/v1/tasks", headers=headers, json={"title": "mine"}).status_code == 201
    with session_scope() as s:
        users.set_active(session=s, workspace_id=squad.a.workspace_id,
                         user_id=squad.a.user_ids["operator"], active=False, actor=Actor.system("test"))
    r = client.post("/api/v1/tasks", headers=headers, json={"title": "not any more"})
    assert r.status_code == 401


def test_an_agent_deleted_in_the_app_loses_its_key_on_the_next_request(client, squad):
    from mission_control.db import session_scope
    from mission_control.services import agents
    from mission_control.services.actor import Actor

    headers = squad.a.auth("agent")
    agent_id = squad.a.agent_id
    assert client.post(f"/api/v1/agents/{agent_id}/heartbeat", headers=headers,
                       json={"status": "active"}).status_code == 200  # remembered
    with session_scope() as s:
        agents.delete_agent(session=s, workspace_id=squad.a.workspace_id, agent_id=agent_id,
                            actor=Actor.system("test"))
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.get("/api/v1/me", headers=squad.a.auth("agent2")).status_code == 200


def test_a_key_revoked_behind_the_apps_back_is_refused_within_the_cache_lifetime(db, squad, session):
    import time

    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from mission_control.api.app import create_api

    client = TestClient(create_api(Settings(api_rate_limit="1000/minute", api_key_cache_s=0.3)))
    headers = squad.a.auth("agent")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    # another process (another worker, a script) revokes it: no event reaches this one
    session.exec(text("UPDATE api_key SET revoked_at = CURRENT_TIMESTAMP WHERE id = :id").bindparams(
        id=squad.a.key_ids["agent"]))
    session.commit()
    time.sleep(0.4)
    assert client.get("/api/v1/me", headers=headers).status_code == 401
