"""Calling a driver: a hard timeout per attempt, retries with exponential backoff and jitter
on transient failures only, and nothing but DriverError coming out."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from mission_control.drivers.protocol import DriverError, TransientDriverError

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    timeout_s: float = 60.0
    max_retries: int = 2
    base_s: float = 0.5
    max_s: float = 8.0

    def delay(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        """Backoff before retry number `attempt` (1-based): half fixed, half random."""
        cap = min(self.max_s, self.base_s * 2 ** (attempt - 1))
        return cap / 2 + rng() * cap / 2


class CallFailed(Exception):
    def __init__(self, error: DriverError, attempts: int) -> None:
        super().__init__(str(error))
        self.error = error
        self.attempts = attempts


async def call_with_retries(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    rng: Callable[[], float] = random.random,
) -> tuple[T, int]:
    """Returns (result, attempts) or raises CallFailed. Cancellation passes straight through."""
    attempt = 0
    while True:
        attempt += 1
        try:
            # A hard cap a little past the driver's own timeout (which names what was slow).
            async with asyncio.timeout(policy.timeout_s * 1.1 + 0.25):
                return await call(), attempt
        except TimeoutError:
            error: DriverError = TransientDriverError(f"no answer within {policy.timeout_s:g} s")
        except DriverError as exc:
            error = exc
        except Exception as exc:  # a driver bug: report it, never crash the scheduler
            log.exception("driver raised %s (a bug in the driver)", exc.__class__.__name__)
            error = DriverError(f"driver error {exc.__class__.__name__}: {exc}")
        if not error.transient or attempt > policy.max_retries:
            raise CallFailed(error, attempt)
        await sleep(policy.delay(attempt, rng))
