"""The one settings object. This is the only module that reads environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MC_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=ROOT / "data", description="Where the embedded stores live.")
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL. Empty means the embedded SQLite file under data_dir.",
    )
    db_pool_size: int = 10
    db_echo: bool = False
    # How often each app worker checks the database for changes made by other processes.
    change_poll_interval_s: float = 0.2
    seed_demo: bool = True
    workspace_slug: str = "demo"
    frontend_port: int = 3000

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'mission_control.db'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
