"""API write throughput and latency: task and message creation at concurrency 1, 8 and 32.

    python -m mission_control.bench api_writes
    python -m mission_control.bench.api_writes [--count 600] [--server granian|uvicorn]
                                               [--url postgresql+psycopg://...]

The agent API runs in its own process the way production serves it (granian, one worker; see
harness.api_server) on a temp SQLite file, or on --url (a PostgreSQL URL must point at a
disposable database; each run adds its own workspace). A lean asyncio HTTP/1.1 client
(bench/http_load.py) posts as an agent. The baseline is raw SQLAlchemy inserts of the same rows, one transaction each, on the
same kind of database. The client's own ceiling is measured too (the same requests against a
trivial ASGI app under the same server): on a small machine the client shares the CPU with
the server, so that row says how much of the budget the instrument itself takes. The squad
simulator (`mc simulate`, 10 agents at full speed for 15 s) is the last load: a realistic mix
of reads and writes. Every load stops at its count or its deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import secrets
import subprocess
import tempfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, insert

from mission_control import db as mc_db
from mission_control.bench.core import Baseline, Result, latency, print_table
from mission_control.bench.harness import METRICS_TOKEN, api_process, cpu_seconds, make_squad
from mission_control.bench.http_load import LeanConnection
from mission_control.cli.simulate import simulate
from mission_control.models import Message, Task, utcnow

LEVELS = (1, 8, 32)
DEADLINE_S = 30.0
WARMUP = 200
SQUAD_AGENTS, SQUAD_TASKS, SQUAD_SECONDS = 10, 100, 15.0
TARGET = "p95 <= 50 ms and >= 500/s"


async def _load(
    base: str, token: str, path: str, body: Callable[[int], dict[str, Any]], *,
    concurrency: int, count: int,
) -> tuple[list[float], float, int]:
    """POST `count` bodies with `concurrency` in flight; (latencies, seconds, errors)."""
    numbers = itertools.count()
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + DEADLINE_S

    async def worker() -> None:
        nonlocal errors
        # One keep-alive connection per worker, as each agent would hold its own. The lean
        # client (http_load) costs a tenth of httpx's CPU, which on a small machine is taken
        # from the server it measures.
        async with LeanConnection(f"{base}/api/v1", {"Authorization": f"Bearer {token}"}) as conn:
            while (i := next(numbers)) < count and time.monotonic() < deadline:
                t0 = time.perf_counter()
                status = await conn.post_json(path, body(i))
                latencies.append(time.perf_counter() - t0)
                errors += status != 201

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, time.perf_counter() - started, errors


async def echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A trivial ASGI app (201 and a small JSON body): the client's ceiling."""
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    status = 201 if scope["method"] == "POST" else 200
    body = b'{"id": 1, "title": "echo"}'
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _raw_inserts(engine: Engine, make_row: Callable[[int], dict[str, Any]], model: Any,
                 count: int) -> list[float]:
    out = []
    for i in range(count):
        t0 = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(insert(model).values(**make_row(i)))
        out.append(time.perf_counter() - t0)
    return out


def _batches(base: str) -> tuple[float, float]:
    """(writes, commits) so far: the server's mc_api_write_batch_size sum and count."""
    try:
        text = httpx.get(f"{base}/metrics", timeout=5,
                         headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).text
    except httpx.HTTPError:
        return 0.0, 0.0
    found = dict(line.rsplit(" ", 1) for line in text.splitlines()
                 if line.startswith(("mc_api_write_batch_size_sum", "mc_api_write_batch_size_count")))
    return (float(found.get("mc_api_write_batch_size_sum", 0)),
            float(found.get("mc_api_write_batch_size_count", 0)))


def _measured(name: str, server: subprocess.Popen[bytes],
              load: Coroutine[Any, Any, tuple[list[float], float, int]], base: str = "") -> tuple[Result, int]:
    """Run one load; the result notes the CPU milliseconds each request cost the server and
    this client (on a shared machine these are steadier than the wall-clock numbers) and, for
    the app (`base`), how many writes each SQLite commit carried (the write queue's batches)."""
    writes, commits = _batches(base) if base else (0.0, 0.0)
    server_cpu, client_cpu = cpu_seconds(server), time.process_time()
    lat, secs, errors = asyncio.run(load)
    n = max(1, len(lat))
    r = latency(name, lat, throughput_per_s=len(lat) / secs)
    r.notes["server_cpu_ms"] = round((cpu_seconds(server) - server_cpu) * 1000 / n, 3)
    r.notes["client_cpu_ms"] = round((time.process_time() - client_cpu) * 1000 / n, 3)
    if base:
        more_writes, more_commits = _batches(base)
        if more_commits > commits:
            r.notes["writes_per_commit"] = round((more_writes - writes) / (more_commits - commits), 2)
    if errors:
        r.notes["errors"] = errors
    return r, errors


def _squad_load(base: str, admin_token: str, server: subprocess.Popen[bytes]) -> Result:
    """The squad simulator as a load generator: 10 agents through the public API at full speed
    (check in, take work, comment, @mention, deliver documents, move cards, review), all
    writes and reads mixed as real agents make them. Its client is httpx, as an agent's is."""
    server_cpu = cpu_seconds(server)
    report = asyncio.run(simulate(base, admin_token, agents=SQUAD_AGENTS, tasks=SQUAD_TASKS,
                                  duration_s=SQUAD_SECONDS, pace_s=0))
    calls = [x for values in report.latencies.values() for x in values]
    r = latency(f"api_writes.squad_sim[{SQUAD_AGENTS} agents, pace 0]", calls,
                throughput_per_s=len(calls) / max(report.seconds, 1e-9))
    r.notes["server_cpu_ms"] = round((cpu_seconds(server) - server_cpu) * 1000 / max(1, len(calls)), 3)
    r.notes["tasks_done"] = len(report.done_ids)
    if report.errors:
        r.notes["errors"] = dict(report.errors)
    r.notes["what"] = "mc simulate: every API call of a squad at work, per second"
    return r


def measure(url: str, data_dir: str, count: int, server: str = "granian", workers: int = 1) -> list[Result]:
    squad = make_squad(url, n_agents=1, n_tasks=1, slug=f"bench-{secrets.token_hex(3)}")
    kinds: dict[str, tuple[str, Callable[[int], dict[str, Any]]]] = {
        "task": ("/tasks", lambda i: {"title": f"Load task {i}", "priority": "high"}),
        "message": (f"/tasks/{squad.task_id}/messages",
                    lambda i: {"body": f"progress note {i}: all green"}),
    }
    results = []
    with api_process(url, data_dir, server=server, workers=workers) as (base, proc):
        # Unmeasured first requests: the key's first use, first queries and lazy imports in
        # every worker are one-time costs no later request pays.
        asyncio.run(_load(base, squad.agent_tokens[0], "/tasks", kinds["task"][1], concurrency=8, count=WARMUP))
        for kind, (path, body) in kinds.items():
            for c in LEVELS:
                r, errors = _measured(f"api_writes.{kind}[c={c}]", proc, _load(
                    base, squad.agent_tokens[0], path, body, concurrency=c, count=count), base)
                if c == 8:
                    r.target = TARGET
                    r.meets_target = (r.p95_ms or 0) <= 50 and (r.throughput_per_s or 0) >= 500 and not errors
                results.append(r)
        results.append(_squad_load(base, squad.admin_token, proc))
    with api_process(url, data_dir, server=server, target="mission_control.bench.api_writes:echo",
                     factory=False, ready_path="/") as (base, proc):
        r, _ = _measured("api_writes.client_ceiling[c=8]", proc, _load(
            base, "-", "/tasks", kinds["task"][1], concurrency=8, count=count))
        r.notes["what"] = "the same client against a trivial ASGI app"
        results.append(r)
    # The floor: the same rows inserted straight through SQLAlchemy, one transaction each
    # (into a fresh SQLite file, or the same server database).
    raw_url = f"sqlite:///{Path(data_dir) / 'raw.db'}" if url.startswith("sqlite") else url
    floor_squad = make_squad(raw_url, slug="raw") if raw_url != url else squad
    engine = mc_db.engine()
    ws, agent_id, task_id = floor_squad.workspace_id, floor_squad.agent_ids[0], floor_squad.task_id
    rows: dict[str, tuple[Any, Callable[[int], dict[str, Any]]]] = {
        "task": (Task, lambda i: {"workspace_id": ws, "title": f"Raw task {i}", "priority": "high",
                                  "created_by_agent_id": agent_id, "created_at": utcnow(),
                                  "updated_at": utcnow(), "status_changed_at": utcnow()}),
        "message": (Message, lambda i: {"workspace_id": ws, "task_id": task_id,
                                        "author_agent_id": agent_id, "body": f"raw note {i}",
                                        "attachments": [], "created_at": utcnow()}),
    }
    for kind, (model, make_row) in rows.items():
        raw = _raw_inserts(engine, make_row, model, count)
        floor = latency("raw", raw, throughput_per_s=len(raw) / sum(raw))
        base_line = Baseline("raw SQLAlchemy insert", floor.p50_ms, floor.p95_ms, floor.throughput_per_s)
        for r in results:
            if r.name.startswith(f"api_writes.{kind}["):
                r.compare(base_line, by="throughput")
    engine.dispose()
    return results


def run(quick: bool) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="mc-bench-") as tmp:
        return measure(f"sqlite:///{Path(tmp) / 'api.db'}", tmp, 100 if quick else 600)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=600, help="requests per load (default 600)")
    parser.add_argument("--server", choices=("granian", "uvicorn"), default="granian")
    parser.add_argument("--workers", type=int, default=1,
                        help="server processes (SQLite writers then meet at the write gate's file lock)")
    parser.add_argument("--url", default="", help="a disposable database (default: a temp SQLite file)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mc-bench-") as tmp:
        results = measure(args.url or f"sqlite:///{Path(tmp) / 'api.db'}", tmp, args.count, args.server,
                          args.workers)
    print_table(results)
    for r in results:
        print(r.json_line())


if __name__ == "__main__":
    main()
