"""Throwaway squads and servers for benchmarks, the simulator's demos and fault tests.

`make_squad` fills a fresh database through the services (one workspace, an admin with a
personal token, agents with keys); `api_server` serves the agent API with uvicorn in a
subprocess on a free loopback port, exactly as the app mounts it.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from mission_control import db as mc_db
from mission_control.bench.core import migrated_engine
from mission_control.config import ROOT
from mission_control.models import UserRole
from mission_control.services import agents, api_keys, tasks, users, workspaces
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
        squad = Squad(ws.id, admin_token)
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


def server_env(url: str, data_dir: str | Path) -> dict[str, str]:
    """The app server's environment, with the rate limit out of the benchmark's way."""
    return {
        **appserver.server_env(url, str(data_dir)),
        "MC_API_RATE_LIMIT": "1000000/minute",
        "PYTHONPATH": str(ROOT),
    }


@contextmanager
def api_server(url: str, data_dir: str | Path, *, timeout_s: float = 30) -> Iterator[str]:
    """The agent API under uvicorn in a subprocess; yields its base URL."""
    port = free_port()
    log = Path(data_dir) / "api-server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "mission_control.api.app:create_api",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
             "--no-access-log"],
            cwd=ROOT, env=server_env(url, data_dir), stdout=out, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"API server exited:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"API server did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
