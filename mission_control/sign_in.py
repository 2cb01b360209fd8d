"""Password sign-in, for the UI form and POST /api/v1/auth/tokens alike.

- Off the event loop: the check (a database read and Argon2, tens of milliseconds of CPU)
  runs on a small pool of its own, so a burst of sign-ins neither stalls the app's loop nor
  takes the threads the rest of the app uses; they queue there instead, up to MAX_WAITING.
- Limited: failed sign-ins are counted per client address and per workspace+handle, whether
  the handle exists or not, so a refusal says nothing about who exists. The limits are
  checked again on the pool, just before the password is, so a burst from one address gets
  no more checks than its limit allows. An address reaches its own limit before it alone
  can fill a handle's (defaults 10 and 20 per 15 minutes), so one attacker cannot lock a
  known handle; a handle is refused only while its window is full, never longer.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from limits import RateLimitItem, parse
from sqlmodel import Session

from mission_control.api.limits import LocalWindows, SharedWindows, Windows
from mission_control.config import Settings, get_settings
from mission_control.db import session_scope
from mission_control.errors import RateLimited
from mission_control.models import User
from mission_control.services import auth

T = TypeVar("T")
log = logging.getLogger(__name__)
# Two checks at a time: on the 2-core machines this runs on, more would only queue in the CPU.
_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mc-sign-in")
# Beyond this many sign-ins waiting for the pool (a flood from many addresses), refuse at once
# rather than let the queue, and everyone's wait, grow without bound.
MAX_WAITING = 32
_waiting = 0


class SignInLimits:
    def __init__(self, per_address: str, per_handle: str, storage_uri: str = "memory://") -> None:
        memory = storage_uri.rstrip("/") in ("memory:", "memory:/", "")
        self._windows: Windows = LocalWindows() if memory else SharedWindows(storage_uri)
        self.per_address: RateLimitItem = parse(per_address)
        self.per_handle: RateLimitItem = parse(per_handle)

    @classmethod
    def from_settings(cls, settings: Settings) -> SignInLimits:
        return cls(settings.login_address_limit, settings.login_handle_limit, settings.api_rate_limit_storage)

    @staticmethod
    def _handle_key(workspace: str, handle: str) -> str:
        return f"{workspace.strip().lower()}/{handle.strip().lstrip('@').lower()}"

    def _refuse(self, item: RateLimitItem, what: str, *ids: str) -> RateLimited:
        wait = max(1, math.ceil(self._windows.reset_at(item, *ids) - time.time()))
        return RateLimited(f"too many failed sign-ins {what}; try again in {wait} s", retry_after=wait)

    def check(self, address: str, workspace: str, handle: str) -> None:
        """RateLimited if this address or this handle is at its limit (counts nothing)."""
        if not self._windows.test(self.per_address, "signin-addr", address):
            raise self._refuse(self.per_address, "from this address", "signin-addr", address)
        key = self._handle_key(workspace, handle)
        if not self._windows.test(self.per_handle, "signin-handle", key):
            raise self._refuse(self.per_handle, "for this handle", "signin-handle", key)

    def failed(self, address: str, workspace: str, handle: str) -> None:
        self._windows.hit(self.per_address, "signin-addr", address)
        self._windows.hit(self.per_handle, "signin-handle", self._handle_key(workspace, handle))


_current: SignInLimits | None = None


def use_limits(limits: SignInLimits) -> None:
    """Make these the limits the UI form counts against (the API app installs its own, so
    the form and the API share one count per address and handle)."""
    global _current
    _current = limits


def current_limits() -> SignInLimits:
    if _current is None:
        use_limits(SignInLimits.from_settings(get_settings()))
    assert _current is not None
    return _current


def _attempt(
    limits: SignInLimits, address: str, workspace: str, handle: str, password: str,
    issue: Callable[[Session, User], T],
) -> T:
    limits.check(address, workspace, handle)
    with session_scope() as session:
        user = auth.check_login(session=session, workspace_slug=workspace, handle=handle, password=password)
        if user is not None:
            return issue(session, user)
    limits.failed(address, workspace, handle)
    log.info("refused sign-in", extra={"client": address, "workspace": workspace})
    raise auth.refused()


async def sign_in(
    *, limits: SignInLimits, address: str, workspace: str, handle: str, password: str,
    issue: Callable[[Session, User], T],
) -> T:
    """Check the password; on success `issue(session, user)` runs in the same unit of work and
    its result is returned. Raises Unauthenticated (wrong anything) or RateLimited (429)."""
    global _waiting
    workspace, handle = workspace.strip(), handle.strip().lstrip("@")
    limits.check(address, workspace, handle)  # refused at once, without queueing
    if _waiting >= MAX_WAITING:
        raise RateLimited("sign-in is busy; try again in a few seconds", retry_after=2)
    _waiting += 1
    try:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(_pool, _attempt, limits, address, workspace, handle, password, issue)
    finally:
        _waiting -= 1
