"""Health checks behind GET /api/v1/health.

The database is always checked; Redis when MC_REDIS_URL (or REFLEX_REDIS_URL) is set; other
parts (the memory indexer, while it runs) register their own with `register_check`. A check
returns a short detail string and raises when unhealthy.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from mission_control.config import get_settings
from mission_control.db import read_session
from mission_control.services import queries

log = logging.getLogger(__name__)

Check = Callable[[], str]
_lock = threading.Lock()
_checks: dict[str, Check] = {}


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str


def register_check(name: str, fn: Check | None) -> None:
    """Add (or with None remove) a named check; it must be quick (well under a second)."""
    with _lock:
        if fn is None:
            _checks.pop(name, None)
        else:
            _checks[name] = fn


def check_database() -> str:
    with read_session() as session:
        queries.ping(session=session)
    return "ok"


def check_redis() -> str:
    import redis

    client = redis.Redis.from_url(
        get_settings().redis_url, socket_connect_timeout=1.0, socket_timeout=1.0
    )
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def run_checks() -> list[CheckResult]:
    checks: dict[str, Check] = {"database": check_database}
    if get_settings().redis_url:
        checks["redis"] = check_redis
    with _lock:
        checks.update(_checks)
    results = []
    for name, fn in checks.items():
        try:
            results.append(CheckResult(name, True, fn() or "ok"))
        except Exception as exc:  # reported in the body, never raised
            log.warning("health check %s failed: %r", name, exc)
            results.append(CheckResult(name, False, f"{type(exc).__name__}: {exc}"[:200]))
    return results
