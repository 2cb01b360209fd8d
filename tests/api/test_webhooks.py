"""Outbound webhooks: admin CRUD, the outbox, signed deliveries to a real receiver on
127.0.0.1, retries with backoff after 500s, the Slack shape and the delivery log."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from mission_control.config import Settings
from mission_control.drivers.webhook import verify
from mission_control.events import WebhookEvent
from mission_control.models import WebhookDelivery, utcnow
from mission_control.services import agents, documents, task_flow
from mission_control.services.actor import Actor
from mission_control.webhook_dispatcher import deliver_due_now

from .helpers import error_of

API = "/api/v1"
FAST = Settings(webhook_backoff_base_s=10, webhook_backoff_max_s=60, webhook_max_attempts=3)


def _hook(client, team, url, events, **extra):
    r = client.post(
        f"{API}/webhooks", json={"url": url, "events": events, **extra}, headers=team.auth("admin")
    )
    assert r.status_code == 201, r.text
    return r.json()


def _log(client, team, hook_id):
    r = client.get(f"{API}/webhooks/{hook_id}/deliveries", headers=team.auth("admin"))
    assert r.status_code == 200, r.text
    return r.json()["items"]


def test_a_task_entering_review_is_posted_signed(client, squad, receiver):
    a = squad.a
    hook = _hook(client, a, receiver.url, ["task.review"])
    assert len(hook["secret"]) >= 32
    listed = client.get(f"{API}/webhooks", headers=a.auth("admin")).json()
    assert hook["id"] in [h["id"] for h in listed] and not any("secret" in h for h in listed)
    for to in ("in_progress", "review"):
        client.post(f"{API}/tasks/{a.task_id}/move", json={"status": to}, headers=a.auth("agent"))
    assert receiver.got == []  # nothing is sent on the request path
    assert [d["status"] for d in _log(client, a, hook["id"])] == ["pending"]

    assert deliver_due_now(FAST) == 1
    (request,) = receiver.got
    headers, body = request["headers"], request["body"]
    assert verify(hook["secret"], headers["X-MC-Timestamp"], body, headers["X-MC-Signature"])
    assert not verify("another secret", headers["X-MC-Timestamp"], body, headers["X-MC-Signature"])
    sent = json.loads(body)
    assert headers["X-MC-Event"] == sent["event"] == "task.review"
    assert sent["workspace"]["slug"] == "a" and sent["data"]["task_id"] == a.task_id
    assert sent["text"] == f"Fridaya moved #{a.task_id} “Task of a” from in progress to review"
    (row,) = _log(client, a, hook["id"])
    assert (row["status"], row["attempts"], row["response_code"]) == ("delivered", 1, 200)
    assert str(row["id"]) == headers["X-MC-Delivery"] == str(sent["id"])
    assert deliver_due_now(FAST) == 0  # delivered once only


def test_a_failing_receiver_is_retried_with_backoff_then_given_up(client, squad, receiver):
    a = squad.a
    hook = _hook(client, a, receiver.url, ["operator.mentioned"])
    client.post(
        f"{API}/tasks/{a.task_id}/messages",
        json={"body": "@operator-a please approve"},
        headers=a.auth("agent"),
    )
    receiver.statuses = [500, 503]
    before = utcnow()
    assert deliver_due_now(FAST) == 1
    (row,) = _log(client, a, hook["id"])
    assert (row["status"], row["attempts"], row["response_code"]) == ("pending", 1, 500)
    assert "HTTP 500" in row["error"]
    wait = (_when(row["next_attempt_at"]) - before).total_seconds()
    assert 5 <= wait <= 11  # first backoff: half of 10 s fixed, half random
    assert deliver_due_now(FAST) == 0  # not due yet

    assert deliver_due_now(FAST, now=utcnow() + timedelta(seconds=11)) == 1
    (row,) = _log(client, a, hook["id"])
    assert (row["status"], row["attempts"], row["response_code"]) == ("pending", 2, 503)
    wait = (_when(row["next_attempt_at"]) - utcnow()).total_seconds()
    assert 9 <= wait <= 20  # second backoff doubles

    assert deliver_due_now(FAST, now=utcnow() + timedelta(seconds=21)) == 1
    (row,) = _log(client, a, hook["id"])
    assert (row["status"], row["attempts"], row["response_code"]) == ("delivered", 3, 200)
    ids = {r["headers"]["X-MC-Delivery"] for r in receiver.got}
    assert len(receiver.got) == 3 and len(ids) == 1  # the same delivery id on every retry
    assert json.loads(receiver.got[0]["body"])["event"] == "operator.mentioned"
    assert "@operator-a" in json.loads(receiver.got[0]["body"])["text"]

    # a receiver that never recovers: failed after the last attempt, then sent again on request
    client.post(
        f"{API}/tasks/{a.task_id}/messages",
        json={"body": "@operator-a again"},
        headers=a.auth("agent"),
    )
    receiver.statuses = [500, 500, 500]
    later = utcnow()
    for step in range(3):
        deliver_due_now(FAST, now=later + timedelta(seconds=100 * step))
    newest = _log(client, a, hook["id"])[0]
    assert (newest["status"], newest["attempts"]) == ("failed", 3)
    r = client.post(
        f"{API}/webhooks/{hook['id']}/deliveries/{newest['id']}/redeliver", headers=a.auth("admin")
    )
    assert r.status_code == 200 and r.json()["status"] == "pending"
    assert deliver_due_now(FAST) == 1
    assert _log(client, a, hook["id"])[0]["status"] == "delivered"


def test_a_receiver_refusing_for_good_is_not_retried(client, squad, receiver):
    a = squad.a
    hook = _hook(client, a, receiver.url, ["agent.blocked"])
    client.post(
        f"{API}/agents/{a.agent_id}/heartbeat", json={"status": "blocked"}, headers=a.auth("agent")
    )
    receiver.statuses = [410]
    assert deliver_due_now(FAST) == 1
    (row,) = _log(client, a, hook["id"])
    assert (row["status"], row["attempts"], row["response_code"]) == ("failed", 1, 410)
    assert row["payload"]["data"]["agent"] == "Fridaya"


def test_slack_format_sends_only_text(client, squad, receiver):
    a = squad.a
    _hook(client, a, receiver.url, ["agent.blocked"], slack_format=True)
    client.post(
        f"{API}/agents/{a.agent_id}/heartbeat", json={"status": "blocked"}, headers=a.auth("agent")
    )
    deliver_due_now(FAST)
    (request,) = receiver.got
    assert json.loads(request["body"]) == {"text": "Fridaya is blocked"}
    assert request["headers"]["X-MC-Signature"].startswith("sha256=")


def test_only_subscribed_active_webhooks_of_the_workspace_get_events(
    client, squad, receiver, session
):
    a, b = squad.a, squad.b
    review = _hook(client, a, receiver.url, ["task.review"])
    off = _hook(client, a, receiver.url, ["operator.mentioned"], active=False)
    other = _hook(client, b, receiver.url, ["operator.mentioned", "task.review"])
    client.post(
        f"{API}/tasks/{a.task_id}/messages",
        json={"body": "@operator-a hi"},
        headers=a.auth("agent"),
    )
    assert _log(client, a, review["id"]) == [] and _log(client, a, off["id"]) == []
    assert _log(client, b, other["id"]) == []
    # turned off after queuing: the delivery is cancelled, not sent
    client.patch(f"{API}/webhooks/{off['id']}", json={"active": True}, headers=a.auth("admin"))
    client.post(
        f"{API}/tasks/{a.task_id}/messages",
        json={"body": "@operator-a hi"},
        headers=a.auth("agent"),
    )
    client.patch(f"{API}/webhooks/{off['id']}", json={"active": False}, headers=a.auth("admin"))
    assert deliver_due_now(FAST) == 0 and receiver.got == []
    assert [d["status"] for d in _log(client, a, off["id"])] == ["cancelled"]


def test_a_rolled_back_change_queues_nothing_and_a_standup_is_published(client, squad, session):
    a = squad.a
    hook = _hook(client, a, "http://127.0.0.1:9/none", ["task.review", "standup.published"])
    actor = Actor.system("test")
    for to in ("in_progress", "review"):
        task_flow.move_task(
            session=session, workspace_id=a.workspace_id, task_id=a.task_id, to=to, actor=actor
        )
    session.rollback()
    assert _log(client, a, hook["id"]) == []
    standup = agents.create_agent(
        session=session,
        workspace_id=a.workspace_id,
        data={
            "name": "Standup",
            "role": "standup",
            "driver_type": "builtin",
            "driver_config": {"role": "standup"},
        },
        actor=actor,
    )
    documents.create_document(
        session=session,
        workspace_id=a.workspace_id,
        title="Standup 2026-11-21",
        content="## Fridaya\n**Done:** —",
        actor=Actor.for_agent(standup.id or 0, "Standup"),
    )
    session.commit()
    (row,) = _log(client, a, hook["id"])
    assert row["event"] == "standup.published"
    assert row["payload"]["text"] == "*Standup 2026-11-21*\n## Fridaya\n**Done:** —"
    rows = session.exec(select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook["id"]))
    assert len(rows.all()) == 1


def test_webhook_admin_refuses_bad_input(client, squad):
    a = squad.a
    bad = [
        {"url": "ftp://example.org/x", "events": ["task.review"]},
        {"url": "http://127.0.0.1:9/x", "events": ["task.created"]},
        {"url": "http://127.0.0.1:9/x", "events": []},
        {"url": "http://127.0.0.1:9/x", "events": ["task.review"], "secret": "short"},
    ]
    for body in bad:
        r = client.post(f"{API}/webhooks", json=body, headers=a.auth("admin"))
        assert r.status_code == 422, (body, r.text)
        assert error_of(r)["details"]["fields"]
    hook = _hook(client, a, "http://127.0.0.1:9/x", ["task.review"], secret="s" * 20)
    r = client.patch(
        f"{API}/webhooks/{hook['id']}",
        json={"events": ["agent.blocked", "standup.published"], "slack_format": True},
        headers=a.auth("admin"),
    )
    assert r.json()["events"] == ["agent.blocked", "standup.published"] and r.json()["slack_format"]
    r = client.delete(f"{API}/webhooks/{hook['id']}", headers=a.auth("admin"))
    assert r.status_code == 204
    listed = client.get(f"{API}/webhooks", headers=a.auth("admin")).json()
    assert hook["id"] not in [h["id"] for h in listed]


def _when(iso: str):
    from datetime import datetime

    return datetime.fromisoformat(iso)


def test_the_dispatcher_sends_right_after_the_commit(client, squad, receiver, capsys):
    import asyncio
    import time

    from mission_control.webhook_dispatcher import run_webhook_dispatcher

    a = squad.a
    _hook(client, a, receiver.url, ["agent.blocked"])
    slow_poll = Settings(webhook_poll_s=30)  # so only the after-commit nudge can explain speed

    async def scenario() -> float:
        dispatcher = asyncio.create_task(run_webhook_dispatcher(slow_poll))
        await asyncio.sleep(0.2)
        started = time.perf_counter()
        await asyncio.to_thread(
            client.post,
            f"{API}/agents/{a.agent_id}/heartbeat",
            json={"status": "blocked"},
            headers=a.auth("agent"),
        )
        while not receiver.got and time.perf_counter() - started < 5:
            await asyncio.sleep(0.01)
        took = time.perf_counter() - started
        dispatcher.cancel()
        with pytest.raises(asyncio.CancelledError):
            await dispatcher
        return took

    took = asyncio.run(scenario())
    assert len(receiver.got) == 1 and took < 5
    with capsys.disabled():
        print(f"\n[webhook] check-in (blocked) -> receiver got it: {took * 1000:.0f} ms")


def test_two_dispatchers_never_send_a_delivery_twice(client, squad, receiver):
    from concurrent.futures import ThreadPoolExecutor

    a = squad.a
    hook = _hook(client, a, receiver.url, ["operator.mentioned"])
    for i in range(30):
        client.post(
            f"{API}/tasks/{a.task_id}/messages",
            json={"body": f"@operator-a ping {i}"},
            headers=a.auth("agent"),
        )
    settings = Settings(webhook_batch=10)
    with ThreadPoolExecutor(max_workers=2) as pool:
        for _ in range(4):
            list(pool.map(lambda _: deliver_due_now(settings), range(2)))
    sent = [r["headers"]["X-MC-Delivery"] for r in receiver.got]
    log = client.get(
        f"{API}/webhooks/{hook['id']}/deliveries?limit=50", headers=a.auth("admin")
    ).json()["items"]
    problems = [(d["id"], d["status"], d["error"]) for d in log if d["status"] != "delivered"]
    assert len(sent) == len(set(sent)) == 30, problems
    assert {(d["status"], d["attempts"]) for d in log} == {("delivered", 1)} and len(log) == 30


def test_every_webhook_event_is_accepted_and_returned_by_its_name(client, squad):
    """The names are public: the API takes and gives the same plain strings it always did,
    and its schema lists exactly the catalog's names."""
    a = squad.a
    made = []
    for event in WebhookEvent:
        hook = _hook(client, a, "http://127.0.0.1:9/x", [event.value])
        made.append(hook["id"])
        assert hook["events"] == [event.value]
        r = client.patch(f"{API}/webhooks/{hook['id']}", json={"events": [event.value]}, headers=a.auth("admin"))
        assert r.status_code == 200 and r.json()["events"] == [event.value], r.text
    listed = client.get(f"{API}/webhooks", headers=a.auth("admin")).json()
    assert sorted(e for h in listed if h["id"] in made for e in h["events"]) == sorted(e.value for e in WebhookEvent)
    spec = client.get(f"{API}/openapi.json").json()
    items = spec["components"]["schemas"]["WebhookIn"]["properties"]["events"]["items"]
    if "$ref" in items:
        items = spec["components"]["schemas"][items["$ref"].rsplit("/", 1)[-1]]
    assert sorted(items["enum"]) == sorted(e.value for e in WebhookEvent)
