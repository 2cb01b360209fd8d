"""How a worker tells that the Redis holding the tabs' state lost it: the epoch marker stays
while Redis keeps its keys and changes when Redis restarts empty (or is flushed)."""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis
from private_redis import private_redis

from mission_control.state.recovery import current_epoch


def test_the_epoch_changes_only_when_redis_lost_its_keys():
    with private_redis() as server:

        async def epoch() -> bytes:
            client = aioredis.Redis.from_url(server.url())
            try:
                return await current_epoch(client)
            finally:
                await client.aclose()

        first = asyncio.run(epoch())
        assert first and asyncio.run(epoch()) == first  # kept while Redis keeps its keys
        server.kill()
        server.start()  # same port, empty
        restarted = asyncio.run(epoch())
        assert restarted not in (b"", first)
        asyncio.run(_flush(server.url()))
        assert asyncio.run(epoch()) not in (restarted, first)


async def _flush(url: str) -> None:
    client = aioredis.Redis.from_url(url)
    try:
        await client.flushall()
    finally:
        await client.aclose()
