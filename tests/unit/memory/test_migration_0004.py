"""0004 on a deployment with heartbeat history: runs (and the token usage that refers to them)
survive the upgrade and the downgrade; old runs read as having recalled nothing."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from mission_control.db import make_engine

ROOT = Path(__file__).resolve().parents[3]


def _alembic(engine, action, revision):
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, action)(cfg, revision)


def test_heartbeat_history_survives_0004_up_and_down(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    _alembic(engine, "upgrade", "0003")
    at = "'2026-01-01 00:00:00'"
    with engine.begin() as c:
        c.execute(text(f"INSERT INTO workspace (slug, name, created_at) VALUES ('w', 'W', {at})"))
        c.execute(text(
            "INSERT INTO agent (name, role, description, heartbeat_interval_s, driver_type, workspace_id, session_key,"
            f" status, paused, capabilities, driver_config, created_at, updated_at) VALUES ('Friday', 'dev', '', 900,"
            f" 'openai', 1, 'k', 'idle', 0, '[]', '{{}}', {at}, {at})"))
        c.execute(text(
            "INSERT INTO task (title, description, priority, workspace_id, status, position, created_at, updated_at,"
            f" status_changed_at) VALUES ('T', '', 'medium', 1, 'assigned', 0, {at}, {at}, {at})"))
        c.execute(text(
            "INSERT INTO heartbeat_run (workspace_id, agent_id, trigger, outcome, gate_reason, started_at,"
            f" context_chars, actions, changes, tokens_in, tokens_out) VALUES (1, 1, 'interval', 'ok', '', {at},"
            " 0, '[]', '[]', 0, 0)"))
        c.execute(text("INSERT INTO heartbeat_task_usage (workspace_id, run_id, task_id, agent_id, tokens_in,"
                       f" tokens_out, created_at) VALUES (1, 1, 1, 1, 10, 5, {at})"))
    _alembic(engine, "upgrade", "0004")
    with engine.begin() as c:
        assert c.execute(text("SELECT memories FROM heartbeat_run")).scalar() == "[]"
        assert c.execute(text("SELECT count(*) FROM heartbeat_task_usage")).scalar() == 1
    _alembic(engine, "downgrade", "0003")
    with engine.begin() as c:
        assert c.execute(text("SELECT count(*) FROM heartbeat_run")).scalar() == 1
        assert c.execute(text("SELECT count(*) FROM heartbeat_task_usage")).scalar() == 1
    engine.dispose()
