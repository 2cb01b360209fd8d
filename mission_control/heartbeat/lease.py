"""One active scheduler per deployment: a lease row in the database.

Every app worker runs `lifespan.run_heartbeat_engine()`; each tries to take the lease named
"heartbeat". The holder renews it every `renew_s`; if the holder dies, its lease expires after
`ttl_s` and the next worker to try takes it over (the `epoch` grows). Works the same on SQLite
(write units are exclusive) and PostgreSQL (the row is locked FOR UPDATE).

The epoch is a fencing token: before applying a reply, the runner checks (`fence`) that this
process still holds the lease with the epoch it started with, so a holder that stalled past its
expiry cannot write after a takeover. Expiry uses each process's clock: keep clock skew between
hosts well under the TTL.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from mission_control.db import session_scope
from mission_control.models import SchedulerLease, utcnow

log = logging.getLogger(__name__)


class LeaseLost(LookupError):
    pass


def default_holder() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Lease:
    def __init__(self, name: str = "heartbeat", *, holder: str | None = None, ttl_s: float = 30.0) -> None:
        self.name = name
        self.holder = holder or default_holder()
        self.ttl = timedelta(seconds=ttl_s)
        self.epoch: int | None = None  # set while held

    @property
    def held(self) -> bool:
        return self.epoch is not None

    def acquire_or_renew(self) -> bool:
        """Take the lease if free or expired, renew it if ours. True if we hold it now."""
        try:
            with session_scope() as s:
                now = utcnow()
                row = s.get(SchedulerLease, self.name, with_for_update=True)
                if row is None:
                    row = SchedulerLease(name=self.name, holder=self.holder, epoch=1, acquired_at=now,
                                         expires_at=now + self.ttl)
                    s.add(row)
                    s.flush()
                    taken = True
                elif row.holder == self.holder and row.epoch == self.epoch:
                    row.expires_at = now + self.ttl
                    taken = False
                elif row.expires_at <= now:
                    log.warning("scheduler lease '%s' expired (held by %s); %s takes over",
                                self.name, row.holder, self.holder)
                    row.holder, row.epoch = self.holder, row.epoch + 1
                    row.acquired_at, row.expires_at = now, now + self.ttl
                    taken = True
                else:
                    self.epoch = None
                    return False
                s.add(row)
                epoch = row.epoch
        except IntegrityError:  # another worker inserted the row first
            self.epoch = None
            return False
        if taken:
            log.info("%s holds the scheduler lease '%s' (epoch %s)", self.holder, self.name, epoch)
        self.epoch = epoch
        return True

    def release(self) -> None:
        """Give the lease up now (clean shutdown), so another worker need not wait for expiry."""
        if self.epoch is None:
            return
        with session_scope() as s:
            row = s.get(SchedulerLease, self.name, with_for_update=True)
            if row is not None and row.holder == self.holder and row.epoch == self.epoch:
                row.expires_at = utcnow()
                s.add(row)
        self.epoch = None

    def fence(self, session: Session) -> None:
        """Raise LeaseLost unless this process still holds the lease (call inside a write unit)."""
        row = session.get(SchedulerLease, self.name, with_for_update={"read": True})
        if row is None or row.holder != self.holder or row.epoch != self.epoch:
            raise LeaseLost(f"the scheduler lease moved to {row.holder if row else 'nobody'}")
