"""Toasts whose text may hold what users and agents wrote (error messages quote names, titles,
ids from a URL).

Reflex reads `<reflex.Var>ID</reflex.Var>` inside any Python string it turns into JavaScript
(a toast's text, a redirect's URL) as a reference to one of the app's compiled vars: an
unknown numeric ID raises on the socket, and a non-numeric one makes Reflex loop forever,
holding the worker. `inert` breaks the tag, so such text shows as typed and does nothing.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.constants import REFLEX_VAR_OPENING_TAG

# The tag with a zero-width space after "<": it reads the same and no longer matches.
_BROKEN_TAG = "<\u200b" + REFLEX_VAR_OPENING_TAG[1:]


def inert(text: str) -> str:
    return text.replace(REFLEX_VAR_OPENING_TAG, _BROKEN_TAG)


def error(text: str, **props: Any) -> Any:
    return rx.toast.error(inert(text), **props)


def warning(text: str, **props: Any) -> Any:
    return rx.toast.warning(inert(text), **props)


def success(text: str, **props: Any) -> Any:
    return rx.toast.success(inert(text), **props)


def info(text: str, **props: Any) -> Any:
    return rx.toast.info(inert(text), **props)
