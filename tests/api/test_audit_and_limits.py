"""The audit chain catches edited and deleted rows; per-key rate limiting; first-start admin."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import select

from mission_control.api.app import create_api
from mission_control.config import Settings
from mission_control.models import AuditEvent, User, UserRole
from mission_control.services import auth

from .helpers import error_of

API = "/api/v1"


def _verify(client, team, **params):
    r = client.get(f"{API}/audit/verify", headers=team.auth("admin"), params=params)
    assert r.status_code == 200, r.text
    return r.json()


def _audit_ids(session, workspace_id):
    session.rollback()
    return list(
        session.exec(
            select(AuditEvent.id)
            .where(AuditEvent.workspace_id == workspace_id)
            .order_by(AuditEvent.id)
        )
    )


def test_intact_chain_verifies(client, squad):
    report = _verify(client, squad.a)
    assert report["ok"] is True and report["problems"] == []
    assert report["checked"] > 10 and len(report["head_hash"]) == 64


def test_an_edited_row_is_detected(client, squad, session):
    ids = _audit_ids(session, squad.a.workspace_id)
    victim = ids[len(ids) // 2]
    session.exec(
        text("UPDATE audit_event SET actor_name = 'nobody' WHERE id = :id").bindparams(id=victim)
    )
    session.commit()
    report = _verify(client, squad.a)
    assert report["ok"] is False
    assert {"id": victim, "problem": "row content does not match its hash: edited"} in report[
        "problems"
    ]
    # the other workspace's chain is untouched
    assert _verify(client, squad.b)["ok"] is True


def test_an_edited_row_with_a_recomputed_hash_is_still_detected(client, squad, session):
    from mission_control.services.recording import audit_hash

    ids = _audit_ids(session, squad.a.workspace_id)
    row = session.get(AuditEvent, ids[3])
    row.actor_name = "nobody"
    row.hash = audit_hash(row)
    session.add(row)
    session.commit()
    report = _verify(client, squad.a)
    assert report["ok"] is False and report["problems"][0]["id"] == ids[4]


def test_a_deleted_row_is_detected(client, squad, session):
    ids = _audit_ids(session, squad.a.workspace_id)
    session.exec(text("DELETE FROM audit_event WHERE id = :id").bindparams(id=ids[5]))
    session.commit()
    report = _verify(client, squad.a)
    assert report["ok"] is False and report["problems"][0]["id"] == ids[6]
    assert "deleted" in report["problems"][0]["problem"]


def test_deleting_the_newest_rows_is_caught_by_the_anchor(client, squad, session):
    first = _verify(client, squad.a)
    session.exec(text("DELETE FROM audit_event WHERE id = :id").bindparams(id=first["head_id"]))
    session.commit()
    assert _verify(client, squad.a)["ok"] is True  # a shorter chain is consistent by itself
    report = _verify(client, squad.a, anchor_id=first["head_id"], anchor_hash=first["head_hash"])
    assert report["ok"] is False and "anchor row is missing" in report["problems"][0]["problem"]


def test_only_admins_verify_the_audit_log(client, squad):
    for who in ("operator", "viewer", "agent"):
        assert client.get(f"{API}/audit/verify", headers=squad.a.auth(who)).status_code == 403


def test_admins_read_filter_and_export_the_audit_log_of_their_own_workspace(client, squad):
    admin = squad.a.auth("admin")
    agents_only = client.get(f"{API}/audit", headers=admin, params={"action": "agent."}).json()["items"]
    assert agents_only and all(r["action"].startswith("agent.") for r in agents_only)
    page = client.get(f"{API}/audit", headers=admin, params={"limit": 2}).json()
    assert len(page["items"]) == 2
    older = client.get(f"{API}/audit", headers=admin, params={"before_id": page["next_before_id"]}).json()
    assert older["items"] and max(r["id"] for r in older["items"]) < min(r["id"] for r in page["items"])
    csv_text = client.get(f"{API}/audit", headers=admin, params={"format": "csv"}).text
    header, *lines = csv_text.strip().splitlines()
    assert header.startswith("id,at,actor_type,actor_name,origin,action") and lines
    other = client.get(f"{API}/audit", headers=squad.b.auth("admin"), params={"limit": 1000}).json()["items"]
    mine = {r["id"] for r in client.get(f"{API}/audit", headers=admin, params={"limit": 1000}).json()["items"]}
    assert mine.isdisjoint(r["id"] for r in other)  # never another workspace's rows
    for who in ("operator", "viewer", "agent"):
        assert client.get(f"{API}/audit", headers=squad.a.auth(who)).status_code == 403


def test_each_key_has_its_own_rate_limit(db, squad):
    client = TestClient(create_api(Settings(api_rate_limit="5/minute")))
    agent = squad.a.auth("agent")
    codes = [client.get(f"{API}/me", headers=agent).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    r = client.get(f"{API}/tasks", headers=agent)
    assert r.status_code == 429
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    assert error_of(r)["code"] == "rate_limited" and error_of(r)["details"]["retry_after"] >= 1
    # another key of the same workspace is not affected
    assert client.get(f"{API}/me", headers=squad.a.auth("agent2")).status_code == 200


def test_first_start_creates_an_admin_with_a_password_shown_once(session):
    creds = auth.ensure_admin(session=session, workspace_slug="fresh")
    session.commit()
    assert creds is not None and creds.handle == "admin" and len(creds.password) >= 20
    admin = session.exec(select(User).where(User.handle == "admin")).one()
    assert admin.role == UserRole.admin and creds.password not in admin.password_hash
    assert auth.verify_password(admin.password_hash, creds.password)
    assert auth.ensure_admin(session=session, workspace_slug="fresh") is None  # idempotent
    session.commit()


def test_seed_main_prints_the_admin_password_once(db, capsys, monkeypatch):
    from mission_control import seed
    from mission_control.config import get_settings

    monkeypatch.setattr(get_settings(), "seed_demo", True)
    seed.main()
    out = capsys.readouterr().out
    assert "password:" in out
    password = out.split("password:")[1].split()[0]
    client = TestClient(create_api())
    r = client.post(
        f"{API}/auth/tokens",
        json={"workspace": get_settings().workspace_slug, "handle": "admin", "password": password},
    )
    assert r.status_code == 201
    seed.main()
    assert "password" not in capsys.readouterr().out
