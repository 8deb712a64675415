"""How riskgate logs: one JSON object a line (python-json-logger) on stderr, with the request
id of the HTTP request being served, if any; riskgate's own loggers at RISKGATE_LOG_LEVEL and
the libraries' (kafka-python, urllib3, werkzeug, redis…) at RISKGATE_LIBRARY_LOG_LEVEL.

The same configuration serves the commands (`configure`) and gunicorn (`dict_config`, given to
it as `logconfig_dict`, so that its own lines are JSON too)."""

from __future__ import annotations

import contextvars
import logging
import logging.config
from typing import Any

# The libraries whose INFO lines say nothing an operator acts on (kafka-python alone writes
# 39-91 of them per command); they log at WARNING unless RISKGATE_LIBRARY_LOG_LEVEL says less.
LIBRARY_LOGGERS = (
    "kafka",
    "urllib3",
    "werkzeug",
    "redis",
    "apispec",
    "flask_smorest",
    "gunicorn.access",
)
REQUEST_ID_HEADER = "X-Request-ID"

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "riskgate_request_id", default=None
)


def set_request_id(request_id: str | None) -> contextvars.Token[str | None]:
    """Name the request this thread serves; every line it logs carries the id until reset."""
    return _request_id.set(request_id)


def reset_request_id(token: contextvars.Token[str | None]) -> None:
    _request_id.reset(token)


def current_request_id() -> str | None:
    return _request_id.get()


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to a record logged while a request is being served."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = _request_id.get()
        if request_id is not None and not hasattr(record, "request_id"):
            record.request_id = request_id
        return True


def dict_config(level: str = "INFO", library_level: str = "WARNING") -> dict[str, Any]:
    """The logging configuration as a `logging.config.dictConfig` mapping."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "{levelname}{name}{process}{message}",
                "style": "{",
                "timestamp": "time",  # ISO 8601 in UTC
                "rename_fields": {"levelname": "level", "name": "logger"},
            }
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "json",
                "filters": ["request_id"],
            }
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            # gunicorn's own lines (workers booting, listening) go through the root handler
            "gunicorn.error": {"level": level, "handlers": [], "propagate": True},
            **{
                name: {"level": library_level, "handlers": [], "propagate": True}
                for name in LIBRARY_LOGGERS
            },
        },
    }


def configure(level: str = "INFO", library_level: str = "WARNING") -> None:
    """Log JSON lines on stderr at these levels (riskgate's own; the libraries')."""
    logging.config.dictConfig(dict_config(level, library_level))
