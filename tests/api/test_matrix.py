"""Roles and workspaces over every endpoint.

- Each role is refused (403, nothing written) on every endpoint its role does not allow.
- No key or operator of workspace B can read or change anything of workspace A: aimed at
  A's objects (in the path or the body) every call fails with 404 (or 403 for a role that may
  not call the endpoint at all), A's audit log does not grow, and no response shows A's data.
"""

from __future__ import annotations

from .helpers import error_of
from .matrix import API, body_aimed_calls, calls, refused_for, send

ROLES = ("admin", "operator", "viewer", "agent")
A_MARKERS = (
    "Task of a",
    "Fridaya",
    "Visiona",
    "operator-a",
    "admin-a",
    "viewer-a",
    "Squad a",
    "hook-of-a",
)


def test_the_matrix_covers_every_route(app, squad):
    served = {
        (method.upper(), path.removeprefix(API))
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }
    listed = {(c.method, c.route) for c in calls(squad.a)}
    assert served - listed == set(), "add the new endpoints to tests/api/matrix.py"
    assert listed - served == set()


def test_every_role_is_refused_what_it_may_not_do(client, squad, audit_count):
    problems = []
    before = audit_count(squad.a.workspace_id)
    for role in ROLES:
        for call in calls(squad.a):
            if not refused_for(role, call.needs):
                continue
            r = send(client, call, squad.a.auth(role))
            if r.status_code != 403 or error_of(r)["code"] != "forbidden":
                problems.append(f"{role} {call.method} {call.url}: {r.status_code} {r.text[:120]}")
    assert problems == []
    assert audit_count(squad.a.workspace_id) == before, "a refused call was recorded as a change"


def test_viewers_change_nothing_but_their_own_bell(squad):
    mutating = {
        (c.method, c.route)
        for c in calls(squad.a)
        if c.mutates and not refused_for("viewer", c.needs)
    }
    assert mutating == {
        ("POST", "/auth/tokens"),
        ("POST", "/me/tokens"),
        ("POST", "/me/tokens/{key_id}/revoke"),
        ("POST", "/me/tokens/{key_id}/rotate"),
        ("POST", "/notifications/{notification_id}/read"),
        ("POST", "/notifications/read-all"),
    }


def test_no_one_from_another_workspace_reaches_this_one(client, squad, audit_count):
    a, b = squad.a, squad.b
    before = audit_count(a.workspace_id)
    aimed = [c for c in calls(a) if c.aims] + body_aimed_calls(b, a)
    problems = []
    for role in ROLES:
        for call in aimed:
            r = send(client, call, b.auth(role))
            expected = {404} if role == "admin" or not refused_for(role, call.needs) else {403, 404}
            if call.route == "/auth/tokens":
                expected = {401}  # B's people have no password for A
            if r.status_code not in expected:
                problems.append(
                    f"B {role} {call.method} {call.url}: {r.status_code} {r.text[:120]}"
                )
            leaked = [m for m in A_MARKERS if m in r.text]
            if leaked:
                problems.append(f"B {role} {call.method} {call.url} shows {leaked}")
    assert problems == []
    assert audit_count(a.workspace_id) == before, "workspace A was changed from workspace B"


def test_lists_from_another_workspace_show_none_of_this_one(client, squad):
    problems = []
    for role in ROLES:
        for call in calls(squad.b):
            if call.aims or call.mutates or refused_for(role, call.needs):
                continue
            r = send(client, call, squad.b.auth(role))
            assert r.status_code == 200, (role, call.url, r.text)
            leaked = [m for m in A_MARKERS if m in r.text]
            if leaked:
                problems.append(f"B {role} GET {call.url} shows {leaked}")
    assert problems == []
    # and the lists are not empty: B sees its own things
    tasks = client.get(f"{API}/tasks", headers=squad.b.auth("viewer")).json()["items"]
    assert {t["title"] for t in tasks} == {"Task of b", "Other"}
