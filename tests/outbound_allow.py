"""Tests' loopback stand-ins (a scripted model server, webhook receivers) are exactly what the
outbound policy refuses by default: each is let through by listing its own address in
MC_OUTBOUND_ALLOW for as long as it runs, never by loosening the default."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from mission_control.config import get_settings


@contextmanager
def allowed(*entries: str) -> Iterator[None]:
    settings = get_settings()
    settings.outbound_allow = ",".join(e for e in [settings.outbound_allow, *entries] if e)
    try:
        yield
    finally:
        left = [e for e in settings.outbound_allow.split(",") if e]
        for entry in entries:
            left.remove(entry)
        settings.outbound_allow = ",".join(left)
