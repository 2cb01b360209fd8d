"""Outbound requests: one policy (`policy.py`: where this server may send), one client
(`client.py`: checked at connect time, no redirects, a deadline and a size cap per request),
and the check run when a URL is saved (`urls.py`)."""

from __future__ import annotations

from mission_control.outbound.client import Answer, Client, current_policy
from mission_control.outbound.policy import (
    OutboundError,
    Policy,
    Refused,
    TimedOut,
    TooLarge,
    Unreachable,
)
from mission_control.outbound.urls import refusal


def url_refusal(url: str) -> str | None:
    """Why the deployment's policy would refuse `url`, or None."""
    return refusal(url, current_policy())


__all__ = [
    "Answer", "Client", "OutboundError", "Policy", "Refused", "TimedOut", "TooLarge",
    "Unreachable", "current_policy", "refusal", "url_refusal",
]
