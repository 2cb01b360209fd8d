"""Domain events and the in-process event bus.

Services never publish directly: they call `record(session, event)`, which parks the event
on the session. A listener on the session's `after_commit` publishes everything parked, so a
subscriber never sees a change that was rolled back. Subscribers must be quick and must not
write into the database from inside the callback (hand work to a queue instead).

The session listeners are installed by `install()`, which every process that writes calls once
at start (through `mission_control.startup.install_event_hooks`), never on import.

Cross-process delivery (another worker, the CLI, a test process) does not go through this bus:
each app worker also watches the database for changes (see `state/live.py`).
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from mission_control.observe import metrics

log = logging.getLogger(__name__)

_PENDING_KEY = "mc_pending_events"
_ids = itertools.count(1)
_installed = False  # see install()
_warned = False


class EventType(StrEnum):
    """Every event. The value is also the audit log's `action` and the feed's `event_type`, so
    stored rows and API output keep these exact strings: rename a value only with a migration."""

    task_created = "task.created"
    task_updated = "task.updated"
    task_assigned = "task.assigned"
    task_unassigned = "task.unassigned"
    task_deleted = "task.deleted"
    task_moved = "task.moved"
    task_reordered = "task.reordered"
    task_dependency_added = "task.dependency_added"
    task_dependency_removed = "task.dependency_removed"
    message_posted = "message.posted"
    document_created = "document.created"
    document_updated = "document.updated"
    document_deleted = "document.deleted"
    working_state_updated = "working_state.updated"
    agent_created = "agent.created"
    agent_updated = "agent.updated"
    agent_paused = "agent.paused"
    agent_resumed = "agent.resumed"
    agent_status = "agent.status"
    agent_deleted = "agent.deleted"
    agent_checked_in = "agent.checked_in"
    agent_wake_requested = "agent.wake_requested"
    agent_blocker_reported = "agent.blocker_reported"
    agent_remembered = "agent.remembered"
    agent_circuit_opened = "agent.circuit_opened"
    agent_circuit_closed = "agent.circuit_closed"
    notification_created = "notification.created"
    notification_read = "notification.read"
    notification_read_all = "notification.read_all"
    user_created = "user.created"
    user_deactivated = "user.deactivated"
    user_reactivated = "user.reactivated"
    user_password_set = "user.password_set"
    user_signed_in = "user.signed_in"
    user_signed_out = "user.signed_out"
    api_key_created = "api_key.created"
    api_key_revoked = "api_key.revoked"
    workspace_created = "workspace.created"
    workspace_renamed = "workspace.renamed"
    webhook_created = "webhook.created"
    webhook_updated = "webhook.updated"
    webhook_deleted = "webhook.deleted"
    webhook_redelivery_requested = "webhook.redelivery_requested"
    webhook_queued = "webhook.queued"  # a delivery was queued: nudges the dispatcher
    webhook_attempted = "webhook.attempted"  # a delivery attempt was recorded (no audit row)

    @property
    def subject(self) -> str:
        """What the event is about: "task" for task.moved."""
        return self.value.partition(".")[0]

    @classmethod
    def about(cls, *subjects: str) -> frozenset[EventType]:
        """Every event about these subjects ("task", "webhook", ...), for subscribers that
        follow a whole kind of thing; a new member joins them without touching the subscriber."""
        found = frozenset(member for member in cls if member.subject in subjects)
        unknown = set(subjects) - {member.subject for member in found}
        if unknown:
            raise ValueError(f"no events about {', '.join(sorted(unknown))}")
        return found


class WebhookEvent(StrEnum):
    """What an outbound webhook subscribes to. Each is derived from an EventType (see
    services/webhook_outbox.py); the values are part of the public API and stored on webhooks."""

    task_review = "task.review"
    agent_blocked = "agent.blocked"
    operator_mentioned = "operator.mentioned"
    standup_published = "standup.published"


@dataclass(frozen=True)
class Event:
    type: EventType
    workspace_id: int
    payload: dict[str, Any] = field(default_factory=dict)
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    seq: int = field(default_factory=lambda: next(_ids))

    def __post_init__(self) -> None:
        # A plain string would still compare equal to a member, so a typo or a renamed type
        # would reach no subscriber without a word: refuse it here instead.
        if not isinstance(self.type, EventType):
            raise TypeError(f"Event.type must be an EventType member, not {self.type!r}")


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
    if not _installed and not _warned:
        _warn_not_installed()
    session.info.setdefault(_PENDING_KEY, []).append(event)


def _warn_not_installed() -> None:
    # Not an error: a one-off script writing through the services may not care. But a process
    # that serves people would silently publish nothing, so say it once.
    global _warned
    _warned = True
    log.warning("events are recorded but never published: this process did not call "
                "mission_control.startup.install_event_hooks() at start")


def pending(session: Session) -> list[Event]:
    """The events parked on `session` so far (published if it commits)."""
    return list(session.info.get(_PENDING_KEY, []))


@contextmanager
def savepoint(session: Session) -> Iterator[list[Event]]:
    """Run the block inside a SAVEPOINT. If it fails, the savepoint is rolled back and the
    events the block parked are dropped with it (the error goes on up); if it succeeds, they
    stay parked for the real commit and the yielded list holds them."""
    parked: list[Event] = session.info.setdefault(_PENDING_KEY, [])
    before = len(parked)
    kept: list[Event] = []
    nested = session.begin_nested()
    try:
        yield kept
        nested.commit()
    except BaseException:
        nested.rollback()
        del session.info.get(_PENDING_KEY, [])[before:]
        raise
    kept.extend(session.info.get(_PENDING_KEY, [])[before:])


def _publish_after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a SAVEPOINT released: the real commit is still to come
        return
    pending = session.info.pop(_PENDING_KEY, [])
    for ev in pending:
        bus.publish(ev)


def _drop_after_rollback(session: Session, previous_transaction: Any) -> None:
    if getattr(previous_transaction, "nested", False):
        return  # a SAVEPOINT rolled back: whoever opened it trims what it parked (see savepoint)
    session.info.pop(_PENDING_KEY, None)


_HOOKS: tuple[tuple[str, Callable[..., None]], ...] = (
    ("after_commit", _publish_after_commit),
    ("after_soft_rollback", _drop_after_rollback),
)


def install() -> None:
    """Publish parked events after every commit and drop them on rollback (idempotent)."""
    global _installed
    for name, hook in _HOOKS:
        if not sa_event.contains(Session, name, hook):
            sa_event.listen(Session, name, hook)
    _installed = True
