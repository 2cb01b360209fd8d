"""`private_redis()` for tests: skips where redis-server is not installed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from mission_control.tools import redis_server
from mission_control.tools.redis_server import PrivateRedis


@contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    if not redis_server.available():
        pytest.skip("needs redis-server (apt-get install redis-server)")
    with redis_server.private_redis() as server:
        yield server

