"""No API answer carries a driver's api_key or a webhook's signing secret: agents, webhooks,
the audit log and its exports say only whether each secret is set; secrets can be replaced
(admin) and an edit that leaves them out keeps them."""

from __future__ import annotations

from sqlmodel import Session

from mission_control.models import Agent, Webhook

API = "/api/v1"
API_KEY = "sk-api-3e8d1f0a9c7b5264"
NEW_KEY = "sk-api-rotated-0f9e8d7c6b"
AGENT_SECRET = "agent-hmac-api-2c4e6a8b0d1f"
HOOK_SECRET = "whsec-api-8f7e6d5c4b3a2910"
NEW_HOOK_SECRET = "whsec-api-rotated-1a2b3c4d5e"
SECRETS = (API_KEY, NEW_KEY, AGENT_SECRET, HOOK_SECRET, NEW_HOOK_SECRET)


def test_no_api_answer_holds_a_secret_and_each_says_whether_it_is_set(client, squad, db):
    team = squad.a
    seen: list[str] = []

    def call(method: str, path: str, who: str = "admin", status: int = 200, **kw):  # type: ignore[no-untyped-def]
        r = client.request(method, f"{API}{path}", headers=team.auth(who), **kw)
        assert r.status_code == status, r.text
        seen.append(f"{method} {path} as {who}: {r.text}")
        return r.json() if r.headers.get("content-type", "").startswith("application/json") else r.text

    loki = call("POST", "/agents", status=201, json={
        "name": "Loki", "role": "dev", "driver_type": "openai",
        "driver_config": {"model": "m", "base_url": "http://127.0.0.1:9/v1", "api_key": API_KEY}})
    assert loki["driver_secrets"] == {"api_key": True}
    assert loki["driver_config"] == {"model": "m", "base_url": "http://127.0.0.1:9/v1"}
    shuri = call("POST", "/agents", status=201, json={
        "name": "Shuri", "role": "dev", "driver_type": "webhook",
        "driver_config": {"url": "http://127.0.0.1:9/wake", "secret": AGENT_SECRET}})
    assert shuri["driver_secrets"] == {"secret": True}
    hook = call("POST", "/webhooks", status=201, json={
        "url": "http://127.0.0.1:9/in", "events": ["task.review"], "secret": HOOK_SECRET})
    assert hook["secret"] is None and hook["secret_set"] is True  # its own secret is not echoed

    for who in ("admin", "operator", "viewer", "agent"):
        listed = call("GET", "/agents", who)
        assert {a["name"]: a["driver_secrets"] for a in listed}["Loki"] == {"api_key": True}
        call("GET", f"/agents/{loki['id']}", who)
    call("PATCH", f"/agents/{loki['id']}", json={"role": "ops"})
    kept = call("PATCH", f"/agents/{loki['id']}", json={"driver_config": {"model": "m2"}})
    assert kept["driver_secrets"] == {"api_key": True} and kept["driver_config"] == {"model": "m2"}
    call("PATCH", f"/agents/{loki['id']}", json={"driver_config": {"model": "m2", "api_key": NEW_KEY}})
    call("POST", f"/agents/{loki['id']}/wake", "operator", json={})
    # A refused edit does not echo what it was sent.
    call("PATCH", f"/agents/{shuri['id']}", status=422,
         json={"driver_config": {"url": "ftp://nope", "secret": AGENT_SECRET}})
    call("PATCH", f"/agents/{loki['id']}", "operator", status=403,
         json={"driver_config": {"model": "m2", "api_key": API_KEY}})  # replacing is for admins
    call("GET", "/webhooks")
    call("GET", f"/webhooks/{hook['id']}")
    patched = call("PATCH", f"/webhooks/{hook['id']}", json={"secret": NEW_HOOK_SECRET})
    assert patched["secret_set"] is True
    listing = call("GET", "/audit", params={"limit": 1000})
    assert any(r["action"] == "agent.created" for r in listing["items"])
    call("GET", "/audit", params={"format": "csv", "limit": 1000})
    call("GET", "/audit", params={"format": "json", "limit": 1000})

    leaks = [(s, answer[:120]) for answer in seen for s in SECRETS if s in answer]
    assert leaks == []
    with Session(db) as s:  # stored, and used, all the same
        assert s.get(Agent, loki["id"]).driver_config == {"model": "m2", "api_key": NEW_KEY}
        assert s.get(Agent, shuri["id"]).driver_config["secret"] == AGENT_SECRET
        assert s.get(Webhook, hook["id"]).secret == NEW_HOOK_SECRET


def test_an_admin_removes_an_agents_key_with_null(client, squad, db):
    team = squad.a
    r = client.post(f"{API}/agents", headers=team.auth("admin"), json={
        "name": "Loki", "role": "dev", "driver_type": "openai", "driver_config": {"model": "m", "api_key": API_KEY}})
    assert r.status_code == 201, r.text
    r = client.patch(f"{API}/agents/{r.json()['id']}", headers=team.auth("admin"),
                     json={"driver_config": {"model": "m", "api_key": None}})
    assert r.status_code == 200, r.text
    assert r.json()["driver_secrets"] == {"api_key": False}
    with Session(db) as s:
        assert "api_key" not in s.get(Agent, r.json()["id"]).driver_config
