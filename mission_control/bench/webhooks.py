"""Outbound webhook numbers: what the outbox adds to a commit, delivery throughput, and
commit -> receiver latency with the dispatcher running.

    python -m mission_control.bench webhooks
    python -m mission_control.bench.webhooks [--events 200] [--hooks 3] [--url postgresql+psycopg://...]

Builds a throwaway database (a temp SQLite file unless --url is given; a PostgreSQL URL must
point at an empty, disposable database) and a receiver on 127.0.0.1 (http.server thread).
Bounded: --events mentions per measurement, loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from mission_control import db as mc_db
from mission_control.bench.core import Baseline, Result, latency, migrated_engine, print_table
from mission_control.config import Settings, get_settings
from mission_control.events import WebhookEvent
from mission_control.services import messages, tasks, users, webhooks, workspaces
from mission_control.services.actor import Actor
from mission_control.webhook_dispatcher import deliver_due_now, run_webhook_dispatcher

SYSTEM = Actor.system("bench")


def receiver() -> tuple[str, list[float], ThreadingHTTPServer]:
    got: list[float] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            self.rfile.read(int(self.headers["Content-Length"]))
            got.append(time.perf_counter())
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 128  # the default 5 drops concurrent connects (1 s SYN retry)

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    # A loopback receiver is what the outbound policy refuses unless an operator lists it:
    # this run lists exactly this one (as MC_OUTBOUND_ALLOW would), nothing more.
    settings = get_settings()
    settings.outbound_allow = ",".join(filter(None, [settings.outbound_allow, f"127.0.0.1:{port}"]))
    return f"http://127.0.0.1:{port}/hook", got, server


def setup(url: str) -> tuple[int, int, int]:
    migrated_engine(url)
    with mc_db.session_scope() as s:
        ws = workspaces.create_workspace(session=s, slug="bench", name="Bench")
        op = users.create_user(
            session=s, workspace_id=ws.id or 0, handle="ops", display_name="Ops", actor=SYSTEM
        )
        task = tasks.create_task(
            session=s, workspace_id=ws.id or 0, data={"title": "T"}, actor=SYSTEM
        )
    return ws.id or 0, op.id or 0, task.id or 0


def mention(ws: int, task_id: int, i: int) -> float:
    """Commit one @mention of the operator; returns the time the commit finished."""
    with mc_db.session_scope() as s:
        messages.post_message(
            session=s, workspace_id=ws, task_id=task_id, body=f"@ops ping {i}", actor=SYSTEM
        )
    return time.perf_counter()


def commit_times(ws: int, task_id: int, n: int) -> list[float]:
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        mention(ws, task_id, i)
        out.append(time.perf_counter() - t0)
    return out


async def dispatch_latency(ws: int, task_id: int, got: list[float], samples: int) -> list[float]:
    dispatcher = asyncio.create_task(run_webhook_dispatcher(Settings(webhook_poll_s=30)))
    await asyncio.sleep(0.2)
    out = []
    try:
        for i in range(samples):
            before = len(got)
            committed = await asyncio.to_thread(mention, ws, task_id, i)
            deadline = time.perf_counter() + 10
            while len(got) == before and time.perf_counter() < deadline:
                await asyncio.sleep(0.001)
            out.append(got[-1] - committed)
    finally:
        dispatcher.cancel()
        await asyncio.gather(dispatcher, return_exceptions=True)
    return out


def measure(url: str, events: int, hooks: int) -> list[Result]:
    ws, _, task_id = setup(url)
    hook_url, got, server = receiver()
    try:
        bare = commit_times(ws, task_id, events)
        with mc_db.session_scope() as s:
            for _ in range(hooks):
                webhooks.create_webhook(
                    session=s,
                    workspace_id=ws,
                    url=hook_url,
                    events=[WebhookEvent.operator_mentioned],
                    actor=SYSTEM,
                )
        hooked = commit_times(ws, task_id, events)
        base = latency("commit without webhooks", bare)
        commit = latency(f"webhooks.commit_with_outbox[{hooks} hooks]", hooked)
        commit.compare(Baseline(base.name, p50_ms=base.p50_ms, p95_ms=base.p95_ms))

        queued, sent = events * hooks, 0
        t0 = time.perf_counter()
        while sent < queued:
            done = deliver_due_now()
            if not done:
                break
            sent += done
        drain = Result(
            "webhooks.drain[batch 20]",
            throughput_per_s=sent / (time.perf_counter() - t0),
            notes={"deliveries": sent},
        )

        with mc_db.session_scope() as s:
            for hook in webhooks.list_webhooks(session=s, workspace_id=ws)[1:]:
                webhooks.delete_webhook(
                    session=s, workspace_id=ws, webhook_id=hook.id or 0, actor=SYSTEM
                )
        lat = asyncio.run(dispatch_latency(ws, task_id, got, min(30, events)))
        live = latency("webhooks.commit_to_receiver", lat, target="p95 <= 500 ms")
        live.meets_target = (live.p95_ms or 0) <= 500
        return [commit, drain, live]
    finally:
        server.shutdown()


def run(quick: bool) -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        return measure(f"sqlite:///{Path(tmp) / 'bench.db'}", 50 if quick else 200, 3)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--hooks", type=int, default=3)
    parser.add_argument("--url", default="")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        results = measure(url, args.events, args.hooks)
    print_table(results)
    for r in results:
        print(r.json_line())


if __name__ == "__main__":
    main()
