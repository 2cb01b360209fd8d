"""Domain events and the in-process event bus.

Services never publish directly: they call `record(session, event)`, which parks the event
on the session. A listener on the session's `after_commit` publishes everything parked, so a
subscriber never sees a change that was rolled back. Subscribers must be quick and must not
write into the database from inside the callback (hand work to a queue instead).

Cross-process delivery (another worker, the CLI, a test process) does not go through this bus:
each app worker also watches the database for changes (see `state/live.py`).
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from mission_control.observe import metrics

log = logging.getLogger(__name__)

_PENDING_KEY = "mc_pending_events"
_ids = itertools.count(1)


@dataclass(frozen=True)
class Event:
    type: str  # e.g. "task.created", "task.moved", "message.posted"
    workspace_id: int
    payload: dict[str, Any] = field(default_factory=dict)
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    seq: int = field(default_factory=lambda: next(_ids))


Subscriber = Callable[[Event], None]


class EventBus:
    """Synchronous fan-out to subscribers; a failing subscriber never affects the others."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def publish(self, event: Event) -> None:
        metrics.events_published.labels(event.type).inc()
        with self._lock:
            subscribers = list(self._subscribers)
        for callback in subscribers:
            try:
                callback(event)
            except Exception:  # a subscriber's bug must not break the writer
                log.exception("event subscriber %r failed on %s", callback, event.type)


bus = EventBus()


def record(session: Session, event: Event) -> None:
    """Park an event on the session; it is published only if the transaction commits."""
    session.info.setdefault(_PENDING_KEY, []).append(event)


@sa_event.listens_for(Session, "after_commit")
def _publish_after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a SAVEPOINT released: the real commit is still to come
        return
    pending = session.info.pop(_PENDING_KEY, [])
    for ev in pending:
        bus.publish(ev)


@sa_event.listens_for(Session, "after_soft_rollback")
def _drop_after_rollback(session: Session, previous_transaction: Any) -> None:
    if getattr(previous_transaction, "nested", False):
        return  # a SAVEPOINT rolled back: whoever opened it trims what it parked
    session.info.pop(_PENDING_KEY, None)
