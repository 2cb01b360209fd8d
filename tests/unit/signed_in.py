"""A page state signed in as a browser would be: the session cookie in its socket's headers."""

from __future__ import annotations

from typing import Any

from reflex.istate.data import RouterData

from mission_control.services.browser_sessions import COOKIE


def signed_in(cls: type[Any], token: str, *, path: str = "/") -> Any:
    s = cls()
    s.router = RouterData.from_router_data(
        {"headers": {"cookie": f"theme=dark; {COOKIE}={token}"}, "pathname": path, "asPath": path}
    )
    return s
