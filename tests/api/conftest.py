"""Fixtures for HTTP-level tests through the real FastAPI app (TestClient, no Reflex).

`squad` builds two workspaces ("a" and "b"), each with an admin, an operator and a viewer
(each holding a personal token), two agents with keys, a task with a thread, a document and a
notification, so every test can act as anyone and aim at anything.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from outbound_allow import allowed
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from mission_control.api.app import create_api
from mission_control.config import Settings
from mission_control.models import AuditEvent, UserRole, WebhookDelivery
from mission_control.services import (
    agents,
    api_keys,
    documents,
    messages,
    tasks,
    users,
    webhooks,
    workspaces,
)
from mission_control.services.actor import Actor

SEED = Actor.system("test")


@dataclass
class Team:
    """One workspace and everyone in it; `tokens` maps admin/operator/viewer/agent/agent2."""

    slug: str
    workspace_id: int
    tokens: dict[str, str] = field(default_factory=dict)
    key_ids: dict[str, int] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)
    agent_id: int = 0
    agent2_id: int = 0
    task_id: int = 0
    task2_id: int = 0
    message_id: int = 0
    document_id: int = 0
    notification_id: int = 0
    webhook_id: int = 0
    delivery_id: int = 0

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def build_team(session: Session, slug: str) -> Team:
    ws = workspaces.create_workspace(session=session, slug=slug, name=f"Squad {slug}")
    assert ws.id is not None
    team = Team(slug=slug, workspace_id=ws.id)
    for role in (UserRole.admin, UserRole.operator, UserRole.viewer):
        user = users.create_user(
            session=session,
            workspace_id=ws.id,
            handle=f"{role}-{slug}",
            display_name=str(role),
            role=role,
            actor=SEED,
        )
        assert user.id is not None
        key, token = api_keys.create_key(
            session=session, workspace_id=ws.id, user_id=user.id, name="test", actor=SEED
        )
        team.tokens[str(role)], team.key_ids[str(role)] = token, key.id or 0
        team.user_ids[str(role)] = user.id
    for label, name in (("agent", f"Friday{slug}"), ("agent2", f"Vision{slug}")):
        agent = agents.create_agent(
            session=session, workspace_id=ws.id, data={"name": name, "role": "dev"}, actor=SEED
        )
        assert agent.id is not None
        key, token = api_keys.create_key(
            session=session, workspace_id=ws.id, agent_id=agent.id, name="main", actor=SEED
        )
        team.tokens[label], team.key_ids[label] = token, key.id or 0
        setattr(team, f"{label}_id", agent.id)
    task = tasks.create_task(
        session=session,
        workspace_id=ws.id,
        data={"title": f"Task of {slug}", "assignee_ids": [team.agent_id]},
        actor=SEED,
    )
    task2 = tasks.create_task(
        session=session, workspace_id=ws.id, data={"title": "Other"}, actor=SEED
    )
    team.task_id, team.task2_id = task.id or 0, task2.id or 0
    vision = Actor.for_agent(team.agent2_id, f"Vision{slug}", "test")
    posted = messages.post_message(
        session=session,
        workspace_id=ws.id,
        task_id=team.task_id,
        body=f"@Friday{slug} please look",
        actor=vision,
    )
    team.message_id = posted.message.id or 0
    from mission_control.models import Notification

    note = session.exec(
        select(Notification).where(Notification.recipient_agent_id == team.agent_id)
    ).first()
    assert note is not None and note.id is not None
    team.notification_id = note.id
    doc = documents.create_document(
        session=session,
        workspace_id=ws.id,
        title="Spec",
        content="v1",
        task_id=team.task_id,
        actor=SEED,
    )
    team.document_id = doc.id or 0
    hook = webhooks.create_webhook(
        session=session,
        workspace_id=ws.id,
        url=f"http://127.0.0.1:9/hook-of-{slug}",
        events=["task.review"],
        actor=SEED,
        active=False,  # so no test's task move queues deliveries to it
    )
    delivery = WebhookDelivery(
        workspace_id=ws.id, webhook_id=hook.id or 0, event="task.review", status="failed"
    )
    session.add(delivery)
    session.flush()
    team.webhook_id, team.delivery_id = hook.id or 0, delivery.id or 0
    session.commit()
    return team


@dataclass
class Squad:
    a: Team
    b: Team


@pytest.fixture
def squad(session: Session) -> Squad:
    return Squad(a=build_team(session, "a"), b=build_team(session, "b"))


def make_client(settings: Settings | None = None) -> TestClient:
    return TestClient(create_api(settings or Settings(api_rate_limit="100000/minute")))


@pytest.fixture
def app(db: Engine) -> FastAPI:
    return create_api(
        Settings(api_rate_limit="100000/minute", api_auth_failure_limit="1000/minute")
    )


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def audit_count(session: Session) -> Callable[[int], int]:
    def count(workspace_id: int) -> int:
        session.expire_all()
        return int(
            session.exec(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.workspace_id == workspace_id)
            ).one()
        )

    return count


@pytest.fixture
def live_url(db: Engine) -> Iterator[str]:
    """The API served by a real uvicorn on 127.0.0.1 (a free port), in a thread."""
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_api(Settings(api_rate_limit="100000/minute"))
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class Receiver:
    url: str
    statuses: list[int] = field(default_factory=list)  # answers to give, then 200
    got: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on 127.0.0.1 that records every request and answers as scripted."""
    box = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            box.got.append({"headers": dict(self.headers), "body": body})
            status = box.statuses.pop(0) if box.statuses else 200
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"ok" if status < 300 else b"receiver is down")

        def log_message(self, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 64  # the default 5 drops concurrent connects

    server = Server(("127.0.0.1", 0), Handler)
    box.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with allowed(f"127.0.0.1:{server.server_address[1]}"):
        yield box
    server.shutdown()
    server.server_close()
