"""Upgrading a deployment that already has agents keeps every row (on SQLite, a batch rebuild
of `agent` with foreign keys on would cascade-delete its children)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from mission_control.db import make_engine

ROOT = Path(__file__).resolve().parents[3]


def _upgrade(engine, revision):
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def test_upgrading_to_0002_keeps_agents_and_what_refers_to_them(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    _upgrade(engine, "0001")
    with engine.begin() as c:
        c.execute(text("INSERT INTO workspace (slug, name, created_at) VALUES ('w', 'W', '2026-01-01 00:00:00')"))
        c.execute(text(
            "INSERT INTO agent (name, role, description, heartbeat_interval_s, driver_type, workspace_id, session_key,"
            " status, paused, capabilities, driver_config, created_at, updated_at) VALUES ('Friday', 'dev', '', 900,"
            " 'openai', 1, 'k', 'idle', 0, '[]', '{}', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"))
        c.execute(text(
            "INSERT INTO task (title, description, priority, workspace_id, status, position, created_at, updated_at,"
            " status_changed_at) VALUES ('T', '', 'medium', 1, 'assigned', 0, '2026-01-01 00:00:00',"
            " '2026-01-01 00:00:00', '2026-01-01 00:00:00')"))
        c.execute(text("INSERT INTO task_assignee (task_id, agent_id, workspace_id, assigned_at)"
                       " VALUES (1, 1, 1, '2026-01-01 00:00:00')"))
        c.execute(text(
            "INSERT INTO heartbeat_run (workspace_id, agent_id, trigger, outcome, gate_reason, started_at,"
            " context_chars, actions, changes, tokens_in, tokens_out) VALUES (1, 1, 'interval', 'ok', '',"
            " '2026-01-01 00:00:00', 0, '[]', '[]', 0, 0)"))
    _upgrade(engine, "head")
    with engine.begin() as c:
        assert c.execute(text("SELECT count(*) FROM task_assignee")).scalar() == 1
        assert c.execute(text("SELECT count(*) FROM heartbeat_run")).scalar() == 1
        row = c.execute(text("SELECT wake_force, circuit_state, consecutive_failures FROM agent")).one()
        assert tuple(row) == (0, "closed", 0)
    engine.dispose()
