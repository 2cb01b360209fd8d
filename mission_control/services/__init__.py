"""Domain logic. Every mutation in the product goes through a function here.

Functions are keyword-only, take the caller's `session` and never commit: the caller's unit
of work (`db.session_scope()`) commits, so several calls can form one transaction and a
refused operation (an exception from `mission_control.errors`) writes nothing. Each mutation
records its Activity and AuditEvent and parks an event that is published after commit.
No reflex import here.
"""

# Registers the webhook outbox's before-commit hook for every session that uses the services.
from mission_control.services import webhook_outbox as _webhook_outbox  # noqa: E402, F401
