"""What every process that writes through the services installs once, at start.

The app and the API app factory call `install_event_hooks()`; so do the tests, the seed,
the demo, the benchmarks and any script that should behave like a worker. Without it a write
still commits, but publishes no event and queues no outbound webhook.
"""

from __future__ import annotations

from mission_control import events
from mission_control.services import webhook_outbox


def install_event_hooks() -> None:
    """Idempotent: a second call (another app in the same process, a test) changes nothing."""
    webhook_outbox.install()
    events.install()
