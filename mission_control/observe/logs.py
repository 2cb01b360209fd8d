"""Structured logs: one JSON object per line, carrying the request id of the API call
(or heartbeat) that caused it.

`configure()` is called once by the app entry point; library code only uses
`logging.getLogger(__name__)`.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import uuid
from datetime import UTC, datetime
from typing import IO, Any

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("mc_request_id", default="")

_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Attributes every LogRecord has; anything else was passed in `extra=` and is logged as a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def new_request_id(incoming: str | None = None) -> str:
    """Keep a caller's X-Request-ID if it is sane (so traces join up), else make one."""
    if incoming and _SAFE_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = getattr(record, "request_id", "") or request_id.get()
        if rid:
            out["request_id"] = rid
        for key, value in vars(record).items():
            if key not in _STANDARD and key != "request_id" and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, ensure_ascii=False)


class AppHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Ours, so configuring twice replaces it instead of printing every line twice."""


def configure(level: str = "INFO", fmt: str = "json", stream: IO[str] | None = None) -> None:
    """Send `mission_control.*` logs to stderr (or `stream`), as JSON lines (or plain text)."""
    handler = AppHandler(stream)
    handler.addFilter(RequestIdFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    logger = logging.getLogger("mission_control")
    for old in [h for h in logger.handlers if isinstance(h, AppHandler)]:
        logger.removeHandler(old)
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    # Reflex and uvicorn keep their own handlers; ours would print each line twice.
    logger.propagate = False
