"""Domain errors: one tree, each subclassing a built-in so callers can catch broadly.

    MissionControlError(Exception)
     ├── NotFound(MissionControlError, LookupError)     -> HTTP 404
     ├── Conflict(MissionControlError)                   -> HTTP 409 (stale write, duplicate name)
     ├── Forbidden(MissionControlError, PermissionError) -> HTTP 403 (role or identity may not do this)
     ├── Unauthenticated(MissionControlError, PermissionError) -> HTTP 401 (no, unknown or revoked key)
     ├── RateLimited(MissionControlError)               -> HTTP 429 + Retry-After (too many requests/attempts)
     └── Invalid(MissionControlError, ValueError)        -> HTTP 422 (refused transition, cycle, bad field)

Messages are written for the person who sees them: they say what was refused and why,
naming the objects involved ("task 12 depends on 7, which is not done").
"""

from __future__ import annotations

from typing import Any


class MissionControlError(Exception):
    code = "error"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class NotFound(MissionControlError, LookupError):
    code = "not_found"


class Conflict(MissionControlError):
    code = "conflict"


class Forbidden(MissionControlError, PermissionError):
    code = "forbidden"


class Invalid(MissionControlError, ValueError):
    code = "invalid"


class Unauthenticated(MissionControlError, PermissionError):
    code = "unauthenticated"


class RateLimited(MissionControlError):
    """Too many requests or attempts; `retry_after` says how many seconds to wait."""

    code = "rate_limited"

    def __init__(
        self, message: str, *, retry_after: int, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message, details={"retry_after": retry_after, **(details or {})})
        self.retry_after = retry_after
