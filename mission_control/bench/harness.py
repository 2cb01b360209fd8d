"""Throwaway squads and servers for benchmarks, the simulator's demos and fault tests.

`make_squad` fills a fresh database through the services (one workspace, an admin with a
personal token, agents with keys); `api_server` serves the agent API in a subprocess on a
free loopback port, by default with granian as `reflex run --env prod` serves the app (granian's
ASGI interface, one worker, asyncio loop), or with uvicorn for comparison.
For scale-out runs, `throwaway_postgres` makes a database that is dropped afterwards, so a
run never touches anyone else's data.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import create_engine, make_url, text

from mission_control import db as mc_db
from mission_control.api.app import create_api
from mission_control.bench.core import migrated_engine
from mission_control.config import ROOT, get_settings
from mission_control.models import UserRole
from mission_control.observe import logs
from mission_control.services import (
    agents,
    api_keys,
    browser_sessions,
    memory_index,
    tasks,
    users,
    workspaces,
)
from mission_control.services.actor import Actor
from mission_control.tools import appserver
from mission_control.tools.appserver import free_port


@dataclass
class Squad:
    workspace_id: int
    admin_token: str
    agent_ids: list[int] = field(default_factory=list)
    agent_tokens: list[str] = field(default_factory=list)
    task_id: int = 0
    browser_session: str = ""  # the admin signed in in a browser: the session cookie's value


def make_squad(url: str, n_agents: int = 1, n_tasks: int = 1, slug: str = "bench") -> Squad:
    migrated_engine(url)
    system = Actor.system("bench")
    with mc_db.session_scope() as s:
        ws = workspaces.create_workspace(session=s, slug=slug, name="Bench squad")
        assert ws.id is not None
        admin = users.create_user(session=s, workspace_id=ws.id, handle="admin",
                                  display_name="Admin", role=UserRole.admin, actor=system)
        assert admin.id is not None
        _, admin_token = api_keys.create_key(session=s, workspace_id=ws.id, user_id=admin.id,
                                             name="bench", actor=system)
        squad = Squad(ws.id, admin_token, browser_session=browser_sessions.open_session(session=s, user=admin))
        for i in range(n_agents):
            agent = agents.create_agent(session=s, workspace_id=ws.id, actor=system,
                                        data={"name": f"Bot{i}", "role": "dev"})
            assert agent.id is not None
            _, token = api_keys.create_key(session=s, workspace_id=ws.id, agent_id=agent.id,
                                           name="bench", actor=system)
            squad.agent_ids.append(agent.id)
            squad.agent_tokens.append(token)
        for i in range(n_tasks):
            task = tasks.create_task(session=s, workspace_id=ws.id, actor=system,
                                     data={"title": f"Seeded task {i}"})
            squad.task_id = squad.task_id or task.id or 0
    return squad


def served_api() -> FastAPI:
    """The agent API as the app serves it: logging set up as mission_control.py does, so each
    request pays for its access line like it does in production."""
    settings = get_settings()
    logs.configure(settings.log_level, settings.log_format)
    return create_api(settings)


def wait_until_indexed(workspace_id: int, *, timeout_s: float = 180) -> float:
    """Wait until the app's memory indexer has embedded every seeded row; returns the seconds waited.

    Seeding a squad queues one memory row per task, and a fresh app embeds them all in its first
    seconds (model load, then batches), which takes a whole core on a small machine: a benchmark
    of something else that starts at once measures that backlog too.
    """
    started = time.monotonic()
    while True:
        with mc_db.read_session() as s:
            if memory_index.pending_count(s, workspace_id) == 0:
                return time.monotonic() - started
        if time.monotonic() - started > timeout_s:
            raise RuntimeError(f"memory index still behind after {timeout_s:.0f} s")
        time.sleep(0.5)


# The benchmarks read the server's own counters at /metrics with this (MC_METRICS_TOKEN).
METRICS_TOKEN = "bench-metrics"


def server_env(url: str, data_dir: str | Path) -> dict[str, str]:
    """The app server's environment, with the rate limit out of the benchmark's way."""
    return {
        **appserver.server_env(url, str(data_dir)),
        "MC_API_RATE_LIMIT": "1000000/minute",
        "MC_METRICS_TOKEN": METRICS_TOKEN,
        "PYTHONPATH": str(ROOT),
    }


def server_command(target: str, port: int, server: str = "granian", *, factory: bool = True,
                   workers: int = 1) -> list[str]:
    """Serve the ASGI app `target` ("module:name") on 127.0.0.1:`port`."""
    if server == "granian":
        return [sys.executable, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1",
                "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log",
                *(["--factory"] if factory else []), target]
    if server == "uvicorn":
        return [sys.executable, "-m", "uvicorn", *(["--factory"] if factory else []), target,
                "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"]
    raise ValueError(f"unknown server {server!r}: granian or uvicorn")


def cpu_seconds(proc: subprocess.Popen[bytes]) -> float:
    """CPU time used so far by a server process and its workers (0.0 without psutil)."""
    try:
        import psutil
    except ImportError:
        return 0.0
    root = psutil.Process(proc.pid)
    total = 0.0
    for p in (root, *root.children(recursive=True)):
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@contextmanager
def api_server(url: str, data_dir: str | Path, **kw: Any) -> Iterator[str]:
    """The agent API in a subprocess; yields its base URL."""
    with api_process(url, data_dir, **kw) as (base, _):
        yield base


@contextmanager
def api_process(
    url: str, data_dir: str | Path, *, timeout_s: float = 30, server: str = "granian",
    target: str = "mission_control.bench.harness:served_api", factory: bool = True, ready_path: str = "/api/v1/health",
    workers: int = 1,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The agent API (or another ASGI `target`) in a subprocess; yields (base URL, process)."""
    port = free_port()
    log = Path(data_dir) / f"api-server-{port}.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            server_command(target, port, server, factory=factory, workers=workers),
            cwd=ROOT, env=server_env(url, data_dir), stdout=out, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"API server exited:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{base}{ready_path}", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"API server did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        yield base, proc
    finally:
        _stop(proc)


@contextmanager
def throwaway_postgres(admin_url: str) -> Iterator[str]:
    """A fresh database on the server `admin_url` points at, dropped afterwards; yields its URL."""
    name = f"mc_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        finally:
            mc_db.engine().dispose()  # make_squad pointed this process at it: let go first
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
