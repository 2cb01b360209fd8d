"""The one settings object. This is the only module that reads environment variables."""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MC_", env_file=".env", extra="ignore", populate_by_name=True
    )

    data_dir: Path = Field(default=ROOT / "data", description="Where the embedded stores live.")
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL. Empty means the embedded SQLite file under data_dir.",
    )
    db_pool_size: int = 10
    sqlite_synchronous: Literal["FULL", "NORMAL"] = Field(
        default="FULL",
        description="FULL: an acknowledged write survives a power cut; NORMAL: faster commits, "
        "but the last ones before a power cut or OS crash may be lost (never the database).",
    )
    db_echo: bool = False
    # How often each app worker checks the database for changes made by other processes.
    change_poll_interval_s: float = 0.2
    # Scale-out: with a Redis URL every worker hears about every change at once (pub/sub);
    # without one, PostgreSQL's LISTEN/NOTIFY does the same job, and SQLite relies on the poll.
    redis_url: str = Field(
        default="",
        validation_alias=AliasChoices("MC_REDIS_URL", "REFLEX_REDIS_URL", "redis_url"),
        description="redis://... for the cross-worker event fan-out (and the health check).",
    )
    event_fanout: str = Field(
        default="auto",
        pattern="^(auto|redis|postgres|none)$",
        description="auto: Redis if redis_url is set, else LISTEN/NOTIFY on PostgreSQL, else none.",
    )
    prometheus_multiproc_dir: str = Field(
        default="",
        validation_alias=AliasChoices("PROMETHEUS_MULTIPROC_DIR", "prometheus_multiproc_dir"),
        description="Set (as an environment variable, before the workers start) to add up "
        "counters and histograms of every worker at /metrics.",
    )
    metrics_token: str = Field(
        default="",
        repr=False,
        description="Bearer token for /metrics and for /api/v1/health's details. Empty: "
        "/metrics is off (404) and health tells only ok or failing.",
    )
    log_level: str = "INFO"
    log_format: str = Field(default="json", pattern="^(json|text)$")
    access_log: bool = Field(
        default=True,
        description="A log line per API request (`make demo` turns it off: the simulated squad "
        "would fill the terminal).",
    )
    seed_demo: bool = True
    workspace_slug: str = "demo"
    frontend_port: int = 3000

    # Heartbeat engine (mission_control/heartbeat). Times are seconds.
    heartbeat_enabled: bool = Field(
        default=True, description="Run the heartbeat engine in this process (one wins the lease)."
    )
    heartbeat_lease_ttl_s: float = 30.0
    heartbeat_lease_renew_s: float = 10.0
    heartbeat_poll_s: float = Field(
        default=1.0,
        description="How often the engine looks for wake requests from other processes.",
    )
    heartbeat_wake_debounce_s: float = Field(
        # Half a second still folds a burst of mentions into one heartbeat, and keeps
        # mention -> driver call under a second with the fan-out's delivery on top.
        default=0.5,
        description="A mention or assignment wakes its agent this long after it arrives.",
    )
    heartbeat_timeout_s: float = 60.0
    heartbeat_max_retries: int = 2
    heartbeat_backoff_base_s: float = 0.5
    heartbeat_backoff_max_s: float = 8.0
    heartbeat_breaker_threshold: int = 3
    heartbeat_breaker_cooldown_s: float = Field(
        default=30.0,
        description="After a failed heartbeat the engine tries the agent again this much later (a "
        "probe, once its circuit is open), so a healed endpoint is back within a minute.",
    )
    heartbeat_offline_after_missed: int = 5
    heartbeat_context_budget_chars: int = 16000
    heartbeat_due_soon_s: float = 3600.0
    heartbeat_keep_skipped_days: int = 7
    # Fallbacks for `openai` agents whose driver_config names no base_url / api_key. No defaults.
    openai_base_url: str = ""
    openai_api_key: str = Field(default="", repr=False)
    # Agent API (mission_control/api). Limits are per key (or per client address before auth).
    api_rate_limit: str = Field(
        default="600/minute", description="Requests per key, `limits` syntax."
    )
    api_auth_failure_limit: str = Field(
        default="30/minute", description="Refused credentials per client address before 429."
    )
    api_rate_limit_storage: str = Field(
        default="memory://",
        description="`limits` storage URI; redis://... shares it across workers.",
    )
    api_key_cache_s: float = Field(
        default=2.0,
        ge=0,
        description="How long a worker remembers who a key belongs to (0: look it up on every "
        "request). Changes made through the app apply at once in the worker that made them.",
    )
    api_max_body_bytes: int = Field(default=3 * 1024 * 1024, ge=1024)
    ws_max_streams_per_key: int = Field(
        default=4, ge=1, description="WebSocket streams one key may hold open (per worker); more are "
        "refused with close code 4429.",
    )
    # Outbound webhooks (services/webhooks.py, webhook_dispatcher.py). Times are seconds.
    webhook_timeout_s: float = 10.0
    webhook_max_attempts: int = Field(default=8, ge=1, description="Then a delivery is failed.")
    webhook_backoff_base_s: float = 5.0
    webhook_backoff_max_s: float = 3600.0
    webhook_poll_s: float = Field(
        default=2.0, description="How often the dispatcher looks for due retries."
    )
    webhook_batch: int = Field(default=20, ge=1, description="Deliveries sent at once.")
    webhook_per_workspace: int = Field(
        default=4,
        ge=1,
        description="Deliveries of one workspace sent at once: a receiver that hangs (or one "
        "workspace's backlog) holds only these, never another workspace's deliveries.",
    )
    # Outbound requests (webhooks, agent drivers): mission_control/outbound/.
    outbound_allow: str = Field(
        default="",
        description="Private or loopback destinations requests may go to after all, e.g. a "
        "local model server: comma-separated host:port, [v6]:port or CIDR:port entries "
        "(port * or left out: any port). Everything not public is refused otherwise.",
    )
    outbound_max_response_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="The largest answer read from a model endpoint or webhook agent.",
    )
    # Operator sign-in (UI and POST /api/v1/auth/tokens). Failed sign-ins are counted per client
    # address and per workspace+handle (known or not, so a refusal reveals nothing); an address
    # reaches its own limit before it alone can fill a handle's, so one attacker cannot lock a
    # known handle out, and a handle is refused at most until its oldest failure ages out.
    login_address_limit: str = Field(
        default="10/15 minutes", description="Failed sign-ins per client address, `limits` syntax."
    )
    login_handle_limit: str = Field(
        default="20/15 minutes", description="Failed sign-ins per workspace and handle."
    )
    # Browser sessions (services/browser_sessions.py): an HttpOnly cookie, checked server-side.
    session_idle_timeout_s: int = Field(
        default=12 * 3600, ge=60, description="A browser session unused this long has ended."
    )
    session_max_age_s: int = Field(
        default=7 * 86400, ge=60, description="A browser session ends this long after sign-in."
    )
    session_cookie_secure: Literal["auto", "always", "never"] = Field(
        default="auto",
        description="Mark the session cookie Secure: auto does when the request came over HTTPS "
        "(its scheme, or X-Forwarded-Proto from a proxy).",
    )

    # Agent memory (mission_control/memory). The database is the source of truth; the vector
    # store is derived from it and rebuilt by `mc memory reindex`.
    memory_enabled: bool = Field(
        default=True, description="Remember messages, documents, tasks and notes, and index them."
    )
    memory_backend: Literal["edge", "qdrant"] = Field(
        default="edge",
        description="edge: Qdrant's in-process engine under memory_dir; qdrant: qdrant-client "
        "(a server at qdrant_url, or its local mode under memory_dir when no URL is given).",
    )
    qdrant_url: str = ""
    qdrant_api_key: str = Field(default="", repr=False)
    memory_dir: Path | None = Field(default=None, description="Default: data_dir/memory.")
    memory_agent_cap: int = Field(
        default=500, ge=1, description="Private memories kept per agent; consolidated past it."
    )
    memory_batch_size: int = Field(default=32, ge=1, le=512)
    memory_poll_s: float = Field(default=1.0, description="How often the indexer looks for work.")
    memory_duplicate_score: float = Field(
        default=0.92, description="Cosine similarity from which two notes of an agent are merged."
    )
    memory_context_k: int = Field(default=8, ge=0, description="Memories put into a heartbeat.")
    memory_min_score: float = Field(
        default=0.3, description="Memories less similar than this stay out of a heartbeat."
    )

    @field_validator("outbound_allow")
    @classmethod
    def _allow_list_parses(cls, value: str) -> str:
        from mission_control.outbound.policy import parse_allow  # no import cycle at load

        parse_allow(value)  # a malformed entry stops the start, naming it
        return value

    @property
    def resolved_memory_dir(self) -> Path:
        return self.memory_dir or self.data_dir / "memory"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'mission_control.db'}"


class ClientSettings(BaseSettings):
    """What the `mc` CLI and `mc mcp` need: where the server is and which key to use."""

    model_config = SettingsConfigDict(env_prefix="MC_", env_file=".env", extra="ignore")

    url: str = Field(default="http://127.0.0.1:3000", description="Mission Control's address.")
    api_key: str = Field(default="", description="An agent key (mca_…) or operator token (mco_…).")
    timeout_s: float = 30.0


# Defaults this app gives Reflex's own settings, applied (where unset) by rxconfig.py.
#   REFLEX_OPLOCK_ENABLED: with the UI state in Redis (scale-out), a worker keeps the lock on the
#   states of the tabs it serves for a few seconds, instead of locking, fetching, writing and
#   unlocking every tab's state in Redis for every event; a worker that wants one of those
#   states asks and gets it at once. The live push (state/live.py) updates every open tab on
#   every change, so this is most of its cost with several workers (measured at 50 tabs over
#   two workers: push p50 ~3x lower).
REFLEX_DEFAULTS = {"REFLEX_OPLOCK_ENABLED": "true"}


def apply_reflex_defaults() -> None:
    for name, value in REFLEX_DEFAULTS.items():
        os.environ.setdefault(name, value)


def use_offline_models() -> None:
    """The embedding model loads from its files on disk only: Hugging Face's libraries read
    these flags from the environment, and must never reach for a hub."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def child_env(*, path_first: Sequence[Path] = (), **overrides: str) -> dict[str, str]:
    """The environment for a process this one starts (an app server, a benchmark's helper):
    this process's own, with `overrides`, and the `path_first` folders ahead on PATH."""
    env = {**os.environ, **overrides}
    if path_first:
        env["PATH"] = os.pathsep.join([*map(str, path_first), os.environ.get("PATH", "")])
    return env


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
