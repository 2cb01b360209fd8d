"""Benchmarks, each runnable as `python -m mission_control.bench.<name>`."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from mission_control import db as mc_db
from mission_control.config import ROOT


def use_migrated_database(url: str) -> None:
    """Migrate the (throwaway) database at `url` to head and point the app at it."""
    engine = mc_db.make_engine(url)
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    mc_db.set_engine(engine)
