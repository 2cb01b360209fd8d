"""Controls a role may not use are shown read-only: disabled, with the reason on hover, rather
than enabled controls whose submit is refused. The services refuse the change either way."""

from __future__ import annotations

from typing import Any

import reflex as rx

from mission_control.state.session import SessionState

VIEWER_REASON = "Read-only: viewers can look but not change anything. Ask an admin for the operator role."
ADMIN_REASON = "Only an admin can do this."


def _guard(allowed: rx.Var[bool], reason: str, disabled: Any) -> dict[str, Any]:
    off = ~allowed if disabled is False else (~allowed | disabled)
    return {"disabled": off, "title": rx.cond(allowed, "", reason)}


def work_only(disabled: Any = False) -> dict[str, Any]:
    """Props for a control that changes work (tasks, messages, documents, notes, reviews):
    read-only for viewers. `disabled`: the control's own reason to be off, if any."""
    return _guard(SessionState.can_work, VIEWER_REASON, disabled)


def work_only_attrs(disabled: Any = False) -> dict[str, Any]:
    """work_only for rx.select and rx.checkbox, which pass a title on only as a custom
    attribute (to the select's trigger button, the checkbox's own button)."""
    props = work_only(disabled)
    return {"disabled": props["disabled"], "custom_attrs": {"title": props["title"]}}


def admin_only(disabled: Any = False) -> dict[str, Any]:
    """Props for an admin's control (agents, keys, operators, the workspace)."""
    return _guard(SessionState.is_admin, ADMIN_REASON, disabled)
