"""Log lines that say which request and which draft they belong to, as text or as JSON.

The request id is the one every response carries as `X-Request-ID` (`app.problems`); the draft id
is set while a draft runs (`draft_context`). Both live in context variables, so every line logged
while a request is answered or a draft runs carries them, whichever module logs it; a draft that a
request started carries that request's id too (the runner copies the context into its thread).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any, Literal

from app.problems import current_request_id

LogFormat = Literal["text", "json"]

_draft_id: ContextVar[str | None] = ContextVar("planwright_draft_id", default=None)

# What a LogRecord carries of its own; anything else was passed in `extra=` and goes into the JSON.
# uvicorn's `color_message` repeats the message with terminal colours.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "color_message",
}
_CONTEXT_FIELDS = ("request_id", "draft_id")


def current_draft_id() -> str | None:
    return _draft_id.get()


@contextmanager
def draft_context(draft_id: str) -> Iterator[None]:
    """Every line logged inside names `draft_id`."""
    token = _draft_id.set(draft_id)
    try:
        yield
    finally:
        _draft_id.reset(token)


class ContextFilter(logging.Filter):
    """Puts the current request id and draft id on every record a handler emits (None outside them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        record.draft_id = current_draft_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, draft_id, and any `extra=` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _CONTEXT_FIELDS:
            if (value := getattr(record, name, None)) is not None:
                entry[name] = value
        for name, value in vars(record).items():
            if name not in _RECORD_FIELDS and name not in _CONTEXT_FIELDS and not name.startswith("_"):
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """`time LEVEL logger [request=… draft=…] message`, the bracket only when there is a request or draft."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(context)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        ids = [f"{name.split('_')[0]}={value}" for name in _CONTEXT_FIELDS if (value := getattr(record, name, None))]
        record.context = f" [{' '.join(ids)}]" if ids else ""
        return super().format(record)


def log_handler(log_format: LogFormat, stream: IO[str] | None = None) -> logging.Handler:
    """A handler writing to `stream` (stderr) in `log_format`, every line with its request and draft ids."""
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    return handler


def configure_logging(log_format: LogFormat, level: str = "INFO") -> None:
    """Send every logger's lines (uvicorn's included) to stderr in `log_format`. For a process's entry point."""
    logging.basicConfig(level=level.upper(), handlers=[log_handler(log_format)], force=True)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
