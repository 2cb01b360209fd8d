"""Per-key rate limits keep a moving window: a key over its limit waits until its oldest
request leaves the window, and says how long; other keys are not affected."""

from __future__ import annotations

import time

import pytest

from mission_control.api.limits import RateLimiter
from mission_control.errors import RateLimited


def test_a_key_over_its_limit_waits_for_its_oldest_request_to_leave_the_window():
    limiter = RateLimiter("3/second", "5/minute")
    for _ in range(3):
        limiter.hit_key(1)
    with pytest.raises(RateLimited) as refused:
        limiter.hit_key(1)
    assert refused.value.retry_after == 1
    limiter.hit_key(2)  # another key has its own window
    time.sleep(1.05)
    limiter.hit_key(1)  # the window moved on


def test_refused_credentials_block_the_address_until_they_age_out():
    limiter = RateLimiter("100/second", "2/second")
    limiter.check_client("10.0.0.1")
    limiter.record_failure("10.0.0.1")
    limiter.record_failure("10.0.0.1")
    with pytest.raises(RateLimited):
        limiter.check_client("10.0.0.1")
    limiter.check_client("10.0.0.2")
    time.sleep(1.05)
    limiter.check_client("10.0.0.1")
