"""The Alembic history builds exactly the schema the models describe, and tears it down.

Runs on a fresh SQLite file always, and on PostgreSQL too when MC_TEST_DATABASE_URL is set
(in a throwaway schema selected by `search_path`, so the shared test schema is untouched).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

import mission_control.models  # noqa: F401  (registers every table)
from mission_control.db import make_engine

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("MC_TEST_DATABASE_URL", "").strip()

pytestmark = pytest.mark.db


def _alembic(engine: Engine, action: str, revision: str) -> None:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, action)(cfg, revision)


def _diff(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        # Same comparison settings as alembic/env.py.
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, SQLModel.metadata))


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'migrations.db'}")
        yield engine
        engine.dispose()
        return
    if not PG_URL.startswith("postgresql"):
        pytest.skip("MC_TEST_DATABASE_URL is not a PostgreSQL URL")
    schema = f"mc_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, poolclass=NullPool)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(
        PG_URL, poolclass=NullPool, connect_args={"options": f"-csearch_path={schema}"}
    )
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_upgrade_head_matches_the_models(fresh_engine: Engine) -> None:
    assert _tables(fresh_engine) == set()
    _alembic(fresh_engine, "upgrade", "head")
    assert _tables(fresh_engine) == set(SQLModel.metadata.tables)
    assert _diff(fresh_engine) == []


def test_downgrade_base_removes_everything_and_upgrade_works_again(fresh_engine: Engine) -> None:
    _alembic(fresh_engine, "upgrade", "head")
    _alembic(fresh_engine, "downgrade", "base")
    assert _tables(fresh_engine) == set()
    _alembic(fresh_engine, "upgrade", "head")
    assert _tables(fresh_engine) == set(SQLModel.metadata.tables)
    assert _diff(fresh_engine) == []
