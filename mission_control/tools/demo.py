"""`make run SIMULATE=1`: bring the demo board to life with `mc simulate` once the app is up.

Runs beside `reflex run` (started by the Makefile). It waits for the app to answer, issues the
workspace admin a personal token for this run only, plays the simulated squad through the
public API (the same code as `mc simulate`), and revokes the token when it stops: when every
filed task is done, at --duration, or when `make run` ends.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time

import httpx
from sqlmodel import col, select

from mission_control.cli.simulate import simulate
from mission_control.config import get_settings
from mission_control.db import session_scope
from mission_control.models import User, UserRole, Workspace
from mission_control.services import api_keys
from mission_control.services.actor import Actor
from mission_control.startup import install_event_hooks

TOKEN_NAME = "make run simulator"


def _say(text: str) -> None:
    print(f"[simulate] {text}", flush=True)


def wait_for_app(url: str, timeout_s: float, parent: int) -> bool:
    """True once the API answers; False if `make run` went away or time ran out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if os.getppid() != parent:  # make run was stopped before the app came up
            return False
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(1)
    return False


def issue_admin_token(workspace_slug: str) -> tuple[int, int, str]:
    """(workspace id, key id, token) of a fresh personal token for the workspace's first admin."""
    with session_scope() as session:
        row = session.exec(
            select(User.id, Workspace.id)
            .join(Workspace, col(Workspace.id) == col(User.workspace_id))
            .where(Workspace.slug == workspace_slug, User.role == UserRole.admin,
                   col(User.is_active).is_(True))
            .order_by(col(User.id))
        ).first()
        if row is None:
            raise SystemExit(f"no active admin in workspace '{workspace_slug}': run `make seed` first")
        user_id, workspace_id = row
        assert user_id is not None and workspace_id is not None
        key, token = api_keys.create_key(session=session, workspace_id=workspace_id, user_id=user_id,
                                         name=TOKEN_NAME, actor=Actor.system("simulate"))
        assert key.id is not None
        return workspace_id, key.id, token


def revoke_token(workspace_id: int, key_id: int) -> None:
    with session_scope() as session:
        api_keys.revoke_key(session=session, workspace_id=workspace_id, key_id=key_id,
                            actor=Actor.system("simulate"))


async def play(url: str, token: str, args: argparse.Namespace, parent: int) -> dict | None:
    """The simulation, cut short (None) if `make run` stops first."""
    run = asyncio.create_task(simulate(url, token, agents=args.agents, tasks=args.tasks,
                                       duration_s=args.duration, pace_s=args.pace))
    while not run.done():
        if os.getppid() != parent:
            run.cancel()
            return None
        await asyncio.wait({run}, timeout=1)
    return run.result().as_dict()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=get_settings().frontend_port)
    parser.add_argument("--workspace", default=get_settings().workspace_slug)
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument("--tasks", type=int, default=100)
    parser.add_argument("--duration", type=float, default=900, help="stop after S seconds")
    parser.add_argument("--pace", type=float, default=2.0, help="mean pause between an agent's steps")
    parser.add_argument("--wait", type=float, default=900, help="how long to wait for the app to start")
    args = parser.parse_args(argv)
    install_event_hooks()
    url = f"http://127.0.0.1:{args.port}"
    parent = os.getppid()
    _say(f"waiting for the app on {url} ...")
    if not wait_for_app(url, args.wait, parent):
        _say("the app did not come up; no simulation")
        return 1
    workspace_id, key_id, token = issue_admin_token(args.workspace)
    _say(f"{args.agents} agents working through {args.tasks} tasks for up to {args.duration:.0f} s")
    try:
        summary = asyncio.run(play(url, token, args, parent))
    except KeyboardInterrupt:
        summary = None
    finally:
        revoke_token(workspace_id, key_id)
    if summary is None:
        return 130
    _say(f"done: {summary['actions']} actions, {summary['tasks_done']} tasks done, "
         f"errors: {summary['errors'] or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
